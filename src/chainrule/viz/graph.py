"""The graph behind a tensor, as plain data for drawing and narrating: gates, leaves, constants, edges.

Built from the engine's nodes (``engine.toposort``, parents first) and what :func:`recording` kept in
``node.meta``. Ids are given in that order, so the same computation always gives the same graph.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..engine import Node, toposort
from ..tensor import Tensor
from . import format as fmt


@dataclass
class GNode:
    """One box of the drawing: a gate (``op``), a leaf tensor, a constant, the output, or a collapsed layer."""

    id: str
    kind: str  # "op" | "leaf" | "const" | "output" | "group"
    label: str  # the value's name in formulas (x, v1, dense1.weight, L)
    title: str  # what the box says first (op name, leaf name, layer name)
    value: Any = None  # forward value (the gate's output, the leaf's data)
    grad: Any = None  # dL/d(value) in the last backward pass, when known
    parts: list[Any] = field(default_factory=list)  # the contributions summed into grad (fan-out)
    node: Node | None = None
    tensor: Any = None
    scope: tuple = ()
    visit: int | None = None  # when the engine's backward reached this gate
    members: list[GNode] = field(default_factory=list)  # a group's gates
    params: list[GNode] = field(default_factory=list)  # a group's leaves


@dataclass
class GEdge:
    """A value flowing from ``src`` into input ``index`` of ``dst``, and the gradient flowing back on it."""

    id: str
    src: str
    dst: str
    index: int
    value: Any = None
    grad: Any = None


@dataclass
class Graph:
    nodes: list[GNode]
    edges: list[GEdge]
    root: GNode | None
    output: GNode | None
    recorded: bool  # whether recording() kept values and per-edge gradients

    def node(self, nid: str) -> GNode:
        for n in self.nodes:
            if n.id == nid:
                return n
        raise KeyError(nid)

    def ops(self) -> list[GNode]:
        return [n for n in self.nodes if n.kind == "op"]


def label(t: Any, name: str) -> Any:
    """Name an intermediate tensor for drawings and traces (``u = cr.viz.label(x ** 2, "u")``); returns ``t``.

    Leaves are named with ``cr.tensor(..., name="x")``; this names the result of an operation.
    """
    if not isinstance(t, Tensor):
        raise TypeError(f"label() takes a chainrule Tensor, got {type(t).__name__}")
    t.name = name
    if t.node is not None:
        if t.node.meta is None:
            t.node.meta = {}
        t.node.meta["label"] = name
    return t


def _meta(node: Node) -> dict:
    return node.meta if node.meta is not None else {}


def node_value(node: Node) -> Any:
    m = _meta(node)
    return m.get("value", node.ans)


def node_inputs(node: Node) -> tuple[Any, Any]:
    """The node's input arrays and the arguments as given (tensors or constants); None where freed."""
    m = _meta(node)
    raw = m.get("raw", node.raw)
    args = m.get("args", node.args) or None
    return raw, args


def _parameter_paths(order: list[Node]) -> dict[int, str]:
    """Unnamed parameters of the modules the graph ran through, named by their path (``dense1.weight``)."""
    names: dict[int, str] = {}
    roots: dict[int, Any] = {}
    for n in order:
        scope = _meta(n).get("scope")
        if scope:
            roots.setdefault(id(scope[0].module), scope[0].module)
    for root in roots.values():
        for name, p in root.named_parameters():
            names.setdefault(id(p), name)
    return names


def _sum_in_order(parts: list[Any]) -> Any:
    # the engine accumulates `prev + gi` in the order contributions arrive; summing the same way gives its bits
    total = parts[0]
    for p in parts[1:]:
        total = total + p
    return total


