"""``np.linalg``'s least squares, condition numbers and tensor inverses/solves.

=============================  =========================================================================
op                             gradients (g is dL/d(result); P = pinv(A) with lstsq's cutoff)
=============================  =========================================================================
lstsq(A, b) -> x               x = P b: db = P^T g, dA = pinv's rule (Golub & Pereyra) applied to g b^T
                               (at constant rank: where A is rank deficient, as pinv's gradient)
lstsq residuals r2 = |b-Ax|^2  (only where NumPy gives them: rank N and M > N, so A^T (b - A x) = 0)
                               db = 2 g (b - A x),  dA = -2 g (b - A x) x^T
lstsq rank                     an int: no gradient;  s: svdvals(A) (np.linalg.svd's values)
cond(x, p)                     composed: svdvals ratios (p None, 2, -2); norm(x) norm(inv(x)) otherwise
tensorinv, tensorsolve         composed: NumPy's own reshapes and transposes around inv / solve
=============================  =========================================================================

Every forward gives NumPy's values: ``lstsq``'s x and residuals call ``np.linalg.lstsq`` (its LAPACK gelsd), and
the composed ones run NumPy's own steps. ``s`` comes from ``np.linalg.svd``, which may differ from gelsd's in the
last bits.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from ..errors import LinAlgError
from ..tensor import Tensor, as_tensor
from ._base import data_of, defprim, shape_of
from ._matrices import check_dtype, check_matrix, lapack, mT
from .decompositions import svdvals
from .elementwise import where
from .inverse import _pinv_jvp, _pinv_vjp, inv, pinv, solve
from .linalg import matmul, norm
from .order import operand
from .reduce import sum
from .shape import astype, expand_dims, getitem, ravel, reshape, transpose


# -- lstsq ------------------------------------------------------------------------------------------------
def _cutoff(a: Any, rcond: Any) -> float:
    """The relative cutoff gelsd applies (singular values <= cutoff * s_max count as 0), as pinv's rcond."""
    # NOTE: NumPy's lstsq runs gelsd in float64 for every real dtype (its _commonType), so float32 inputs get
    # float64's eps too: float32's would drop singular values gelsd keeps (x ~ 1e6, gradient ~ 1)
    eps = np.finfo(np.float64).eps
    if rcond is None:
        return float(eps * max(shape_of(a)))  # NumPy's default
    rcond = float(rcond)
    # LAPACK's dlalsd: rcond <= 0 or >= 1 means its machine precision, dlamch('E') = eps / 2
    return rcond if 0 < rcond < 1 else float(eps / 2)


def _p(a: Any, rcond: Any) -> Any:
    return pinv(a, rcond=_cutoff(a, rcond))


def _outer_g_b(g: Any, b: Any) -> Any:
    """g b^T: the gradient of P (n, m) in L = <g, P b>."""
    if len(shape_of(b)) == 1:
        return expand_dims(g, -1) * expand_dims(b, -2)
    return matmul(g, mT(b))


def _lstsq_da(g: Any, ans: Any, a: Any, b: Any, rcond: Any) -> Any:
    cut = _cutoff(a, rcond)
    return _pinv_vjp(_outer_g_b(g, b), pinv(a, rcond=cut), a, cut, False, np._NoValue)


def _lstsq_db(g: Any, ans: Any, a: Any, b: Any, rcond: Any) -> Any:
    return matmul(mT(_p(a, rcond)), g)


def _lstsq_jvp_a(t: Any, ans: Any, a: Any, b: Any, rcond: Any) -> Any:
    cut = _cutoff(a, rcond)
    return matmul(_pinv_jvp(t, pinv(a, rcond=cut), a, cut, False, np._NoValue), b)


def _lstsq_forward(a: np.ndarray, b: np.ndarray, rcond: Any) -> np.ndarray:
    return lapack("lstsq", np.linalg.lstsq, a, b, rcond=rcond)[0]


_lstsq = defprim("lstsq", _lstsq_forward, vjp=(_lstsq_da, _lstsq_db), jvp=(_lstsq_jvp_a, "linear"))


def _residual(a: Any, b: Any, rcond: Any) -> tuple[Any, Any]:
    x = _lstsq(a, b, rcond=rcond)
    return b - matmul(a, x), x


