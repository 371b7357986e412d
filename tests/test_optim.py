"""Optimizers against hand-written NumPy references; clipping; schedules; state round trips."""

import math

import numpy as np
import pytest

import chainrule as cr
from chainrule import optim
from chainrule.errors import CheckpointError


def _quadratic_grads(w):
    # f(w) = sum(a * w**2) / 2 + sum(b * w): gradient a * w + b
    a = np.array([1.0, 3.0, 0.5])
    b = np.array([0.2, -0.4, 0.1])
    return a * w + b


def _run(opt_cls, steps=5, **kw):
    w = cr.tensor([1.0, -2.0, 0.5], requires_grad=True)
    opt = opt_cls([w], **kw)
    for _ in range(steps):
        opt.zero_grad()
        w.grad = _quadratic_grads(w.data)
        opt.step()
    return w.data


def _adam_reference(w, steps, lr, b1, b2, eps, wd, decoupled):
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    for t in range(1, steps + 1):
        g = _quadratic_grads(w)
        if wd and not decoupled:
            g = g + wd * w
        if wd and decoupled:
            w = w - lr * wd * w
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        w = w - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
    return w


@pytest.mark.parametrize(
    ("cls", "wd", "decoupled"), [(optim.Adam, 0.0, False), (optim.Adam, 0.1, False), (optim.AdamW, 0.1, True)]
)
def test_adam_and_adamw_match_reference(cls, wd, decoupled):
    got = _run(cls, steps=7, lr=0.05, betas=(0.8, 0.99), eps=1e-8, weight_decay=wd)
    ref = _adam_reference(np.array([1.0, -2.0, 0.5]), 7, 0.05, 0.8, 0.99, 1e-8, wd, decoupled)
    np.testing.assert_allclose(got, ref, rtol=1e-12)


@pytest.mark.parametrize("momentum", [0.0, 0.5])
def test_rmsprop_matches_reference(momentum):
    w = np.array([1.0, -2.0, 0.5])
    v = np.zeros(3)
    buf = np.zeros(3)
    for _ in range(6):
        g = _quadratic_grads(w) + 0.01 * w
        v = 0.9 * v + 0.1 * g * g
        step = g / (np.sqrt(v) + 1e-8)
        buf = momentum * buf + step
        w = w - 0.01 * (buf if momentum else step)
    got = _run(optim.RMSprop, steps=6, lr=0.01, alpha=0.9, momentum=momentum, weight_decay=0.01)
    np.testing.assert_allclose(got, w, rtol=1e-12)


@pytest.mark.parametrize("nesterov", [False, True])
def test_sgd_momentum_nesterov_weight_decay(nesterov):
    w = np.array([1.0, -2.0, 0.5])
    buf = None
    for _ in range(4):
        g = _quadratic_grads(w) + 0.1 * w
        buf = g.copy() if buf is None else 0.9 * buf + g
        w = w - 0.1 * (g + 0.9 * buf if nesterov else buf)
    got = _run(optim.SGD, steps=4, lr=0.1, momentum=0.9, nesterov=nesterov, weight_decay=0.1)
    np.testing.assert_allclose(got, w, rtol=1e-12)


@pytest.mark.parametrize("name", sorted(optim.OPTIMIZERS))
def test_every_optimizer_minimises_and_keeps_float32(name):
    w = cr.tensor(np.array([2.0, -3.0], dtype="float32"), requires_grad=True)
    opt = optim.OPTIMIZERS[name]([w], lr=0.05)
    for _ in range(400):
        opt.zero_grad()
        loss = ((w - cr.tensor(np.array([0.5, 1.0], dtype="float32"))) ** 2).sum()
        loss.backward()
        opt.step()
    assert w.dtype == np.float32
    np.testing.assert_allclose(w.data, [0.5, 1.0], atol=0.06)


@pytest.mark.parametrize("name", sorted(optim.OPTIMIZERS))
def test_state_dict_resumes_bit_for_bit(name):
    def make():
        w = cr.tensor(np.array([1.0, -2.0, 0.5], dtype="float32"), requires_grad=True)
        return w, optim.OPTIMIZERS[name]([w], lr=0.03)

    def steps(w, opt, n):
        for _ in range(n):
            opt.zero_grad()
            w.grad = _quadratic_grads(w.data).astype("float32")
            opt.step()

    w1, o1 = make()
    steps(w1, o1, 6)
    w2, o2 = make()
    steps(w2, o2, 3)
    saved_w, saved_state = w2.data.copy(), o2.state_dict()
    w3, o3 = make()
    w3.data = saved_w
    o3.load_state_dict(saved_state)
    steps(w3, o3, 3)
    assert np.array_equal(w1.data, w3.data)


