"""The narrated backward pass: the engine's own numbers, in the engine's own order."""

import json

import numpy as np
import pytest

import chainrule as cr
from chainrule import engine
from chainrule._scope import SCOPES
from chainrule.errors import AnomalyError
from chainrule.viz import NotRecordedError, label, recording, trace


class GradientLog:
    """An engine hook that logs every gradient the engine computes, to compare with the trace."""

    def __init__(self):
        self.calls = []

    def on_node(self, node, out):
        pass

    def on_value(self, prim, raw, out):
        pass

    def on_gradient(self, node, i, gi):
        self.calls.append((node, i, np.array(gi, copy=True)))


@pytest.fixture
def gradient_log():
    log = GradientLog()
    engine.STATE.extras = log
    try:
        yield log
    finally:
        engine.STATE.extras = None


def _expr():
    x = cr.tensor(1.5, requires_grad=True, name="x")
    y = cr.tensor(-2.0, requires_grad=True, name="y")
    u = (x * y).retain_grad()
    v = (x / y).retain_grad()
    s = cr.sin(u).retain_grad()
    f = s + v
    return x, y, u, v, s, f


def test_steps_follow_the_engine_order_and_numbers(gradient_log):
    with recording():
        x, y, u, _v, s, f = _expr()
        f.backward()
    assert engine.STATE.extras is gradient_log  # recording() hands the hook slot back
    tr = trace(f)
    chain = [st for st in tr if st.kind == "chain"]
    # one chain step per gradient the engine computed, in the same order, with the same arrays
    assert len(chain) == len(gradient_log.calls) == 7
    for st, (node, i, gi) in zip(chain, gradient_log.calls, strict=True):
        assert st.gate == node.prim.name
        assert st.input_index == i
        assert np.array_equal(st.grad, gi)
    # upstream gradients are the engine's (retain_grad keeps them on the intermediate tensors)
    by_output = {st.output: st.upstream for st in chain}
    assert float(by_output["v1"]) == float(u.grad)
    assert float(by_output["v3"]) == float(s.grad)
    # the fan-out sums are exactly the leaves' .grad
    sums = {st.input: st for st in tr if st.kind == "sum"}
    assert float(sums["x"].grad) == float(x.grad) and float(sums["y"].grad) == float(y.grad)
    assert len(sums["x"].parts) == 2
    assert float(sums["x"].parts[0] + sums["x"].parts[1]) == float(x.grad)
    # the local derivative times upstream gives the result (cos(u) for sin, the other input for multiply)
    sin_step = next(st for st in chain if st.gate == "sin")
    assert float(sin_step.local) == pytest.approx(np.cos(-3.0))
    mul_x = next(st for st in chain if st.gate == "multiply" and st.input == "x")
    assert float(mul_x.local) == -2.0


def test_text_is_the_primer_rule_with_numbers():
    with recording():
        x = cr.tensor(1.0, requires_grad=True, name="x")
        z = label(x * 2.0, "z")
        loss = z * 0.3
        loss.name = "L"
        loss.backward()
    text = str(loss.explain())
    assert "dL/dx = dL/dz * dz/dx = 0.3 * 2 = 0.6" in text
    assert "multiply swaps" in text
    assert text.splitlines()[1].strip().startswith("1. start: dL/dL = 1")


def test_routing_behaviour_is_named_for_each_gate():
    with recording():
        x, y, z, w = (
            cr.tensor(v, requires_grad=True, name=n) for v, n in [(3.0, "x"), (-4.0, "y"), (2.0, "z"), (-1.0, "w")]
        )
        f = 2 * (x * y + cr.maximum(z, w))
        f.backward()
    text = f.explain().text()
    assert (
        "add distributes" in text and "multiply swaps" in text and "max routes the gradient to the larger input" in text
    )
    steps = {(st.gate, st.input): st for st in trace(f) if st.kind == "chain"}
    assert float(steps[("maximum", "z")].grad) == 2.0 and float(steps[("maximum", "w")].grad) == 0.0
    assert (float(z.grad), float(w.grad), float(x.grad), float(y.grad)) == (2.0, 0.0, -8.0, 6.0)


