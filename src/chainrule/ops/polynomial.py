"""Polynomials: ``np.polyval`` and ``np.vander``, composed from chainrule operations (no rules of their own).

=========================  ==========================================================================
op                         how (the same floating-point operations as NumPy's, so the same values)
=========================  ==========================================================================
polyval(p, x)              Horner's scheme, y = y * x + p[k] from y = zeros_like(x): 2 nodes per coefficient
                           and one to read it; d/dx and d/dp follow from the products and sums
vander(x, N, increasing)   ones beside the running products x, x*x, (x*x)*x ... (a cumprod, as NumPy's
                           multiply.accumulate), flipped unless increasing; exact at x = 0 (cumprod's rule)
=========================  ==========================================================================
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from ..tensor import Tensor
from ._base import data_of, shape_of
from .cumulative import cumprod
from .elementwise import where
from .order import flip, operand
from .shape import astype, broadcast_to, concatenate, expand_dims, getitem


def polyval(p: Any, x: Any) -> Any:
    """The polynomial with coefficients ``p`` (highest power first) at ``x`` (as ``np.polyval``).

    >>> import chainrule as cr
    >>> cr.polyval(cr.tensor([1.0, 0.0, -2.0]), cr.tensor([2.0, 3.0]))
    tensor([2., 7.])
    """
    if isinstance(p, np.poly1d):
        p = p.coeffs
    if isinstance(x, np.poly1d):
        return np.polyval(p, x)  # a polynomial composed with a polynomial: NumPy's poly1d, no tensors involved
    p, x = operand(p), operand(x)
    if not shape_of(p):
        raise TypeError("polyval: iteration over a 0-d array (p must be a sequence of coefficients)")
    # NOTE: the same steps as NumPy's polyval (y = zeros_like(x); y = y * x + pv for each pv), so the same values
    # and dtype (an integer or float64 coefficient promotes a float32 x, as NumPy's scalars do)
    xd = data_of(x)
    if shape_of(p)[0] == 0:  # no coefficients: NumPy's zeros_like(x)
        zeros = np.zeros_like(xd)
        return Tensor._wrap(zeros, None, False) if isinstance(x, Tensor) or isinstance(p, Tensor) else zeros
    # the first step multiplies the zeros by x's values, not by x: its slope in x is exactly 0, and recording it
    # gave 0 * inf = NaN where the later steps' gradient overflows (polyval([1, 0, 3], 1e200): slope 2e200, got NaN).
    # A constant polynomial keeps x in its graph (a zero gradient, not none)
    y: Any = np.zeros_like(xd) * (xd if shape_of(p)[0] > 1 else x) + getitem(p, 0)
    for k in range(1, shape_of(p)[0]):
        y = y * x + getitem(p, k)
    return y


def vander(x: Any, N: Any = None, increasing: bool = False) -> Any:  # noqa: N803 - NumPy's name
    """The Vandermonde matrix of ``x``: columns x**(N-1), ..., x, 1 (increasing: 1, x, ..., x**(N-1)), as
    ``np.vander`` (its dtype too: NumPy promotes with int, so float32 gives float64).

    >>> import chainrule as cr
    >>> cr.vander(cr.tensor([2.0, 3.0]), 3)
    tensor([[4., 2., 1.],
            [9., 3., 1.]])
    """
    x = operand(x)
    shape = shape_of(x)
    if len(shape) != 1:
        raise ValueError("vander: x must be a one-dimensional array or sequence.")
    n = shape[0] if N is None else operator.index(N)
    dtype = np.promote_types(np.result_type(data_of(x)), int)
    if dtype.kind not in "fc":  # integers (and booleans): exact integer powers, no gradient
        out = np.vander(np.asarray(data_of(x)), n, increasing=increasing)
        return Tensor._wrap(out, None, False) if isinstance(x, Tensor) else out
    if n < 0:
        raise ValueError(f"vander: negative dimensions are not allowed (N={n})")
    x = astype(x, dtype) if np.result_type(data_of(x)) != dtype else x
    column = expand_dims(x, 1)
    if n == 0:
        return getitem(column, (slice(None), slice(0, 0)))  # no columns (still on the graph, with no gradient)
    ones = np.ones((shape[0], 1), dtype=dtype)
    if n == 1:
        return where(np.ones((shape[0], 1), dtype=bool), ones, column)  # x**0 = 1, also at inf and NaN (as NumPy)
    powers = cumprod(broadcast_to(column, (shape[0], n - 1)), axis=1)  # x, x*x, (x*x)*x ... as NumPy
    out = concatenate([ones, powers], axis=1)
    return out if increasing else flip(out, axis=1)


__all__ = ["polyval", "vander"]
