"""NumPy's array-manipulation functions (``np.diag``, ``np.hstack``, ``np.block``, ``np.rot90``, ``np.insert``,
``np.unique`` ...), composed from the shape primitives: no rules of their own.

Most only move or copy elements, so their gradients move ``g`` back (adding it up where an element was copied
several times). Where NumPy's own semantics are intricate (``insert``, ``delete``, ``resize``, ``block``,
``choose``, ``pad`` with copying modes), the positions are found by letting NumPy run the function itself on an
array of *element numbers* (``np.arange(x.size).reshape(x.shape)``): its result says, for every output element,
which input element it is, so the forward is a gather (``getitem``) and the backward a scatter-add. The values,
shapes and errors are then NumPy's by construction.

=============================  =============================================================
function                       made of
=============================  =============================================================
diag, diagflat                 scatter_add of v onto the k-th diagonal; diagonal (2-D input)
copy, astype                   astype (a new node; integer or boolean results are constants)
atleast_1d/2d/3d               reshape
hstack, vstack, dstack,        concatenate (after atleast_*d)
column_stack, row_stack
block, insert, delete,         a gather by element numbers from NumPy's own function
resize, compress, extract,
choose
hsplit, vsplit, dsplit,        getitem
unstack
fliplr, flipud, rot90          flip and transpose
broadcast_arrays, meshgrid     reshape and broadcast_to
append                         concatenate
select                         where, the first true condition last (so it wins)
trim_zeros                     getitem of the slice NumPy's rule finds from the values
partition                      take_along_axis with NumPy's argpartition
unique                         take at NumPy's return_index (the first occurrence of each value)
=============================  =============================================================
"""

from __future__ import annotations

import builtins
import operator
import warnings
from typing import Any

import numpy as np

from ..errors import InvalidArgumentError, UnsupportedArgumentError
from ..tensor import Tensor
from ._base import data_of, shape_of
from .elementwise import where
from .linalg import diagonal
from .order import flip, operand
from .reduce import sum as _sum
from .shape import (
    astype,
    broadcast_to,
    concatenate,
    getitem,
    ravel,
    reshape,
    scatter_add,
    split,
    take,
    take_along_axis,
    transpose,
)


def _dtype(x: Any) -> np.dtype:
    return np.result_type(data_of(x))


def _numbers(x: Any, start: int = 0) -> np.ndarray:
    """The element numbers of ``x``: ``start + arange(x.size)`` in ``x``'s shape."""
    shape = shape_of(x)
    return np.arange(start, start + int(np.prod(shape, dtype=np.int64)), dtype=np.intp).reshape(shape)


def _cast(x: Any, dtype: np.dtype) -> Any:
    return x if _dtype(x) == dtype else astype(x, dtype)


def _gather(x: Any, index: Any) -> Any:
    """The elements of ``x`` (as numbered by :func:`_numbers`) at the element numbers ``index``."""
    index = np.asarray(index, dtype=np.intp)
    flat = ravel(x)
    if index.ndim == 1 and index.size == shape_of(flat)[0] and (index == np.arange(index.size)).all():
        return reshape(flat, index.shape) if isinstance(flat, Tensor) else flat.copy()
    return getitem(flat, index)


# -- diagonals, copies, casts ----------------------------------------------------------------------------
def diag(v: Any, k: int = 0) -> Any:
    """The ``k``-th diagonal of a 2-D ``v``, or a square matrix with the 1-D ``v`` on its ``k``-th diagonal
    (as ``np.diag``).

    >>> import chainrule as cr
    >>> cr.diag(cr.tensor([1.0, 2.0]), 1).shape
    (3, 3)
    """
    v = operand(v)
    shape = shape_of(v)
    k = operator.index(k)
    if len(shape) == 1:
        n = shape[0] + builtins.abs(k)
        i = np.arange(shape[0], dtype=np.intp)
        rows, cols = (i, i + k) if k >= 0 else (i - k, i)
        if not isinstance(v, Tensor):
            return np.diag(v, k)
        return scatter_add(v, (rows, cols), (n, n))
    if len(shape) == 2:
        return diagonal(v, offset=k)
    raise InvalidArgumentError("Input must be 1- or 2-d.")


