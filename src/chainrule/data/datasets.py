"""Datasets: scikit-learn's bundled files (no network) and generated 2-D sets, split and standardised
reproducibly. Loaders for the user's own files live in :mod:`chainrule.data.files`.

Every loader returns a :class:`Split`: a train/test split fixed by ``seed`` (stratified for classification)
with features standardised by statistics of the **training split only** (the test split must not leak into
the preprocessing), and for regression the targets standardised the same way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import DataError

CLASSIFICATION = "classification"
REGRESSION = "regression"


@dataclass
class Split:
    """Train and test arrays of one dataset, with what was done to them.

    ``task`` is "classification" (integer labels ``0 .. num_classes-1``) or "regression" (float targets,
    ``num_classes == 0``). ``info`` records the preprocessing (``x_mean``, ``x_std``, and for regression
    ``y_mean``, ``y_std``) so that new inputs can be treated the same way.
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    num_classes: int
    info: dict[str, Any] = field(default_factory=dict)
    task: str = CLASSIFICATION
    class_names: list[str] | None = None
    feature_names: list[str] | None = None
    image_shape: tuple[int, int, int] | None = None  # (channels, height, width) when rows are flattened images

    @property
    def num_features(self) -> int:
        return int(self.x_train.shape[1])

    @property
    def num_outputs(self) -> int:
        """Width of the network's last layer: one logit for two classes (sigmoid), one per class otherwise,
        and one value for regression."""
        return 1 if self.task == REGRESSION or self.num_classes == 2 else self.num_classes


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


