"""Cumulative sums and products, and differences along an axis.

=========================  ============================================================================
op                         gradient of the input (g is dL/d(result))
=========================  ============================================================================
cumsum(x, axis)            the reversed cumulative sum of g: x_i feeds every result from i on
cumprod(x, axis)           sum over j >= i of g_j * (the product of x_0 .. x_j without x_i), exact with
                           zeros: revcumsum(g * out) / x before a slice's first zero, the products of the
                           others at the first zero, 0 after it (PyTorch's way; see _cumprod_vjp_array)
diff(x, n, axis)           composed: x[1:] - x[:-1], n times (prepend / append joined first)
nancumsum, nancumprod      composed: NaN read as 0 (as 1), so their gradient there is 0
=========================  ============================================================================
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import InvalidArgumentError
from ..tensor import Tensor
from ._base import data_of, defprim, shape_of
from .elementwise import where
from .order import flip, one_axis, operand
from .reduce import sum
from .shape import broadcast_to, concatenate, expand_dims, getitem, moveaxis, ravel, reshape


def _along(x: Any, axis: Any, op: str) -> tuple[Any, int]:
    """``x`` and its one axis, as NumPy's cumulative functions read them: None flattens, and a 0-d array counts
    as one element (``np.cumsum(np.array(2.0), axis=0)`` is ``[2.]``)."""
    x = operand(x)
    if axis is None:
        return ravel(x), 0
    if not shape_of(x):
        x = reshape(x, (1,))
    return x, one_axis(axis, len(shape_of(x)), op)


def _constant(x: Any, out: np.ndarray) -> Any:
    # a result in an integer dtype asked for by dtype=: rounded, so a constant (as a cast to an integer dtype)
    return Tensor._wrap(out, None, False) if isinstance(x, Tensor) else out


def _reversed_cumsum(g: Any, axis: int) -> Any:
    """sum over j >= i of g_j, at every i."""
    if type(g) is np.ndarray:
        return np.flip(np.cumsum(np.flip(g, axis), axis=axis), axis)
    return flip(_cumsum(flip(g, axis), axis=axis), axis)


# -- cumsum --------------------------------------------------------------------------------------------
def _cumsum_forward(x: np.ndarray, axis: int, dtype: Any = None) -> np.ndarray:
    return np.cumsum(x, axis=axis, dtype=dtype)


_cumsum = defprim(
    "cumsum", _cumsum_forward, vjp=lambda g, ans, x, axis, dtype=None: _reversed_cumsum(g, axis), jvp="linear"
)


def cumsum(x: Any, axis: Any = None, dtype: Any = None) -> Any:
    """Running sums along ``axis`` (of the flattened array when None), as ``np.cumsum``.

    >>> import chainrule as cr
    >>> cr.cumsum(cr.tensor([1.0, 2.0, 3.0]))
    tensor([1., 3., 6.])
    """
    x, axis = _along(x, axis, "cumsum")
    if dtype is not None and np.dtype(dtype).kind not in "fc":
        return _constant(x, np.cumsum(data_of(x), axis=axis, dtype=dtype))
    return _cumsum(x, axis=axis, dtype=dtype)


# -- cumprod -------------------------------------------------------------------------------------------
def _cumprod_forward(x: np.ndarray, axis: int, dtype: Any = None) -> np.ndarray:
    return np.cumprod(x, axis=axis, dtype=dtype)


def _zeros_along(x: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Masks of each slice: before its first zero, at its first zero, strictly between its first and second."""
    zero = x == 0
    seen = np.cumsum(zero, axis=axis)  # how many zeros up to here (inclusive)
    at_one = seen == 1
    return seen == 0, at_one & zero, at_one & ~zero