def diagflat(v: Any, k: int = 0) -> Any:
    """A square matrix with the flattened ``v`` on its ``k``-th diagonal (as ``np.diagflat``)."""
    return diag(ravel(operand(v)), k)


def copy(a: Any, order: str = "K", subok: bool = False) -> Any:
    """A new tensor with ``a``'s values (as ``np.copy``): a node of its own, its gradient passes ``g`` through."""
    a = operand(a)
    if not isinstance(a, Tensor):
        return np.copy(a, order=order)
    return astype(a, _dtype(a))


_copy = copy


def _reshape_any(a: Any, shape: tuple) -> Any:
    return reshape(a, shape) if isinstance(a, Tensor) else np.reshape(a, shape)


def astype_(x: Any, dtype: Any, /, *, copy: bool = True, device: Any = None) -> Any:
    """``np.astype(x, dtype)``: differentiable between floating dtypes; integer and boolean results are constants."""
    if device not in (None, "cpu"):
        raise UnsupportedArgumentError(f"astype: device={device!r} is not supported (only 'cpu')")
    if not copy and np.dtype(dtype) == _dtype(x):
        return x
    return astype(x, dtype)


# -- dimensions -----------------------------------------------------------------------------------------
def _atleast(arys: tuple, nd: int) -> Any:
    out = []
    for a in arys:
        a = operand(a)
        shape = shape_of(a)
        if len(shape) < nd:
            if nd == 3 and len(shape) == 2:
                shape = (*shape, 1)
            elif nd == 3 and len(shape) == 1:
                shape = (1, *shape, 1)
            else:
                shape = (1,) * (nd - len(shape)) + shape
            a = _reshape_any(a, shape)
        out.append(a)
    return out[0] if len(out) == 1 else tuple(out)


def atleast_1d(*arys: Any) -> Any:
    """Each input with at least one dimension (as ``np.atleast_1d``; a tuple for several inputs)."""
    return _atleast(arys, 1)


def atleast_2d(*arys: Any) -> Any:
    """Each input with at least two dimensions (a 1-D ``(n,)`` becomes ``(1, n)``)."""
    return _atleast(arys, 2)


def atleast_3d(*arys: Any) -> Any:
    """Each input with at least three dimensions (``(n,)`` becomes ``(1, n, 1)``, ``(m, n)`` ``(m, n, 1)``)."""
    return _atleast(arys, 3)


# -- joining ----------------------------------------------------------------------------------------------
def _stand_in(a: Any, axis: int) -> np.ndarray:
    """An empty array with ``a``'s dtype and shape but for ``axis`` (of length 0): NumPy's checks, no copying."""
    shape = list(shape_of(a))
    if -len(shape) <= axis < len(shape):
        shape[axis] = 0
    return np.empty(shape, _dtype(a))


def _join(arrays: list, axis: int, dtype: Any, casting: str) -> Any:
    if dtype is not None or casting != "same_kind":
        # NumPy's own checks of the shapes and the cast, in its order (and its errors), on empty stand-ins
        np.concatenate([_stand_in(a, axis) for a in arrays], axis=axis, dtype=dtype, casting=casting)
        if dtype is not None:
            arrays = [_cast(a, np.dtype(dtype)) for a in arrays]
    return concatenate(arrays, axis=axis)


def _sequence(tup: Any) -> list:
    if not hasattr(tup, "__getitem__"):
        raise TypeError('arrays to stack must be passed as a "sequence" type such as list or tuple.')
    tup = list(tup)
    if not tup:
        raise InvalidArgumentError("need at least one array to concatenate")
    return list(tup)


