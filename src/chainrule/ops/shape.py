"""Operations that move, select or copy elements without changing their values.

Their gradients move the upstream gradient back to where each element came from:

=============================  =============================================================
op                             gradient of the input
=============================  =============================================================
reshape, ravel, flatten,       g reshaped to the input's shape
expand_dims, squeeze
transpose, swapaxes, moveaxis  g with the inverse permutation
broadcast_to                   g summed back to the input's shape (by the engine's un-broadcast)
x[index], take,                g scattered back to the selected positions; an element selected
take_along_axis, repeat        several times gets the sum of its gradients
concatenate, stack, split      the matching slice of g
pad (constant)                 the slice of g that covers the original
tile                           g summed over the copies
astype                         g cast back to the input's dtype
=============================  =============================================================
"""

from __future__ import annotations

import builtins
import operator
from typing import Any

import numpy as np

from .._shapes import normalize_axis
from ..errors import AxisError, IndexingError, InvalidArgumentError, ShapeError, UnsupportedArgumentError
from ..primitive import VariadicRules
from ..tensor import Tensor
from ._base import data_of, defprim, shape_of
from .elementwise import where


# -- reshape and transpose ----------------------------------------------------------------------------
def _reshape_forward(x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    try:
        return np.reshape(x, shape)
    except ValueError:
        raise ShapeError(
            f"reshape: cannot reshape an array of shape {x.shape} ({x.size} elements) into shape {shape}"
        ) from None


_reshape = defprim("reshape", _reshape_forward, vjp=lambda g, ans, x, shape: reshape(g, shape_of(x)), jvp="linear")


def reshape(x: Any, *shape: Any) -> Any:
    """Same elements in a new shape (one dimension may be -1)."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    shape = tuple(int(s) for s in shape)
    if shape_of(x) == shape:
        return x
    return _reshape(x, shape=shape)


def _transpose_forward(x: np.ndarray, axes: tuple[int, ...] | None) -> np.ndarray:
    return np.transpose(x, axes)


def _transpose_vjp(g: Any, ans: Any, x: Any, axes: Any) -> Any:
    if axes is None:
        return transpose(g)
    return transpose(g, tuple(np.argsort(axes)))


_transpose = defprim("transpose", _transpose_forward, vjp=_transpose_vjp, jvp="linear")


def transpose(x: Any, axes: Any = None) -> Any:
    """Permute the axes (reverse them by default)."""
    if axes is not None:
        nd = len(shape_of(x))
        axes = tuple(int(a) % nd if nd else 0 for a in axes)
        if sorted(axes) != list(range(nd)):
            raise ShapeError(f"transpose: axes {axes} are not a permutation of the {nd} axes of shape {shape_of(x)}")
    return _transpose(x, axes=axes)


def swapaxes(x: Any, axis1: int, axis2: int) -> Any:
    """Exchange two axes."""
    nd = len(shape_of(x))
    perm = list(range(nd))
    a, b = normalize_axis(axis1, nd)[0], normalize_axis(axis2, nd)[0]
    perm[a], perm[b] = perm[b], perm[a]
    return transpose(x, tuple(perm))


def moveaxis(x: Any, source: Any, destination: Any) -> Any:
    """Move axes to new positions (as ``np.moveaxis``)."""
    nd = len(shape_of(x))
    src = _axis_tuple(source, nd)
    dst = _axis_tuple(destination, nd)
    if len(src) != len(dst):
        raise ShapeError("moveaxis: source and destination must have the same number of axes")
    rest = [a for a in range(nd) if a not in src]
    for d, s in sorted(zip(dst, src, strict=True)):
        rest.insert(d, s)
    return transpose(x, tuple(rest))


def _axis_tuple(axis: Any, nd: int) -> tuple[int, ...]:
    if isinstance(axis, (int, np.integer)):
        axis = (int(axis),)
    out = []
    for a in axis:
        if not -nd <= a < nd:
            raise ShapeError(f"axis {a} is out of range for an array with {nd} dimension(s)")
        out.append(int(a) % nd)
    if len(set(out)) != len(out):
        raise ShapeError(f"repeated axis in {tuple(axis)}")
    return tuple(out)


def expand_dims(x: Any, axis: Any) -> Any:
    """Insert axes of length 1."""
    try:
        shape = np.expand_dims(np.empty(shape_of(x), dtype=bool), axis).shape
    except ValueError as e:  # NumPy's AxisError
        raise AxisError(f"expand_dims: {e} (input shape {shape_of(x)}, axis {axis})") from None
    return reshape(x, shape)


def squeeze(x: Any, axis: Any = None) -> Any:
    """Remove axes of length 1 (all of them, or those named)."""
    try:
        shape = np.squeeze(np.empty(shape_of(x), dtype=bool), axis=axis).shape
    except ValueError as e:
        raise ShapeError(f"squeeze: {e} (shape {shape_of(x)})") from None
    return reshape(x, shape)


def ravel(x: Any) -> Any:
    """The elements as a 1-D array."""
    return reshape(x, (-1,))


flatten = ravel


def _broadcast_to_forward(x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    try:
        return np.broadcast_to(x, shape)
    except ValueError:
        raise ShapeError(
            f"broadcast_to: an array of shape {x.shape} cannot be broadcast to shape {shape} "
            "(each dimension must match or be 1, comparing from the right)"
        ) from None


# the engine sums the gradient back to the input's shape: the rule passes g through unchanged
_broadcast_to = defprim("broadcast_to", _broadcast_to_forward, vjp=lambda g, ans, x, shape: g, jvp="linear")


def broadcast_to(x: Any, shape: Any) -> Any:
    """Broadcast ``x`` to ``shape`` (a read-only view)."""
    shape = tuple(int(s) for s in (shape if isinstance(shape, (tuple, list)) else (shape,)))
    if shape_of(x) == shape:
        return x
    return _broadcast_to(x, shape=shape)


def _astype_forward(x: np.ndarray, dtype: Any) -> np.ndarray:
    return x.astype(dtype) if type(x) is np.ndarray else np.asarray(x).astype(dtype)


# the engine casts every gradient to its input's dtype: the rule passes g through
_astype = defprim("astype", _astype_forward, vjp=lambda g, ans, x, dtype: g, jvp="linear")


def astype(x: Any, dtype: Any) -> Any:
    """A copy cast to ``dtype``: differentiable between floating dtypes; a cast to an integer or boolean dtype
    is piecewise constant, so its result is a constant (no gradient flows back through it, as ``Tensor.astype``)."""
    dtype = np.dtype(dtype)
    if dtype.kind in "fc":
        return _astype(x, dtype=dtype)
    out = np.asarray(data_of(x)).astype(dtype)
    return Tensor._wrap(out, None, False) if isinstance(x, Tensor) else out


# -- indexing -----------------------------------------------------------------------------------------
def _raw_index(index: Any) -> Any:
    if isinstance(index, tuple):
        return tuple(data_of(i) for i in index)
    if isinstance(index, list):
        arr = (
            np.asarray([data_of(i) for i in index]) if any(isinstance(i, Tensor) for i in index) else np.asarray(index)
        )
        return arr.astype(np.intp) if arr.size == 0 else arr  # x[[]] selects nothing, as in NumPy
    return data_of(index)


def _is_basic(index: Any) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return all(isinstance(i, (int, np.integer, slice)) or i is None or i is Ellipsis for i in items)


def _getitem_forward(x: np.ndarray, index: Any) -> np.ndarray:
    try:
        return x[index]
    except IndexError as e:
        raise IndexingError(f"getitem: {e} (indexing an array of shape {x.shape})") from None


def _scatter_add_forward(g: np.ndarray, index: Any, shape: tuple[int, ...]) -> np.ndarray:
    out = np.zeros(shape, dtype=g.dtype)
    if _is_basic(index):
        out[index] = g
    else:
        np.add.at(out, index, g)  # repeated indices add their gradients
    return out


_getitem = defprim(
    "getitem",
    _getitem_forward,
    vjp=lambda g, ans, x, index: scatter_add(g, index, shape_of(x)),
    jvp="linear",
)
_scatter_add = defprim(
    "scatter_add",
    _scatter_add_forward,
    vjp=lambda g, ans, u, index, shape: _getitem(g, index=index),
    jvp="linear",
)


def _index_put_forward(x: np.ndarray, value: Any, index: Any) -> np.ndarray:
    # the input stays as it was: operations that cached it keep their values (np.array: a 0-d upstream gradient
    # can be a NumPy scalar, which has no item assignment)
    out = np.array(x, copy=True)
    try:
        out[index] = value
    except (ValueError, IndexError) as e:
        raise IndexingError(
            f"index_put: {e} (writing a value of shape {np.shape(value)} into an array of shape {x.shape})"
        ) from None
    return out


def _kept_writes(picked: Any, shape: tuple[int, ...], index: Any) -> Any:
    """The value's gradient ``picked`` (``g[index]``), zero where a later write to the same position replaced it.

    Integer arrays may name a position twice (``y[[0, 0]] = v``); NumPy keeps one of the writes, so only that
    value element reaches the result. Which one NumPy keeps is found by letting it write the elements' own
    numbers in the same way.
    """
    if _is_basic(index):  # (integers and slices never name a position twice)
        return picked
    written = np.full(shape, -1, dtype=np.intp)
    order = np.arange(written[index].size).reshape(np.shape(picked))
    written[index] = order
    kept = written[index] == order
    return picked if kept.all() else where(kept, picked, 0)  # (a lost write gets 0 even where g is inf or NaN)


_index_put = defprim(
    "index_put",
    _index_put_forward,
    # the overwritten positions no longer depend on x; the value receives what flowed to its positions
    vjp=(
        lambda g, ans, x, value, index: _index_put(g, np.zeros((), dtype=np.result_type(data_of(g))), index=index),
        lambda g, ans, x, value, index: _kept_writes(_getitem(g, index=index), shape_of(ans), index),
    ),
    jvp=(
        lambda t, ans, x, value, index: _index_put(t, np.zeros((), dtype=np.result_type(data_of(t))), index=index),
        lambda t, ans, x, value, index: _index_put(
            np.zeros(shape_of(ans), dtype=np.result_type(data_of(t))), t, index=index
        ),
    ),
)


def index_put(x: Any, value: Any, index: Any) -> Any:
    """A copy of ``x`` with ``value`` written at ``index`` (what ``t[index] = value`` records in a graph).

    The gradient of ``x`` is zero at the overwritten positions; ``value`` gets the gradient of its positions
    (summed over any broadcasting). Written into an integer or boolean ``x``, the value is rounded away: the
    result is a constant, as for any cast to such a dtype.
    """
    xd = data_of(x)
    if isinstance(xd, np.ndarray) and xd.dtype.kind not in "fc":
        out = _index_put_forward(xd, np.asarray(data_of(value)), _raw_index(index))
        return Tensor._wrap(out, None, False) if isinstance(x, Tensor) or isinstance(value, Tensor) else out
    return _index_put(x, value, index=_raw_index(index))


def getitem(x: Any, index: Any) -> Any:
    """``x[index]``: basic slicing, integer arrays (repeats add their gradients) and boolean masks."""
    return _getitem(x, index=_raw_index(index))


def scatter_add(values: Any, index: Any, shape: tuple[int, ...]) -> Any:
    """Zeros of ``shape`` with ``values`` added at ``index`` (the gradient of ``x[index]``)."""
    return _scatter_add(values, index=_raw_index(index), shape=tuple(shape))


def take(x: Any, indices: Any, axis: int | None = None) -> Any:
    """Elements at ``indices`` along ``axis`` (of the flattened array when ``axis`` is None)."""
    idx = np.asarray(data_of(indices))
    if axis is None:
        return getitem(ravel(x), idx)
    nd = len(shape_of(x))
    a = normalize_axis(axis, nd)[0]
    return getitem(x, (slice(None),) * a + (idx,))


def take_along_axis(x: Any, indices: Any, axis: int | None = -1) -> Any:
    """Pick along ``axis`` with an index array shaped like ``x`` (as ``np.take_along_axis``; ``axis=None`` picks
    from the flattened array with 1-D indices)."""
    idx = np.asarray(data_of(indices))
    if axis is None:
        if idx.ndim != 1:
            raise ShapeError(f"take_along_axis: with axis=None the indices must be 1-D, got shape {idx.shape}")
        x = ravel(x)
        axis = 0
    shape = shape_of(x)
    nd = len(shape)
    if idx.ndim != nd:
        raise ShapeError(f"take_along_axis: indices have {idx.ndim} dimensions but the array has {nd} (shape {shape})")
    a = normalize_axis(axis, nd)[0]
    fancy = []
    for d in range(nd):
        if d == a:
            fancy.append(idx)
        else:
            fancy.append(np.arange(shape[d]).reshape((1,) * d + (-1,) + (1,) * (nd - d - 1)))
    return getitem(x, tuple(fancy))


# -- joining and splitting --------------------------------------------------------------------------------
def _concatenate_forward(*xs: np.ndarray, axis: int = 0) -> np.ndarray:
    try:
        return np.concatenate(xs, axis=axis)
    except ValueError as e:
        kind = AxisError if isinstance(e, np.exceptions.AxisError) else ShapeError
        raise kind(f"concatenate: {e}; shapes {[np.shape(x) for x in xs]} along axis {axis}") from None


def _concatenate_vjp(argnum: int, g: Any, ans: Any, *xs: Any, axis: int = 0) -> Any:
    nd = len(shape_of(xs[0]))
    a = normalize_axis(axis, nd)[0]
    start = builtins.sum(shape_of(x)[a] for x in xs[:argnum])
    stop = start + shape_of(xs[argnum])[a]
    return _getitem(g, index=(slice(None),) * a + (slice(start, stop),))


def _concatenate_jvp(argnum: int, t: Any, ans: Any, *xs: Any, axis: int = 0) -> Any:
    nd = len(shape_of(xs[0]))
    a = normalize_axis(axis, nd)[0]
    start = builtins.sum(shape_of(x)[a] for x in xs[:argnum])
    index = (slice(None),) * a + (slice(start, start + shape_of(xs[argnum])[a]),)
    return scatter_add(t, index, shape_of(ans))


_concatenate = defprim(
    "concatenate",
    _concatenate_forward,
    vjp=VariadicRules(_concatenate_vjp),
    jvp=VariadicRules(_concatenate_jvp),
)


def concatenate(arrays: Any, axis: int | None = 0) -> Any:
    """Join arrays along an existing axis."""
    arrays = list(arrays)
    if not arrays:
        raise InvalidArgumentError("concatenate: need at least one array")
    if axis is None:
        arrays = [ravel(a) for a in arrays]
        axis = 0
    return _concatenate(*arrays, axis=int(axis))


def stack(arrays: Any, axis: int = 0) -> Any:
    """Join arrays along a new axis."""
    arrays = list(arrays)
    if not arrays:
        raise InvalidArgumentError("stack: need at least one array")
    shapes = {shape_of(a) for a in arrays}
    if len(shapes) > 1:
        raise ShapeError(f"stack: all arrays must have the same shape, got {sorted(shapes)}")
    return concatenate([expand_dims(a, axis) for a in arrays], axis=axis)


class _ZeroSectionsError(InvalidArgumentError, ZeroDivisionError):
    """``split(x, 0)``: NumPy raises ZeroDivisionError (``n % 0``); this is that, and a ValueError."""


def split(x: Any, indices_or_sections: Any, axis: int = 0) -> list[Any]:
    """Split into pieces along ``axis`` (as ``np.split``): ``indices_or_sections`` equal pieces, or a list of
    indices to split before. Unequal sections raise NumPy's ValueError ("array split does not result in an equal
    division"), zero sections its ZeroDivisionError."""
    if not hasattr(indices_or_sections, "__len__"):  # a number of sections (NumPy's test)
        n = shape_of(x)[normalize_axis(axis, len(shape_of(x)))[0]]
        k = indices_or_sections
        if k == 0:
            raise _ZeroSectionsError(f"split: cannot split an axis of length {n} into 0 sections")
        if n % k:
            raise ShapeError(
                f"split: array split does not result in an equal division (an axis of length {n} cannot be split "
                f"into {k} equal sections; np.array_split allows unequal ones)"
            )
    return array_split(x, indices_or_sections, axis=axis)


def array_split(x: Any, sections: Any, axis: int = 0) -> list[Any]:
    """Split into ``sections`` nearly equal pieces (as ``np.array_split``; a list of indices splits there)."""
    shape = shape_of(x)
    a = normalize_axis(axis, len(shape))[0]
    n = shape[a]
    if hasattr(sections, "__len__"):
        bounds = [0, *[operator.index(i) for i in sections], n]
    else:
        k = int(sections)
        if k <= 0:
            raise InvalidArgumentError(f"array_split: the number of sections must be at least 1, got {sections!r}")
        q, r = divmod(n, k)
        bounds = [0, *np.cumsum([q + 1] * r + [q] * (k - r)).tolist()]
    lead = (slice(None),) * a
    return [getitem(x, lead + (slice(lo, hi),)) for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)]


