"""Training and evaluating models: the loop the CLI runs, usable from Python too.

:class:`Trainer` runs mini-batch training for classification (softmax cross-entropy, or one logit with
sigmoid cross-entropy for two classes) and regression (mean squared error). It stops cleanly at a batch
boundary on Ctrl-C, and its whole progress — epoch, batch, the shuffling Generator's state at the start of
the epoch, running sums, dropout Generators, history — is a JSON-able dict, so a run saved mid-epoch resumes
and ends with exactly the numbers of a run that was never interrupted.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import ops
from .data import DataLoader, Split
from .data.datasets import REGRESSION
from .engine import no_grad
from .nn import Module
from .optim import Optimizer, clip_grad_norm
from .optim.schedules import LRSchedule
from .tensor import Tensor


@dataclass
class History:
    """Per-epoch metrics of a training run."""

    epochs: list[dict[str, float]] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)  # wall time per epoch (kept apart: it varies run to run)

    def last(self) -> dict[str, float]:
        return self.epochs[-1] if self.epochs else {}


# -- what is being learned: loss, predictions and the score ---------------------------------------------
class Objective:
    """The loss and the score for one kind of task."""

    metric = "accuracy"

    def loss(self, out: Any, y: np.ndarray, reduction: str = "mean") -> Any:
        return ops.cross_entropy(out, y, reduction=reduction)

    def predict(self, out: np.ndarray) -> np.ndarray:
        """Predicted labels (or values) from the network's raw outputs."""
        return np.argmax(out, axis=-1)

    def score(self, y: np.ndarray, pred: np.ndarray) -> float:
        return float(np.mean(pred == y)) if len(y) else 0.0


class BinaryObjective(Objective):
    """Two classes, one logit: sigmoid cross-entropy; the prediction is ``logit > 0``."""

    def loss(self, out: Any, y: np.ndarray, reduction: str = "mean") -> Any:
        logits = ops.reshape(out, (-1,))
        return ops.binary_cross_entropy_with_logits(logits, y.astype(logits.dtype), reduction=reduction)

    def predict(self, out: np.ndarray) -> np.ndarray:
        return (out.reshape(-1) > 0).astype(np.int64)


class RegressionObjective(Objective):
    """One real output: mean squared error; scored by R^2 = 1 - SS_res / SS_tot (1 is perfect, 0 is the mean)."""

    metric = "r2"

    def loss(self, out: Any, y: np.ndarray, reduction: str = "mean") -> Any:
        return ops.mse(ops.reshape(out, (-1,)), y, reduction=reduction)

    def predict(self, out: np.ndarray) -> np.ndarray:
        return out.reshape(-1)

    def score(self, y: np.ndarray, pred: np.ndarray) -> float:
        return r2_score(y, pred)


def r2_score(y: np.ndarray, pred: np.ndarray) -> float:
    """Coefficient of determination: the share of the targets' variance the predictions explain."""
    y = np.asarray(y, dtype=np.float64)
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    ss_res = float(np.sum((y - np.asarray(pred, dtype=np.float64)) ** 2))
    return 1.0 - ss_res / ss_tot if ss_tot > 0 else 0.0


def objective_for(data: Split) -> Objective:
    """The objective that fits ``data``'s task and number of classes."""
    if data.task == REGRESSION:
        return RegressionObjective()
    return BinaryObjective() if data.num_classes == 2 else Objective()


def outputs(model: Module, x: np.ndarray, batch_size: int = 512) -> np.ndarray:
    """The model's raw outputs for every row of ``x`` (inputs cast to the model's dtype; no graph)."""
    x = np.asarray(x, dtype=model.dtype)
    chunks = []
    with no_grad():
        for start in range(0, len(x), batch_size):
            chunks.append(model(Tensor._wrap(x[start : start + batch_size], None, False)).data)
    return np.concatenate(chunks) if chunks else np.zeros((0,))


def evaluate(model: Module, x: np.ndarray, y: np.ndarray, objective: Objective, batch_size: int = 512) -> dict:
    """Mean loss, score and predictions of ``model`` on ``(x, y)``, in eval mode."""
    was_training = model.training
    model.eval()
    x = np.asarray(x, dtype=model.dtype)
    total, preds = 0.0, []
    try:
        with no_grad():
            for start in range(0, len(x), batch_size):
                out = model(Tensor._wrap(x[start : start + batch_size], None, False))
                total += float(objective.loss(out, y[start : start + batch_size], reduction="sum").item())
                preds.append(objective.predict(out.data))
    finally:
        model.train(was_training)
    pred = np.concatenate(preds) if preds else np.zeros(0)
    return {"loss": total / max(len(x), 1), "score": objective.score(y, pred), "pred": pred}


