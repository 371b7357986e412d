"""The reductions with NumPy's further options: ``dtype=``, ``initial=`` and ``where=``.

A call without these options takes the plain primitives of :mod:`.reduce` (the training hot path pays one test);
a call with them takes the primitives below, whose forward passes are NumPy's own calls with the same arguments
(so the values are NumPy's to the bit).

==================================  ===========================================================================
op                                  gradient of the input (g is dL/d(result), put back over the reduced axes)
==================================  ===========================================================================
sum(x, dtype, initial, where)       g where selected, 0 where masked out; ``initial`` is a constant
mean(x, dtype, where)               g / (number of selected elements of the slice) where selected, else 0
prod(x, dtype, initial, where)      g * initial * (product of the other selected elements), 0 where masked out
max / min(x, initial, where)        g split evenly between the selected elements equal to the result; where
                                    ``initial`` ties with them it takes half (as JAX's maximum(max(x),
                                    initial)), where it wins alone the input gets 0
var / std(x, dtype, where)          composed as NumPy computes them (sum, count, centre, square, sum, divide);
                                    std at 0 has gradient 0, as ``std``
==================================  ===========================================================================

The gradient comes back in the input's dtype (``sum(float32, dtype=float64)`` gives float64, its gradient float32).
"""

from __future__ import annotations

import inspect
import warnings
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_tuple

from .._shapes import normalize_axis
from ..errors import InvalidArgumentError, UnsupportedArgumentError
from ..tensor import Tensor
from ._base import data_of, defprim, shape_of
from .elementwise import sqrt
from .elementwise import where as select
from .reduce import (
    _axis_param,
    _kept_shape,
    _max,
    _mean,
    _min,
    _others_product,
    _prod,
    _prod_others_graph,
    _spread,
    _std,
    _sum,
)
from .reduce import var as _plain_var
from .shape import astype

_NoValue = np._NoValue


def _dtype_of(x: Any) -> np.dtype:
    return np.result_type(data_of(x))


def _in_dtype(v: Any, dtype: np.dtype) -> Any:
    """``v`` cast to ``dtype`` when it is not already of it (the gradient goes back in the input's dtype)."""
    return v if _dtype_of(v) == dtype else astype(v, dtype)


def _mask(where: Any, shape: tuple[int, ...]) -> np.ndarray | None:
    """The ``where=`` mask broadcast over the input (None: every element selected)."""
    if where is True:
        return None
    return np.broadcast_to(np.asarray(where, dtype=bool), shape)


def _masked(v: Any, mask: np.ndarray | None) -> Any:
    """``v`` with the masked-out positions set to an exact 0 (also where ``v`` is inf or NaN there)."""
    return v if mask is None else select(mask, v, 0)


def _where_param(where: Any) -> Any:
    if where is True or where is _NoValue:
        return True
    w = data_of(where)
    # (an array is NumPy's to check, which refuses one that is not boolean; a list or a scalar NumPy reads as bool)
    return w if isinstance(w, np.ndarray) else np.asarray(w, dtype=bool)


def _initial_param(initial: Any, name: str) -> Any:
    """``initial`` as a constant: a tensor's values, refused where it needs a gradient (none would reach it)."""
    if isinstance(initial, Tensor):
        if initial.requires_grad:
            raise UnsupportedArgumentError(
                f"{name}: initial= is a constant here and cannot take a gradient; combine it with the result "
                f"instead (e.g. sum(x) + initial, maximum(max(x), initial))"
            )
        return initial.data
    return initial


def _dtype_param(dtype: Any) -> Any:
    return None if dtype is None else np.dtype(dtype)


# -- sum -------------------------------------------------------------------------------------------------
def _osum_forward(x: np.ndarray, axis: Any, keepdims: bool, dtype: Any, initial: Any, where: Any) -> Any:
    return np.sum(x, axis=axis, dtype=dtype, keepdims=keepdims, initial=initial, where=where)


def _osum_vjp(g: Any, ans: Any, x: Any, axis: Any, keepdims: bool, dtype: Any, initial: Any, where: Any) -> Any:
    gx = _in_dtype(_spread(g, x, axis, keepdims), _dtype_of(x))
    return _masked(gx, _mask(where, shape_of(x)))


def _osum_jvp(t: Any, ans: Any, x: Any, axis: Any, keepdims: bool, dtype: Any, initial: Any, where: Any) -> Any:
    return _osum(t, axis=axis, keepdims=keepdims, dtype=dtype, initial=_NoValue, where=where)  # (no initial: linear)


