"""The interactive page: one self-contained HTML file that walks the forward pass, then the backward pass.

"Step forward" / "step back" (or the arrow keys) move through the steps; the current gate is highlighted
and the panel shows, for a backward step, upstream x local = downstream with the engine's numbers (each
number also carried in a ``data-value`` attribute at full precision). Hovering a box shows its full value
and gradient. No network is needed: the SVG, the style and the script are all inline.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import numpy as np

from . import format as fmt
from .drawing import prepare, to_svg
from .graph import Graph
from .trace import equation, trace


def _num_record(role: str, name: str, a: Any, precision: int) -> dict[str, Any]:
    a = None if a is None else np.asarray(a)
    rec: dict[str, Any] = {"role": role, "name": name}
    if a is None:
        rec.update(text="?", value=None)
    elif a.size == 1:
        rec.update(text=fmt.num(a.reshape(()).item(), precision), value=fmt.to_float(a))
    elif role in ("input", "output"):
        rec.update(text=fmt.short(a, precision), value=None)
    else:
        rec.update(text=f"{fmt.shape_text(a)} |g| {fmt.num(fmt.norm(a), precision)}", value=None, norm=fmt.norm(a))
    return rec


def _owner_map(g: Graph) -> dict[str, str]:
    """Gate id -> the id of the box it is drawn in (itself, or its collapsed layer)."""
    owner = {n.id: n.id for n in g.nodes}
    for n in g.nodes:
        for m in (*n.members, *n.params):
            owner[m.id] = n.id
    return owner


def page_data(t: Any, collapse: bool | int = False, precision: int = 4) -> tuple[str, dict[str, Any]]:
    """The page's SVG and its steps (forward then backward) as JSON-ready data."""
    tr = trace(t, precision=precision)
    full = tr.graph
    drawn = prepare(t, collapse=collapse)
    owner = _owner_map(drawn)
    drawn_edges = {e.id for e in drawn.edges}
    by_id = {n.id: n for n in full.nodes}
    into: dict[str, list[Any]] = {}
    leaving: dict[str, list[Any]] = {}
    for e in full.edges:
        into.setdefault(e.dst, []).append(e)
        leaving.setdefault(e.src, []).append(e)
    steps: list[dict[str, Any]] = [
        {
            "phase": "start",
            "title": "Press \u2192 (or 'step forward') to run the forward pass, then the backward pass.",
            "formula": "",
            "nodes": [],
            "edges": [],
            "numbers": [],
        }
    ]
    for n in full.ops():  # the forward pass, gate by gate in the order they ran
        ins = sorted(into.get(n.id, []), key=lambda e: e.index)
        labels = [by_id[e.src].label for e in ins]
        nums = [_num_record("input", lab, e.value, precision) for lab, e in zip(labels, ins, strict=True)]
        nums.append(_num_record("output", n.label, n.value, precision))
        steps.append(
            {
                "phase": "forward",
                "title": f"forward: {n.title} gate computes {equation(n.title, n.label, labels)}",
                "formula": f"{n.label} = {n.title}("
                + ", ".join(r["text"] for r in nums[:-1])
                + f") = {nums[-1]['text']}",
                "nodes": [owner[n.id]],
                "edges": [e.id for e in ins if e.id in drawn_edges],
                "reveal_values": [e.id for e in leaving.get(n.id, []) if e.id in drawn_edges],
                "numbers": nums,
            }
        )
    out_name = full.root.label if full.root is not None else "L"
    for s in tr.steps:
        rec: dict[str, Any] = {
            "phase": "backward",
            "nodes": [owner[s.node]] if s.node in owner else [],
            "edges": [s.edge] if s.edge in drawn_edges else [],
            "reveal_grads": [s.edge] if s.edge in drawn_edges else [],
            "reveal_nodes": (
                [owner[s.node]]
                if s.kind == "sum" and s.node in owner
                else [drawn.output.id]
                if s.kind == "seed"
                else []
            ),
            "text": s.text,
        }
        if s.kind == "chain":
            rec["title"] = f"backward: {s.gate} gate ({s.equation}): {s.routing}"
            rec["formula"] = (
                f"d{out_name}/{fmt.d(s.input)} = d{out_name}/{fmt.d(s.output)} \u00d7 {fmt.d(s.output)}/{fmt.d(s.input)}"
            )
            rec["numbers"] = [
                _num_record("upstream", f"d{out_name}/{fmt.d(s.output)}", s.upstream, precision),
                _num_record("local", f"{fmt.d(s.output)}/{fmt.d(s.input)}", s.local, precision),
                _num_record("downstream", f"d{out_name}/{fmt.d(s.input)}", s.grad, precision),
            ]
            if s.local is None:
                rec["numbers"][1]["text"] = s.formula or "(its backward rule)"
        elif s.kind == "seed":
            rec["title"] = "backward: start at the output with its gradient with respect to itself"
            rec["formula"] = s.text
            rec["numbers"] = [_num_record("downstream", f"d{out_name}/{fmt.d(out_name)}", s.grad, precision)]
        else:
            fan = len(s.parts) > 1
            rec["title"] = (
                f"backward: {s.input} fed several gates, so its gradients add up"
                if fan
                else f"backward: the gradient of {s.input}"
            )
            rec["formula"] = s.text
            rec["numbers"] = [_num_record("part", f"part {k + 1}", p, precision) for k, p in enumerate(s.parts)]
            rec["numbers"].append(_num_record("downstream", f"d{out_name}/{fmt.d(s.input)}", s.grad, precision))
        steps.append(rec)
    hover = {}
    for n in drawn.nodes:
        hover[n.id] = {"title": n.title, "value": fmt.full(n.value), "grad": fmt.full(n.grad)}
    svg = to_svg(drawn, precision, interactive=True)
    return svg, {"steps": steps, "hover": hover}


