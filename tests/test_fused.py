"""Fused primitives (ops/fused.py) against the compositions they replace, and the engine's fast paths."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule.ops import fused
from tests.helpers import numerical_grad


def _composed_ce(z, labels, reduction="mean"):
    lsm = cr.log_softmax(z, axis=-1)
    picked = -cr.squeeze(cr.take_along_axis(lsm, np.expand_dims(labels, -1), axis=-1), -1)
    return {"mean": cr.mean, "sum": cr.sum, "none": lambda t: t}[reduction](picked)


@pytest.mark.parametrize("xshape", [(5, 4), (4,), (2, 3, 4)])
def test_affine_matches_matmul_plus_bias_and_finite_differences(xshape, rng) -> None:
    x, w, b = rng.standard_normal(xshape), rng.standard_normal((4, 3)), rng.standard_normal(3)
    seed = rng.standard_normal(np.shape(x @ w))
    ts = [cr.tensor(a, requires_grad=True) for a in (x, w, b)]
    out = cr.affine(*ts)
    np.testing.assert_allclose(out.data, x @ w + b, rtol=1e-12)
    out.backward(seed)
    for i, t in enumerate(ts):
        num = numerical_grad(lambda *a: float(np.sum((a[0] @ a[1] + a[2]) * seed)), [x, w, b], i)
        np.testing.assert_allclose(t.grad, num, rtol=1e-6, atol=1e-8)
        assert t.grad.shape == t.shape


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_softmax_cross_entropy_matches_the_composition(reduction, rng) -> None:
    z = rng.standard_normal((6, 5)) * 3
    labels = rng.integers(0, 5, size=6)
    a = cr.tensor(z, requires_grad=True)
    b = cr.tensor(z, requires_grad=True)
    fa = cr.softmax_cross_entropy(a, labels, reduction=reduction)
    fb = _composed_ce(b, labels, reduction)
    np.testing.assert_allclose(fa.data, fb.data, rtol=1e-12)
    seed = rng.standard_normal(fa.shape)
    fa.backward(seed)
    fb.backward(seed)
    np.testing.assert_allclose(a.grad, b.grad, rtol=1e-10, atol=1e-14)
    num = numerical_grad(
        lambda zz: float(np.sum(cr.softmax_cross_entropy(zz, labels, reduction=reduction).data * seed)), [z], 0
    )
    np.testing.assert_allclose(a.grad, num, rtol=1e-6, atol=1e-8)


def test_softmax_cross_entropy_float32_large_logits_and_dead_rows() -> None:
    z = np.array([[1e4, 0.0, -1e4], [-np.inf, -np.inf, -np.inf]], dtype=np.float32)
    a = cr.tensor(z, requires_grad=True)
    b = cr.tensor(z, requires_grad=True)
    with np.errstate(invalid="ignore"):
        fa = cr.softmax_cross_entropy(a, np.array([0, 1]), reduction="none")
        fb = _composed_ce(b, np.array([0, 1]), "none")
    assert fa.dtype == np.float32
    np.testing.assert_array_equal(fa.data, fb.data)  # [0, inf]: finite where it can be, no NaN
    fa.backward(np.ones(2, dtype=np.float32))
    fb.backward(np.ones(2, dtype=np.float32))
    np.testing.assert_array_equal(a.grad, b.grad)
    assert a.grad.dtype == np.float32 and not a.grad[1].any()


def test_second_order_through_fused_rules(rng) -> None:
    # the rules run on tensors under create_graph: d/dz of <grad, v> equals the composed Hessian-vector product
    z = rng.standard_normal((3, 4))
    labels = np.array([1, 0, 3])
    v = rng.standard_normal((3, 4))
    out = []
    for fn in (lambda t: cr.softmax_cross_entropy(t, labels), lambda t: _composed_ce(t, labels)):
        t = cr.tensor(z, requires_grad=True)
        fn(t).backward(create_graph=True)
        g = t.grad
        t.grad = None
        cr.sum(g * v).backward()
        out.append(t.grad)
    np.testing.assert_allclose(out[0], out[1], rtol=1e-10, atol=1e-12)


def test_dense_records_one_affine_node_and_cross_entropy_one_node() -> None:
    layer = cr.nn.Dense(4, 3, seed=0)
    y = layer(cr.tensor(np.ones((2, 4), dtype=np.float32)))
    assert y.node.name == "affine"
    loss = cr.cross_entropy(y, np.array([0, 2]))
    assert loss.node.name == "softmax_cross_entropy"
    loss.backward()
    assert layer.weight.grad.shape == (4, 3) and layer.bias.grad.shape == (3,)
    assert layer.bias.grad.dtype == np.float32


def test_linear_falls_back_to_the_composition_for_other_shapes() -> None:
    x, w = cr.tensor(np.ones((2, 3)), requires_grad=True), cr.tensor(np.ones((3, 4)))
    y = fused.linear(x, w, cr.tensor(np.ones((2, 4))))  # a bias of the output's full shape
    assert y.node.name == "add" and y.data.tolist() == [[4.0] * 4] * 2


def test_fan_out_sums_are_not_shared_between_inputs() -> None:
    # add's rule hands the same gradient array to both inputs; the engine's in-place accumulation must
    # never write into an array another input also holds
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    y = cr.tensor([3.0, 4.0], requires_grad=True)
    s = x + y
    t = s + s + s + x * 2 + y  # x gets 3 + 2, y gets 3 + 1, via shared and summed arrays
    t.sum().backward()
    assert x.grad.tolist() == [5.0, 5.0] and y.grad.tolist() == [4.0, 4.0]
    assert not np.shares_memory(x.grad, y.grad)
    a = cr.tensor(2.0, requires_grad=True)  # 0-d gradients are NumPy scalars: summed, never added in place
    (a * a + a * a + a * a).backward()
    assert float(a.grad) == 12.0


def test_bias_gradient_is_its_own_array(rng) -> None:
    x = cr.tensor(rng.standard_normal((4, 3)))
    b = cr.tensor(np.zeros(3), requires_grad=True)
    (x + b).sum().backward()
    assert b.grad.base is None and b.grad.flags.writeable and b.grad.tolist() == [4.0, 4.0, 4.0]


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_mlp_fuses_dense_and_relu_with_the_composed_gradients(dtype, rng) -> None:
    net = cr.nn.MLP([5, 7, 6, 3], seed=0, dtype=dtype)
    x = rng.standard_normal((8, 5)).astype(dtype)
    labels = np.array([0, 1, 2, 0, 1, 2, 2, 1])
    out = net(cr.tensor(x))
    assert out.node.name == "relu_mlp"  # the whole network, one node
    assert out.node.parents[0] is None and out.node.parents[1:] == tuple(net.parameters())
    cr.cross_entropy(out, labels).backward()
    fused_grads = [p.grad for p in net.parameters()]
    for p in net.parameters():
        p.grad = None
    h = cr.tensor(x)
    for i in range(1, net.depth + 1):
        layer = getattr(net, f"dense{i}")
        h = cr.matmul(h, layer.weight) + layer.bias
        h = cr.relu(h) if i < net.depth else h
    np.testing.assert_array_equal(h.data, out.data)
    cr.cross_entropy(h, labels).backward()
    for p, g in zip(net.parameters(), fused_grads, strict=True):
        assert g.dtype == dtype and g.shape == p.shape
        np.testing.assert_allclose(g, p.grad, rtol=1e-3 if dtype == np.float16 else 1e-6, atol=1e-6)
        assert g.base is None and g.flags.writeable


def test_affine_relu_without_a_bias_gradient_and_on_a_vector(rng) -> None:
    # the bias rule (which drops the shared masked gradient) is not called: the next node must not reuse it
    w = cr.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    b = cr.tensor(rng.standard_normal(3))
    x1 = cr.tensor(rng.standard_normal((5, 4)), requires_grad=True)
    x2 = cr.tensor(rng.standard_normal(4), requires_grad=True)
    seed = rng.standard_normal(3)
    (cr.affine_relu(x1, w, b).sum() + (cr.affine_relu(x2, w, b) * seed).sum()).backward()
    for x, s in ((x1, 1.0), (x2, seed)):
        z = x.data @ w.data + b.data
        np.testing.assert_allclose(x.grad, (s * (z > 0)) @ w.data.T, rtol=1e-12)
    z1, z2 = x1.data @ w.data + b.data, x2.data @ w.data + b.data
    np.testing.assert_allclose(w.grad, x1.data.T @ (z1 > 0) + np.outer(x2.data, seed * (z2 > 0)), rtol=1e-12)
    # a 1-D input: the bias gradient is the masked gradient itself, owned by nobody else
    bb = cr.tensor(b.data, requires_grad=True)
    y = cr.affine_relu(x2, w, bb)
    y.backward(seed)
    np.testing.assert_array_equal(bb.grad, seed * (y.data > 0))
    assert bb.grad.flags.writeable and not np.shares_memory(bb.grad, seed)


def test_affine_relu_second_order_and_forward_mode(rng) -> None:
    x, w, b = rng.standard_normal((3, 4)), rng.standard_normal((4, 2)), rng.standard_normal(2)
    v = rng.standard_normal((4, 2))

    def composed(xx, ww):
        return cr.relu(cr.matmul(xx, ww) + b)

    out = []
    for fn in (lambda xx, ww: cr.affine_relu(xx, ww, b), composed):
        ww = cr.tensor(w, requires_grad=True)
        xx = cr.tensor(x, requires_grad=True)
        (fn(xx, ww) ** 2).sum().backward(create_graph=True)
        g = ww.grad
        ww.grad = None
        xx.grad = None
        cr.sum(g * v).backward()
        out.append((ww.grad, xx.grad))
        _, tangent = cr.jvp(lambda a: fn(a, cr.tensor(w)), (x,), (v[:, :1].T.repeat(3, 0),))
        out.append(tangent)
    np.testing.assert_allclose(out[0][0], out[2][0], rtol=1e-10)
    np.testing.assert_allclose(out[0][1], out[2][1], rtol=1e-10)
    np.testing.assert_allclose(out[1], out[3], rtol=1e-10)


@pytest.mark.parametrize("reduce", [cr.sum, cr.mean])
@pytest.mark.parametrize(("axis", "keepdims"), [(None, False), (None, True), (1, False), ((0, 1), True), (0, True)])
def test_sum_and_mean_gradients_of_plain_arrays_are_spread_views(reduce, axis, keepdims, rng) -> None:
    x = cr.tensor(rng.standard_normal((2, 3)).astype(np.float32), requires_grad=True)
    y = reduce(x, axis=axis, keepdims=keepdims)
    seed = rng.standard_normal(y.shape).astype(np.float32)
    y.backward(seed)
    n = x.size // y.size
    want = np.broadcast_to(np.reshape(seed, np.sum(x.data, axis=axis, keepdims=True).shape), x.shape)
    np.testing.assert_array_equal(x.grad, want / n if reduce is cr.mean else want)
    assert x.grad.dtype == np.float32 and x.grad.base is None and x.grad.flags.writeable
    # a 0-d NumPy scalar as the upstream gradient (as multiply's rule gives for two 0-d arrays)
    s = cr.tensor(rng.standard_normal(4), requires_grad=True)
    (reduce(s) * 3.0).backward()
    np.testing.assert_array_equal(s.grad, np.full(4, 3.0 / (4 if reduce is cr.mean else 1)))


def test_affine_relu_reused_graph_with_a_seed_changed_in_place(rng) -> None:
    # a vjp function may be handed the same cotangent array twice, changed in between: the masked gradient
    # shared by the rules of one visit must not outlive it (here the bias needs no gradient, so its rule,
    # which drops the shared entry, never runs)
    x, w, b = rng.standard_normal((5, 4)), rng.standard_normal((4, 3)), rng.standard_normal(3)
    out, vjp_fn = cr.vjp(lambda xx, ww: cr.affine_relu(xx, ww, b), x, w)
    ct = np.ones(out.shape)
    first = [np.array(g) for g in vjp_fn(ct)]
    ct *= 3.0
    second = vjp_fn(ct)
    mask = (x @ w + b) > 0
    for g1, g2, want in zip(first, second, ((mask * 1.0) @ w.T, x.T @ (mask * 1.0)), strict=True):
        np.testing.assert_allclose(g1, want, rtol=1e-12)
        np.testing.assert_allclose(g2, 3.0 * want, rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_full_mean_forward_is_numpys_mean(dtype, rng) -> None:
    for shape in [(100, 1), (7,), (3, 5, 2), ()]:
        x = (rng.standard_normal(shape) * 1e3).astype(dtype)
        got = cr.mean(cr.tensor(x)).data
        want = np.mean(x)
        assert got.dtype == want.dtype and got == want


def test_the_cached_zero_and_one_change_no_result_dtype() -> None:
    from chainrule.ops._base import one_of, zero_of

    for dtype in (np.float16, np.float32, np.float64):
        a = np.array([-1.5, 0.0, 2.0], dtype=dtype)
        assert zero_of(a).dtype == dtype and one_of(a).dtype == dtype and not zero_of(a).flags.writeable
        assert zero_of(a) is zero_of(a.copy())  # one per dtype
        t = cr.tensor(a, requires_grad=True)
        y = cr.relu(t)
        assert y.dtype == dtype and y.data.tolist() == [0.0, 0.0, 2.0]
        y.backward(np.ones(3, dtype=dtype))
        assert t.grad.dtype == dtype and t.grad.tolist() == [0.0, 0.0, 1.0]  # 0 at the kink, as before
    for a in (np.array([1, -2]), np.array([True, False]), 3.0, [1.0, -1.0]):
        assert type(zero_of(a)) is int and type(one_of(a)) is int  # NumPy's own promotion of the Python int
        np.testing.assert_array_equal(np.asarray(cr.relu(a)), np.maximum(a, 0))
        assert np.asarray(cr.relu(a)).dtype == np.asarray(np.maximum(a, 0)).dtype


def test_mlp_sees_a_replaced_parameter_or_layer_after_it_ran(rng) -> None:
    # nn.MLP keeps its list of weights between calls: replacing a parameter or a layer must not use the old one
    net = cr.nn.MLP([3, 4, 2], seed=0, dtype=np.float64)
    x = cr.tensor(rng.standard_normal((5, 3)))
    net(x)
    new_weight = cr.tensor(rng.standard_normal((4, 2)), requires_grad=True)
    net.dense2.weight = new_weight
    out = net(x)
    assert out.node.parents[3] is new_weight
    h = np.maximum(x.data @ net.dense1.weight.data + net.dense1.bias.data, 0)
    np.testing.assert_allclose(out.data, h @ new_weight.data + net.dense2.bias.data, rtol=1e-12)
    net.dense2 = cr.nn.Dense(4, 2, bias=False, seed=1, dtype=np.float64)  # not fusable: the layers one by one
    out = net(x)
    assert out.node.name != "relu_mlp"
    np.testing.assert_allclose(out.data, h @ net.dense2.weight.data, rtol=1e-12)
    del net.dense2
    with pytest.raises(AttributeError):
        net(x)


@pytest.mark.parametrize("label_dtype", [np.int64, np.int8, np.uint8, np.uint64, np.dtype(">i4")])
@pytest.mark.parametrize("layout", ["C", "F", "strided"])
def test_fused_cross_entropy_for_every_label_dtype_and_logits_layout(label_dtype, layout, rng) -> None:
    # the fused rule finds each row's label by its flat position: that must hold for any memory layout
    z = rng.standard_normal((6, 5))
    z = {"C": z, "F": np.asfortranarray(z), "strided": np.repeat(z, 2, axis=1)[:, ::2]}[layout]
    labels = np.array([0, 4, 2, 2, 1, 3]).astype(label_dtype)
    t = cr.tensor(z, requires_grad=True)
    loss = cr.cross_entropy(t, labels)
    loss.backward()
    lsm = z - z.max(axis=1, keepdims=True)
    lsm -= np.log(np.exp(lsm).sum(axis=1, keepdims=True))
    rows = np.arange(6)
    np.testing.assert_allclose(loss.item(), -lsm[rows, labels.astype(int)].mean(), rtol=1e-12)
    want = np.exp(lsm)
    want[rows, labels.astype(int)] -= 1
    np.testing.assert_allclose(t.grad, want / 6, rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("bad", [[0, 5], [0, -1]])
def test_the_fused_cross_entropy_primitive_checks_its_labels(bad) -> None:
    # called directly, as cross_entropy calls it: a label past the last class, or negative, is named, never wrapped
    z = cr.tensor(np.zeros((2, 5)), requires_grad=True)
    with pytest.raises(cr.InvalidArgumentError, match=r"softmax_cross_entropy: labels must lie in \[0, 5\)"):
        cr.softmax_cross_entropy(z, np.array(bad))
    with pytest.raises(cr.InvalidArgumentError, match=r"labels must lie in \[0, 5\)"):
        cr.cross_entropy(z, np.array(bad))


def test_mlp_weight_cache_is_never_trusted_after_a_pickle_round_trip(rng) -> None:
    import pickle

    net = cr.nn.MLP([3, 4, 2], seed=0, dtype=np.float64)
    x = cr.tensor(rng.standard_normal((2, 3)))
    net(x)  # (the weight list is cached now, and travels with the net)
    copy = pickle.loads(pickle.dumps(net))
    copy.dense1 = cr.nn.Dense(3, 4, seed=7, dtype=np.float64)
    out = copy(x)
    h = np.maximum(x.data @ copy.dense1.weight.data + copy.dense1.bias.data, 0)
    np.testing.assert_allclose(out.data, h @ copy.dense2.weight.data + copy.dense2.bias.data, rtol=1e-12)
    assert out.node.parents[1] is copy.dense1.weight


@pytest.mark.parametrize(
    ("labels", "reduction", "error", "match"),
    [
        (np.array([True, False, True, False]), "mean", cr.DtypeError, "labels must be integer class numbers"),
        (np.array([0.0, 1.0, 2.0, 0.0]), "mean", cr.DtypeError, "labels must be integer class numbers"),
        (np.array([0, 1, 2]), "mean", cr.ShapeError, r"labels of shape \(3,\) do not match logits of shape \(4, 3\)"),
        (np.array([2]), "mean", cr.ShapeError, r"labels of shape \(1,\)"),  # never broadcast over the rows
        (np.array([0, 1, 2, 0]), "avg", cr.InvalidArgumentError, "reduction must be 'mean', 'sum' or 'none'"),
        (np.array([0, 1, 2, 0]), None, cr.InvalidArgumentError, "reduction must be"),
    ],
)
def test_the_fused_cross_entropy_primitive_refuses_what_cross_entropy_would(labels, reduction, error, match) -> None:
    z = cr.tensor(np.zeros((4, 3)), requires_grad=True)
    with pytest.raises(error, match="softmax_cross_entropy: " + match):
        cr.softmax_cross_entropy(z, labels, reduction=reduction)


def test_fused_cross_entropy_takes_lists_and_integer_logits(rng) -> None:
    z = rng.standard_normal((4, 3))
    labels = [0, 2, 1, 2]
    t = cr.tensor(z, requires_grad=True)
    loss = cr.softmax_cross_entropy(t, labels)
    loss.backward()
    lsm = z - z.max(axis=1, keepdims=True)
    lsm -= np.log(np.exp(lsm).sum(axis=1, keepdims=True))
    np.testing.assert_allclose(loss.item(), -lsm[np.arange(4), labels].mean(), rtol=1e-12)
    assert t.grad.shape == (4, 3)
    np.testing.assert_allclose(cr.softmax_cross_entropy(z.tolist(), labels).item(), loss.item(), rtol=1e-12)
    ints = np.array([[1, 2, 3]])  # as log_softmax takes them: in float64
    expected = -cr.log_softmax(cr.tensor(ints), axis=-1).data[0, 0]
    np.testing.assert_allclose(cr.cross_entropy(cr.tensor(ints), [0]).item(), expected, rtol=1e-12)
