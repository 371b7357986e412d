"""What every family of operations shares: how a primitive is defined and turned into a function."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Op, Tensor

defprim = Op  # ``defprim(name, forward, vjp=..., jvp=...)`` defines and registers a primitive


def data_of(x: Any) -> Any:
    """The plain array behind ``x`` (a Tensor's data, or ``x`` itself)."""
    return x._data if isinstance(x, Tensor) else x


def zeros_like_grad(g: Any, x: Any) -> np.ndarray:
    """An exact zero gradient of ``x``'s shape and dtype (a constant: it carries no graph)."""
    return np.zeros(np.shape(x), dtype=np.result_type(data_of(x)))


_FLOAT16 = np.dtype(np.float16)


def is_float16(a: Any) -> bool:
    """Whether ``a`` (an array or tensor) holds float16 values. An identity test (a dtype's hash is slow), so the
    float32 and float64 paths pay next to nothing for the rules' float16 branches, which sum in float32: a float16
    sum overflows past 65504 and keeps 11 bits."""
    return (a.dtype if type(a) is np.ndarray else getattr(data_of(a), "dtype", None)) is _FLOAT16


def shape_of(x: Any) -> tuple[int, ...]:
    return np.shape(data_of(x))


#: 0 and 1 as read-only 0-d arrays, per floating dtype (filled on first use)
ZEROS: dict[np.dtype, np.ndarray] = {}
ONES: dict[np.dtype, np.ndarray] = {}


def _constant(table: dict, value: int, a: Any) -> Any:
    if type(a) is not np.ndarray or a.dtype.kind != "f":
        return value
    c = np.full((), value, dtype=a.dtype)
    c.flags.writeable = False
    table[a.dtype] = c
    return c


def zero_of(a: Any) -> Any:
    """0 for combining with the float array ``a``: a 0-d array of its dtype (NumPy 2 takes the Python int 0
    through a slower promotion path, about 0.35 us more a call on 64x128 float32 arrays, for the same result);
    the int 0 for anything else.
    """
    if type(a) is np.ndarray:
        c = ZEROS.get(a.dtype)
        if c is not None:
            return c
    return _constant(ZEROS, 0, a)


def one_of(a: Any) -> Any:
    """1 for combining with the float array ``a``, as :func:`zero_of` gives 0."""
    if type(a) is np.ndarray:
        c = ONES.get(a.dtype)
        if c is not None:
            return c
    return _constant(ONES, 1, a)
