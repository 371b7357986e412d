"""Products composed from other operations: ``kron``, ``cross`` and ``multi_dot`` (as NumPy's), so their
gradients (and higher derivatives) come from ``multiply``, ``subtract``, ``matmul`` and the shape operations.

Each follows NumPy's own steps (the same products, in the same order), so the values agree with NumPy's to the
last bit.
"""

from __future__ import annotations

import sys
import warnings
from typing import Any

import numpy as np

from .._shapes import normalize_axis
from ..errors import InvalidArgumentError, MatrixShapeError, ShapeError, UnsupportedArgumentError
from ._base import shape_of
from .elementwise import multiply
from .linalg import dot, matmul
from .order import operand
from .shape import getitem, moveaxis, ravel, reshape, stack


def kron(a: Any, b: Any) -> Any:
    """The Kronecker product (as ``np.kron``): blocks ``a[i, j] * b``, for arrays of any number of dimensions.

    >>> import chainrule as cr
    >>> cr.kron(cr.tensor([1.0, 2.0]), cr.tensor([1.0, 10.0])).tolist()
    [1.0, 10.0, 2.0, 20.0]
    """
    # as NumPy's: the inputs become arrays first, so a Python number takes part with its own dtype (np.kron of a
    # float32 array and 2.0 is float64), not as a weak scalar
    a, b = operand(a), operand(b)
    sa, sb = shape_of(a), shape_of(b)
    if len(sa) == 0 or len(sb) == 0:
        return multiply(a, b)
    nd = max(len(sa), len(sb))
    sa, sb = (1,) * (nd - len(sa)) + sa, (1,) * (nd - len(sb)) + sb
    # a's axes interleaved with new axes of length 1, b's the other way round: their product holds every block
    wide_a = reshape(a, tuple(d for n in sa for d in (n, 1)))
    wide_b = reshape(b, tuple(d for n in sb for d in (1, n)))
    return reshape(multiply(wide_a, wide_b), tuple(x * y for x, y in zip(sa, sb, strict=True)))


def _user_stacklevel() -> int:
    """The ``stacklevel`` that makes a warning raised in the caller of this function point at the first frame outside
    chainrule (``np.cross(t, u)`` reaches it through chainrule's NumPy dispatch)."""
    frame, level = sys._getframe(2), 2
    while frame is not None and frame.f_globals.get("__name__", "").startswith("chainrule"):
        frame, level = frame.f_back, level + 1
    return level


def cross(a: Any, b: Any, axisa: int = -1, axisb: int = -1, axisc: int = -1, axis: int | None = None) -> Any:
    """The cross product of (arrays of) vectors of 3 (or, deprecated in NumPy 2, 2) elements (as ``np.cross``).

    >>> import chainrule as cr
    >>> cr.cross(cr.tensor([1.0, 0.0, 0.0]), cr.tensor([0.0, 1.0, 0.0])).tolist()
    [0.0, 0.0, 1.0]
    """
    if axis is not None:
        axisa = axisb = axisc = axis
    sa, sb = shape_of(a), shape_of(b)
    if len(sa) < 1 or len(sb) < 1:
        raise ShapeError(f"cross: needs vectors (at least one dimension), got shapes {sa} and {sb}")
    a = moveaxis(a, normalize_axis(axisa, len(sa))[0], -1)
    b = moveaxis(b, normalize_axis(axisb, len(sb))[0], -1)
    la, lb = shape_of(a)[-1], shape_of(b)[-1]
    if la not in (2, 3) or lb not in (2, 3):
        raise ShapeError(
            f"cross: incompatible dimensions for cross product, the vectors have {la} and {lb} elements (shapes "
            f"{sa} and {sb}); each must have 2 or 3"
        )
    if la == 2 or lb == 2:
        warnings.warn(
            "Arrays of 2-dimensional vectors are deprecated. Use arrays of 3-dimensional vectors instead. "
            "(deprecated in NumPy 2.0)",
            DeprecationWarning,
            stacklevel=_user_stacklevel(),
        )
    a0, a1, b0, b1 = a[..., 0], a[..., 1], b[..., 0], b[..., 1]
    if la == 2 and lb == 2:
        return a0 * b1 - a1 * b0  # the z-component alone, as NumPy gives it
    if la == 2:  # a2 = 0
        b2 = b[..., 2]
        parts = [a1 * b2, -(a0 * b2), a0 * b1 - a1 * b0]
    elif lb == 2:  # b2 = 0
        a2 = a[..., 2]
        parts = [-(a2 * b1), a2 * b0, a0 * b1 - a1 * b0]
    else:
        a2, b2 = a[..., 2], b[..., 2]
        parts = [a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0]
    out = stack(parts, axis=-1)
    nd = len(shape_of(out))
    c = normalize_axis(axisc, nd)[0]
    return out if c == nd - 1 else moveaxis(out, -1, c)


