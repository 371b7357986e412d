"""PyTorch CPU, eager mode: nn.Sequential of Linear/ReLU, F.cross_entropy, optim.SGD."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..workloads import Workload


def available() -> str | None:
    try:
        import torch  # noqa: F401
    except ImportError:
        return "PyTorch is not installed (pip install torch --index-url https://download.pytorch.org/whl/cpu)"
    return None


def versions() -> dict[str, str]:
    import torch

    return {"torch": torch.__version__, "torch_threads": str(torch.get_num_threads())}


def set_threads(n: int) -> None:
    import torch

    torch.set_num_threads(n)


def _model(torch: Any, w: Workload, params: list[np.ndarray]) -> Any:
    layers: list[Any] = []
    n = len(params) // 2
    for i in range(n):
        weight, bias = params[2 * i], params[2 * i + 1]
        lin = torch.nn.Linear(weight.shape[0], weight.shape[1], dtype=torch.from_numpy(weight).dtype)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(weight.T.copy()))
            lin.bias.copy_(torch.from_numpy(bias.copy()))
        layers.append(lin)
        if i < n - 1:
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


def build(w: Workload, data: dict[str, Any]) -> tuple[Any, Any]:
    import torch

    if w.kind == "chain":
        x = torch.tensor(data["x"], requires_grad=True)
        length = data["length"]

        def run() -> Any:
            y = x
            for k in range(length):
                op = k & 3
                if op == 0:
                    y = y * 2.0
                elif op == 1:
                    y = torch.tanh(y)
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
            return {"loss": loss.detach().numpy(), "g0": x.grad.numpy()}

        return check, run

    net = _model(torch, w, data["params"])
    linears = [m for m in net if isinstance(m, torch.nn.Linear)]
    ordered = [t for lin in linears for t in (lin.weight, lin.bias)]
    opt = torch.optim.SGD(net.parameters(), lr=data["lr"])
    x = torch.from_numpy(data["x"])
    if w.kind == "mlp":
        labels = torch.from_numpy(data["y"])

        def loss_fn() -> Any:
            return torch.nn.functional.cross_entropy(net(x), labels)
    else:
        y = torch.from_numpy(data["y"])
        alpha = data["alpha"]
        plist = list(net.parameters())

        def loss_fn() -> Any:
            data_loss = torch.relu(1 - y * net(x)).mean()
            reg = sum((p * p).sum() for p in plist)
            return data_loss + alpha * reg

    def check() -> dict[str, Any]:
        opt.zero_grad()
        loss = loss_fn()
        loss.backward()
        out = {"loss": loss.detach().numpy()}
        for i, t in enumerate(ordered):
            g = t.grad.numpy()
            out[f"g{i}"] = g.T if i % 2 == 0 else g  # torch keeps weights as (out, in)
        return out

    def step() -> None:
        opt.zero_grad()
        loss_fn().backward()
        opt.step()

    return check, step
