"""Operations that reorder elements by position or by rank, or keep them by position.

Each moves (or zeroes) elements without changing their values, so each gradient moves ``g`` back:

=============================  =============================================================
op                             gradient of the input
=============================  =============================================================
flip(x, axis)                  g flipped the same way
roll(x, shift, axis)           g rolled back by -shift
sort(x, axis)                  g scattered back by the sorting permutation (a stable sort: equal
                               values keep their order, so the permutation is well defined)
triu(x, k), tril(x, k)         g with the same triangle kept (summed over the rows for a 1-D x,
                               which NumPy broadcasts to a square)
=============================  =============================================================
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from ..errors import AxisError, InvalidArgumentError, UnsupportedArgumentError
from ..tensor import Tensor, _lift
from ._base import data_of, defprim
from .shape import ravel, take_along_axis


def operand(x: Any) -> Any:
    """``x`` as a tensor or an array: a list holding tensors is stacked, as every primitive's input is (``np.asarray``
    would turn the tensors into plain values and drop their gradients)."""
    if isinstance(x, Tensor):
        return x
    if type(x) in (list, tuple):
        x = _lift(x)
        if isinstance(x, Tensor):
            return x
    return np.asarray(x)


def one_axis(axis: Any, ndim: int, op: str) -> int:
    """``axis`` (a single int, negatives allowed) as a non-negative int, or an :class:`AxisError` naming ``op``."""
    a = operator.index(axis)  # (a tuple is a TypeError, as in NumPy)
    if not -ndim <= a < ndim:
        raise AxisError(
            f"{op}: axis {a} is out of range for an array with {ndim} dimension(s); use an axis from {-ndim} to "
            f"{ndim - 1}"
        )
    return a % ndim


# -- flip and roll -------------------------------------------------------------------------------------
def _flip_forward(x: np.ndarray, axis: Any = None) -> np.ndarray:
    return np.flip(x, axis)


_flip = defprim("flip", _flip_forward, vjp=lambda g, ans, x, axis=None: flip(g, axis), jvp="linear")


def flip(x: Any, axis: Any = None) -> Any:
    """Reverse the order of elements along ``axis`` (all axes when None), as ``np.flip``.

    >>> import chainrule as cr
    >>> cr.flip(cr.tensor([1.0, 2.0, 3.0]))
    tensor([3., 2., 1.])
    """
    if axis is not None:
        axis = operator.index(axis) if np.ndim(axis) == 0 else tuple(operator.index(a) for a in axis)
    return _flip(x, axis=axis)


def _roll_forward(x: np.ndarray, shift: Any, axis: Any = None) -> np.ndarray:
    return np.roll(x, shift, axis)


def _negated(shift: Any) -> Any:
    return tuple(-s for s in shift) if isinstance(shift, tuple) else -shift


_roll = defprim(
    "roll",
    _roll_forward,
    vjp=lambda g, ans, x, shift, axis=None: _roll(g, shift=_negated(shift), axis=axis),
    jvp="linear",
)


def roll(x: Any, shift: Any, axis: Any = None) -> Any:
    """Shift elements along ``axis`` cyclically (the flattened array when None), as ``np.roll``.

    >>> import chainrule as cr
    >>> cr.roll(cr.tensor([1.0, 2.0, 3.0]), 1)
    tensor([3., 1., 2.])
    """
    shift = operator.index(shift) if np.ndim(shift) == 0 else tuple(operator.index(s) for s in shift)
    if axis is not None:
        axis = operator.index(axis) if np.ndim(axis) == 0 else tuple(operator.index(a) for a in axis)
    return _roll(x, shift=shift, axis=axis)


# -- sort ------------------------------------------------------------------------------------------------
def _sort_forward(x: np.ndarray, perm: np.ndarray, axis: int) -> np.ndarray:
    return np.take_along_axis(x, perm, axis)  # (perm: the stable argsort, computed once by sort())


def _sort_vjp(g: Any, ans: Any, x: Any, perm: np.ndarray, axis: int) -> Any:
    # each sorted element sends its gradient back to where it came from
    if type(g) is np.ndarray:
        out = np.empty(g.shape, dtype=g.dtype)
        np.put_along_axis(out, perm, g, axis)
        return out
    inverse = np.empty_like(perm)
    ranks = np.arange(perm.shape[axis]).reshape((-1,) + (1,) * (perm.ndim - axis - 1))
    np.put_along_axis(inverse, perm, np.broadcast_to(ranks, perm.shape), axis)
    return take_along_axis(g, inverse, axis)  # (a gather: differentiable again)


_sort = defprim("sort", _sort_forward, vjp=_sort_vjp, jvp="linear")
_KINDS = (None, "quicksort", "mergesort", "heapsort", "stable")


def sort(x: Any, axis: Any = -1, kind: Any = None, order: Any = None, *, stable: Any = None) -> Any:
    """A sorted copy along ``axis`` (the flattened array when None), as ``np.sort``.

    The gradient goes back to where each element came from. The sort is stable: equal values keep their order
    (also for ``kind="quicksort"``: the values are the same, and the gradient needs a definite permutation).

    >>> import chainrule as cr
    >>> x = cr.tensor([3.0, 1.0, 2.0], requires_grad=True)
    >>> (cr.sort(x) * cr.tensor([1.0, 10.0, 100.0])).sum().backward()
    >>> x.grad
    array([100.,   1.,  10.])
    """
    if order is not None:
        raise UnsupportedArgumentError("sort: order= sorts structured arrays by field; tensors have no fields")
    if kind not in _KINDS:
        raise InvalidArgumentError(f"sort: kind must be one of {_KINDS[1:]}, got {kind!r}")
    x = operand(x)
    if axis is None:
        x = ravel(x)
        axis = 0
    xd = np.asarray(data_of(x))
    a = one_axis(axis, xd.ndim, "sort")
    return _sort(x, perm=np.argsort(xd, axis=a, kind="stable"), axis=a)


# -- triangles ---------------------------------------------------------------------------------------------
def _triu_forward(x: np.ndarray, k: int = 0) -> np.ndarray:
    return np.triu(x, k)


def _tril_forward(x: np.ndarray, k: int = 0) -> np.ndarray:
    return np.tril(x, k)


# (for a 1-D x NumPy broadcasts it to a square first: the engine sums the square gradient back over the rows)
_triu = defprim("triu", _triu_forward, vjp=lambda g, ans, x, k=0: _triu(g, k=k), jvp="linear")
_tril = defprim("tril", _tril_forward, vjp=lambda g, ans, x, k=0: _tril(g, k=k), jvp="linear")


def triu(m: Any, k: int = 0) -> Any:
    """The upper triangle of the last two axes (zeros below diagonal ``k``), as ``np.triu``.

    >>> import chainrule as cr
    >>> cr.triu(cr.tensor([[1.0, 2.0], [3.0, 4.0]]))
    tensor([[1., 2.],
            [0., 4.]])
    """
    return _triu(m, k=operator.index(k))


def tril(m: Any, k: int = 0) -> Any:
    """The lower triangle of the last two axes (zeros above diagonal ``k``), as ``np.tril``.

    >>> import chainrule as cr
    >>> cr.tril(cr.tensor([[1.0, 2.0], [3.0, 4.0]]), -1)
    tensor([[0., 0.],
            [3., 0.]])
    """
    return _tril(m, k=operator.index(k))
