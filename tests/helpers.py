"""Finite-difference checking used across the tests."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

import chainrule as cr


def numerical_grad(f: Callable[..., float], args: Sequence[np.ndarray], i: int, eps: float = 1e-6) -> np.ndarray:
    """Central differences of scalar ``f(*args)`` with respect to ``args[i]`` (float64)."""
    x = np.array(args[i], dtype=np.float64, order="C")  # C order: reshape(-1) below must be a view, not a copy
    grad = np.zeros_like(x)
    flat = x.reshape(-1)
    gflat = grad.reshape(-1)
    for k in range(flat.size):
        old = flat[k]
        flat[k] = old + eps
        hi = f(*[x if j == i else a for j, a in enumerate(args)])
        flat[k] = old - eps
        lo = f(*[x if j == i else a for j, a in enumerate(args)])
        flat[k] = old
        gflat[k] = (hi - lo) / (2 * eps)
    return grad


def check_grads(fn: Callable[..., cr.Tensor], *arrays: np.ndarray, rtol: float = 1e-5, atol: float = 1e-6) -> None:
    """Compare chainrule's gradient of ``sum(fn(*tensors) * w)`` with central differences, for every input."""
    arrays = [np.asarray(a, dtype=np.float64) for a in arrays]
    out_shape = np.shape(fn(*[cr.tensor(a) for a in arrays]).data)
    w = np.random.default_rng(1).standard_normal(out_shape)

    def scalar(*arrs: np.ndarray) -> float:
        return float(np.sum(fn(*[cr.tensor(a) for a in arrs]).data * w))

    tensors = [cr.tensor(a, requires_grad=True) for a in arrays]
    out = fn(*tensors)
    (out * w).sum().backward()
    for i, t in enumerate(tensors):
        expected = numerical_grad(scalar, arrays, i)
        got = t.grad if t.grad is not None else np.zeros_like(arrays[i])
        assert got.shape == arrays[i].shape, f"input {i}: gradient shape {got.shape} != {arrays[i].shape}"
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol, err_msg=f"input {i}")
