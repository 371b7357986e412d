"""Inverses, linear solves and determinants, and their gradients (``np.linalg``'s ``inv``, ``solve``, ``det``,
``slogdet``, ``pinv``, ``matrix_power``), on single matrices and on stacks ``(..., M, M)``.

=========================  ================================================================================
op                         gradients (g is dL/d(result); A^-T is the transposed inverse)
=========================  ================================================================================
inv(A) = B                 dA = -B^T g B^T                      tangent: -B t B
solve(A, b) = x            db = A^-T g,  dA = -db x^T           tangent: A^-1 (t_b - t_A x)
det(A)                     dA = g cof(A), the cofactor matrix adj(A)^T, from an SVD: exact also where A is
                           singular (det * A^-T would be 0 * inf)
cofactor(A)                dA = dcof(A)[g]: the derivative of the cofactor matrix is a self-adjoint linear map,
                           a polynomial in the singular values (no division: exact at singular A)
slogdet(A)                 d logabsdet = g A^-T (NaN where A is singular); the sign has no gradient
pinv(A) = P                dA = -P^T g P^T + (I - A P) g^T P P^T + P^T P g^T (I - P A)   (at constant rank)
matrix_power(A, n)         composed from matmul and inv, in NumPy's own order of products
=========================  ================================================================================

Third derivatives of ``det`` are not available: the derivative of the cofactor matrix has no rule of its own
(its backward pass raises :class:`~chainrule.errors.MissingRuleError`).
"""

from __future__ import annotations

import operator
from typing import Any, NamedTuple

import numpy as np

from ..errors import DtypeError, ShapeError
from ..tensor import Tensor, as_tensor
from ._base import data_of, defprim, shape_of
from ._matrices import check_dtype, check_matrix, col, dtype_of, eye_like, lapack, mT, sym, sym_array
from .elementwise import where
from .linalg import matmul
from .order import operand
from .reduce import sum
from .shape import expand_dims, getitem, squeeze, stack


# -- inv --------------------------------------------------------------------------------------------------
def _inv_forward(a: np.ndarray) -> np.ndarray:
    check_matrix("inv", a)
    return lapack("inv", np.linalg.inv, a)


def _inv_vjp(g: Any, ans: Any, a: Any) -> Any:
    bt = mT(ans)
    return -matmul(matmul(bt, g), bt)


_inv = defprim("inv", _inv_forward, vjp=_inv_vjp, jvp=lambda t, ans, a: -matmul(matmul(ans, t), ans))


def inv(a: Any) -> Any:
    """The inverse of a matrix, or of each matrix of a stack ``(..., M, M)`` (as ``np.linalg.inv``).

    A singular matrix raises :class:`~chainrule.errors.LinAlgError` (also NumPy's ``LinAlgError``).

    >>> import chainrule as cr
    >>> cr.linalg.inv(cr.tensor([[2.0, 0.0], [0.0, 4.0]])).tolist()
    [[0.5, 0.0], [0.0, 0.25]]
    """
    return _inv(a)


