"""Layers, Module plumbing and initialisers: every layer's gradient against central differences (float64)."""

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.errors import CheckpointError, ShapeError
from chainrule.ops.conv import col2im, im2col
from helpers import check_grads

F64 = np.float64


def _with_params(layer, **params):
    for name, value in params.items():
        setattr(layer, name, value)
    return layer


# -- every layer's gradient, numerically ----------------------------------------------------------------
def test_dense_gradients(rng):
    check_grads(
        lambda x, w, b: _with_params(nn.Dense(3, 2, dtype=F64), weight=w, bias=b)(x),
        rng.standard_normal((4, 3)),
        rng.standard_normal((3, 2)),
        rng.standard_normal(2),
    )


@pytest.mark.parametrize(
    ("stride", "padding", "kernel"), [(1, 0, 3), (2, 1, 3), ((1, 2), (0, 1), (2, 3))], ids=["plain", "s2p1", "rect"]
)
def test_conv2d_gradients(rng, stride, padding, kernel):
    kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
    check_grads(
        lambda x, w, b: cr.conv2d(x, w, b, stride=stride, padding=padding),
        rng.standard_normal((2, 2, 5, 6)),
        rng.standard_normal((3, 2, kh, kw)),
        rng.standard_normal(3),
    )


def test_conv2d_layer_matches_direct_sum(rng):
    x = rng.standard_normal((2, 3, 6, 5))
    layer = nn.Conv2d(3, 4, 3, stride=2, padding=1, seed=0, dtype=F64)
    out = layer(cr.tensor(x)).data
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    w, b = layer.weight.data, layer.bias.data
    expected = np.zeros((2, 4, 3, 3))
    for i in range(3):
        for j in range(3):
            patch = xp[:, :, 2 * i : 2 * i + 3, 2 * j : 2 * j + 3]
            expected[:, :, i, j] = np.einsum("nchw,ochw->no", patch, w) + b
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("pool", [cr.max_pool2d, cr.avg_pool2d])
@pytest.mark.parametrize(("kernel", "stride"), [(2, None), (3, 1), ((2, 3), (1, 2))])
def test_pooling_gradients(rng, pool, kernel, stride):
    check_grads(lambda x: pool(x, kernel, stride), rng.standard_normal((2, 2, 5, 6)))


def test_pooling_layers_values():
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    assert nn.MaxPool2d(2)(x).tolist() == [[[[5.0, 7.0], [13.0, 15.0]]]]
    assert nn.AvgPool2d(2)(x).tolist() == [[[[2.5, 4.5], [10.5, 12.5]]]]


def test_im2col_and_col2im_are_adjoint(rng):
    # <im2col(x), c> == <x, col2im(c)>: the backward rule of a linear map is its transpose
    x = rng.standard_normal((2, 3, 7, 6))
    cols = im2col(x, (3, 2), stride=(2, 1), padding=(1, 2))
    c = rng.standard_normal(cols.shape)
    lhs = np.sum(cols * c)
    rhs = np.sum(x * col2im(c, x.shape, (3, 2), stride=(2, 1), padding=(1, 2)))
    np.testing.assert_allclose(lhs, rhs, rtol=1e-12)
    check_grads(lambda c: col2im(c, (2, 3, 7, 6), (3, 2), (2, 1), (1, 2)), c)


def test_conv_second_derivative_through_im2col(rng):
    # create_graph records the backward pass (col2im), which can be differentiated again
    x = cr.tensor(rng.standard_normal((1, 1, 4, 4)), requires_grad=True)
    w = cr.tensor(rng.standard_normal((1, 1, 2, 2)), requires_grad=True)
    y = (cr.conv2d(x, w) ** 2).sum()
    y.backward(create_graph=True)
    gx = x.grad
    x.grad = None
    w.grad = None
    (gx * gx).sum().backward()
    assert w.grad is not None and np.all(np.isfinite(w.grad.data))


def test_conv_errors():
    with pytest.raises(ShapeError, match="batch, channels, height, width"):
        cr.conv2d(np.zeros((3, 5, 5)), np.zeros((1, 3, 2, 2)))
    with pytest.raises(ShapeError, match="3 channels"):
        cr.conv2d(np.zeros((1, 3, 5, 5)), np.zeros((1, 2, 2, 2)))
    with pytest.raises(ShapeError, match="does not fit"):
        cr.max_pool2d(np.zeros((1, 1, 2, 2)), 3)


