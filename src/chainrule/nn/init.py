"""Weight initialisers, all drawing from a seeded ``numpy.random.Generator``.

``fan_in``/``fan_out`` are the first/last dimension of a weight of shape ``(in_features, out_features)``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

Rng = np.random.Generator | int | None


def rng_from(seed: Rng) -> np.random.Generator:
    """A Generator from a seed, or the Generator itself."""
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def _fans(shape: tuple[int, ...]) -> tuple[int, int]:
    if len(shape) < 2:
        n = shape[0] if shape else 1
        return n, n
    receptive = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    if len(shape) == 2:
        return shape[0], shape[1]
    # convolution kernels (out, in, kh, kw)
    return shape[1] * receptive, shape[0] * receptive


def zeros(shape: tuple[int, ...], dtype: Any = np.float32, rng: Rng = None) -> np.ndarray:
    return np.zeros(shape, dtype=dtype)


def normal(shape: tuple[int, ...], std: float = 0.01, dtype: Any = np.float32, rng: Rng = None) -> np.ndarray:
    return (rng_from(rng).standard_normal(shape) * std).astype(dtype)


def uniform(
    shape: tuple[int, ...], low: float = -0.05, high: float = 0.05, dtype: Any = np.float32, rng: Rng = None
) -> np.ndarray:
    return rng_from(rng).uniform(low, high, shape).astype(dtype)


def he_normal(shape: tuple[int, ...], dtype: Any = np.float32, rng: Rng = None) -> np.ndarray:
    """Normal with std sqrt(2 / fan_in): keeps ReLU activations' variance steady layer to layer."""
    fan_in, _ = _fans(shape)
    return normal(shape, std=math.sqrt(2.0 / fan_in), dtype=dtype, rng=rng)


def he_uniform(shape: tuple[int, ...], dtype: Any = np.float32, rng: Rng = None) -> np.ndarray:
    fan_in, _ = _fans(shape)
    bound = math.sqrt(6.0 / fan_in)
    return uniform(shape, -bound, bound, dtype=dtype, rng=rng)


def glorot_normal(shape: tuple[int, ...], dtype: Any = np.float32, rng: Rng = None) -> np.ndarray:
    """Normal with std sqrt(2 / (fan_in + fan_out)) (Xavier)."""
    fan_in, fan_out = _fans(shape)
    return normal(shape, std=math.sqrt(2.0 / (fan_in + fan_out)), dtype=dtype, rng=rng)


def glorot_uniform(shape: tuple[int, ...], dtype: Any = np.float32, rng: Rng = None) -> np.ndarray:
    fan_in, fan_out = _fans(shape)
    bound = math.sqrt(6.0 / (fan_in + fan_out))
    return uniform(shape, -bound, bound, dtype=dtype, rng=rng)


xavier_normal = glorot_normal
xavier_uniform = glorot_uniform
