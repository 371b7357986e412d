"""A small layered (Sugiyama-style) layout, left to right: inputs on the left, the output on the right.

Steps: rank every box by its longest path from the inputs (inputs pulled right, next to their first
consumer); break long edges into chains of invisible points, one per rank; order each rank by the mean
position of its neighbours (a few sweeps both ways, keeping the ordering with the fewest crossings);
then place boxes vertically near their neighbours without overlaps. Pure Python, iterative, and
deterministic: ties are broken by the order boxes were given in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

CROSSING_LIMIT = 400  # edges up to which orderings are compared by their crossings (a quadratic count)


@dataclass
class Box:
    id: str
    w: float
    h: float
    rank: int = 0
    x: float = 0.0  # centre
    y: float = 0.0  # centre
    dummy: bool = False


@dataclass
class Layout:
    boxes: dict[str, Box]
    paths: list[list[tuple[float, float]]]  # one polyline per edge, from the source's right side to the target's left
    width: float
    height: float
    gaps: list[float] = field(default_factory=list)


def _crossings(layers: list[list[str]], succ: dict[str, list[str]]) -> int:
    total = 0
    for r in range(len(layers) - 1):
        pos = {v: i for i, v in enumerate(layers[r + 1])}
        pairs = [(i, pos[w]) for i, v in enumerate(layers[r]) for w in succ.get(v, ()) if w in pos]
        for a in range(len(pairs)):
            ia, ja = pairs[a]
            for b in range(a + 1, len(pairs)):
                ib, jb = pairs[b]
                if (ia - ib) * (ja - jb) < 0:
                    total += 1
    return total


def ranks(ids: list[str], edges: list[tuple[str, str]]) -> dict[str, int]:
    """Each box's column: the longest path from the inputs, with inputs pulled right next to their first use.

    ``ids`` must be in topological order (every edge goes from an earlier id to a later one).
    """
    rank = dict.fromkeys(ids, 0)
    preds: dict[str, list[str]] = {i: [] for i in ids}
    succs: dict[str, list[str]] = {i: [] for i in ids}
    for s, t in edges:
        preds[t].append(s)
        succs[s].append(t)
    for i in ids:
        rank[i] = max((rank[p] + 1 for p in preds[i]), default=0)
    for i in reversed(ids):
        if not preds[i] and succs[i]:
            rank[i] = min(rank[s] for s in succs[i]) - 1
    return rank


def layered(
    sizes: list[tuple[str, float, float]],
    edges: list[tuple[str, str]],
    gaps: dict[int, float] | None = None,
    min_gap: float = 60.0,
    vgap: float = 44.0,
    margin: float = 20.0,
    top: float = 0.0,
    max_span: int = 6,
) -> Layout:
    """Place boxes ``(id, width, height)`` (given in topological order) and route ``edges`` between them.

    ``gaps`` asks for a horizontal gap before rank r (room for the edge labels that end there). Edges spanning
    more than ``max_span`` ranks are routed directly rather than through a point per rank.
    """
    boxes = {i: Box(i, w, h) for i, w, h in sizes}
    order = {i: k for k, (i, _, _) in enumerate(sizes)}
    for i, r in ranks([i for i, _, _ in sizes], edges).items():
        boxes[i].rank = r
    # dummy points for edges that span several ranks
    chains: list[list[str]] = []
    succ_d: dict[str, list[str]] = {}
    pred_d: dict[str, list[str]] = {}
    for k, (s, t) in enumerate(edges):
        chain = [s]
        span = boxes[t].rank - boxes[s].rank
        # a value used much later (an input feeding every step of a long chain) is drawn as one long curve:
        # routing it through a point per rank would cost time and space quadratic in the graph's length
        for r in range(boxes[s].rank + 1, boxes[t].rank if span <= max_span else boxes[s].rank + 1):
            did = f"_d{k}_{r}"
            boxes[did] = Box(did, 0.0, 14.0, rank=r, dummy=True)
            order[did] = order[s] + 0.5
            chain.append(did)
        chain.append(t)
        chains.append(chain)
        for a, b in zip(chain, chain[1:], strict=False):
            succ_d.setdefault(a, []).append(b)
            pred_d.setdefault(b, []).append(a)
    nranks = max((b.rank for b in boxes.values()), default=0) + 1
    layers: list[list[str]] = [[] for _ in range(nranks)]
    for bid in sorted(boxes, key=lambda b: order[b]):
        layers[boxes[bid].rank].append(bid)
    # crossing reduction: barycentre sweeps, keeping the best ordering seen
    best = [list(layer) for layer in layers]
    n_edges = sum(len(v) for v in succ_d.values())
    best_c = _crossings(layers, succ_d) if n_edges <= CROSSING_LIMIT else 0
    for sweep in range(8 if n_edges <= CROSSING_LIMIT else 2):
        down = sweep % 2 == 0
        rng = range(1, nranks) if down else range(nranks - 2, -1, -1)
        for r in rng:
            ref = layers[r - 1] if down else layers[r + 1]
            pos = {v: i for i, v in enumerate(ref)}
            nbrs = pred_d if down else succ_d
            cur = {v: i for i, v in enumerate(layers[r])}

            def key(v: str, nbrs: dict = nbrs, pos: dict = pos, cur: dict = cur) -> tuple[float, int]:
                ps = [pos[u] for u in nbrs.get(v, ()) if u in pos]
                return (sum(ps) / len(ps) if ps else cur[v], cur[v])

            layers[r] = sorted(layers[r], key=key)
        if n_edges <= CROSSING_LIMIT:
            c = _crossings(layers, succ_d)
            if c < best_c:
                best_c, best = c, [list(layer) for layer in layers]
    layers = best if n_edges <= CROSSING_LIMIT else layers
    # x: columns wide enough for their boxes, gaps wide enough for the labels
    col_w = [max((boxes[v].w for v in layer), default=0.0) for layer in layers]
    gap_list = [0.0] + [max(min_gap, (gaps or {}).get(r, 0.0)) for r in range(1, nranks)]
    x = margin
    for r in range(nranks):
        x += gap_list[r]
        for v in layers[r]:
            boxes[v].x = x + col_w[r] / 2
        x += col_w[r]
    width = x + margin
    # y: stack each column, then pull boxes toward their neighbours without overlapping
    for layer in layers:
        y = 0.0
        for v in layer:
            boxes[v].y = y + boxes[v].h / 2
            y += boxes[v].h + vgap
    for it in range(12):
        down = it % 2 == 0
        rng = range(nranks) if down else range(nranks - 1, -1, -1)
        for r in rng:
            layer = layers[r]
            want = []
            for v in layer:
                ns = (pred_d.get(v, []) + succ_d.get(v, [])) if it >= 6 else (pred_d if down else succ_d).get(v, [])
                want.append(sum(boxes[u].y for u in ns) / len(ns) if ns else boxes[v].y)
            _place(layer, want, boxes, vgap)
    lo = min((b.y - b.h / 2 for b in boxes.values()), default=0.0)
    hi = max((b.y + b.h / 2 for b in boxes.values()), default=0.0)
    for b in boxes.values():
        b.y += margin + top - lo
    height = hi - lo + 2 * margin + top
    paths = []
    for chain in chains:
        s, t = boxes[chain[0]], boxes[chain[-1]]
        pts = [(s.x + s.w / 2, s.y)]
        pts += [(boxes[d].x, boxes[d].y) for d in chain[1:-1]]
        pts.append((t.x - t.w / 2, t.y))
        paths.append(pts)
    real = {k: b for k, b in boxes.items() if not b.dummy}
    return Layout(real, paths, width, height, gap_list)


def _place(layer: list[str], want: list[float], boxes: dict[str, Box], vgap: float) -> None:
    """Put each box as near its wanted centre as the order and the minimum gaps allow."""
    if not layer:
        return
    ys = list(want)
    # forward pass pushes boxes down to clear the one above; backward pass pulls them up toward their wish
    for k in range(1, len(layer)):
        need = (boxes[layer[k - 1]].h + boxes[layer[k]].h) / 2 + vgap
        ys[k] = max(ys[k], ys[k - 1] + need)
    shift = sum(w - y for w, y in zip(want, ys, strict=True)) / len(ys)
    ys = [y + min(0.0, shift) for y in ys]
    for k in range(len(layer) - 2, -1, -1):
        need = (boxes[layer[k]].h + boxes[layer[k + 1]].h) / 2 + vgap
        ys[k] = min(ys[k], ys[k + 1] - need)
    for v, y in zip(layer, ys, strict=True):
        boxes[v].y = y