def _residuals_da(g: Any, ans: Any, a: Any, b: Any, rcond: Any) -> Any:
    if shape_of(ans)[0] == 0:
        return np.zeros(shape_of(a), dtype=np.result_type(data_of(a)))
    r, x = _residual(a, b, rcond)
    if len(shape_of(b)) == 1:
        return -2.0 * expand_dims(r * g, -1) * expand_dims(x, -2)
    return -2.0 * matmul(r * g, mT(x))


def _residuals_db(g: Any, ans: Any, a: Any, b: Any, rcond: Any) -> Any:
    if shape_of(ans)[0] == 0:
        return np.zeros(shape_of(b), dtype=np.result_type(data_of(b)))
    r, _ = _residual(a, b, rcond)
    return 2.0 * r * g


def _residuals_tangent(ans: Any, a: Any, b: Any, rcond: Any, change: Any) -> Any:
    """d r2 = 2 sum(r * (t_b - t_A x)) per column, given change = t_b - t_A x."""
    if shape_of(ans)[0] == 0:
        return np.zeros(shape_of(ans), dtype=np.result_type(data_of(ans)))
    r, _ = _residual(a, b, rcond)
    out = 2.0 * sum(r * change, axis=0)
    return reshape(out, (1,)) if len(shape_of(b)) == 1 else out


def _residuals_jvp_a(t: Any, ans: Any, a: Any, b: Any, rcond: Any) -> Any:
    if shape_of(ans)[0] == 0:
        return np.zeros(shape_of(ans), dtype=np.result_type(data_of(ans)))
    return _residuals_tangent(ans, a, b, rcond, -matmul(t, _lstsq(a, b, rcond=rcond)))


def _residuals_jvp_b(t: Any, ans: Any, a: Any, b: Any, rcond: Any) -> Any:
    return _residuals_tangent(ans, a, b, rcond, t)


def _residuals_forward(a: np.ndarray, b: np.ndarray, rcond: Any) -> np.ndarray:
    return lapack("lstsq", np.linalg.lstsq, a, b, rcond=rcond)[1]


_lstsq_residuals = defprim(
    "lstsq_residuals",
    _residuals_forward,
    vjp=(_residuals_da, _residuals_db),
    jvp=(_residuals_jvp_a, _residuals_jvp_b),
)


def lstsq(a: Any, b: Any, rcond: Any = None) -> tuple[Any, Any, Any, Any]:
    """The least-squares solution of ``a @ x = b`` and NumPy's three companions, ``(x, residuals, rank, s)``, as
    ``np.linalg.lstsq`` (a 2-D ``a``; ``b`` (M,) or (M, K)). ``x`` and the residuals (the squared residual norms,
    empty unless rank = N < M) are differentiable, ``rank`` is an int, ``s`` the singular values of ``a``.

    >>> import numpy as np, chainrule as cr
    >>> x, res, rank, s = cr.linalg.lstsq(cr.tensor([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]), cr.tensor([1.0, 2.0, 3.0]))
    >>> bool(np.allclose(x.data, [1.0, 2.0])), np.round(res.data, 9).tolist(), int(rank)
    (True, [9.0], 2)
    """
    a, b = operand(a), operand(b)
    if len(shape_of(a)) != 2:
        raise LinAlgError(f"lstsq: {len(shape_of(a))}-dimensional array given. Array must be two-dimensional")
    check_dtype("lstsq", a)
    check_dtype("lstsq", b)
    # NumPy's own call gives the rank (and its shape errors); the primitives below give x and the residuals
    values = lapack("lstsq", np.linalg.lstsq, np.asarray(data_of(a)), np.asarray(data_of(b)), rcond=rcond)
    if np.size(data_of(a)) == 0:  # nothing to differentiate: zeros, as NumPy
        wrap = as_tensor if isinstance(a, Tensor) or isinstance(b, Tensor) else np.asarray
        return wrap(values[0]), wrap(values[1]), values[2], wrap(values[3])
    x = _lstsq(a, b, rcond=rcond)
    residuals = _lstsq_residuals(a, b, rcond=rcond)
    # s in NumPy's real result dtype (float64 unless both inputs are float32)
    dt = np.result_type(values[3])
    return x, residuals, values[2], svdvals(a if np.result_type(data_of(a)) == dt else astype(a, dt))


