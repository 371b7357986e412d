"""NumPy's set operations on 1-D values with tensor arguments: ``np.intersect1d``, ``np.union1d``, ``np.setdiff1d``,
``np.setxor1d``; composed from chainrule operations (no rules of their own).

Every value of their results is an element of the inputs (sorted unique values), so each is computed by NumPy on the
values (its values, dtype, order and errors, by construction) and then gathered from the inputs: the gradient is a
scatter-add back. Which element a value is read from follows ``np.unique``'s rule: the first element of
``concatenate((ar1.ravel(), ar2.ravel()))`` that holds exactly that value (its bits, after the cast to the result's
dtype). So a value in both arrays of ``intersect1d`` or ``union1d`` is read from ``ar1`` (its first occurrence, the
index ``return_indices`` gives for ``ar1``), and later copies get no gradient.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from ._base import data_of
from .order import operand
from .shape import astype, concatenate, getitem, ravel


def _bits(values: np.ndarray) -> np.ndarray:
    """The values as unsigned integers of their width (so that -0.0 and 0.0, and NaNs, are told apart)."""
    values = np.ascontiguousarray(values)
    if values.dtype.kind == "f":
        return values.view(f"u{values.dtype.itemsize}")
    return values


def _gather(expected: np.ndarray, *arrays: Any, tensors: bool = True) -> Any:
    """``expected`` (NumPy's result) read from the first element of the raveled ``arrays`` holding each value (a
    constant tensor where none of them is a tensor, though ``tensors`` says an argument was)."""
    if not any(isinstance(a, Tensor) for a in arrays):
        return Tensor._wrap(expected, None, False) if tensors else expected
    if expected.dtype.kind != "f":  # integers and booleans are constants
        return Tensor._wrap(expected, None, False)
    parts = [ravel(a) for a in arrays]
    parts = [p if np.result_type(data_of(p)) == expected.dtype else astype(p, expected.dtype) for p in parts]
    src = parts[0] if len(parts) == 1 else concatenate(parts)
    if not isinstance(src, Tensor):
        return Tensor._wrap(expected, None, False)
    src_bits = _bits(np.asarray(data_of(src)))
    want_bits = _bits(expected)
    order = np.argsort(src_bits, kind="stable")  # the elements grouped by bit pattern, each group in input order
    held = src_bits[order]
    # a pattern that NumPy's result repeats (the NaNs of unique(..., equal_nan=False)) takes the next element each time
    by_want = np.argsort(want_bits, kind="stable")
    repeat = np.empty(want_bits.size, dtype=np.intp)
    repeat[by_want] = np.arange(want_bits.size) - np.searchsorted(want_bits[by_want], want_bits[by_want])
    pos = np.searchsorted(held, want_bits) + repeat
    if pos.size and (pos.max() >= held.size or not np.array_equal(held[pos], want_bits)):  # (every value is an input's)
        return Tensor._wrap(expected, None, False)
    return getitem(src, order[pos])


def intersect1d(ar1: Any, ar2: Any, assume_unique: bool = False, return_indices: bool = False) -> Any:
    """The sorted unique values in both arrays (as ``np.intersect1d``); each value's gradient goes to its first
    occurrence in ``ar1``."""
    ar1, ar2 = operand(ar1), operand(ar2)
    expected = np.intersect1d(data_of(ar1), data_of(ar2), assume_unique, return_indices)
    if return_indices:
        return (_gather(expected[0], ar1, ar2), expected[1], expected[2])
    return _gather(expected, ar1, ar2)


def union1d(ar1: Any, ar2: Any) -> Any:
    """The sorted unique values in either array (as ``np.union1d``); each value's gradient goes to its first
    occurrence in ``ar1``, else in ``ar2``."""
    ar1, ar2 = operand(ar1), operand(ar2)
    return _gather(np.union1d(data_of(ar1), data_of(ar2)), ar1, ar2)


def setdiff1d(ar1: Any, ar2: Any, assume_unique: bool = False) -> Any:
    """The sorted unique values of ``ar1`` not in ``ar2`` (as ``np.setdiff1d``): read from ``ar1`` (first
    occurrences); ``ar2`` only decides which, so it gets no gradient."""
    ar1, ar2 = operand(ar1), operand(ar2)
    expected = np.setdiff1d(data_of(ar1), data_of(ar2), assume_unique)
    return _gather(expected, ar1, tensors=isinstance(ar1, Tensor) or isinstance(ar2, Tensor))


def setxor1d(ar1: Any, ar2: Any, assume_unique: bool = False) -> Any:
    """The sorted unique values in exactly one of the arrays (as ``np.setxor1d``), each read from its first
    occurrence in that array."""
    ar1, ar2 = operand(ar1), operand(ar2)
    return _gather(np.setxor1d(data_of(ar1), data_of(ar2), assume_unique), ar1, ar2)


__all__ = ["intersect1d", "setdiff1d", "setxor1d", "union1d"]
