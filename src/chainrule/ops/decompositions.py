"""Matrix decompositions and their gradients (``np.linalg``'s ``cholesky``, ``eigh``, ``eigvalsh``, ``svd``,
``svdvals``, ``qr``), on single matrices and on stacks ``(..., M, N)``.

=========================  ================================================================================
op                         gradients (g is dL/d(result); sym(X) = (X + X^T) / 2; F_ij = 1 / (v_j - v_i))
=========================  ================================================================================
cholesky(A) = L            dA = L^-T sym(Phi(L^T gL)) L^-1, Phi: the lower triangle, the diagonal halved
                           tangent: L Phi(L^-1 sym(t) L^-T)
eigh(A) = (w, V)           dA = sym(V (diag(gw) + F o V^T gV) V^T), F from the eigenvalues
eigvalsh(A) = w            dA = V diag(gw) V^T
svd(A) = (U, s, Vh)        dA = U [(F o (U^T gU - gU^T U)) S + S (F o (V^T gV - gV^T V)) + diag(gs)] V^T
                           + (I - U U^T) gU S^-1 V^T + U S^-1 gV^T (I - V V^T),  F from s**2
svdvals(A) = s             dA = U diag(gs) V^T
qr(A) = (Q, R)             dA = (gQ + Q copyltu(gR R^T - Q^T gQ)) R^-T  (M >= N; M < N splits A = [X | Y])
=========================  ================================================================================

Functions that read one triangle of a symmetric input (``cholesky``, ``eigh``, ``eigvalsh``, and ``svd``/``pinv``
with ``hermitian=True``) get the symmetric gradient, as in JAX and PyTorch; where eigenvalues or singular values
tie, their pair contributes nothing (``F = 0`` instead of ``1/0``). docs/conventions.md says why.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ..errors import InvalidArgumentError, ShapeError, UnsupportedArgumentError
from ._base import data_of, defprim, shape_of
from ._matrices import (
    check_matrix,
    constants,
    dtype_of,
    eye_like,
    inverse_gaps,
    lapack,
    mT,
    needs_gradient,
    sym,
    sym_array,
    tri_mask,
)
from .elementwise import where
from .inverse import solve
from .linalg import diagonal, matmul
from .reduce import sum
from .shape import concatenate, expand_dims, getitem, reshape


def _masked(x: Any, mask: np.ndarray) -> Any:
    return x * mask.astype(dtype_of(x), copy=False)


def _solve_right(x: Any, r: Any) -> Any:
    """``x @ inv(r)``, by a solve: ``(r^-T x^T)^T``."""
    return mT(solve(mT(r), mT(x)))


# -- cholesky ---------------------------------------------------------------------------------------------
def _phi(x: Any) -> Any:
    """The lower triangle of each matrix, with the diagonal halved."""
    n = shape_of(x)[-1]
    return _masked(x, tri_mask(n, -1, np.float64) + 0.5 * np.eye(n))


def _cholesky_forward(a: np.ndarray, upper: bool) -> np.ndarray:
    check_matrix("cholesky", a)
    return lapack("cholesky", np.linalg.cholesky, a, upper=upper)


def _cholesky_vjp(g: Any, ans: Any, a: Any, upper: bool) -> Any:
    low, gl = (mT(ans), mT(g)) if upper else (ans, g)
    phi = sym(_phi(matmul(mT(low), gl)))
    return _solve_right(solve(mT(low), phi), low)  # L^-T phi L^-1


def _cholesky_jvp(t: Any, ans: Any, a: Any, upper: bool) -> Any:
    low = mT(ans) if upper else ans
    x = _solve_right(solve(low, sym(t)), mT(low))  # L^-1 dA L^-T
    dl = matmul(low, _phi(x))
    return mT(dl) if upper else dl


_cholesky = defprim(
    "cholesky",
    _cholesky_forward,
    vjp=_cholesky_vjp,
    jvp=_cholesky_jvp,
    checked_forward=lambda a, upper: _cholesky_forward(sym_array(a), upper),
)


def cholesky(a: Any, /, *, upper: bool = False) -> Any:
    """The Cholesky factor ``L`` of a symmetric positive definite matrix, ``a = L @ L.T`` (as
    ``np.linalg.cholesky``; ``upper=True`` gives ``L.T``). Only one triangle of ``a`` is read; the gradient is
    the symmetric one (docs/conventions.md).

    >>> import chainrule as cr
    >>> cr.linalg.cholesky(cr.tensor([[4.0, 2.0], [2.0, 2.0]])).tolist()
    [[2.0, 0.0], [1.0, 1.0]]
    """
    return _cholesky(a, upper=bool(upper))


# -- eigh and eigvalsh ------------------------------------------------------------------------------------
def _uplo(name: str, uplo: Any) -> str:
    u = str(uplo).upper()
    if u not in ("L", "U"):
        raise InvalidArgumentError(f"{name}: UPLO must be 'L' or 'U', got {uplo!r}")
    return u


def _eigh_forward(a: np.ndarray, UPLO: str) -> np.ndarray:  # noqa: N803 - NumPy's name
    check_matrix("eigh", a)
    w, v = lapack("eigh", np.linalg.eigh, a, UPLO=UPLO)
    return np.concatenate([w[..., None, :], v], axis=-2)  # one array per matrix: row 0 the values, then V


def _eigh_parts(packed: Any) -> tuple[Any, Any]:
    return getitem(packed, (Ellipsis, 0, slice(None))), getitem(packed, (Ellipsis, slice(1, None), slice(None)))


def _eigh_vjp(g: Any, ans: Any, a: Any, UPLO: str) -> Any:  # noqa: N803
    w, v = _eigh_parts(ans)
    gw, gv = _eigh_parts(g)
    inner = expand_dims(gw, -2) * eye_like(w) + inverse_gaps(w) * matmul(mT(v), gv)
    return sym(matmul(matmul(v, inner), mT(v)))


def _eigh_jvp(t: Any, ans: Any, a: Any, UPLO: str) -> Any:  # noqa: N803
    w, v = _eigh_parts(ans)
    x = matmul(matmul(mT(v), sym(t)), v)
    dw = diagonal(x, axis1=-2, axis2=-1)
    dv = matmul(v, inverse_gaps(w) * x)
    return concatenate([expand_dims(dw, -2), dv], axis=-2)


_eigh = defprim(
    "eigh",
    _eigh_forward,
    vjp=_eigh_vjp,
    jvp=_eigh_jvp,
    checked_forward=lambda a, **uplo: _eigh_forward(sym_array(a), **uplo),
)


class EighResult(NamedTuple):
    """``(eigenvalues, eigenvectors)``, as NumPy's ``EighResult``."""

    eigenvalues: Any
    eigenvectors: Any