def hstack(tup: Any, *, dtype: Any = None, casting: str = "same_kind") -> Any:
    """Join along the second axis (the first for 1-D inputs), as ``np.hstack``."""
    arrs = atleast_1d(*_sequence(tup))
    arrs = list(arrs) if isinstance(arrs, tuple) else [arrs]
    return _join(arrs, 0 if len(shape_of(arrs[0])) == 1 else 1, dtype, casting)


def vstack(tup: Any, *, dtype: Any = None, casting: str = "same_kind") -> Any:
    """Join along the first axis after making the inputs at least 2-D, as ``np.vstack``."""
    arrs = atleast_2d(*_sequence(tup))
    return _join(list(arrs) if isinstance(arrs, tuple) else [arrs], 0, dtype, casting)


def row_stack(tup: Any, *, dtype: Any = None, casting: str = "same_kind") -> Any:
    """``np.row_stack``, NumPy's deprecated alias of ``vstack``."""
    warnings.warn("`row_stack` alias is deprecated. Use `np.vstack` directly.", DeprecationWarning, stacklevel=3)
    return vstack(tup, dtype=dtype, casting=casting)


def dstack(tup: Any) -> Any:
    """Join along the third axis after making the inputs at least 3-D, as ``np.dstack``."""
    arrs = atleast_3d(*_sequence(tup))
    return concatenate(list(arrs) if isinstance(arrs, tuple) else [arrs], axis=2)


def column_stack(tup: Any) -> Any:
    """Join 1-D inputs as columns (2-D inputs as they are), as ``np.column_stack``."""
    arrs = []
    for a in _sequence(tup):
        a = operand(a)
        nd = len(shape_of(a))
        if nd < 2:
            a = reshape(a, (-1, 1)) if nd == 1 else reshape(a, (1, 1))
        arrs.append(a)
    return concatenate(arrs, axis=1)


def _block_numbers(arrays: Any, leaves: list, count: list) -> Any:
    """``arrays`` with every leaf (collected in ``leaves``) replaced by its element numbers, counting on from the
    previous leaves' (``count`` holds the running total; tuples stay tuples, for NumPy to refuse)."""
    if type(arrays) in (list, tuple):
        return type(arrays)(_block_numbers(a, leaves, count) for a in arrays)  # (a literal's nesting, not a graph)
    a = operand(arrays)
    leaves.append(a)
    numbers = _numbers(a, count[0])
    count[0] += numbers.size
    return numbers


def block(arrays: Any) -> Any:
    """Assemble an array from nested lists of blocks, as ``np.block``.

    >>> import chainrule as cr
    >>> cr.block([[cr.tensor([[1.0]]), cr.tensor([[2.0]])]]).shape
    (1, 2)
    """
    leaves: list = []
    index = np.block(_block_numbers(arrays, leaves, [0]))  # NumPy's checks, errors and layout, on the numbers
    flat = concatenate([ravel(a) for a in leaves]) if len(leaves) > 1 else ravel(leaves[0])
    return getitem(flat, index)


# -- splitting ----------------------------------------------------------------------------------------------
def hsplit(ary: Any, indices_or_sections: Any) -> list:
    """Split along the second axis (the first for 1-D), as ``np.hsplit``."""
    ary = operand(ary)
    nd = len(shape_of(ary))
    if nd == 0:
        raise InvalidArgumentError("hsplit only works on arrays of 1 or more dimensions")
    return split(ary, indices_or_sections, axis=1 if nd > 1 else 0)


def vsplit(ary: Any, indices_or_sections: Any) -> list:
    """Split along the first axis of an array of 2 or more dimensions, as ``np.vsplit``."""
    ary = operand(ary)
    if len(shape_of(ary)) < 2:
        raise InvalidArgumentError("vsplit only works on arrays of 2 or more dimensions")
    return split(ary, indices_or_sections, axis=0)


def dsplit(ary: Any, indices_or_sections: Any) -> list:
    """Split along the third axis of an array of 3 or more dimensions, as ``np.dsplit``."""
    ary = operand(ary)
    if len(shape_of(ary)) < 3:
        raise InvalidArgumentError("dsplit only works on arrays of 3 or more dimensions")
    return split(ary, indices_or_sections, axis=2)


