"""chainrule, used as a reader of its README would: nn.MLP, cross_entropy, optim.SGD, tensor operators."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..workloads import Workload


def available() -> str | None:
    try:
        import chainrule  # noqa: F401
    except ImportError as e:  # pragma: no cover - run from a checkout
        return f"chainrule is not importable ({e}); run from the repository root with PYTHONPATH=src"
    return None


def versions() -> dict[str, str]:
    import chainrule as cr

    return {"chainrule": cr.__version__, "numpy": np.__version__}


def _model(cr: Any, w: Workload, params: list[np.ndarray], relu_last: bool = False) -> Any:
    net = cr.nn.MLP(list(w.sizes), seed=0, dtype=np.dtype(w.dtype) if w.kind == "mlp" else np.float64)
    dense = [getattr(net, f"dense{i + 1}") for i in range(net.depth)]
    for i, layer in enumerate(dense):
        layer.weight.data = params[2 * i].copy()
        layer.bias.data = params[2 * i + 1].copy()
    return net


def build(w: Workload, data: dict[str, Any]) -> tuple[Any, Any]:
    import chainrule as cr

    if w.kind == "chain":
        x = cr.tensor(data["x"], requires_grad=True)
        length = data["length"]

        def run() -> Any:
            y = x
            for k in range(length):
                op = k & 3
                if op == 0:
                    y = y * 2.0
                elif op == 1:
                    y = cr.tanh(y)
                elif op == 2:
                    y = y * 0.5
                else:
                    y = -y
            loss = y.sum()
            x.grad = None
            loss.backward()
            return loss

        def check() -> dict[str, Any]:
            loss = run()
            return {"loss": loss.numpy(), "g0": x.grad}

        return check, run

    net = _model(cr, w, data["params"])
    params = net.parameters()
    opt = cr.optim.SGD(params, lr=data["lr"])
    x = cr.tensor(data["x"])
    if w.kind == "mlp":
        labels = data["y"]

        def loss_fn() -> Any:
            return cr.cross_entropy(net(x), labels)
    else:
        y = cr.tensor(data["y"])
        alpha = data["alpha"]

        def loss_fn() -> Any:
            data_loss = cr.relu(1 - y * net(x)).mean()
            reg = sum((p * p).sum() for p in params)
            return data_loss + alpha * reg

    def check() -> dict[str, Any]:
        opt.zero_grad()
        loss = loss_fn()
        loss.backward()
        return {"loss": loss.numpy(), **{f"g{i}": p.grad for i, p in enumerate(params)}}

    def step() -> None:
        opt.zero_grad()
        loss_fn().backward()
        opt.step()

    return check, step
