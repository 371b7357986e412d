"""Datasets: scikit-learn's bundled files (no network), split and standardised reproducibly."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class Split:
    """Train and test arrays of one dataset, with what was done to them."""

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    num_classes: int
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def num_features(self) -> int:
        return int(self.x_train.shape[1])


def _require_sklearn() -> Any:
    try:
        import sklearn.datasets as skd
    except ImportError:
        raise ImportError(
            "the bundled datasets come from scikit-learn, an optional dependency: pip install 'chainrule[train]'"
        ) from None
    return skd


def stratified_split(y: np.ndarray, test_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices of a train/test split that keeps each class's share, fixed by ``seed``."""
    rng = np.random.default_rng(seed)
    train, test = [], []
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        rng.shuffle(idx)
        n_test = int(round(len(idx) * test_fraction))
        test.append(idx[:n_test])
        train.append(idx[n_test:])
    train_idx = np.sort(np.concatenate(train))
    test_idx = np.sort(np.concatenate(test))
    return train_idx, test_idx


def standardize(x_train: np.ndarray, x_test: np.ndarray) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Scale features to mean 0 and std 1 using the training split only (constant features stay 0)."""
    mean = x_train.mean(axis=0)
    std = x_train.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    return (x_train - mean) / std, (x_test - mean) / std, {"mean": mean, "std": std}


def load_digits(seed: int = 0, test_fraction: float = 0.2, dtype: Any = np.float32) -> Split:
    """The 1,797 8x8 handwritten digits bundled with scikit-learn: 64 features, 10 classes.

    A stratified 80/20 split fixed by ``seed``; features standardised with the training statistics.
    """
    skd = _require_sklearn()
    bunch = skd.load_digits()
    x = np.asarray(bunch.data, dtype=np.float64)
    y = np.asarray(bunch.target, dtype=np.int64)
    train_idx, test_idx = stratified_split(y, test_fraction, seed)
    x_train, x_test, _ = standardize(x[train_idx], x[test_idx])
    return Split(
        "digits",
        x_train.astype(dtype),
        y[train_idx],
        x_test.astype(dtype),
        y[test_idx],
        num_classes=10,
        info={"samples": len(y), "features": x.shape[1], "test_fraction": test_fraction, "seed": seed},
    )


DATASETS = {"digits": load_digits}


def load(name: str, seed: int = 0, **kwargs: Any) -> Split:
    """Load a dataset by name."""
    try:
        loader = DATASETS[name]
    except KeyError:
        raise ValueError(f"unknown dataset {name!r}; choose from {sorted(DATASETS)}") from None
    return loader(seed=seed, **kwargs)
