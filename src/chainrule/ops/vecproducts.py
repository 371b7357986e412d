"""NumPy 2.2's matrix-vector gufuncs ``np.matvec`` and ``np.vecmat``, broadcast over leading dimensions.

Each forward calls NumPy's own gufunc (its values and dtypes); both are linear in each input:

=========================================  ========================================================
op                                         gradient (g: dL/d(result), shape (..., m))
=========================================  ========================================================
matvec(A, x) = sum_n A[..., m, n] x[..., n]  A: g[..., :, None] * x[..., None, :]   x: vecmat(g, A)
vecmat(x, A) = sum_n x[..., n] A[..., n, m]  x: matvec(A, g)                        A: x[..., :, None] * g[..., None, :]
=========================================  ========================================================

(The engine sums the gradients of broadcast leading dimensions back to each input's shape.)

``np.matvec/vecmat(..., axes=...)`` on tensors call NumPy's gufunc with those axes (``axes`` below): NumPy's sums
depend on the memory layout it reads (its matvec differs in the last bits between ``a`` and ``a.copy(order='F')``),
so only its own call gives its values. The rules move the core axes last and the gradients' core axes back.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ShapeError
from ._base import defprim, shape_of
from .order import operand
from .shape import expand_dims, moveaxis


def _matvec_forward(a: np.ndarray, x: np.ndarray, axes: Any = None) -> np.ndarray:
    return np.matvec(a, x) if axes is None else np.matvec(a, x, axes=list(axes))


def _vecmat_forward(x: np.ndarray, a: np.ndarray, axes: Any = None) -> np.ndarray:
    return np.vecmat(x, a) if axes is None else np.vecmat(x, a, axes=list(axes))


# axes: None (the core axes last) or NumPy's axes= as negative positions in each operand ((matrix axes), (vector
# axis,), (output axis,)); NumPy's call with them gives its own sums, which depend on the memory layout it reads.
# The rules move the core axes last, work there, and move the gradient's core axes back
def _last(t: Any, core: Any) -> Any:
    return t if core is None else moveaxis(t, core, tuple(range(-len(core), 0)))


def _back(t: Any, core: Any) -> Any:
    return t if core is None else moveaxis(t, tuple(range(-len(core), 0)), core)


def _core(axes: Any, k: int) -> Any:
    return None if axes is None else axes[k]


def _matvec_da(g: Any, ans: Any, a: Any, x: Any, axes: Any = None) -> Any:
    gm, xm = _last(g, _core(axes, 2)), _last(x, _core(axes, 1))
    return _back(expand_dims(gm, -1) * expand_dims(xm, -2), _core(axes, 0))


def _matvec_dx(g: Any, ans: Any, a: Any, x: Any, axes: Any = None) -> Any:
    return _back(_vecmat(_last(g, _core(axes, 2)), _last(a, _core(axes, 0))), _core(axes, 1))


def _vecmat_dx(g: Any, ans: Any, x: Any, a: Any, axes: Any = None) -> Any:
    return _back(_matvec(_last(a, _core(axes, 1)), _last(g, _core(axes, 2))), _core(axes, 0))


def _vecmat_da(g: Any, ans: Any, x: Any, a: Any, axes: Any = None) -> Any:
    gm, xm = _last(g, _core(axes, 2)), _last(x, _core(axes, 0))
    return _back(expand_dims(xm, -1) * expand_dims(gm, -2), _core(axes, 1))


_matvec = defprim("matvec", _matvec_forward, vjp=(_matvec_da, _matvec_dx), jvp="linear")
_vecmat = defprim("vecmat", _vecmat_forward, vjp=(_vecmat_dx, _vecmat_da), jvp="linear")


def _check(op: str, mat: Any, vec: Any, k: int) -> None:
    ms, vs = shape_of(mat), shape_of(vec)
    if len(ms) < 2 or len(vs) < 1:
        raise ShapeError(f"{op}: needs a stack of matrices and a stack of vectors, got shapes {ms} and {vs}")
    if ms[k] != vs[-1]:
        raise ShapeError(f"{op}: the matrices of shape {ms} and the vectors of shape {vs} do not fit")


def matvec(x1: Any, x2: Any, /, *, axes: Any = None) -> Any:
    """The matrix-vector products ``x1 @ x2`` of a stack of matrices and a stack of vectors (as ``np.matvec``).

    >>> import chainrule as cr
    >>> cr.matvec(cr.tensor([[1.0, 2.0], [3.0, 4.0]]), cr.tensor([1.0, -1.0]))
    tensor([-1., -1.])
    """
    x1, x2 = operand(x1), operand(x2)
    if axes is not None:  # (the NumPy route, which has checked the shapes and made the positions negative)
        return _matvec(x1, x2, axes=axes)
    _check("matvec", x1, x2, -1)
    return _matvec(x1, x2)


def vecmat(x1: Any, x2: Any, /, *, axes: Any = None) -> Any:
    """The vector-matrix products ``x1 @ x2`` of a stack of vectors and a stack of matrices (as ``np.vecmat``).

    >>> import chainrule as cr
    >>> cr.vecmat(cr.tensor([1.0, -1.0]), cr.tensor([[1.0, 2.0], [3.0, 4.0]]))
    tensor([-2., -2.])
    """
    x1, x2 = operand(x1), operand(x2)
    if axes is not None:
        return _vecmat(x1, x2, axes=axes)
    _check("vecmat", x2, x1, -2)
    return _vecmat(x1, x2)


__all__ = ["matvec", "vecmat"]