def eigh(a: Any, UPLO: str = "L") -> EighResult:  # noqa: N803
    """Eigenvalues (ascending) and eigenvectors (the columns) of a symmetric matrix (as ``np.linalg.eigh``, which
    reads the ``UPLO`` triangle only).

    The gradient is the symmetric one. Eigenvectors of a repeated eigenvalue are not unique: a pair of tied
    eigenvalues contributes nothing, which is right for every loss that does not depend on the choice of basis
    of that eigenspace (docs/conventions.md).

    >>> import chainrule as cr
    >>> w, v = cr.linalg.eigh(cr.tensor([[2.0, 0.0], [0.0, 1.0]]))
    >>> w.tolist()
    [1.0, 2.0]
    """
    return EighResult(*_eigh_parts(_eigh(a, UPLO=_uplo("eigh", UPLO))))


def _eigvalsh_forward(a: np.ndarray, UPLO: str) -> np.ndarray:  # noqa: N803
    check_matrix("eigvalsh", a)
    return lapack("eigvalsh", np.linalg.eigvalsh, a, UPLO=UPLO)


def _eigvalsh_vjp(g: Any, ans: Any, a: Any, UPLO: str) -> Any:  # noqa: N803
    v = eigh(a, UPLO).eigenvectors
    return matmul(v * expand_dims(g, -2), mT(v))  # V diag(g) V^T