def random_split(n: int, test_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices of a plain random train/test split (for regression), fixed by ``seed``."""
    order = np.random.default_rng(seed).permutation(n)
    n_test = int(round(n * test_fraction))
    return np.sort(order[n_test:]), np.sort(order[:n_test])


def standardize(x_train: np.ndarray, x_test: np.ndarray) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Scale features to mean 0 and std 1 using the training split only (constant features stay 0).

    >>> tr, te, stats = standardize(np.array([[0.0], [2.0]]), np.array([[4.0]]))
    >>> tr.ravel().tolist(), te.ravel().tolist()
    ([-1.0, 1.0], [3.0])
    """
    mean = x_train.mean(axis=0)
    std = x_train.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    return (x_train - mean) / std, (x_test - mean) / std, {"mean": mean, "std": std}


def make_split(
    name: str,
    x: np.ndarray,
    y: np.ndarray,
    *,
    task: str,
    seed: int,
    test_fraction: float = 0.2,
    dtype: Any = np.float32,
    class_names: list[str] | None = None,
    feature_names: list[str] | None = None,
    image_shape: tuple[int, int, int] | None = None,
    split: tuple[np.ndarray, np.ndarray] | None = None,
) -> Split:
    """Split (unless ``split`` gives the indices), standardise on the training part, cast features to ``dtype``."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or len(x) != len(y):
        raise DataError(f"{name}: expected a 2-D table of features with one target per row, got {x.shape} and {len(y)}")
    if not 0 < test_fraction < 1:
        raise DataError(f"{name}: test_fraction must be between 0 and 1, got {test_fraction}")
    if split is None:
        if task == CLASSIFICATION:
            split = stratified_split(y, test_fraction, seed)
        else:
            split = random_split(len(y), test_fraction, seed)
    train_idx, test_idx = split
    if len(train_idx) < 2 or len(test_idx) < 1:
        raise DataError(f"{name}: too few rows ({len(y)}) for a train/test split")
    x_train, x_test, stats = standardize(x[train_idx], x[test_idx])
    info: dict[str, Any] = {
        "samples": len(y),
        "features": x.shape[1],
        "test_fraction": test_fraction,
        "seed": seed,
        "x_mean": stats["mean"],
        "x_std": stats["std"],
    }
    if task == REGRESSION:
        y = np.asarray(y, dtype=np.float64)
        y_mean, y_std = float(y[train_idx].mean()), float(y[train_idx].std()) or 1.0
        info.update(y_mean=y_mean, y_std=y_std)
        y_train = ((y[train_idx] - y_mean) / y_std).astype(dtype)
        y_test = ((y[test_idx] - y_mean) / y_std).astype(dtype)
        num_classes = 0
    else:
        y = np.asarray(y, dtype=np.int64)
        y_train, y_test = y[train_idx], y[test_idx]
        num_classes = int(y.max()) + 1 if len(y) else 0
    return Split(
        name,
        x_train.astype(dtype),
        y_train,
        x_test.astype(dtype),
        y_test,
        num_classes=num_classes,
        info=info,
        task=task,
        class_names=class_names,
        feature_names=feature_names,
        image_shape=image_shape,
    )


# -- scikit-learn's bundled files ----------------------------------------------------------------------
def _bundled(loader_name: str, name: str, task: str, image_shape: Any = None) -> Any:
    def load(seed: int = 0, test_fraction: float = 0.2, dtype: Any = np.float32) -> Split:
        bunch = getattr(_require_sklearn(), loader_name)()
        names = getattr(bunch, "target_names", None)
        return make_split(
            name,
            bunch.data,
            bunch.target,
            task=task,
            seed=seed,
            test_fraction=test_fraction,
            dtype=dtype,
            class_names=[str(n) for n in names] if names is not None and task == CLASSIFICATION else None,
            feature_names=[str(f) for f in bunch.feature_names] if hasattr(bunch, "feature_names") else None,
            image_shape=image_shape,
        )

    load.__name__ = f"load_{name}"
    load.__doc__ = f"scikit-learn's bundled {name} dataset ({task}), split 80/20 from ``seed`` and standardised."
    return load


load_digits = _bundled("load_digits", "digits", CLASSIFICATION, image_shape=(1, 8, 8))
load_digits.__doc__ = """The 1,797 8x8 handwritten digits bundled with scikit-learn: 64 features, 10 classes.

A stratified 80/20 split fixed by ``seed``; features standardised with the training statistics."""
load_iris = _bundled("load_iris", "iris", CLASSIFICATION)
load_wine = _bundled("load_wine", "wine", CLASSIFICATION)
load_breast_cancer = _bundled("load_breast_cancer", "breast_cancer", CLASSIFICATION)
load_diabetes = _bundled("load_diabetes", "diabetes", REGRESSION)


# -- generated 2-D sets for learners ------------------------------------------------------------------
def moons(n: int = 1000, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (class 0 on top, class 1 below), with Gaussian noise.

    >>> x, y = moons(10, seed=0)
    >>> x.shape, sorted(set(y.tolist()))
    ((10, 2), [0, 1])
    """
    rng = np.random.default_rng(seed)
    n0 = n // 2
    t0 = rng.uniform(0, math.pi, n0)
    t1 = rng.uniform(0, math.pi, n - n0)
    upper = np.stack([np.cos(t0), np.sin(t0)], axis=1)
    lower = np.stack([1 - np.cos(t1), 0.5 - np.sin(t1)], axis=1)
    x = np.concatenate([upper, lower]) + rng.normal(0, noise, (n, 2))
    y = np.concatenate([np.zeros(n0, np.int64), np.ones(n - n0, np.int64)])
    return x, y


def circles(n: int = 1000, noise: float = 0.08, factor: float = 0.5, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A ring (class 0) around a smaller ring of radius ``factor`` (class 1), with Gaussian noise."""
    rng = np.random.default_rng(seed)
    n0 = n // 2
    t = rng.uniform(0, 2 * math.pi, n)
    r = np.where(np.arange(n) < n0, 1.0, factor)
    x = np.stack([r * np.cos(t), r * np.sin(t)], axis=1) + rng.normal(0, noise, (n, 2))
    y = (np.arange(n) >= n0).astype(np.int64)
    return x, y


def spirals(n: int = 900, classes: int = 3, noise: float = 0.2, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``classes`` spiral arms winding out from the centre: not separable by any straight line."""
    rng = np.random.default_rng(seed)
    per = n // classes
    xs, ys = [], []
    for c in range(classes):
        r = np.linspace(0.05, 1.0, per)
        t = np.linspace(c * 2 * math.pi / classes, c * 2 * math.pi / classes + 1.75 * math.pi, per)
        t = t + rng.normal(0, noise, per)
        xs.append(np.stack([r * np.sin(t), r * np.cos(t)], axis=1))
        ys.append(np.full(per, c, np.int64))
    return np.concatenate(xs), np.concatenate(ys)


def _generated(fn: Any, name: str) -> Any:
    def load(seed: int = 0, test_fraction: float = 0.2, dtype: Any = np.float32, **kwargs: Any) -> Split:
        x, y = fn(seed=seed, **kwargs)
        return make_split(
            name,
            x,
            y,
            task=CLASSIFICATION,
            seed=seed,
            test_fraction=test_fraction,
            dtype=dtype,
            feature_names=["x1", "x2"],
        )

    load.__name__ = f"load_{name}"
    load.__doc__ = f"The generated {name} set (see :func:`{fn.__name__}`), split 80/20 from ``seed``."
    return load


load_moons = _generated(moons, "moons")
load_circles = _generated(circles, "circles")
load_spirals = _generated(spirals, "spirals")

DATASETS = {
    "digits": load_digits,
    "iris": load_iris,
    "wine": load_wine,
    "breast_cancer": load_breast_cancer,
    "diabetes": load_diabetes,
    "moons": load_moons,
    "circles": load_circles,
    "spirals": load_spirals,
}


def load(name: str, seed: int = 0, **kwargs: Any) -> Split:
    """Load a dataset by name, a CSV file (``label=`` names its target column) or a folder of MNIST IDX files.

    >>> load("iris", seed=0).x_train.shape
    (120, 4)
    """
    import os

    from .files import load_csv, load_idx_folder

    if name in DATASETS:
        kwargs.pop("label", None)  # the built-in sets know their targets
        kwargs.pop("task", None)
        return DATASETS[name](seed=seed, **kwargs)
    if os.path.isdir(name):
        kwargs.pop("label", None)
        kwargs.pop("task", None)
        return load_idx_folder(name, seed=seed, **kwargs)
    if name.lower().endswith(".csv"):
        return load_csv(name, seed=seed, **kwargs)
    raise DataError(
        f"unknown dataset {name!r}: choose one of {', '.join(DATASETS)}, or give a .csv file or a folder of MNIST IDX files"
    )
