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


def shape_of(x: Any) -> tuple[int, ...]:
    return np.shape(data_of(x))
