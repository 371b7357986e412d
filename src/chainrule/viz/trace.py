"""The backward pass narrated: numbered steps in the order the engine ran them, with the engine's own numbers.

Each chain step is the primer's rule ``dL/dx = dL/dz * dz/dx`` for one input of one gate. The upstream
gradient dL/dz and the result dL/dx are exactly the arrays the engine used and produced (recorded by
:func:`chainrule.viz.recording`); the local derivative dz/dx is shown where it is one number (or a short
vector), computed by the gate's own backward rule with an upstream gradient of 1.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import engine
from .._shapes import sum_to
from ..errors import ChainruleError
from ..tensor import Tensor
from . import format as fmt
from .graph import GNode, Graph, build, node_inputs
from .record import recording
from .rules_text import local_formula, routing


class NotRecordedError(ChainruleError, RuntimeError):
    """The backward pass to narrate or draw was not recorded and its graph is gone."""


@dataclass
class Step:
    """One step of the narrated backward pass (also available as a plain dict: :meth:`as_dict`)."""

    number: int
    kind: str  # "seed": dL/dL; "chain": upstream x local for one gate input; "sum": the sum at a fan-out
    text: str  # the formula with numbers, e.g. "dL/dx = dL/dz * dz/dx = 0.3 * 2 = 0.6"
    gate: str | None = None  # the op's name
    routing: str = ""  # what the gate does to the gradient
    node: str | None = None  # id of the gate (or value) in the drawing
    edge: str | None = None  # id of the edge the gradient flows back on
    input_index: int | None = None
    output: str = ""  # label of the gate's output z
    input: str = ""  # label of the input x (for "sum": the value whose parts are added)
    upstream: np.ndarray | None = None  # dL/dz, as the engine used it
    local: np.ndarray | None = None  # dz/dx where it is a number or short vector, else None
    grad: np.ndarray | None = None  # dL/dx (chain: this gate's contribution; sum: the total)
    parts: list[np.ndarray] = field(default_factory=list)  # for "sum": the contributions, in the engine's order
    formula: str = ""  # the local derivative in symbols, where there is a short one
    equation: str = ""  # what the gate computed, e.g. "v1 = x * y"

    def as_dict(self) -> dict[str, Any]:
        """A JSON-friendly record: numbers as floats where scalar, arrays as shape and norm."""

        def arr(a: Any) -> Any:
            if a is None:
                return None
            a = np.asarray(a)
            if a.size == 1:
                return fmt.to_float(a)
            return {"shape": list(a.shape), "norm": fmt.norm(a)}

        return {
            "number": self.number,
            "kind": self.kind,
            "text": self.text,
            "gate": self.gate,
            "routing": self.routing,
            "node": self.node,
            "edge": self.edge,
            "input_index": self.input_index,
            "output": self.output,
            "input": self.input,
            "upstream": arr(self.upstream),
            "local": arr(self.local),
            "grad": arr(self.grad),
            "parts": [arr(p) for p in self.parts],
            "formula": self.formula,
            "equation": self.equation,
        }


class Trace:
    """The narrated backward pass: ``print()`` it for text, iterate it (or ``.steps``) for :class:`Step` records."""

    def __init__(self, steps: list[Step], graph: Graph, title: str) -> None:
        self.steps = steps
        self.graph = graph
        self.title = title

    def __iter__(self) -> Iterator[Step]:
        return iter(self.steps)

    def __len__(self) -> int:
        return len(self.steps)

    def __getitem__(self, i: int) -> Step:
        return self.steps[i]

    def records(self) -> list[dict[str, Any]]:
        """The steps as plain dicts (for JSON and other tools)."""
        return [s.as_dict() for s in self.steps]

    def text(self) -> str:
        lines = [self.title]
        for s in self.steps:
            head = f"{s.number:>3}. "
            if s.kind == "chain":
                lines.append(f"{head}{s.gate} gate ({s.equation}): {s.routing}")
                lines.append(" " * len(head) + s.text)
            elif s.kind == "seed":
                lines.append(f"{head}start: {s.text}")
            else:
                what = "fan-out, the gradients add up" if len(s.parts) > 1 else "total"
                lines.append(f"{head}{what}: {s.text}")
        return "\n".join(lines)

    __str__ = text

    def __repr__(self) -> str:
        return self.text()


def _local(node: Any, i: int, upstream: np.ndarray) -> np.ndarray | None:
    """dz/dx_i by the gate's own rule with upstream 1: defined as a short array when the output is one number."""
    if upstream is None or np.size(upstream) != 1:
        return None
    raw, _ = node_inputs(node)
    meta = node.meta or {}
    ans = meta.get("value", node.ans)
    if raw is None or ans is None:
        return None
    x = np.asarray(raw[i])
    if x.size > 4 or x.ndim > 1:  # a number or a short vector reads well; a matrix is summarised instead
        return None
    one = np.ones_like(np.asarray(upstream))
    with np.errstate(all="ignore"):
        loc = node.prim.vjps[i](one, ans, *raw, **node.params)
    if loc is None:
        return None
    loc = np.asarray(loc.data if isinstance(loc, Tensor) else loc)
    if loc.shape != x.shape:
        loc = sum_to(loc, x.shape)
    return loc


