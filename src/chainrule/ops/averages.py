"""Weighted averages, covariance and correlation: ``np.average``, ``np.cov``, ``np.corrcoef``.

All composed from differentiable operations, step by step as NumPy computes them (so the values are NumPy's to
the bit and every rule comes from the pieces):

=================================  ==================================================================================
function                           how
=================================  ==================================================================================
average(a, axis, weights)          sum(a * w) / sum(w) over ``axis``, in NumPy's result dtype; differentiable in
                                   ``a`` and ``weights``
cov(m, y, rowvar, bias, ddof,      the centred rows (weighted mean), their products ``X (X w)^T`` times
fweights, aweights)                ``1 / fact``; differentiable in ``m``, ``y`` and both weights
corrcoef(x, y, rowvar)             cov / (stddev_i stddev_j), clipped to [-1, 1] as NumPy clips it
=================================  ==================================================================================
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_tuple

from ..errors import AxisError, DtypeError, InvalidArgumentError, WeightsShapeError, ZeroWeightSumError
from ..tensor import Tensor
from ._base import data_of, shape_of
from .cumulative import cumsum
from .elementwise import clip, sqrt
from .linalg import diagonal, dot
from .order import operand
from .reduce import mean
from .reduce import sum as _sum
from .shape import astype, broadcast_to, concatenate, getitem, reshape, squeeze, transpose

_NoValue = np._NoValue


def _dtype(x: Any) -> np.dtype:
    return np.result_type(data_of(x))


def _as(x: Any, dtype: np.dtype) -> Any:
    return x if _dtype(x) == dtype else astype(x, dtype)


def _axes(axis: Any, ndim: int, op: str, shape: tuple[int, ...]) -> Any:
    if axis is None:
        return None
    try:
        return normalize_axis_tuple(axis, ndim, argname="axis")
    except (np.exceptions.AxisError, ValueError) as e:
        raise AxisError(f"{op}: {e} (input shape {shape})") from None


def average(a: Any, axis: Any = None, weights: Any = None, returned: bool = False, *, keepdims: Any = _NoValue) -> Any:
    """Weighted average over ``axis``, as ``np.average``: ``sum(a * weights) / sum(weights)``; differentiable in
    ``a`` and in ``weights``. ``weights`` has ``a``'s shape, or the shape of the axes in ``axis``. With
    ``returned=True``, ``(average, sum of weights)`` (the sum broadcast to the average's shape). Weights that sum
    to zero raise :class:`~chainrule.errors.ZeroWeightSumError` (NumPy's ZeroDivisionError).

    >>> import chainrule as cr
    >>> cr.average(cr.tensor([1.0, 2.0, 4.0]), weights=cr.tensor([1.0, 1.0, 2.0]))
    tensor(2.75)
    """
    a = operand(a)
    shape = shape_of(a)
    axis = _axes(axis, len(shape), "average", shape)
    kd = False if keepdims is _NoValue else keepdims
    if weights is None:
        avg = mean(a, axis=axis, keepdims=kd)
        ad = np.asarray(data_of(avg))
        scl = ad.dtype.type(int(np.prod(shape, dtype=np.intp)) / ad.size)  # (Python ints: NumPy's 0-size error)
    else:
        w = operand(weights)
        wshape = shape_of(w)
        if wshape != shape:
            if axis is None:
                raise WeightsShapeError(
                    f"average: weights of shape {wshape} differ from a's shape {shape}: give the axis they run along"
                )
            if wshape != tuple(shape[ax] for ax in axis):
                raise WeightsShapeError(
                    f"average: weights of shape {wshape} do not fit a of shape {shape} along axis {axis}: "
                    "their shape must be a's along those axes"
                )
            w = transpose(w, tuple(int(i) for i in np.argsort(axis)))
            w = reshape(w, tuple(s if ax in axis else 1 for ax, s in enumerate(shape)))
        ad, wd = np.asarray(data_of(a)), np.asarray(data_of(w))
        if ad.dtype.kind in "iub":
            rdt = np.result_type(ad.dtype, wd.dtype, "f8")
        else:
            rdt = np.result_type(ad.dtype, wd.dtype)
        scl = _sum(_as(w, rdt), axis=axis, keepdims=kd)
        if np.any(np.asarray(data_of(scl)) == 0.0):
            raise ZeroWeightSumError("average: weights sum to zero, can't be normalized")
        avg = _sum(_as(a, rdt) * _as(w, rdt), axis=axis, keepdims=kd) / scl
    if not returned:
        return avg
    if np.shape(data_of(scl)) != shape_of(avg):
        if isinstance(scl, Tensor):
            scl = broadcast_to(scl, shape_of(avg))
        else:
            scl = np.broadcast_to(scl, shape_of(avg)).copy()
    return avg, scl


def _rows(x: Any, dtype: np.dtype, rowvar: bool, always: bool) -> Any:
    """``np.array(x, ndmin=2, dtype=dtype)``, transposed where ``rowvar`` is False (``always``: also a 1-D x, as
    np.cov treats m; y is transposed unless it has one row)."""
    n = len(shape_of(x))
    x = _as(x, dtype)
    if n < 2:
        x = reshape(x, (1,) * (2 - n) + shape_of(x))
    if not rowvar and (n != 1 if always else shape_of(x)[0] != 1):
        x = transpose(x)
    return x


def _weights(w: Any, name: str, n: int) -> Any:
    w = operand(w)
    w = _as(w, np.dtype(float))
    wd = np.asarray(data_of(w))
    if name == "fweights" and not np.all(wd == np.around(wd)):
        raise DtypeError("cov: fweights must be integer (whole numbers of observations)")
    if wd.ndim > 1:
        raise WeightsShapeError(f"cov: cannot handle multidimensional {name} (shape {wd.shape})")
    if wd.shape[0] != n:
        raise WeightsShapeError(f"cov: incompatible numbers of samples ({n}) and {name} ({wd.shape[0]})")
    if np.any(wd < 0):
        raise InvalidArgumentError(f"cov: {name} cannot be negative")
    return w


def cov(
    m: Any,
    y: Any = None,
    rowvar: bool = True,
    bias: bool = False,
    ddof: Any = None,
    fweights: Any = None,
    aweights: Any = None,
    *,
    dtype: Any = None,
) -> Any:
    """Covariance matrix, as ``np.cov``: each row of ``m`` (each column if ``rowvar`` is False) a variable, each
    column an observation; ``y`` adds variables. Differentiable in ``m``, ``y``, ``fweights`` and ``aweights``.

    >>> import chainrule as cr
    >>> cr.cov(cr.tensor([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]]))
    tensor([[ 1., -1.],
            [-1.,  1.]])
    """
    if ddof is not None and ddof != int(ddof):
        raise InvalidArgumentError("cov: ddof must be integer")
    m = operand(m)
    if len(shape_of(m)) > 2:
        raise WeightsShapeError(f"cov: m has more than 2 dimensions (shape {shape_of(m)})")
    if y is not None:
        y = operand(y)
        if len(shape_of(y)) > 2:
            raise WeightsShapeError(f"cov: y has more than 2 dimensions (shape {shape_of(y)})")
    if np.result_type(data_of(m)).kind == "c" or (y is not None and np.result_type(data_of(y)).kind == "c"):
        raise InvalidArgumentError("cov: complex inputs are not supported")
    if dtype is None:
        dtype = (
            np.result_type(data_of(m), np.float64) if y is None else np.result_type(data_of(m), data_of(y), np.float64)
        )
    dtype = np.dtype(dtype)
    x = _rows(m, dtype, rowvar, True)
    if shape_of(x)[0] == 0:
        return np.array([]).reshape(0, 0)
    if y is not None:
        x = concatenate([x, _rows(y, dtype, rowvar, False)], axis=0)
    if ddof is None:
        ddof = 1 if bias == 0 else 0
    n = shape_of(x)[1]
    w = None
    if fweights is not None:
        w = _weights(fweights, "fweights", n)
    if aweights is not None:
        aw = _weights(aweights, "aweights", n)
        w = aw if w is None else w * aw
    avg, w_sum = average(x, axis=1, weights=w, returned=True)
    w_sum = getitem(w_sum, 0) if isinstance(w_sum, Tensor) else w_sum[0]
    if w is None:
        fact = n - ddof
    elif ddof == 0:
        fact = w_sum
    elif aweights is None:
        fact = w_sum - ddof
    else:
        # NumPy's builtin sum(w * aweights): left to right, as a cumulative sum's last element gives it
        products = w * aw
        total = getitem(cumsum(products), -1) if n else 0.0
        fact = w_sum - ddof * total / w_sum
    if data_of(fact) <= 0:
        warnings.warn("Degrees of freedom <= 0 for slice", RuntimeWarning, stacklevel=2)
        fact = 0.0
    centered = x - reshape(avg, (-1, 1))
    centered = _as(centered, _dtype(x))  # (NumPy subtracts in place: the result keeps X's dtype)
    x_t = transpose(centered) if w is None else transpose(centered * w)
    c = dot(centered, x_t)
    with np.errstate(divide="ignore"):
        scale = np.true_divide(1, data_of(fact)) if not isinstance(fact, Tensor) else 1 / fact
    if isinstance(fact, Tensor) and _dtype(fact) != np.float64:
        scale = astype(scale, np.float64)
    cd = _dtype(c)
    if cd != np.float64:  # (NumPy multiplies in place: in float64, rounded into c's dtype)
        c = astype(astype(c, np.float64) * scale, cd)
    else:
        c = c * scale
    return squeeze(c)


def corrcoef(
    x: Any, y: Any = None, rowvar: bool = True, bias: Any = _NoValue, ddof: Any = _NoValue, *, dtype: Any = None
) -> Any:
    """Pearson correlation coefficients, as ``np.corrcoef``: ``cov(x, y) / (stddev_i stddev_j)``, clipped to
    [-1, 1]; differentiable in ``x`` and ``y``. (``bias`` and ``ddof`` have no effect, as in NumPy.)

    >>> import chainrule as cr
    >>> cr.corrcoef(cr.tensor([1.0, 2.0, 4.0]), cr.tensor([2.0, 4.0, 8.0]))
    tensor([[1., 1.],
            [1., 1.]])
    """
    if bias is not _NoValue or ddof is not _NoValue:
        warnings.warn("bias and ddof have no effect and are deprecated", DeprecationWarning, stacklevel=2)
    c = cov(x, y, rowvar, dtype=dtype)
    if len(shape_of(c)) != 2:
        return c / c  # a single variable: 1 (NaN for a constant, as NumPy's c / c)
    d = diagonal(c)
    std = sqrt(d)
    c = c / reshape(std, (-1, 1))
    c = c / reshape(std, (1, -1))
    return clip(c, -1, 1)
