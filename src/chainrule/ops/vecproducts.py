"""NumPy 2.2's matrix-vector gufuncs ``np.matvec`` and ``np.vecmat``, broadcast over leading dimensions.

Each forward calls NumPy's own gufunc (its values and dtypes); both are linear in each input:

=========================================  ========================================================
op                                         gradient (g: dL/d(result), shape (..., m))
=========================================  ========================================================
matvec(A, x) = sum_n A[..., m, n] x[..., n]  A: g[..., :, None] * x[..., None, :]   x: vecmat(g, A)
vecmat(x, A) = sum_n x[..., n] A[..., n, m]  x: matvec(A, g)                        A: x[..., :, None] * g[..., None, :]
=========================================  ========================================================

(The engine sums the gradients of broadcast leading dimensions back to each input's shape.)

``np.vecdot/matvec/vecmat(..., axes=...)`` on tensors moves the core axes last and calls the gufunc on those views.
NumPy's own sums depend on the memory layout it iterates over (contiguous or strided, cast before or after), so with
``axes=`` and inputs of two dtypes (float32 with float64) or transposed views the last bit or two can differ from
NumPy's call with ``axes=`` (NumPy's own matvec differs that much between ``a`` and ``a.copy(order='F')``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ShapeError
from ._base import defprim, shape_of
from .order import operand
from .shape import expand_dims


def _matvec_forward(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    return np.matvec(a, x)


def _vecmat_forward(x: np.ndarray, a: np.ndarray) -> np.ndarray:
    return np.vecmat(x, a)


_matvec = defprim(
    "matvec",
    _matvec_forward,
    vjp=(
        lambda g, ans, a, x: expand_dims(g, -1) * expand_dims(x, -2),
        lambda g, ans, a, x: _vecmat(g, a),
    ),
    jvp="linear",
)
_vecmat = defprim(
    "vecmat",
    _vecmat_forward,
    vjp=(
        lambda g, ans, x, a: _matvec(a, g),
        lambda g, ans, x, a: expand_dims(x, -1) * expand_dims(g, -2),
    ),
    jvp="linear",
)


def _check(op: str, mat: Any, vec: Any, k: int) -> None:
    ms, vs = shape_of(mat), shape_of(vec)
    if len(ms) < 2 or len(vs) < 1:
        raise ShapeError(f"{op}: needs a stack of matrices and a stack of vectors, got shapes {ms} and {vs}")
    if ms[k] != vs[-1]:
        raise ShapeError(f"{op}: the matrices of shape {ms} and the vectors of shape {vs} do not fit")


def matvec(x1: Any, x2: Any, /) -> Any:
    """The matrix-vector products ``x1 @ x2`` of a stack of matrices and a stack of vectors (as ``np.matvec``).

    >>> import chainrule as cr
    >>> cr.matvec(cr.tensor([[1.0, 2.0], [3.0, 4.0]]), cr.tensor([1.0, -1.0]))
    tensor([-1., -1.])
    """
    x1, x2 = operand(x1), operand(x2)
    _check("matvec", x1, x2, -1)
    return _matvec(x1, x2)


def vecmat(x1: Any, x2: Any, /) -> Any:
    """The vector-matrix products ``x1 @ x2`` of a stack of vectors and a stack of matrices (as ``np.vecmat``).

    >>> import chainrule as cr
    >>> cr.vecmat(cr.tensor([1.0, -1.0]), cr.tensor([[1.0, 2.0], [3.0, 4.0]]))
    tensor([-2., -2.])
    """
    x1, x2 = operand(x1), operand(x2)
    _check("vecmat", x2, x1, -2)
    return _vecmat(x1, x2)


__all__ = ["matvec", "vecmat"]