def unstack(x: Any, /, *, axis: int = 0) -> tuple:
    """The slices along ``axis``, as a tuple (as ``np.unstack``)."""
    x = operand(x)
    nd = len(shape_of(x))
    if nd == 0:
        raise InvalidArgumentError("Input array must be at least 1-d.")
    a = np.lib.array_utils.normalize_axis_index(operator.index(axis), nd)
    lead = (slice(None),) * a
    return tuple(getitem(x, (*lead, i)) for i in range(shape_of(x)[a]))


# -- flips and rotations ------------------------------------------------------------------------------------
def fliplr(m: Any) -> Any:
    """Reverse the columns (the second axis), as ``np.fliplr``."""
    m = operand(m)
    if len(shape_of(m)) < 2:
        raise InvalidArgumentError("Input must be >= 2-d.")
    return flip(m, 1)


def flipud(m: Any) -> Any:
    """Reverse the rows (the first axis), as ``np.flipud``."""
    m = operand(m)
    if len(shape_of(m)) < 1:
        raise InvalidArgumentError("Input must be >= 1-d.")
    return flip(m, 0)


def rot90(m: Any, k: int = 1, axes: Any = (0, 1)) -> Any:
    """Rotate by 90 degrees ``k`` times in the plane of ``axes``, as ``np.rot90``."""
    axes = tuple(axes)
    if len(axes) != 2:
        raise InvalidArgumentError("len(axes) must be 2.")
    m = operand(m)
    nd = len(shape_of(m))
    if axes[0] == axes[1] or builtins.abs(axes[0] - axes[1]) == nd:
        raise InvalidArgumentError("Axes must be different.")
    if axes[0] >= nd or axes[0] < -nd or axes[1] >= nd or axes[1] < -nd:
        raise InvalidArgumentError(f"Axes={axes} out of range for array of ndim={nd}.")
    k = k % 4  # (as NumPy: a float k works, and one that is not 0, 1 or 2 turns as 3)
    if k == 0:
        return getitem(m, (slice(None),))
    if k == 2:
        return flip(flip(m, axes[0]), axes[1])
    perm = list(range(nd))
    perm[axes[0]], perm[axes[1]] = perm[axes[1]], perm[axes[0]]
    if k == 1:
        return transpose(flip(m, axes[1]), tuple(perm))
    return flip(transpose(m, tuple(perm)), axes[1])


# -- broadcasting -------------------------------------------------------------------------------------------
def broadcast_arrays(*args: Any, subok: bool = False) -> tuple:
    """All inputs broadcast to their common shape, as ``np.broadcast_arrays`` (a tuple)."""
    args = [operand(a) for a in args]
    shape = np.broadcast_shapes(*[shape_of(a) for a in args])
    return tuple(
        broadcast_to(a, shape) if isinstance(a, Tensor) else np.broadcast_to(a, shape, subok=subok) for a in args
    )


def meshgrid(*xi: Any, copy: bool = True, sparse: bool = False, indexing: str = "xy") -> tuple | list:
    """Coordinate arrays from coordinate vectors, as ``np.meshgrid`` (a tuple)."""
    if indexing not in ["xy", "ij"]:
        raise InvalidArgumentError("Valid values for `indexing` are 'xy' and 'ij'.")
    ndim = len(xi)
    s0 = (1,) * ndim
    shapes = [s0[:i] + (-1,) + s0[i + 1 :] for i in range(ndim)]
    if indexing == "xy" and ndim > 1:
        shapes[0] = (1, -1) + s0[2:]
        shapes[1] = (-1, 1) + s0[2:]
    output = [_reshape_any(operand(x), s) for x, s in zip(xi, shapes, strict=True)]
    if not sparse:
        output = broadcast_arrays(*output)
    if copy:
        output = tuple(_copy(x) for x in output)
    return output  # (a list when sparse and not copied, as NumPy's)


