"""More of NumPy's elementwise functions: angles, norms of pairs, NaN-ignoring extremes, signs.

=============================  ===========================================  ======================================
op                             forward                                      local derivative (times g)
=============================  ===========================================  ======================================
arctan2(y, x)                  angle of the point (x, y)                    x / r**2, -y / r**2  (r = hypot(x, y);
                                                                            0 for both at (0, 0))
hypot(x, y)                    sqrt(x**2 + y**2) without overflow           x / r, y / r         (0 at (0, 0))
cbrt(x)                        x ** (1/3), also for x < 0                   1 / (3 cbrt(x)**2)   (inf at 0)
fmax(x, y), fmin(x, y)         maximum / minimum ignoring NaN               routes to the larger (smaller); a tie
                                                                            gives half to each; a NaN input gives
                                                                            its share to the other one
deg2rad (radians),             x * pi / 180, x * 180 / pi                   pi / 180, 180 / pi
rad2deg (degrees)
logaddexp2(x, y)               log2(2**x + 2**y)                            sigmoid((x - y) ln 2), sigmoid((y - x) ln 2)
sinc(x)                        sin(pi x) / (pi x), 1 at 0                   (cos(pi x) - sinc(x)) / x  (0 at 0; a
                                                                            series near 0, where that cancels)
copysign(x, s)                 |x| with the sign (bit) of s                 sign(x) sign(result), 0 for s
fabs(x)                        |x| as a float                               sign(x)              (0 at 0)
positive(x)                    +x (a copy)                                  1
=============================  ===========================================  ======================================
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._base import data_of, defprim, zeros_like_grad
from .elementwise import cos, logaddexp_weight, sign, where

LN2 = math.log(2.0)
DEG = math.pi / 180.0
RAD = 180.0 / math.pi


# -- angles and lengths -------------------------------------------------------------------------------
def _over_r2(g: Any, num: Any, y: Any, x: Any) -> Any:
    """g * num / (x**2 + y**2), computed as (num / r) / r with r = hypot(y, x): x * x would overflow (from 1e154
    in float64) or underflow long before the quotient does. At (0, 0) the numerator is 0 and r stands in as 1,
    so the gradient is 0 (as PyTorch; JAX gives NaN)."""
    r = hypot(y, x)
    r = where(data_of(r) == 0, 1.0, r)
    return g * ((num / r) / r)


# d atan2(y, x)/dy = x / r**2, d/dx = -y / r**2 (NumPy's order: the first argument is y)
arctan2 = defprim(
    "arctan2",
    np.arctan2,
    vjp=(lambda g, ans, y, x: _over_r2(g, x, y, x), lambda g, ans, y, x: _over_r2(-g, y, y, x)),
    jvp="elementwise",
)


def _hypot_d(g: Any, ans: Any, mine: Any) -> Any:
    # d hypot/dx = x / hypot; at (0, 0) x = 0 and the result stands in as 1: 0, the subgradient norm'(0) also takes
    return g * (mine / where(data_of(ans) == 0, 1.0, ans))


hypot = defprim(
    "hypot",
    np.hypot,
    vjp=(lambda g, ans, x, y: _hypot_d(g, ans, x), lambda g, ans, x, y: _hypot_d(g, ans, y)),
    jvp="elementwise",
)
# 1 / (3 cbrt(x)**2), divided in two steps: cbrt(x)**2 underflows in float16 where the quotient is still finite;
# at 0 it is inf (with NumPy's divide-by-zero warning), as sqrt'(0)
cbrt = defprim("cbrt", np.cbrt, vjp=lambda g, ans, x: g / (ans * 3.0) / ans, jvp="elementwise")
deg2rad = defprim("deg2rad", np.deg2rad, vjp=lambda g, ans, x: g * DEG, jvp="elementwise")
rad2deg = defprim("rad2deg", np.rad2deg, vjp=lambda g, ans, x: g * RAD, jvp="elementwise")
radians = deg2rad
degrees = rad2deg


# -- NaN-ignoring extremes ----------------------------------------------------------------------------
def _fshare(g: Any, mine: Any, other: Any, wins: Any) -> Any:
    """g times 1 where ``mine`` is the result (it wins, or ``other`` is NaN and it is not), 1/2 at a tie, else 0.

    Both NaN: 0 to both (neither is a number to pass the gradient to; as ``maximum`` with a NaN input).
    The share is piecewise constant, so it is made from the values: the rule stays linear in ``g``.
    """
    m, o = np.asarray(data_of(mine)), np.asarray(data_of(other))
    share = np.where(wins(m, o) | (np.isnan(o) & ~np.isnan(m)), 1.0, np.where(m == o, 0.5, 0.0))
    dtype = np.result_type(data_of(g))
    return g * (share.astype(dtype, copy=False) if dtype.kind == "f" else share)


fmax = defprim(
    "fmax",
    np.fmax,
    vjp=(
        lambda g, ans, x, y: _fshare(g, x, y, np.greater),
        lambda g, ans, x, y: _fshare(g, y, x, np.greater),
    ),
    jvp="elementwise",
)
fmin = defprim(
    "fmin",
    np.fmin,
    vjp=(
        lambda g, ans, x, y: _fshare(g, x, y, np.less),
        lambda g, ans, x, y: _fshare(g, y, x, np.less),
    ),
    jvp="elementwise",
)


# -- logs and exponentials in base 2 -------------------------------------------------------------------
logaddexp2 = defprim(
    "logaddexp2",
    np.logaddexp2,
    vjp=(
        lambda g, ans, x, y: g * logaddexp_weight(x, y, LN2),
        lambda g, ans, x, y: g * logaddexp_weight(y, x, LN2),
    ),
    jvp="elementwise",
)

# -- sinc ---------------------------------------------------------------------------------------------------
# sinc'(x) = pi**2 x * sum_k c_k (pi x)**(2k - 2), c_k = (-1)**k 2k / (2k + 1)!, k = 1 .. 7: below |x| = 0.1 the
# first omitted term is under 1e-16 of the result, where (cos(pi x) - sinc(x)) / x loses digits to cancellation
# (at x = 1e-8 it keeps none: PyTorch and JAX give -2.1e-8 there, the slope is -3.29e-8)
_SINC_SERIES = tuple((-1) ** k * 2 * k / math.factorial(2 * k + 1) for k in range(1, 8))
_SINC_SMALL = 0.1


def _sinc_slope(x: Any, ans: Any) -> Any:
    small = np.abs(data_of(x)) < _SINC_SMALL
    if small.all():
        return _sinc_series(x)
    if not small.any():
        return (cos(x * math.pi) - ans) / x
    # (the other branch's inputs are made safe, so that neither side divides by 0, also when differentiated)
    safe = where(small, 1.0, x)
    return where(small, _sinc_series(where(small, x, 0.0)), (cos(safe * math.pi) - ans) / safe)


def _sinc_series(x: Any) -> Any:
    px = x * math.pi
    u = px * px
    p = _SINC_SERIES[-1]
    for c in _SINC_SERIES[-2::-1]:
        p = p * u + c
    return p * px * math.pi


sinc = defprim("sinc", np.sinc, vjp=lambda g, ans, x: g * _sinc_slope(x, ans), jvp="elementwise")


# -- signs --------------------------------------------------------------------------------------------
def _copysign_dx(g: Any, ans: Any, x: Any, s: Any) -> Any:
    # |x| has slope sign(x) (0 at 0, as abs); the sign taken from s flips it where the result is negative.
    # Piecewise constant, so made from the values: the rule stays linear in g
    return g * (np.sign(data_of(x)) * np.sign(data_of(ans)))


copysign = defprim(
    "copysign",
    np.copysign,
    vjp=(_copysign_dx, lambda g, ans, x, s: zeros_like_grad(g, s)),
    jvp="elementwise",
)
# np.fabs is |x| for floats (integers become float64, where np.abs keeps them integers)
fabs = defprim("fabs", np.fabs, vjp=lambda g, ans, x: g * sign(x), jvp="elementwise")
positive = defprim("positive", np.positive, vjp=lambda g, ans, x: g, jvp="linear")
