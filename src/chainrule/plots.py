"""Figures of a training run, drawn with matplotlib's Agg backend (files only, no window needed)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np


def _pyplot() -> Any:
    try:
        import matplotlib
    except ImportError:
        raise ImportError("plots need matplotlib, an optional dependency: pip install 'chainrule[train]'") from None
    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def plot_curves(history: list[dict[str, float]], path: str | os.PathLike[str], title: str = "") -> Path:
    """Loss and score per epoch, train and test, side by side; saved as a PNG at ``path``."""
    plt = _pyplot()
    epochs = [int(m["epoch"]) for m in history]
    metric = "accuracy" if any("train_accuracy" in m for m in history) else "r2"
    fig, (ax_loss, ax_score) = plt.subplots(1, 2, figsize=(10, 4))
    for split, style in (("train", "-o"), ("test", "-s")):
        ax_loss.plot(epochs, [m[f"{split}_loss"] for m in history], style, markersize=3, label=split)
        ax_score.plot(epochs, [m[f"{split}_{metric}"] for m in history], style, markersize=3, label=split)
    ax_loss.set(xlabel="epoch", ylabel="loss", title="loss")
    ax_score.set(xlabel="epoch", ylabel=metric, title="accuracy" if metric == "accuracy" else "R²")
    from matplotlib.ticker import MaxNLocator

    for ax in (ax_loss, ax_score):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole numbers
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def plot_confusion(matrix: np.ndarray, labels: list[str], path: str | os.PathLike[str], title: str = "") -> Path:
    """A confusion matrix (rows: true class, columns: predicted) with counts in the cells; saved as a PNG."""
    plt = _pyplot()
    k = len(labels)
    size = max(4.0, 0.5 * k + 2)
    fig, ax = plt.subplots(figsize=(size, size))
    im = ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(k), labels, rotation=45, ha="right")
    ax.set_yticks(range(k), labels)
    ax.set(xlabel="predicted", ylabel="true", title=title or "confusion matrix")
    high = matrix.max() / 2 if matrix.size else 0
    for i in range(k):
        for j in range(k):
            ax.text(
                j,
                i,
                str(int(matrix[i, j])),
                ha="center",
                va="center",
                color="white" if matrix[i, j] > high else "black",
            )
    fig.colorbar(im, ax=ax, fraction=0.046)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, num_classes: int) -> np.ndarray:
    """Counts of (true, predicted) pairs: ``m[i, j]`` rows of class ``i`` predicted as ``j``."""
    m = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(m, (np.asarray(y_true, dtype=np.int64), np.asarray(y_pred, dtype=np.int64)), 1)
    return m


def format_confusion(matrix: np.ndarray, labels: list[str]) -> str:
    """The confusion matrix as an aligned text table."""
    names = [str(label)[:12] for label in labels]
    width = max([len(n) for n in names] + [len(str(int(matrix.max()))) if matrix.size else 1, 4])
    head = " " * (width + 2) + " ".join(n.rjust(width) for n in names) + "   <- predicted"
    rows = [
        f"{names[i].rjust(width)}  " + " ".join(str(int(v)).rjust(width) for v in matrix[i]) for i in range(len(names))
    ]
    return "\n".join([head, *rows])
