"""NumPy's NaN-ignoring reductions: their further options (``dtype=``, ``initial=``, ``where=``), and nanprod,
nanvar, nanstd, nanmedian, nanquantile, nanpercentile, nanargmax, nanargmin.

Composed, as NumPy composes them: NaN entries read as 0 (sum), 1 (prod) or are left out of the count (mean, var,
median, quantiles), so they get gradient 0, as masked-out entries do. An all-NaN slice gives NaN (NumPy's warning)
and gradient 0. Without NaN and options the calls take the plain functions.

===========================  ===================================================================================
function                     how
===========================  ===================================================================================
nanprod                      prod with NaN read as 1
nanvar, nanstd               NumPy's steps: the sum of the others divided by their count, the centred squares
                             summed and divided by ``count - ddof`` (NaN where that is <= 0); std = its root,
                             gradient 0 at 0
nanmedian                    a stable sort (NaN last), the middle one or two of the ``k`` values that are not NaN
nanquantile, nanpercentile   NumPy's 'linear' interpolation between the sorted neighbours, on each slice's ``k``
                             values that are not NaN
nanargmax, nanargmin         no gradient (integers)
===========================  ===================================================================================
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ..errors import DtypeError, InvalidArgumentError, UnsupportedArgumentError
from ..tensor import Tensor
from . import stats as _stats
from ._base import data_of, defprim, shape_of
from .elementwise import sqrt
from .elementwise import where as select
from .order import operand, sort
from .reduce_options import _ddof, _divide, _dtype_param, _extreme, _masked, _NoValue, _where_param
from .reduce_options import mean as _mean
from .reduce_options import prod as _prod
from .reduce_options import std as _std
from .reduce_options import sum as _sum
from .reduce_options import var as _var
from .shape import astype, moveaxis, reshape, take_along_axis


def _inexact_dtype(nan: np.ndarray | None, dtype: Any) -> None:
    """NumPy's check: a float ``a`` is averaged in a float (or complex) ``dtype`` only."""
    if nan is not None and dtype is not None and np.dtype(dtype).kind not in "fc":
        raise TypeError("If a is inexact, then dtype must be inexact")


def _nan_mask(x: Any) -> np.ndarray | None:
    xd = np.asarray(data_of(x))
    return np.isnan(xd) if xd.dtype.kind in "fc" else None


def nansum(
    x: Any, axis: Any = None, keepdims: bool = False, *, dtype: Any = None, initial: Any = _NoValue, where: Any = True
) -> Any:
    """Sum over ``axis`` reading NaN as 0, as ``np.nansum`` (with its ``dtype``, ``initial`` and ``where``); NaN
    and masked-out entries get gradient 0.

    >>> import numpy as np, chainrule as cr
    >>> cr.nansum(cr.tensor([1.0, np.nan, 2.0]), initial=1.0)
    tensor(4.)
    """
    if dtype is None and initial is _NoValue and where is True:
        return _stats.nansum(x, axis=axis, keepdims=keepdims)
    x = operand(x)
    _stats._check_axis("nansum", x, axis)
    nan = _nan_mask(x)
    if nan is not None and nan.any():
        x = select(nan, 0.0, x)
    return _sum(x, axis=axis, keepdims=keepdims, dtype=dtype, initial=initial, where=where)


def nanmean(x: Any, axis: Any = None, keepdims: bool = False, *, dtype: Any = None, where: Any = True) -> Any:
    """Mean over ``axis`` of the entries that are not NaN, as ``np.nanmean`` (with its ``dtype`` and ``where``: the
    count is of the selected entries that are not NaN); NaN and masked-out entries get gradient 0.

    >>> import numpy as np, chainrule as cr
    >>> cr.nanmean(cr.tensor([1.0, np.nan, 2.0, 4.0]), where=np.array([True, True, True, False]))
    tensor(1.5)
    """
    if dtype is None and where is True:
        return _stats.nanmean(x, axis=axis, keepdims=keepdims)
    x = operand(x)
    nan = _nan_mask(x)
    _inexact_dtype(nan, dtype)  # (NumPy's first check)
    _stats._check_axis("nanmean", x, axis)
    if nan is None:  # integers: NumPy's nanmean is their mean
        return _mean(x, axis=axis, keepdims=keepdims, dtype=dtype, where=where)
    where = _where_param(where)
    axis = tuple(axis) if isinstance(axis, list) else axis
    count = np.sum(~nan, axis=axis, dtype=np.intp, keepdims=keepdims, where=where)
    total = _sum(_masked(x, ~nan) if nan.any() else x, axis=axis, keepdims=keepdims, dtype=dtype, where=where)
    empty = count == 0
    avg = _divide(total, np.maximum(count, 1))
    if empty.any():
        warnings.warn("Mean of empty slice", RuntimeWarning, stacklevel=2)
        avg = select(empty, np.nan, avg)  # (NumPy's 0/0; its gradient 0)
    return avg


