"""Drawing the graph: values and gradients on the arrows, fan-out sums, layers collapsed, same bytes every time."""

import xml.etree.ElementTree as ET

import numpy as np
import pytest

import chainrule as cr
from chainrule.viz import DrawError, draw, recording

SVG = "{http://www.w3.org/2000/svg}"


def _f(record=True, backward=True):
    x = cr.tensor(1.5, requires_grad=True, name="x")
    y = cr.tensor(-2.0, requires_grad=True, name="y")
    if record:
        with recording():
            f = cr.sin(x * y) + x / y
            if backward:
                f.backward()
    else:
        f = cr.sin(x * y) + x / y
    return f


def _texts(svg, cls):
    root = ET.fromstring(svg)
    return [t.text for t in root.iter(f"{SVG}text") if t.get("class") == cls]


def test_svg_has_values_gradients_and_fan_out_sums():
    svg = draw(_f()).text
    ET.fromstring(svg)  # well-formed
    values, grads = _texts(svg, "val"), _texts(svg, "grad")
    assert {"1.5", "-2", "-3", "-0.75", "-0.8911"} <= set(values)
    assert {"1.98", "-0.5", "-1.485", "-0.375", "-0.99", "1"} <= set(grads)
    assert "dL/dx = -0.5 + 1.98 = 1.48" in svg
    assert "dL/dy = -0.375 + -1.485 = -1.86" in svg
    for op in ("multiply", "divide", "sin", "add"):
        assert f">{op}</text>" in svg


def test_same_graph_same_bytes():
    assert draw(_f()).text == draw(_f()).text
    assert draw(_f(), format="dot").text == draw(_f(), format="dot").text


def test_before_backward_only_values_are_drawn():
    svg = draw(_f(backward=False)).text
    assert _texts(svg, "grad") == []
    assert "-0.8911" in svg
    unrecorded = draw(_f(record=False)).text  # a live graph without recording still shows its values
    assert "-0.8911" in unrecorded and _texts(unrecorded, "grad") == []


def test_arrays_show_shape_and_summary():
    with recording():
        W = cr.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True, name="W")
        loss = (W * 2.0).sum()
        loss.backward()
    svg = draw(loss).text
    assert "(2, 3) 0..10" in svg  # the product W * 2 on its arrow: shape and range
    assert "(2, 3) min 0 mean 2.5 max 5" in svg  # the leaf W in its box: shape with min/mean/max
    assert "(2, 3) |g| 4.899" in svg  # the gradient: shape and norm (sqrt(6 * 2**2))


def _mlp_loss():
    net = cr.nn.MLP([8, 6, 5, 3], seed=0).name_parameters()
    x = cr.tensor(np.linspace(-1, 1, 8, dtype="float32").reshape(1, 8), name="X")
    with recording():
        loss = cr.cross_entropy(net(x), np.array([1]))
        loss.backward()
    return net, loss


def test_network_collapses_to_one_box_per_layer_and_expands():
    net, loss = _mlp_loss()
    svg = draw(loss).text
    root = ET.fromstring(svg)
    groups = [g for g in root.iter(f"{SVG}g") if g.get("class") == "node group"]
    titles = [next(iter(g.iter(f"{SVG}text"))).text for g in groups]
    assert titles == [
        "dense1: Dense(8 -> 6)",
        "activation: ReLU()",
        "dense2: Dense(6 -> 5)",
        "activation: ReLU()",
        "dense3: Dense(5 -> 3)",
    ]
    ops = [g for g in root.iter(f"{SVG}g") if g.get("class") == "node op"]
    assert "matmul" not in [next(iter(g.iter(f"{SVG}text"))).text for g in ops]
    assert "dense1.weight (8, 6)" in svg and "dL/d(dense1.weight)" in svg
    assert f"|g| {np.linalg.norm(net.dense1.weight.grad):.4g}" in svg
    # the gates of one layer, drawn again
    expanded = draw(loss, expand=["dense2"]).text
    assert expanded.count(">matmul</text>") == 1 and "dense2: Dense" not in expanded
    every = draw(loss, collapse=False).text
    assert every.count(">matmul</text>") == 3 and "node group" not in every
    assert "dense3.bias" in every


def test_parameters_are_named_by_module_path_without_asking():
    net = cr.nn.MLP([4, 3, 2], seed=0)  # no name_parameters(): recording knows the modules the ops ran in
    with recording():
        loss = net(cr.tensor(np.ones((1, 4), dtype="float32"))).sum()
        loss.backward()
    every = draw(loss, collapse=False).text
    assert "dense1.weight" in every and "dense2.bias" in every
    assert net.dense1.weight.name is None  # the tensors themselves are left alone


def test_long_chains_stay_linear_in_size():
    with recording():
        x = cr.tensor(np.ones(2), requires_grad=True, name="x")
        y = x
        for _ in range(100):
            y = cr.sin(y) * 1.01 + x  # x feeds every step: long edges are drawn directly, not rank by rank
        loss = y.sum()
        loss.backward()
    svg = draw(loss).text
    ET.fromstring(svg)
    assert svg.count('class="node op"') == 301
    assert len(svg) < 301 * 2500


def test_graphviz_layout_only_where_installed(monkeypatch):
    import chainrule.viz.drawing as draw_module

    monkeypatch.setattr(draw_module.shutil, "which", lambda name: None)
    with pytest.raises(DrawError, match="Graphviz"):
        draw(_f(), layout="dot")
    with pytest.raises(DrawError, match="unknown layout"):
        draw(_f(), layout="neato")


def test_formats_and_paths(tmp_path):
    f = _f()
    dot = draw(f, format="dot").text
    assert dot.startswith("digraph chainrule") and "multiply" in dot and "1.98" in dot
    png = draw(f, tmp_path / "g.png")
    assert png.format == "png" and (tmp_path / "g.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    out = draw(f, tmp_path / "g.svg")
    assert (tmp_path / "g.svg").read_text() == out.text and out._repr_svg_() == out.text
    with pytest.raises(DrawError, match="unknown drawing format"):
        draw(f, format="gif")
    with pytest.raises(TypeError):
        draw(np.ones(3))


def test_page_of_a_collapsed_network_highlights_layer_boxes():
    from chainrule.viz.page import page_data

    _, loss = _mlp_loss()
    svg, data = page_data(loss, collapse=True)
    root = ET.fromstring(svg)
    ids = {g.get("id") for g in root.iter(f"{SVG}g") if g.get("id")}
    forward = [s for s in data["steps"] if s["phase"] == "forward"]
    backward = [s for s in data["steps"] if s["phase"] == "backward"]
    assert len(forward) == 13  # every gate of the forward pass, each highlighted in its layer's box
    for s in data["steps"]:
        assert set(s["nodes"]) <= ids and set(s["edges"]) <= ids
    assert forward[0]["nodes"] == ["m0"] and "matmul" in forward[0]["title"]
    assert {n for s in forward for n in s["nodes"]} >= {"m0", "m1", "m2", "m3", "m4"}
    assert backward[-1]["numbers"][-1]["name"] == "dL/d(dense3.bias)"