def _cumprod_vjp_array(g: np.ndarray, ans: np.ndarray, x: np.ndarray, axis: int) -> np.ndarray:
    """d L / d x_i = sum_{j >= i} g_j prod_{k <= j, k != i} x_k, in O(n), exact when slices hold zeros.

    Before a slice's first zero z, every product that reaches past z is 0, and the rest equal out_j / x_i with x_i
    nonzero: revcumsum(g * out) / x. At z itself: prod_{k < z} x_k * (g_z + sum_{z < j < z2} g_j prod_{z < k <= j}
    x_k), z2 the second zero. After z every product holds x_z = 0. (PyTorch's cumprod_backward does the same.)
    """
    w = g * ans
    before, first, between = _zeros_along(x, axis)
    if before.all():  # no zero anywhere
        return _reversed_cumsum(w, axis) / x
    out = np.where(before, _reversed_cumsum(np.where(before, w, 0), axis) / np.where(before, x, 1), 0)
    after_z = np.cumprod(np.where(between, x, 1), axis=axis)  # at j in (z, z2): prod_{z < k <= j} x_k
    tail = np.sum(np.where(between, g * after_z, 0), axis=axis, keepdims=True)
    head = np.cumprod(np.where(before, x, 1), axis=axis)  # at z: prod_{k < z} x_k
    return np.where(first, head * (g + tail), out)


def _others_upto(x: Any, axis: int) -> tuple[Any, np.ndarray]:
    """c[..., i, j] = prod_{k <= j, k != i} x_k with the axis moved last, from differentiable pieces, and the
    mask j >= i where x_i takes part in result j. O(n**2): used only where a gradient is itself differentiated."""
    n = shape_of(x)[axis]
    rows = where(np.eye(n, dtype=bool), 1.0, expand_dims(moveaxis(x, axis, -1), -2))  # row i: x with x_i -> 1
    return cumprod(rows, axis=-1), np.triu(np.ones((n, n), dtype=bool))


def _cumprod_vjp(g: Any, ans: Any, x: Any, axis: int, dtype: Any = None) -> Any:
    if not isinstance(x, Tensor) and not isinstance(g, Tensor):
        return _cumprod_vjp_array(np.asarray(g), np.asarray(ans), np.asarray(x), axis)
    # recording the backward pass: a formula whose own derivative is right too. Without zeros the division is;
    # with zeros the masked formula is not (it drops how the elements before the first zero depend on x_z), so the
    # products of the others are built in full, as prod's backward does
    if not (np.asarray(data_of(x)) == 0).any():
        return _reversed_cumsum(g * ans, axis) / x
    c, upper = _others_upto(x, axis)
    grad = sum(where(upper, c * expand_dims(moveaxis(g, axis, -1), -2), 0.0), axis=-1)
    return moveaxis(grad, -1, axis)


def _cumprod_jvp(t: Any, ans: Any, x: Any, axis: int, dtype: Any = None) -> Any:
    # d out_j = sum_{i <= j} t_i prod_{k <= j, k != i} x_k
    xd = np.asarray(data_of(x))
    before, first, between = _zeros_along(xd, axis)
    if before.all():
        return ans * _cumsum(t / x, axis=axis)
    if isinstance(x, Tensor):  # differentiated again: the full products (see _cumprod_vjp)
        c, upper = _others_upto(x, axis)
        return moveaxis(sum(where(upper, c * expand_dims(moveaxis(t, axis, -1), -1), 0.0), axis=-2), -1, axis)
    # before the first zero: out_j sum_{i <= j} t_i / x_i; from it to the second zero: t_z prod_{k < z} x_k prod_{z <
    # k <= j} x_k; after the second zero, 0
    ansd = np.asarray(data_of(ans))
    early = where(before, _cumsum(where(before, t, 0.0) / np.where(before, xd, 1), axis=axis) * ansd, 0.0)
    head = np.cumprod(np.where(before, xd, 1), axis=axis)
    t_z = sum(where(first, t * head, 0.0), axis=axis, keepdims=True)
    after_z = np.cumprod(np.where(between, xd, 1), axis=axis)
    return early + where(first | between, t_z * after_z, 0.0)