_osum = defprim("sum_options", _osum_forward, vjp=_osum_vjp, jvp=_osum_jvp)


def sum(x: Any, axis: Any = None, keepdims: bool = False, **options: Any) -> Any:  # noqa: A001 - NumPy's name
    """Sum of elements over ``axis`` (None: all; int or tuple, negatives allowed), with NumPy's options: ``dtype``
    to sum in (the gradient comes back in the input's dtype), ``initial`` (a constant added) and ``where`` (a
    boolean mask broadcastable to ``x``: only the selected elements are summed; the others get gradient 0).

    >>> import numpy as np, chainrule as cr
    >>> cr.sum(cr.tensor([1.0, 2.0, 3.0]), where=np.array([True, False, True]), initial=10.0)
    tensor(14.)
    """
    if not options:  # (the options gathered in a dict: the one test a plain call pays, the cheapest there is)
        return _sum(x, axis=_axis_param(axis), keepdims=keepdims)
    return _sum_options(x, axis, keepdims, **options)


def _sum_options(
    x: Any, axis: Any = None, keepdims: bool = False, *, dtype: Any = None, initial: Any = _NoValue, where: Any = True
) -> Any:
    dtype = _dtype_param(dtype)
    if dtype is not None and dtype.kind not in "fc":
        x, dtype = astype(x, dtype), None  # (summed as integers: NumPy casts each element first; no gradient)
    initial = _initial_param(initial, "sum")
    return _osum(x, axis=_axis_param(axis), keepdims=keepdims, dtype=dtype, initial=initial, where=_where_param(where))


# -- mean ------------------------------------------------------------------------------------------------
def _omean_forward(x: np.ndarray, axis: Any, keepdims: bool, dtype: Any, where: Any) -> Any:
    return np.mean(x, axis=axis, dtype=dtype, keepdims=keepdims, where=where)


def _counts(shape: tuple[int, ...], axis: Any, mask: np.ndarray | None) -> Any:
    """The number of selected elements in each reduced slice (kept dimensions), as intp."""
    axes = normalize_axis(axis, len(shape))
    if mask is None:
        n = 1
        for a in axes:
            n *= shape[a]
        return np.intp(n)
    return np.sum(mask, axis=axes, keepdims=True, dtype=np.intp)


def _divide(v: Any, n: Any) -> Any:
    """``v / n`` for counts ``n`` (integers, or floats after ``ddof``) as NumPy divides a sum by its count: in
    float64, rounded once into ``v``'s dtype."""
    dtype = _dtype_of(v)
    n = np.asarray(n, dtype=np.float64)
    if dtype.itemsize >= 8 or dtype.kind != "f":
        return v / n
    return astype(astype(v, np.float64) / n, dtype)


def _omean_vjp(g: Any, ans: Any, x: Any, axis: Any, keepdims: bool, dtype: Any, where: Any) -> Any:
    shape = shape_of(x)
    mask = _mask(where, shape)
    gx = _divide(_spread(g, x, axis, keepdims), np.maximum(_counts(shape, axis, mask), 1))
    return _masked(_in_dtype(gx, _dtype_of(x)), mask)


def _omean_jvp(t: Any, ans: Any, x: Any, axis: Any, keepdims: bool, dtype: Any, where: Any) -> Any:
    return _omean(t, axis=axis, keepdims=keepdims, dtype=dtype, where=where)


_omean = defprim("mean_options", _omean_forward, vjp=_omean_vjp, jvp=_omean_jvp)


def mean(x: Any, axis: Any = None, keepdims: bool = False, **options: Any) -> Any:
    """Arithmetic mean over ``axis``, with NumPy's ``dtype`` and ``where`` (each slice is divided by its number
    of selected elements; a slice with none gives NaN, as NumPy, and masked-out elements get gradient 0).

    >>> import numpy as np, chainrule as cr
    >>> cr.mean(cr.tensor([1.0, 2.0, 6.0]), where=np.array([True, False, True]))
    tensor(3.5)
    """
    if not options:
        return _mean(x, axis=_axis_param(axis), keepdims=keepdims)
    return _mean_options(x, axis, keepdims, **options)