def nanmax(x: Any, axis: Any = None, keepdims: bool = False, *, initial: Any = _NoValue, where: Any = True) -> Any:
    """Largest element over ``axis`` ignoring NaN, as ``np.nanmax`` (with its ``initial`` and ``where``, as
    :func:`chainrule.max` takes them); ties share the gradient, NaN entries get 0.

    >>> import numpy as np, chainrule as cr
    >>> cr.nanmax(cr.tensor([1.0, np.nan, 3.0]), where=np.array([True, True, False]), initial=-5.0)
    tensor(1.)
    """
    if initial is _NoValue and where is True:
        return _stats.nanmax(x, axis=axis, keepdims=keepdims)
    return _extreme("nanmax", operand(x), axis, keepdims, initial, where)


def nanmin(x: Any, axis: Any = None, keepdims: bool = False, *, initial: Any = _NoValue, where: Any = True) -> Any:
    """Smallest element over ``axis`` ignoring NaN, as ``np.nanmin`` (see :func:`nanmax`)."""
    if initial is _NoValue and where is True:
        return _stats.nanmin(x, axis=axis, keepdims=keepdims)
    return _extreme("nanmin", operand(x), axis, keepdims, initial, where)


def nanprod(
    x: Any, axis: Any = None, keepdims: bool = False, *, dtype: Any = None, initial: Any = _NoValue, where: Any = True
) -> Any:
    """Product over ``axis`` reading NaN as 1, as ``np.nanprod`` (with its ``dtype``, ``initial``, ``where``); NaN
    entries get gradient 0.

    >>> import numpy as np, chainrule as cr
    >>> cr.nanprod(cr.tensor([2.0, np.nan, 3.0]))
    tensor(6.)
    """
    x = operand(x)
    _stats._check_axis("nanprod", x, axis)
    nan = _nan_mask(x)
    if nan is not None and nan.any():
        x = select(nan, 1.0, x)
    options = {"dtype": dtype, "where": where} if dtype is not None or where is not True else {}
    if initial is not _NoValue:
        options.update(initial=initial, where=where)
    return _prod(x, axis=axis, keepdims=keepdims, **options)


def nanvar(
    x: Any,
    axis: Any = None,
    ddof: Any = 0,
    keepdims: bool = False,
    *,
    dtype: Any = None,
    where: Any = True,
    mean: Any = _NoValue,
    correction: Any = _NoValue,
) -> Any:
    """Variance over ``axis`` of the entries that are not NaN, as ``np.nanvar`` (``ddof``, ``dtype``, ``where``,
    ``correction``); NaN entries get gradient 0, and a slice with ``count - ddof <= 0`` gives NaN (NumPy's warning)
    with gradient 0.

    >>> import numpy as np, chainrule as cr
    >>> cr.nanvar(cr.tensor([1.0, np.nan, 3.0]))
    tensor(1.)
    """
    if mean is not _NoValue:
        raise UnsupportedArgumentError("nanvar: mean= (a precomputed mean) is not supported; leave it out")
    ddof = _ddof(ddof, correction)
    x = operand(x)
    nan = _nan_mask(x)
    _inexact_dtype(nan, dtype)
    if nan is None:  # integers: np.nanvar is np.var (floats take the steps below even without NaN, as in NumPy)
        options = {k: v for k, v in (("dtype", dtype), ("where", where)) if v is not None and v is not True}
        return _var(x, axis=axis, ddof=ddof, keepdims=keepdims, **options)
    _stats._check_axis("nanvar", x, axis)
    axis = tuple(axis) if isinstance(axis, list) else axis
    dtype, where = _dtype_param(dtype), _where_param(where)
    options = {"dtype": dtype} if dtype is not None else {}
    if where is not True:
        options["where"] = where
    keep = ~nan if where is True else ~nan & np.broadcast_to(np.asarray(where, dtype=bool), nan.shape)
    arr = select(nan, 0.0, x)
    count = np.sum(~nan, axis=axis, dtype=np.intp, keepdims=True, where=where)
    # (a slice with no entry to count: its mean is never read, as every entry is masked below; dividing by 1 there
    # keeps 0 / 0 out of the forward and backward passes)
    avg = _divide(_sum(arr, axis=axis, keepdims=True, **options), np.maximum(count, 1))
    centered = arr - avg
    xdt = np.result_type(data_of(x))
    if np.result_type(data_of(centered)) != xdt:  # (NumPy subtracts in place: x's dtype)
        centered = astype(centered, xdt)
    centered = _masked(centered, keep)  # (NaN and masked-out entries: an exact 0, and no gradient)
    squares = _sum(centered * centered, axis=axis, keepdims=keepdims, **options)
    if len(shape_of(squares)) < count.ndim:
        count = np.squeeze(count, axis=axis)
    dof = count - ddof
    bad = dof <= 0
    out = _divide(squares, np.where(bad, 1, dof))
    if np.any(bad):
        warnings.warn("Degrees of freedom <= 0 for slice.", RuntimeWarning, stacklevel=2)
        out = select(bad, np.nan, out)
    return out