_cumprod = defprim("cumprod", _cumprod_forward, vjp=_cumprod_vjp, jvp=_cumprod_jvp)


def cumprod(x: Any, axis: Any = None, dtype: Any = None) -> Any:
    """Running products along ``axis`` (of the flattened array when None), as ``np.cumprod``. The gradient is
    exact when slices hold zeros (it never divides by a zero element).

    >>> import chainrule as cr
    >>> x = cr.tensor([2.0, 0.0, 3.0], requires_grad=True)
    >>> cr.cumprod(x).sum().backward()
    >>> x.grad                     # d(2 + 0 + 0)/dx: the zero's slope is 2 + 2 * 3
    array([1., 8., 0.])
    """
    x, axis = _along(x, axis, "cumprod")
    if dtype is not None and np.dtype(dtype).kind not in "fc":
        return _constant(x, np.cumprod(data_of(x), axis=axis, dtype=dtype))
    return _cumprod(x, axis=axis, dtype=dtype)


# -- composed from the above -----------------------------------------------------------------------------
def _nan_replaced(x: Any, value: float) -> Any:
    # NaN entries read as `value`: NumPy's _replace_nan. Their gradient is 0 (where's unselected side)
    x = operand(x)
    xd = np.asarray(data_of(x))
    if xd.dtype.kind not in "fc":
        return x
    nan = np.isnan(xd)
    return where(nan, value, x) if nan.any() else x


def nancumsum(x: Any, axis: Any = None, dtype: Any = None) -> Any:
    """``cumsum`` reading NaN as 0 (as ``np.nancumsum``); NaN entries get gradient 0."""
    return cumsum(_nan_replaced(x, 0.0), axis=axis, dtype=dtype)


def nancumprod(x: Any, axis: Any = None, dtype: Any = None) -> Any:
    """``cumprod`` reading NaN as 1 (as ``np.nancumprod``); NaN entries get gradient 0."""
    return cumprod(_nan_replaced(x, 1.0), axis=axis, dtype=dtype)


_NO_VALUE = np._NoValue  # NumPy's "not given" (prepend=None is a value to NumPy)


def diff(a: Any, n: int = 1, axis: int = -1, prepend: Any = _NO_VALUE, append: Any = _NO_VALUE) -> Any:
    """The n-th discrete difference along ``axis``, ``a[1:] - a[:-1]`` applied ``n`` times, as ``np.diff``;
    ``prepend`` / ``append`` (a scalar is spread over the other axes) are joined on first.

    >>> import chainrule as cr
    >>> cr.diff(cr.tensor([1.0, 4.0, 9.0, 16.0]), n=2)
    tensor([2., 2.])
    """
    if n == 0:
        return a
    if n < 0:
        raise InvalidArgumentError(f"diff: order must be non-negative but got {n!r}")
    a = operand(a)
    shape = shape_of(a)
    if not shape:
        raise InvalidArgumentError("diff requires input that is at least one dimensional")
    axis = one_axis(axis, len(shape), "diff")
    parts = []
    for extra in (prepend, a, append):
        if extra is a:
            parts.append(a)
        elif extra is not _NO_VALUE:
            extra = operand(extra)
            if not shape_of(extra):  # a scalar, spread over the other axes (length 1 along this one)
                extra = broadcast_to(extra, shape[:axis] + (1,) + shape[axis + 1 :])
            parts.append(extra)
    if len(parts) > 1:
        a = concatenate(parts, axis=axis)
    if np.result_type(data_of(a)) == np.bool_:  # NumPy's diff of booleans is not_equal: a constant
        return _constant(a, np.diff(np.asarray(data_of(a)), n=n, axis=axis))
    lead = (slice(None),) * axis
    upper, lower = lead + (slice(1, None),), lead + (slice(None, -1),)
    for _ in range(n):
        a = getitem(a, upper) - getitem(a, lower)
    return a