# -- inserting, deleting, selecting ---------------------------------------------------------------------------
def append(arr: Any, values: Any, axis: Any = None) -> Any:
    """``values`` appended to ``arr`` (both flattened when ``axis`` is None), as ``np.append``."""
    arr, values = operand(arr), operand(values)
    if axis is None:
        if len(shape_of(arr)) != 1:
            arr = ravel(arr)
        values = ravel(values)
        axis = len(shape_of(arr)) - 1
    return concatenate([arr, values], axis=axis)


def insert(arr: Any, obj: Any, values: Any, axis: Any = None) -> Any:
    """``values`` inserted before the positions ``obj`` along ``axis`` (as ``np.insert``; the result has
    ``arr``'s dtype). Both ``arr`` and ``values`` get their gradients."""
    arr, values = operand(arr), operand(values)
    numbers = _numbers(arr)
    index = np.insert(numbers, data_of(obj), _numbers(values, numbers.size), axis=axis)
    values = _cast(values, _dtype(arr))
    return getitem(concatenate([ravel(arr), ravel(values)]), index)


def delete(arr: Any, obj: Any, axis: Any = None) -> Any:
    """``arr`` without the sub-arrays at ``obj`` along ``axis`` (flattened when None), as ``np.delete``."""
    arr = operand(arr)
    return _gather(arr, np.delete(_numbers(arr), data_of(obj), axis=axis))


def resize(a: Any, new_shape: Any) -> Any:
    """``a``'s elements repeated (flattened, in order) to fill ``new_shape``, as ``np.resize``; the gradients
    of the copies add up. An empty ``a`` gives zeros, as in NumPy."""
    a = operand(a)
    index = np.resize(_numbers(a), new_shape)
    if not isinstance(a, Tensor):
        return np.resize(a, new_shape)
    if not a.size:  # NumPy fills with zeros (still connected to a, which has no elements to get a gradient)
        return _cast(broadcast_to(_sum(a), index.shape), _dtype(a))  # (a sum of booleans is an integer)
    return getitem(ravel(a), index)


def compress(condition: Any, a: Any, axis: Any = None, out: Any = None) -> Any:
    """The slices of ``a`` along ``axis`` where ``condition`` is true, as ``np.compress``."""
    if out is not None:
        raise UnsupportedArgumentError("compress: out= is not supported on tensors")
    a = operand(a)
    return _gather(a, np.compress(np.asarray(data_of(condition)), _numbers(a), axis=axis))


def extract(condition: Any, arr: Any) -> Any:
    """The elements of ``arr`` where ``condition`` is true (both flattened), as ``np.extract``."""
    arr = operand(arr)
    return _gather(arr, np.extract(np.asarray(data_of(condition)), _numbers(arr)))


def _weak(x: Any) -> Any:
    """``x`` for NumPy's dtype rules: Python scalars stay weak, anything else becomes an array."""
    return x if type(x) in (int, float, complex) else np.asarray(data_of(x))


def select(condlist: Any, choicelist: Any, default: Any = 0) -> Any:
    """The element of the first choice whose condition is true, ``default`` where none is (as ``np.select``).
    The chosen choice gets the gradient of each element; ``default`` gets it where no condition holds."""
    condlist, choicelist = list(condlist), list(choicelist)
    if len(condlist) != len(choicelist):
        raise InvalidArgumentError("list of cases must be same length as list of conditions")
    if len(condlist) == 0:
        raise InvalidArgumentError("select with an empty condition list is not possible")
    try:
        dtype = np.result_type(*[_weak(c) for c in choicelist], _weak(default))
    except TypeError as e:
        raise TypeError(f"Choicelist and default value do not have a common dtype: {e}") from None
    conds = np.broadcast_arrays(*[np.asarray(data_of(c)) for c in condlist])
    for i, cond in enumerate(conds):
        if cond.dtype.type is not np.bool_:
            raise TypeError(f"invalid entry {i} in condlist: should be boolean ndarray")
    shape = np.broadcast_shapes(conds[0].shape, *[np.shape(data_of(c)) for c in [*choicelist, default]])
    default = operand(default) if type(default) in (list, tuple) else default  # (a list holding tensors)
    out = default if isinstance(default, Tensor) else np.asarray(default, dtype=dtype)
    for cond, choice in zip(conds[::-1], choicelist[::-1], strict=True):
        out = where(cond, choice, out)
    out = broadcast_to(out, shape) if shape_of(out) != shape else out
    if _dtype(out) != dtype:
        out = astype(out, dtype)
    return out