SYMBOLS = {"add": "+", "subtract": "-", "multiply": "*", "divide": "/", "power": "**", "matmul": "@"}


_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "@": 2, "**": 3}


def _loosest(label: str) -> int:
    """Precedence of the loosest-binding infix operator outside parentheses in ``label`` (4: none)."""
    depth, best, i = 0, 4, 0
    while i < len(label):
        c = label[i]
        if c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        elif (depth == 0 and c in "+-*/@" and i > 0 and label[i - 1] not in "e(*/+-@ ") or (
            depth == 0 and c in "+-" and i > 0 and label[i - 1] == " "
        ):
            op = "**" if label.startswith("**", i) else c
            best = min(best, _PRECEDENCE[op])
            i += len(op)
            continue
        i += 1
    return best


def _operand(label: str, sym: str, right: bool) -> str:
    """A label as an operand of ``sym``: parenthesised only where precedence requires it."""
    inner, outer = _loosest(label), _PRECEDENCE[sym]
    needs = inner < outer or (inner == outer and (right if sym != "**" else not right) and sym in "-/**@")
    return f"({label})" if needs else label


def equation(op: str, out: str, inputs: list[str]) -> str:
    """``v1 = x * y`` or ``v2 = sin(v1)``: what a gate computed, in labels."""
    sym = SYMBOLS.get(op)
    if sym and len(inputs) == 2:
        rhs = f"{_operand(inputs[0], sym, False)} {sym} {_operand(inputs[1], sym, True)}"
    else:
        rhs = f"{op}({', '.join(inputs)})"
    return rhs if " ".join(rhs.split()).replace(" ", "") == out.replace(" ", "") else f"{out} = {rhs}"


def _count_steps(n: int) -> str:
    return f"{n} chain-rule step{'' if n == 1 else 's'}"


def _num(a: Any, precision: int) -> str:
    return fmt.summary(a, precision) if a is not None and (np.size(a) <= 4) else fmt.grad_summary(a, precision)


def steps_from(g: Graph, precision: int = 4) -> list[Step]:
    """The numbered steps of the recorded backward pass over graph ``g``."""
    if g.root is None:
        return []
    out_name = g.root.label
    dl = f"d{out_name}/"
    steps: list[Step] = []
    by_id = {n.id: n for n in g.nodes}
    into: dict[str, list[Any]] = {}
    for e in g.edges:
        into.setdefault(e.dst, []).append(e)

    def add(**kw: Any) -> Step:
        s = Step(number=len(steps) + 1, **kw)
        steps.append(s)
        return s

    root = g.root
    add(
        kind="seed",
        text=f"{dl}{fmt.d(out_name)} = {_num(root.grad, precision)} (the gradient of the output with respect to itself)",
        node=root.id,
        edge=g.edges[-1].id,
        output=out_name,
        input=out_name,
        grad=root.grad,
        upstream=root.grad,
    )
    visited = sorted((n for n in g.ops() if n.visit is not None and n.grad is not None), key=lambda n: n.visit)
    root_visit = root.visit if root.visit is not None else 0
    for n in visited:
        if n.visit < root_visit:
            continue  # an older pass through a shared subgraph
        if len(n.parts) > 1:
            steps.append(_sum_step(len(steps) + 1, n, dl, precision))
        edges = sorted(into.get(n.id, []), key=lambda e: e.index)
        inputs = [by_id[e.src] for e in edges]
        labels = [i.label for i in inputs]
        for e in edges:
            if e.grad is None:
                continue
            x = by_id[e.src].label
            y = labels[1 - e.index] if len(labels) == 2 else ""
            z = n.label
            op = n.title
            local = _local(n.node, e.index, n.grad)
            formula, whole = local_formula(op, e.index, x, y, z, g=f"{dl}{fmt.d(z)}")
            rule = f"{dl}{fmt.d(x)} = {dl}{fmt.d(z)} * {fmt.d(z)}/{fmt.d(x)}"
            up = np.asarray(n.grad)
            if local is not None:
                text = f"{rule} = {_num(up, precision)} * {_num(local, precision)} = {_num(e.grad, precision)}"
            else:
                text = (
                    f"{rule}: upstream {fmt.shape_text(up)} |g| {fmt.num(fmt.norm(up), precision)}"
                    f" -> {fmt.shape_text(e.grad)} |g| {fmt.num(fmt.norm(e.grad), precision)}"
                )
                if formula:
                    text += f"   [{dl}{fmt.d(x)} = {formula}]" if whole else f"   [{fmt.d(z)}/{fmt.d(x)} = {formula}]"
            add(
                kind="chain",
                text=text,
                gate=op,
                routing=routing(op),
                node=n.id,
                edge=e.id,
                input_index=e.index,
                output=z,
                input=x,
                upstream=up,
                local=local,
                grad=np.asarray(e.grad),
                formula=formula,
                equation=equation(op, z, labels),
            )
    for n in g.nodes:
        if n.kind == "leaf" and n.parts:
            steps.append(_sum_step(len(steps) + 1, n, dl, precision))
    return steps


