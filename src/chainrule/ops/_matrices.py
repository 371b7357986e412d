"""What the matrix operations share: NumPy's linear-algebra errors restated, and small matrix helpers.

Every function here works on plain arrays and on tensors alike (the helpers are made of chainrule operations), so
rules written with them can be recorded and differentiated again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import DtypeError, LinAlgError, MatrixShapeError, ShapeError
from ._base import data_of, shape_of
from .shape import swapaxes

# what to do about each of NumPy's LinAlgError messages
_ADVICE = {
    "Singular matrix": "it (or one matrix of the stack) has no inverse; pinv or a small ridge (a + eps * I) may help",
    "Matrix is not positive definite": "cholesky needs a symmetric positive definite matrix (all eigenvalues > 0)",
    "did not converge": "the input probably holds inf or NaN",
}


def check_matrix(name: str, x: Any, square: bool = True, dtype: bool = True) -> tuple[int, int]:
    """The last two dimensions of ``x`` (``M, N``), or the error NumPy raises, naming ``name`` and the shape (and,
    with ``dtype``, the dtype NumPy's linear algebra refuses)."""
    shape = shape_of(x)
    if len(shape) < 2:
        raise MatrixShapeError(
            f"{name}: needs a matrix or a stack of matrices, shape (..., M, {'M' if square else 'N'}); got an array of "
            f"shape {shape} ({len(shape)} dimension{'s' * (len(shape) != 1)})"
        )
    if square and shape[-1] != shape[-2]:
        raise MatrixShapeError(f"{name}: the last two dimensions must be square, (..., M, M); got shape {shape}")
    if dtype:
        check_dtype(name, x)
    return shape[-2], shape[-1]


def check_dtype(name: str, x: Any) -> None:
    """NumPy's linear algebra runs in float32 or float64 (integers become float64): float16 is refused."""
    dt = dtype_of(x)
    if dt.kind == "f" and dt.itemsize not in (4, 8):
        raise DtypeError(
            f"{name}: NumPy's linear algebra does not support {dt.name} (shape {shape_of(x)}); "
            "cast to float32 or float64 first (x.astype(np.float32))"
        )


def lapack(name: str, fn: Callable[..., Any], *arrays: np.ndarray, **kwargs: Any) -> Any:
    """``fn(*arrays, **kwargs)``, with NumPy's LinAlgError restated to name the operation and the shapes."""
    try:
        return fn(*arrays, **kwargs)
    except np.linalg.LinAlgError as e:
        if isinstance(e, LinAlgError):
            raise
        shapes = " and ".join(str(np.shape(a)) for a in arrays)
        advice = next((v for k, v in _ADVICE.items() if k in str(e)), "")
        raise LinAlgError(f"{name}: {e} (input shape {shapes}){'; ' + advice if advice else ''}") from None
    except ValueError as e:
        shapes = " and ".join(str(np.shape(a)) for a in arrays)
        raise ShapeError(f"{name}: {e} (input shapes {shapes})") from None


def mT(x: Any) -> Any:  # noqa: N802 - NumPy's and PyTorch's name for the matrix transpose
    """Each matrix of the stack transposed (the last two axes swapped)."""
    return swapaxes(x, -1, -2)


def sym(x: Any) -> Any:
    """The symmetric part ``(x + x^T) / 2`` of each matrix."""
    return (x + mT(x)) * 0.5


def sym_array(a: np.ndarray) -> np.ndarray:
    """:func:`sym` of a plain array: what a reader of one triangle sees, the matrix its gradient is taken at (the
    function gradcheck_graph differentiates for such an operation, a primitive's ``checked_forward``)."""
    a = np.asarray(a)
    return (a + np.swapaxes(a, -1, -2)) * 0.5


def dtype_of(x: Any) -> np.dtype:
    """The dtype of ``x``: a tensor, an array, a number, or a nested list of numbers (array_like, as NumPy's linear
    algebra takes it; ``np.result_type`` would read a list as a description of a structured dtype)."""
    x = data_of(x)
    return x.dtype if isinstance(x, (np.ndarray, np.generic)) else np.asarray(x).dtype


def eye_like(x: Any, n: int | None = None) -> np.ndarray:
    """The ``n x n`` identity (default: the size of ``x``'s last axis) in ``x``'s dtype: a constant."""
    return np.eye(shape_of(x)[-1] if n is None else n, dtype=dtype_of(x))


def tri_mask(n: int, k: int, dtype: Any, lower: bool = True) -> np.ndarray:
    """1 on and below (``lower``) or on and above the ``k``-th diagonal of an ``n x n`` matrix, 0 elsewhere."""
    ones = np.ones((n, n), dtype=dtype)
    return np.tril(ones, k) if lower else np.triu(ones, k)


def col(v: Any) -> Any:
    """A stack of vectors ``(..., M)`` as a stack of columns ``(..., M, 1)``."""
    from .shape import expand_dims

    return expand_dims(v, -1)


def inverse_gaps(v: Any, squares: bool = False) -> Any:
    """For a stack of eigenvalues or singular values ``v`` (..., K): ``F[..., i, j] = 1 / (v_j - v_i)``, or
    ``1 / (v_j**2 - v_i**2)`` with ``squares``; 0 on the diagonal and wherever ``v_i`` and ``v_j`` tie.

    Values tie when ``|v_j - v_i| <= K * eps * max |v|``, the rounding error of the computed values themselves: such a
    pair contributes nothing to the gradient instead of ``1/0`` (see docs/conventions.md). Made of chainrule
    operations, so it is differentiable where nothing ties.
    """
    from .elementwise import where
    from .shape import expand_dims

    vd = np.asarray(data_of(v))
    k = vd.shape[-1]
    scale = np.max(np.abs(vd), axis=-1, initial=0.0)[..., None, None]
    tie = np.abs(vd[..., None, :] - vd[..., :, None]) <= max(k, 1) * np.finfo(vd.dtype).eps * scale
    tie |= np.eye(k, dtype=bool)
    vj, vi = expand_dims(v, -2), expand_dims(v, -1)
    d = vj - vi
    if squares:
        d = d * (vj + vi)  # (v_j - v_i)(v_j + v_i): more accurate than v_j**2 - v_i**2
    return where(tie, 0, 1 / where(tie, 1, d))


def needs_gradient(x: Any) -> bool:
    """Whether ``x`` takes part in a derivative: a tensor that requires a gradient (while gradients are recorded),
    or a value that carries a tangent in forward mode."""
    from ..engine import is_grad_enabled
    from ..forward import Dual
    from ..tensor import Tensor

    if not isinstance(x, Tensor):
        return False
    return isinstance(x, Dual) or (x.requires_grad and is_grad_enabled())


def constants(values: Any, like: Any) -> Any:
    """``values`` (an array or a tuple of them) as constant tensors where ``like`` is a tensor, else as they are."""
    from ..tensor import Tensor, as_tensor

    if not isinstance(like, Tensor):
        return values
    if isinstance(values, tuple):
        return tuple(as_tensor(np.asarray(v)) for v in values)
    return as_tensor(np.asarray(values))