def nanstd(
    x: Any,
    axis: Any = None,
    ddof: Any = 0,
    keepdims: bool = False,
    *,
    dtype: Any = None,
    where: Any = True,
    mean: Any = _NoValue,
    correction: Any = _NoValue,
) -> Any:
    """Standard deviation over ``axis`` of the entries that are not NaN, as ``np.nanstd`` (see :func:`nanvar`);
    its gradient at a constant slice (std = 0) is 0, as ``std``'s.

    >>> import numpy as np, chainrule as cr
    >>> cr.nanstd(cr.tensor([1.0, np.nan, 3.0]))
    tensor(1.)
    """
    x = operand(x)
    nan = _nan_mask(x)
    if mean is _NoValue and nan is None:  # integers: np.nanstd is np.std
        options = {k: v for k, v in (("dtype", dtype), ("where", where)) if v is not None and v is not True}
        return _std(x, axis=axis, ddof=_ddof(ddof, correction), keepdims=keepdims, **options)
    v = nanvar(x, axis, ddof, keepdims, dtype=dtype, where=where, mean=mean, correction=correction)
    zero = np.asarray(data_of(v)) == 0
    if not zero.any():
        return sqrt(v)
    return select(zero, 0, sqrt(select(zero, 1, v)))  # (sqrt's slope at 0 is inf: gradient 0 there, as std's)


# -- nanmedian, nanquantile, nanpercentile ----------------------------------------------------------------
def _sorted_counts(x: Any, axis: Any, op: str) -> tuple[Any, np.ndarray, tuple[int, ...]]:
    """The slices sorted along a leading axis (NaN last), the count of values that are not NaN in each, and the
    reduced axes (NumPy's _ureduce merges several into one)."""
    y, ax, axes = _stats._one_axis(x, axis, op)
    s = moveaxis(sort(y, axis=ax), ax, 0)
    count = np.sum(~np.isnan(np.asarray(data_of(s))), axis=0)
    return s, count, axes


def _gather(s: Any, positions: np.ndarray) -> Any:
    """``s[positions[i, ...], ...]`` along the leading axis (positions: (q, *rest)), differentiably."""
    return take_along_axis(s, np.asarray(positions, dtype=np.intp), 0)


def _all_nan(result: Any, count: np.ndarray) -> Any:
    empty = count == 0
    if not empty.any():
        return result
    warnings.warn("All-NaN slice encountered", RuntimeWarning, stacklevel=3)
    return select(np.broadcast_to(empty, shape_of(result)), np.nan, result)