def _eigvalsh_jvp(t: Any, ans: Any, a: Any, UPLO: str) -> Any:  # noqa: N803
    v = eigh(a, UPLO).eigenvectors
    return sum(v * matmul(t, v), axis=-2)  # v_i^T t v_i (a quadratic form: only sym(t) counts)


_eigvalsh = defprim(
    "eigvalsh",
    _eigvalsh_forward,
    vjp=_eigvalsh_vjp,
    jvp=_eigvalsh_jvp,
    checked_forward=lambda a, **uplo: _eigvalsh_forward(sym_array(a), **uplo),
)


def eigvalsh(a: Any, UPLO: str = "L") -> Any:  # noqa: N803
    """The eigenvalues of a symmetric matrix, ascending (as ``np.linalg.eigvalsh``).

    >>> import chainrule as cr
    >>> cr.linalg.eigvalsh(cr.tensor([[2.0, 1.0], [1.0, 2.0]])).tolist()
    [1.0, 3.0]
    """
    return _eigvalsh(a, UPLO=_uplo("eigvalsh", UPLO))


# -- svd and svdvals --------------------------------------------------------------------------------------
def _svd_forward(a: np.ndarray, full_matrices: bool, hermitian: bool) -> np.ndarray:
    check_matrix("svd", a, square=hermitian)
    u, s, vh = lapack("svd", np.linalg.svd, a, full_matrices=full_matrices, hermitian=hermitian)
    batch = s.shape[:-1]
    # (each matrix flattened to its size, never -1: a stack with no matrices, (0, M, N), has no length to infer)
    return np.concatenate([_flat(u, batch), s, _flat(vh, batch)], axis=-1)


def _flat(x: Any, batch: tuple[int, ...]) -> Any:
    """Each matrix of the stack ``x`` (..., P, Q) as one row of ``P * Q`` values."""
    p, q = shape_of(x)[-2:]
    return x.reshape(batch + (p * q,)) if isinstance(x, np.ndarray) else reshape(x, batch + (p * q,))


def _svd_parts(packed: Any, m: int, n: int) -> tuple[Any, Any, Any]:
    k = min(m, n)
    batch = shape_of(packed)[:-1]
    u = reshape(getitem(packed, (Ellipsis, slice(0, m * k))), batch + (m, k))
    s = getitem(packed, (Ellipsis, slice(m * k, m * k + k)))
    vh = reshape(getitem(packed, (Ellipsis, slice(m * k + k, None))), batch + (k, n))
    return u, s, vh


def _reciprocal_nonzero(s: Any, m: int, n: int) -> Any:
    """1 / s, and 0 for singular values that are zero up to rounding (their singular vectors are not determined)."""
    sd = np.asarray(data_of(s))
    tol = max(m, n) * np.finfo(sd.dtype).eps * np.max(sd, axis=-1, initial=0.0, keepdims=True)
    zero = sd <= tol
    return where(zero, 0, 1 / where(zero, 1, s))


def _svd_vjp(g: Any, ans: Any, a: Any, full_matrices: bool, hermitian: bool) -> Any:
    m, n = shape_of(a)[-2:]
    u, s, vh = _svd_parts(ans, m, n)
    gu, gs, gvh = _svd_parts(g, m, n)
    v, gv = mT(vh), mT(gvh)
    f = inverse_gaps(s, squares=True)
    ut_gu, vt_gv = matmul(mT(u), gu), matmul(mT(v), gv)
    inner = (
        f * (ut_gu - mT(ut_gu)) * expand_dims(s, -2)
        + expand_dims(s, -1) * (f * (vt_gv - mT(vt_gv)))
        + expand_dims(gs, -2) * eye_like(s)
    )
    ga = matmul(matmul(u, inner), vh)
    if m > n:  # the part of gU outside U's columns
        ga = ga + matmul((gu - matmul(u, ut_gu)) * expand_dims(_reciprocal_nonzero(s, m, n), -2), vh)
    if n > m:
        ga = ga + matmul(u * expand_dims(_reciprocal_nonzero(s, m, n), -2), mT(gv - matmul(v, vt_gv)))
    return sym(ga) if hermitian else ga