def test_layernorm_gradients(rng):
    def fn(x, w, b):
        return _with_params(nn.LayerNorm(4, dtype=F64), weight=w, bias=b)(x)

    check_grads(fn, rng.standard_normal((3, 4)), rng.standard_normal(4), rng.standard_normal(4))
    y = nn.LayerNorm((2, 3), dtype=F64)(cr.tensor(rng.standard_normal((4, 2, 3)) * 5 + 2)).data
    np.testing.assert_allclose(y.mean(axis=(1, 2)), 0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=(1, 2)), 1, atol=1e-3)


@pytest.mark.parametrize("shape", [(5, 3), (4, 3, 2)])
def test_batchnorm_gradients_in_both_modes(rng, shape):
    def fn(x, w, b):
        return _with_params(nn.BatchNorm1d(3, dtype=F64), weight=w, bias=b)(x)

    check_grads(fn, rng.standard_normal(shape), rng.standard_normal(3), rng.standard_normal(3))

    def fn_eval(x, w, b):
        bn = _with_params(nn.BatchNorm1d(3, dtype=F64), weight=w, bias=b)
        bn.running_mean = np.array([0.5, -1.0, 2.0])
        bn.running_var = np.array([2.0, 0.5, 1.5])
        return bn.eval()(x)

    check_grads(fn_eval, rng.standard_normal(shape), rng.standard_normal(3), rng.standard_normal(3))


def test_batchnorm_running_stats_and_modes(rng):
    bn = nn.BatchNorm1d(2, momentum=0.5, dtype=F64)
    x = rng.standard_normal((8, 2)) * [2.0, 0.5] + [3.0, -1.0]
    y = bn(cr.tensor(x)).data
    np.testing.assert_allclose(y.mean(axis=0), 0, atol=1e-12)  # training: the batch's own statistics
    np.testing.assert_allclose(bn.running_mean, 0.5 * x.mean(axis=0))
    np.testing.assert_allclose(bn.running_var, 0.5 + 0.5 * x.var(axis=0, ddof=1))
    assert set(bn.state_dict()) == {"weight", "bias", "running_mean", "running_var"}
    bn.eval()
    before = bn.running_mean.copy()
    y_eval = bn(cr.tensor(x[:1])).data  # eval: one sample is fine and the stats stay put
    np.testing.assert_allclose(y_eval, (x[:1] - bn.running_mean) / np.sqrt(bn.running_var + bn.eps))
    np.testing.assert_array_equal(bn.running_mean, before)
    with pytest.raises(ShapeError, match="more than one value"):
        bn.train()(cr.tensor(x[:1]))


def test_dropout_train_eval_and_gradient(rng):
    x = rng.standard_normal((50, 40))
    drop = nn.Dropout(0.25, seed=0)
    y = drop(cr.tensor(x)).data
    dropped = y == 0
    assert 0.15 < dropped.mean() < 0.35
    np.testing.assert_allclose(y[~dropped], x[~dropped] / 0.75)
    assert np.array_equal(drop.eval()(cr.tensor(x)).data, x)
    check_grads(lambda x: nn.Dropout(0.5, seed=3)(x), rng.standard_normal((4, 5)))
    with pytest.raises(ValueError, match="p must be"):
        nn.Dropout(1.0)


def test_embedding_gradient_adds_repeats(rng):
    ids = np.array([[1, 2], [2, 0]])
    check_grads(lambda w: _with_params(nn.Embedding(4, 3, dtype=F64), weight=w)(ids), rng.standard_normal((4, 3)))
    emb = nn.Embedding(4, 3, seed=0)
    emb(ids).sum().backward()
    assert emb.weight.grad.tolist() == [[1.0] * 3, [1.0] * 3, [2.0] * 3, [0.0] * 3]
    with pytest.raises(IndexError, match=r"\[0, 4\)"):
        emb([4])
    with pytest.raises(cr.DtypeError):
        emb(np.array([0.5]))


