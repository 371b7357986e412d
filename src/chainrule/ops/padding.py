"""``np.pad``'s linear modes: ``'reflect'`` / ``'symmetric'`` with ``reflect_type='odd'``, ``'linear_ramp'`` and
``'mean'``, and its order-statistic modes ``'maximum'``, ``'minimum'``, ``'median'`` (the copying modes are a gather
in ``shape.pad``; ``'constant'`` is the ``pad`` primitive).

NumPy pads one axis after the other, and along an axis every lane (1-D slice) is padded by the same rule, which
for these modes is linear in the lane (affine for ``linear_ramp``: its ``end_values`` are constants). So the
padding of axis ``k`` is the matrix ``M_k`` (``out_lane = M_k @ lane``), and NumPy gives it: ``M_k`` is
``np.pad`` of the identity matrix along its first axis, with axis ``k``'s widths and options (``end_values``
set to 0). The forward is ``np.pad`` itself (NumPy's values); the gradient applies the transposes:

=============================  =============================================================
op                             rule
=============================  =============================================================
pad_linear(x)                  vjp: g @ M_k along each padded axis k, the last axis first;
                               jvp: pad_linear(t) with end_values 0
pad_stat(x) (composite)        per axis, NumPy's order: max / min / median of the stat_length
                               elements at each end (ties and NaN as those reductions), broadcast
                               over the padding and concatenated
=============================  =============================================================
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ..errors import UnsupportedArgumentError
from ..tensor import Tensor
from ._base import data_of, defprim, shape_of
from .elementwise import multiply
from .linalg import matmul
from .reduce import max as _max
from .reduce import min as _min
from .shape import astype, broadcast_to, concatenate, getitem, moveaxis, ravel, reshape
from .stats import median

#: the modes that are linear in the input (with reflect_type='odd' for reflect / symmetric)
LINEAR_MODES = ("reflect", "symmetric", "linear_ramp", "mean")
#: the modes that pad with an order statistic of the elements at each end
STAT_MODES = {"maximum": _max, "minimum": _min, "median": median}


def _pairs(x: Any, ndim: int, as_index: bool = False) -> list:
    """A per-axis option as ``ndim`` (before, after) pairs, as np.pad reads it: one number for every side, one pair
    for every axis, or one pair per axis; widths and lengths (``as_index``) rounded to integers and never negative."""
    if x is None:
        return [(None, None)] * ndim
    a = np.array(x)
    if as_index:
        a = np.round(a).astype(np.intp)
    if a.ndim < 3 and (a.size == 1 or (a.size == 2 and a.shape != (2, 1))):  # one number, one (before, after) pair
        a = a.ravel()
        if as_index and a.min() < 0:
            raise ValueError("index can't contain negative values")
        return [(a[0], a[-1])] * ndim
    if as_index and a.size and a.min() < 0:
        raise ValueError("index can't contain negative values")
    return [tuple(p) for p in np.broadcast_to(a, (ndim, 2)).tolist()]


def _matrices(shape: tuple[int, ...], pad_width: Any, mode: str, options: dict) -> list[tuple[int, np.ndarray]]:
    """``(axis, M)`` for every padded axis: ``M`` (padded length x length) pads one lane along that axis."""
    nd = len(shape)
    widths = _pairs(pad_width, nd, as_index=True)
    per_axis = {}
    for key, value in options.items():
        if key == "reflect_type" or (key == "stat_length" and value is None):
            continue
        per_axis[key] = _pairs(value, nd, as_index=key == "stat_length")
    out = []
    for axis, (lo, hi) in enumerate(widths):
        if lo == 0 and hi == 0:
            continue
        kwargs = {key: (pairs[axis], pairs[axis]) for key, pairs in per_axis.items()}
        if "end_values" in kwargs or mode == "linear_ramp":
            kwargs["end_values"] = 0  # the constant part of the ramp is not the input's
        if "reflect_type" in options:
            kwargs["reflect_type"] = options["reflect_type"]
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            m = np.pad(np.eye(shape[axis]), ((lo, hi), (0, 0)), mode=mode, **kwargs)
        # the mean of stat_length=0 elements is NaN, a constant: it does not depend on the input
        out.append((axis, np.where(np.isnan(m), 0.0, m)))
    return out


def _pad_linear_forward(x: np.ndarray, pad_width: Any, mode: str, options: dict) -> np.ndarray:
    return np.pad(x, pad_width, mode=mode, **options)


def _pad_linear_vjp(g: Any, ans: Any, x: Any, pad_width: Any, mode: str, options: dict) -> Any:
    dtype = np.result_type(data_of(g))
    for axis, m in reversed(_matrices(shape_of(x), pad_width, mode, options)):
        g = moveaxis(matmul(moveaxis(g, axis, -1), m.astype(dtype, copy=False)), -1, axis)
    return g


def _pad_linear_jvp(t: Any, ans: Any, x: Any, pad_width: Any, mode: str, options: dict) -> Any:
    if mode == "mean" and options.get("stat_length") is not None:
        # (a mean of stat_length=0 elements is NaN, a constant: its tangent is 0, as the vjp has it, which
        # NumPy's pad of t would not give) the padding matrices, as the vjp applies their transposes
        dtype = np.result_type(data_of(t))
        for axis, m in _matrices(shape_of(x), pad_width, mode, options):
            t = moveaxis(matmul(moveaxis(t, axis, -1), m.T.astype(dtype, copy=False)), -1, axis)
        return t
    if mode == "linear_ramp":
        options = {**options, "end_values": 0}
    return _pad_linear(t, pad_width=pad_width, mode=mode, options=options)


_pad_linear = defprim("pad_linear", _pad_linear_forward, vjp=_pad_linear_vjp, jvp=_pad_linear_jvp)


def pad_linear(x: Any, pad_width: Any, mode: str, **options: Any) -> Any:
    """``np.pad(x, pad_width, mode, **options)`` for the linear modes (``LINEAR_MODES``; reflect and symmetric
    with ``reflect_type='odd'``)."""
    if mode not in LINEAR_MODES:
        raise UnsupportedArgumentError(f"pad: mode={mode!r} is not a linear mode")
    x_data = np.asarray(data_of(x))
    if x_data.dtype.kind not in "fc":  # an integer or boolean input is a constant, and so is its padding
        out = np.pad(x_data, pad_width, mode=mode, **options)
        return Tensor._wrap(out, None, False) if isinstance(x, Tensor) else out
    end_values = options.get("end_values")
    if isinstance(end_values, Tensor):
        options = {**options, "end_values": end_values.data}
    out = _pad_linear(x, pad_width=pad_width, mode=mode, options=options)
    if isinstance(end_values, Tensor) and mode == "linear_ramp" and x_data.size and x_data.ndim:  # (NumPy reads
        # end_values only where it pads: not for a 0-d or empty x)
        out = out + _ramp_of(end_values, x_data, pad_width, shape_of(out))
    return out


def _ramp_of(end_values: Tensor, x: np.ndarray, pad_width: Any, out_shape: tuple) -> Any:
    """Zeros that carry ``end_values``' gradient: the ramps are linear in the ``2 * ndim`` end values (NumPy's
    (before, after) per axis), ``sum_k e_k * B_k`` with ``B_k`` NumPy's padding of zeros with the k-th unit end
    value; minus the same sum of the values, so that the result stays NumPy's own padding."""
    nd = x.ndim
    c = end_values
    if c.size == 1:
        c = reshape(c, ())
    elif c.size == 2 and c.shape != (2, 1):
        c = reshape(c, (2,))
    pairs = ravel(broadcast_to(c, (nd, 2)))
    if pairs.dtype != x.dtype:
        pairs = astype(pairs, x.dtype)
    units = np.eye(2 * nd).reshape(2 * nd, nd, 2)
    zeros = np.zeros(x.shape, x.dtype)
    basis = np.stack([np.pad(zeros, pad_width, mode="linear_ramp", end_values=u) for u in units]).reshape(2 * nd, -1)
    return reshape(matmul(pairs, basis) - pairs.data @ basis, out_shape)


