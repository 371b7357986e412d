"""HIPS autograd: a NumPy function of the parameters, differentiated with value_and_grad."""

from __future__ import annotations

from typing import Any

from ..workloads import Workload


def available() -> str | None:
    try:
        import autograd  # noqa: F401
    except ImportError:
        return "HIPS autograd is not installed (pip install autograd)"
    return None


def versions() -> dict[str, str]:
    from importlib.metadata import version

    return {"autograd": version("autograd")}


def build(w: Workload, data: dict[str, Any]) -> tuple[Any, Any]:
    import autograd.numpy as anp
    from autograd import grad, value_and_grad

    if w.kind == "chain":
        x0 = data["x"].copy()
        length = data["length"]

        def f(x: Any) -> Any:
            y = x
            for k in range(length):
                op = k & 3
                if op == 0:
                    y = y * 2.0
                elif op == 1:
                    y = anp.tanh(y)
                elif op == 2:
                    y = y * 0.5
                else:
                    y = -y
            return anp.sum(y)

        vg = value_and_grad(f)

        def check() -> dict[str, Any]:
            loss, g = vg(x0)
            return {"loss": loss, "g0": g}

        def step() -> None:
            grad(f)(x0)

        return check, step

    params = [p.copy() for p in data["params"]]
    x, y, lr = data["x"], data["y"], data["lr"]
    nlayers = len(params) // 2

    def forward(ps: list) -> Any:
        h = x
        for i in range(nlayers):
            h = anp.dot(h, ps[2 * i]) + ps[2 * i + 1]
            if i < nlayers - 1:
                h = anp.maximum(h, 0)
        return h

    if w.kind == "mlp":
        rows = anp.arange(x.shape[0])

        def loss_fn(ps: list) -> Any:
            logits = forward(ps)
            m = anp.max(logits, axis=1, keepdims=True)
            z = logits - m
            lsm = z - anp.log(anp.sum(anp.exp(z), axis=1, keepdims=True))
            return -anp.mean(lsm[rows, y])
    else:
        alpha = data["alpha"]

        def loss_fn(ps: list) -> Any:
            data_loss = anp.mean(anp.maximum(1 - y * forward(ps), 0))
            return data_loss + alpha * sum(anp.sum(p * p) for p in ps)

    vg = value_and_grad(loss_fn)

    def check() -> dict[str, Any]:
        loss, gs = vg(params)
        return {"loss": loss, **{f"g{i}": g for i, g in enumerate(gs)}}

    def step() -> None:
        _, gs = vg(params)
        for i, g in enumerate(gs):
            params[i] = params[i] - lr * g

    return check, step