# -- padding, repeating, tiling -------------------------------------------------------------------------
def _pad_forward(x: np.ndarray, pad_width: Any, constant_values: Any) -> np.ndarray:
    if np.ndim(x) == 0:  # np.pad of a 0-d array is a copy; it refuses the empty widths () that pad() passes
        return np.array(x, copy=True)
    return np.pad(x, pad_width, mode="constant", constant_values=constant_values)


def _pad_vjp(g: Any, ans: Any, x: Any, pad_width: Any, constant_values: Any) -> Any:
    shape = shape_of(x)
    widths = np.broadcast_to(
        np.asarray(pad_width, dtype=int).reshape(-1, 2) if np.ndim(pad_width) else pad_width, (len(shape), 2)
    )
    index = tuple(slice(int(lo), int(lo) + n) for (lo, _), n in zip(widths, shape, strict=True))
    return _getitem(g, index=index)


# pad is affine, not linear, in x: the tangent is padded with zeros, whatever the constant
_pad = defprim(
    "pad",
    _pad_forward,
    vjp=_pad_vjp,
    jvp=lambda t, ans, x, pad_width, constant_values: _pad(t, pad_width=pad_width, constant_values=0),
)


# the modes whose every padded element is a copy of one input element (reflect_type 'even')
_COPYING_MODES = ("edge", "wrap", "reflect", "symmetric")


