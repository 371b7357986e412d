"""Run folders: what ``chainrule train`` writes and ``evaluate`` / ``predict`` / ``--resume`` read back.

A run folder ``runs/NAME`` holds

* ``checkpoint.npz``  model, optimizer and schedule state plus, in its JSON header, the run's settings
                      (``config``), the data's preprocessing (``data``) and the trainer's ``progress``;
* ``metrics.json``    settings and per-epoch metrics, for people and scripts;
* ``curves.png``      loss and score per epoch; ``confusion.png`` after ``chainrule evaluate``.

Everything needed to rebuild the model and its input pipeline lives in the checkpoint, so a run folder can be
evaluated or used for predictions on its own.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from . import nn, optim
from .checkpoint import Checkpoint, load_checkpoint, save_checkpoint
from .data import Split, load
from .errors import CheckpointError
from .io import atomic_write_json
from .training import Trainer

CHECKPOINT = "checkpoint.npz"
METRICS = "metrics.json"

#: settings of ``chainrule train`` and their defaults (None: chosen from the model or optimizer)
DEFAULTS: dict[str, Any] = {
    "data": "digits",
    "label": None,
    "task": None,
    "model": "mlp",
    "hidden": None,
    "activation": "relu",
    "optimizer": "sgd",
    "lr": None,
    "momentum": None,
    "weight_decay": None,
    "epochs": 20,
    "batch_size": 32,
    "seed": 0,
    "schedule": "none",
    "warmup": 0,
    "clip_norm": None,
    "dtype": "float32",
}

_LR = {"sgd": 0.01, "adam": 0.001, "adamw": 0.001, "rmsprop": 0.001}
_WEIGHT_DECAY = {"sgd": 0.01, "adam": 0.0, "adamw": 0.01, "rmsprop": 0.0}
_MOMENTUM = {"sgd": 0.9, "rmsprop": 0.0}


def resolve_config(options: dict[str, Any]) -> dict[str, Any]:
    """The complete settings of a run: ``options`` over :data:`DEFAULTS`, with the model- and optimizer-
    dependent defaults filled in (SGD: lr 0.01, momentum 0.9, weight decay 0.01; Adam: lr 0.001)."""
    config = {k: options.get(k) if options.get(k) is not None else v for k, v in DEFAULTS.items()}
    opt = config["optimizer"]
    if opt not in optim.OPTIMIZERS:
        raise ValueError(f"unknown optimizer {opt!r}; choose from {', '.join(optim.OPTIMIZERS)}")
    if config["model"] not in ("mlp", "cnn"):
        raise ValueError(f"unknown model {config['model']!r}; choose mlp or cnn")
    if config["hidden"] is None:
        config["hidden"] = [128, 64] if config["model"] == "mlp" else [64]
    if config["lr"] is None:
        config["lr"] = _LR[opt]
    if config["weight_decay"] is None:
        config["weight_decay"] = _WEIGHT_DECAY[opt]
    if config["momentum"] is None:
        config["momentum"] = _MOMENTUM.get(opt, 0.0)
    elif opt not in _MOMENTUM and config["momentum"]:
        raise ValueError(f"--momentum applies to sgd and rmsprop, not {opt}")
    config["hidden"] = [int(h) for h in config["hidden"]]
    return config


def load_data(config: dict[str, Any]) -> Split:
    """The dataset of a run, split and standardised exactly as when it was trained (same seed)."""
    return load(config["data"], seed=config["seed"], label=config["label"], task=config["task"], dtype=config["dtype"])


def build_model(config: dict[str, Any], data: Split) -> nn.Module:
    """The network the settings describe, sized for ``data``."""
    dtype = np.dtype(config["dtype"])
    if config["model"] == "cnn":
        if data.image_shape is None:
            raise ValueError(
                f"--model cnn needs images; {data.name} is a table of {data.num_features} features (use --model mlp)"
            )
        return nn.cnn(data.image_shape, data.num_outputs, hidden=config["hidden"], seed=config["seed"], dtype=dtype)
    sizes = [data.num_features, *config["hidden"], data.num_outputs]
    return nn.MLP(sizes, activation=config["activation"], seed=config["seed"], dtype=dtype)


def build_optimizer(config: dict[str, Any], model: nn.Module) -> optim.Optimizer:
    opt = config["optimizer"]
    kw: dict[str, Any] = {"lr": config["lr"], "weight_decay": config["weight_decay"]}
    if opt in _MOMENTUM:
        kw["momentum"] = config["momentum"]
    return optim.OPTIMIZERS[opt](model.parameters(), **kw)


def build_schedule(config: dict[str, Any], optimizer: optim.Optimizer) -> optim.LRSchedule | None:
    """Per-epoch schedule: none, step (x0.1 every third of the run), exponential (x0.9), cosine; optional warm-up."""
    name, epochs, warmup = config["schedule"], int(config["epochs"]), int(config["warmup"] or 0)
    main: optim.LRSchedule | None
    if name == "none":
        main = None
    elif name == "step":
        main = optim.StepLR(optimizer, step_size=max(1, (epochs - warmup) // 3), gamma=0.1)
    elif name == "exponential":
        main = optim.ExponentialLR(optimizer, gamma=0.9)
    elif name == "cosine":
        main = optim.CosineAnnealingLR(optimizer, T_max=max(1, epochs - warmup))
    else:
        raise ValueError(f"unknown schedule {name!r}; choose none, step, exponential or cosine")
    if warmup:
        return optim.LinearWarmup(optimizer, warmup, after=main)
    return main


def data_meta(data: Split) -> dict[str, Any]:
    """What ``predict`` needs to treat new rows like the training rows (JSON-able)."""
    meta = {
        "name": data.name,
        "task": data.task,
        "num_classes": data.num_classes,
        "num_features": data.num_features,
        "num_outputs": data.num_outputs,
        "class_names": data.class_names,
        "feature_names": data.feature_names,
        "image_shape": list(data.image_shape) if data.image_shape else None,
        "train_size": len(data.x_train),
        "test_size": len(data.x_test),
    }
    for key in ("x_mean", "x_std"):
        meta[key] = np.asarray(data.info[key], dtype=np.float64).tolist()
    for key in ("y_mean", "y_std"):
        if key in data.info:
            meta[key] = float(data.info[key])
    return meta


def save_run(out: str | os.PathLike[str], trainer: Trainer, config: dict[str, Any], data: Split) -> Path:
    """Write the run's checkpoint (atomically) with its settings, data preprocessing and progress."""
    meta = {"config": config, "data": data_meta(data), "progress": trainer.progress()}
    return save_checkpoint(
        Path(out) / CHECKPOINT, trainer.model, trainer.optimizer, schedule=trainer.schedule, meta=meta
    )