def test_optimizer_state_dict_checks():
    w = cr.tensor(np.zeros(3, dtype="float32"), requires_grad=True)
    opt = optim.Adam([w])
    w.grad = np.ones(3, dtype="float32")
    opt.step()
    state = opt.state_dict()
    other = optim.Adam([cr.tensor(np.zeros(4, dtype="float32"), requires_grad=True)])
    with pytest.raises(CheckpointError, match=r"'state\.0\.m' is float32\[3\], parameter 0 is float32\[4\]"):
        other.load_state_dict(state)
    two = optim.Adam([w, cr.tensor(np.zeros(1), requires_grad=True)])
    with pytest.raises(CheckpointError, match="for 1 parameters"):
        two.load_state_dict(state)
    with pytest.raises(CheckpointError, match="not a setting of SGD"):
        optim.SGD([w]).load_state_dict(state)
    with pytest.raises(CheckpointError, match="'lr' is missing"):
        opt.load_state_dict({k: v for k, v in state.items() if k != "lr"})
    fresh = optim.Adam([w], lr=0.5, betas=(0.5, 0.5))
    fresh.load_state_dict(state)
    assert fresh.lr == 0.001 and fresh.beta1 == 0.9 and fresh.step_count == 1


def test_optimizer_argument_errors():
    w = cr.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="learning rate must be positive"):
        optim.Adam([w], lr=0)
    with pytest.raises(ValueError, match="betas"):
        optim.Adam([w], betas=(1.0, 0.9))
    with pytest.raises(ValueError, match="empty"):
        optim.RMSprop([])
    with pytest.raises(TypeError, match="parameter 0"):
        optim.SGD([cr.tensor([1.0])])


def test_clip_grad_norm_global():
    a = cr.tensor(np.zeros(2, dtype="float32"), requires_grad=True)
    b = cr.tensor(np.zeros(3, dtype="float32"), requires_grad=True)
    c = cr.tensor(np.zeros(1), requires_grad=True)  # no gradient: skipped
    a.grad = np.array([3.0, 0.0], dtype="float32")
    b.grad = np.array([0.0, 4.0, 0.0], dtype="float32")
    assert optim.clip_grad_norm([a, b, c], 2.5) == pytest.approx(5.0)
    np.testing.assert_allclose(a.grad, [1.5, 0.0], rtol=1e-6)
    np.testing.assert_allclose(b.grad, [0.0, 2.0, 0.0], rtol=1e-6)
    assert a.grad.dtype == np.float32 and c.grad is None
    assert optim.clip_grad_norm([a, b], 10.0) == pytest.approx(2.5)  # under the limit: unchanged
    np.testing.assert_allclose(a.grad, [1.5, 0.0], rtol=1e-6)
    with pytest.raises(ValueError):
        optim.clip_grad_norm([a], 0)


def _opt(lr=1.0):
    return optim.SGD([cr.tensor([1.0], requires_grad=True)], lr=lr)


def test_schedules():
    o = _opt(0.8)
    s = optim.ExponentialLR(o, gamma=0.5)
    assert [s.step() for _ in range(3)] == pytest.approx([0.4, 0.2, 0.1])
    o = _opt(1.0)
    s = optim.CosineAnnealingLR(o, T_max=4, eta_min=0.1)
    lrs = [o.lr] + [s.step() for _ in range(5)]
    expected = [0.1 + 0.9 * (1 + math.cos(math.pi * min(t, 4) / 4)) / 2 for t in range(6)]
    assert lrs == pytest.approx(expected)
    o = _opt(1.0)
    s = optim.StepLR(o, step_size=3, gamma=0.1)
    assert [s.step() for _ in range(6)] == pytest.approx([1, 1, 0.1, 0.1, 0.1, 0.01])
    o = _opt(2.0)
    after = optim.StepLR(o, step_size=1, gamma=0.5)
    s = optim.LinearWarmup(o, warmup=2, after=after)
    assert [o.lr] + [s.step() for _ in range(4)] == pytest.approx([1.0, 2.0, 2.0, 1.0, 0.5])
    restored = optim.LinearWarmup(_opt(2.0), warmup=2, after=optim.StepLR(_opt(2.0), step_size=1, gamma=0.5))
    restored.load_state_dict(s.state_dict())
    assert restored.optimizer.lr == pytest.approx(0.5)
    with pytest.raises(ValueError):
        optim.StepLR(_opt(), step_size=0)


