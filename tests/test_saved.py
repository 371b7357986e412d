"""Primitives that save values for their backward rule (``saves=True``), and nn.MLP as one fused node."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

import chainrule as cr
from tests.helpers import numerical_grad


class _Probe:
    """A saving primitive f(x, y) = exp(x) * y whose rule counts how often it had to recompute exp(x)."""

    def __init__(self) -> None:
        self.saved: list = []  # what each rule call received
        self.made: list = []  # the exp(x) arrays each forward saved

        def forward(x, y):
            e = np.exp(x)
            self.made.append(e)
            return e * y, e

        def rule(needs, g, ans, x, y, saved=None):
            self.saved.append(saved)
            e = saved if saved is not None else cr.exp(x)  # (tensors under create_graph: recorded)
            return (g * e * y if needs[0] else None, g * e if needs[1] else None)

        self.op = cr.primitive(
            "test_saving_exp_times",
            forward,
            vjp=cr.JointRules(rule, 2),
            jvp=(lambda t, ans, x, y: t * ans, lambda t, ans, x, y: t * cr.exp(x)),
            saves=True,
            register=False,
        )


def test_the_rule_gets_what_the_forward_saved_once() -> None:
    p = _Probe()
    x = cr.tensor([0.5, -1.0], requires_grad=True)
    y = cr.tensor([2.0, 3.0], requires_grad=True)
    out = p.op(x, y)
    np.testing.assert_allclose(out.data, np.exp(x.data) * y.data)
    out.sum().backward(retain_graph=True)
    assert p.saved[0] is p.made[0]
    np.testing.assert_allclose(x.grad, np.exp(x.data) * y.data)
    np.testing.assert_allclose(y.grad, np.exp(x.data))
    # a second pass over the retained graph: the saved values were handed over (and may have been used up)
    x.grad = y.grad = None
    out.sum().backward()
    assert p.saved[1] is None
    np.testing.assert_allclose(x.grad, np.exp(x.data) * y.data)


def test_saved_values_are_released_by_the_backward_pass() -> None:
    p = _Probe()
    x = cr.tensor([0.5, -1.0], requires_grad=True)
    loss = p.op(x, cr.tensor([2.0, 3.0])).sum()
    ref = weakref.ref(p.made[0])
    p.made.clear()
    loss.backward()
    p.saved.clear()
    gc.collect()
    assert ref() is None, "the node still holds what its forward saved"


def test_without_a_recorded_node_the_answer_comes_alone() -> None:
    p = _Probe()
    x, y = np.array([0.5, -1.0]), np.array([2.0, 3.0])
    for out in (p.op(x, y), p.op(cr.tensor(x), cr.tensor(y))):
        assert not isinstance(out, tuple)
        np.testing.assert_allclose(np.asarray(cr.tensor(out).data), np.exp(x) * y)
    with cr.no_grad():
        out = p.op(cr.tensor(x, requires_grad=True), y)
    assert isinstance(out, cr.Tensor) and out.node is None
    assert p.op.forward(x, y).shape == (2,)  # .forward is the answer alone, for every tool that calls it


def test_saving_primitives_agree_with_finite_differences_in_every_mode() -> None:
    p = _Probe()
    x0, y0 = np.array([0.3, -0.7, 1.1]), np.array([1.5, -2.0, 0.5])

    def f(x, y):
        return cr.sum(p.op(x, y) ** 2)

    gx, gy = cr.grad(f, argnums=(0, 1))(x0, y0)
    np.testing.assert_allclose(gx, numerical_grad(lambda a, b: float(np.sum((np.exp(a) * b) ** 2)), [x0, y0], 0))
    np.testing.assert_allclose(gy, numerical_grad(lambda a, b: float(np.sum((np.exp(a) * b) ** 2)), [x0, y0], 1))
    cr.gradcheck(f, (x0, y0))  # reverse and forward mode against central differences
    # second order: under create_graph the rule gets nothing saved and records its own computation
    x = cr.tensor(x0, requires_grad=True)
    f(x, y0).backward(create_graph=True)
    assert p.saved[-1] is None
    g = x.grad
    x.grad = None
    cr.sum(g).backward()
    e = np.exp(x0)
    np.testing.assert_allclose(x.grad, 4 * e**2 * y0**2, rtol=1e-10)  # d/dx of 2 e^2 y^2
    y = p.op(cr.tensor(x0, requires_grad=True), cr.tensor(y0))
    cr.gradcheck_graph(y)  # each input's rule alone (an index of the joint rule, nothing saved)


def test_saves_needs_one_rule_for_all_inputs() -> None:
    with pytest.raises(TypeError, match="saves=True needs one backward rule for all inputs"):
        cr.primitive(
            "test_saving_per_input",
            lambda x: (np.exp(x), None),
            vjp=lambda g, ans, x: g * ans,
            saves=True,
            register=False,
        )


def test_a_joint_rule_without_n_serves_any_number_of_inputs() -> None:
    rules = cr.JointRules(lambda needs, g, ans, *xs: tuple(g * n for n in needs))
    assert rules[4](1.0, None, 0, 0, 0, 0, 0) == 1.0 and rules[0](1.0, None, 0, 0) == 1.0
    with pytest.raises(IndexError):
        rules[-1]


# -- nn.MLP: the whole network as one relu_mlp node ----------------------------------------------------------


def _layerwise(net: cr.nn.MLP, x: cr.Tensor) -> cr.Tensor:
    h = x
    for i in range(1, net.depth + 1):
        layer = getattr(net, f"dense{i}")
        h = cr.matmul(h, layer.weight) + layer.bias
        h = cr.relu(h) if i < net.depth else h
    return h


@pytest.mark.parametrize("xshape", [(6, 5), (5,), (2, 3, 5)])
def test_mlp_as_one_node_matches_its_layers_exactly(xshape, rng) -> None:
    net = cr.nn.MLP([5, 7, 6, 3], seed=0, dtype=np.float64)
    x = rng.standard_normal(xshape)
    seed = rng.standard_normal(xshape[:-1] + (3,))
    out = net(cr.tensor(x))
    assert out.node.name == "relu_mlp"
    out.backward(seed)
    fused = [p.grad for p in net.parameters()]
    net.zero_grad()
    ref = _layerwise(net, cr.tensor(x))
    np.testing.assert_array_equal(out.data, ref.data)
    ref.backward(seed)
    for p, g in zip(net.parameters(), fused, strict=True):
        np.testing.assert_allclose(g, p.grad, rtol=1e-12, atol=1e-15)
        assert g.shape == p.shape and g.base is None and g.flags.writeable
    xt = cr.tensor(x, requires_grad=True)  # and the input's gradient, which the layers stop short of otherwise
    net(xt).backward(seed)
    np.testing.assert_allclose(xt.grad, numerical_grad(lambda a: float(np.sum(net(a).data * seed)), [x], 0), rtol=1e-6)


def test_mlp_second_order_and_forward_mode_match_its_layers(rng) -> None:
    net = cr.nn.MLP([3, 4, 2], seed=1, dtype=np.float64)
    x = rng.standard_normal((5, 3))
    v = rng.standard_normal((3, 4))
    w = net.dense1.weight
    results = []
    for forward in (net, lambda t: _layerwise(net, t)):
        net.zero_grad()
        (forward(cr.tensor(x)) ** 2).sum().backward(create_graph=True)
        g = w.grad
        net.zero_grad()
        cr.sum(g * v).backward()
        results.append(w.grad)
        results.append(cr.jvp(lambda a, f=forward: f(a), (x,), (np.ones_like(x),))[1])
    np.testing.assert_allclose(results[0], results[2], rtol=1e-10)
    np.testing.assert_allclose(results[1], results[3], rtol=1e-10)


def test_mlp_falls_back_to_its_layers_with_their_errors_and_their_gates() -> None:
    net = cr.nn.MLP([4, 3, 2], seed=0)
    with pytest.raises(cr.ShapeError, match=r"Dense\(4 -> 3\): input of shape \(2, 5\)"):
        net(cr.tensor(np.ones((2, 5), dtype=np.float32)))
    assert net([[1.0, 2.0, 3.0, 4.0]]).shape == (1, 2)  # a nested list, like any layer takes
    net.dense2 = cr.nn.Dense(3, 2, bias=False, seed=1)  # no bias: the layers, one node each
    out = net(cr.tensor(np.ones((2, 4), dtype=np.float32)))
    assert out.node.name == "matmul" and out.node.parents[0].prim.name == "affine_relu"


def test_mlp_weights_changed_in_place_after_the_forward_pass_are_refused() -> None:
    net = cr.nn.MLP([4, 3, 2], seed=0)
    loss = net(cr.tensor(np.ones((2, 4), dtype=np.float32))).sum()
    with cr.no_grad():
        net.dense2.weight.sub_(1.0)
    with pytest.raises(cr.InplaceError, match="relu_mlp: input 3"):
        loss.backward()


def test_a_saving_forward_must_return_the_answer_and_what_it_saved() -> None:
    rule = cr.JointRules(lambda needs, g, ans, x, saved=None: (g * np.exp(x),), 1)
    op = cr.primitive("test_saving_forgot", np.exp, vjp=rule, saves=True, register=False)
    for x in (np.array([0.0, 1.0]), cr.tensor(np.zeros((2, 3)), requires_grad=True), cr.tensor(np.zeros(3))):
        with pytest.raises(TypeError, match=r"test_saving_forgot: .*returns \(ans, saved\).*got an array of shape"):
            op(x)
    with pytest.raises(TypeError, match="keyword argument saved; give the rule a parameter saved=None"):
        cr.primitive(
            "test_saving_no_keyword",
            lambda x: (np.exp(x), None),
            vjp=cr.JointRules(lambda needs, g, ans, x: (g,), 1),
            saves=True,
            register=False,
        )


def _composed_mlp(x, *weights):
    h = x
    for i in range(0, len(weights), 2):
        h = cr.matmul(h, weights[i]) + weights[i + 1]
        h = cr.relu(h) if i < len(weights) - 2 else h
    return h


@pytest.mark.parametrize(
    "shapes",
    [
        [(3,), (3, 4), (1, 4), (4, 2), (2,)],  # a row bias on a vector input: the output gains an axis
        [(1, 3), (3, 4), (5, 4), (4, 2), (2,)],  # a bias with more rows than x: the batch grows at layer 1
        [(1, 3), (3, 4), (4,), (4, 2), (5, 2)],  # ... or at the last layer
        [(2, 3), (3, 4), (2, 1, 4), (4, 2), ()],  # a batch axis from the bias; a 0-d bias
    ],
)
def test_fused_layers_broadcast_their_biases_as_the_composition_does(shapes, rng) -> None:
    arrays = [rng.standard_normal(s) for s in shapes]
    for fused, composed, n in (
        (cr.relu_mlp, _composed_mlp, 5),
        (cr.affine, lambda x, w, b: cr.matmul(x, w) + b, 3),
        (cr.affine_relu, lambda x, w, b: cr.relu(cr.matmul(x, w) + b), 3),
    ):
        a = [cr.tensor(v, requires_grad=True) for v in arrays[:n]]
        b = [cr.tensor(v, requires_grad=True) for v in arrays[:n]]
        ya, yb = fused(*a), composed(*b)
        assert ya.shape == yb.shape
        np.testing.assert_allclose(ya.data, yb.data, rtol=1e-12)
        seed = rng.standard_normal(ya.shape)
        ya.backward(seed)
        yb.backward(seed)
        for ta, tb in zip(a, b, strict=True):
            assert ta.grad.shape == ta.shape
            np.testing.assert_allclose(ta.grad, tb.grad, rtol=1e-10, atol=1e-12)


def test_fused_layers_take_nested_lists_and_refuse_a_vector_weight_by_layer(rng) -> None:
    x = cr.tensor(rng.standard_normal((2, 3)), requires_grad=True)
    ref = cr.tensor(x.data, requires_grad=True)
    w1, w2 = rng.standard_normal((3, 4)), rng.standard_normal((4, 2))
    cr.relu_mlp(x, w1.tolist(), [0.5] * 4, w2, np.zeros(2)).sum().backward()
    _composed_mlp(ref, w1, np.full(4, 0.5), w2, np.zeros(2)).sum().backward()
    np.testing.assert_allclose(x.grad, ref.grad, rtol=1e-12)
    with pytest.raises(cr.ShapeError, match=r"relu_mlp, layer 2: .*weight must be a matrix .* got shape \(4,\)"):
        cr.relu_mlp(x, w1, np.zeros(4), np.ones(4), 0.0)
    net = cr.nn.MLP([3, 4, 1], seed=0, dtype=np.float64)  # a layer given a vector weight: the layers run one by one
    net.dense2.weight = cr.tensor(np.ones(4), requires_grad=True)
    net.dense2.bias = cr.tensor(0.0, requires_grad=True)
    y = net(cr.tensor(x.data))
    assert y.shape == (2,) and y.node.name != "relu_mlp"
    y.sum().backward()
    assert net.dense2.weight.grad.shape == (4,)


def test_a_float16_mean_loss_adds_up_in_float32_as_numpy_does(rng) -> None:
    z = rng.standard_normal((20000, 5)).astype(np.float16) * 4
    labels = rng.integers(0, 5, 20000)
    fused = cr.cross_entropy(cr.tensor(z), labels).data
    composed = cr.mean(-cr.squeeze(cr.take_along_axis(cr.log_softmax(cr.tensor(z)), labels[:, None], axis=-1), -1))
    assert fused.dtype == np.float16 and np.isfinite(fused)
    np.testing.assert_allclose(float(fused), float(composed.data), rtol=2e-3)
