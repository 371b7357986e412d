"""The walking skeleton: tensors, the engine, the basic ops, fan-out, deep chains, errors."""

import numpy as np
import pytest

import chainrule as cr
from helpers import check_grads

BROADCAST_PAIRS = [((3, 4), (3, 4)), ((3, 1), (1, 4)), ((2, 3), (3,)), ((), (2, 3)), ((2, 3), ())]


@pytest.mark.parametrize("sx,sy", BROADCAST_PAIRS)
@pytest.mark.parametrize(
    "op",
    [lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * b, lambda a, b: a / b],
    ids=["add", "sub", "mul", "div"],
)
def test_binary_ops_broadcast(op, sx, sy, rng):
    x = rng.standard_normal(sx)
    y = rng.standard_normal(sy) + 3.0  # keep the divisor away from 0
    check_grads(op, x, y)


@pytest.mark.parametrize(
    "fn",
    [cr.exp, lambda t: cr.log(t * t + 1), cr.relu, cr.tanh, cr.sigmoid, lambda t: -t],
    ids=["exp", "log", "relu", "tanh", "sigmoid", "neg"],
)
@pytest.mark.parametrize("shape", [(), (5,), (3, 4)])
def test_unary_ops(fn, shape, rng):
    x = rng.standard_normal(shape)
    if fn is cr.relu:
        x = x + np.where(np.abs(x) < 1e-3, 0.1, 0)  # keep away from the kink for finite differences
    check_grads(fn, x)


@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 1)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_sum_mean_max(axis, keepdims, rng):
    x = rng.standard_normal((3, 4))
    check_grads(lambda t: cr.sum(t, axis=axis, keepdims=keepdims), x)
    check_grads(lambda t: t.mean(axis=axis, keepdims=keepdims), x)
    check_grads(lambda t: t.max(axis=axis, keepdims=keepdims), x)


def test_matmul_reshape_transpose(rng):
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((4, 2))
    check_grads(lambda x, y: x @ y, a, b)
    check_grads(lambda x: x.reshape(2, 6).T, a)
    check_grads(lambda x: cr.transpose(x, (1, 0)), a)


def test_log_softmax_and_cross_entropy(rng):
    x = rng.standard_normal((4, 5))
    labels = np.array([0, 4, 2, 2])
    check_grads(lambda t: cr.log_softmax(t, axis=-1), x)
    check_grads(lambda t: cr.cross_entropy(t, labels), x)


def test_cross_entropy_finite_for_huge_logits():
    for dtype in ("float32", "float64"):
        logits = cr.tensor([[1e4, 0.0, -1e4], [0.0, 1e4, 1e4]], dtype=dtype, requires_grad=True)
        loss = cr.cross_entropy(logits, np.array([0, 2]))
        loss.backward()
        assert np.isfinite(loss.item())
        assert np.all(np.isfinite(logits.grad))
        assert loss.dtype == np.dtype(dtype)
        # row 0 is certain and right (loss 0); row 1 splits between classes 1 and 2 (loss log 2)
        assert loss.item() == pytest.approx(np.log(2) / 2, rel=1e-5)


def test_fan_out_gradients_add_up():
    x = cr.tensor(3.0, requires_grad=True)
    (x * x).backward()
    assert x.grad == 6.0  # d(x*x)/dx = 2x
    x.grad = None
    (x + x).backward()
    assert x.grad == 2.0


def test_primer_multivariable_example():
    # f(x, y) = x * y with x(m, n) = m + n and y(m, n) = m * n
    # df/dm = df/dx * dx/dm + df/dy * dy/dm = y * 1 + x * n;  df/dn = y * 1 + x * m
    m = cr.tensor(2.0, requires_grad=True)
    n = cr.tensor(3.0, requires_grad=True)
    x = m + n
    y = m * n
    f = x * y
    f.backward()
    assert m.grad == pytest.approx(6.0 * 1 + 5.0 * 3.0)  # 21
    assert n.grad == pytest.approx(6.0 * 1 + 5.0 * 2.0)  # 16


def test_grad_accumulates_until_zeroed():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad, [6.0, 6.0])
    x.zero_grad()
    assert x.grad is None


def test_chain_of_100k_operations_has_no_recursion_limit():
    x = cr.tensor(np.ones(4), requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.00001
    y.sum().backward()
    np.testing.assert_allclose(x.grad, np.full(4, 1.00001**100_000), rtol=1e-9)


def test_no_grad_records_nothing():
    x = cr.tensor([1.0], requires_grad=True)
    with cr.no_grad():
        y = x * 2
    assert not y.requires_grad and y.is_leaf


def test_float32_stays_float32():
    x = cr.tensor(np.ones((2, 3)), dtype="float32", requires_grad=True)
    w = cr.tensor(np.ones((3, 2)), dtype="float32", requires_grad=True)
    y = cr.cross_entropy(cr.relu(x @ w * 0.5 + 1.0) / 3.0 - 2, np.array([0, 1]))
    y = y + cr.tanh(x).mean() + cr.sigmoid(x).sum() * 0.1 + cr.exp(x).max() + cr.log(x + 1).sum()
    assert y.dtype == np.float32
    y.backward()
    assert x.grad.dtype == np.float32 and w.grad.dtype == np.float32


def test_shape_mismatch_names_op_and_shapes():
    a = cr.tensor(np.ones((2, 3)), requires_grad=True)
    b = cr.tensor(np.ones((4, 5)))
    with pytest.raises(cr.ShapeError, match=r"matmul.*\(2, 3\).*\(4, 5\)"):
        a @ b
    with pytest.raises(cr.ShapeError, match=r"add.*\(2, 3\).*\(4, 5\)"):
        a + b


def test_nonscalar_backward_needs_seed():
    y = cr.tensor([1.0, 2.0], requires_grad=True) * 2
    with pytest.raises(cr.NonScalarBackwardError, match="sum"):
        y.backward()
    y.backward(np.ones(2))


def test_integer_tensor_cannot_require_grad():
    with pytest.raises(cr.DtypeError, match="floating"):
        cr.tensor([1, 2, 3], requires_grad=True)
    with pytest.raises(TypeError):  # also a TypeError for code that does not know chainrule
        cr.tensor([1, 2, 3], requires_grad=True)


def test_tensor_basics():
    t = cr.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    assert t.shape == (2, 2) and t.ndim == 2 and t.dtype == np.float64
    assert t.T.shape == (2, 2)
    assert isinstance(t.numpy(), np.ndarray)
    assert t.sum().item() == 10.0
    assert "requires_grad=True" in repr(t)
    assert "grad_fn=multiply" in repr(t * 2)