def test_plain_sgd_step_is_p_minus_lr_times_g_in_each_dtype():
    rng = np.random.default_rng(0)
    params, grads, expected = [], [], []
    for dtype in (np.float16, np.float32, np.float64, np.float32):
        p = cr.tensor(rng.standard_normal((3, 2)).astype(dtype), requires_grad=True)
        g = rng.standard_normal((3, 2)).astype(dtype)
        p.grad = g
        params.append(p)
        grads.append(g.copy())
        expected.append(p.data - 0.037 * g)
    q = cr.tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    q.grad = 0.5  # a plain number given as the gradient still works
    optim.SGD([*params, q], lr=0.037).step()
    for p, g, want in zip(params, grads, expected, strict=True):
        assert p.dtype == want.dtype
        np.testing.assert_array_equal(p.data, want)
        np.testing.assert_array_equal(p.grad, g)  # the gradient itself is left as it was
    np.testing.assert_array_equal(q.data, np.array([1.0, 2.0], dtype=np.float32) - np.float32(0.037 * 0.5))


def test_sgd_gives_a_parameter_on_read_only_or_shared_memory_its_own_copy() -> None:
    frozen = np.ones(3)
    frozen.setflags(write=False)
    base = np.zeros(6)
    p_frozen = cr.tensor([0.0, 0.0, 0.0], requires_grad=True)
    p_frozen._data = frozen  # memory the parameter may not write to
    p_view = cr.tensor([0.0, 0.0, 0.0], requires_grad=True)
    p_view._data = base[:3]  # a view into an array someone else holds
    for p in (p_frozen, p_view):
        p.grad = np.array([1.0, 2.0, 3.0])
    cr.optim.SGD([p_frozen, p_view], lr=0.5).step()
    np.testing.assert_array_equal(p_frozen.data, [0.5, 0.0, -0.5])
    np.testing.assert_array_equal(p_view.data, [-0.5, -1.0, -1.5])
    np.testing.assert_array_equal(frozen, [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(base, np.zeros(6))


def test_sgd_with_a_gradient_of_the_wrong_shape_raises_instead_of_copying() -> None:
    p = cr.tensor([1.0, 2.0], requires_grad=True)
    p.grad = np.ones(3)
    with pytest.raises(ValueError):
        cr.optim.SGD([p], lr=0.1).step()
    np.testing.assert_array_equal(p.data, [1.0, 2.0])


def test_an_sgd_step_that_fails_still_flags_the_parameters_it_changed() -> None:
    w = cr.tensor(np.ones((3, 2)), requires_grad=True)
    other = cr.tensor(np.ones(2), requires_grad=True)
    y = cr.sum(cr.tensor(np.ones((1, 3))) @ w)
    w.grad, other.grad = np.ones((3, 2)), np.ones(5)  # the second gradient has the wrong shape
    with pytest.raises(ValueError):
        cr.optim.SGD([w, other], lr=0.1).step()
    assert np.allclose(w.data, 0.9)  # the first update happened ...
    with pytest.raises(cr.InplaceError):  # ... and a graph that cached the old values refuses to use them
        y.backward()


@pytest.mark.parametrize("grad", [np.array([1, 2, 3]), np.array([True, False, True])])
def test_sgd_steps_integer_and_bool_gradients_as_lr_times_g(grad) -> None:
    fast = cr.tensor(np.ones(3), requires_grad=True)
    slow = cr.tensor(np.ones(3), requires_grad=True)
    fast.grad, slow.grad = grad, grad
    cr.optim.SGD([fast], lr=0.1).step()
    cr.optim.SGD([slow], lr=0.1, momentum=0.5).step()  # the general path: p -= lr * g
    np.testing.assert_allclose(fast.data, 1 - 0.1 * grad)
    np.testing.assert_allclose(slow.data, fast.data)


def test_sgd_flags_its_parameters_at_every_step_and_after_their_arrays_are_replaced() -> None:
    w = cr.tensor(np.ones(3), requires_grad=True)
    opt = cr.optim.SGD([w], lr=0.1)
    for _ in range(3):  # the same arrays step after step: each step still flags them
        y = cr.sum(w * w)
        w.grad = np.ones(3)
        opt.step()
        with pytest.raises(cr.InplaceError):
            y.backward()
    w.data = np.full(3, 2.0)  # a new array: noted as changed too
    y = cr.sum(w * w)
    w.grad = np.ones(3)
    opt.step()
    with pytest.raises(cr.InplaceError):
        y.backward()
    y = cr.sum(w * w)  # and a graph made after the step is fine
    w.grad = None
    y.backward()
    np.testing.assert_allclose(w.grad, 2 * w.data)
