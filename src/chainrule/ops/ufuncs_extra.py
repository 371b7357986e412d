"""NumPy's remaining elementwise functions: inverse hyperbolics, remainders, float bits, two-output ufuncs.

=============================  ===========================================  ======================================
op                             forward                                      local derivative (times g)
=============================  ===========================================  ======================================
arcsinh(x)                     asinh x                                      1 / hypot(x, 1)  (no overflow of x**2)
arccosh(x)                     acosh x  (NaN below 1)                       1 / (sqrt(x - 1) sqrt(x + 1))  (inf at 1)
arctanh(x)                     atanh x  (NaN outside [-1, 1])               1 / ((1 - x)(1 + x))  (inf at +-1, NaN
                                                                            outside, where atanh is NaN)
fmod(x, y)                     x - trunc(x / y) y  (sign of x)              1, -trunc(x / y)  (the quotient the
                                                                            result was made with)
float_power(x, y)              x ** y computed in float64                   power's rules, in float64
heaviside(x, h0)               0, h0, 1 for x < 0, = 0, > 0                 0, 1 where x == 0
ldexp(x, i)                    x * 2**i  (i an integer)                     2**i, none for i
nextafter(x, y)                the next float after x towards y             1, 0
frexp(x) -> (m, e)             x = m * 2**e, 0.5 <= |m| < 1                 2**-e for m; e is an integer
modf(x) -> (frac, int)         fractional and integral parts (sign of x)    1 for frac; 0 for int (no gradient)
divmod(x, y)                   (floor_divide(x, y), remainder(x, y))        the rules of those two
spacing, fix, signbit          ulp(x), round towards 0, sign bit            no gradient (piecewise constant)
nan_to_num(x)                  NaN, +-inf replaced (composed with where)    1 where x is finite, else 0
=============================  ===========================================  ======================================
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import UnsupportedArgumentError
from ..tensor import Tensor
from ._base import data_of, defprim, zeros_like_grad
from .elementwise import _power_dx, _power_dy, floor_divide, remainder, sqrt, where
from .shape import astype
from .ufuncs import hypot

# -- inverse hyperbolic functions ---------------------------------------------------------------------------
# asinh' = 1 / sqrt(x**2 + 1), as 1 / hypot(x, 1): x * x overflows from 1e154 in float64 (1e19 in float32), where
# the slope 1 / |x| is still a normal number
arcsinh = defprim("arcsinh", np.arcsinh, vjp=lambda g, ans, x: g / hypot(x, 1.0), jvp="elementwise")
# acosh' = 1 / sqrt(x**2 - 1), as 1 / (sqrt(x - 1) sqrt(x + 1)): x - 1 is exact near 1 where x * x - 1 loses digits,
# and nothing overflows. At 1: inf (with NumPy's divide-by-zero warning), as PyTorch and JAX; below 1: NaN
arccosh = defprim("arccosh", np.arccosh, vjp=lambda g, ans, x: g / (sqrt(x - 1.0) * sqrt(x + 1.0)), jvp="elementwise")


def _arctanh_dx(g: Any, ans: Any, x: Any) -> Any:
    # atanh' = 1 / (1 - x**2), as 1 / ((1 - x)(1 + x)) (exact factors near +-1): inf at +-1, as PyTorch and JAX.
    # Outside [-1, 1] atanh is NaN, and so is its slope here (PyTorch and JAX give the formula's negative value)
    d = (1.0 - x) * (1.0 + x)
    outside = data_of(d) < 0
    if np.any(outside):
        d = where(outside, np.nan, d)
    return g / d


arctanh = defprim("arctanh", np.arctanh, vjp=_arctanh_dx, jvp="elementwise")


# -- remainders and powers ----------------------------------------------------------------------------------
def _fmod_dy(g: Any, ans: Any, x: Any, y: Any) -> Any:
    # fmod(x, y) = x - q y with q = trunc(x / y), an integer: d/dy = -q. The quotient is the one the result was
    # made with, (x - fmod(x, y)) / y rounded, as NumPy's own divmod finds it: trunc of the rounded x / y can be one
    # off where x / y rounds up onto an integer. Piecewise constant, so made from the values (linear in g)
    xd, yd = data_of(x), data_of(y)
    with np.errstate(invalid="ignore", divide="ignore"):
        q = np.round((xd - data_of(ans)) / yd)
    return -g * q


fmod = defprim("fmod", np.fmod, vjp=(lambda g, ans, x, y: g, _fmod_dy), jvp="elementwise")

_F64 = np.dtype(np.float64)


def _f64(a: Any) -> Any:
    """``a`` in float64 (differentiably, a tensor through astype); Python numbers stay as they are."""
    if isinstance(a, (int, float, bool)):
        return a
    return a if np.result_type(data_of(a)) == _F64 else astype(a, _F64)


# float_power: power computed in float64 (NumPy's own loop: np.power in float64 can differ by an ulp); the rules are
# power's (its conventions at 0 and for negative bases), evaluated in float64. The engine casts each gradient back to
# its input's dtype
float_power = defprim(
    "float_power",
    np.float_power,
    vjp=(
        lambda g, ans, x, y: _power_dx(g, ans, _f64(x), _f64(y)),
        lambda g, ans, x, y: _power_dy(g, ans, _f64(x), _f64(y)),
    ),
    jvp="elementwise",
)


def _heaviside_dh0(g: Any, ans: Any, x: Any, h0: Any) -> Any:
    # the result is h0 itself exactly where x == 0 (as JAX's jnp.heaviside; PyTorch has no derivative for heaviside)
    return where(data_of(x) == 0, g, 0.0)


heaviside = defprim(
    "heaviside",
    np.heaviside,
    vjp=(lambda g, ans, x, h0: zeros_like_grad(g, x), _heaviside_dh0),
    jvp="elementwise",
)


def _ldexp_dx(g: Any, ans: Any, x: Any, i: Any) -> Any:
    # 2**i in the result's dtype, exactly (ldexp of 1). PyTorch gives 0 for negative integer i (2**i in integers)
    return g * np.ldexp(np.ones((), dtype=np.result_type(data_of(ans))), data_of(i))


ldexp = defprim("ldexp", np.ldexp, vjp=(_ldexp_dx, None), jvp=(_ldexp_dx, None))
# one ulp towards y: slope 1 in x, 0 in y (as PyTorch)
nextafter = defprim(
    "nextafter",
    np.nextafter,
    vjp=(lambda g, ans, x, y: g, lambda g, ans, x, y: zeros_like_grad(g, y)),
    jvp="elementwise",
)
spacing = defprim("spacing", np.spacing, differentiable=False)
fix = defprim("fix", np.fix, differentiable=False)
signbit = defprim("signbit", np.signbit, differentiable=False)


# -- two outputs ---------------------------------------------------------------------------------------------
def _constant(x: Any, value: np.ndarray) -> Any:
    return Tensor._wrap(value, None, False) if isinstance(x, Tensor) else value


_modf_frac = defprim("modf", lambda x: np.modf(x)[0], vjp=lambda g, ans, x: g, jvp="elementwise")


def modf(x: Any) -> tuple[Any, Any]:
    """The fractional and integral parts of ``x``, both with its sign, as ``np.modf``: the fractional part has
    slope 1; the integral part is piecewise constant and carries no gradient.

    >>> import chainrule as cr
    >>> frac, whole = cr.modf(cr.tensor([2.25, -1.5]))
    >>> frac.data, whole.data
    (array([ 0.25, -0.5 ]), array([ 2., -1.]))
    """
    return _modf_frac(x), _constant(x, np.modf(data_of(x))[1])


def _frexp_dx(g: Any, ans: Any, x: Any) -> Any:
    # m = x / 2**e with e piecewise constant: slope 2**-e (1 at 0, inf and NaN, where e = 0; as PyTorch)
    e = np.frexp(data_of(x))[1]
    return g * np.ldexp(np.ones((), dtype=np.result_type(data_of(ans))), -e)


_frexp_mantissa = defprim("frexp", lambda x: np.frexp(x)[0], vjp=_frexp_dx, jvp="elementwise")


def frexp(x: Any) -> tuple[Any, Any]:
    """Mantissa and exponent with ``x = m * 2**e`` and ``0.5 <= |m| < 1``, as ``np.frexp``: the mantissa has slope
    ``2**-e``; the exponent (int32) carries no gradient.

    >>> import chainrule as cr
    >>> m, e = cr.frexp(cr.tensor([3.0, -0.25]))
    >>> m.data, e.data
    (array([ 0.75, -0.5 ]), array([ 2, -1], dtype=int32))
    """
    return _frexp_mantissa(x), _constant(x, np.frexp(data_of(x))[1])


def divmod(x: Any, y: Any) -> tuple[Any, Any]:  # noqa: A001 (NumPy's name)
    """``(floor_divide(x, y), remainder(x, y))`` as ``np.divmod``: the quotient has no gradient, the remainder the
    rules of ``remainder``.

    >>> import chainrule as cr
    >>> q, r = cr.divmod(cr.tensor([7.5, -7.5]), 2.0)
    >>> q.data, r.data
    (array([ 3., -4.]), array([1.5, 0.5]))
    """
    return floor_divide(x, y), remainder(x, y)


# -- replacing non-finite values ----------------------------------------------------------------------------
def nan_to_num(x: Any, copy: bool = True, nan: float = 0.0, posinf: Any = None, neginf: Any = None) -> Any:
    """``x`` with NaN, +inf and -inf replaced as ``np.nan_to_num`` replaces them (the dtype's largest finite values
    by default). The gradient passes where ``x`` is finite and is 0 where a value was replaced; the replacements are
    constants (numbers or arrays, not tensors that require a gradient).

    >>> import numpy as np, chainrule as cr
    >>> x = cr.tensor([1.5, np.nan, np.inf], requires_grad=True)
    >>> y = cr.nan_to_num(x, posinf=9.0)
    >>> y.sum().backward()
    >>> y.data, x.grad
    (array([1.5, 0. , 9. ]), array([1., 0., 0.]))
    """
    if not copy:
        raise UnsupportedArgumentError(
            "nan_to_num(..., copy=False) would change the tensor in place; use y = nan_to_num(x) (a new tensor)"
        )
    for name, value in (("nan", nan), ("posinf", posinf), ("neginf", neginf)):
        if isinstance(value, Tensor) and value.requires_grad:
            raise UnsupportedArgumentError(
                f"nan_to_num: {name}= is a tensor that requires a gradient; the replacement values are constants "
                f"here (use cr.where(cr.isnan(x), {name}, x) and the like to differentiate them)"
            )
    xd = data_of(x)
    replaced = np.nan_to_num(xd, nan=data_of(nan), posinf=data_of(posinf), neginf=data_of(neginf))
    if not isinstance(x, Tensor) or np.result_type(xd).kind not in "fc":
        return _constant(x, replaced) if isinstance(x, Tensor) else replaced
    return where(np.isfinite(xd), x, replaced)