#: NumPy's named modes of np.pad
_PAD_MODES = (
    "constant", "edge", "linear_ramp", "maximum", "mean", "median", "minimum", "reflect", "symmetric", "wrap", "empty"
)  # fmt: skip
_UNSET: Any = object()  # (constant_values not given: NumPy refuses it, even 0, in the other modes)


def pad(x: Any, pad_width: Any, mode: str = "constant", constant_values: Any = _UNSET, **kwargs: Any) -> Any:
    """Pad with a constant (as ``np.pad(..., mode="constant")``; a tensor ``constant_values`` gets its gradient)
    or, with ``mode`` ``'edge'``, ``'wrap'``, ``'reflect'`` or ``'symmetric'``, with copies of the input's own
    elements: their gradients add up. The linear modes (``reflect_type='odd'``, ``'linear_ramp'``, ``'mean'``) and
    ``'maximum'``, ``'minimum'``, ``'median'`` are ``ops/padding.py``'s."""
    if isinstance(mode, str) and mode not in _PAD_MODES:
        raise InvalidArgumentError(f"mode {mode!r} is not supported (pad: NumPy's modes are {', '.join(_PAD_MODES)})")
    if mode != "constant":
        if constant_values is not _UNSET:
            kwargs["constant_values"] = constant_values  # (NumPy refuses it for these modes: its error)
        odd = kwargs.get("reflect_type") == "odd"  # (NumPy reads any other reflect_type as 'even')
        if mode in ("linear_ramp", "mean") or (mode in _COPYING_MODES and odd):
            from .padding import pad_linear  # (padding's rules use ops that import this module)

            return pad_linear(x, pad_width, mode, **kwargs)
        if mode in ("maximum", "minimum", "median"):
            from .padding import pad_stat

            return pad_stat(x, pad_width, mode, **kwargs)
        if mode not in _COPYING_MODES:
            raise UnsupportedArgumentError(
                f"pad: mode={mode!r} is not differentiable here; use mode='constant', 'edge', 'wrap', 'reflect', "
                "'symmetric', 'linear_ramp', 'mean', 'maximum', 'minimum' or 'median'"
            )
        shape = shape_of(x)
        numbers = np.arange(int(np.prod(shape, dtype=np.int64)), dtype=np.intp).reshape(shape)
        # NumPy pads the element numbers: each padded element's number says which input element it copies
        return getitem(ravel(x), np.pad(numbers, pad_width, mode=mode, **kwargs))
    from .padding import _pairs  # (NumPy's reading of per-axis options)

    constant_values = 0 if constant_values is _UNSET else constant_values
    shape = shape_of(x)
    if np.asarray(pad_width).dtype.kind not in "iu":  # NumPy's checks, in its order (also for a 0-d x)
        raise TypeError(f"`pad_width` must be of integral type. (pad: got {pad_width!r})")
    widths = np.array(_pairs(pad_width, len(shape), as_index=True), dtype=int).reshape(len(shape), 2)
    if kwargs:
        raise InvalidArgumentError(f"pad: unsupported keyword arguments for mode 'constant': {set(kwargs)}")
    _pairs(data_of(constant_values), len(shape))  # (a constant_values that does not fit the axes: NumPy's error)
    if isinstance(constant_values, Tensor) and len(shape):  # (its gradient, or its tangent in forward mode)
        return _pad_with_tensor(x, widths, constant_values)
    return _pad(x, pad_width=tuple(map(tuple, widths.tolist())), constant_values=data_of(constant_values))