def test_fan_out_sum_is_shown():
    with recording():
        x = cr.tensor(3.0, requires_grad=True, name="x")
        y = x * x
        y.backward()
    last = trace(y).steps[-1]
    assert last.kind == "sum" and last.text == "dL/dx = 3 + 3 = 6"
    assert float(last.grad) == float(x.grad) == 6.0


def test_arrays_get_shapes_and_norms():
    rng = np.random.default_rng(0)
    with recording():
        W = cr.tensor(rng.normal(size=(3, 2)), requires_grad=True, name="W")
        v = cr.tensor(rng.normal(size=(2,)), name="v")
        loss = cr.tanh(W @ v).sum()
        loss.backward()
    tr = trace(loss)
    step = next(st for st in tr if st.kind == "chain" and st.gate == "matmul")
    assert step.local is None  # no single local number for a matrix product
    assert "(3, 2)" in step.text and "|g|" in step.text
    assert f"{np.linalg.norm(W.grad):.4g}" in step.text
    assert np.array_equal(step.grad, W.grad)
    rec = step.as_dict()
    assert rec["grad"]["shape"] == [3, 2] and rec["grad"]["norm"] == pytest.approx(np.linalg.norm(W.grad))
    json.dumps(tr.records())  # structured data is plain JSON


def test_explain_before_backward_runs_its_own_recorded_pass_without_touching_grad():
    x = cr.tensor(2.0, requires_grad=True, name="x")
    y = cr.exp(x) * x
    tr = y.explain()
    assert x.grad is None
    total = tr.steps[-1]
    assert float(total.grad) == pytest.approx(np.exp(2.0) * 3.0)
    y.backward()  # the graph is still usable afterwards
    assert float(x.grad) == float(total.grad)


def test_explain_after_unrecorded_backward_says_how_to_record():
    x = cr.tensor(2.0, requires_grad=True)
    y = cr.sin(x) * 3
    y.backward()
    with pytest.raises(NotRecordedError, match="recording"):
        y.explain()


def test_recording_is_off_outside_and_the_hot_path_stays_lean():
    x = cr.tensor(1.0, requires_grad=True)
    y = x * 2
    assert y.node.meta is None  # nothing recorded without recording()
    assert engine.STATE.extras is None and SCOPES.active == 0
    with recording():
        z = x * 2
        net = cr.nn.Sequential(cr.nn.Dense(2, 2, seed=0))
        out = net(cr.tensor(np.ones((1, 2), dtype="float32")))
    assert z.node.meta["value"] == 2.0
    scope = out.node.meta["scope"]
    assert [type(f.module).__name__ for f in scope] == ["Sequential", "Dense"]
    assert engine.STATE.extras is None and SCOPES.active == 0 and not SCOPES.stack
    plain = net(cr.tensor(np.ones((1, 2), dtype="float32")))
    assert plain.node.meta is None


def test_recording_survives_an_error_inside():
    with pytest.raises(ValueError), recording():
        raise ValueError("boom")
    assert engine.STATE.extras is None and SCOPES.active == 0


def test_create_graph_backward_is_recorded_as_arrays():
    with recording():
        x = cr.tensor(1.5, requires_grad=True, name="x")
        y = x**3
        y.backward(create_graph=True)
    tr = trace(y)
    assert float(tr.steps[-1].grad) == pytest.approx(3 * 1.5**2)
    assert isinstance(tr.steps[-1].grad, np.ndarray)


def test_leaf_tensor_has_an_empty_trace():
    x = cr.tensor(1.0, requires_grad=True, name="x")
    tr = trace(x)
    assert len(tr) == 0 and "leaf" in tr.text()
    with pytest.raises(TypeError):
        trace(3.0)


def test_recording_and_anomaly_mode_nest_both_ways():
    for outer, inner in ((recording, cr.detect_anomaly), (cr.detect_anomaly, recording)):
        with outer(), inner():
            x = cr.tensor(2.0, requires_grad=True, name="x")
            y = x * x
            y.backward()
        assert engine.STATE.extras is None
        assert trace(y).steps[-1].text == "dL/dx = 2 + 2 = 4"
        with pytest.raises(AnomalyError, match="log"), np.errstate(invalid="ignore"), outer(), inner():
            cr.log(cr.tensor(-1.0, requires_grad=True)).backward()  # anomaly mode still reports
        assert engine.STATE.extras is None
