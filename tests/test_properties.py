"""Property tests: random expression graphs (nodes reused, so gradients meet at fan-outs) over random
broadcastable shapes. The same program runs on NumPy for the forward reference, and its gradients are
checked against central finite differences; a second test checks Hessian-vector products."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import chainrule as cr


def _np_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _np_logsumexp(x: np.ndarray, axis: int) -> np.ndarray:
    m = np.max(x, axis=axis, keepdims=True)
    return np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m


# Smooth operations only (no kinks, no poles on the reals), as (chainrule, NumPy) pairs.
# Each keeps values bounded enough that a few of them in a row stay well conditioned.
UNARY = {
    "sin": (cr.sin, np.sin),
    "tanh": (cr.tanh, np.tanh),
    "sigmoid": (cr.sigmoid, lambda x: 1 / (1 + np.exp(-x))),
    "softplus": (cr.softplus, lambda x: np.logaddexp(0, x)),
    "exp_half": (lambda x: cr.exp(x * 0.5), lambda x: np.exp(x * 0.5)),
    "square": (cr.square, np.square),
    "log1p_sq": (lambda x: cr.log1p(x * x), lambda x: np.log1p(x * x)),
    "cube": (lambda x: x**3, lambda x: x**3),
    "neg": (lambda x: -x, np.negative),
}
BINARY = {
    "add": (lambda x, y: x + y, np.add),
    "sub": (lambda x, y: x - y, np.subtract),
    "mul": (lambda x, y: x * y, np.multiply),
    "div": (lambda x, y: x / (1 + y * y), lambda x, y: x / (1 + y * y)),
    "atan_ratio": (lambda x, y: cr.arctan(x * cr.cos(y)), lambda x, y: np.arctan(x * np.cos(y))),
}
# reductions keep the reduced axis (keepdims) so that every result still broadcasts against the others
AXIS_OPS = {
    "sum": (lambda x, a: cr.sum(x, axis=a, keepdims=True), lambda x, a: np.sum(x, axis=a, keepdims=True)),
    "mean": (lambda x, a: cr.mean(x, axis=a, keepdims=True), lambda x, a: np.mean(x, axis=a, keepdims=True)),
    "lse": (lambda x, a: cr.logsumexp(x, axis=a, keepdims=True), _np_logsumexp),
    "softmax": (lambda x, a: cr.softmax(x, axis=a), _np_softmax),
    "prod": (lambda x, a: cr.prod(x, axis=a, keepdims=True), lambda x, a: np.prod(x, axis=a, keepdims=True)),
}

step = st.one_of(
    st.tuples(st.just("u"), st.sampled_from(sorted(UNARY)), st.integers(0, 100)),
    st.tuples(st.just("b"), st.sampled_from(sorted(BINARY)), st.integers(0, 100), st.integers(0, 100)),
    st.tuples(st.just("r"), st.sampled_from(sorted(AXIS_OPS)), st.integers(0, 100), st.integers(0, 5)),
)


def run(program: list, inputs: list, lib: int) -> object:
    """Evaluate ``program`` on ``inputs`` with chainrule (lib=0) or NumPy (lib=1); returns a scalar.

    Each step reads earlier values by index modulo how many exist, so values are reused freely.
    """
    values = list(inputs)
    for s in program:
        kind, name = s[0], s[1]
        if kind == "u":
            values.append(UNARY[name][lib](values[s[2] % len(values)]))
        elif kind == "b":
            values.append(BINARY[name][lib](values[s[2] % len(values)], values[s[3] % len(values)]))
        else:
            x = values[s[2] % len(values)]
            nd = np.ndim(x.data if lib == 0 else x)
            if nd == 0:
                values.append(UNARY["tanh"][lib](x))
            else:
                values.append(AXIS_OPS[name][lib](x, s[3] % nd - nd))  # a negative axis, in range
    # combine the last value with every input so all of them reach the output (fan-out at the leaves)
    total = values[-1]
    for v in values[: len(inputs)]:
        total = total + v * 0.5
    if lib == 0:
        return cr.sum(cr.tanh(total))
    return np.sum(np.tanh(total))


@st.composite
def graphs(draw):
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3, max_side=3)).input_shapes
    n = draw(st.integers(1, 3))
    elems = st.floats(-1.5, 1.5, allow_nan=False, allow_subnormal=False)
    inputs = [draw(hnp.arrays(np.float64, shapes[i], elements=elems)) for i in range(n)]
    program = draw(st.lists(step, min_size=1, max_size=7))
    return inputs, program


def _fd(program: list, inputs: list, i: int, eps: float = 1e-6) -> np.ndarray:
    x = inputs[i].astype(np.float64).copy()
    out = np.zeros_like(x)
    flat, gflat = x.reshape(-1), out.reshape(-1)
    for k in range(flat.size):
        old = flat[k]
        vals = []
        for d in (eps, -eps):
            flat[k] = old + d
            args = [x if j == i else a for j, a in enumerate(inputs)]
            vals.append(float(run(program, [cr.tensor(a) for a in args], 0).data))
        flat[k] = old
        gflat[k] = (vals[0] - vals[1]) / (2 * eps)
    return out


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)


@SETTINGS
@given(graphs())
def test_random_graphs_forward_and_gradients(graph) -> None:
    inputs, program = graph
    ts = [cr.tensor(a, requires_grad=True) for a in inputs]
    out = run(program, ts, 0)
    expected = run(program, [a.copy() for a in inputs], 1)
    np.testing.assert_allclose(out.data, expected, rtol=1e-9, atol=1e-12)
    out.backward()
    for i, t in enumerate(ts):
        assert t.grad.shape == inputs[i].shape
        np.testing.assert_allclose(t.grad, _fd(program, inputs, i), rtol=1e-4, atol=1e-6, err_msg=f"input {i}")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(graphs())
def test_random_graphs_hessian_vector_products(graph) -> None:
    inputs, program = graph
    rng = np.random.default_rng(0)
    v = [rng.standard_normal(a.shape) for a in inputs]

    def gradient(arrays: list, create_graph: bool) -> tuple[list, list]:
        ts = [cr.tensor(a, requires_grad=True) for a in arrays]
        run(program, ts, 0).backward(create_graph=create_graph)
        return ts, [t.grad for t in ts]

    ts, gs = gradient(inputs, True)
    s = cr.sum(gs[0] * v[0])
    for g, vi in zip(gs[1:], v[1:], strict=True):
        s = s + cr.sum(g * vi)
    for t in ts:
        t.grad = None
    s.backward()
    eps = 1e-5
    _, plus = gradient([a + eps * vi for a, vi in zip(inputs, v, strict=True)], False)
    _, minus = gradient([a - eps * vi for a, vi in zip(inputs, v, strict=True)], False)
    for i, t in enumerate(ts):
        expected = (plus[i] - minus[i]) / (2 * eps)
        got = t.grad if t.grad is not None else np.zeros(inputs[i].shape)
        np.testing.assert_allclose(np.asarray(got), expected, rtol=1e-4, atol=1e-5, err_msg=f"input {i}")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(graphs())
def test_random_graphs_in_float32_stay_float32_and_close_to_float64(graph) -> None:
    inputs, program = graph
    results = {}
    for dtype in (np.float32, np.float64):
        ts = [cr.tensor(a.astype(dtype), requires_grad=True) for a in inputs]
        out = run(program, ts, 0)
        assert out.dtype == dtype
        out.backward()
        assert all(t.grad.dtype == dtype for t in ts)
        results[dtype] = (float(out.data), [t.grad.astype(np.float64) for t in ts])
    (v32, g32), (v64, g64) = results[np.float32], results[np.float64]
    # float32 carries about 7 digits; a few operations in a row lose one or two of them
    assert v32 == pytest.approx(v64, rel=1e-4, abs=1e-4)
    for a, b in zip(g32, g64, strict=True):
        scale = max(1.0, float(np.max(np.abs(b), initial=0.0)))
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-3 * scale)
