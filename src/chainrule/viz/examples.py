"""The primer's examples for ``chainrule explain --example NAME``: each builds its graph inside ``recording()``
and runs the backward pass, returning what the command prints and draws."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import ChainruleError
from .graph import label
from .record import recording


@dataclass
class Example:
    """A computed example: the output, the inputs to report derivatives for, and how to describe it."""

    title: str
    output: Any
    inputs: list[tuple[str, Any]]  # (name, leaf tensor)
    notes: list[str] = field(default_factory=list)
    collapse: bool = False


def _expression(title: str, source: str, values: dict[str, float], notes: list[str]) -> Example:
    from ..tensor import tensor
    from .expr import evaluate, parse

    leaves = {k: tensor(float(v), requires_grad=True, name=k) for k, v in values.items()}
    with recording():
        out = evaluate(parse(source), source, leaves)
        label(out, "f")
        out.backward()
    return Example(title, out, list(leaves.items()), notes)


def composition() -> Example:
    return _expression(
        "composition: f(x) = g(h(x)) with h(x) = x**2, g(u) = sin(u)",
        "sin(x**2)",
        {"x": 1.5},
        ["f'(x) = g'(h(x)) * h'(x) = cos(x**2) * 2x"],
    )


def composition3() -> Example:
    return _expression(
        "composition3: f(x) = g(h(i(x))) with i(x) = x**2, h(u) = sin(u), g(v) = exp(v)",
        "exp(sin(x**2))",
        {"x": 1.5},
        ["f'(x) = g'(h(i(x))) * h'(i(x)) * i'(x) = exp(sin(x**2)) * cos(x**2) * 2x"],
    )


def multivariable() -> Example:
    from ..tensor import tensor

    m = tensor(2.0, requires_grad=True, name="m")
    n = tensor(3.0, requires_grad=True, name="n")
    with recording():
        x = label(m * n, "x")
        y = label(m + n, "y")
        f = label(x * y, "f")
        f.backward()
    return Example(
        "multivariable: f(x(m, n), y(m, n)) = x * y with x = m * n, y = m + n",
        f,
        [("m", m), ("n", n)],
        ["df/dm = df/dx * dx/dm + df/dy * dy/dm: m reaches f along two paths, and the gradients add up"],
    )


def gates() -> Example:
    return _expression(
        "gates: f = 2 * (x*y + max(z, w)): add, multiply and max side by side",
        "2*(x*y + max(z, w))",
        {"x": 3.0, "y": -4.0, "z": 2.0, "w": -1.0},
        ["add distributes, multiply swaps, max routes the gradient to the larger input"],
    )


def dense3() -> Example:
    from .. import nn
    from ..data import load
    from ..nn.module import Module
    from ..ops import cross_entropy
    from ..tensor import tensor

    class CrossEntropyLoss(Module):
        """The loss as a module, so the drawing shows it as one box after Dense3."""

        def forward(self, logits: Any, labels: Any) -> Any:
            return cross_entropy(logits, labels)

    try:
        data = load("digits", seed=0)
    except (ImportError, ValueError) as e:
        raise ChainruleError(f"the dense3 example needs the bundled digits: {e}") from None
    model = nn.MLP([data.num_features, 128, 64, data.num_classes], seed=0).name_parameters()
    x = tensor(data.x_train[:1], name="X")
    y = np.asarray(data.y_train[:1])
    with recording():
        loss = label(CrossEntropyLoss()(model(x), y), "loss")
        loss.backward()
    return Example(
        f"dense3: loss = cross_entropy(Dense3(Dense2(Dense1(X))), y) on one digit (label {int(y[0])})",
        loss,
        list(model.named_parameters()),
        ["f(X) = Dense3(Dense2(Dense1(X))), 64 -> 128 -> 64 -> 10, ReLU between layers"],
        collapse=True,
    )


EXAMPLES: dict[str, Callable[[], Example]] = {
    "composition": composition,
    "composition3": composition3,
    "multivariable": multivariable,
    "gates": gates,
    "dense3": dense3,
}