def accuracy(model: Module, x: np.ndarray, y: np.ndarray, batch_size: int = 512) -> float:
    """Share of rows of ``x`` whose arg-max prediction equals ``y``."""
    correct = 0
    x = np.asarray(x, dtype=model.dtype)
    with no_grad():
        for start in range(0, len(x), batch_size):
            logits = model(Tensor._wrap(x[start : start + batch_size], None, False))
            correct += int(np.sum(np.argmax(logits.data, axis=-1) == y[start : start + batch_size]))
    return correct / max(len(x), 1)


def mean_loss(model: Module, x: np.ndarray, y: np.ndarray, batch_size: int = 512) -> float:
    """Mean softmax cross-entropy of ``model`` on ``(x, y)``."""
    total = 0.0
    x = np.asarray(x, dtype=model.dtype)
    with no_grad():
        for start in range(0, len(x), batch_size):
            logits = model(Tensor._wrap(x[start : start + batch_size], None, False))
            total += float(ops.cross_entropy(logits, y[start : start + batch_size], reduction="sum").item())
    return total / max(len(x), 1)


# -- the loop ---------------------------------------------------------------------------------------------
class Trainer:
    """Mini-batch training with per-epoch evaluation, clean stops and exact resumption.

    ``on_batch(epoch, batch_index, running_loss, running_score)`` and ``on_epoch(metrics)`` report progress;
    ``save(trainer)`` is called after every epoch and when a run stops early (write a checkpoint there).
    :meth:`after_batch` is a hook called after each completed batch (a test can stop the run from it).

    >>> import chainrule as cr
    >>> data = cr.data.load("iris", seed=0)
    >>> model = cr.nn.MLP([4, 16, 3], seed=0)
    >>> trainer = Trainer(model, cr.optim.Adam(model.parameters(), lr=0.01), data, epochs=30, batch_size=16, seed=0)
    >>> trainer.run()
    'completed'
    >>> trainer.history.last()["test_accuracy"] > 0.9
    True
    """

    def __init__(
        self,
        model: Module,
        optimizer: Optimizer,
        data: Split,
        *,
        epochs: int,
        batch_size: int,
        seed: int,
        schedule: LRSchedule | None = None,
        clip_norm: float | None = None,
        objective: Objective | None = None,
    ) -> None:
        self.model = model
        self.optimizer = optimizer
        self.data = data
        self.epochs = int(epochs)
        self.schedule = schedule
        self.clip_norm = clip_norm
        self.objective = objective or objective_for(data)
        # the data pipeline casts inputs to the model's dtype once, so a float32 model computes in float32
        self.loader = DataLoader(
            data.x_train, data.y_train, batch_size=batch_size, shuffle=True, seed=seed, dtype=model.dtype
        )
        self.history = History()
        self.epoch = 0  # epochs completed
        self.batch = 0  # batches completed in the current epoch
        self.epoch_rng_state: dict[str, Any] | None = None  # the shuffling Generator before this epoch's draw
        self.running = {"loss": 0.0, "seen": 0, "correct": 0}
        self.stop_requested = False

    # -- progress as JSON-able data -----------------------------------------------------------------------
    def _generators(self) -> dict[str, np.random.Generator]:
        return {
            name: m.rng
            for name, m in self.model.named_modules()
            if isinstance(getattr(m, "rng", None), np.random.Generator)
        }

    def progress(self) -> dict[str, Any]:
        """Everything besides model and optimizer arrays that an exact resumption needs."""
        return {
            "epoch": self.epoch,
            "batch": self.batch,
            "epochs_total": self.epochs,
            "epoch_rng_state": self.epoch_rng_state,
            "loader_rng_state": self.loader.rng.bit_generator.state,
            "running": dict(self.running),
            "module_rng_states": {k: g.bit_generator.state for k, g in self._generators().items()},
            "history": self.history.epochs,
            "seconds": self.history.seconds,
        }

    def load_progress(self, progress: dict[str, Any]) -> None:
        """Continue from :meth:`progress` of an earlier run (with model and optimizer state already loaded)."""
        self.epoch = int(progress["epoch"])
        self.batch = int(progress["batch"])
        self.epoch_rng_state = progress["epoch_rng_state"]
        self.loader.rng.bit_generator.state = progress["loader_rng_state"]
        self.running = dict(progress["running"])
        gens = self._generators()
        for name, state in progress.get("module_rng_states", {}).items():
            if name in gens:
                gens[name].bit_generator.state = state
        self.history = History(list(progress["history"]), list(progress["seconds"]))

    @property
    def finished(self) -> bool:
        return self.epoch >= self.epochs

    def after_batch(self) -> None:
        """Called after every completed batch (a hook: does nothing by default)."""

    # -- Ctrl-C: finish the batch in flight, then stop -------------------------------------------------------
    def _on_sigint(self, signum: int, frame: Any) -> None:
        if self.stop_requested:  # a second Ctrl-C: the user insists
            raise KeyboardInterrupt
        self.stop_requested = True

    def run(
        self,
        on_batch: Callable[[int, int, float, float | None], None] | None = None,
        on_epoch: Callable[[dict[str, float]], None] | None = None,
        save: Callable[[Trainer], None] | None = None,
    ) -> str:
        """Train until ``epochs`` are done ("completed") or a stop was asked for ("interrupted")."""
        self.stop_requested = False
        in_main = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGINT, self._on_sigint) if in_main else None
        try:
            return self._loop(on_batch, on_epoch, save)
        finally:
            if in_main:
                signal.signal(signal.SIGINT, previous)

    def _loop(self, on_batch: Any, on_epoch: Any, save: Any) -> str:
        model, optimizer, objective, loader = self.model, self.optimizer, self.objective, self.loader
        classify = objective.metric == "accuracy"
        while self.epoch < self.epochs:
            epoch = self.epoch + 1
            if self.batch == 0:
                self.epoch_rng_state = loader.rng.bit_generator.state
                self.running = {"loss": 0.0, "seen": 0, "correct": 0}
            else:  # resuming mid-epoch: draw this epoch's order again from the saved state
                loader.rng.bit_generator.state = self.epoch_rng_state
            order = loader.order()
            model.train()
            start = time.perf_counter()
            for xb, yb in loader.batches(order, start=self.batch):
                optimizer.zero_grad()
                out = model(xb)
                loss = objective.loss(out, yb.data)
                loss.backward()
                if self.clip_norm:
                    clip_grad_norm(optimizer.params, self.clip_norm)
                optimizer.step()
                n = len(yb.data)
                r = self.running
                r["loss"] += float(loss.item()) * n
                r["seen"] += n
                if classify:
                    r["correct"] += int(np.sum(objective.predict(out.data) == yb.data))
                self.batch += 1
                try:
                    self.after_batch()
                    if on_batch is not None:
                        on_batch(
                            epoch, self.batch - 1, r["loss"] / r["seen"], r["correct"] / r["seen"] if classify else None
                        )
                except KeyboardInterrupt:
                    # raised between batches (by a callback, or Ctrl-C while it ran): the step is complete
                    self.stop_requested = True
                if self.stop_requested:
                    if save is not None:
                        save(self)
                    return "interrupted"
            metrics = self._epoch_metrics(epoch)
            self.history.epochs.append(metrics)
            self.history.seconds.append(time.perf_counter() - start)
            self.epoch, self.batch = epoch, 0
            if self.schedule is not None:
                self.schedule.step()
            if save is not None:
                save(self)
            if on_epoch is not None:
                on_epoch(metrics)
            if self.stop_requested:  # Ctrl-C during the evaluation: the epoch is complete and saved
                return "interrupted" if self.epoch < self.epochs else "completed"
        return "completed"

    def _epoch_metrics(self, epoch: int) -> dict[str, float]:
        data, objective, model = self.data, self.objective, self.model
        model.eval()
        name = objective.metric
        # the training score after the epoch, over the whole training split (not the running share)
        train_score = evaluate(model, data.x_train, data.y_train, objective)["score"]
        test = evaluate(model, data.x_test, data.y_test, objective)
        return {
            "epoch": epoch,
            "train_loss": self.running["loss"] / max(self.running["seen"], 1),
            f"train_{name}": train_score,
            "test_loss": test["loss"],
            f"test_{name}": test["score"],
        }


def fit(
    model: Module,
    optimizer: Optimizer,
    data: Split,
    *,
    epochs: int,
    batch_size: int,
    seed: int,
    on_batch: Callable[..., None] | None = None,
    on_epoch: Callable[[dict[str, float]], None] | None = None,
) -> History:
    """Train ``model`` for ``epochs`` and return its per-epoch history (see :class:`Trainer`)."""
    trainer = Trainer(model, optimizer, data, epochs=epochs, batch_size=batch_size, seed=seed)
    trainer.run(on_batch=on_batch, on_epoch=on_epoch)
    return trainer.history


def summarize(history: History) -> dict[str, Any]:
    """The last epoch's losses and scores."""
    last = history.last()
    return {k: v for k, v in last.items() if k != "epoch"}
