"""``np.rollaxis``, ``np.unwrap`` and the evenly spaced ranges ``np.linspace``, ``np.logspace``, ``np.geomspace``
with tensor arguments, composed from chainrule operations (no rules of their own).

===========================  ====================================================================================
function                     made of (NumPy's own steps, so NumPy's values bit for bit)
===========================  ====================================================================================
rollaxis(a, axis, start)     transpose with the permutation NumPy's rollaxis builds
unwrap(p, discont, axis)     p plus NumPy's cumulative corrections (multiples of ``period``: constants, so the
                             gradient is 1 wrt p); the first entry along ``axis`` is p's own
linspace(start, stop, num)   ``arange * step + start`` with ``step = (stop - start) / div`` (or ``arange / div *
                             delta`` where a step underflows to 0, as NumPy), the last sample ``stop`` itself
logspace                     ``base ** linspace(...)`` (base may be a tensor too)
geomspace                    ``sign * 10 ** linspace(log10(start/sign), log10(stop/sign))`` with the end samples
                             ``start`` and ``stop`` themselves, as NumPy; complex values are refused
===========================  ====================================================================================

Integer results (an integer ``dtype=``, or integer values in unwrap) are piecewise constant: no gradient.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from ..errors import UnsupportedArgumentError
from ..tensor import Tensor
from ._base import data_of, shape_of
from .elementwise import divide, log10, multiply, power
from .order import operand
from .shape import astype, broadcast_to, concatenate, expand_dims, getitem, moveaxis, reshape, transpose


def _constant(value: Any) -> Tensor:
    return Tensor._wrap(np.asarray(value), None, False)


def _plain(x: Any) -> Any:
    """``x``'s values for NumPy (a tensor's array; anything else as given, so Python scalars stay weak)."""
    return x._data if isinstance(x, Tensor) else x


def _on_graph(*xs: Any) -> bool:
    return any(isinstance(x, Tensor) for x in xs)


def _no_grad_arg(x: Any, what: str, name: str) -> Any:
    """The values of an argument chainrule does not differentiate (refused if it needs a gradient)."""
    if isinstance(x, Tensor):
        if x.requires_grad or x._node is not None:
            raise UnsupportedArgumentError(f"{what}: {name} is not differentiable here; pass its values (t.numpy())")
        return x._data
    return x


def _cast(x: Any, dtype: np.dtype) -> Any:
    if isinstance(x, Tensor):
        return x if x._data.dtype == dtype else astype(x, dtype)
    return np.asarray(x, dtype=dtype)


# -- rollaxis, unwrap -----------------------------------------------------------------------------------------
def rollaxis(a: Any, axis: int, start: int = 0) -> Any:
    """Roll ``axis`` backwards until it lies before position ``start`` (as ``np.rollaxis``)."""
    a = operand(a)
    n = len(shape_of(a))
    axis = np.lib.array_utils.normalize_axis_index(axis, n)
    start = operator.index(start)
    if start < 0:
        start += n
    if not 0 <= start < n + 1:
        raise np.exceptions.AxisError(f"'start' arg requires {-n} <= start < {n + 1}, but {start} was passed in")
    if axis < start:
        start -= 1  # it has been removed
    axes = list(range(n))
    axes.remove(axis)
    axes.insert(start, axis)
    return transpose(a, tuple(axes))


def unwrap(p: Any, discont: Any = None, axis: int = -1, *, period: Any = 2 * np.pi) -> Any:
    """Unwrap by taking the complement of large deltas with respect to ``period`` (as ``np.unwrap``).

    The corrections are multiples of ``period`` that change only where a jump crosses ``discont``: piecewise
    constant, so the gradient wrt ``p`` is 1 everywhere (``discont`` and ``period`` are not differentiable).
    """
    p = operand(p)
    discont = _no_grad_arg(discont, "unwrap", "discont")
    period = _no_grad_arg(period, "unwrap", "period")
    values = np.asarray(data_of(p))
    expected = np.unwrap(values, discont, axis, period=period)  # NumPy's errors, dtype and result
    if not isinstance(p, Tensor) or expected.dtype.kind not in "f" or values.dtype.kind not in "f":
        return _constant(expected) if isinstance(p, Tensor) else expected
    # NOTE: NumPy's steps: up = p.astype(dtype); up[1:] = p[1:] + cumsum(ph_correct) along axis
    nd = values.ndim
    dd = np.diff(values, axis=axis)
    if discont is None:
        discont = period / 2
    dtype = np.result_type(dd, period)
    interval_high = period / 2
    interval_low = -interval_high
    ddmod = np.mod(dd - interval_low, period) + interval_low
    np.copyto(ddmod, interval_high, where=(ddmod == interval_low) & (dd > 0))
    ph_correct = ddmod - dd
    np.copyto(ph_correct, 0, where=abs(dd) < discont)
    correction = ph_correct.cumsum(axis)
    first = [slice(None)] * nd
    rest = [slice(None)] * nd
    first[axis], rest[axis] = slice(None, 1), slice(1, None)
    out = concatenate([_cast(getitem(p, tuple(first)), dtype), getitem(p, tuple(rest)) + correction], axis=axis)
    return _cast(out, expected.dtype)


# -- linspace, logspace, geomspace ---------------------------------------------------------------------------
def linspace(
    start: Any,
    stop: Any,
    num: int = 50,
    endpoint: bool = True,
    retstep: bool = False,
    dtype: Any = None,
    axis: int = 0,
    *,
    device: Any = None,
) -> Any:
    """``num`` evenly spaced samples from ``start`` to ``stop`` (as ``np.linspace``), differentiable in both:
    sample ``i`` is ``start + i * (stop - start) / div``. ``retstep=True`` also returns the step (a tensor, or
    NumPy's ``nan`` when there are fewer than two samples)."""
    if isinstance(start, (list, tuple)):
        start = operand(start)
    if isinstance(stop, (list, tuple)):
        stop = operand(stop)
    # NumPy's own call on the values: its errors, its dtype, and the whole answer where there is no gradient
    expected = np.linspace(_plain(start), _plain(stop), num, endpoint, retstep, dtype, axis, device=device)
    if not _on_graph(start, stop):
        return expected
    samples = expected[0] if retstep else expected
    if samples.dtype.kind != "f":  # an integer dtype: floored, piecewise constant
        return (_constant(samples), expected[1]) if retstep else _constant(samples)
    num = operator.index(num)
    dt = np.linspace(_plain(start), _plain(stop), 0).dtype  # NumPy's working dtype (before dtype=)
    div = (num - 1) if endpoint else num
    start_c, stop_c = _cast(start, dt), _cast(stop, dt)
    delta = stop_c - start_c
    nd = len(shape_of(delta))
    y: Any = np.arange(0, num, dtype=dt).reshape((-1,) + (1,) * nd)
    if div > 0:
        step: Any = divide(delta, div) if isinstance(delta, Tensor) else delta / div
        if np.any(data_of(step) == 0):  # denormal steps (NumPy's gh-5437): (arange / div) * delta
            y = multiply(y / div, delta)
        else:
            y = multiply(y, step)
    else:
        step = np.nan
        y = multiply(y, delta)
    y = y + start_c
    if endpoint and num > 1:
        last = expand_dims(broadcast_to(stop_c, shape_of(y)[1:]), 0)
        y = concatenate([getitem(y, slice(None, -1)), _cast(last, np.result_type(data_of(y)))], axis=0)
    if axis != 0:
        y = moveaxis(y, 0, axis)
    y = _cast(y, samples.dtype)
    if not isinstance(y, Tensor):
        y = _constant(y)
    return (y, step) if retstep else y


def logspace(
    start: Any, stop: Any, num: int = 50, endpoint: bool = True, base: Any = 10.0, dtype: Any = None, axis: int = 0
) -> Any:
    """``base ** linspace(start, stop, num, endpoint, axis=axis)`` (as ``np.logspace``), differentiable in
    ``start``, ``stop`` and ``base``."""
    if isinstance(start, (list, tuple)):
        start = operand(start)
    if isinstance(stop, (list, tuple)):
        stop = operand(stop)
    if isinstance(base, (list, tuple)):
        base = operand(base)
    expected = np.logspace(_plain(start), _plain(stop), num, endpoint, _plain(base), dtype, axis)
    if not _on_graph(start, stop, base):
        return expected
    if not isinstance(base, (float, int)) and np.ndim(data_of(base)):
        # a non-scalar base is broadcast with the others first (NumPy's steps), as it may change what axis means
        ndmax = np.broadcast(data_of(start), data_of(stop), data_of(base)).ndim
        start, stop, base = (_ndmin(a, ndmax) for a in (start, stop, base))
        base = expand_dims(base, axis) if isinstance(base, Tensor) else np.expand_dims(base, axis)
    y = linspace(start, stop, num=num, endpoint=endpoint, axis=axis)
    out = power(base, y)
    if dtype is not None:
        out = _cast(out, np.dtype(dtype)) if np.dtype(dtype).kind == "f" else _constant(expected)
    return out


def _ndmin(a: Any, ndmin: int) -> Any:
    if isinstance(a, Tensor):
        shape = shape_of(a)
        return reshape(a, (1,) * (ndmin - len(shape)) + shape) if len(shape) < ndmin else a
    return np.array(a, copy=None, subok=True, ndmin=ndmin)


def geomspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, dtype: Any = None, axis: int = 0) -> Any:
    """Samples evenly spaced on a log scale from ``start`` to ``stop`` (as ``np.geomspace``; negative ends too,
    with the sign of ``start``), differentiable in both. Complex values are refused."""
    if isinstance(start, (list, tuple)):
        start = operand(start)
    if isinstance(stop, (list, tuple)):
        stop = operand(stop)
    sv, tv = np.asanyarray(data_of(start)), np.asanyarray(data_of(stop))
    if _on_graph(start, stop) and (sv.dtype.kind == "c" or tv.dtype.kind == "c"):
        raise UnsupportedArgumentError(
            "geomspace: complex values are not supported (chainrule differentiates real ones)"
        )
    expected = np.geomspace(sv, tv, num, endpoint, dtype, axis)
    if not _on_graph(start, stop):
        return expected
    if expected.dtype.kind == "c":
        raise UnsupportedArgumentError(
            "geomspace: complex results are not supported (chainrule differentiates real ones)"
        )
    num = operator.index(num)
    dt = np.result_type(sv, tv, float(num), np.zeros((), dtype))
    if dt.kind != "f" or expected.dtype.kind != "f":
        return _constant(expected)
    start_c, stop_c = _cast(start, dt), _cast(stop, dt)
    out_sign = np.sign(np.asarray(data_of(start_c)))  # piecewise constant
    start_c = divide(start_c, out_sign) if isinstance(start_c, Tensor) else start_c / out_sign
    stop_c = divide(stop_c, out_sign) if isinstance(stop_c, Tensor) else stop_c / out_sign
    log_start = log10(start_c) if isinstance(start_c, Tensor) else np.log10(start_c)
    log_stop = log10(stop_c) if isinstance(stop_c, Tensor) else np.log10(stop_c)
    result = logspace(log_start, log_stop, num=num, endpoint=endpoint, base=10.0, dtype=dt)
    if num > 0:  # the end samples are start and stop themselves (10 ** log10(x) need not be x)
        shape = shape_of(result)[1:]
        parts = [expand_dims(broadcast_to(start_c, shape), 0)]
        if num > 1 and endpoint:
            parts += [getitem(result, slice(1, -1)), expand_dims(broadcast_to(stop_c, shape), 0)]
        else:
            parts.append(getitem(result, slice(1, None)))
        result = concatenate([_cast(q, dt) for q in parts], axis=0)
    result = multiply(result, out_sign)
    if axis != 0:
        result = moveaxis(result, 0, axis)
    return _cast(result, expected.dtype)


__all__ = ["geomspace", "linspace", "logspace", "rollaxis", "unwrap"]
