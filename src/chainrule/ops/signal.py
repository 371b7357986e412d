"""One-dimensional signals: ``np.convolve``, ``np.correlate`` and ``np.interp``.

Each forward calls NumPy's own function (the same values, bit for bit). With ``n = len(a)``, ``m = len(v)``, every
mode is a slice of the full result (length ``n + m - 1``), so ``g`` is first padded with zeros to the full length
(``G``) where the mode cut it off:

=====================================  ===================================================================
op                                     gradient (both are bilinear: forward mode pushes a tangent through them)
=====================================  ===================================================================
convolve(a, v, mode)                   a: correlate(G, v, 'valid')      v: correlate(G, a, 'valid')
correlate(a, v, mode)                  a: convolve(G, v, 'valid')       v: flip(correlate(G, a, 'valid'))
interp(x, xp, fp)                      x: the slope of the segment NumPy evaluates (the right one at an inner
                                       knot, the last at xp[-1], as JAX), 0 outside [xp[0], xp[-1]]
                                       fp: the two interpolation weights 1 - w, w (w = (x - xp[j]) / (xp[j+1] - xp[j]));
                                       outside, all to fp[0] / fp[-1] where left / right are None
=====================================  ===================================================================

Offsets of the modes in the full result (NumPy's, read from its results): 'valid' min(n, m) - 1; 'same'
(min(n, m) - 1) // 2, but min(n, m) // 2 for ``correlate`` when m > n (NumPy computes it swapped and reversed).
``xp`` of ``interp`` is a constant (a tensor that requires a gradient is refused), increasing as NumPy asks.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import UnsupportedArgumentError
from ..tensor import Tensor
from ._base import data_of, defprim, shape_of
from .elementwise import remainder, where
from .order import flip, operand
from .shape import astype, pad, reshape, scatter_add, take

_MODES = {"full": "full", "same": "same", "valid": "valid", 2: "full", 1: "same", 0: "valid"}


def _mode_name(mode: Any) -> str:
    """NumPy's mode (a name or 0, 1, 2) as its name; anything NumPy refuses gets NumPy's own error."""
    name = _MODES.get(mode) if isinstance(mode, (str, int)) else None
    if name is not None:
        return name
    n = len(np.convolve(np.ones(3), np.ones(2), mode=mode))  # NumPy's check (and error) of the mode
    return {4: "full", 3: "same", 2: "valid"}[n]


def _embed(g: Any, op: str, mode: str, n: int, m: int) -> Any:
    """The gradient ``g`` of a ``mode`` result as the gradient of the full one: zeros where the mode cut it off."""
    lo, full = min(n, m), n + m - 1
    if mode == "full":
        return g
    if mode == "valid":
        offset = lo - 1
    else:
        offset = lo // 2 if (op == "correlate" and m > n) else (lo - 1) // 2
    length = shape_of(g)[0]
    return pad(g, ((offset, full - length - offset),))


def _conv_a(g: Any, ans: Any, a: Any, v: Any, mode: str) -> Any:
    return _correlate(_embed(g, "convolve", mode, shape_of(a)[0], shape_of(v)[0]), v, mode="valid")


def _conv_v(g: Any, ans: Any, a: Any, v: Any, mode: str) -> Any:
    return _correlate(_embed(g, "convolve", mode, shape_of(a)[0], shape_of(v)[0]), a, mode="valid")


def _corr_a(g: Any, ans: Any, a: Any, v: Any, mode: str) -> Any:
    return _convolve(_embed(g, "correlate", mode, shape_of(a)[0], shape_of(v)[0]), v, mode="valid")


def _corr_v(g: Any, ans: Any, a: Any, v: Any, mode: str) -> Any:
    return flip(_correlate(_embed(g, "correlate", mode, shape_of(a)[0], shape_of(v)[0]), a, mode="valid"))


def _convolve_forward(a: np.ndarray, v: np.ndarray, mode: str) -> np.ndarray:
    return np.convolve(a, v, mode=mode)


def _correlate_forward(a: np.ndarray, v: np.ndarray, mode: str) -> np.ndarray:
    return np.correlate(a, v, mode=mode)


_convolve = defprim("convolve", _convolve_forward, vjp=(_conv_a, _conv_v), jvp="linear")
_correlate = defprim("correlate", _correlate_forward, vjp=(_corr_a, _corr_v), jvp="linear")


def _one_d(x: Any, op: str, zero_d: bool) -> Any:
    x = operand(x)
    shape = shape_of(x)
    if len(shape) > 1:
        raise ValueError(f"{op}: object too deep for desired array (inputs must be 1-D, got shape {shape})")
    if not shape:
        if not zero_d:
            raise ValueError(f"{op}: object of too small depth for desired array (inputs must be 1-D, got 0-d)")
        x = reshape(x, (1,))  # np.convolve reads a scalar as a sequence of one
    return x


def convolve(a: Any, v: Any, mode: Any = "full") -> Any:
    """The discrete linear convolution of two 1-D sequences (as ``np.convolve``, whose values it returns).

    >>> import chainrule as cr
    >>> cr.convolve(cr.tensor([1.0, 2.0, 3.0]), cr.tensor([0.0, 1.0, 0.5]))
    tensor([0. , 1. , 2.5, 4. , 1.5])
    """
    a, v = _one_d(a, "convolve", True), _one_d(v, "convolve", True)
    mode = _mode_name(mode)
    if shape_of(a)[0] == 0 or shape_of(v)[0] == 0:
        raise ValueError(f"convolve: {'a' if shape_of(a)[0] == 0 else 'v'} cannot be empty")
    return _convolve(a, v, mode=mode)


def correlate(a: Any, v: Any, mode: Any = "valid") -> Any:
    """The cross-correlation of two 1-D sequences, ``c[k] = sum_n a[n + k] * v[n]`` (as ``np.correlate``, whose
    values it returns; real inputs only, so no conjugate).

    >>> import chainrule as cr
    >>> cr.correlate(cr.tensor([1.0, 2.0, 3.0]), cr.tensor([0.0, 1.0, 0.5]))
    tensor([3.5])
    """
    a, v = _one_d(a, "correlate", False), _one_d(v, "correlate", False)
    mode = _mode_name(mode)
    if shape_of(a)[0] == 0 or shape_of(v)[0] == 0:
        which = "first" if shape_of(a)[0] == 0 else "second"
        raise ValueError(f"correlate: {which} array argument cannot be empty")
    return _correlate(a, v, mode=mode)


# -- interp -----------------------------------------------------------------------------------------------
def _segments(x: Any, xp: np.ndarray, left: Any, right: Any) -> tuple[np.ndarray, Any, Any, np.ndarray]:
    """For each x (its values): the upper knot i of its segment (i - 1, i), the weights of fp[i - 1] and fp[i]
    (chainrule expressions of x, so mixed second derivatives are right) and where the slope applies."""
    xv = np.asarray(data_of(x))
    n = xp.shape[0]
    if n == 1:
        i = np.zeros(xv.shape, dtype=np.intp)
        lo = ((xv == xp[0]) | ((xv < xp[0]) & (left is None)) | ((xv > xp[0]) & (right is None))).astype(xp.dtype)
        return i, lo, np.zeros(xv.shape, dtype=xp.dtype), np.zeros(xv.shape, dtype=bool)
    # NumPy evaluates segment j with xp[j] <= x < xp[j + 1] (the right one at an inner knot) and gives fp[-1] at
    # xp[-1]: the last segment there (JAX's jnp.interp picks the same segments)
    i = np.clip(np.searchsorted(xp, xv, side="right"), 1, n - 1)
    x0, dx = xp[i - 1], xp[i] - xp[i - 1]
    inside = (xv >= xp[0]) & (xv <= xp[-1])
    sloped = inside & (dx > 0)  # dx is 0 only at xp[-1] after a repeated last knot, where NumPy gives fp[-1]
    w = where(sloped, (x - x0) / np.where(sloped, dx, 1.0), np.where(inside, 1.0, 0.0))
    below, above = xv < xp[0], xv > xp[-1]
    lo = where(inside, 1.0 - w, 0.0) + (below & (left is None))
    hi = where(inside, w, 0.0) + (above & (right is None))
    return i, lo, hi, sloped


def _interp_x(g: Any, ans: Any, x: Any, fp: Any, xp: np.ndarray, left: Any, right: Any) -> Any:
    i, _lo, _hi, sloped = _segments(x, xp, left, right)
    if xp.shape[0] == 1:
        out = g * 0.0
    else:
        dx = np.where(sloped, xp[i] - xp[i - 1], 1.0)
        out = where(sloped, g * ((take(fp, i) - take(fp, i - 1)) / dx), 0.0)
    nan = np.isnan(data_of(x)) & np.isnan(data_of(ans))
    # a NaN x gives a NaN value (with two knots or more) and, as everywhere in chainrule, a NaN slope (it fell in no
    # segment: 0)
    return where(nan, np.nan, out) if np.any(nan) else out


def _interp_fp(g: Any, ans: Any, x: Any, fp: Any, xp: np.ndarray, left: Any, right: Any) -> Any:
    i, lo, hi, _ = _segments(x, xp, left, right)
    n = xp.shape[0]
    out = scatter_add(g * lo, np.maximum(i - 1, 0), (n,))
    return out if n == 1 else out + scatter_add(g * hi, i, (n,))


def _interp_x_jvp(t: Any, ans: Any, x: Any, fp: Any, xp: np.ndarray, left: Any, right: Any) -> Any:
    return _interp_x(t, ans, x, fp, xp, left, right)


def _interp_fp_jvp(t: Any, ans: Any, x: Any, fp: Any, xp: np.ndarray, left: Any, right: Any) -> Any:
    i, lo, hi, _ = _segments(x, xp, left, right)
    out = take(t, np.maximum(i - 1, 0)) * lo
    return out if xp.shape[0] == 1 else out + take(t, i) * hi


def _interp_forward(x: np.ndarray, fp: np.ndarray, xp: np.ndarray, left: Any, right: Any) -> np.ndarray:
    return np.asarray(np.interp(x, xp, fp, left=left, right=right))


_interp = defprim("interp", _interp_forward, vjp=(_interp_x, _interp_fp), jvp=(_interp_x_jvp, _interp_fp_jvp))


def _constant(value: Any, what: str) -> Any:
    if isinstance(value, Tensor):
        if value.requires_grad:
            raise UnsupportedArgumentError(
                f"interp: no gradient with respect to {what}; pass it as a constant ({what}.detach() or plain "
                "values), or build the interpolation from chainrule operations"
            )
        return value.data
    return value


def interp(x: Any, xp: Any, fp: Any, left: Any = None, right: Any = None, period: Any = None) -> Any:
    """Piecewise-linear interpolation of the points (xp, fp) at x (as ``np.interp``, whose values it returns:
    float64 whatever the input dtype), differentiable in ``x`` and ``fp``; ``xp``, ``left`` and ``right`` are
    constants.

    >>> import chainrule as cr
    >>> cr.interp(cr.tensor([0.5, 1.5]), [0.0, 1.0, 2.0], cr.tensor([0.0, 2.0, 3.0]))
    tensor([1. , 2.5])
    """
    xp = _constant(xp, "xp")
    left, right = _constant(left, "left"), _constant(right, "right")
    x, fp = operand(x), operand(fp)
    if np.iscomplexobj(data_of(fp)):
        raise UnsupportedArgumentError("interp: complex fp is not differentiable in chainrule")
    xp = np.asarray(xp, dtype=np.float64)
    if period is None:
        if xp.ndim != 1 or len(shape_of(fp)) != 1:
            raise ValueError("interp: data points must be 1-D sequences")
        if xp.shape[0] != shape_of(fp)[0]:
            raise ValueError("interp: fp and xp are not of the same length")
        if xp.shape[0] == 0:
            raise ValueError("interp: array of sample points is empty")
    else:
        # NumPy's periodic case, step by step: x and xp taken modulo the period, the points sorted by xp and
        # extended by one on each side (the same values, so the same result; fp's gradient goes back through the
        # permutation, x's through the remainder, whose derivative is 1)
        if period == 0:
            raise ValueError("interp: period must be a non-zero value")
        period = abs(period)
        left = right = None
        if xp.ndim != 1 or len(shape_of(fp)) != 1:
            raise ValueError("interp: data points must be 1-D sequences")
        if xp.shape[0] != shape_of(fp)[0]:
            raise ValueError("interp: fp and xp are not of the same length")
        x = remainder(astype(x, np.float64), period)
        xp = xp % period
        order = np.argsort(xp)
        xp = xp[order]
        xp = np.concatenate((xp[-1:] - period, xp, xp[0:1] + period))
        fp = take(fp, np.concatenate((order[-1:], order, order[0:1])))
    return _interp(x, fp, xp=xp, left=left, right=right)


__all__ = ["convolve", "correlate", "interp"]
