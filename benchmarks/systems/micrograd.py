"""Karpathy's micrograd: scalar Values, its own MLP and its demo's max-margin loss (W4, W5 only)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..workloads import Workload
from . import NotApplicable


def available() -> str | None:
    try:
        import micrograd.engine  # noqa: F401
    except ImportError:
        return "micrograd is not installed (pip install micrograd)"
    return None


def versions() -> dict[str, str]:
    from importlib.metadata import version

    return {"micrograd": version("micrograd")}


def _tanh(value_cls: Any) -> Any:
    """tanh as one micrograd node, written the way micrograd writes its own ops (PyPI's 0.1.0 has none)."""

    def tanh(v: Any) -> Any:
        t = math.tanh(v.data)
        out = value_cls(t, (v,), "tanh")

        def _backward() -> None:
            v.grad += (1 - t * t) * out.grad

        out._backward = _backward
        return out

    return tanh


def build(w: Workload, data: dict[str, Any]) -> tuple[Any, Any]:
    from micrograd.engine import Value
    from micrograd.nn import MLP

    if w.kind == "chain":
        if w.length < 100_000:
            raise NotApplicable("micrograd works on scalars; the small-ops chain is a tensor workload")
        x0 = [float(v) for v in data["x"]]
        tanh = getattr(Value, "tanh", None) or _tanh(Value)
        length = data["length"]

        def run() -> tuple[Any, list]:
            xs = [Value(v) for v in x0]
            total = Value(0.0)
            for v in xs:  # one scalar chain per element, summed
                y = v
                for k in range(length):
                    op = k & 3
                    if op == 0:
                        y = y * 2.0
                    elif op == 1:
                        y = tanh(y)
                    elif op == 2:
                        y = y * 0.5
                    else:
                        y = -y
                total = total + y
            total.backward()
            return total, xs

        def check() -> dict[str, Any]:
            total, xs = run()
            return {"loss": np.asarray(total.data), "g0": np.array([v.grad for v in xs])}

        return check, run

    if w.kind != "scalar-mlp":
        raise NotApplicable("micrograd works on scalars; only the scalar MLP (W4) and the deep chain (W5) apply")
    params = data["params"]
    model = MLP(w.sizes[0], list(w.sizes[1:]))
    for li, layer in enumerate(model.layers):
        weight, bias = params[2 * li], params[2 * li + 1]
        for j, neuron in enumerate(layer.neurons):
            for i, wi in enumerate(neuron.w):
                wi.data = float(weight[i, j])
            neuron.b.data = float(bias[j])
    xs = [[Value(float(a)) for a in row] for row in data["x"]]
    ys = [float(v) for v in data["y"][:, 0]]
    alpha, lr = data["alpha"], data["lr"]
    plist = model.parameters()

    def loss_fn() -> Any:
        scores = [model(row) for row in xs]
        losses = [(1 + -yi * si).relu() for yi, si in zip(ys, scores, strict=True)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = alpha * sum(p * p for p in plist)
        return data_loss + reg_loss

    def check() -> dict[str, Any]:
        model.zero_grad()
        loss = loss_fn()
        loss.backward()
        out = {"loss": np.asarray(loss.data)}
        for li, layer in enumerate(model.layers):
            out[f"g{2 * li}"] = np.array([[n.w[i].grad for n in layer.neurons] for i in range(len(layer.neurons[0].w))])
            out[f"g{2 * li + 1}"] = np.array([n.b.grad for n in layer.neurons])
        return out

    def step() -> None:
        model.zero_grad()
        loss_fn().backward()
        for p in plist:
            p.data -= lr * p.grad

    return check, step
