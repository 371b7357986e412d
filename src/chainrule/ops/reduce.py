"""Reductions and their gradients.

=========================  =====================================================================
op                         gradient of the input (g is dL/d(result), put back over the reduced axes)
=========================  =====================================================================
sum(x, axis)               g, copied to every element that was summed
mean(x, axis)              g / n
prod(x, axis)              g * (product of the other elements)   (exact when x holds zeros)
max / min(x, axis)         g split evenly between the elements equal to the result
logsumexp(x, axis)         g * softmax(x); an all -inf slice gets gradient 0
var / std                  composed from mean, subtract, square, sqrt
argmax / argmin            no gradient
=========================  =====================================================================
"""

from __future__ import annotations

import builtins
import warnings
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_tuple

from .._shapes import normalize_axis
from ..tensor import Tensor
from ._base import data_of, defprim, is_float16, shape_of, zeros_like_grad
from .elementwise import exp, log, where
from .shape import astype, broadcast_to, moveaxis, reshape


def _axis_param(axis: Any) -> Any:
    if isinstance(axis, list):
        return tuple(axis)
    return axis


def _spread(g: Any, x: Any, axis: Any, keepdims: bool) -> Any:
    """The reduced gradient ``g`` broadcast back over the input's shape."""
    shape = shape_of(x)
    return broadcast_to(reshape(g, _kept_shape(shape, axis)) if not keepdims else g, shape)


def _kept_shape(shape: tuple[int, ...], axis: Any) -> tuple[int, ...]:
    axes = normalize_axis(axis, len(shape))
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


_ARRAYS = (np.ndarray, np.generic)
_F16 = np.dtype(np.float16)


def _spread_array(g: Any, shape: tuple[int, ...], axis: Any, keepdims: bool) -> Any:
    """:func:`_spread` on a plain array (the usual backward pass): the same read-only broadcast view, made
    without recording anything; a single value (a full reduction) is viewed with zero strides directly."""
    if g.shape == shape:
        return g
    if g.size == 1:
        g = np.asarray(g)
        out = np.ndarray(shape, g.dtype, g, 0, (0,) * len(shape))
        out.flags.writeable = False
        return out
    return np.broadcast_to(g if keepdims else g.reshape(_kept_shape(shape, axis)), shape)


def _sum_forward(x: np.ndarray, axis: Any = None, keepdims: bool = False) -> Any:
    if type(x) is np.ndarray:
        return np.add.reduce(x, axis=axis, keepdims=keepdims)  # what np.sum calls, without its dispatch
    return np.sum(x, axis=axis, keepdims=keepdims)


