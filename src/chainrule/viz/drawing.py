"""``cr.viz.draw``: the computational graph with values flowing forward and gradients flowing back.

The picture follows the primer's figure: each gate is a box labelled with its operation; on each arrow
the forward value is written above (blue) and, once ``backward()`` has run inside
:func:`~chainrule.viz.recording`, the gradient flowing back along it below (red). Where a value feeds
several gates its box shows the sum of the gradients that came back (``dL/dx = 0.6 + 0.2 = 0.8``).

Everything is laid out and written here (SVG by hand, PNG through matplotlib); Graphviz is used only when
asked for with ``layout="dot"`` and installed. The same graph always gives the same bytes.
"""

from __future__ import annotations

import html
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ChainruleError
from ..tensor import Tensor
from . import format as fmt
from .collapse import collapse as collapse_graph
from .graph import GNode, Graph, build
from .layout import Layout, layered, ranks

FONT = 12.0
CHAR_W = FONT * 0.6  # monospace advance: widths are known without measuring text
LINE_H = 16.0
PAD = 8.0
TOP = 34.0  # room for the legend

COLORS = {
    "value": "#1f5fbf",
    "grad": "#c0392b",
    "op": "#fff7e0",
    "op_stroke": "#b8860b",
    "leaf": "#e8f1ff",
    "leaf_stroke": "#1f5fbf",
    "const": "#f2f2f2",
    "const_stroke": "#999999",
    "output": "#e9f7ef",
    "output_stroke": "#2e8b57",
    "group": "#f4ecff",
    "group_stroke": "#6a3d9a",
    "text": "#222222",
    "muted": "#666666",
    "edge": "#555555",
}

SYMBOLS = {"add": "+", "subtract": "-", "multiply": "*", "divide": "/", "power": "**", "matmul": "@"}


class DrawError(ChainruleError, ValueError):
    """A drawing could not be made as asked (unknown format, Graphviz missing for layout="dot", ...)."""


@dataclass
class Drawing:
    """A drawn graph: ``.text`` (SVG or DOT source) or ``.data`` (PNG bytes); shows itself in notebooks."""

    format: str
    data: bytes | str
    graph: Graph

    @property
    def text(self) -> str:
        if isinstance(self.data, bytes):
            raise DrawError("a PNG drawing has no text; use .data for its bytes")
        return self.data

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        if isinstance(self.data, bytes):
            path.write_bytes(self.data)
        else:
            path.write_text(self.data, encoding="utf-8")
        return path

    def _repr_svg_(self) -> str | None:
        return self.data if self.format == "svg" else None

    def _repr_png_(self) -> bytes | None:
        return self.data if self.format == "png" else None

    def __str__(self) -> str:
        return self.data if isinstance(self.data, str) else f"<PNG drawing, {len(self.data)} bytes>"


# ---------------------------------------------------------------------------------------------------
# what each box and arrow says


def fan_text(n: GNode, dl: str, precision: int) -> str | None:
    """``dL/dx = 0.6 + 0.2 = 0.8`` for a value whose gradient came back from several gates."""
    if n.grad is None:
        return None
    g = fmt.grad_summary
    if len(n.parts) > 1:
        return f"{dl}{fmt.d(n.label)} = " + " + ".join(g(p, precision) for p in n.parts) + f" = {g(n.grad, precision)}"
    return f"{dl}{fmt.d(n.label)} = {g(n.grad, precision)}"


