"""Collapsing a network's operations into one box per layer (``Dense1 -> Dense2 -> Dense3 -> loss``).

Each recorded node knows the ``nn.Module`` calls it ran inside (``node.meta["scope"]``, outermost first).
At level 1 every gate goes into the box of the module call one below the outermost model (the model's
layers); parameters used only inside one box are listed in it; edges inside a box disappear, and edges
between boxes carry the value and gradient that cross the boundary.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .graph import GEdge, GNode, Graph


def _module_names(frames: list[Any]) -> dict[int, str]:
    names: dict[int, str] = {}
    for f in frames:  # name every module by its path inside the outermost module of its scope
        root = f[0].module
        if id(root) in names:
            continue
        names[id(root)] = ""  # the outermost module has no path: it is called by its class name
        for name, m in root.named_modules():
            if name:
                names.setdefault(id(m), name)
    return names


def _describe(module: Any, name: str) -> str:
    try:
        extra = module.extra_repr()
    except Exception:  # a user's module with a broken extra_repr still gets drawn
        extra = ""
    own = f"{type(module).__name__}({extra})"
    return own if name == type(module).__name__ else f"{name}: {own}"


def collapse(g: Graph, level: int = 1, expand: Sequence[str] = ()) -> Graph:
    """A copy of ``g`` with the gates of each module call at depth ``level`` drawn as one box.

    ``expand`` names modules (``"dense2"``) whose gates stay drawn one by one.
    """
    scoped = [n.scope for n in g.nodes if n.kind == "op" and n.scope]
    if not scoped:
        return g
    names = _module_names(scoped)
    groups: dict[int, GNode] = {}  # frame number -> group box (ids in forward order, never the frame numbers)
    owner: dict[str, GNode] = {}
    for n in g.nodes:
        if n.kind != "op" or not n.scope:
            continue
        frame = n.scope[min(level, len(n.scope) - 1)]
        name = names.get(id(frame.module)) or type(frame.module).__name__
        if name in expand:
            continue
        grp = groups.get(frame.number)
        if grp is None:
            grp = GNode(f"m{len(groups)}", "group", name, _describe(frame.module, name), scope=n.scope)
            groups[frame.number] = grp
        grp.members.append(n)
        owner[n.id] = grp
    if not groups:
        return g
    # leaves and constants whose every use is inside one box belong to it
    uses: dict[str, set[str]] = {}
    for e in g.edges:
        uses.setdefault(e.src, set()).add(owner[e.dst].id if e.dst in owner else e.dst)
    by_id = {grp.id: grp for grp in groups.values()}
    for n in g.nodes:
        absorbable = n.kind == "leaf" or (n.kind == "const" and n.tensor is None)  # named inputs stay outside
        if absorbable and len(uses.get(n.id, ())) == 1:
            (target,) = uses[n.id]
            if target in by_id:
                owner[n.id] = by_id[target]
                by_id[target].params.append(n)
    nodes: list[GNode] = []
    placed: set[str] = set()
    for n in g.nodes:
        grp = owner.get(n.id)
        if grp is None:
            nodes.append(n)
        elif grp.id not in placed:
            placed.add(grp.id)
            nodes.append(grp)
    for grp in groups.values():  # what leaves the box: the last gate's output, and its gradient
        last = grp.members[-1]
        grp.value, grp.grad, grp.parts, grp.visit = last.value, last.grad, last.parts, last.visit
        grp.label = last.label
    edges: list[GEdge] = []
    merged: dict[tuple[str, str], GEdge] = {}
    for e in g.edges:
        s = owner[e.src].id if e.src in owner else e.src
        t = owner[e.dst].id if e.dst in owner else e.dst
        if s == t:
            continue
        prev = merged.get((s, t))
        if prev is not None:  # one value entering a box at two gates: one arrow carrying the summed gradient
            if e.grad is not None:
                prev.grad = e.grad if prev.grad is None else prev.grad + e.grad
            continue
        ne = GEdge(e.id, s, t, e.index, value=e.value, grad=e.grad)
        merged[(s, t)] = ne
        edges.append(ne)
    root = owner.get(g.root.id, g.root) if g.root is not None else None
    return Graph(nodes, edges, root, g.output, g.recorded)