def nanmedian(
    x: Any, axis: Any = None, out: Any = None, overwrite_input: bool = False, keepdims: Any = _NoValue
) -> Any:
    """Median over ``axis`` of the entries that are not NaN, as ``np.nanmedian``: the middle one, or the mean of
    the middle two, of each slice's sorted values. The gradient goes to those elements (ties: in a stable sort's
    order); NaN entries get 0; an all-NaN slice gives NaN (NumPy's warning) with gradient 0.

    >>> import numpy as np, chainrule as cr
    >>> cr.nanmedian(cr.tensor([[3.0, np.nan, 1.0], [4.0, 0.0, 5.0]]), axis=1)
    tensor([2., 4.])
    """
    if out is not None:
        raise UnsupportedArgumentError("nanmedian: out= would write around the graph; use the returned tensor")
    keepdims = False if keepdims is _NoValue else keepdims
    x = operand(x)
    if np.size(data_of(x)) == 0:  # (as NumPy)
        return nanmean(x, axis=axis, keepdims=keepdims)
    nan = _nan_mask(x)
    if nan is None or not nan.any():
        return _stats.median(x, axis=axis, keepdims=keepdims)
    shape = shape_of(x)
    s, count, axes = _sorted_counts(x, axis, "nanmedian")
    h = count // 2
    odd = count % 2 == 1
    low = _gather(s, np.maximum(np.where(odd, h, h - 1), 0)[None])[0]
    high = _gather(s, h[None])[0]
    ndim = len(shape)
    if axis is None or ndim == 1 or len(axes) == ndim or int(np.prod([shape[a] for a in axes])) >= 600:
        # NumPy's _nanmedian1d (on the flattened array, or on each slice of 600 or more): np.median of the values
        # that are not NaN, a mean (float16 summed in float32)
        if np.result_type(data_of(s)) == np.float16:
            mid = astype((astype(low, np.float32) + astype(high, np.float32)) / 2, np.float16)
        else:
            mid = (low + high) / 2
        mid = select(odd, low, mid)
    else:  # NumPy's masked median: (low + high) / 2, also where low and high are one element (odd counts)
        mid = (low + high) / 2
    # (+ 0.0: NumPy's sums start from +0, so a median of -0.0 is 0.0)
    result = _all_nan(mid + 0.0, count)
    return _stats._keepdims(result, shape, axes) if keepdims else result


def _nan_quantile(x: Any, q: Any, axis: Any, keepdims: bool, weak: bool, op: str) -> Any:
    """NumPy's 'linear' quantiles of the values of each slice that are not NaN (its _nanquantile_1d applied to
    every slice), at once: the virtual index ``(k - 1) q`` of each slice's count ``k``, its two neighbours in the
    sorted slice (NaN last), interpolated as NumPy's _lerp."""
    if isinstance(q, Tensor) and q.requires_grad:
        raise UnsupportedArgumentError(f"{op}: a q that requires a gradient is not supported here; use {op[3:]}")
    if np.result_type(data_of(x)).kind == "c":
        raise DtypeError(f"{op}: a must be an array of real numbers")
    qd = np.asarray(data_of(q))
    if qd.ndim > 2:
        raise InvalidArgumentError(f"{op}: q must be a scalar or 1d")
    if np.size(data_of(x)) == 0:  # (as NumPy: the NaN-mean of nothing, whatever q)
        return nanmean(x, axis=axis, keepdims=keepdims)
    nan = _nan_mask(x)
    if nan is None or not nan.any():
        return _stats._quantile(x, qd if not weak else q, axis, keepdims, weak, op)
    shape = shape_of(x)
    s, count, axes = _sorted_counts(x, axis, op)
    rest = count.shape
    qv = qd.reshape(qd.shape + (1,) * len(rest))
    km1 = np.broadcast_to(count - 1, qd.shape + rest)
    if qd.dtype.kind in "iub":  # q of integers (0 or 1): the elements themselves
        positions = np.maximum(km1 * qv, 0)
        result = _gather(s, positions.reshape((-1,) + rest))
    else:
        virtual = np.asarray(km1.astype(qd.dtype) * qv)  # (as (n - 1) * q with n a Python int)
        below = np.array(np.floor(virtual))  # (arrays, also 0-d: written to below)
        above = np.array(below + 1)
        last = np.broadcast_to(km1, virtual.shape)
        past = (virtual >= last) | np.isnan(virtual)
        below[past] = above[past] = -1
        early = virtual < 0
        below[early] = above[early] = 0
        gamma = virtual - below  # (-1 where past the end, as NumPy: the neighbours are equal there)
        flat = (-1,) + rest
        a = _gather(s, np.where(below < 0, np.maximum(last, 0), below).reshape(flat))
        b = _gather(s, np.where(above < 0, np.maximum(last, 0), above).reshape(flat))
        gamma = gamma.reshape(flat)
        d = b - a
        if weak:  # a Python q: gamma and 1 - gamma rounded into x's dtype, as a weak Python float is
            xdt = np.result_type(data_of(s))
            t, one_minus = gamma.astype(xdt), (1 - gamma).astype(xdt)
        else:
            t, one_minus = gamma, 1 - gamma
        result = select(gamma >= 0.5, b - d * one_minus, a + d * t)
    if not qd.size and (count == 0).any():  # (no quantile asked: NumPy still warns of the all-NaN slice)
        warnings.warn("All-NaN slice encountered", RuntimeWarning, stacklevel=3)
    result = _all_nan(reshape(result, qd.shape + rest), np.broadcast_to(count, qd.shape + rest))
    xdt = np.result_type(data_of(s))
    if count.flat[0] == 0 and np.result_type(data_of(result)) != xdt:
        # NumPy's apply_along_axis takes the dtype of the first slice's result, and an all-NaN slice gives a NaN of
        # x's dtype: every slice is then rounded into it
        result = astype(result, xdt)
    if not qd.ndim and not rest:
        result = reshape(result, ())
    return _stats._keepdims(result, shape, axes, qd.shape) if keepdims else result