def box_lines(n: GNode, dl: str, precision: int) -> list[tuple[str, str]]:
    """The lines of text in a box, each with its style (title, value, grad, muted, const)."""
    if n.kind == "op":
        lines = [("title", n.title)]
        lines.append(("muted", f"-> {n.label}"))
        if len(n.parts) > 1:
            lines.append(("grad", fan_text(n, dl, precision) or ""))
        return lines
    if n.kind == "leaf":
        lines = [("title", n.title), ("value", f"= {fmt.summary(n.value, precision)}")]
        ft = fan_text(n, dl, precision)
        if ft:
            lines.append(("grad", ft))
        return lines
    if n.kind == "const":
        head = [] if n.tensor is None else [("title", n.title)]
        return [*head, ("const", fmt.summary(n.value, precision))]
    if n.kind == "output":
        lines = [("title", n.title), ("value", f"= {fmt.summary(n.value, precision)}")]
        if n.grad is not None:
            lines.append(("grad", f"{dl}{fmt.d(n.label)} = {fmt.grad_summary(n.grad, precision)}"))
        return lines
    # a collapsed module call
    ops = [m.title for m in n.members]
    shown = " -> ".join(ops if len(ops) <= 4 else [*ops[:2], f"... {len(ops) - 3} more", ops[-1]])
    lines = [("title", n.title), ("muted", shown)]
    for p in n.params:
        if p.kind == "const" and p.tensor is None:
            continue
        lines.append(("value", f"{p.title} {fmt.shape_text(p.value)}"))
        if p.grad is not None:
            lines.append(("grad", f"  {dl}{fmt.d(p.label)} {fmt.grad_summary(p.grad, precision)}"))
    return lines


def _width(lines: list[tuple[str, str]]) -> float:
    return max(len(t) for _, t in lines) * CHAR_W + 2 * PAD


LEGEND_W = 20 + 64 * CHAR_W
PORT = 30.0  # vertical distance between the inputs of one gate: room for a value above and a gradient below


@dataclass
class Scene:
    layout: Layout
    lines: dict[str, list[tuple[str, str]]]
    labels: dict[str, tuple[str, str]]
    routes: dict[str, list[tuple[float, float]]]  # per edge: curve points, then the straight stub into the port


def edge_labels(g: Graph, precision: int) -> dict[str, tuple[str, str]]:
    """Each arrow's (value, gradient) texts."""
    return {
        e.id: (
            fmt.short(e.value, precision) if e.value is not None else "",
            fmt.grad_summary(e.grad, precision) if e.grad is not None else "",
        )
        for e in g.edges
    }


def _scene(g: Graph, precision: int) -> Scene:
    out_name = g.root.label if g.root is not None else "L"
    dl = f"d{out_name}/"
    lines = {n.id: box_lines(n, dl, precision) for n in g.nodes}
    labels = edge_labels(g, precision)
    stub = {eid: max(len(v), len(gr), 4) * CHAR_W + 16 for eid, (v, gr) in labels.items()}
    n_in: dict[str, int] = {}
    for e in g.edges:
        n_in[e.dst] = n_in.get(e.dst, 0) + 1
    sizes = [
        (n.id, _width(lines[n.id]), max(len(lines[n.id]) * LINE_H + 2 * PAD - 4, n_in.get(n.id, 0) * PORT + 4))
        for n in g.nodes
    ]
    pairs = [(e.src, e.dst) for e in g.edges]
    rank = ranks([n.id for n in g.nodes], pairs)  # columns first, then gaps wide enough for the labels
    rank_gap: dict[int, float] = {}
    for e in g.edges:
        r = rank[e.dst]
        rank_gap[r] = max(rank_gap.get(r, 0.0), stub[e.id] + 40)
    lay = layered(sizes, pairs, gaps=rank_gap, top=TOP)
    # each input arrives at its own port on the box's left side, along a straight stub that carries its labels
    # ports top to bottom in the order the arrows come from (fewer crossings), ties by input number
    arriving: dict[str, list[tuple[float, int, str]]] = {}
    for e, pts in zip(g.edges, lay.paths, strict=True):
        arriving.setdefault(e.dst, []).append((pts[-2][1] if len(pts) > 2 else lay.boxes[e.src].y, e.index, e.id))
    port: dict[str, int] = {}
    for ins in arriving.values():
        for k, (_, _, eid) in enumerate(sorted(ins)):
            port[eid] = k
    routes: dict[str, list[tuple[float, float]]] = {}
    for e, pts in zip(g.edges, lay.paths, strict=True):
        y = lay.boxes[e.dst].y + (port[e.id] - (n_in[e.dst] - 1) / 2) * PORT
        end = (pts[-1][0], y)
        routes[e.id] = [*pts[:-1], (end[0] - stub[e.id], y), end]
    return Scene(lay, lines, labels, routes)