def _pad_with_tensor(x: Any, widths: np.ndarray, c: Tensor) -> Any:
    """Constant padding by a tensor ``c`` (NumPy's per-axis (before, after) values): NumPy pads the element numbers
    of ``x`` with the numbers of ``c``'s ``2 * ndim`` values, so each output element says which value it is."""
    nd = len(shape_of(x))
    if c.size == 1:
        c = reshape(c, ())
    elif c.size == 2 and c.shape != (2, 1):
        c = reshape(c, (2,))
    pairs = ravel(broadcast_to(c, (nd, 2)))
    n = int(np.prod(shape_of(x), dtype=np.int64))
    numbers = np.arange(n, dtype=np.intp).reshape(shape_of(x))
    ids = n + np.arange(2 * nd, dtype=np.intp).reshape(nd, 2)
    index = np.pad(numbers, widths, mode="constant", constant_values=ids)
    dtype = np.result_type(data_of(x))
    pairs = pairs if pairs.dtype == dtype else astype(pairs, dtype)  # (NumPy casts the values to x's dtype)
    return getitem(concatenate([ravel(x), pairs]), index)


def repeat(x: Any, repeats: Any, axis: int | None = None) -> Any:
    """Repeat each element ``repeats`` times (as ``np.repeat``); gradients of the copies add up."""
    if axis is None:
        x = ravel(x)
        axis = 0
    n = shape_of(x)[normalize_axis(axis, len(shape_of(x)))[0]]
    idx = np.repeat(np.arange(n), repeats)
    return take(x, idx, axis=axis)


def tile(x: Any, reps: Any) -> Any:
    """Repeat the whole array (as ``np.tile``); gradients of the copies add up."""
    reps = (int(reps),) if isinstance(reps, (int, np.integer)) else tuple(int(r) for r in reps)
    shape = shape_of(x)
    d = builtins.max(len(shape), len(reps))
    shape = (1,) * (d - len(shape)) + shape
    reps = (1,) * (d - len(reps)) + reps
    interleaved = tuple(v for s in shape for v in (1, s))
    expanded = tuple(v for r, s in zip(reps, shape, strict=True) for v in (r, s))
    out = broadcast_to(reshape(x, interleaved), expanded)
    return reshape(out, tuple(r * s for r, s in zip(reps, shape, strict=True)))