def nanquantile(
    x: Any,
    q: Any,
    axis: Any = None,
    out: Any = None,
    overwrite_input: bool = False,
    method: str = "linear",
    keepdims: Any = _NoValue,
    *,
    weights: Any = None,
    interpolation: Any = None,
) -> Any:
    """The ``q``-th quantiles (q in [0, 1], a constant scalar or 1-D) over ``axis`` of the entries that are not NaN,
    as ``np.nanquantile`` with its default 'linear' method; NaN entries get gradient 0, an all-NaN slice gives NaN.

    >>> import numpy as np, chainrule as cr
    >>> cr.nanquantile(cr.tensor([1.0, np.nan, 2.0, 3.0, 4.0]), 0.5)
    tensor(2.5)
    """
    _stats._check("nanquantile", out, method, weights, interpolation)
    weak = type(q) in (int, float)
    _stats._valid(q, "nanquantile: Quantiles must be in the range [0, 1]")
    keepdims = False if keepdims is _NoValue else keepdims
    return _nan_quantile(operand(x), q, axis, keepdims, weak, "nanquantile")


def nanpercentile(
    x: Any,
    q: Any,
    axis: Any = None,
    out: Any = None,
    overwrite_input: bool = False,
    method: str = "linear",
    keepdims: Any = _NoValue,
    *,
    weights: Any = None,
    interpolation: Any = None,
) -> Any:
    """The ``q``-th percentiles (q in [0, 100]) over ``axis`` of the entries that are not NaN, as
    ``np.nanpercentile``: ``nanquantile(x, q / 100)``.

    >>> import numpy as np, chainrule as cr
    >>> cr.nanpercentile(cr.tensor([1.0, np.nan, 2.0, 3.0, 4.0]), 50)
    tensor(2.5)
    """
    _stats._check("nanpercentile", out, method, weights, interpolation)
    weak = type(q) in (int, float)
    if isinstance(q, Tensor) and q.requires_grad:
        raise UnsupportedArgumentError("nanpercentile: a q that requires a gradient is not supported; use percentile")
    q = np.true_divide(np.asarray(data_of(q)), 100)
    _stats._valid(q, "nanpercentile: Percentiles must be in the range [0, 100]")
    keepdims = False if keepdims is _NoValue else keepdims
    return _nan_quantile(operand(x), float(q) if weak else q, axis, keepdims, weak, "nanpercentile")


# -- nanargmax, nanargmin ------------------------------------------------------------------------------
def _nanargmax_forward(x: np.ndarray, axis: Any = None, keepdims: bool = False) -> Any:
    return np.nanargmax(x, axis=axis, keepdims=keepdims)


def _nanargmin_forward(x: np.ndarray, axis: Any = None, keepdims: bool = False) -> Any:
    return np.nanargmin(x, axis=axis, keepdims=keepdims)


_nanargmax = defprim("nanargmax", _nanargmax_forward, differentiable=False)
_nanargmin = defprim("nanargmin", _nanargmin_forward, differentiable=False)


def nanargmax(x: Any, axis: Any = None, out: Any = None, *, keepdims: bool = False) -> Any:
    """Index of the largest element ignoring NaN, as ``np.nanargmax`` (an integer tensor; no gradient; an all-NaN
    slice raises NumPy's ValueError)."""
    if out is not None:
        raise UnsupportedArgumentError("nanargmax: out= would write around the graph; use the returned tensor")
    return _nanargmax(x, axis=axis, keepdims=keepdims)


def nanargmin(x: Any, axis: Any = None, out: Any = None, *, keepdims: bool = False) -> Any:
    """Index of the smallest element ignoring NaN, as ``np.nanargmin`` (an integer tensor; no gradient)."""
    if out is not None:
        raise UnsupportedArgumentError("nanargmin: out= would write around the graph; use the returned tensor")
    return _nanargmin(x, axis=axis, keepdims=keepdims)