def _chain_order(dims: list[int]) -> np.ndarray:
    """NumPy's dynamic programme for the cheapest order of a chain of matrix products (``s[i, j]``: where the
    product of matrices i..j splits)."""
    n = len(dims) - 1
    cost = np.zeros((n, n))
    split = np.empty((n, n), dtype=np.intp)
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i, j] = np.inf
            for k in range(i, j):
                q = cost[i, k] + cost[k + 1, j] + dims[i] * dims[k + 1] * dims[j + 1]
                if q < cost[i, j]:
                    cost[i, j] = q
                    split[i, j] = k
    return split


def _chain(arrays: list[Any], split: np.ndarray, i: int, j: int) -> Any:
    if i == j:
        return arrays[i]
    k = int(split[i, j])
    return dot(_chain(arrays, split, i, k), _chain(arrays, split, k + 1, j))


def multi_dot(arrays: Any, *, out: Any = None) -> Any:
    """The product of two or more matrices in the cheapest order (as ``np.linalg.multi_dot``: the first array may
    be a vector (a row), the last a vector (a column)), composed from ``dot``.

    >>> import chainrule as cr
    >>> cr.linalg.multi_dot([cr.tensor([1.0, 2.0]), cr.tensor([[1.0, 0.0], [0.0, 2.0]]), cr.tensor([1.0, 1.0])]).item()
    5.0
    """
    if out is not None:
        raise UnsupportedArgumentError("multi_dot: out= is not supported (it would write outside the graph)")
    arrays = list(arrays)
    n = len(arrays)
    if n < 2:
        raise InvalidArgumentError(f"multi_dot: needs at least two arrays, got {n}")
    if n == 2:
        return dot(arrays[0], arrays[1])
    first, last = len(shape_of(arrays[0])), len(shape_of(arrays[-1]))
    if first == 1:
        arrays[0] = reshape(arrays[0], (1, -1))
    if last == 1:
        arrays[-1] = reshape(arrays[-1], (-1, 1))
    for i, x in enumerate(arrays):
        if len(shape_of(x)) != 2:
            raise MatrixShapeError(
                f"multi_dot: array {i} has shape {shape_of(x)}; all but the first and last must be matrices (2-D), "
                "and those matrices or vectors"
            )
    if n == 3:
        (a0, a1b0), (b1c0, c1) = shape_of(arrays[0]), shape_of(arrays[2])
        a, b, c = arrays
        # NumPy's comparison: cost((AB)C) = a0 b1c0 (a1b0 + c1), cost(A(BC)) = a1b0 c1 (a0 + b1c0)
        result = (
            matmul(matmul(a, b), c) if a0 * b1c0 * (a1b0 + c1) < a1b0 * c1 * (a0 + b1c0) else matmul(a, matmul(b, c))
        )
    else:
        dims = [shape_of(x)[0] for x in arrays] + [shape_of(arrays[-1])[1]]
        result = _chain(arrays, _chain_order(dims), 0, n - 1)
    if first == 1 and last == 1:
        return getitem(result, (0, 0))
    if first == 1 or last == 1:
        return ravel(result)
    return result


__all__ = ["kron", "cross", "multi_dot"]