_STYLE = """
body { font-family: system-ui, sans-serif; margin: 16px; color: #222; }
h1 { font-size: 18px; margin: 0 0 8px; }
#controls button { font-size: 14px; margin-right: 6px; padding: 4px 10px; }
#panel { border: 1px solid #ccc; border-radius: 6px; padding: 8px 12px; margin: 10px 0; min-height: 78px;
         background: #fafafa; font-family: DejaVu Sans Mono, Menlo, Consolas, monospace; }
#step-title { font-weight: bold; margin-bottom: 4px; }
#step-formula { color: #444; margin-bottom: 4px; }
#step-numbers .num { padding: 1px 4px; border-radius: 3px; }
#step-numbers .upstream { background: #fde2e2; } #step-numbers .local { background: #fff3cd; }
#step-numbers .downstream { background: #d4edda; font-weight: bold; }
#graph { overflow: auto; border: 1px solid #eee; }
.node.current rect { stroke: #e67e22; stroke-width: 4; }
.edge.current path { stroke: #e67e22; stroke-width: 3; }
.edge .pending, .node .pending { opacity: 0.12; }
#hover { position: fixed; background: #fff; border: 1px solid #888; padding: 6px 8px; font: 12px monospace;
         white-space: pre-wrap; max-width: 520px; box-shadow: 0 2px 6px rgba(0,0,0,.2); pointer-events: none; }
"""