def test_flatten_unflatten_sequential(rng):
    x = rng.standard_normal((2, 12))
    net = nn.Sequential(nn.Unflatten((3, 2, 2)), nn.Flatten())
    check_grads(lambda x: net(x), x)
    assert net(cr.tensor(x)).shape == (2, 12)


ACTIVATIONS = [
    (nn.relu, nn.ReLU()),
    (lambda x: nn.leaky_relu(x, negative_slope=0.1), nn.LeakyReLU(0.1)),
    (nn.gelu, nn.GELU()),
    (nn.tanh, nn.Tanh()),
    (nn.sigmoid, nn.Sigmoid()),
    (nn.softplus, nn.Softplus()),
    (nn.softmax, nn.Softmax()),
]


@pytest.mark.parametrize(("fn", "layer"), ACTIVATIONS, ids=[type(layer).__name__ for _, layer in ACTIVATIONS])
def test_activations_function_and_layer(rng, fn, layer):
    x = rng.standard_normal((3, 4)) + 0.05  # away from relu's kink at exactly 0
    np.testing.assert_array_equal(fn(cr.tensor(x)).data, layer(cr.tensor(x)).data)
    check_grads(lambda t: layer(t), x)


# -- Module plumbing ---------------------------------------------------------------------------------------
def _net():
    return nn.Sequential(nn.Dense(4, 8, seed=0), nn.BatchNorm1d(8), nn.ReLU(), nn.Dropout(0.1), nn.Dense(8, 2, seed=1))


def test_named_parameters_modes_and_zero_grad():
    net = _net()
    assert [n for n, _ in net.named_parameters()] == [
        "layers.0.weight",
        "layers.0.bias",
        "layers.1.weight",
        "layers.1.bias",
        "layers.4.weight",
        "layers.4.bias",
    ]
    assert len(net.parameters()) == 6
    assert net.num_parameters() == 4 * 8 + 8 + 8 + 8 + 8 * 2 + 2
    assert all(m.training for m in net.modules())
    net.eval()
    assert not any(m.training for m in net.modules())
    net.train()
    out = net(cr.tensor(np.ones((3, 4), dtype="float32")))
    out.sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_repr_shows_layers_and_counts():
    text = repr(_net())
    assert "(0): Dense(4 -> 8)  # 40 parameters" in text
    assert "BatchNorm1d(8" in text and "Dropout(p=0.1)" in text
    assert text.endswith(f"# {_net().num_parameters():,} parameters")


def test_state_dict_round_trip_includes_buffers(rng):
    a, b = (
        _net(),
        nn.Sequential(nn.Dense(4, 8, seed=5), nn.BatchNorm1d(8), nn.ReLU(), nn.Dropout(0.1), nn.Dense(8, 2, seed=6)),
    )
    a(cr.tensor(rng.standard_normal((6, 4)).astype("float32")))  # moves the running stats
    b.load_state_dict(a.state_dict())
    for (na, va), (nb, vb) in zip(a.state_dict().items(), b.state_dict().items(), strict=True):
        assert na == nb and np.array_equal(va, vb) and va.dtype == vb.dtype
    state = a.state_dict()
    state["layers.0.weight"][:] = 7  # a copy: the model is unaffected
    assert not np.any(a.layers[0].weight.data == 7)


def test_load_state_dict_strict_errors():
    net = _net()
    good = net.state_dict()
    with pytest.raises(CheckpointError, match=r"missing layers\.4\.bias"):
        net.load_state_dict({k: v for k, v in good.items() if k != "layers.4.bias"})
    with pytest.raises(CheckpointError, match=r"unexpected extra\.w"):
        net.load_state_dict({**good, "extra.w": np.zeros(1)})
    with pytest.raises(CheckpointError, match=r"'layers\.0\.weight' has shape \(3, 8\), the model expects \(4, 8\)"):
        net.load_state_dict({**good, "layers.0.weight": np.zeros((3, 8), dtype="float32")})
    with pytest.raises(CheckpointError, match=r"'layers\.1\.running_var' has dtype float64"):
        net.load_state_dict({**good, "layers.1.running_var": np.ones(8)})
    before = net.layers[0].weight.data.copy()
    with pytest.raises(CheckpointError):  # a bad entry late in the dict leaves earlier ones untouched
        net.load_state_dict({**good, "layers.0.weight": before + 1, "layers.4.bias": np.zeros(3, dtype="float32")})
    assert np.array_equal(net.layers[0].weight.data, before)
    partial = {"layers.0.weight": np.full((4, 8), 2.0, dtype="float32")}
    net.load_state_dict(partial, strict=False)
    assert np.all(net.layers[0].weight.data == 2.0)


