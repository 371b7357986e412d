"""NumPy's NaN-ignoring reductions with their further options (``dtype=``, ``initial=``, ``where=``).

Composed, as NumPy composes them: NaN entries read as 0 (sum), 1 (prod) or are left out of the count (mean), so
they get gradient 0, as masked-out entries do. Without the options the calls take :mod:`.stats`' functions.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from . import stats as _stats
from ._base import data_of
from .elementwise import where as select
from .order import operand
from .reduce_options import _divide, _extreme, _masked, _NoValue, _where_param
from .reduce_options import mean as _mean
from .reduce_options import sum as _sum


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
    _stats._check_axis("nanmean", x, axis)
    nan = _nan_mask(x)
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
