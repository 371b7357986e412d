"""The floor: the same computation written by hand in NumPy, forward and backward, with no graph at all."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..workloads import Workload


def available() -> str | None:
    return None


def versions() -> dict[str, str]:
    return {"numpy": np.__version__}


def _mlp_grads(params: list[np.ndarray], x: np.ndarray, y: np.ndarray) -> tuple[Any, list[np.ndarray]]:
    """Loss and gradients of an all-ReLU MLP with mean softmax cross-entropy."""
    n = x.shape[0]
    nlayers = len(params) // 2
    acts = [x]  # the input of each layer
    h = x
    for i in range(nlayers):
        z = h @ params[2 * i]
        z += params[2 * i + 1]
        if i < nlayers - 1:
            np.maximum(z, 0, out=z)
            acts.append(z)
        h = z
    logits = h
    m = logits.max(axis=1, keepdims=True)
    e = np.exp(logits - m)
    s = e.sum(axis=1, keepdims=True)
    rows = np.arange(n)
    loss = np.mean(np.log(s[:, 0]) + m[:, 0] - logits[rows, y])
    d = e / s
    d[rows, y] -= 1
    d /= n
    grads: list[Any] = [None] * len(params)
    for i in range(nlayers - 1, -1, -1):
        a = acts[i]
        grads[2 * i] = a.T @ d
        grads[2 * i + 1] = d.sum(axis=0)
        if i:
            d = d @ params[2 * i].T
            d *= a > 0
    return loss, grads


def _scalar_mlp_grads(params: list[np.ndarray], x: np.ndarray, y: np.ndarray, alpha: float) -> tuple[Any, list]:
    """micrograd's demo loss: mean(relu(1 - y * score)) + alpha * sum(p**2), ReLU hidden layers."""
    n = x.shape[0]
    nlayers = len(params) // 2
    acts = [x]
    h = x
    for i in range(nlayers):
        z = h @ params[2 * i] + params[2 * i + 1]
        if i < nlayers - 1:
            z = np.maximum(z, 0)
            acts.append(z)
        h = z
    margin = 1 - y * h
    hinge = np.maximum(margin, 0)
    loss = hinge.mean() + alpha * sum(float(np.sum(p * p)) for p in params)
    d = np.where(margin > 0, -y, 0.0) / n
    grads: list[Any] = [None] * len(params)
    for i in range(nlayers - 1, -1, -1):
        a = acts[i]
        grads[2 * i] = a.T @ d + 2 * alpha * params[2 * i]
        grads[2 * i + 1] = d.sum(axis=0) + 2 * alpha * params[2 * i + 1]
        if i:
            d = (d @ params[2 * i].T) * (a > 0)
    return loss, grads


def _chain(x: np.ndarray, length: int) -> tuple[Any, np.ndarray]:
    """Forward through the W3/W5 cycle keeping only what the backward needs (the tanh outputs)."""
    saved = []
    y = x
    for k in range(length):
        op = k & 3
        if op == 0:
            y = y * 2.0
        elif op == 1:
            y = np.tanh(y)
            saved.append(y)
        elif op == 2:
            y = y * 0.5
        else:
            y = -y
    loss = y.sum()
    g = np.ones_like(y)
    for k in range(length - 1, -1, -1):
        op = k & 3
        if op == 0:
            g = g * 2.0
        elif op == 1:
            t = saved.pop()
            g = g * (1.0 - t * t)
        elif op == 2:
            g = g * 0.5
        else:
            g = -g
    return loss, g


def build(w: Workload, data: dict[str, Any]) -> tuple[Any, Any]:
    if w.kind == "chain":
        x, length = data["x"].copy(), data["length"]

        def check() -> dict[str, Any]:
            loss, g = _chain(x, length)
            return {"loss": loss, "g0": g}

        def step() -> None:
            _chain(x, length)

        return check, step

    params = [p.copy() for p in data["params"]]
    x, y, lr = data["x"], data["y"], data["lr"]
    if w.kind == "mlp":

        def grads() -> tuple[Any, list]:
            return _mlp_grads(params, x, y)
    else:
        alpha = data["alpha"]

        def grads() -> tuple[Any, list]:
            return _scalar_mlp_grads(params, x, y, alpha)

    lr_ = np.asarray(lr, dtype=params[0].dtype)

    def check() -> dict[str, Any]:
        loss, gs = grads()
        return {"loss": loss, **{f"g{i}": g for i, g in enumerate(gs)}}

    def step() -> None:
        _, gs = grads()
        for p, g in zip(params, gs, strict=True):
            g *= lr_
            p -= g

    return check, step