def _mean_options(x: Any, axis: Any = None, keepdims: bool = False, *, dtype: Any = None, where: Any = True) -> Any:
    dtype = _dtype_param(dtype)
    if dtype is not None and dtype.kind not in "fc":  # a mean in integers: NumPy's values, no gradient
        out = np.mean(data_of(x), axis=_axis_param(axis), dtype=dtype, keepdims=keepdims, where=_where_param(where))
        return Tensor._wrap(np.asarray(out), None, False) if isinstance(x, Tensor) else out
    return _omean(x, axis=_axis_param(axis), keepdims=keepdims, dtype=dtype, where=_where_param(where))


# -- prod ------------------------------------------------------------------------------------------------
def _oprod_forward(x: np.ndarray, axis: Any, keepdims: bool, dtype: Any, initial: Any, where: Any) -> Any:
    return np.prod(x, axis=axis, dtype=dtype, keepdims=keepdims, initial=initial, where=where)


def _prod_partials(ans: Any, x: Any, axis: Any, dtype: Any, initial: Any, where: Any) -> Any:
    """d prod / dx, in the result's dtype: ``initial`` times the product of the other selected elements of the
    slice (masked-out elements read as 1), and 0 where masked out."""
    shape = shape_of(x)
    mask = _mask(where, shape)
    rdtype = _dtype_of(ans)
    y = _in_dtype(x, rdtype)
    if mask is not None:
        y = select(mask, y, 1)
    axes = normalize_axis(axis, len(shape))
    if isinstance(y, Tensor):
        others = _prod_others_graph(y, axes)
    else:
        others = _others_product(np.asarray(y), axes) if axes else np.ones(shape, rdtype)
    if initial is not _NoValue:
        others = others * np.asarray(initial, dtype=rdtype)
    return _masked(others, mask)


def _oprod_vjp(g: Any, ans: Any, x: Any, axis: Any, keepdims: bool, dtype: Any, initial: Any, where: Any) -> Any:
    gx = _spread(g, x, axis, keepdims) * _prod_partials(ans, x, axis, dtype, initial, where)
    return _in_dtype(gx, _dtype_of(x))


def _oprod_jvp(t: Any, ans: Any, x: Any, axis: Any, keepdims: bool, dtype: Any, initial: Any, where: Any) -> Any:
    partials = _prod_partials(ans, x, axis, dtype, initial, where)
    return sum(partials * _in_dtype(t, _dtype_of(ans)), axis=axis, keepdims=keepdims)


_oprod = defprim("prod_options", _oprod_forward, vjp=_oprod_vjp, jvp=_oprod_jvp)


def prod(x: Any, axis: Any = None, keepdims: bool = False, **options: Any) -> Any:
    """Product of elements over ``axis``, with NumPy's ``dtype``, ``initial`` (a constant factor) and ``where``
    (masked-out elements count as 1 and get gradient 0); exact when some elements are zero.

    >>> import numpy as np, chainrule as cr
    >>> cr.prod(cr.tensor([2.0, 5.0, 3.0]), where=np.array([True, False, True]), initial=2.0)
    tensor(12.)
    """
    if not options:
        return _prod(x, axis=_axis_param(axis), keepdims=keepdims)
    return _prod_options(x, axis, keepdims, **options)


def _prod_options(
    x: Any, axis: Any = None, keepdims: bool = False, *, dtype: Any = None, initial: Any = _NoValue, where: Any = True
) -> Any:
    dtype = _dtype_param(dtype)
    if dtype is not None and dtype.kind not in "fc":
        x, dtype = astype(x, dtype), None
    initial = _initial_param(initial, "prod")
    return _oprod(x, axis=_axis_param(axis), keepdims=keepdims, dtype=dtype, initial=initial, where=_where_param(where))


# -- max and min (and nanmax, nanmin) --------------------------------------------------------------------
_REDUCERS = {"max": np.maximum, "min": np.minimum, "nanmax": np.fmax, "nanmin": np.fmin}


def _oext_forward(x: np.ndarray, kind: str, axis: Any, keepdims: bool, initial: Any, where: Any) -> Any:
    out = _REDUCERS[kind].reduce(x, axis=axis, keepdims=keepdims, initial=initial, where=where)
    if kind[:3] == "nan" and np.isnan(out).any():
        warnings.warn("All-NaN slice encountered", RuntimeWarning, stacklevel=4)
    return out