_SCRIPT = """
(function () {
  const data = JSON.parse(document.getElementById('chainrule-data').textContent);
  const steps = data.steps;
  let index = 0;
  const $ = (id) => document.getElementById(id);
  function esc(s) { const d = document.createElement('span'); d.textContent = s; return d.innerHTML; }
  function show() {
    const s = steps[index];
    document.querySelectorAll('.current').forEach((el) => el.classList.remove('current'));
    (s.nodes || []).forEach((id) => { const el = document.getElementById(id); if (el) el.classList.add('current'); });
    const first = s.nodes && s.nodes.length ? document.getElementById(s.nodes[0]) : null;
    if (first && first.scrollIntoView) first.scrollIntoView({ block: 'nearest', inline: 'center' });  // wide graphs
    (s.edges || []).forEach((id) => { const el = document.getElementById(id); if (el) el.classList.add('current'); });
    // values appear as the forward pass computes them, gradients as the backward pass sends them
    const shownValues = new Set(), shownGrads = new Set();
    for (let k = 0; k <= index; k++) {
      (steps[k].reveal_values || []).forEach((e) => shownValues.add(e));
      (steps[k].reveal_grads || []).forEach((e) => shownGrads.add(e));
    }
    const shownNodes = new Set();
    for (let k = 0; k <= index; k++) (steps[k].reveal_nodes || []).forEach((n) => shownNodes.add(n));
    document.querySelectorAll('.node').forEach((el) => {
      el.querySelectorAll('text.grad').forEach((t) => t.classList.toggle('pending', !shownNodes.has(el.id)));
    });
    document.querySelectorAll('.edge').forEach((el) => {
      const src = document.getElementById(el.dataset.src);
      const computed = src && !src.classList.contains('op') && !src.classList.contains('group');
      const v = el.querySelector('.val'), g = el.querySelector('.grad');
      if (v) v.classList.toggle('pending', !(computed || shownValues.has(el.id)));
      if (g) g.classList.toggle('pending', !shownGrads.has(el.id));
    });
    $('phase').textContent = s.phase;
    $('counter').textContent = index + ' / ' + (steps.length - 1);
    $('step-title').textContent = s.title;
    $('step-formula').textContent = s.formula;
    const nums = (s.numbers || []).map((n) => {
      const v = n.value === null || n.value === undefined ? '' : ' data-value="' + n.value + '"';
      return '<span class="num ' + n.role + '" data-role="' + n.role + '"' + v + ' title="' + esc(n.name) + '">' +
        esc(n.text) + '</span>';
    });
    let joined = nums.join(' , ');
    if (s.phase === 'backward' && nums.length === 3) joined = nums[0] + ' \\u00d7 ' + nums[1] + ' = ' + nums[2];
    else if (s.phase === 'backward' && nums.length > 1) joined = nums.slice(0, -1).join(' + ') + ' = ' + nums[nums.length - 1];
    else if (s.phase === 'forward') joined = nums.slice(0, -1).join(' , ') + ' \\u2192 ' + nums[nums.length - 1];
    $('step-numbers').innerHTML = joined;
    $('prev').disabled = index === 0;
    $('next').disabled = index === steps.length - 1;
  }
  function go(k) { index = Math.max(0, Math.min(steps.length - 1, k)); show(); }
  $('next').addEventListener('click', () => go(index + 1));
  $('prev').addEventListener('click', () => go(index - 1));
  $('reset').addEventListener('click', () => go(0));
  document.addEventListener('keydown', (ev) => {
    if (ev.key === 'ArrowRight') { go(index + 1); ev.preventDefault(); }
    else if (ev.key === 'ArrowLeft') { go(index - 1); ev.preventDefault(); }
    else if (ev.key === 'Home') { go(0); ev.preventDefault(); }
  });
  const hover = $('hover');
  document.querySelectorAll('.node').forEach((el) => {
    el.addEventListener('mouseenter', (ev) => {
      const h = data.hover[el.id];
      if (!h) return;
      hover.textContent = h.title + '\\nvalue: ' + h.value + '\\ngradient: ' + h.grad;
      hover.hidden = false;
      hover.style.left = (ev.clientX + 14) + 'px';
      hover.style.top = (ev.clientY + 14) + 'px';
    });
    el.addEventListener('mouseleave', () => { hover.hidden = true; });
  });
  show();
})();
"""


def html_page(
    t: Any, title: str = "chainrule: the chain rule, step by step", collapse: bool | int = False, precision: int = 4
) -> str:
    """The interactive page for tensor ``t`` as one HTML string (needs a recorded backward, like ``trace``)."""
    svg, data = page_data(t, collapse=collapse, precision=precision)
    payload = json.dumps(data, separators=(",", ":"), sort_keys=True).replace("</", "<\\/")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>\n"
        f"<h1>{html.escape(title)}</h1>\n"
        '<div id="controls"><button id="prev">\u25c0 step back</button><button id="next">step forward \u25b6</button>'
        '<button id="reset">reset</button> <span id="counter"></span> <span id="phase"></span>'
        " <small>(arrow keys work too; hover a box for its full value and gradient)</small></div>\n"
        '<div id="panel"><div id="step-title"></div><div id="step-formula"></div><div id="step-numbers"></div></div>\n'
        f'<div id="graph">{svg}</div>\n<div id="hover" hidden></div>\n'
        f'<script id="chainrule-data" type="application/json">{payload}</script>\n'
        f"<script>{_SCRIPT}</script>\n</body></html>\n"
    )


def write_page(t: Any, path: str | Path, **options: Any) -> Path:
    """Write :func:`html_page` to ``path``."""
    path = Path(path)
    path.write_text(html_page(t, **options), encoding="utf-8")
    return path