def _sum_step(number: int, n: GNode, dl: str, precision: int) -> Step:
    total = n.grad
    if len(n.parts) > 1:
        text = (
            f"{dl}{fmt.d(n.label)} = "
            + " + ".join(_num(p, precision) for p in n.parts)
            + f" = {_num(total, precision)}"
        )
    else:
        text = f"{dl}{fmt.d(n.label)} = {_num(total, precision)}"
    return Step(
        number=number,
        kind="sum",
        text=text,
        node=n.id,
        input=n.label,
        grad=np.asarray(total),
        parts=[np.asarray(p) for p in n.parts],
    )


def _ensure_recorded(t: Tensor) -> None:
    """Run a recorded backward pass now if ``t``'s graph was not recorded but is still alive."""
    root = t.node
    if root is None:
        return
    meta = root.meta or {}
    if "upstream" in meta and "grads" in meta:
        return
    order = engine.toposort(root)
    if any(n.raw is None for n in order):
        raise NotRecordedError(
            "this graph's backward pass was not recorded, and backward() has released the values it needs. "
            "Run the forward and backward pass inside `with cr.viz.recording():` and call this again, "
            "or call it before backward()"
        )
    # a fresh recorded pass over the live graph; `targets` keeps every leaf's .grad untouched
    leaves = [p for n in order for p in n.parents if isinstance(p, Tensor)]
    seed = np.ones(t.shape, dtype=t.dtype)
    if t.size != 1:
        raise NotRecordedError(
            f"explain() needs a single output value to start from, this tensor has shape {t.shape}: "
            "reduce it first (e.g. y.sum()), or run y.backward(grad) inside `with cr.viz.recording():`"
        )
    with recording() as rec:
        for n in order:
            rec.adopt(n, n.ans)
        engine.backprop(root, seed, retain_graph=True, targets=leaves or [root])


def trace(t: Any, precision: int = 4) -> Trace:
    """The backward pass behind ``t``, step by step, with the numbers the engine computed.

    >>> import chainrule as cr
    >>> with cr.viz.recording():
    ...     x = cr.tensor(3.0, requires_grad=True, name="x")
    ...     z = x * 2.0
    ...     z.backward()
    >>> print(cr.viz.trace(z).steps[1].text)
    dL/dx = dL/dL * dL/dx = 1 * 2 = 2
    """
    if not isinstance(t, Tensor):
        raise TypeError(f"trace() takes a chainrule Tensor, got {type(t).__name__}")
    _ensure_recorded(t)
    g = build(t)
    steps = steps_from(g, precision)
    out_name = g.root.label if g.root is not None else (t.name or "L")
    title = (
        f"Backward pass of {out_name} = {g.root.title}(...): {_count_steps(sum(s.kind == 'chain' for s in steps))}, "
        "in the order the engine ran them"
        if g.root is not None
        else f"{out_name} is a leaf: there is no backward pass to narrate"
    )
    return Trace(steps, g, title)