def _oext_shares(ans: Any, x: Any, kind: str, axis: Any, initial: Any, where: Any) -> np.ndarray:
    """Each selected element's share of the gradient: 1 / (number of tied winners) where it equals its slice's
    result, 0 elsewhere. ``initial`` competes as JAX's ``maximum(max(x), initial)``: tying with the result it
    takes half (the k tied elements 1 / (2k) each), winning alone it leaves the input 0. (A NaN result of max/min goes to the slice's NaN elements, as ``max``.)"""
    xd = np.asarray(data_of(x))
    kept = np.reshape(data_of(ans), _kept_shape(xd.shape, axis))
    hit = xd == kept
    if kind[:3] != "nan":
        nan = kept != kept
        if nan.any():
            hit = hit | (nan & (xd != xd))
    mask = _mask(where, xd.shape)
    if mask is not None:
        hit = hit & mask
    count = np.sum(hit, axis=normalize_axis(axis, xd.ndim), keepdims=True)
    share = 1.0 / np.maximum(count, 1)
    if initial is not _NoValue:  # (as JAX's maximum(max(x), initial): a tie with initial halves the elements' part)
        share = np.where(kept == np.asarray(initial).astype(kept.dtype), share / 2, share)
    return np.where(hit, share, 0.0).astype(np.result_type(xd, np.float16), copy=False)


def _oext_vjp(g: Any, ans: Any, x: Any, kind: str, axis: Any, keepdims: bool, initial: Any, where: Any) -> Any:
    return _spread(g, x, axis, keepdims) * _oext_shares(ans, x, kind, axis, initial, where)


def _oext_jvp(t: Any, ans: Any, x: Any, kind: str, axis: Any, keepdims: bool, initial: Any, where: Any) -> Any:
    return sum(t * _oext_shares(ans, x, kind, axis, initial, where), axis=axis, keepdims=keepdims)


_oext = defprim("extreme_options", _oext_forward, vjp=_oext_vjp, jvp=_oext_jvp)


def _extreme(kind: str, x: Any, axis: Any, keepdims: bool, initial: Any, where: Any) -> Any:
    initial = _initial_param(initial, kind)
    if initial is _NoValue and where is not True:
        if axis is not None:  # (NumPy checks the axis first)
            normalize_axis_tuple(_axis_param(axis), len(shape_of(x)))
        raise InvalidArgumentError(
            f"{kind}: where= needs initial= (the value of a slice with nothing selected), as in NumPy: the "
            f"reduction has no identity of its own, e.g. {kind}(x, where=mask, initial={'-' if 'max' in kind else ''}np.inf)"
        )
    return _oext(x, kind=kind, axis=_axis_param(axis), keepdims=keepdims, initial=initial, where=_where_param(where))


def max(x: Any, axis: Any = None, keepdims: bool = False, **options: Any) -> Any:  # noqa: A001
    """Largest element over ``axis``; ties share the gradient evenly. NumPy's ``initial`` competes as in JAX's
    ``maximum(max(x), initial)`` (tied with the result it takes half: the k tied elements get ``g / (2k)``); ``where`` selects
    the elements that take part (the others get gradient 0; a slice with none needs ``initial``, as in NumPy).

    >>> import numpy as np, chainrule as cr
    >>> cr.max(cr.tensor([1.0, 7.0, 3.0]), where=np.array([True, False, True]), initial=0.0)
    tensor(3.)
    """
    if not options:
        return _max(x, axis=_axis_param(axis), keepdims=keepdims)
    return _extreme_options("max", x, axis, keepdims, **options)


def min(x: Any, axis: Any = None, keepdims: bool = False, **options: Any) -> Any:  # noqa: A001
    """Smallest element over ``axis``, with NumPy's ``initial`` and ``where`` (see :func:`max`)."""
    if not options:
        return _min(x, axis=_axis_param(axis), keepdims=keepdims)
    return _extreme_options("min", x, axis, keepdims, **options)


def _extreme_options(
    kind: str, x: Any, axis: Any = None, keepdims: bool = False, *, initial: Any = _NoValue, where: Any = True
) -> Any:
    return _extreme(kind, x, axis, keepdims, initial, where)


# what help() and inspect show: the options by name
for _public, _full in ((sum, _sum_options), (mean, _mean_options), (prod, _prod_options)):
    _public.__signature__ = inspect.signature(_full)
for _public in (max, min):
    _public.__signature__ = inspect.signature(_extreme_options).replace(
        parameters=list(inspect.signature(_extreme_options).parameters.values())[1:]
    )


amax = max
amin = min


# -- var and std ------------------------------------------------------------------------------------------
def _ddof(ddof: Any, correction: Any) -> Any:
    if correction is _NoValue or correction is None:
        return ddof
    if ddof != 0:
        raise ValueError("ddof and correction can't be provided simultaneously.")
    return correction