def choose(a: Any, choices: Any, out: Any = None, mode: str = "raise") -> Any:
    """``choices[a[i]][i]`` at every position (all broadcast together), as ``np.choose``."""
    if out is not None:
        raise UnsupportedArgumentError("choose: out= is not supported on tensors")
    a = np.asarray(data_of(a))
    choices = [operand(c) if type(c) not in (int, float) else c for c in choices]
    # NumPy's dtype (Python scalars stay weak) and its checks of a and mode, on stand-ins
    stand_ins = [c if type(c) in (int, float) else np.zeros((), _dtype(c)) for c in choices]
    dtype = np.choose(np.zeros((), np.intp), stand_ins).dtype if choices else None
    count, numbered = 0, []
    for c in choices:
        numbers = _numbers(np.asarray(c) if type(c) in (int, float) else c, count)
        count += numbers.size
        numbered.append(numbers)
    index = np.choose(a, numbered, mode=mode)
    flat = concatenate([_cast(ravel(np.asarray(c) if type(c) in (int, float) else c), dtype) for c in choices])
    return getitem(flat, index)


def trim_zeros(filt: Any, trim: str = "fb", axis: Any = None) -> Any:
    """``filt`` without its leading and/or trailing zeros (along every axis, or those of ``axis``), as
    ``np.trim_zeros``: the values decide the slice, the kept part gets gradient 1."""
    filt = operand(filt)
    values = np.asarray(data_of(filt))
    trim = trim.lower()
    if trim not in {"fb", "bf", "f", "b"}:
        raise InvalidArgumentError(f"unexpected character(s) in `trim`: {trim!r}")
    if axis is None:
        axes = tuple(range(values.ndim))
    else:
        axes = np.lib.array_utils.normalize_axis_tuple(axis, values.ndim, argname="axis")
    if not axes:
        return filt
    nonzero = np.argwhere(values)
    if nonzero.size == 0:
        start = stop = [0] * values.ndim
    else:
        start = nonzero.min(axis=0).tolist() if "f" in trim else [None] * values.ndim
        stop = (nonzero.max(axis=0) + 1).tolist() if "b" in trim else [None] * values.ndim
    index = tuple(slice(start[d], stop[d]) if d in axes else slice(None) for d in range(values.ndim))
    return getitem(filt, index)


def partition(a: Any, kth: Any, axis: Any = -1, kind: str = "introselect", order: Any = None) -> Any:
    """``a`` rearranged so that the ``kth`` elements are where a sort would put them (smaller ones before,
    larger after), as ``np.partition``: computed as ``take_along_axis`` with NumPy's ``argpartition``, so the
    gradient follows that very permutation."""
    if order is not None:
        raise UnsupportedArgumentError("partition: order= (structured arrays) is not supported on tensors")
    a = operand(a)
    if axis is None:
        a, axis = ravel(a), -1
    np.lib.array_utils.normalize_axis_index(operator.index(axis), len(shape_of(a)))  # NumPy's AxisError
    values = np.asarray(data_of(a))
    index = np.argpartition(values, data_of(kth), axis=axis, kind=kind)
    expected = np.partition(values, data_of(kth), axis=axis, kind=kind)
    if not np.array_equal(np.take_along_axis(values, index, axis=axis), expected, equal_nan=values.dtype.kind in "fc"):
        # NumPy's partition and argpartition may order the elements besides the kth differently (float16 does):
        # the k-th smallest of partition's result is the k-th smallest of the input, so match the two sorted orders
        sorted_values = np.argsort(values, axis=axis, kind="stable")
        index = np.empty_like(sorted_values)
        np.put_along_axis(index, np.argsort(expected, axis=axis, kind="stable"), sorted_values, axis=axis)
    return take_along_axis(a, index, axis=axis)