def _stat(reduce: Any, y: Any, index: tuple, axis: int) -> Any:
    """``reduce`` of ``y[index]`` along ``axis`` (kept); of no elements (median's stat_length=0) NumPy's NaN, a
    constant (the reduction's own rules would give NaN tangents)."""
    part = getitem(y, index)
    if shape_of(part)[axis] == 0:
        shape = list(shape_of(part))
        shape[axis] = 1
        return np.full(shape, np.nan, np.result_type(data_of(y)))
    return reduce(part, axis=axis, keepdims=True)


def pad_stat(x: Any, pad_width: Any, mode: str, **options: Any) -> Any:
    """``np.pad(x, pad_width, mode, stat_length=...)`` for ``mode`` ``'maximum'``, ``'minimum'`` or ``'median'``:
    composed from the reductions, axis after axis as NumPy pads (the padded value is the reduction of the first /
    last ``stat_length`` elements of each lane; ties and NaN get those reductions' gradients)."""
    x_data = np.asarray(data_of(x))
    out = np.pad(x_data, pad_width, mode=mode, **options)  # NumPy's checks and errors
    stat_length = options.get("stat_length")
    if x_data.dtype.kind not in "fc" or not isinstance(x, Tensor):  # (integers are constants; NumPy rounds)
        return Tensor._wrap(out, None, False) if isinstance(x, Tensor) else out
    reduce = STAT_MODES[mode]
    nd = x_data.ndim
    widths = _pairs(pad_width, nd, as_index=True)
    lengths = _pairs(stat_length, nd, as_index=True)
    y = multiply(x, 1)  # (a new node, also where nothing is padded)
    for axis, ((lo, hi), (left_len, right_len)) in enumerate(zip(widths, lengths, strict=True)):
        if lo == 0 and hi == 0:
            continue
        n = x_data.shape[axis]
        left_len = n if left_len is None or n < left_len else left_len
        right_len = n if right_len is None or n < right_len else right_len
        lead = (slice(None),) * axis
        left = _stat(reduce, y, (*lead, slice(0, left_len)), axis)
        same = left_len == right_len == n
        right = left if same else _stat(reduce, y, (*lead, slice(n - right_len, n)), axis)
        shape = list(shape_of(y))
        parts = []
        if lo:
            parts.append(broadcast_to(left, tuple(shape[:axis] + [lo] + shape[axis + 1 :])))
        parts.append(y)
        if hi:
            parts.append(broadcast_to(right, tuple(shape[:axis] + [hi] + shape[axis + 1 :])))
        y = concatenate(parts, axis=axis)
    return y
