"""Functions for neural networks: softmax, log-softmax and the common losses.

=================================  ============================================================
op                                 gradient
=================================  ============================================================
log_softmax(x)                     g - softmax(x) * sum(g)   (over the axis)
softmax(x)                         s * (g - sum(g * s))
cross_entropy(logits, labels)      composed: -mean(log_softmax(logits)[labels])
binary_cross_entropy_with_logits   composed: softplus(x) - x * y  (smooth everywhere)
mse(pred, target)                  composed: mean((pred - target) ** 2)
=================================  ============================================================

Both softmaxes shift by the (finite) maximum first, so logits of 1e4 in float32 give exact results;
a slice that is all -inf gives log_softmax -inf, softmax 0, and gradient 0 instead of NaN.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..engine import STATE
from ..errors import AxisError, DtypeError, InvalidArgumentError, ShapeError
from ..tensor import Tensor
from ._base import data_of, defprim, is_float16, shape_of
from .elementwise import exp, softplus, where
from .reduce import mean, sum
from .shape import astype, expand_dims, squeeze, take_along_axis

_F16 = np.dtype(np.float16)
_F32 = np.dtype(np.float32)


def widened(a: Any) -> Any:
    """``a`` in float32, where float16 values are summed (a float16 sum overflows past 65504 and keeps 11 bits)."""
    return astype(a, _F32)


def narrowed(a: Any) -> Any:
    """A float32 result rounded once into float16."""
    return astype(a, _F16)


def _shifted(x: np.ndarray, axis: int) -> np.ndarray:
    if x.size == 0:  # nothing to normalise (np.max would refuse an empty axis); the result is as empty
        np.max(x, axis=axis, keepdims=True, initial=0)  # (still: an axis out of range raises NumPy's AxisError)
        return x
    m = np.max(x, axis=axis, keepdims=True)
    return x - np.where(np.isfinite(m), m, 0)


def _one_axis(axis: Any, name: str) -> int:
    if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, (int, np.integer)):
        raise AxisError(f"{name}: axis must be a single integer (the class axis), got {axis!r}")
    return int(axis)


def _log_softmax_forward(x: np.ndarray, axis: int = -1) -> np.ndarray:
    if x.dtype is _F16:
        # in float32, rounded once: a float16 sum of exp overflows past 65504 elements (70,000 equal logits gave
        # -inf), and x - max and the log would each round to float16 (57 ulps off at logits of 30)
        return _log_softmax_forward(x.astype(_F32), axis).astype(_F16)
    z = _shifted(x, axis)
    with np.errstate(divide="ignore", invalid="ignore"):
        lse = np.log(np.sum(np.exp(z), axis=axis, keepdims=True))
        out = z - lse
    # a slice that is all -inf (lse = -inf) stays -inf rather than -inf - (-inf) = nan
    return np.where(np.isneginf(lse), -np.inf, out).astype(x.dtype, copy=False) if not np.isfinite(lse).all() else out


def _dead(ans: Any, axis: int) -> np.ndarray:
    """The slices of a log_softmax result that are all -inf (their input was all -inf), as a mask kept over ``axis``.
    A NaN slice is not dead: its NaN passes on to the gradient."""
    a = data_of(ans)
    if a.size == 0:
        return np.zeros(a.shape, dtype=bool)
    return np.isneginf(np.max(a, axis=axis, keepdims=True))


def _log_softmax_vjp(g: Any, ans: Any, x: Any, axis: int = -1) -> Any:
    if is_float16(g):
        # in float32 from x itself (exp of the float16 result would carry its rounding), rounded once: sum(g) in
        # float16 overflows past 65504 (-inf over 70,000 elements, where PyTorch, summing in float32, is finite)
        x32 = widened(x)
        ans32 = _log_softmax(x32, axis=axis) if isinstance(x32, Tensor) else _log_softmax_forward(x32, axis)
        return narrowed(_log_softmax_vjp(widened(g), ans32, x32, axis))
    dead = _dead(ans, axis)  # all -inf slices
    s = where(dead, 0, exp(ans))
    grad = g - s * sum(g, axis=axis, keepdims=True)
    return where(dead, 0, grad) if dead.any() else grad


def _log_softmax_jvp(t: Any, ans: Any, x: Any, axis: int = -1) -> Any:
    if is_float16(t):  # in float32, as the backward rule
        x32 = widened(x)
        ans32 = _log_softmax(x32, axis=axis) if isinstance(x32, Tensor) else _log_softmax_forward(x32, axis)
        return narrowed(_log_softmax_jvp(widened(t), ans32, x32, axis))
    dead = _dead(ans, axis)  # all -inf slices: tangent 0, as in reverse
    out = t - sum(where(dead, 0, exp(ans)) * t, axis=axis, keepdims=True)
    return where(dead, 0, out) if dead.any() else out


_log_softmax = defprim("log_softmax", _log_softmax_forward, vjp=_log_softmax_vjp, jvp=_log_softmax_jvp)


def log_softmax(x: Any, axis: int = -1) -> Any:
    """``x - logsumexp(x)`` over ``axis``, computed as ``(x - max) - log(sum(exp(x - max)))``."""
    return _log_softmax(x, axis=_one_axis(axis, "log_softmax"))


def _softmax_forward(x: np.ndarray, axis: int = -1) -> np.ndarray:
    if x.dtype is _F16:  # in float32, rounded once (a float16 sum of exp overflows past 65504 elements: gave 0)
        return _softmax_forward(x.astype(_F32), axis).astype(_F16)
    e = np.exp(_shifted(x, axis))
    s = np.sum(e, axis=axis, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = e / s
    return np.where(s == 0, 0, out).astype(out.dtype, copy=False) if not (s > 0).all() else out


def _softmax_vjp(g: Any, ans: Any, x: Any, axis: int = -1) -> Any:
    if is_float16(g):
        # in float32 from x itself (the float16 result has lost the digits that g - sum(g * s) keeps), rounded once
        x32 = widened(x)
        ans32 = _softmax(x32, axis=axis) if isinstance(x32, Tensor) else _softmax_forward(x32, axis)
        return narrowed(_softmax_vjp(widened(g), ans32, x32, axis))
    return ans * (g - sum(g * ans, axis=axis, keepdims=True))


_softmax = defprim("softmax", _softmax_forward, vjp=_softmax_vjp, jvp="elementwise")
# softmax's vjp is linear in g and symmetric (its Jacobian is diag(s) - s s^T), so it is also its jvp


def softmax(x: Any, axis: int = -1) -> Any:
    """Normalised exponentials over ``axis``; an all -inf slice gives zeros."""
    return _softmax(x, axis=_one_axis(axis, "softmax"))


def cross_entropy(
    logits: Any, target: Any, reduction: str = "mean", label_smoothing: float = 0.0, axis: int = -1
) -> Any:
    """Softmax cross-entropy between ``logits`` and integer class labels or class probabilities.

    ``target`` holds integer labels (shape of ``logits`` without ``axis``) or probabilities (same shape
    as ``logits``). ``reduction`` is "mean", "sum" or "none".

    >>> import chainrule as cr
    >>> logits = cr.tensor([[2.0, 0.5, -1.0]], requires_grad=True)
    >>> loss = cr.cross_entropy(logits, [0])
    >>> round(loss.item(), 4)
    0.2413
    """
    t = target if type(target) is np.ndarray else np.asarray(data_of(target))
    shape = logits._data.shape if isinstance(logits, Tensor) else shape_of(logits)
    ndim = len(shape)
    if not -ndim <= axis < ndim:
        log_softmax(logits, axis=axis)  # raises its error for an axis out of range
    nclass = shape[axis]
    kind = t.dtype.kind
    if kind in "iu":
        ax = axis % ndim
        if (
            not label_smoothing
            and ax == ndim - 1
            and reduction in ("mean", "sum", "none")
            and STATE.extras is None  # a drawing or anomaly check records the composed gates instead
        ):
            sce = _SCE if _SCE is not None else _fused_sce()
            return sce(logits, t, reduction=reduction)  # (it checks the labels' shape and range itself)
        if t.shape != shape[:ax] + shape[ax + 1 :]:
            raise ShapeError(
                f"cross_entropy: labels of shape {t.shape} do not match logits of shape {shape} (expected the logits' shape without the class axis)"
            )
        check_labels(t, nclass, f"cross_entropy (class axis {axis})")
        lsm = log_softmax(logits, axis=axis)
        picked = squeeze(take_along_axis(lsm, np.expand_dims(t, axis), axis=axis), axis)
        losses = -picked
        if label_smoothing:
            smooth = -mean(lsm, axis=axis)
            losses = losses * (1 - label_smoothing) + smooth * label_smoothing
    elif t.dtype.kind == "f" or t.dtype.kind == "b":
        if t.shape != shape and shape_of(target) != shape:
            raise ShapeError(
                f"cross_entropy: probability targets of shape {t.shape} must match logits of shape {shape}"
                + (
                    "; if these are class labels, give them as integers (e.g. labels.astype(int))"
                    if t.shape == shape[: axis % len(shape)] + shape[axis % len(shape) + 1 :]
                    else ""
                )
            )
        lsm = log_softmax(logits, axis=axis)
        probs = target
        if label_smoothing:
            probs = probs * (1 - label_smoothing) + label_smoothing / nclass
        losses = -sum(probs * lsm, axis=axis)
    else:
        raise DtypeError(f"cross_entropy: targets must be integer labels or float probabilities, got dtype {t.dtype}")
    return _reduce(losses, reduction, "cross_entropy")


#: each native integer dtype and the unsigned one of its size, as which a negative label is a huge number
_UNSIGNED = {np.dtype(c): np.dtype(c.upper()) for c in "bhilq"} | {np.dtype(c): np.dtype(c) for c in "BHILQ"}


def check_labels(t: np.ndarray, nclass: int, where: str) -> None:
    """Raise unless every integer label in ``t`` is a class number, 0 to ``nclass - 1`` (no negative ones either:
    as an index, -1 would silently pick the last class)."""
    if t.size and _labels_out_of_range(t, nclass):
        raise InvalidArgumentError(
            f"{where}: labels must lie in [0, {nclass}) for logits with {nclass} classes, got values from "
            f"{t.min()} to {t.max()}"
        )


def _labels_out_of_range(t: np.ndarray, nclass: int) -> bool:
    unsigned = _UNSIGNED.get(t.dtype)
    if unsigned is not None:  # one pass: seen as unsigned, a negative label exceeds any class count
        return bool(np.maximum.reduce(t.view(unsigned), axis=None) >= nclass)  # (t.max() without its wrapper)
    return bool(t.min() < 0 or t.max() >= nclass)


def _fused_sce() -> Any:
    """The fused softmax_cross_entropy primitive (fused.py builds on this module, so it is looked up late)."""
    global _SCE
    if _SCE is None:
        from .fused import softmax_cross_entropy

        _SCE = softmax_cross_entropy
    return _SCE


_SCE: Any = None


def nll(log_probs: Any, labels: Any, reduction: str = "mean", axis: int = -1) -> Any:
    """Negative log-likelihood of integer ``labels`` under ``log_probs`` (e.g. a log_softmax output)."""
    t = np.asarray(data_of(labels))
    if t.dtype.kind not in "iu":
        raise DtypeError(f"nll: labels must be integers, got dtype {t.dtype}")
    picked = squeeze(take_along_axis(log_probs, np.expand_dims(t, axis), axis=axis), axis)
    return _reduce(-picked, reduction, "nll")


def binary_cross_entropy_with_logits(logits: Any, target: Any, reduction: str = "mean") -> Any:
    """Sigmoid cross-entropy ``softplus(x) - x*y``: stable for any logit, exact gradient ``sigmoid(x) - y``."""
    if shape_of(logits) != shape_of(target):
        raise ShapeError(
            f"binary_cross_entropy_with_logits: logits {shape_of(logits)} and targets {shape_of(target)} must have the same shape"
        )
    return _reduce(softplus(logits) - logits * target, reduction, "binary_cross_entropy_with_logits")


def mse(pred: Any, target: Any, reduction: str = "mean") -> Any:
    """Mean squared error."""
    if shape_of(pred) != shape_of(target):
        raise ShapeError(f"mse: prediction {shape_of(pred)} and target {shape_of(target)} must have the same shape")
    d = pred - target
    return _reduce(d * d, reduction, "mse")


def _reduce(losses: Any, reduction: str, name: str) -> Any:
    if reduction == "mean":
        return mean(losses)
    if reduction == "sum":
        return sum(losses)
    if reduction == "none":
        return losses
    raise InvalidArgumentError(f"{name}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


__all__ = ["softmax", "log_softmax", "cross_entropy", "nll", "binary_cross_entropy_with_logits", "mse", "expand_dims"]