def unique(
    ar: Any,
    return_index: bool = False,
    return_inverse: bool = False,
    return_counts: bool = False,
    axis: Any = None,
    *,
    equal_nan: bool = True,
    sorted: bool = True,  # noqa: A002  (NumPy's name)
) -> Any:
    """The unique values (or slices along ``axis``), as ``np.unique``, with NumPy's optional index, inverse and
    count arrays. Each unique value's gradient goes to its first occurrence (the element ``return_index``
    names), as JAX's ``unique``."""
    ar = operand(ar)
    values = np.asarray(data_of(ar))
    asked = (return_index, return_inverse, return_counts)
    if values.dtype.kind not in "fc" or not isinstance(ar, Tensor):  # integers and booleans are constants
        result = np.unique(values, *asked, axis=axis, equal_nan=equal_nan, sorted=sorted)
        if not isinstance(ar, Tensor):
            return result
        if not isinstance(result, tuple):
            return Tensor._wrap(result, None, False)
        return (Tensor._wrap(result[0], None, False), *result[1:])
    if axis is None and not return_index:
        # NumPy's own result, each value read from the first element holding exactly its bits: without return_index
        # NumPy sorts unstably (and sorted=False may order by hashing), so of equal values (0.0 and -0.0, NaNs) it may
        # keep another than the first occurrence
        from .setops import _gather

        plain = np.unique(values, False, return_inverse, return_counts, equal_nan=equal_nan, sorted=sorted)
        if not isinstance(plain, tuple):
            return _gather(plain, ar)
        return (_gather(plain[0], ar), *plain[1:])
    result = np.unique(values, True, return_inverse, return_counts, axis=axis, equal_nan=equal_nan, sorted=sorted)
    if not sorted and not return_index:
        # NumPy may order the values of an unsorted unique differently when no index is asked for (by hashing)
        plain = np.unique(values, False, return_inverse, return_counts, axis=axis, equal_nan=equal_nan, sorted=False)
        if not np.array_equal(plain[0] if isinstance(plain, tuple) else plain, result[0], equal_nan=True):
            raise UnsupportedArgumentError(
                "unique: this NumPy orders unique(..., sorted=False) by hashing, which chainrule cannot follow; "
                "use sorted=True"
            )
    first = result[1]
    out = take(ar, first, axis=axis)
    extra = []
    if return_index:
        extra.append(first)
    extra.extend(result[2:])
    return (out, *extra) if extra else out


def _result_type(func: Any) -> Any:
    return type(func(np.zeros(1)))  # NumPy's named tuple of that function (UniqueAllResult ...)


def unique_values(x: Any, /) -> Any:
    """``np.unique_values``: ``unique(x, equal_nan=False, sorted=False)``."""
    return unique(x, equal_nan=False, sorted=False)


def unique_counts(x: Any, /) -> Any:
    """``np.unique_counts``: the named tuple ``(values, counts)``."""
    return _result_type(np.unique_counts)(*unique(x, return_counts=True, equal_nan=False))


def unique_inverse(x: Any, /) -> Any:
    """``np.unique_inverse``: the named tuple ``(values, inverse_indices)``."""
    return _result_type(np.unique_inverse)(*unique(x, return_inverse=True, equal_nan=False))


def unique_all(x: Any, /) -> Any:
    """``np.unique_all``: the named tuple ``(values, indices, inverse_indices, counts)``."""
    return _result_type(np.unique_all)(*unique(x, True, True, True, equal_nan=False))