def _svd_jvp(t: Any, ans: Any, a: Any, full_matrices: bool, hermitian: bool) -> Any:
    m, n = shape_of(a)[-2:]
    if hermitian:
        t = sym(t)
    u, s, vh = _svd_parts(ans, m, n)
    v = mT(vh)
    dp = matmul(matmul(mT(u), t), v)
    f = inverse_gaps(s, squares=True)
    row, column = expand_dims(s, -2), expand_dims(s, -1)  # scale the columns, the rows
    du = matmul(u, f * (dp * row + column * mT(dp)))
    dv = matmul(v, f * (column * dp + mT(dp) * row))
    if m > n:
        du = du + (matmul(t, v) - matmul(u, dp)) * expand_dims(_reciprocal_nonzero(s, m, n), -2)
    if n > m:
        dv = dv + (matmul(mT(t), u) - matmul(v, mT(dp))) * expand_dims(_reciprocal_nonzero(s, m, n), -2)
    batch = shape_of(dp)[:-2]
    ds = diagonal(dp, axis1=-2, axis2=-1)
    return concatenate([_flat(du, batch), ds, _flat(mT(dv), batch)], axis=-1)


_svd = defprim(
    "svd",
    _svd_forward,
    vjp=_svd_vjp,
    jvp=_svd_jvp,
    checked_forward=lambda a, full_matrices, hermitian: _svd_forward(
        sym_array(a) if hermitian else a, full_matrices, hermitian
    ),
)


class SVDResult(NamedTuple):
    """``(U, S, Vh)``, as NumPy's ``SVDResult``."""

    U: Any  # NumPy's field names
    S: Any
    Vh: Any


def _svdvals_forward(a: np.ndarray, hermitian: bool) -> np.ndarray:
    check_matrix("svdvals", a, square=hermitian)
    return lapack("svdvals", np.linalg.svd, a, compute_uv=False, hermitian=hermitian)


def _svdvals_vjp(g: Any, ans: Any, a: Any, hermitian: bool) -> Any:
    u, _, vh = svd(a, full_matrices=False, hermitian=hermitian)
    ga = matmul(u * expand_dims(g, -2), vh)  # U diag(g) V^T
    return sym(ga) if hermitian else ga


def _svdvals_jvp(t: Any, ans: Any, a: Any, hermitian: bool) -> Any:
    u, _, vh = svd(a, full_matrices=False, hermitian=hermitian)
    return sum(u * matmul(sym(t) if hermitian else t, mT(vh)), axis=-2)  # u_i^T t v_i


_svdvals = defprim(
    "svdvals",
    _svdvals_forward,
    vjp=_svdvals_vjp,
    jvp=_svdvals_jvp,
    checked_forward=lambda a, hermitian: _svdvals_forward(sym_array(a) if hermitian else a, hermitian),
)


def svdvals(x: Any, /) -> Any:
    """The singular values of a matrix, descending (as ``np.linalg.svdvals``); gradient ``U diag(g) V^T``.

    >>> import chainrule as cr
    >>> cr.linalg.svdvals(cr.tensor([[3.0, 0.0], [0.0, -4.0]])).tolist()
    [4.0, 3.0]
    """
    return _svdvals(x, hermitian=False)


def svd(a: Any, full_matrices: bool = True, compute_uv: bool = True, hermitian: bool = False) -> Any:
    """The singular value decomposition ``a = U @ diag(S) @ Vh`` (as ``np.linalg.svd``).

    Gradients flow where ``U`` and ``Vh`` are determined: ``full_matrices=False`` (or a square matrix), since the
    extra columns of a full ``U`` or rows of ``Vh`` are any basis of the complement; a non-square matrix that
    needs a gradient with ``full_matrices=True`` (NumPy's default) raises, saying so. ``compute_uv=False`` gives
    the singular values (``svdvals``). Singular vectors are defined up to sign, and, for repeated singular values,
    up to a rotation: a pair of tied singular values contributes nothing (docs/conventions.md).

    >>> import chainrule as cr
    >>> u, s, vh = cr.linalg.svd(cr.tensor([[3.0, 0.0], [0.0, -4.0]]))
    >>> s.tolist()
    [4.0, 3.0]
    """
    if not compute_uv:
        return _svdvals(a, hermitian=bool(hermitian))
    m, n = check_matrix("svd", a, square=bool(hermitian))
    if full_matrices and m != n:
        if needs_gradient(a):
            raise UnsupportedArgumentError(
                f"svd: with full_matrices=True (NumPy's default) the extra {'columns of U' if m > n else 'rows of Vh'} "
                f"of a {m}x{n} matrix are any basis of the complement, so they have no derivative; pass "
                "full_matrices=False (or use svdvals for the singular values alone)"
            )
        values = lapack("svd", np.linalg.svd, np.asarray(data_of(a)), full_matrices=True, hermitian=bool(hermitian))
        return SVDResult(*constants(tuple(values), a))
    return SVDResult(*_svd_parts(_svd(a, full_matrices=bool(full_matrices), hermitian=bool(hermitian)), m, n))