# -- solve ------------------------------------------------------------------------------------------------
def _solve_forward(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    m, _ = check_matrix("solve", a)
    check_dtype("solve", b)
    sb = np.shape(b)
    if len(sb) == 0 or (sb[0] if len(sb) == 1 else sb[-2]) != m:
        hint = ""
        if len(sb) >= 2 and sb[-1] == m:
            hint = "; for a stack of vectors (..., M) write solve(a, b[..., None])[..., 0]"
        raise ShapeError(
            f"solve: b of shape {sb} does not fit a of shape {np.shape(a)}: as in NumPy 2, b is one vector (M,) "
            f"when it is 1-D and a stack of matrices (..., M, K) otherwise, with M = {m}{hint}"
        )
    return lapack("solve", np.linalg.solve, a, b)


def _solve_db(g: Any, ans: Any, a: Any, b: Any) -> Any:
    if len(shape_of(b)) == 1:  # one vector: the rules work on it as a column
        return squeeze(_solve(mT(a), col(g)), -1)
    return _solve(mT(a), g)


def _solve_da(g: Any, ans: Any, a: Any, b: Any) -> Any:
    if len(shape_of(b)) == 1:
        return -(col(_solve_db(g, ans, a, b)) * expand_dims(ans, -2))  # the outer product db x^T
    return -matmul(_solve_db(g, ans, a, b), mT(ans))


def _solve_jvp_a(t: Any, ans: Any, a: Any, b: Any) -> Any:
    if len(shape_of(b)) == 1:
        return -squeeze(_solve(a, matmul(t, col(ans))), -1)
    return -_solve(a, matmul(t, ans))


_solve = defprim("solve", _solve_forward, vjp=(_solve_da, _solve_db), jvp=(_solve_jvp_a, "linear"))


def solve(a: Any, b: Any) -> Any:
    """The solution ``x`` of ``a @ x = b`` (as ``np.linalg.solve``, NumPy 2's rule for ``b``).

    ``a`` is a matrix or a stack ``(..., M, M)``; ``b`` is one vector ``(M,)`` when it is 1-D and a stack of
    matrices ``(..., M, K)`` otherwise (NumPy 1 guessed vectors from the number of dimensions; NumPy 2 does not).
    Batch dimensions broadcast, and their gradients are summed back.

    >>> import chainrule as cr
    >>> cr.linalg.solve(cr.tensor([[2.0, 0.0], [0.0, 4.0]]), cr.tensor([1.0, 1.0])).tolist()
    [0.5, 0.25]
    """
    return _solve(a, b)


# -- det and the cofactor matrix ----------------------------------------------------------------------------
def _others_product(s: np.ndarray) -> np.ndarray:
    """``p[..., i]`` = the product of ``s[..., j]`` over ``j != i`` (prefix times suffix products: no division)."""
    ones = np.ones(s.shape[:-1] + (1,), dtype=s.dtype)
    left = np.cumprod(np.concatenate([ones, s[..., :-1]], axis=-1), axis=-1)
    right = np.cumprod(np.concatenate([ones, s[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    return left * right


def _svd_parts(name: str, a: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``U, s, Vh`` of ``a`` and ``sign = det(U) det(Vh)`` (each +-1), as a column for the stack.

    A matrix holding NaN or inf (whose ``det`` NumPy still computes) has no SVD (LAPACK does not converge, which
    would raise in the backward pass): it gets the identity's factors and NaN singular values, so its cofactor
    matrix is NaN (for 1 x 1 it is 1, the empty product), as the derivative of a NaN determinant is.
    """
    bad = ~np.isfinite(a).all(axis=(-2, -1))
    if bad.any():
        a = np.where(bad[..., None, None], np.eye(a.shape[-1], dtype=a.dtype), a)
    u, s, vh = lapack(name, np.linalg.svd, a)
    if bad.any():
        s = np.where(bad[..., None], np.nan, s)
    sign = np.sign(np.linalg.det(u) * np.linalg.det(vh))
    return u, s, vh, sign[..., None, None]


def _float(a: Any) -> np.ndarray:
    a = np.asarray(a)
    return a if a.dtype.kind == "f" else a.astype(np.float64)


def _cofactor_forward(a: np.ndarray) -> np.ndarray:
    check_matrix("cofactor", a)
    a = _float(a)
    if a.shape[-1] == 0:
        return np.zeros(a.shape, dtype=a.dtype)
    # A = U S V^T gives cof(A) = det(U) det(V) U cof(S) V^T, and cof(S) = diag(product of the other s_j)
    u, s, vh, sign = _svd_parts("cofactor", a)
    return sign * np.matmul(u * _others_product(s)[..., None, :], vh)


def _cofactor_derivative_forward(a: np.ndarray, e: np.ndarray) -> np.ndarray:
    """The derivative of cof(A) along E: det(U) det(V) U D(U^T E V) V^T, where at a diagonal S
    D(X)_ii = sum_{k != i} q_ik X_kk and D(X)_ij = -q_ij X_ji (i != j), q_ij = product of s_m over m != i, j."""
    check_matrix("cofactor_derivative", a)
    check_dtype("cofactor_derivative", e)
    a, e = _float(a), np.asarray(e)
    n = a.shape[-1]
    if n == 0:
        return np.zeros(np.broadcast_shapes(a.shape, e.shape), dtype=np.result_type(a, e))
    u, s, vh, sign = _svd_parts("cofactor", a)
    eye = np.eye(n, dtype=bool)
    q = _others_product(np.where(eye, 1, s[..., None, :]))  # row i: the products with s_i left out as well
    q = np.where(eye, 0, q)
    x = np.matmul(np.matmul(np.swapaxes(u, -1, -2), e), np.swapaxes(vh, -1, -2))
    d = -q * np.swapaxes(x, -1, -2)
    d[..., eye] += np.matmul(q, np.diagonal(x, axis1=-2, axis2=-1)[..., None])[..., 0]
    return sign * np.matmul(np.matmul(u, d), vh)


# linear and self-adjoint in E, so its backward rule for E is itself; none for A (a third derivative of det)
_cofactor_derivative = defprim(
    "cofactor_derivative",
    _cofactor_derivative_forward,
    vjp=(None, lambda g, ans, a, e: _cofactor_derivative(a, g)),
    jvp=(None, "linear"),
)
_cofactor = defprim(
    "cofactor",
    _cofactor_forward,
    vjp=lambda g, ans, a: _cofactor_derivative(a, g),
    jvp=lambda t, ans, a: _cofactor_derivative(a, t),
)


def cofactor(a: Any) -> Any:
    """The cofactor matrix ``adj(a)^T`` (``det(a) * inv(a)^T`` where ``a`` is invertible), the gradient of ``det``;
    defined, and computed exactly, for singular matrices too.

    >>> import chainrule as cr
    >>> cr.linalg.cofactor(cr.tensor([[1.0, 2.0], [2.0, 4.0]])).data.round(12).tolist()
    [[4.0, -2.0], [-2.0, 1.0]]
    """
    return _cofactor(a)


def _det_forward(a: np.ndarray) -> np.ndarray:
    check_matrix("det", a)
    return lapack("det", np.linalg.det, a)


_det = defprim(
    "det",
    _det_forward,
    vjp=lambda g, ans, a: expand_dims(g, (-2, -1)) * _cofactor(a),
    jvp=lambda t, ans, a: sum(_cofactor(a) * t, axis=(-2, -1)),
)


def det(a: Any) -> Any:
    """The determinant of a matrix, or of each matrix of a stack (as ``np.linalg.det``).

    Its gradient is the cofactor matrix ``adj(a)^T``, computed without an inverse, so it is exact for singular
    matrices too (it is 0 only where the rank is below ``M - 1``).

    >>> import chainrule as cr
    >>> a = cr.tensor([[1.0, 2.0], [2.0, 4.0]], requires_grad=True)   # singular
    >>> cr.linalg.det(a).backward()
    >>> a.grad.round(12).tolist()
    [[4.0, -2.0], [-2.0, 1.0]]
    """
    return _det(a)


# -- slogdet ----------------------------------------------------------------------------------------------
def _slogdet_forward(a: np.ndarray) -> np.ndarray:
    check_matrix("slogdet", a)
    sign, logabsdet = lapack("slogdet", np.linalg.slogdet, a)
    return np.stack([sign, logabsdet], axis=-1)  # one array (sign, logabsdet) per matrix: one node


def _slogdet_weights(ans: Any, a: Any) -> Any:
    """d logabsdet / dA = A^-T; NaN for a singular matrix (logabsdet = -inf: not finite, so no derivative)."""
    bad = ~np.isfinite(np.asarray(data_of(ans))[..., 1])
    if not bad.any():
        return mT(inv(a))
    bad = bad[..., None, None]
    return where(bad, np.nan, mT(inv(where(bad, eye_like(a), a))))  # a safe stand-in: no error, no NaN upstream


def _slogdet_vjp(g: Any, ans: Any, a: Any) -> Any:
    return expand_dims(getitem(g, (Ellipsis, 1)), (-2, -1)) * _slogdet_weights(ans, a)


def _slogdet_jvp(t: Any, ans: Any, a: Any) -> Any:
    dlog = sum(_slogdet_weights(ans, a) * t, axis=(-2, -1))
    return stack([np.zeros(np.shape(data_of(dlog)), dtype=np.result_type(data_of(dlog))), dlog], axis=-1)


_slogdet = defprim("slogdet", _slogdet_forward, vjp=_slogdet_vjp, jvp=_slogdet_jvp)


class SlogdetResult(NamedTuple):
    """``(sign, logabsdet)``, as NumPy's ``SlogdetResult``."""

    sign: Any
    logabsdet: Any


def slogdet(a: Any) -> SlogdetResult:
    """The sign and the natural logarithm of the absolute value of the determinant (as ``np.linalg.slogdet``):
    ``det = sign * exp(logabsdet)`` without overflow.

    The gradient flows through ``logabsdet`` (it is ``inv(a)^T``); ``sign`` is a constant. A singular matrix has
    ``sign = 0`` and ``logabsdet = -inf``, and a NaN gradient.

    >>> import chainrule as cr
    >>> sign, logdet = cr.linalg.slogdet(cr.tensor([[-2.0, 0.0], [0.0, 3.0]]))
    >>> float(sign.data), round(float(logdet.data), 6)
    (-1.0, 1.791759)
    """
    packed = _slogdet(a)
    if not isinstance(packed, Tensor):
        return SlogdetResult(packed[..., 0][()], packed[..., 1][()])  # (a single matrix: NumPy's scalars)
    return SlogdetResult(as_tensor(np.array(packed.data[..., 0])), getitem(packed, (Ellipsis, 1)))


# -- pinv -------------------------------------------------------------------------------------------------
def _pinv_forward(a: np.ndarray, rcond: Any, hermitian: bool, rtol: Any) -> np.ndarray:
    # (NumPy returns an empty result of an empty input's own dtype before its dtype check: float16 too)
    check_matrix("pinv", a, square=False, dtype=np.size(a) != 0)
    return lapack("pinv", np.linalg.pinv, a, rcond=rcond, hermitian=hermitian, rtol=rtol)


def _pinv_vjp(g: Any, ans: Any, a: Any, rcond: Any, hermitian: bool, rtol: Any) -> Any:
    # Golub & Pereyra: dP = -P dA P + P P^T dA^T (I - A P) + (I - P A) dA^T P^T P; this is its adjoint
    pt, gt = mT(ans), mT(g)
    out = (
        -matmul(matmul(pt, g), pt)
        + matmul(eye_like(a, shape_of(a)[-2]) - matmul(a, ans), matmul(gt, matmul(ans, pt)))
        + matmul(matmul(pt, ans), matmul(gt, eye_like(a) - matmul(ans, a)))
    )
    return sym(out) if hermitian else out  # hermitian: NumPy reads one triangle (see docs/conventions.md)


def _pinv_jvp(t: Any, ans: Any, a: Any, rcond: Any, hermitian: bool, rtol: Any) -> Any:
    if hermitian:
        t = sym(t)
    tt = mT(t)
    return (
        -matmul(matmul(ans, t), ans)
        + matmul(matmul(ans, mT(ans)), matmul(tt, eye_like(a, shape_of(a)[-2]) - matmul(a, ans)))
        + matmul(eye_like(a) - matmul(ans, a), matmul(tt, matmul(mT(ans), ans)))
    )


_pinv = defprim(
    "pinv",
    _pinv_forward,
    vjp=_pinv_vjp,
    jvp=_pinv_jvp,
    checked_forward=lambda a, rcond, hermitian, rtol: _pinv_forward(
        sym_array(a) if hermitian else a, rcond, hermitian, rtol
    ),
)


def pinv(a: Any, rcond: Any = None, hermitian: bool = False, *, rtol: Any = np._NoValue) -> Any:
    """The Moore-Penrose pseudo-inverse (as ``np.linalg.pinv``, with its ``rcond``/``rtol`` cutoff).

    Its gradient is the derivative at constant rank (Golub & Pereyra), with singular values below the cutoff
    taken as zero; where the rank changes there is none.

    >>> import chainrule as cr
    >>> cr.linalg.pinv(cr.tensor([[2.0, 0.0]])).tolist()
    [[0.5], [0.0]]
    """
    return _pinv(a, rcond=rcond, hermitian=bool(hermitian), rtol=rtol)


# -- matrix_power -----------------------------------------------------------------------------------------
def matrix_power(a: Any, n: int) -> Any:
    """``a`` multiplied by itself ``n`` times (as ``np.linalg.matrix_power``: ``n = 0`` gives the identity,
    ``n < 0`` powers of the inverse), composed from ``matmul`` and ``inv`` in NumPy's own order of products.

    >>> import chainrule as cr
    >>> cr.linalg.matrix_power(cr.tensor([[1.0, 1.0], [0.0, 1.0]]), 3).tolist()
    [[1.0, 3.0], [0.0, 1.0]]
    """
    a = operand(a)  # (array_like, as NumPy's: a nested list is an array; one holding tensors is stacked)
    check_matrix("matrix_power", a, dtype=False)
    try:
        n = operator.index(n)
    except TypeError:
        raise DtypeError(f"matrix_power: the exponent must be an integer, got {n!r}") from None
    if n == 0:  # the identity, still connected to a (with a zero gradient), in a's dtype
        shape = shape_of(a)
        return where(np.ones(shape, dtype=bool), np.eye(shape[-1], dtype=dtype_of(a)), a)
    if n < 0:
        a = inv(a)
        n = -n
    if n == 1:
        return a
    if n == 2:
        return matmul(a, a)
    if n == 3:
        return matmul(matmul(a, a), a)
    z = result = None
    while n > 0:  # binary decomposition, from the lowest bit (NumPy's loop)
        z = a if z is None else matmul(z, z)
        n, bit = divmod(n, 2)
        if bit:
            result = z if result is None else matmul(result, z)
    return result


__all__ = ["inv", "solve", "det", "cofactor", "slogdet", "SlogdetResult", "pinv", "matrix_power"]
