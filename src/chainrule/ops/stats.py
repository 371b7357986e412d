"""Order statistics and NaN-ignoring reductions.

=========================  =====================================================================================
op                         gradient of the input (g is dL/d(result), put back over the reduced axes)
=========================  =====================================================================================
nanmax / nanmin(x, axis)   g split evenly between the elements equal to the result; NaN entries get 0
nansum, nanmean            composed: sum / mean of the non-NaN entries; NaN entries get 0
ptp(x, axis)               composed: max - min (ties split as max and min split them)
median(x, axis)            composed: a stable sort, then the mean of the middle one or two, as np.median
quantile, percentile       composed: a stable sort, then NumPy's 'linear' interpolation between the two
                           neighbours: 1 - gamma and gamma of g (and the slope to q where q is a tensor)
=========================  =====================================================================================

The composed ones follow NumPy's own steps, so their values are NumPy's to the bit: a slice holding NaN gives
the element NumPy returns (its last in sorted order, a NaN), and the gradient goes there.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .._shapes import normalize_axis
from ..errors import AxisError, DtypeError, InvalidArgumentError, UnsupportedArgumentError
from ..tensor import Tensor
from ._base import data_of, defprim, shape_of
from .elementwise import where
from .order import operand, sort
from .reduce import _axis_param, _kept_shape, _spread, max, mean, min, sum
from .shape import astype, getitem, moveaxis, ravel, reshape


def _check_axis(op: str, x: Any, axis: Any) -> None:
    """An :class:`AxisError` naming ``op`` and the input's shape for an ``axis`` out of range or named twice (the
    composed reductions would otherwise report it as ``sum``'s, ``max``'s, or as NumPy's own without a name)."""
    if axis is None:
        return
    shape = shape_of(x)
    try:
        normalize_axis(_axis_param(axis), len(shape))
    except AxisError as e:
        raise AxisError(f"{op}: {e} (input shape {shape})") from None


# -- nanmax and nanmin ------------------------------------------------------------------------------------
def _nanmax_forward(x: np.ndarray, axis: Any = None, keepdims: bool = False) -> Any:
    return np.nanmax(x, axis=axis, keepdims=keepdims)  # (NumPy's warning for an all-NaN slice included)


def _nanmin_forward(x: np.ndarray, axis: Any = None, keepdims: bool = False) -> Any:
    return np.nanmin(x, axis=axis, keepdims=keepdims)


def _nan_extreme_weights(ans: Any, x: Any, axis: Any) -> np.ndarray:
    """1/k for each of the k elements equal to the result of their slice; NaN never equals, so NaN entries, and
    every entry of an all-NaN slice (whose result is NaN), get 0."""
    xd = np.asarray(data_of(x))
    kept = np.reshape(data_of(ans), _kept_shape(xd.shape, axis))
    hit = xd == kept
    count = np.sum(hit, axis=normalize_axis(axis, xd.ndim), keepdims=True)
    return np.where(hit, 1.0 / np.maximum(count, 1), 0.0).astype(np.result_type(xd, np.float16), copy=False)