def singular_value_norm(x: Any, ord: Any, axes: tuple[int, int], keepdims: bool) -> Any:  # noqa: A002
    """The matrix norms of ``np.linalg.norm`` made of singular values: ``ord=2`` the largest, ``-2`` the smallest,
    ``'nuc'`` their sum, over the matrices spanned by ``axes`` (a tie for the largest or smallest splits the
    gradient evenly, as ``max`` does)."""
    from .reduce import max as rmax
    from .reduce import min as rmin
    from .shape import moveaxis

    shape = shape_of(x)
    s = svdvals(moveaxis(x, axes, (-2, -1)))
    if shape_of(s)[-1] == 0:
        if ord == -2:  # (NumPy has no answer either)
            raise ShapeError(f"norm: ord=-2 of an empty matrix (shape {shape}, axis {axes}) is undefined")
        out = sum(s, axis=-1)  # NumPy: 0
    else:
        out = (rmax if ord == 2 else rmin if ord == -2 else sum)(s, axis=-1)
    if keepdims:
        out = reshape(out, tuple(1 if i in axes else d for i, d in enumerate(shape)))
    return out


# -- qr ---------------------------------------------------------------------------------------------------
def _qr_forward(a: np.ndarray, mode: str) -> np.ndarray:
    check_matrix("qr", a, square=False)
    q, r = lapack("qr", np.linalg.qr, a, mode=mode)
    batch = q.shape[:-2]
    return np.concatenate([_flat(q, batch), _flat(r, batch)], axis=-1)


def _qr_parts(packed: Any, m: int, n: int) -> tuple[Any, Any]:
    k = min(m, n)
    batch = shape_of(packed)[:-1]
    q = reshape(getitem(packed, (Ellipsis, slice(0, m * k))), batch + (m, k))
    r = reshape(getitem(packed, (Ellipsis, slice(m * k, None))), batch + (k, n))
    return q, r


def _safe_triangle(r: Any) -> tuple[Any, Any]:
    """``r`` with each matrix that has a zero on its diagonal (rank deficient: Q is not unique, there is no
    derivative) replaced by the identity, and where that was done, as a mask to put NaN there."""
    d = np.diagonal(np.asarray(data_of(r)), axis1=-2, axis2=-1)
    bad = np.any(d == 0, axis=-1)[..., None, None]
    return (where(bad, eye_like(r), r), bad) if bad.any() else (r, None)


def _qr_tall_vjp(q: Any, r: Any, gq: Any, gr: Any) -> Any:
    """The gradient for A = QR with R square: (gQ + Q copyltu(gR R^T - Q^T gQ)) R^-T."""
    k = shape_of(r)[-1]
    mm = matmul(gr, mT(r)) - matmul(mT(q), gq)
    lifted = _masked(mm, tri_mask(k, 0, np.float64, lower=False)) + mT(_masked(mm, tri_mask(k, 1, np.float64, False)))
    safe, bad = _safe_triangle(r)
    out = _solve_right(gq + matmul(q, lifted), mT(safe))
    return out if bad is None else where(bad, np.nan, out)