# ---------------------------------------------------------------------------------------------------
# SVG


def _esc(s: str) -> str:
    return html.escape(s, quote=True)


def _f(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


def _edge_path(pts: list[tuple[float, float]]) -> str:
    """SVG path data: smooth curves through the points, then the straight stub into the port."""
    d = f"M{_f(pts[0][0])},{_f(pts[0][1])}"
    for k in range(1, len(pts) - 1):
        (x0, y0), (x1, y1) = pts[k - 1], pts[k]
        dx = max((x1 - x0) / 2, 8.0)
        d += f" C{_f(x0 + dx)},{_f(y0)} {_f(x1 - dx)},{_f(y1)} {_f(x1)},{_f(y1)}"
    return d + f" L{_f(pts[-1][0])},{_f(pts[-1][1])}"


def _label_at(pts: list[tuple[float, float]]) -> tuple[float, float]:
    (x0, y0), (x1, _) = pts[-2], pts[-1]
    return (x0 + x1) / 2, y0


def to_svg(g: Graph, precision: int = 4, interactive: bool = False) -> str:
    """The SVG text of graph ``g`` (``interactive`` adds the ids and hooks the HTML page uses)."""
    sc = _scene(g, precision)
    lay, lines, labels = sc.layout, sc.lines, sc.labels
    w, h = max(lay.width, LEGEND_W), lay.height
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_f(w)}" height="{_f(h)}" viewBox="0 0 {_f(w)} {_f(h)}" '
        f'font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="{_f(FONT)}">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" '
        f'markerHeight="8" markerUnits="userSpaceOnUse" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{COLORS["edge"]}"/>'
        "</marker></defs>",
        '<rect width="100%" height="100%" fill="white"/>',
        f'<g class="legend"><text x="20" y="20" fill="{COLORS["value"]}">value (forward, above each arrow)</text>'
        f'<text x="{_f(20 + 36 * CHAR_W)}" y="20" fill="{COLORS["grad"]}">gradient (backward, below)</text></g>',
        '<g class="edges">',
    ]
    for e in g.edges:
        pts = sc.routes[e.id]
        d, (mx, my) = _edge_path(pts), _label_at(pts)
        v, gr = labels[e.id]
        out.append(f'<g class="edge" id="{e.id}" data-src="{e.src}" data-dst="{e.dst}">')
        out.append(f'<path d="{d}" fill="none" stroke="{COLORS["edge"]}" stroke-width="1.3" marker-end="url(#arrow)"/>')
        if v:
            out.append(
                f'<text class="val" x="{_f(mx)}" y="{_f(my - 4)}" text-anchor="middle" fill="{COLORS["value"]}">'
                f"{_esc(v)}</text>"
            )
        if gr:
            out.append(
                f'<text class="grad" x="{_f(mx)}" y="{_f(my + 13)}" text-anchor="middle" fill="{COLORS["grad"]}">'
                f"{_esc(gr)}</text>"
            )
        out.append("</g>")
    out.append("</g>")
    out.append('<g class="nodes">')
    for n in g.nodes:
        b = lay.boxes[n.id]
        x0, y0 = b.x - b.w / 2, b.y - b.h / 2
        fill, stroke = COLORS[n.kind], COLORS[f"{n.kind}_stroke"]
        radius = 12 if n.kind == "op" else 4
        out.append(f'<g class="node {n.kind}" id="{n.id}">')
        if interactive:
            out.append(f"<title>{_esc(n.title)}</title>")
        out.append(
            f'<rect x="{_f(x0)}" y="{_f(y0)}" width="{_f(b.w)}" height="{_f(b.h)}" rx="{radius}" '
            f'fill="{fill}" stroke="{stroke}" stroke-width="1.5"/>'
        )
        for k, (style, text) in enumerate(lines[n.id]):
            color = {"value": COLORS["value"], "grad": COLORS["grad"], "muted": COLORS["muted"]}.get(
                style, COLORS["text"]
            )
            weight = ' font-weight="bold"' if style == "title" else ""
            ty = y0 + PAD + (k + 1) * LINE_H - 4
            out.append(
                f'<text class="{style}" x="{_f(b.x)}" y="{_f(ty)}" text-anchor="middle" fill="{color}"{weight}>'
                f"{_esc(text)}</text>"
            )
        out.append("</g>")
    out.append("</g></svg>")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------------------