def build(t: Any, root_label: str | None = None) -> Graph:
    """The graph that produced tensor ``t``, with values and (after a recorded backward) gradients."""
    if not isinstance(t, Tensor):
        raise TypeError(f"expected a chainrule Tensor, got {type(t).__name__}")
    nodes: list[GNode] = []
    edges: list[GEdge] = []
    by_key: dict[Any, GNode] = {}
    out_label = root_label or t.name or "L"
    if t.node is None:
        leaf = GNode("n0", "leaf", t.name or "x", t.name or "x", value=t.data, grad=t.grad, tensor=t)
        return Graph([leaf], [], None, None, recorded=False)
    order = toposort(t.node)
    recorded = all(_meta(n).get("created") is not None for n in order)
    if recorded:  # the order they were computed in: a learner reads v1, v2, ... as the forward pass
        order.sort(key=lambda n: n.meta["created"])
    param_names = _parameter_paths(order)
    names_taken = {out_label}
    for n in order:
        for p in n.parents:
            if isinstance(p, Tensor) and (p.name or id(p) in param_names):
                names_taken.add(p.name or param_names[id(p)])
    auto = [0, 0]
    seen_labels: set[str] = set()

    def fresh(prefix: str, k: int) -> str:
        while True:
            auto[k] += 1
            name = f"{prefix}{auto[k]}"
            if name not in names_taken:
                names_taken.add(name)
                return name

    def new_id() -> str:
        return f"n{len(nodes)}"

    for node in order:
        m = _meta(node)
        raw, args = node_inputs(node)
        for i, p in enumerate(node.parents):
            if isinstance(p, Tensor) and id(p) not in by_key:
                name = p.name or param_names.get(id(p))
                gn = GNode(new_id(), "leaf", name or fresh("in", 0), name or "", value=p.data, tensor=p)
                gn.title = gn.label
                by_key[id(p)] = gn
                nodes.append(gn)
            elif p is None:
                a = args[i] if args is not None and i < len(args) else None
                if isinstance(a, Tensor) and a.name:
                    if id(a) not in by_key:
                        gn = GNode(new_id(), "const", a.name, a.name, value=a.data, tensor=a)
                        by_key[id(a)] = gn
                        nodes.append(gn)
                else:
                    value = raw[i] if raw is not None else None
                    text = fmt.summary(value) if value is not None and np.size(value) == 1 else "const"
                    gn = GNode(new_id(), "const", text, text, value=value)
                    by_key[(id(node), i)] = gn  # one box per constant use
                    nodes.append(gn)
        is_root = node is t.node
        name = m.get("label") or (out_label if is_root else None)
        gn = GNode(
            new_id(),
            "op",
            name or "",
            node.prim.name,
            value=node_value(node),
            node=node,
            scope=m.get("scope", ()),
            visit=m.get("visit"),
        )
        if "upstream" in m:
            gn.grad = m["upstream"]
        by_key[id(node)] = gn
        nodes.append(gn)
    for gn in nodes:  # names for unnamed intermediate values, in forward order; repeated names get primes
        if gn.kind == "op" and not gn.label:
            gn.label = fresh("v", 1)
        elif gn.kind == "op":
            while gn.label in seen_labels:
                gn.label += "'"
        seen_labels.add(gn.label)
    # edges, in forward order: gate by gate, input by input
    for node in order:
        m = _meta(node)
        raw, args = node_inputs(node)
        dst = by_key[id(node)]
        grads = m.get("grads", {})
        for i, p in enumerate(node.parents):
            if p is None:
                a = args[i] if args is not None and i < len(args) else None
                key = id(a) if isinstance(a, Tensor) and a.name else (id(node), i)
            else:
                key = id(p)
            src = by_key[key]
            value = raw[i] if raw is not None else src.value
            edges.append(GEdge(f"e{len(edges)}", src.id, dst.id, i, value=value, grad=grads.get(i)))
    root = by_key[id(t.node)]
    output = GNode(new_id(), "output", root.label, root.label, value=root.value, grad=root.grad)
    nodes.append(output)
    edges.append(GEdge(f"e{len(edges)}", root.id, output.id, 0, value=root.value, grad=root.grad))
    _fan_in(nodes, edges, root)
    return Graph(nodes, edges, root, output, recorded)


def _fan_in(nodes: list[GNode], edges: list[GEdge], root: GNode) -> None:
    """Each value's gradient parts (one per consumer), in the order the engine added them; leaves' totals."""
    visit = {n.id: (n.visit if n.visit is not None else -1) for n in nodes}
    output_id = nodes[-1].id
    incoming: dict[str, list[GEdge]] = {}
    for e in edges:
        if e.grad is not None and e.dst != output_id:
            incoming.setdefault(e.src, []).append(e)
    for n in nodes:
        if n.kind == "output":
            continue
        if n is root:
            n.parts = [n.grad] if n.grad is not None else []
            continue
        es = sorted(incoming.get(n.id, []), key=lambda e: (visit[e.dst], e.index))
        n.parts = [e.grad for e in es]
        if n.kind in ("leaf", "const") and n.parts:
            n.grad = _sum_in_order(n.parts)


def has_gradients(g: Graph) -> bool:
    return any(e.grad is not None for e in g.edges)


def is_fan_out(n: GNode) -> bool:
    return len(n.parts) > 1


def as_array(a: Any) -> np.ndarray | None:
    return None if a is None else np.asarray(a)
