"""NumPy's legacy polynomial helpers on coefficient arrays (highest power first) with tensor arguments:
``np.polyadd``, ``np.polysub``, ``np.polymul``, ``np.polyder``, ``np.polyint``, ``np.polydiv``, ``np.poly``;
composed from chainrule operations (no rules of their own), with NumPy's own steps so the values are NumPy's.

=================  ==============================================================================================
function           made of
=================  ==============================================================================================
polyadd, polysub   zeros concatenated before the shorter operand, then add / subtract (no trimming, as NumPy)
polymul            convolve of the operands with their leading zeros trimmed (NumPy goes through poly1d, which
                   trims them); a trimmed leading zero gets gradient 0 (the result does not contain it)
polyder            ``p[:-1] * arange(n, 0, -1)``, m times
polyint            ``p / arange(len(p), 0, -1)`` followed by ``k[0]``, m times (``k`` differentiable too)
polydiv            NumPy's loop of scaled subtractions (``d = r[k] / v[0]``; ``r[k:k+n+1] -= d * v``), then its
                   trimming of the remainder's leading terms that are close to 0 (found on the values)
poly               repeated convolve with ``[1, -zero]`` for a 1-D sequence of zeros
=================  ==============================================================================================

``np.roots`` is refused (its roots are complex in general: chainrule does not differentiate complex values), and so
is ``np.poly`` of a square matrix (it goes through the matrix's complex eigenvalues). ``np.poly1d`` objects mixed with
tensors are refused (a poly1d cannot hold a tensor); pass ``p.coeffs``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import UnsupportedArgumentError, UnsupportedOperationError
from ..tensor import Tensor
from ._base import data_of, shape_of
from .arrays import atleast_1d
from .elementwise import divide, multiply, where
from .order import operand
from .shape import astype, concatenate, getitem, reshape, stack
from .signal import convolve


def _no_poly1d(name: str, *args: Any) -> None:
    if any(isinstance(a, np.poly1d) for a in args):
        raise UnsupportedArgumentError(
            f"{name}: np.poly1d objects cannot hold tensors; pass the coefficient array (p.coeffs) instead"
        )


def _dtype(x: Any) -> np.dtype:
    return np.result_type(data_of(x))


def _length(x: Any) -> int:
    shape = shape_of(x)
    if not shape:
        raise TypeError("len() of unsized object")
    return shape[0]


def _join(parts: list) -> Any:
    if any(isinstance(p, Tensor) for p in parts):
        return concatenate(parts)
    return np.concatenate(parts)


def _padded(a1: Any, a2: Any) -> tuple[Any, Any]:
    """``a1`` and ``a2`` (at least 1-D) with zeros of their own dtype before the shorter one (NumPy's steps)."""
    a1, a2 = atleast_1d(operand(a1)), atleast_1d(operand(a2))
    diff = _length(a2) - _length(a1)
    if diff > 0:
        a1 = _join([np.zeros(diff, _dtype(a1)), a1])
    elif diff < 0:
        a2 = _join([np.zeros(-diff, _dtype(a2)), a2])
    return a1, a2


def polyadd(a1: Any, a2: Any) -> Any:
    """The sum of two polynomials (as ``np.polyadd``): the shorter is padded with leading zeros."""
    _no_poly1d("polyadd", a1, a2)
    a1, a2 = _padded(a1, a2)
    return a1 + a2


def polysub(a1: Any, a2: Any) -> Any:
    """The difference of two polynomials (as ``np.polysub``): the shorter is padded with leading zeros."""
    _no_poly1d("polysub", a1, a2)
    a1, a2 = _padded(a1, a2)
    return a1 - a2


def _trimmed(a: Any) -> Any:
    """``np.poly1d(a).coeffs``: at least 1-D, 1-D only, leading zeros trimmed (all zeros: the last one)."""
    a = atleast_1d(operand(a))
    if len(shape_of(a)) > 1:
        raise ValueError("Polynomial must be 1d only.")
    nonzero = np.flatnonzero(np.asarray(data_of(a)))
    if shape_of(a)[0] == 0:
        return np.zeros(1, _dtype(a))
    first = int(nonzero[0]) if nonzero.size else shape_of(a)[0] - 1
    return getitem(a, slice(first, None)) if first else a


def polymul(a1: Any, a2: Any) -> Any:
    """The product of two polynomials (as ``np.polymul``: a convolution of the operands without leading zeros)."""
    _no_poly1d("polymul", a1, a2)
    a1, a2 = _trimmed(a1), _trimmed(a2)
    if not isinstance(a1, Tensor) and not isinstance(a2, Tensor):
        return np.convolve(a1, a2)
    return convolve(a1, a2)


def polyder(p: Any, m: Any = 1) -> Any:
    """The ``m``-th derivative of a polynomial (as ``np.polyder``)."""
    _no_poly1d("polyder", p)
    m = int(m)
    if m < 0:
        raise ValueError("Order of derivative must be positive (see polyint)")
    p = operand(p)
    _length(p)  # (a 0-d p is NumPy's TypeError, also for m=0)
    if m == 0 and len(shape_of(p)) > 1:
        np.polyder(np.asarray(data_of(p)), 0)  # NumPy multiplies p[:-1] by its powers even for m=0 (its errors)
    for _ in range(m):
        n = _length(p) - 1
        p = multiply(getitem(p, slice(None, -1)), np.arange(n, 0, -1))
    return p


def polyint(p: Any, m: Any = 1, k: Any = None) -> Any:
    """The ``m``-th antiderivative of a polynomial with integration constants ``k`` (as ``np.polyint``);
    differentiable in ``p`` and ``k``."""
    _no_poly1d("polyint", p)
    m = int(m)
    if m < 0:
        raise ValueError("Order of integral must be positive (see polyder)")
    k = atleast_1d(operand(np.zeros(m, float) if k is None else k))
    if len(shape_of(k)) >= 1 and shape_of(k)[0] == 1 and m > 1:
        k = multiply(getitem(k, 0), np.ones(m, float))
    if _length(k) < m:
        raise ValueError("k must be a scalar or a rank-1 array of length 1 or >m.")
    p = operand(p)
    for i in range(m):
        y = divide(p, np.arange(_length(p), 0, -1))
        p = _join([y, reshape(getitem(k, i), (1,) + shape_of(k)[1:])])
    return p


def polydiv(u: Any, v: Any) -> tuple[Any, Any]:
    """The quotient and remainder of polynomial division (as ``np.polydiv``), differentiable in ``u`` and ``v``:
    NumPy's loop of scaled subtractions, then its trimming of the remainder's leading near-zero terms."""
    _no_poly1d("polydiv", u, v)
    if np.ndim(data_of(u)) > 1 or np.ndim(data_of(v)) > 1:
        with np.errstate(all="ignore"):
            np.polydiv(np.asarray(data_of(u)), np.asarray(data_of(v)))  # NumPy's errors for 2-D coefficients
    u = atleast_1d(operand(u)) + 0.0
    v = atleast_1d(operand(v)) + 0.0
    w_dtype = np.result_type(np.asarray(data_of(getitem(u, 0))) + np.asarray(data_of(getitem(v, 0))))
    m, n = _length(u) - 1, _length(v) - 1
    scale = divide(1.0, getitem(v, 0))
    r = u if _dtype(u) == w_dtype else astype(u, w_dtype)
    q_parts = []
    for k in range(m - n + 1):
        d = multiply(scale, getitem(r, k))
        q_parts.append(d)
        piece = getitem(r, slice(k, k + n + 1)) - multiply(d, v)
        parts = [getitem(r, slice(None, k)), piece, getitem(r, slice(k + n + 1, None))]
        r = concatenate([p for p in parts if shape_of(p)[0]])
        r = r if _dtype(r) == w_dtype else astype(r, w_dtype)
    if q_parts:
        q = stack(q_parts)
        q = q if _dtype(q) == w_dtype else astype(q, w_dtype)
    else:  # u shorter than v: a zero quotient, which keeps v in the graph (a zero gradient, not none)
        q = where(np.ones(1, bool), np.zeros(1, w_dtype), getitem(v, slice(0, 1)))
        q = q if _dtype(q) == w_dtype else astype(q, w_dtype)
    values = np.asarray(data_of(r))
    first = 0
    while np.allclose(values[first], 0, rtol=1e-14) and values.shape[-1] - first > 1:
        first += 1
    if first:
        r = getitem(r, slice(first, None))
    return q, r


def poly(seq_of_zeros: Any) -> Any:
    """The coefficients of the monic polynomial with the given 1-D sequence of zeros (as ``np.poly``),
    differentiable in the zeros. A square matrix (NumPy's characteristic polynomial, through its complex
    eigenvalues) is refused."""
    z = atleast_1d(operand(seq_of_zeros))
    sh = shape_of(z)
    if len(sh) == 2 and sh[0] == sh[1] and sh[0] != 0:
        raise UnsupportedArgumentError(
            "poly: the characteristic polynomial of a matrix goes through its eigenvalues, which are complex in "
            "general, and chainrule does not differentiate complex values; pass the 1-D sequence of zeros "
            "(for a symmetric matrix: np.poly(np.linalg.eigvalsh(a)))"
        )
    if len(sh) != 1:
        raise ValueError("input must be 1d or non-empty square 2d array.")
    dt = _dtype(z)
    if dt.kind == "c":
        raise UnsupportedArgumentError("poly: complex zeros are not supported (chainrule differentiates real values)")
    dt = np.dtype(np.mintypecode(dt.char))
    z = z if _dtype(z) == dt else astype(z, dt)
    if sh[0] == 0:
        return 1.0
    a: Any = np.ones((1,), dtype=dt)
    one = np.ones((1,), dtype=dt)
    for i in range(sh[0]):
        a = convolve(a, concatenate([one, -getitem(z, slice(i, i + 1))]), mode="full")
    return a


def roots(p: Any) -> Any:
    """Refused: the roots of a polynomial are the eigenvalues of its companion matrix, complex in general."""
    raise UnsupportedOperationError(
        "NumPy's roots is not supported on chainrule tensors (the roots of a real polynomial are complex in "
        "general, the eigenvalues of its companion matrix, and chainrule does not differentiate complex values): "
        "it would silently drop gradients. Apply it to t.numpy() where you need no gradient"
    )


__all__ = ["poly", "polyadd", "polyder", "polydiv", "polyint", "polymul", "polysub", "roots"]