def _nan_extreme_vjp(g: Any, ans: Any, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    return _spread(g, x, axis, keepdims) * _nan_extreme_weights(ans, x, axis)


def _nan_extreme_jvp(t: Any, ans: Any, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    return sum(t * _nan_extreme_weights(ans, x, axis), axis=axis, keepdims=keepdims)


_nanmax = defprim("nanmax", _nanmax_forward, vjp=_nan_extreme_vjp, jvp=_nan_extreme_jvp)
_nanmin = defprim("nanmin", _nanmin_forward, vjp=_nan_extreme_vjp, jvp=_nan_extreme_jvp)


def nanmax(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Largest element over ``axis`` ignoring NaN, as ``np.nanmax``; ties share the gradient, NaN entries get 0.

    >>> import numpy as np, chainrule as cr
    >>> cr.nanmax(cr.tensor([[1.0, np.nan], [3.0, 2.0]]), axis=1)
    tensor([1., 3.])
    """
    return _nanmax(x, axis=_axis_param(axis), keepdims=keepdims)


def nanmin(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Smallest element over ``axis`` ignoring NaN, as ``np.nanmin``; ties share the gradient, NaN entries get 0.

    >>> import numpy as np, chainrule as cr
    >>> cr.nanmin(cr.tensor([np.nan, 3.0, 2.0]))
    tensor(2.)
    """
    return _nanmin(x, axis=_axis_param(axis), keepdims=keepdims)


# -- nansum, nanmean, ptp ---------------------------------------------------------------------------------
def _nan_mask(x: Any) -> np.ndarray | None:
    xd = np.asarray(data_of(x))
    return np.isnan(xd) if xd.dtype.kind in "fc" else None


def nansum(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Sum over ``axis`` reading NaN as 0, as ``np.nansum``; NaN entries get gradient 0.

    >>> import numpy as np, chainrule as cr
    >>> cr.nansum(cr.tensor([1.0, np.nan, 2.0]))
    tensor(3.)
    """
    x = operand(x)
    _check_axis("nansum", x, axis)
    nan = _nan_mask(x)
    if nan is not None and nan.any():
        x = where(nan, 0.0, x)
    return sum(x, axis=axis, keepdims=keepdims)


def nanmean(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Mean over ``axis`` of the entries that are not NaN, as ``np.nanmean`` (an all-NaN slice gives NaN with
    NumPy's "Mean of empty slice" warning); NaN entries get gradient 0.

    >>> import numpy as np, chainrule as cr
    >>> cr.nanmean(cr.tensor([1.0, np.nan, 2.0]))
    tensor(1.5)
    """
    x = operand(x)
    _check_axis("nanmean", x, axis)
    nan = _nan_mask(x)
    if nan is None:  # integers: NumPy's nanmean is their mean
        return mean(x, axis=axis, keepdims=keepdims)
    axis = _axis_param(axis)
    count = np.sum(~nan, axis=axis, dtype=np.intp, keepdims=keepdims)
    total = sum(where(nan, 0.0, x) if nan.any() else x, axis=axis, keepdims=keepdims)
    empty = count == 0
    if empty.any():
        warnings.warn("Mean of empty slice", RuntimeWarning, stacklevel=2)
        count = np.where(empty, 1, count)  # (a stand-in: the value there is NaN, and its gradient 0)
    dtype = np.result_type(data_of(total))
    # NumPy divides by the integer count in float64 and rounds into the dtype; dividing in the dtype rounds once
    # to the same value (double rounding of a quotient is innocuous from 53 bits to 24 or 11) while the count is
    # exact in it
    if dtype.itemsize >= 8 or int(np.max(count, initial=0)) <= 2 ** (np.finfo(dtype).nmant + 1):
        avg = total / count.astype(dtype)
    else:
        avg = astype(total / count.astype(np.float64), dtype)
    return where(empty, np.nan, avg) if empty.any() else avg


def ptp(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Range (maximum - minimum) over ``axis``, as ``np.ptp``. Ties share the gradient as in ``max`` and ``min``,
    so a constant slice has gradient 0.

    >>> import chainrule as cr
    >>> cr.ptp(cr.tensor([[1.0, 4.0, 2.0], [0.5, 0.5, 0.5]]), axis=1)
    tensor([3., 0.])
    """
    x = operand(x)
    _check_axis("ptp", x, axis)
    return max(x, axis=axis, keepdims=keepdims) - min(x, axis=axis, keepdims=keepdims)


# -- median, quantile, percentile ---------------------------------------------------------------------------
def _one_axis(x: Any, axis: Any, op: str) -> tuple[Any, int, tuple[int, ...]]:
    """``x`` with the reduced axes merged into one (NumPy's _ureduce), that axis, and the reduced axes."""
    nd = len(shape_of(x))
    if axis is None:
        return ravel(x), 0, tuple(range(nd))
    try:
        axes = tuple(sorted(np.lib.array_utils.normalize_axis_tuple(axis, nd)))
    except (np.exceptions.AxisError, ValueError) as e:  # (out of range; or NumPy's ValueError "repeated axis")
        raise AxisError(f"{op}: {e} (input shape {shape_of(x)}, axis {axis!r})") from None
    if len(axes) == 1:
        return x, axes[0], axes
    keep = [i for i in range(nd) if i not in axes]
    moved = moveaxis(x, keep, list(range(len(keep))))
    return reshape(moved, shape_of(moved)[: len(keep)] + (-1,)), len(keep), axes


def _keepdims(result: Any, shape: tuple[int, ...], axes: tuple[int, ...], lead: tuple[int, ...] = ()) -> Any:
    return reshape(result, lead + tuple(1 if i in axes else n for i, n in enumerate(shape)))


def _nan_result(result: Any, last: Any) -> Any:
    """NumPy's answer for slices holding NaN: their last element in sorted order, a NaN (its gradient goes there)."""
    nan = np.isnan(np.asarray(data_of(last)))
    if not nan.any():
        return result
    if not np.ndim(data_of(result)):
        return last  # (NumPy returns that element itself: a 0-d result takes its dtype)
    return where(nan, last, result)


def median(x: Any, axis: Any = None, out: Any = None, overwrite_input: bool = False, keepdims: bool = False) -> Any:
    """Median over ``axis`` (None, int or tuple), as ``np.median``: the middle element of each sorted slice, or
    the mean of the two middle ones. The gradient goes to those elements (ties: the first of equal values in the
    array, as a stable sort orders them); a slice holding NaN gives NaN, with the gradient to that NaN.

    >>> import chainrule as cr
    >>> cr.median(cr.tensor([[3.0, 1.0, 2.0], [4.0, 0.0, 5.0]]), axis=1)
    tensor([2., 4.])
    """
    if out is not None:
        raise UnsupportedArgumentError("median: out= would write around the graph; use the returned tensor")
    x = operand(x)
    shape = shape_of(x)
    y, ax, axes = _one_axis(x, axis, "median")
    s = sort(y, axis=ax)
    n = shape_of(s)[ax]
    half = n // 2
    middle = slice(half, half + 1) if n % 2 else slice(half - 1, half + 1)
    lead = (slice(None),) * ax
    result = mean(getitem(s, lead + (middle,)), axis=ax)
    if np.result_type(data_of(s)).kind == "f" and n:
        result = _nan_result(result, getitem(s, lead + (-1,)))
    return _keepdims(result, shape, axes) if keepdims else result


def _lerp(a: Any, b: Any, t: Any) -> Any:
    """NumPy's _lerp: a + (b - a) t, or b - (b - a)(1 - t) where t >= 1/2 (the nearer end, for accuracy)."""
    d = b - a
    if isinstance(t, float):
        return b - d * (1 - t) if t >= 0.5 else a + d * t
    return where(data_of(t) >= 0.5, b - d * (1 - t), a + d * t)


def _neighbours(virtual: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """NumPy's _get_indexes: the sorted positions on either side of each virtual index (-1 at or past the end,
    0 before the start and for a NaN index)."""
    below = np.array(np.floor(virtual))  # (arrays, also 0-d: written to below)
    above = np.array(below + 1)
    past = virtual >= n - 1
    below[past] = above[past] = -1
    early = virtual < 0
    below[early] = above[early] = 0
    nan = np.isnan(virtual)
    below[nan] = above[nan] = -1
    return below.astype(np.intp), above.astype(np.intp)


def _quantile(x: Any, q: Any, axis: Any, keepdims: bool, weak: bool, op: str = "quantile") -> Any:
    """``q``-th quantiles (q in [0, 1]) over ``axis`` with NumPy's 'linear' method, step by step as NumPy takes them
    (its _quantile, on a stable sort instead of a partition: the same values at the same positions)."""
    x = operand(x)
    if np.result_type(data_of(x)).kind == "c":
        raise DtypeError("quantile: a must be an array of real numbers")
    qd = np.asarray(data_of(q))
    if qd.ndim > 2:
        raise InvalidArgumentError("quantile: q must be a scalar or 1d")
    shape = shape_of(x)
    y, ax, axes = _one_axis(x, axis, op)
    s = moveaxis(sort(y, axis=ax), ax, 0)  # the sorted axis first: q's dimensions lead the result
    n = shape_of(s)[0]
    virtual = q * (n - 1) if isinstance(q, Tensor) else (n - 1) * qd
    vd = np.asarray(data_of(virtual))
    if vd.dtype.kind in "iub":  # q of integers (0 or 1): the elements themselves, no interpolation
        result = getitem(s, vd)
    else:
        below, above = _neighbours(vd, n)
        if isinstance(virtual, Tensor):
            gamma = virtual - below.astype(vd.dtype)
        else:
            gamma = np.asarray(vd - below, dtype=vd.dtype)
        if weak:
            gamma = float(gamma)
        else:
            gamma = reshape(gamma, vd.shape + (1,) * (len(shape_of(s)) - 1))
        result = _lerp(getitem(s, below), getitem(s, above), gamma)
    if np.result_type(data_of(s)).kind == "f":
        result = _nan_result(result, getitem(s, -1))
    return _keepdims(result, shape, axes, vd.shape) if keepdims else result


def _check(op: str, out: Any, method: str, weights: Any, interpolation: Any) -> None:
    if out is not None:
        raise UnsupportedArgumentError(f"{op}: out= would write around the graph; use the returned tensor")
    if weights is not None:
        raise UnsupportedArgumentError(f"{op}: weights= (NumPy's 'inverted_cdf' method) is not differentiable here")
    if interpolation is not None:
        method = interpolation  # (NumPy's older name for method)
    if method != "linear":
        raise UnsupportedArgumentError(f"{op}: only NumPy's default method='linear' is supported, got {method!r}")


def _valid(q: Any, message: str) -> None:
    qd = np.asarray(data_of(q))
    if qd.size and not (np.min(qd) >= 0 and np.max(qd) <= 1):  # (NaN fails both)
        raise InvalidArgumentError(message)


def quantile(
    x: Any,
    q: Any,
    axis: Any = None,
    out: Any = None,
    overwrite_input: bool = False,
    method: str = "linear",
    keepdims: bool = False,
    *,
    weights: Any = None,
    interpolation: Any = None,
) -> Any:
    """The ``q``-th quantiles (q in [0, 1], a scalar or 1-D) over ``axis``, as ``np.quantile`` with its default
    'linear' method. The gradient goes to the one or two sorted neighbours, ``1 - gamma`` and ``gamma`` of it (ties:
    in the order of a stable sort); where ``q`` is a tensor, it gets the slope of the interpolation too.

    >>> import chainrule as cr
    >>> cr.quantile(cr.tensor([1.0, 2.0, 3.0, 4.0]), 0.5)
    tensor(2.5)
    """
    _check("quantile", out, method, weights, interpolation)
    weak = type(q) in (int, float)  # a Python number takes the dtype of x (NumPy's weak promotion)
    q = operand(q)
    _valid(q, "quantile: Quantiles must be in the range [0, 1]")
    return _quantile(x, q, axis, keepdims, weak)


def percentile(
    x: Any,
    q: Any,
    axis: Any = None,
    out: Any = None,
    overwrite_input: bool = False,
    method: str = "linear",
    keepdims: bool = False,
    *,
    weights: Any = None,
    interpolation: Any = None,
) -> Any:
    """The ``q``-th percentiles (q in [0, 100]) over ``axis``, as ``np.percentile``: ``quantile(x, q / 100)``.

    >>> import chainrule as cr
    >>> cr.percentile(cr.tensor([1.0, 2.0, 3.0, 4.0]), 25)
    tensor(1.75)
    """
    _check("percentile", out, method, weights, interpolation)
    weak = type(q) in (int, float)
    q = operand(q)
    q = q / 100 if isinstance(q, Tensor) else np.true_divide(q, 100)
    _valid(q, "percentile: Percentiles must be in the range [0, 100]")
    return _quantile(x, q, axis, keepdims, weak, "percentile")
