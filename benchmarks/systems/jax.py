"""JAX on the CPU: op-by-op ("eager") value_and_grad, or the whole step under jax.jit (compiled once, untimed).

``jax-jit`` is the same code with the step compiled by XLA; its compile time is excluded from the step time.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..workloads import Workload
from . import NotApplicable

JIT = False


def available() -> str | None:
    try:
        import jax  # noqa: F401
    except ImportError:
        return "JAX is not installed (pip install jax jaxlib)"
    return None


def versions() -> dict[str, str]:
    import jax
    import jaxlib

    return {"jax": jax.__version__, "jaxlib": jaxlib.__version__}


def build(w: Workload, data: dict[str, Any]) -> tuple[Any, Any]:
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    wrap = jax.jit if JIT else (lambda f: f)

    if w.kind == "chain":
        if JIT and w.length > 1000:
            raise NotApplicable(
                "an unrolled chain of this length takes XLA minutes to compile; a real program would use lax.scan"
            )
        x0 = jnp.asarray(data["x"])
        length = data["length"]

        def f(x: Any) -> Any:
            y = x
            for k in range(length):
                op = k & 3
                if op == 0:
                    y = y * 2.0
                elif op == 1:
                    y = jnp.tanh(y)
                elif op == 2:
                    y = y * 0.5
                else:
                    y = -y
            return jnp.sum(y)

        vg = wrap(jax.value_and_grad(f))

        def check() -> dict[str, Any]:
            loss, g = vg(x0)
            return {"loss": np.asarray(loss), "g0": np.asarray(g)}

        def step() -> None:
            jax.block_until_ready(vg(x0))

        return check, step

    params = [jnp.asarray(p) for p in data["params"]]
    x, y, lr = jnp.asarray(data["x"]), jnp.asarray(data["y"]), data["lr"]
    nlayers = len(params) // 2

    def forward(ps: list) -> Any:
        h = x
        for i in range(nlayers):
            h = h @ ps[2 * i] + ps[2 * i + 1]
            if i < nlayers - 1:
                h = jax.nn.relu(h)
        return h

    if w.kind == "mlp":

        def loss_fn(ps: list) -> Any:
            lsm = jax.nn.log_softmax(forward(ps), axis=1)
            return -jnp.mean(jnp.take_along_axis(lsm, y[:, None], axis=1))
    else:
        alpha = data["alpha"]

        def loss_fn(ps: list) -> Any:
            data_loss = jnp.mean(jax.nn.relu(1 - y * forward(ps)))
            return data_loss + alpha * sum(jnp.sum(p * p) for p in ps)

    vg = jax.value_and_grad(loss_fn)

    def update(ps: list) -> list:
        _, gs = vg(ps)
        return [p - lr * g for p, g in zip(ps, gs, strict=True)]

    update = wrap(update)
    vg_checked = wrap(vg)
    state = {"ps": params}

    def check() -> dict[str, Any]:
        loss, gs = vg_checked(state["ps"])
        return {"loss": np.asarray(loss), **{f"g{i}": np.asarray(g) for i, g in enumerate(gs)}}

    def step() -> None:
        state["ps"] = jax.block_until_ready(update(state["ps"]))

    return check, step
