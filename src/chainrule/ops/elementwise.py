"""Elementwise operations and their local derivatives.

=============================  ===========================================  ================================
op                             forward                                      local derivative (times g)
=============================  ===========================================  ================================
add(x, y)                      x + y                                        1, 1          (add distributes)
subtract(x, y)                 x - y                                        1, -1
multiply(x, y)                 x * y                                        y, x          (multiply swaps)
divide(x, y)                   x / y                                        1/y, -(x/y)/y
power(x, y)                    x ** y                                       y x**(y-1) (0 if y = 0), x**y ln x (0 if x <= 0)
negative(x)                    -x                                           -1
abs(x)                         |x|                                          sign(x)       (0 at 0)
sign(x)                        sign(x)                                      0
exp, exp2, expm1               e**x, 2**x, e**x - 1                         e**x, 2**x ln 2, e**x
log, log2, log10, log1p        ln x, ...                                    1/x, 1/(x ln 2), 1/(x ln 10), 1/(1+x)
sqrt, square, reciprocal       x**.5, x**2, 1/x                             1/(2 sqrt x), 2x, -1/x**2
sin, cos, tan                                                               cos, -sin, 1 + tan**2
arcsin, arccos, arctan                                                      1/sqrt(1-x**2), -1/sqrt(1-x**2), 1/(1+x**2)
sinh, cosh, tanh                                                            cosh, sinh, 1 - tanh**2
sigmoid(x)                     1 / (1 + e**-x)  (never overflows)          s (1 - s)
relu(x)                        max(x, 0)                                    1 where x > 0 (0 at 0)
leaky_relu(x, slope)           x if x > 0 else slope x                      1 or slope
softplus(x)                    ln(1 + e**x)                                 sigmoid(x)
gelu(x)                        x Phi(x)  (or its tanh approximation)        Phi(x) + x phi(x)
logaddexp(x, y)                log(e**x + e**y)                             sigmoid(x - y), sigmoid(y - x)
maximum(x, y), minimum(x, y)                                                routes to the larger (smaller);
                                                                            a tie gives half to each
clip(x, lo, hi)                                                             1 inside [lo, hi], boundaries included
where(c, x, y)                                                              c, not c   (exact zeros elsewhere)
=============================  ===========================================  ================================
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import InvalidArgumentError
from ._base import data_of, defprim, zero_of, zeros_like_grad

LN2 = math.log(2.0)
LN10 = math.log(10.0)
SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
INV_SQRT_2 = 1.0 / math.sqrt(2.0)
INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)

# -- arithmetic ----------------------------------------------------------------------------------------
add = defprim("add", np.add, vjp=(lambda g, ans, x, y: g, lambda g, ans, x, y: g), jvp="elementwise")
subtract = defprim("subtract", np.subtract, vjp=(lambda g, ans, x, y: g, lambda g, ans, x, y: -g), jvp="elementwise")
multiply = defprim(
    "multiply", np.multiply, vjp=(lambda g, ans, x, y: g * y, lambda g, ans, x, y: g * x), jvp="elementwise"
)
# d(x/y)/dy = -x/y**2, computed as -(x/y)/y: y*y overflows (or underflows to 0) long before the quotient does
divide = defprim(
    "divide",
    np.true_divide,
    vjp=(lambda g, ans, x, y: g / y, lambda g, ans, x, y: -g * ans / y),
    jvp="elementwise",
)
negative = defprim("negative", np.negative, vjp=lambda g, ans, x: -g, jvp="elementwise")


def _power_dx(g: Any, ans: Any, x: Any, y: Any) -> Any:
    # x**0 has derivative 0 everywhere, also at x = 0 where y * x**(y-1) would be 0 * inf
    if isinstance(y, (int, float)):
        return g * (y * x ** (y - 1)) if y != 0 else zeros_like_grad(g, x)
    safe_y = where(y == 0, 1, y)
    return where(y == 0, 0, g * safe_y * x ** (safe_y - 1))


def _power_dy(g: Any, ans: Any, x: Any, y: Any) -> Any:
    # d(x**y)/dy = x**y ln x for x > 0. At x = 0 the limit is 0 (for y > 0). For x < 0, x**y is real only at
    # integer y, so it has no derivative along y: we take 0 there too, which keeps integer powers of negative
    # bases finite. The log is taken of a safe stand-in so that neither log(0) nor log(-1) poisons the result.
    # A NaN base is neither: its NaN passes through (x <= 0 is False for NaN, where x > 0 would hide it).
    nonpositive = x <= 0
    safe_x = where(nonpositive, 1, x)
    return where(nonpositive, 0, g * ans * log(safe_x))


power = defprim("power", np.power, vjp=(_power_dx, _power_dy), jvp="elementwise")

# -- one-input functions ---------------------------------------------------------------------------
absolute = defprim("absolute", np.abs, vjp=lambda g, ans, x: g * sign(x), jvp="elementwise")
sign = defprim("sign", np.sign, vjp=lambda g, ans, x: zeros_like_grad(g, x), jvp="elementwise")
# NOTE: the rules write float literals (1.0, not 1): NumPy 2 takes a Python int into a float array through a
# slower promotion path (about 0.15 us more a call on small arrays) for the same result
exp = defprim("exp", np.exp, vjp=lambda g, ans, x: g * ans, jvp="elementwise")
exp2 = defprim("exp2", np.exp2, vjp=lambda g, ans, x: g * ans * LN2, jvp="elementwise")
# e**x itself, not ans + 1: for x < -37, expm1(x) + 1 rounds to 0 (the derivative e**x would be lost entirely)
expm1 = defprim("expm1", np.expm1, vjp=lambda g, ans, x: g * exp(x), jvp="elementwise")
log = defprim("log", np.log, vjp=lambda g, ans, x: g / x, jvp="elementwise")
log2 = defprim("log2", np.log2, vjp=lambda g, ans, x: g / (x * LN2), jvp="elementwise")
log10 = defprim("log10", np.log10, vjp=lambda g, ans, x: g / (x * LN10), jvp="elementwise")
log1p = defprim("log1p", np.log1p, vjp=lambda g, ans, x: g / (x + 1.0), jvp="elementwise")
sqrt = defprim("sqrt", np.sqrt, vjp=lambda g, ans, x: g / (ans * 2.0), jvp="elementwise")
square = defprim("square", np.square, vjp=lambda g, ans, x: g * (x * 2.0), jvp="elementwise")
reciprocal = defprim("reciprocal", np.reciprocal, vjp=lambda g, ans, x: -g * ans * ans, jvp="elementwise")
sin = defprim("sin", np.sin, vjp=lambda g, ans, x: g * cos(x), jvp="elementwise")
cos = defprim("cos", np.cos, vjp=lambda g, ans, x: -g * sin(x), jvp="elementwise")
tan = defprim("tan", np.tan, vjp=lambda g, ans, x: g * (ans * ans + 1.0), jvp="elementwise")
arcsin = defprim("arcsin", np.arcsin, vjp=lambda g, ans, x: g / sqrt(1.0 - x * x), jvp="elementwise")
arccos = defprim("arccos", np.arccos, vjp=lambda g, ans, x: -g / sqrt(1.0 - x * x), jvp="elementwise")
arctan = defprim("arctan", np.arctan, vjp=lambda g, ans, x: g / (x * x + 1.0), jvp="elementwise")
sinh = defprim("sinh", np.sinh, vjp=lambda g, ans, x: g * cosh(x), jvp="elementwise")
cosh = defprim("cosh", np.cosh, vjp=lambda g, ans, x: g * sinh(x), jvp="elementwise")
tanh = defprim("tanh", np.tanh, vjp=lambda g, ans, x: g * (1.0 - ans * ans), jvp="elementwise")


def _sigmoid(x: np.ndarray) -> np.ndarray:
    # exp of a non-positive number never overflows; pick the algebraically equal form per sign
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


sigmoid = defprim("sigmoid", _sigmoid, vjp=lambda g, ans, x: g * (ans * (1.0 - ans)), jvp="elementwise")


def _relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, zero_of(x))


relu = defprim("relu", _relu, vjp=lambda g, ans, x: g * (x > zero_of(x)), jvp="elementwise")


def _leaky_relu(x: np.ndarray, negative_slope: float = 0.01) -> np.ndarray:
    return np.where(x > 0, x, x * negative_slope)


leaky_relu = defprim(
    "leaky_relu",
    _leaky_relu,
    vjp=lambda g, ans, x, negative_slope=0.01: g * where(x > 0, 1, negative_slope),
    jvp="elementwise",
)


def _softplus(x: np.ndarray) -> np.ndarray:
    return np.logaddexp(0, x)


softplus = defprim("softplus", _softplus, vjp=lambda g, ans, x: g * sigmoid(x), jvp="elementwise")


def _erf_array(x: np.ndarray) -> np.ndarray:
    try:  # SciPy's vectorised erf where it is installed; the exact math.erf otherwise
        from scipy.special import erf as scipy_erf
    except ImportError:  # pragma: no cover - depends on the environment
        return np.vectorize(math.erf, otypes=[np.result_type(x, np.float16)])(x)
    out = scipy_erf(x)
    return out.astype(np.result_type(x, np.float16), copy=False)


erf = defprim(
    "erf",
    _erf_array,
    vjp=lambda g, ans, x: g * (2.0 / math.sqrt(math.pi)) * exp(-(x * x)),
    jvp="elementwise",
)


def _gelu_exact(x: np.ndarray) -> np.ndarray:
    return x * (0.5 * (1.0 + _erf_array(x * INV_SQRT_2)))


def _gelu_exact_dx(g: Any, ans: Any, x: Any) -> Any:
    cdf = 0.5 * (1.0 + erf(x * INV_SQRT_2))
    pdf = exp(-0.5 * (x * x)) * INV_SQRT_2PI
    return g * (cdf + x * pdf)


def _gelu_tanh(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + np.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x**3)))


def _gelu_tanh_dx(g: Any, ans: Any, x: Any) -> Any:
    # beyond |x| = 100 the tanh is exactly +-1 and the second term exactly 0 in every float dtype, but x * x
    # overflows there (float16 from 256, float64 from 1e154) and 0 * inf would make the gradient NaN: the
    # derivative is computed at x clipped to [-100, 100], which changes nothing else
    x = _clip(x, -100.0, 100.0) if type(x) is np.ndarray else clip(x, -100.0, 100.0)
    inner = SQRT_2_OVER_PI * (x + 0.044715 * x**3)
    t = tanh(inner)
    dinner = SQRT_2_OVER_PI * (1.0 + 3 * 0.044715 * (x * x))
    return g * (0.5 * (1.0 + t) + 0.5 * x * (1 - t * t) * dinner)


gelu_exact = defprim("gelu", _gelu_exact, vjp=_gelu_exact_dx, jvp="elementwise")
gelu_tanh = defprim("gelu_tanh", _gelu_tanh, vjp=_gelu_tanh_dx, jvp="elementwise")


def gelu(x: Any, approximate: str = "none") -> Any:
    """Gaussian error linear unit ``x * Phi(x)``; ``approximate="tanh"`` uses the tanh formula."""
    if approximate == "none":
        return gelu_exact(x)
    if approximate == "tanh":
        return gelu_tanh(x)
    raise InvalidArgumentError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


# -- two-input selections --------------------------------------------------------------------------
def _route(winner: Any, tie: Any) -> Any:
    # 1 where this input wins, 1/2 at a tie, 0 where it loses
    return where(winner, 1.0, where(tie, 0.5, 0.0))


maximum = defprim(
    "maximum",
    np.maximum,
    vjp=(
        lambda g, ans, x, y: g * _route(x > y, x == y),
        lambda g, ans, x, y: g * _route(y > x, x == y),
    ),
    jvp="elementwise",
)
minimum = defprim(
    "minimum",
    np.minimum,
    vjp=(
        lambda g, ans, x, y: g * _route(x < y, x == y),
        lambda g, ans, x, y: g * _route(y < x, x == y),
    ),
    jvp="elementwise",
)


def logaddexp_weight(mine: Any, other: Any, log_base: float | None = None) -> Any:
    """d logaddexp(x, y)/dx = e^x / (e^x + e^y) = sigmoid(x - y), in base 2 sigmoid((x - y) ln 2) (``log_base``);
    equal inputs (also both -inf or both +inf, where the difference would be NaN) get 1/2."""
    same = mine == other
    diff = where(same, 0, mine) - where(same, 0, other)
    return where(same, 0.5, sigmoid(diff if log_base is None else diff * log_base))


logaddexp = defprim(
    "logaddexp",
    np.logaddexp,
    vjp=(
        lambda g, ans, x, y: g * logaddexp_weight(x, y),
        lambda g, ans, x, y: g * logaddexp_weight(y, x),
    ),
    jvp="elementwise",
)


def _clip(x: np.ndarray, lo: Any, hi: Any) -> np.ndarray:
    return np.clip(x, lo, hi)


def _inside(x: Any, lo: Any, hi: Any) -> Any:
    inside = True
    if lo is not None:
        inside = x >= lo
    if hi is not None:
        inside = (x <= hi) & inside if lo is not None else x <= hi
    return inside


def _clip_dx(g: Any, ans: Any, x: Any, lo: Any, hi: Any) -> Any:
    return where(_inside(x, lo, hi), g, 0)


def _clip_dlo(g: Any, ans: Any, x: Any, lo: Any, hi: Any) -> Any:
    below = x < lo
    if hi is not None:
        below = below & (lo <= hi)
    return where(below, g, 0)


def _clip_dhi(g: Any, ans: Any, x: Any, lo: Any, hi: Any) -> Any:
    above = x > hi
    if lo is not None:
        above = above | (lo > hi)
    return where(above, g, 0)


_clip_prim = defprim("clip", _clip, vjp=(_clip_dx, _clip_dlo, _clip_dhi), jvp="elementwise")


def clip(x: Any, a_min: Any = None, a_max: Any = None) -> Any:
    """Limit values to ``[a_min, a_max]``; the gradient passes where ``a_min <= x <= a_max``."""
    if a_min is None and a_max is None:
        raise InvalidArgumentError("clip: give a_min, a_max or both (None means no bound on that side)")
    return _clip_prim(x, a_min, a_max)


def _where_dx(g: Any, ans: Any, c: Any, x: Any, y: Any) -> Any:
    return where(c, g, 0)


def _where_dy(g: Any, ans: Any, c: Any, x: Any, y: Any) -> Any:
    return where(c, 0, g)


_where_prim = defprim("where", np.where, vjp=(None, _where_dx, _where_dy), jvp=(None, "elementwise", "elementwise"))


def where(condition: Any, x: Any, y: Any) -> Any:
    """``x`` where ``condition`` holds, else ``y``; the unselected side gets an exactly zero gradient."""
    # the condition only selects: no gradient flows to it, even when it is a float tensor that requires one
    return _where_prim(data_of(condition), x, y)


# -- comparisons and logic (no gradient: their outputs are booleans) ------------------------------------
def _nondiff(name: str, fn: Any) -> Any:
    return defprim(name, fn, differentiable=False)


equal = _nondiff("equal", np.equal)
not_equal = _nondiff("not_equal", np.not_equal)
less = _nondiff("less", np.less)
less_equal = _nondiff("less_equal", np.less_equal)
greater = _nondiff("greater", np.greater)
greater_equal = _nondiff("greater_equal", np.greater_equal)
logical_and = _nondiff("logical_and", np.logical_and)
logical_or = _nondiff("logical_or", np.logical_or)
logical_xor = _nondiff("logical_xor", np.logical_xor)
logical_not = _nondiff("logical_not", np.logical_not)
isfinite = _nondiff("isfinite", np.isfinite)
isnan = _nondiff("isnan", np.isnan)
isinf = _nondiff("isinf", np.isinf)
floor = _nondiff("floor", np.floor)
ceil = _nondiff("ceil", np.ceil)
round_ = _nondiff("round", np.round)
trunc = _nondiff("trunc", np.trunc)
floor_divide = _nondiff("floor_divide", np.floor_divide)
remainder = defprim(
    "remainder",
    np.remainder,
    vjp=(lambda g, ans, x, y: g, lambda g, ans, x, y: -g * floor_divide(x, y)),
    jvp="elementwise",
)
