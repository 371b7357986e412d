"""How numbers and arrays are written in drawings and traces: short, deterministic, the same everywhere."""

from __future__ import annotations

import re
from typing import Any

import numpy as np

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def num(v: Any, precision: int = 4) -> str:
    """One number with ``precision`` significant digits: ``0.6``, ``-1.885``, ``1e-05`` (never ``-0``)."""
    v = float(v)
    if v == 0:
        return "0"
    if np.isnan(v):
        return "nan"
    if np.isinf(v):
        return "inf" if v > 0 else "-inf"
    return f"{v:.{precision}g}"


def is_scalar(a: Any) -> bool:
    return a is not None and np.size(a) == 1


def shape_text(a: Any) -> str:
    return str(tuple(np.shape(a)))


def summary(a: Any, precision: int = 4) -> str:
    """A value in a few characters: a number, a short list, or shape with min/mean/max."""
    if a is None:
        return "?"
    a = np.asarray(a)
    if a.size == 1:
        text = num(a.reshape(()).item(), precision)
        return text if a.ndim == 0 else f"{text} {shape_text(a)}"
    if a.size == 0:
        return f"{shape_text(a)} empty"
    if a.ndim == 1 and a.size <= 4:
        return "[" + ", ".join(num(v, precision) for v in a.tolist()) + "]"
    f = a.astype(np.float64)
    return (
        f"{shape_text(a)} min {num(f.min(), 3)} mean {num(f.mean(), 3)} max {num(f.max(), 3)}"
        if np.isfinite(f).all()
        else f"{shape_text(a)} (has nan/inf)"
    )


def short(a: Any, precision: int = 4) -> str:
    """Like :func:`summary`, but arrays as shape and range only (fits on an arrow)."""
    a = None if a is None else np.asarray(a)
    if a is None or a.size <= 4 or a.dtype.kind not in "fiu":
        return summary(a, precision)
    f = a.astype(np.float64)
    if not np.isfinite(f).all():
        return f"{shape_text(a)} (has nan/inf)"
    return f"{shape_text(a)} {num(f.min(), 3)}..{num(f.max(), 3)}"


def norm(a: Any) -> float:
    """The Euclidean (Frobenius) norm of an array, as a float."""
    return float(np.sqrt(np.sum(np.square(np.asarray(a, dtype=np.float64)))))


def grad_summary(a: Any, precision: int = 4) -> str:
    """A gradient: the number for scalars and short vectors, else shape and norm."""
    if a is None:
        return "?"
    a = np.asarray(a)
    if a.size == 1 or (a.ndim == 1 and a.size <= 4):
        return summary(a, precision)
    return f"{shape_text(a)} |g| {num(norm(a), precision)}"


def full(a: Any) -> str:
    """Every entry at full precision (for hover text and records)."""
    if a is None:
        return "not computed"
    a = np.asarray(a)
    if a.ndim == 0:
        return repr(a.item())
    body = np.array2string(a, precision=17, separator=", ", threshold=200, floatmode="maxprec")
    return body if a.ndim == 0 else f"{body}  shape {shape_text(a)} dtype {a.dtype}"


def d(label: str) -> str:
    """``x`` -> ``dx`` and ``x*y`` -> ``d(x*y)`` for writing derivatives."""
    return f"d{label}" if _IDENT.match(label) else f"d({label})"


def to_float(a: Any) -> float | None:
    """A scalar array as a Python float (None for arrays), for JSON records."""
    if a is None or np.size(a) != 1:
        return None
    return float(np.asarray(a).reshape(()).item())