def _sum_vjp(g: Any, ans: Any, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    if type(x) is np.ndarray and isinstance(g, _ARRAYS):
        return _spread_array(g, x.shape, axis, keepdims)
    return _spread(g, x, axis, keepdims)


_sum = defprim("sum", _sum_forward, vjp=_sum_vjp, jvp="linear")


def sum(x: Any, axis: Any = None, keepdims: bool = False) -> Any:  # noqa: A001 - NumPy's name
    """Sum of elements over ``axis`` (None: all; int or tuple, negatives allowed)."""
    return _sum(x, axis=_axis_param(axis), keepdims=keepdims)


def _count(shape: tuple[int, ...], axis: Any) -> int:
    n = 1
    for a in normalize_axis(axis, len(shape)):
        n *= shape[a]
    return n


#: the largest count float16 and float32 hold exactly (2 ** (mantissa bits + 1)), by item size (a dtype's hash
#: is slow to compute: this runs in every mean's backward)
_EXACT_COUNTS = {np.dtype(t).itemsize: 2 ** (np.finfo(t).nmant + 1) for t in (np.float16, np.float32)}


def _per_count(g: Any, n: int) -> Any:
    """``g / n`` for a count ``n`` of elements, in ``g``'s dtype.

    A count beyond the integers the dtype holds exactly is divided in float64 and rounded once into the dtype,
    as NumPy's mean does: in float16 ``g / 70000`` would read the count as ``inf`` (float16 ends at 65504) and
    give ``0`` instead of ``1.43e-05`` (tinygrad#12296 is the same fault in ``max``'s backward pass).
    """
    dtype = g.dtype if type(g) is np.ndarray else np.result_type(data_of(g))
    if dtype.itemsize >= 8 or dtype.kind != "f" or n <= _EXACT_COUNTS[dtype.itemsize]:
        return g / n
    if isinstance(g, _ARRAYS):
        return np.asarray(np.asarray(g, dtype=np.float64) / n).astype(dtype)
    return astype(astype(g, np.float64) / n, dtype)


def _mean_forward(x: np.ndarray, axis: Any = None, keepdims: bool = False) -> Any:
    # a full mean of float32/64 values: np.mean's own steps (sum, then divide by the count), without its dispatch
    if (
        axis is None
        and not keepdims
        and type(x) is np.ndarray
        and x.dtype.kind == "f"
        and x.dtype.itemsize >= 4
        and x.size
    ):
        total = np.add.reduce(x, axis=None)
        return total.dtype.type(total / np.intp(x.size))
    return np.mean(x, axis=axis, keepdims=keepdims)


def _mean_vjp(g: Any, ans: Any, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    if type(x) is np.ndarray and isinstance(g, _ARRAYS):
        n = _count(x.shape, axis)
        if n:  # divided before it is spread: the same quotient in every element, computed once
            return _spread_array(_per_count(g, n), x.shape, axis, keepdims)
    else:
        n = _count(shape_of(x), axis)
        if n:
            return _per_count(_spread(g, x, axis, keepdims), n)
    return zeros_like_grad(g, x)  # a mean over nothing: as empty as the input (and g / 0 would only warn)


_mean = defprim("mean", _mean_forward, vjp=_mean_vjp, jvp="linear")


def mean(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Arithmetic mean over ``axis``."""
    return _mean(x, axis=_axis_param(axis), keepdims=keepdims)


# -- max and min ----------------------------------------------------------------------------------------
def _attains(x: np.ndarray, kept: np.ndarray) -> np.ndarray:
    """Which elements attain the extreme ``kept`` (ties share the gradient). A slice whose result is NaN (NumPy's
    max and min propagate NaN) has its NaN elements as the extreme, so the gradient is not silently lost."""
    hit = x == kept
    nan = kept != kept
    if nan.any():
        hit |= nan & (x != x)
    return hit


def _extreme_vjp(g: Any, ans: Any, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    shape = shape_of(x)
    kept = ans if keepdims else reshape(ans, _kept_shape(shape, axis))
    hit = _attains(data_of(x), data_of(kept))
    count = np.sum(hit, axis=normalize_axis(axis, len(shape)), keepdims=True)
    share = np.where(hit, 1.0 / np.maximum(count, 1), 0.0).astype(np.result_type(data_of(x)), copy=False)
    return _spread(g, x, axis, keepdims) * share


def _max_forward(x: np.ndarray, axis: Any = None, keepdims: bool = False) -> Any:
    return np.max(x, axis=axis, keepdims=keepdims)


def _min_forward(x: np.ndarray, axis: Any = None, keepdims: bool = False) -> Any:
    return np.min(x, axis=axis, keepdims=keepdims)


def _extreme_jvp(t: Any, ans: Any, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    shape = shape_of(x)
    kept = data_of(ans) if keepdims else np.reshape(data_of(ans), _kept_shape(shape, axis))
    hit = _attains(data_of(x), kept)
    count = np.maximum(np.sum(hit, axis=normalize_axis(axis, len(shape)), keepdims=True), 1)
    weights = (hit / count).astype(np.result_type(data_of(x)), copy=False)
    return sum(t * weights, axis=axis, keepdims=keepdims)


_max = defprim("max", _max_forward, vjp=_extreme_vjp, jvp=_extreme_jvp)
_min = defprim("min", _min_forward, vjp=_extreme_vjp, jvp=_extreme_jvp)


def max(x: Any, axis: Any = None, keepdims: bool = False) -> Any:  # noqa: A001
    """Largest element over ``axis``; ties share the gradient evenly."""
    return _max(x, axis=_axis_param(axis), keepdims=keepdims)


def min(x: Any, axis: Any = None, keepdims: bool = False) -> Any:  # noqa: A001
    """Smallest element over ``axis``; ties share the gradient evenly."""
    return _min(x, axis=_axis_param(axis), keepdims=keepdims)


amax = max
amin = min


# -- product -----------------------------------------------------------------------------------------
def _prod_forward(x: np.ndarray, axis: Any = None, keepdims: bool = False) -> Any:
    return np.prod(x, axis=axis, keepdims=keepdims)


def _others_product(x: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """For each element, the product of the other elements of its reduced slice (no division, so zeros are fine)."""
    if x.size == 0:
        return np.ones(x.shape, dtype=x.dtype)  # no elements, nothing to multiply (the gradient is empty)
    nd = x.ndim
    moved = np.moveaxis(x, axes, tuple(range(nd - len(axes), nd)))
    lead = moved.shape[: nd - len(axes)]
    flat = moved.reshape(lead + (-1,))
    ones = np.ones(lead + (1,), dtype=flat.dtype)
    left = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
    right = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    others = (left * right).reshape(moved.shape)
    return np.moveaxis(others, tuple(range(nd - len(axes), nd)), axes)


def _prod_vjp(g: Any, ans: Any, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    axes = normalize_axis(axis, len(shape_of(x)))
    spread = _spread(g, x, axis, keepdims)
    if not isinstance(x, Tensor):
        return spread * _others_product(x, axes) if axes else spread
    # recording the backward pass: build the "product of the others" from differentiable pieces
    return spread * _prod_others_graph(x, axes)


def _prod_others_graph(x: Tensor, axes: tuple[int, ...]) -> Any:
    if not axes or x.size == 0:
        return x * 0 + 1
    nd = x.ndim
    dest = tuple(range(nd - len(axes), nd))
    moved = moveaxis(x, axes, dest)
    lead = moved.shape[: nd - len(axes)]
    n = int(np.prod(moved.shape[nd - len(axes) :]))
    flat = reshape(moved, lead + (1, n))
    eye = np.eye(n, dtype=bool)
    # row j holds the slice with element j replaced by 1; its product is the product of the others
    others = prod(where(eye, 1, flat), axis=-1)
    return moveaxis(reshape(others, moved.shape), dest, axes)


_prod = defprim("prod", _prod_forward, vjp=_prod_vjp, jvp="elementwise")
_prod.jvps = (
    lambda t, ans, x, axis=None, keepdims=False: sum(
        _prod_vjp(1, ans, x, axis, True) * t, axis=axis, keepdims=keepdims
    ),
)


def prod(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Product of elements over ``axis``; the gradient is exact even when some elements are zero."""
    return _prod(x, axis=_axis_param(axis), keepdims=keepdims)


# -- logsumexp -----------------------------------------------------------------------------------------
def _logsumexp_forward(x: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
    if x.dtype is _F16:
        # in float32, rounded once: a float16 sum of exp overflows past 65504 elements (70,000 equal values gave
        # inf, the true value is 12.16)
        return _logsumexp_forward(x.astype(np.float32), axis, keepdims).astype(_F16)
    m = np.max(x, axis=axis, keepdims=True) if x.size else np.zeros((1,) * x.ndim, x.dtype)
    m = np.where(np.isfinite(m), m, 0)  # an all -inf slice: shift by 0, the log of 0 gives -inf
    with np.errstate(divide="ignore"):
        out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    if not keepdims:
        out = np.squeeze(out, axis=normalize_axis(axis, x.ndim)) if x.ndim else out.reshape(())
    return out.astype(np.result_type(x, np.float16), copy=False)


def _logsumexp_weights(x: Any, axis: Any) -> Any:
    """softmax(x) over ``axis``: the gradient of logsumexp, shifted by the maximum as the forward pass is.

    ``exp(x - logsumexp(x))`` would carry the rounding error of the result (an ulp of 1e4 in float32 is 1e-3)
    into every weight; ``exp((x - max) - log(sum(exp(x - max))))`` is exact next to huge inputs. An all -inf
    slice gets weights 0 (not exp(-inf + inf) = NaN); a NaN in a slice gives NaN weights there (it is not hidden).
    """
    xd = data_of(x)
    if xd.size == 0:
        return np.zeros(xd.shape, dtype=np.result_type(xd, np.float16))
    m = np.max(xd, axis=axis, keepdims=True)  # a constant shift (softmax does not depend on it), finite ones only
    dead = np.isneginf(m)
    z = x - np.where(np.isfinite(m), m, 0)
    s = sum(exp(z), axis=axis, keepdims=True)
    lse = log(where(dead, 1, s))  # (a safe stand-in where the sum is 0, so no log(0) even when differentiated)
    return exp(z - lse)  # dead slices: exp(-inf - 0) = 0


def _logsumexp_vjp(g: Any, ans: Any, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    if is_float16(g):  # the weights' sum in float32 (in float16 it overflows past 65504 elements), rounded once
        return astype(_logsumexp_vjp(astype(g, np.float32), None, astype(x, np.float32), axis, keepdims), _F16)
    return _spread(g, x, axis, keepdims) * _logsumexp_weights(x, axis)


_logsumexp = defprim("logsumexp", _logsumexp_forward, vjp=_logsumexp_vjp)


def _logsumexp_jvp(t: Any, ans: Any, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    if is_float16(t):  # in float32, as the backward rule
        return astype(_logsumexp_jvp(astype(t, np.float32), None, astype(x, np.float32), axis, keepdims), _F16)
    # sum(softmax(x) * t) over the axes
    return sum(_logsumexp_weights(x, axis) * t, axis=axis, keepdims=keepdims)


_logsumexp.jvps = (_logsumexp_jvp,)


def logsumexp(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """``log(sum(exp(x)))`` over ``axis``, computed without overflow."""
    return _logsumexp(x, axis=_axis_param(axis), keepdims=keepdims)


# -- statistics ---------------------------------------------------------------------------------------
def var(x: Any, axis: Any = None, ddof: int = 0, keepdims: bool = False) -> Any:
    """Variance over ``axis`` (``ddof`` as in NumPy), composed from differentiable primitives.

    As in NumPy, the divisor is ``max(n - ddof, 0)``: too large a ``ddof`` gives inf (or nan), never a
    negative variance.
    """
    axis = _axis_param(axis)
    n = _count(shape_of(x), axis)
    if ddof >= n:  # (NumPy's warning, before its own checks)
        warnings.warn("Degrees of freedom <= 0 for slice", RuntimeWarning, stacklevel=2)
    if getattr(data_of(x), "dtype", None) != np.float16:  # (lists and numbers are never float16)
        centered = x - mean(x, axis=axis, keepdims=True)
        return sum(centered * centered, axis=axis, keepdims=keepdims) / builtins.max(n - ddof, 0)
    # float16 as np.var computes it: the mean is the float16 sum (np.mean would sum in float32), and both
    # divisions are by the count as an integer scalar, in float64, rounded back to float16 (a count above 2048
    # is not a float16 number)
    if axis is not None:
        normalize_axis_tuple(axis, len(shape_of(x)))  # as np.var: axis 0 of a 0-d array is an error
    centered = x - astype(sum(x, axis=axis, keepdims=True) / np.float64(n), np.float16)
    return astype(
        sum(centered * centered, axis=axis, keepdims=keepdims) / np.float64(builtins.max(n - ddof, 0)), np.float16
    )


def _std_forward(x: np.ndarray, axis: Any = None, ddof: int = 0, keepdims: bool = False) -> Any:
    return np.std(x, axis=axis, ddof=ddof, keepdims=keepdims)  # (with NumPy's warnings)


def _std_weights(ans: Any, x: Any, axis: Any, ddof: int, keepdims: bool) -> Any:
    """d std / dx = (x - mean) / ((n - ddof) std), taken as 0 where std = 0 (as for norm'(0))."""
    shape = shape_of(x)
    kept = ans if keepdims else reshape(ans, _kept_shape(shape, axis))
    zero = data_of(kept) == 0
    centered = x - mean(x, axis=axis, keepdims=True)
    return where(zero, 0, centered / (where(zero, 1, kept) * builtins.max(_count(shape, axis) - ddof, 0)))


def _std_vjp(g: Any, ans: Any, x: Any, axis: Any = None, ddof: int = 0, keepdims: bool = False) -> Any:
    if not np.size(data_of(x)):  # (an empty input: an empty gradient, without NumPy's "mean of empty slice")
        return zeros_like_grad(g, x)
    return _spread(g, x, axis, keepdims) * _std_weights(ans, x, axis, ddof, keepdims)


def _std_jvp(t: Any, ans: Any, x: Any, axis: Any = None, ddof: int = 0, keepdims: bool = False) -> Any:
    if not np.size(data_of(x)):
        return np.zeros(np.shape(data_of(ans)), dtype=np.result_type(data_of(ans)))
    return sum(_std_weights(ans, x, axis, ddof, keepdims) * t, axis=axis, keepdims=keepdims)


_std = defprim("std", _std_forward, vjp=_std_vjp, jvp=_std_jvp)


def std(x: Any, axis: Any = None, ddof: int = 0, keepdims: bool = False) -> Any:
    """Standard deviation over ``axis``. Its gradient at a constant slice (std = 0) is 0, not 0/0."""
    return _std(x, axis=_axis_param(axis), ddof=ddof, keepdims=keepdims)


# -- no gradient ------------------------------------------------------------------------------------------
def _argmax_forward(x: np.ndarray, axis: Any = None, keepdims: bool = False) -> Any:
    return np.argmax(x, axis=axis, keepdims=keepdims)


def _argmin_forward(x: np.ndarray, axis: Any = None, keepdims: bool = False) -> Any:
    return np.argmin(x, axis=axis, keepdims=keepdims)


_argmax = defprim("argmax", _argmax_forward, differentiable=False)
_argmin = defprim("argmin", _argmin_forward, differentiable=False)


def argmax(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Index of the largest element (an integer tensor; no gradient)."""
    return _argmax(x, axis=axis, keepdims=keepdims)


def argmin(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Index of the smallest element (an integer tensor; no gradient)."""
    return _argmin(x, axis=axis, keepdims=keepdims)
