"""Training and evaluating a classifier: the loop the CLI runs, usable from Python too."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import ops
from .data import DataLoader, Split
from .engine import no_grad
from .nn import Module
from .optim import Optimizer
from .tensor import Tensor


@dataclass
class History:
    """Per-epoch metrics of a training run."""

    epochs: list[dict[str, float]] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)  # wall time per epoch (kept apart: it varies run to run)

    def last(self) -> dict[str, float]:
        return self.epochs[-1] if self.epochs else {}


def accuracy(model: Module, x: np.ndarray, y: np.ndarray, batch_size: int = 512) -> float:
    """Share of rows of ``x`` whose arg-max prediction equals ``y``."""
    correct = 0
    with no_grad():
        for start in range(0, len(x), batch_size):
            logits = model(Tensor._wrap(x[start : start + batch_size], None, False))
            correct += int(np.sum(np.argmax(logits.data, axis=-1) == y[start : start + batch_size]))
    return correct / max(len(x), 1)


def mean_loss(model: Module, x: np.ndarray, y: np.ndarray, batch_size: int = 512) -> float:
    total = 0.0
    with no_grad():
        for start in range(0, len(x), batch_size):
            logits = model(Tensor._wrap(x[start : start + batch_size], None, False))
            total += float(ops.cross_entropy(logits, y[start : start + batch_size], reduction="sum").item())
    return total / max(len(x), 1)


def fit(
    model: Module,
    optimizer: Optimizer,
    data: Split,
    *,
    epochs: int,
    batch_size: int,
    seed: int,
    on_batch: Callable[[int, int, float], None] | None = None,
    on_epoch: Callable[[dict[str, float]], None] | None = None,
) -> History:
    """Train ``model`` with softmax cross-entropy; evaluate train and test accuracy after each epoch.

    ``on_batch(epoch, batch_index, running_loss)`` and ``on_epoch(metrics)`` report progress.
    """
    loader = DataLoader(data.x_train, data.y_train, batch_size=batch_size, shuffle=True, seed=seed)
    history = History()
    for epoch in range(1, epochs + 1):
        model.train()
        start = time.perf_counter()
        total, seen = 0.0, 0
        for i, (xb, yb) in enumerate(loader):
            optimizer.zero_grad()
            loss = ops.cross_entropy(model(xb), yb.data)
            loss.backward()
            optimizer.step()
            n = len(yb.data)
            total += float(loss.item()) * n
            seen += n
            if on_batch is not None:
                on_batch(epoch, i, total / seen)
        model.eval()
        metrics = {
            "epoch": epoch,
            "train_loss": total / max(seen, 1),
            "train_accuracy": accuracy(model, data.x_train, data.y_train),
            "test_loss": mean_loss(model, data.x_test, data.y_test),
            "test_accuracy": accuracy(model, data.x_test, data.y_test),
        }
        history.epochs.append(metrics)
        history.seconds.append(time.perf_counter() - start)
        if on_epoch is not None:
            on_epoch(metrics)
    return history


def summarize(history: History) -> dict[str, Any]:
    last = history.last()
    return {k: last[k] for k in ("train_accuracy", "test_accuracy", "train_loss", "test_loss") if k in last}