def open_run(folder: str | os.PathLike[str]) -> Checkpoint:
    """The checkpoint of run folder ``folder`` (or a checkpoint file), checked to be a training run's."""
    path = Path(folder)
    if path.is_dir():
        path = path / CHECKPOINT
    elif not path.exists():
        raise CheckpointError(f"{folder}: no such run folder (train one with `chainrule train --out {folder}`)")
    ckpt = load_checkpoint(path)
    for key in ("config", "data", "progress"):
        if key not in ckpt.meta:
            raise CheckpointError(f"checkpoint {path}: its header has no {key!r}, so it is not a `chainrule train` run")
    return ckpt


def restore_trainer(ckpt: Checkpoint, data: Split) -> tuple[Trainer, dict[str, Any]]:
    """A trainer positioned exactly where the checkpointed run stopped."""
    config = ckpt.meta["config"]
    model = build_model(config, data)
    optimizer = build_optimizer(config, model)
    schedule = build_schedule(config, optimizer)
    ckpt.restore(model, optimizer, schedule)
    trainer = make_trainer(config, model, optimizer, schedule, data)
    trainer.load_progress(ckpt.meta["progress"])
    return trainer, config


def make_trainer(config: dict[str, Any], model: nn.Module, optimizer: Any, schedule: Any, data: Split) -> Trainer:
    return Trainer(
        model,
        optimizer,
        data,
        epochs=config["epochs"],
        batch_size=config["batch_size"],
        seed=config["seed"],
        schedule=schedule,
        clip_norm=config["clip_norm"],
    )


def write_metrics(
    out: str | os.PathLike[str], trainer: Trainer, config: dict[str, Any], data: Split, status: str
) -> Path:
    """metrics.json: the settings, each epoch's metrics, the final ones and the run's status."""
    history = trainer.history
    metrics = {
        "dataset": data.name,
        "task": data.task,
        "status": status,
        "settings": {**config, "sizes": model_sizes(config, data)},
        "seed": config["seed"],
        "parameters": trainer.model.num_parameters(),
        "epochs": history.epochs,
        "final": {k: v for k, v in history.last().items() if k != "epoch"},
        "seconds_per_epoch": history.seconds,
    }
    return atomic_write_json(Path(out) / METRICS, metrics)


def model_sizes(config: dict[str, Any], data: Split) -> list[int]:
    """Input, hidden and output widths of the dense part of the network."""
    return [data.num_features, *config["hidden"], data.num_outputs]