# DOT and PNG


def to_dot(g: Graph, precision: int = 4) -> str:
    """Graphviz source for ``g`` (render it with ``dot -Tsvg`` where Graphviz is installed)."""
    out_name = g.root.label if g.root is not None else "L"
    dl = f"d{out_name}/"
    shapes = {"op": 'box, style="rounded,filled"', "leaf": "box, style=filled", "const": "plaintext"}
    out = ["digraph chainrule {", "  rankdir=LR;", '  node [fontname="monospace", fontsize=11];']
    for n in g.nodes:
        text = "\\n".join(t.replace('"', '\\"') for _, t in box_lines(n, dl, precision))
        fill = COLORS.get(n.kind, "#ffffff")
        out.append(f'  {n.id} [label="{text}", shape={shapes.get(n.kind, "box, style=filled")}, fillcolor="{fill}"];')
    for e in g.edges:
        v = fmt.summary(e.value, precision) if e.value is not None else ""
        gr = fmt.grad_summary(e.grad, precision) if e.grad is not None else ""
        lab = f'<<font color="{COLORS["value"]}">{_esc(v)}</font>'
        if gr:
            lab += f'<br/><font color="{COLORS["grad"]}">{_esc(gr)}</font>'
        out.append(f"  {e.src} -> {e.dst} [label={lab}>];")
    out.append("}")
    return "\n".join(out) + "\n"


def to_png(g: Graph, precision: int = 4, dpi: int = 110) -> bytes:
    """A PNG of the same layout, drawn with matplotlib (``pip install matplotlib``)."""
    try:
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
        from matplotlib.patches import FancyBboxPatch, PathPatch
        from matplotlib.path import Path as MPath
    except ImportError:
        raise DrawError("PNG drawings need matplotlib: pip install matplotlib (or use format='svg')") from None
    import io

    sc = _scene(g, precision)
    lay, lines, labels = sc.layout, sc.lines, sc.labels
    width = max(lay.width, LEGEND_W)
    fig = plt.figure(figsize=(width / 100, lay.height / 100), dpi=dpi)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(lay.height, 0)
    ax.axis("off")
    fs = FONT * 0.72
    ax.text(20, 20, "value (forward, above each arrow)", color=COLORS["value"], fontsize=fs, family="monospace")
    ax.text(20 + 36 * CHAR_W, 20, "gradient (backward, below)", color=COLORS["grad"], fontsize=fs, family="monospace")
    for e in g.edges:
        pts = sc.routes[e.id]
        verts, codes = [pts[0]], [MPath.MOVETO]
        for k in range(1, len(pts) - 1):
            (x0, y0), (x1, y1) = pts[k - 1], pts[k]
            dx = max((x1 - x0) / 2, 8.0)
            verts += [(x0 + dx, y0), (x1 - dx, y1), (x1, y1)]
            codes += [MPath.CURVE4] * 3
        verts.append(pts[-1])
        codes.append(MPath.LINETO)
        ax.add_patch(PathPatch(MPath(verts, codes), fill=False, edgecolor=COLORS["edge"], lw=1.1))
        ax.annotate(
            "",
            xy=pts[-1],
            xytext=(pts[-1][0] - 6, pts[-1][1]),
            arrowprops={"arrowstyle": "-|>", "color": COLORS["edge"], "lw": 1.1},
        )
        mx, my = _label_at(pts)
        v, gr = labels[e.id]
        ax.text(mx, my - 4, v, ha="center", va="baseline", color=COLORS["value"], fontsize=fs, family="monospace")
        ax.text(mx, my + 13, gr, ha="center", va="baseline", color=COLORS["grad"], fontsize=fs, family="monospace")
    for n in g.nodes:
        b = lay.boxes[n.id]
        ax.add_patch(
            FancyBboxPatch(
                (b.x - b.w / 2, b.y - b.h / 2),
                b.w,
                b.h,
                boxstyle="round,pad=0,rounding_size=6",
                facecolor=COLORS[n.kind],
                edgecolor=COLORS[f"{n.kind}_stroke"],
                lw=1.2,
            )
        )
        for k, (style, text) in enumerate(lines[n.id]):
            color = {"value": COLORS["value"], "grad": COLORS["grad"], "muted": COLORS["muted"]}.get(
                style, COLORS["text"]
            )
            ty = b.y - b.h / 2 + PAD + (k + 1) * LINE_H - 4
            ax.text(
                b.x,
                ty,
                text,
                ha="center",
                va="baseline",
                color=color,
                fontsize=fs,
                family="monospace",
                weight="bold" if style == "title" else "normal",
            )
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------------
# the public function