def test_models_default_to_float32():
    for model in (nn.MLP([4, 3, 2]), nn.cnn((1, 8, 8), 3), _net(), nn.LayerNorm(3), nn.Embedding(3, 2)):
        assert {p.dtype for p in model.parameters()} == {np.dtype("float32")}
        assert model.dtype == np.float32
    assert nn.Dense(2, 2, dtype=F64).dtype == np.float64


def test_cnn_trains_a_step():
    net = nn.cnn((1, 8, 8), 3, seed=0)
    x = np.random.default_rng(0).standard_normal((6, 64)).astype("float32")
    loss = cr.cross_entropy(net(cr.tensor(x)), np.array([0, 1, 2, 0, 1, 2]))
    loss.backward()
    assert all(p.grad is not None and p.grad.dtype == np.float32 for p in net.parameters())
    assert "Conv2d(1, 16" in repr(net)


# -- initialisers -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("fn", "var"),
    [
        (nn.init.he_normal, 2 / 200),
        (nn.init.he_uniform, 2 / 200),
        (nn.init.glorot_normal, 2 / 500),
        (nn.init.glorot_uniform, 2 / 500),
        (lambda s, rng: nn.init.normal(s, std=0.3, rng=rng), 0.09),
        (lambda s, rng: nn.init.uniform(s, -0.5, 0.5, rng=rng), 1 / 12),
    ],
)
def test_initialisers_variance_and_seed(fn, var):
    w = fn((200, 300), rng=0)
    assert w.dtype == np.float32 and w.shape == (200, 300)
    assert abs(w.var() / var - 1) < 0.05
    assert abs(w.mean()) < 0.05 * np.sqrt(var) * 10
    assert np.array_equal(w, fn((200, 300), rng=np.random.default_rng(0)))  # same seed, same numbers
    assert not np.array_equal(w, fn((200, 300), rng=1))


def test_init_conv_fans_and_zeros():
    w = nn.init.he_uniform((64, 16, 3, 3), rng=0)
    assert abs(w.var() / (2 / (16 * 9)) - 1) < 0.05  # fan_in of a conv kernel is in_channels * kh * kw
    assert not nn.init.zeros((3, 2)).any()


# -- losses -------------------------------------------------------------------------------------------------
def test_l1_and_huber_values_and_gradients(rng):
    pred = np.array([0.5, -3.0, 1.2, 2.0])
    target = np.array([0.0, 0.0, 1.0, -0.5])
    assert nn.l1(cr.tensor(pred), target).item() == pytest.approx(np.mean(np.abs(pred - target)))
    d = pred - target
    expected = np.where(np.abs(d) <= 1.0, 0.5 * d**2, np.abs(d) - 0.5)
    assert nn.huber(cr.tensor(pred), target).item() == pytest.approx(expected.mean())
    assert nn.huber(cr.tensor(pred), target, delta=2.0, reduction="sum").item() == pytest.approx(
        np.sum(np.where(np.abs(d) <= 2.0, 0.5 * d**2, 2.0 * (np.abs(d) - 1.0)))
    )
    away = rng.standard_normal((3, 4)) * 3
    other = away + np.where(rng.random((3, 4)) < 0.5, -1, 1) * (0.1 + rng.random((3, 4)) * 3)  # never |d| = delta
    check_grads(lambda p, t: nn.l1(p, t, reduction="none"), away, other)
    check_grads(lambda p, t: nn.huber(p, t, delta=1.5, reduction="none"), away, other)
    with pytest.raises(ShapeError, match=r"prediction \(4, 1\) and target \(4,\)"):
        nn.l1(cr.tensor(pred.reshape(4, 1)), target)
    with pytest.raises(ValueError, match="delta must be positive"):
        nn.huber(cr.tensor(pred), target, delta=0)
