"""Running sums and products with NumPy 2's array-API names, the trapezoidal rule, differences and numerical
gradients: ``np.cumulative_sum``, ``np.cumulative_prod``, ``np.trapezoid``, ``np.ediff1d``, ``np.gradient``.

All composed from differentiable operations in NumPy's own steps (so the values are NumPy's to the bit):

===================================  ==============================================================================
function                             how
===================================  ==============================================================================
cumulative_sum / cumulative_prod     cumsum / cumprod along ``axis`` (required beyond 1-D), the identity (0 / 1)
                                     put first for ``include_initial``
trapezoid(y, x, dx, axis)            sum(d * (y[1:] + y[:-1]) / 2) with d = diff(x) or dx; differentiable in y, x
ediff1d(ary, to_end, to_begin)       [to_begin, ary[1:] - ary[:-1], to_end] of the flattened ary
gradient(f, *varargs, axis,          NumPy's second-order central differences inside and one- or two-sided ones at
edge_order)                          the ends; differentiable in f (the spacings are constants)
===================================  ==============================================================================
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import DtypeError, InvalidArgumentError, UnsupportedArgumentError
from ..tensor import Tensor
from ._base import data_of, shape_of
from .cumulative import cumprod, cumsum, diff
from .order import one_axis, operand
from .reduce import sum as _sum
from .shape import astype, concatenate, getitem, ravel, reshape


def _cumulative(op: Any, identity: int, name: str, x: Any, axis: Any, dtype: Any, include_initial: bool) -> Any:
    x = operand(x)
    if not shape_of(x):
        x = reshape(x, (1,))  # (np.atleast_1d)
    nd = len(shape_of(x))
    if axis is None:
        if nd >= 2:
            raise InvalidArgumentError(
                f"{name}: for arrays which have more than one dimension ``axis`` argument is required "
                f"(input shape {shape_of(x)})"
            )
        axis = 0
    axis = one_axis(axis, nd, name)
    res = op(x, axis=axis, dtype=dtype)
    if not include_initial:
        return res
    shape = list(shape_of(res))
    shape[axis] = 1
    first = np.full(shape, identity, dtype=np.result_type(data_of(res)))
    return concatenate([first, res], axis=axis)


def cumulative_sum(
    x: Any, /, *, axis: Any = None, dtype: Any = None, out: Any = None, include_initial: bool = False
) -> Any:
    """Running sums along ``axis`` (required for more than one dimension), as NumPy 2's ``np.cumulative_sum``;
    ``include_initial=True`` puts the 0 of an empty sum first.

    >>> import chainrule as cr
    >>> cr.cumulative_sum(cr.tensor([1.0, 2.0, 3.0]), include_initial=True)
    tensor([0., 1., 3., 6.])
    """
    if out is not None:
        raise UnsupportedArgumentError("cumulative_sum: out= would write around the graph; use the returned tensor")
    return _cumulative(cumsum, 0, "cumulative_sum", x, axis, dtype, include_initial)


def cumulative_prod(
    x: Any, /, *, axis: Any = None, dtype: Any = None, out: Any = None, include_initial: bool = False
) -> Any:
    """Running products along ``axis`` (required for more than one dimension), as NumPy 2's
    ``np.cumulative_prod``; ``include_initial=True`` puts the 1 of an empty product first.

    >>> import chainrule as cr
    >>> cr.cumulative_prod(cr.tensor([1.0, 2.0, 3.0]), include_initial=True)
    tensor([1., 1., 2., 6.])
    """
    if out is not None:
        raise UnsupportedArgumentError("cumulative_prod: out= would write around the graph; use the returned tensor")
    return _cumulative(cumprod, 1, "cumulative_prod", x, axis, dtype, include_initial)


def _at(nd: int, axis: int, index: Any) -> tuple:
    return (slice(None),) * axis + (index,) + (slice(None),) * (nd - axis - 1)


def trapezoid(y: Any, x: Any = None, dx: Any = 1.0, axis: int = -1) -> Any:
    """Integral of ``y`` along ``axis`` by the trapezoidal rule, as ``np.trapezoid``: at the sample points ``x``
    (1-D along the axis, or of y's shape), else spaced ``dx`` apart. Differentiable in ``y``, ``x`` and ``dx``.

    >>> import chainrule as cr
    >>> cr.trapezoid(cr.tensor([1.0, 2.0, 3.0]), x=cr.tensor([0.0, 1.0, 3.0]))
    tensor(6.5)
    """
    y = operand(y)
    nd = len(shape_of(y))
    if x is None:
        d = dx
    else:
        x = operand(x)
        if len(shape_of(x)) == 1:
            d = diff(x)
            shape = [1] * nd
            shape[axis] = shape_of(d)[0]
            d = reshape(d, tuple(shape))
        else:
            d = diff(x, axis=axis)
    hi = getitem(y, _at(nd, axis % nd if nd else axis, slice(1, None)))
    lo = getitem(y, _at(nd, axis % nd if nd else axis, slice(None, -1)))
    return _sum(d * (hi + lo) / 2.0, axis=axis)


def ediff1d(ary: Any, to_end: Any = None, to_begin: Any = None) -> Any:
    """Differences between consecutive elements of the flattened ``ary``, with ``to_begin`` and ``to_end`` put
    before and after, as ``np.ediff1d`` (in ary's dtype). Differentiable in all three.

    >>> import chainrule as cr
    >>> cr.ediff1d(cr.tensor([1.0, 2.0, 4.0, 7.0]), to_begin=-99.0)
    tensor([-99.,   1.,   2.,   3.])
    """
    ary = ravel(operand(ary))
    dtype = np.result_type(data_of(ary))
    parts = []
    for name, extra in (("to_begin", to_begin), ("to_end", to_end)):
        if extra is None:
            parts.append(None)
            continue
        extra = operand(extra)
        if not np.can_cast(np.result_type(data_of(extra)), dtype, casting="same_kind"):
            raise DtypeError(
                f"ediff1d: dtype of `{name}` must be compatible with input `ary` under the `same_kind` rule "
                f"({np.result_type(data_of(extra))} into {dtype})"
            )
        extra = ravel(extra)
        parts.append(extra if np.result_type(data_of(extra)) == dtype else astype(extra, dtype))
    d = getitem(ary, slice(1, None)) - getitem(ary, slice(None, -1))
    if parts[0] is None and parts[1] is None:
        return d
    return concatenate([p for p in (parts[0], d, parts[1]) if p is not None])


def _spacing(v: Any) -> Any:
    if isinstance(v, Tensor):
        if v.requires_grad:
            raise UnsupportedArgumentError(
                "gradient: the spacings (scalars or coordinate arrays) are constants here; a tensor that requires a "
                "gradient was given: pass its values (t.detach() or t.numpy()), or write the differences yourself"
            )
        return v.data
    return v


def gradient(f: Any, *varargs: Any, axis: Any = None, edge_order: int = 1) -> Any:
    """Numerical gradient of the samples ``f``, as ``np.gradient``: second-order central differences inside and
    first- or second-order (``edge_order``) one-sided ones at the ends, for each axis (a tuple when more than one).
    Spacings: one scalar, or one scalar or 1-D coordinate array per axis; they are constants (a tensor that
    requires a gradient there is refused). Differentiable in ``f``.

    >>> import chainrule as cr
    >>> cr.gradient(cr.tensor([1.0, 2.0, 4.0, 7.0]))
    tensor([1. , 1.5, 2.5, 3. ])
    """
    f = operand(f)
    shape = shape_of(f)
    nd = len(shape)
    if axis is None:
        axes = tuple(range(nd))
    else:
        axes = np.lib.array_utils.normalize_axis_tuple(axis, nd)
    varargs = tuple(_spacing(v) for v in varargs)
    n = len(varargs)
    if n == 0:
        dx: list[Any] = [1.0] * len(axes)
    elif n == 1 and np.ndim(varargs[0]) == 0:
        dx = list(varargs * len(axes))
    elif n == len(axes):
        dx = list(varargs)
        for i, distances in enumerate(dx):
            distances = np.asanyarray(distances)
            if distances.ndim == 0:
                continue
            if distances.ndim != 1:
                raise InvalidArgumentError("gradient: distances must be either scalars or 1d")
            if len(distances) != shape[axes[i]]:
                raise InvalidArgumentError(
                    "gradient: when 1d, distances must match the length of the corresponding dimension"
                )
            if np.issubdtype(distances.dtype, np.integer):
                distances = distances.astype(np.float64)
            diffx = np.diff(distances)
            if (diffx == diffx[0]).all():
                diffx = diffx[0]
            dx[i] = diffx
    else:
        raise TypeError(f"invalid number of arguments: gradient got {n} spacings for {len(axes)} axes")  # (NumPy's)
    if edge_order > 2:
        raise InvalidArgumentError("gradient: 'edge_order' greater than 2 not supported")
    otype = np.result_type(data_of(f))
    if otype.kind not in "fc":
        if otype.kind in "iu":
            f = astype(f, np.float64)
        otype = np.dtype(np.float64)

    def piece(v: Any) -> Any:  # (NumPy writes each piece into an array of f's dtype)
        return v if np.result_type(data_of(v)) == otype else astype(v, otype)

    def at(ax: int, index: Any) -> Any:
        return getitem(f, _at(nd, ax, index))

    outvals = []
    for ax, ax_dx in zip(axes, dx, strict=True):
        if shape[ax] < edge_order + 1:
            raise InvalidArgumentError(
                "gradient: shape of array too small to calculate a numerical gradient, at least (edge_order + 1) "
                f"elements are required (axis {ax} has {shape[ax]})"
            )
        uniform = np.ndim(ax_dx) == 0
        if uniform:
            inner = (at(ax, slice(2, None)) - at(ax, slice(None, -2))) / (2.0 * ax_dx)
        else:
            dx1, dx2 = ax_dx[0:-1], ax_dx[1:]
            a = -(dx2) / (dx1 * (dx1 + dx2))
            b = (dx2 - dx1) / (dx1 * dx2)
            c = dx1 / (dx2 * (dx1 + dx2))
            bshape = [1] * nd
            bshape[ax] = -1
            a, b, c = a.reshape(bshape), b.reshape(bshape), c.reshape(bshape)
            inner = a * at(ax, slice(None, -2)) + b * at(ax, slice(1, -1)) + c * at(ax, slice(2, None))
        first, last = slice(0, 1), slice(-1, None)
        if edge_order == 1:
            dx_0 = ax_dx if uniform else ax_dx[0]
            dx_n = ax_dx if uniform else ax_dx[-1]
            start = (at(ax, slice(1, 2)) - at(ax, first)) / dx_0
            end = (at(ax, last) - at(ax, slice(-2, -1))) / dx_n
        else:
            if uniform:
                a, b, c = -1.5 / ax_dx, 2.0 / ax_dx, -0.5 / ax_dx
            else:
                dx1, dx2 = ax_dx[0], ax_dx[1]
                a = -(2.0 * dx1 + dx2) / (dx1 * (dx1 + dx2))
                b = (dx1 + dx2) / (dx1 * dx2)
                c = -dx1 / (dx2 * (dx1 + dx2))
            start = a * at(ax, first) + b * at(ax, slice(1, 2)) + c * at(ax, slice(2, 3))
            if uniform:
                a, b, c = 0.5 / ax_dx, -2.0 / ax_dx, 1.5 / ax_dx
            else:
                dx1, dx2 = ax_dx[-2], ax_dx[-1]
                a = (dx2) / (dx1 * (dx1 + dx2))
                b = -(dx2 + dx1) / (dx1 * dx2)
                c = (2.0 * dx2 + dx1) / (dx2 * (dx1 + dx2))
            end = a * at(ax, slice(-3, -2)) + b * at(ax, slice(-2, -1)) + c * at(ax, last)
        outvals.append(concatenate([piece(start), piece(inner), piece(end)], axis=ax))
    if len(axes) == 1:
        return outvals[0]
    return tuple(outvals)