# -- cond -------------------------------------------------------------------------------------------------
def cond(x: Any, p: Any = None) -> Any:
    """The condition number of a matrix (or of each of a stack), as ``np.linalg.cond``: the ratio of the extreme
    singular values for p None, 2, -2; ``norm(x, p) * norm(inv(x), p)`` for 'fro', 'nuc', 1, -1, inf, -inf (square
    matrices). A singular matrix gives inf, as NumPy (with no gradient there).

    >>> import chainrule as cr
    >>> float(cr.linalg.cond(cr.tensor([[2.0, 0.0], [0.0, 0.5]])).data)
    4.0
    """
    x = operand(x)
    shape = shape_of(x)
    check_matrix("cond", x, square=False)
    if 0 in shape[-2:]:
        raise LinAlgError("cond is not defined on empty arrays")
    with np.errstate(all="ignore"):
        if p is None or p == 2 or p == -2:
            s = svdvals(x)
            first, last = getitem(s, (Ellipsis, 0)), getitem(s, (Ellipsis, -1))
            r = last / first if p == -2 else first / last
        else:
            check_matrix("cond", x)
            dt = np.result_type(data_of(x))
            if dt.kind != "f":  # integers and booleans: NumPy's norm and result are float64 (this gave int64)
                x, dt = astype(x, np.float64), np.dtype(np.float64)
            try:
                invx = inv(astype(x, np.float64))  # NumPy inverts in double precision ('d->d'), then casts back
            except LinAlgError:
                # exactly singular: NumPy's inverse gives inf or NaN and its cond inf; there is no gradient to give
                values = np.asarray(np.linalg.cond(np.asarray(data_of(x)), p))
                return as_tensor(values) if isinstance(x, Tensor) else values
            r = norm(x, p, axis=(-2, -1)) * norm(invx, p, axis=(-2, -1))
            if np.result_type(data_of(r)) != dt:
                r = astype(r, dt)
    nan = np.isnan(np.asarray(data_of(r)))
    if nan.any():  # NumPy turns NaN into inf unless the matrix holds NaN
        r = where(nan & ~np.isnan(np.asarray(data_of(x))).any(axis=(-2, -1)), np.inf, r)
    return r


# -- tensorinv, tensorsolve -----------------------------------------------------------------------------------
def tensorinv(a: Any, ind: int = 2) -> Any:
    """The inverse of ``a`` as a tensor operator (as ``np.linalg.tensorinv``): ``a`` read as a matrix of its first
    ``ind`` dimensions by the rest, inverted, shaped ``a.shape[ind:] + a.shape[:ind]``.

    >>> import numpy as np, chainrule as cr
    >>> cr.linalg.tensorinv(cr.tensor(np.eye(4).reshape(4, 2, 2)), ind=1).shape
    (2, 2, 4)
    """
    a = operand(a)
    oldshape = shape_of(a)
    ind = operator.index(ind)
    if ind <= 0:
        raise ValueError("Invalid ind argument.")
    invshape = oldshape[ind:] + oldshape[:ind]
    prod = 1
    for k in oldshape[ind:]:
        prod *= k
    size = int(np.prod(oldshape))
    if prod == 0 or size % prod:
        raise ValueError(f"tensorinv: cannot reshape an array of shape {oldshape} into ({prod}, -1)")
    return reshape(inv(reshape(a, (prod, size // prod))), invshape)


def tensorsolve(a: Any, b: Any, axes: Any = None) -> Any:
    """The ``x`` with ``tensordot(a, x, axes=x.ndim) == b`` (as ``np.linalg.tensorsolve``), through NumPy's own
    transpose and reshapes around :func:`solve`.

    >>> import numpy as np, chainrule as cr
    >>> cr.linalg.tensorsolve(cr.tensor(np.eye(6).reshape(6, 2, 3)), cr.tensor(np.ones(6))).shape
    (2, 3)
    """
    a, b = operand(a), operand(b)
    an = len(shape_of(a))
    if axes is not None:
        allaxes = list(range(an))
        for k in axes:
            allaxes.remove(k)
            allaxes.insert(an, k)
        a = transpose(a, allaxes)
    shape = shape_of(a)
    oldshape = shape[-(an - len(shape_of(b))) :]
    prod = 1
    for k in oldshape:
        prod *= k
    if int(np.prod(shape)) != prod**2:
        raise LinAlgError("Input arrays must satisfy the requirement prod(a.shape[b.ndim:]) == prod(a.shape[:b.ndim])")
    return reshape(solve(reshape(a, (prod, prod)), ravel(b)), oldshape)


__all__ = ["lstsq", "cond", "tensorinv", "tensorsolve"]