def prepare(
    t: Any, collapse: bool | int = True, expand: tuple[str, ...] | list[str] = (), root_label: str | None = None
) -> Graph:
    """The graph to draw for ``t``: built, and collapsed per module call unless ``collapse=False``."""
    if not isinstance(t, Tensor):
        raise TypeError(f"draw() takes a chainrule Tensor, got {type(t).__name__}")
    g = build(t, root_label=root_label)
    if collapse is not False and collapse is not None:
        level = 1 if collapse is True else int(collapse)
        g = collapse_graph(g, level=level, expand=tuple(expand))
    return g


def draw(
    t: Any,
    path: str | Path | None = None,
    format: str | None = None,  # noqa: A002 - the name users expect (matplotlib, graphviz)
    collapse: bool | int = True,
    expand: tuple[str, ...] | list[str] = (),
    precision: int = 4,
    layout: str = "builtin",
) -> Drawing:
    """Draw the computational graph that produced tensor ``t``.

    Gates are boxes labelled with their operation; each arrow carries the forward value (blue) and, after a
    ``backward()`` run inside ``cr.viz.recording()``, the gradient flowing back (red). Arrays show their
    shape and a short summary. ``collapse=True`` draws each layer of an ``nn.Module`` as one box (``collapse=0``
    the whole model, ``collapse=2`` one level deeper, ``False`` every gate); ``expand=["dense2"]`` keeps the
    named modules' gates visible. ``format`` is ``"svg"``, ``"png"`` or ``"dot"`` (default: from ``path``'s
    suffix, else SVG). ``layout="dot"`` lays out with Graphviz where it is installed.

    >>> import chainrule as cr
    >>> with cr.viz.recording():
    ...     x = cr.tensor(2.0, requires_grad=True, name="x")
    ...     y = x * 3.0
    ...     y.backward()
    >>> "multiply" in cr.viz.draw(y).text
    True
    """
    kind = format
    if kind is None:
        kind = Path(path).suffix.lstrip(".").lower() if path is not None and Path(path).suffix else "svg"
    if kind not in ("svg", "png", "dot"):
        raise DrawError(f"unknown drawing format {kind!r}: choose 'svg', 'png' or 'dot'")
    if layout not in ("builtin", "dot"):
        raise DrawError(f"unknown layout {layout!r}: choose 'builtin' (always available) or 'dot' (Graphviz)")
    g = prepare(t, collapse=collapse, expand=expand)
    if kind == "dot":
        data: bytes | str = to_dot(g, precision)
    elif layout == "dot":
        exe = shutil.which("dot")
        if exe is None:
            raise DrawError(
                "layout='dot' needs Graphviz's dot program (apt-get install graphviz); "
                "the built-in layout needs nothing: layout='builtin'"
            )
        fmt_flag = "-Tsvg" if kind == "svg" else "-Tpng"
        res = subprocess.run([exe, fmt_flag], input=to_dot(g, precision).encode(), capture_output=True, check=True)
        data = res.stdout.decode() if kind == "svg" else res.stdout
    elif kind == "svg":
        data = to_svg(g, precision)
    else:
        data = to_png(g, precision)
    drawing = Drawing(kind, data, g)
    if path is not None:
        drawing.save(path)
    return drawing


__all__ = ["DrawError", "Drawing", "draw", "to_dot", "to_png", "to_svg"]