def _qr_vjp(g: Any, ans: Any, a: Any, mode: str) -> Any:
    m, n = shape_of(a)[-2:]
    q, r = _qr_parts(ans, m, n)
    gq, gr = _qr_parts(g, m, n)
    if m >= n:
        return _qr_tall_vjp(q, r, gq, gr)
    # A = [X | Y] with X square: X = Q R_x is a QR of its own, and Y = Q R_y gives R_y = Q^T Y
    rx, gr_x, gr_y = r[..., :m], gr[..., :m], gr[..., m:]
    gx = _qr_tall_vjp(q, rx, gq + matmul(getitem(a, (Ellipsis, slice(None), slice(m, None))), mT(gr_y)), gr_x)
    return concatenate([gx, matmul(q, gr_y)], axis=-1)


def _qr_tall_jvp(q: Any, r: Any, t: Any) -> tuple[Any, Any]:
    """dQ, dR of A = QR with R square: C = Q^T dA R^-1 = Omega (antisymmetric) + dR R^-1 (upper triangular)."""
    k = shape_of(r)[-1]
    safe, bad = _safe_triangle(r)
    t_rinv = _solve_right(t, safe)
    c = matmul(mT(q), t_rinv)
    low = _masked(c, tri_mask(k, -1, np.float64))
    upper = c - (low - mT(low))
    dq, dr = t_rinv - matmul(q, upper), matmul(upper, r)
    return (dq, dr) if bad is None else (where(bad, np.nan, dq), where(bad, np.nan, dr))


def _qr_jvp(t: Any, ans: Any, a: Any, mode: str) -> Any:
    m, n = shape_of(a)[-2:]
    q, r = _qr_parts(ans, m, n)
    if m >= n:
        dq, dr = _qr_tall_jvp(q, r, t)
    else:
        dq, dr_x = _qr_tall_jvp(q, r[..., :m], t[..., :m])
        y = getitem(a, (Ellipsis, slice(None), slice(m, None)))
        dr = concatenate([dr_x, matmul(mT(dq), y) + matmul(mT(q), t[..., m:])], axis=-1)
    batch = shape_of(dq)[:-2]
    return concatenate([_flat(dq, batch), _flat(dr, batch)], axis=-1)


_qr = defprim("qr", _qr_forward, vjp=_qr_vjp, jvp=_qr_jvp)


class QRResult(NamedTuple):
    """``(Q, R)``, as NumPy's ``QRResult``."""

    Q: Any  # NumPy's field names
    R: Any


def qr(a: Any, mode: str = "reduced") -> Any:
    """The QR decomposition ``a = Q @ R`` (as ``np.linalg.qr``; ``mode='r'`` gives ``R`` alone).

    Gradients need ``R``'s leading square block to be invertible (A of full rank; otherwise Q is not unique and
    the gradient is NaN) and a unique ``Q``: ``mode='complete'`` of a tall matrix (extra columns: any basis of the
    complement) and ``mode='raw'`` raise when a gradient is needed.

    >>> import chainrule as cr
    >>> q, r = cr.linalg.qr(cr.tensor([[3.0, 0.0], [4.0, 1.0]]))
    >>> r.data.round(6).tolist()
    [[-5.0, -0.8], [0.0, 0.6]]
    """
    if mode not in ("reduced", "complete", "r", "raw"):
        raise InvalidArgumentError(f"qr: mode must be 'reduced', 'complete', 'r' or 'raw', got {mode!r}")
    m, n = check_matrix("qr", a, square=False)
    if mode == "raw" or (mode == "complete" and m > n):
        if needs_gradient(a):
            raise UnsupportedArgumentError(
                f"qr: mode={mode!r} of a {m}x{n} matrix has no derivative ("
                + (
                    "Householder reflectors"
                    if mode == "raw"
                    else "the extra columns of Q are any basis of the complement"
                )
                + "); use mode='reduced' (or 'r')"
            )
        values = lapack("qr", np.linalg.qr, np.asarray(data_of(a)), mode=mode)
        return constants(tuple(values) if isinstance(values, tuple) else values, a)
    q, r = _qr_parts(_qr(a, mode="reduced"), m, n)
    return r if mode == "r" else QRResult(q, r)


__all__ = ["cholesky", "eigh", "eigvalsh", "svd", "svdvals", "qr", "EighResult", "SVDResult", "QRResult"]