def _var_options(x: Any, axis: Any, dtype: Any, ddof: Any, keepdims: bool, where: Any) -> Any:
    """NumPy's _var step by step: the mean as a sum divided by the count (in float64, rounded once), the centred
    values (0 where masked out, so an inf or NaN there reaches no gradient), their squares summed the same way and
    divided by ``max(count - ddof, 0)``."""
    if not isinstance(x, Tensor):
        x = np.asarray(x)
    axis = _axis_param(axis)
    shape = shape_of(x)
    if axis is not None and where is True:
        normalize_axis_tuple(axis, len(shape))  # (as np.var: axis 0 of a 0-d array is an error, unless where= is given)
    if dtype is None and _dtype_of(x).kind in "iub":
        dtype = np.dtype(np.float64)
    mask = _mask(where, shape)
    count = _counts(shape, axis, mask)
    if np.any(ddof >= count):  # (NumPy's warning)
        warnings.warn("Degrees of freedom <= 0 for slice", RuntimeWarning, stacklevel=3)
    total = _osum(x, axis=axis, keepdims=True, dtype=dtype, initial=_NoValue, where=where)
    centered = _masked(x - _divide(total, count), mask)
    squares = _osum(centered * centered, axis=axis, keepdims=keepdims, dtype=dtype, initial=_NoValue, where=where)
    if mask is not None and not keepdims:
        count = np.reshape(count, shape_of(squares))
    return _divide(squares, np.maximum(count - ddof, 0))


def _integer_spread(name: str, x: Any, axis: Any, dtype: Any, ddof: Any, keepdims: bool, where: Any) -> Any:
    """var / std computed in an integer (or bool) ``dtype``: NumPy's own values (its rounding of each step into
    the integers, its errors), an integer tensor without gradient, as ``mean`` in an integer dtype."""
    out = getattr(np, name)(data_of(x), axis=_axis_param(axis), dtype=dtype, ddof=ddof, keepdims=keepdims,
                            where=_where_param(where))  # fmt: skip
    return Tensor._wrap(np.asarray(out), None, False) if isinstance(x, Tensor) else out


def var(
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
    """Variance over ``axis`` (``ddof`` as in NumPy), with NumPy's ``dtype``, ``where`` (each slice divides by
    its number of selected elements minus ``ddof``; the others get gradient 0) and ``correction`` (``ddof``'s
    other name).

    >>> import numpy as np, chainrule as cr
    >>> cr.var(cr.tensor([1.0, 100.0, 3.0]), where=np.array([True, False, True]))
    tensor(1.)
    """
    if mean is not _NoValue:
        raise UnsupportedArgumentError("var: mean= (a precomputed mean) is not supported; leave it out")
    ddof = _ddof(ddof, correction)
    if dtype is not None and np.dtype(dtype).kind not in "fc":
        return _integer_spread("var", x, axis, dtype, ddof, keepdims, where)
    if dtype is None and where is True:
        return _plain_var(x, axis=axis, ddof=ddof, keepdims=keepdims)
    return _var_options(x, axis, _dtype_param(dtype), ddof, keepdims, _where_param(where))


def std(
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
    """Standard deviation over ``axis``, with NumPy's ``dtype``, ``where`` and ``correction`` (see :func:`var`).
    Its gradient at a constant slice (std = 0) is 0, not 0/0.

    >>> import numpy as np, chainrule as cr
    >>> cr.std(cr.tensor([1.0, 100.0, 3.0]), where=np.array([True, False, True]))
    tensor(1.)
    """
    if mean is not _NoValue:
        raise UnsupportedArgumentError("std: mean= (a precomputed mean) is not supported; leave it out")
    ddof = _ddof(ddof, correction)
    if dtype is not None and np.dtype(dtype).kind not in "fc":
        return _integer_spread("std", x, axis, dtype, ddof, keepdims, where)
    if dtype is None and where is True:
        return _std(x, axis=_axis_param(axis), ddof=ddof, keepdims=keepdims)
    v = _var_options(x, axis, _dtype_param(dtype), ddof, keepdims, _where_param(where))
    zero = data_of(v) == 0
    if not np.any(zero):
        return sqrt(v)
    # sqrt's slope at 0 is inf: take the root of 1 there and put back 0, so the gradient is 0 (as std's)
    return select(zero, 0, sqrt(select(zero, 1, v)))
