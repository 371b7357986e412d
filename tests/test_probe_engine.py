"""Adversarial probes of the stamp/heap backward engine: in-place changes (also during backward and through
views), visiting order, hooks, copies of graphs, lists of tensors as operands, forward mode and in-place writes.

Each reference is stated or computed in the test: by hand, by finite differences, or by PyTorch (float64) where
it is installed. The cases here were found wrong by a tester and fixed, or pin down behaviour that held up under
probing and that the rest of the suite did not cover.
"""

from __future__ import annotations

import random
import threading

import numpy as np
import pytest

import chainrule as cr

# ---------------------------------------------------------------------------------------------------
# In-place changes made *during* the backward pass (by a hook) must still be detected.
# Regression: backprop() reads STATE.last_change once, before the first node, and skips _check_unchanged for
# every node stamped after that value, so a change made by a hook while the pass runs is never seen. The old
# engine compared each node's stamp with the live clock and raised InplaceError. PyTorch raises
# "modified by an inplace operation" for all three cases below.


def test_constant_changed_by_a_hook_during_backward_raises_inplace_error() -> None:
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    c = cr.tensor([3.0, 4.0])
    z = cr.exp(x * c)  # multiply caches c

    def hook(g):
        c.mul_(0.0)  # changes c before multiply's rule runs

    z.register_hook(hook)
    # without the error, x.grad comes out [0, 0] instead of exp(x * c_old) * c_old
    with pytest.raises(cr.InplaceError, match="multiply"):
        z.sum().backward()


def test_leaf_changed_by_a_hook_during_backward_raises_inplace_error() -> None:
    # e.g. an "update the earlier layer as soon as its gradient is known" hook
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    z = cr.sin(y)

    def hook(g):
        with cr.no_grad():
            x.add_(1.0)

    z.register_hook(hook)
    # without the error: x.grad == cos(x0**2) * 2 * (x0 + 1), neither the true gradient nor PyTorch's (it raises)
    with pytest.raises(cr.InplaceError, match="multiply"):
        z.sum().backward()


def test_intermediate_changed_by_a_hook_during_backward_raises_inplace_error() -> None:
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    y = cr.exp(x)
    z = y * 3.0

    def hook(g):
        with cr.no_grad():
            y.mul_(0.0)

    z.register_hook(hook)
    # without the error, x.grad comes out [0, 0] instead of 3 * exp(x)
    with pytest.raises(cr.InplaceError):
        z.sum().backward()


def test_change_between_two_retained_backward_passes_is_detected() -> None:
    x = cr.tensor([0.3, -1.2, 0.7], requires_grad=True)
    c = cr.tensor([1.0, 2.0, 3.0])
    y = (cr.exp(x) * c).sum()
    y.backward(retain_graph=True)
    y.backward(retain_graph=True)
    np.testing.assert_allclose(x.grad, 2 * np.exp(x.data) * [1.0, 2.0, 3.0], rtol=1e-14)
    c.add_(1.0)
    with pytest.raises(cr.InplaceError, match="multiply: input 1"):
        y.backward()


# ---------------------------------------------------------------------------------------------------
# In-place changes that reach a cached array through an alias (pre-existing: the old engine misses them too).
# PyTorch shares one version counter between a tensor and its views / detached copies, and raises.


def test_changing_a_constant_whose_view_an_operation_cached_raises() -> None:
    x = cr.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    c = cr.tensor([[1.0, 0.0], [2.0, 1.0]])
    y = (x * c.T).sum()  # c.T is a view of c's array; multiply caches that view
    c.add_(10.0)  # writes into c's array, so into the cached view
    # without the error, x.grad would be (c + 10).T == [[11, 12], [10, 11]]; the right answer is c.T = [[1, 2], [0, 1]]
    with pytest.raises(cr.InplaceError):
        y.backward()


def test_changing_a_constant_whose_slice_an_operation_cached_raises() -> None:
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    c = cr.tensor([[3.0, 4.0], [5.0, 6.0]])
    y = (x * c[0]).sum()
    c[0, 0] = 100.0
    # without the error, x.grad would be [100, 4]; the right answer is [3, 4]
    with pytest.raises(cr.InplaceError):
        y.backward()


def test_changing_a_tensor_after_detaching_it_into_a_graph_raises() -> None:
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    w = cr.tensor([3.0, 4.0], requires_grad=True)
    y = cr.exp(w)
    d = y.detach()  # shares y's array
    z = (x * d).sum()
    with cr.no_grad():
        y.mul_(0.0)
    # without the error, x.grad would be [0, 0]; the right answer is exp([3, 4])
    with pytest.raises(cr.InplaceError):
        z.backward()


def test_changing_the_condition_of_where_after_the_operation_raises() -> None:
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    cond = cr.tensor([True, False])
    y = cr.where(cond, x, 0.0).sum()
    cond[...] = True
    # without the error, x.grad would be [1, 1]; the right answer is [1, 0]
    with pytest.raises(cr.InplaceError):
        y.backward()


def test_changing_an_index_tensor_after_indexing_raises() -> None:
    x = cr.tensor([1.0, 2.0, 3.0], requires_grad=True)
    idx = cr.tensor([0, 0, 1])
    y = x[idx].sum()
    idx[...] = 2
    # without the error, x.grad would be [0, 0, 3]; the right answer is [2, 1, 0]
    with pytest.raises(cr.InplaceError):
        y.backward()


def test_changing_a_boolean_mask_after_indexing_raises_inplace_error() -> None:
    x = cr.tensor([1.0, 2.0, 3.0], requires_grad=True)
    m = cr.tensor([True, False, True])
    y = (x[m] * 2.0).sum()
    m[...] = True
    # without the check, a bare NumPy ValueError ("array is not broadcastable to correct shape") from the rule
    with pytest.raises(cr.InplaceError):
        y.backward()


# ---------------------------------------------------------------------------------------------------
# A list of tensors as the second operand of an arithmetic operator (pre-existing).


def test_list_of_tensors_as_an_operand_keeps_their_gradients() -> None:
    a = cr.tensor(1.5, requires_grad=True)
    b = cr.tensor(2.5, requires_grad=True)
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    (x * [a, b]).sum().backward()  # the list is stacked, as cr.sum([a, b]) does
    np.testing.assert_allclose(x.grad, [1.5, 2.5])
    assert a.grad is not None and b.grad is not None, "a and b were used but got no gradient"
    np.testing.assert_allclose([a.grad, b.grad], [1.0, 2.0])


# ---------------------------------------------------------------------------------------------------
# Gradient arrays handed out must not alias each other (pre-existing). PyTorch gives distinct storage.


def test_retained_gradient_and_leaf_gradient_do_not_share_memory() -> None:
    x = cr.tensor([0.3, -1.2], requires_grad=True)
    a = x + 0.0
    a.retain_grad()
    (a * 2.0).sum().backward()
    np.testing.assert_array_equal(a.grad, [2.0, 2.0])
    np.testing.assert_array_equal(x.grad, [2.0, 2.0])
    x.grad *= 0.0  # e.g. an in-place gradient clip or reset of the parameter's gradient
    np.testing.assert_array_equal(a.grad, [2.0, 2.0])


# ---------------------------------------------------------------------------------------------------
# Changes that must not raise, with the gradients PyTorch computes (stated)


def test_recorded_inplace_changes_on_non_leaves_give_pytorchs_gradients() -> None:
    x0, w0 = np.array([0.3, -1.2, 0.7]), np.array([1.1, 0.4, -0.6])
    x = cr.tensor(x0, requires_grad=True)
    w = cr.tensor(w0, requires_grad=True)
    y = x * 2.0
    y[0] = x[1] * w[2]
    y += w
    y.mul_(w)
    (y * y).sum().backward()
    # by hand: y = [(x1 w2 + w0) w0, (2 x1 + w1) w1, (2 x2 + w2) w2], L = sum(y**2)
    y0 = (x0[1] * w0[2] + w0[0]) * w0[0]
    y1 = (2 * x0[1] + w0[1]) * w0[1]
    y2 = (2 * x0[2] + w0[2]) * w0[2]
    gx = [0.0, 2 * y0 * w0[2] * w0[0] + 2 * y1 * 2 * w0[1], 2 * y2 * 2 * w0[2]]
    gw = [
        2 * y0 * (x0[1] * w0[2] + 2 * w0[0]),
        2 * y1 * (2 * x0[1] + 2 * w0[1]),
        2 * y0 * x0[1] * w0[0] + 2 * y2 * (2 * x0[2] + 2 * w0[2]),
    ]
    np.testing.assert_allclose(x.grad, gx, rtol=1e-13)
    np.testing.assert_allclose(w.grad, gw, rtol=1e-13)


def test_changes_before_the_operation_or_of_unused_tensors_do_not_raise() -> None:
    x = cr.tensor([0.5, 1.5], requires_grad=True)
    c = cr.tensor([1.0, 2.0])
    d = cr.tensor([5.0, 6.0])
    with cr.no_grad():
        x.mul_(2.0)  # before the operation
    c.add_(1.0)  # before the operation
    z = (x * c).sum() + cr.sin(x).sum()
    d.add_(1.0)  # not used by the graph at all
    e = cr.tensor([1.0, 1.0])
    f = e * 2.0  # computed from a constant, no graph: changing e afterwards is harmless
    e.zero_()
    (z + (x * f).sum()).backward()
    np.testing.assert_allclose(x.grad, [2.0, 3.0] + np.cos([1.0, 3.0]) + 2.0, rtol=1e-14)


def test_a_recorded_change_replaces_the_tensor_so_later_plain_changes_do_not_reach_the_old_cache() -> None:
    # y is cached by z under its first node; `y += w` makes y stand for a new node (a fresh array); changing
    # that new array under no_grad touches nothing z cached, so z's backward must not raise
    x = cr.tensor([0.5, 1.5], requires_grad=True)
    w = cr.tensor([2.0, 3.0], requires_grad=True)
    y = x * 2.0
    z = (y * y).sum()
    y += w
    with cr.no_grad():
        y.mul_(0.0)
    z.backward()
    np.testing.assert_allclose(x.grad, 8.0 * x.data, rtol=1e-14)


@pytest.mark.parametrize(
    ("op", "expect"),
    [
        (lambda x, c: (cr.where(x.data > 1.0, x, c) * 2.0).sum(), "where"),
        (lambda x, c: cr.clip(x, c, 10.0).sum(), "clip"),
        (lambda x, c: (cr.concatenate([x, c]) * cr.concatenate([c, x])).sum(), "concatenate"),
        (lambda x, c: cr.matmul(x, c).sum(), "matmul"),
        (lambda x, c: cr.einsum("i,i,i->", x, c, x), "einsum"),
        (lambda x, c: cr.index_put(c, x[0], 1).prod(), "index_put"),
        (lambda x, c: (c / x).sum(), "divide"),
        (lambda x, c: (x**c).sum(), "power"),
    ],
)
@pytest.mark.parametrize(
    "change",
    [
        lambda c: c.add_(1.0),
        lambda c: c.copy_(np.array([7.0, 8.0, 9.0])),
        lambda c: c.fill_(3.0),
        lambda c: c.zero_(),
        lambda c: c.__setitem__(0, 5.0),
        lambda c: setattr(c, "data", np.array([7.0, 8.0, 9.0])),
    ],
)
def test_changing_a_constant_input_of_an_n_ary_operation_raises(op, expect, change) -> None:
    x = cr.tensor([0.5, 1.5, 2.5], requires_grad=True)
    c = cr.tensor([1.5, 2.0, 3.0])
    y = op(x, c)
    change(c)
    with pytest.raises(cr.InplaceError, match=expect):
        y.backward()


# ---------------------------------------------------------------------------------------------------
# Visiting order, hooks and values on random graphs, against PyTorch


def _torch():
    t = pytest.importorskip("torch")
    t.set_default_dtype(t.float64)
    return t


def _random_graph(seed: int, lib, leaves):
    """Unary and binary gates on random earlier values (fan-out, diamonds, x*x, stacks, einsums)."""
    rng = random.Random(seed)
    if lib is cr:
        stack, einsum, cat, where = cr.stack, cr.einsum, cr.concatenate, cr.where
        sin, tanh, exp = cr.sin, cr.tanh, cr.exp
    else:
        stack, einsum, cat, where = lib.stack, lib.einsum, lib.cat, lib.where
        sin, tanh, exp = lib.sin, lib.tanh, lib.exp

    def data(a):
        return a.data if lib is cr else a.detach()

    unary = [sin, tanh, lambda a: exp(a * 0.3), lambda a: a * a, lambda a: -a]
    binary = [
        lambda a, b: a + b,
        lambda a, b: a * b,
        lambda a, b: a - b,
        lambda a, b: a / (b * b + 1.0),
        lambda a, b: stack([a, b, a]).sum(0),
        lambda a, b: einsum("i,i->i", a, b),
        lambda a, b: cat([a, b])[1:4],
        lambda a, b: where(data(a) > 0, a, b),
    ]
    vals = list(leaves)
    for _ in range(rng.randint(1, 25)):
        if rng.random() < 0.4:
            vals.append(rng.choice(unary)(vals[rng.randrange(len(vals))]))
        else:
            f = rng.choice(binary)
            vals.append(f(vals[rng.randrange(len(vals))], vals[rng.randrange(len(vals))]))
    picks = rng.sample(range(len(vals)), min(3, len(vals)))
    out = vals[picks[0]].sum()
    for k, i in enumerate(picks[1:], start=2):
        out = out + (vals[i] * float(k)).sum()
    return vals, out


@pytest.mark.parametrize("seed", range(0, 120))
def test_random_graphs_match_pytorch_with_retain_graph_and_second_derivatives(seed: int) -> None:
    torch = _torch()
    n_in = 1 + seed % 3
    x0 = [np.random.default_rng(seed + k).standard_normal(3) for k in range(n_in)]
    xs = [cr.tensor(v, requires_grad=True) for v in x0]
    ts = [torch.tensor(v, requires_grad=True) for v in x0]
    _, out_c = _random_graph(seed, cr, xs)
    _, out_t = _random_graph(seed, torch, ts)
    if not out_t.requires_grad:
        return
    if seed % 2 == 0:
        out_c.backward(retain_graph=True)
        out_c.backward()
        out_t.backward(retain_graph=True)
        out_t.backward()
        for a, b in zip(xs, ts, strict=True):
            ga = np.zeros(3) if a.grad is None else a.grad
            gb = np.zeros(3) if b.grad is None else b.grad.numpy()
            np.testing.assert_allclose(ga, gb, rtol=1e-9, atol=1e-12)
        with pytest.raises(cr.GraphFreedError):
            out_c.backward()
    else:
        out_c.backward(create_graph=True)
        gts = torch.autograd.grad(out_t, ts, create_graph=True, allow_unused=True)
        vs = [np.random.default_rng(1000 + seed + k).standard_normal(3) for k in range(n_in)]
        s_c = 0.0
        s_t = 0.0
        for a, g, v in zip(xs, gts, vs, strict=True):
            if isinstance(a.grad, cr.Tensor):
                s_c = s_c + (a.grad * cr.tensor(v)).sum()
            if g is not None:
                s_t = s_t + (g * torch.tensor(v)).sum()
            a.grad = None
        if not (isinstance(s_c, cr.Tensor) and s_c.requires_grad):
            return
        s_c.backward()
        hs = torch.autograd.grad(s_t, ts, allow_unused=True)
        for a, h in zip(xs, hs, strict=True):
            ga = np.zeros(3) if a.grad is None else np.asarray(a.grad.data if isinstance(a.grad, cr.Tensor) else a.grad)
            gb = np.zeros(3) if h is None else h.numpy()
            np.testing.assert_allclose(ga, gb, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("seed", range(0, 60))
def test_hooks_on_random_graphs_fire_in_pytorchs_order_with_its_values(seed: int) -> None:
    # the old engine (depth-first topological order) differed from PyTorch in this order in about half the cases
    torch = _torch()
    x0 = np.random.default_rng(seed).standard_normal(3)
    x = cr.tensor(x0, requires_grad=True)
    xt = torch.tensor(x0, requires_grad=True)
    vals_c, out_c = _random_graph(seed, cr, [x])
    vals_t, out_t = _random_graph(seed, torch, [xt])
    seen_c: list[tuple[int, np.ndarray]] = []
    seen_t: list[tuple[int, np.ndarray]] = []
    for k in range(1, len(vals_c)):
        scale = 1.0 + (k % 3) * 0.5
        vals_c[k].retain_grad()
        vals_c[k].register_hook(lambda g, k=k, s=scale: (seen_c.append((k, np.array(g))), g * s)[1])
        vals_t[k].retain_grad()
        vals_t[k].register_hook(lambda g, k=k, s=scale: (seen_t.append((k, g.detach().numpy().copy())), g * s)[1])
    out_c.backward()
    out_t.backward()
    assert [k for k, _ in seen_c] == [k for k, _ in seen_t]
    for (_, a), (_, b) in zip(seen_c, seen_t, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-13)
    for k in range(1, len(vals_c)):
        gc_, gt_ = vals_c[k].grad, vals_t[k].grad
        assert (gc_ is None) == (gt_ is None)
        if gc_ is not None:
            np.testing.assert_allclose(gc_, gt_.numpy(), rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(x.grad, xt.grad.numpy(), rtol=1e-10, atol=1e-13)


def test_transforms_agree_with_pytorch_on_a_graph_with_repeated_operands() -> None:
    torch = _torch()
    from torch.func import grad as tgrad
    from torch.func import hessian as thessian
    from torch.func import jvp as tjvp

    a = np.arange(9.0).reshape(3, 3) / 5

    def f(x, lib):
        A = cr.tensor(a) if lib is cr else torch.tensor(a)
        stack = cr.stack if lib is cr else torch.stack
        einsum = cr.einsum if lib is cr else torch.einsum
        b = 2.0 - (x * x) / (1.0 + x * x)
        c = 3 * b + x
        d = 2.0 * c - x / 2
        e = (c @ A) * d
        return (e * e).sum() + (stack([x, x, x]) ** 2).sum() + einsum("i,i,i->", x, x, x) + (-x).sum()

    x0, v0 = np.array([0.3, -1.2, 0.7]), np.array([1.0, 0.5, -2.0])
    xt, vt = torch.tensor(x0), torch.tensor(v0)
    g_ref = tgrad(lambda x: f(x, torch))(xt).numpy()
    h_ref = thessian(lambda x: f(x, torch))(xt).numpy()
    j_ref = tjvp(lambda x: f(x, torch), (xt,), (vt,))[1].item()
    fc = lambda x: f(x, cr)  # noqa: E731
    np.testing.assert_allclose(np.asarray(cr.grad(fc)(x0)), g_ref, rtol=1e-12)
    np.testing.assert_allclose(np.asarray(cr.hessian(fc)(x0)), h_ref, rtol=1e-11)
    np.testing.assert_allclose(np.asarray(cr.hvp(fc, x0, v0)), h_ref @ v0, rtol=1e-11)
    np.testing.assert_allclose(float(np.asarray(cr.jvp(fc, (x0,), (v0,))[1])), j_ref, rtol=1e-12)
    np.testing.assert_allclose(np.asarray(cr.jvp(cr.grad(fc), (x0,), (v0,))[1]), h_ref @ v0, rtol=1e-11)
    np.testing.assert_allclose(np.asarray(cr.jacobian(cr.grad(fc), mode="fwd")(x0)), h_ref, rtol=1e-11)
    _out, pull = cr.vjp(fc, x0)
    np.testing.assert_allclose(np.asarray(pull(2.0)[0]), 2.0 * g_ref, rtol=1e-12)
    np.testing.assert_allclose(np.asarray(pull(1.0)[0]), g_ref, rtol=1e-12)  # the pullback is reusable


def test_seed_tensor_that_requires_grad_under_create_graph_gets_the_mixed_derivative() -> None:
    # L = sum((d/dx <v, sin(x) x>)**2), g = v (cos(x) x + sin(x)); dL/dv = 2 g (cos x x + sin x)
    x0, v0 = np.array([0.3, -1.2, 0.7]), np.array([1.0, 2.0, 3.0])
    x = cr.tensor(x0, requires_grad=True)
    v = cr.tensor(v0, requires_grad=True)
    (cr.sin(x) * x).backward(v, create_graph=True)
    g = x.grad
    x.grad = None
    (g * g).sum().backward()
    d = np.cos(x0) * x0 + np.sin(x0)
    np.testing.assert_allclose(v.grad, 2 * v0 * d * d, rtol=1e-13)
    d2 = -np.sin(x0) * x0 + 2 * np.cos(x0)
    np.testing.assert_allclose(
        np.asarray(x.grad.data if isinstance(x.grad, cr.Tensor) else x.grad), 2 * v0 * d * v0 * d2
    )


# ---------------------------------------------------------------------------------------------------
# Grad mode with many threads (the process-wide count of threads with grad mode off)


def test_grad_mode_stays_per_thread_while_many_threads_switch_it() -> None:
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    errors: list[tuple] = []
    barrier = threading.Barrier(6)

    def worker(k: int) -> None:
        rng = random.Random(k)
        barrier.wait()
        for it in range(1500):
            mode = rng.random() < 0.5
            with cr.set_grad_enabled(mode):
                for t in (x * 2, 2 * x, cr.sin(x), cr.concatenate([x, x]), -x):
                    if t.requires_grad != mode:
                        errors.append((k, it, mode))
                with cr.no_grad(), cr.enable_grad():
                    if not (x + 1).requires_grad:
                        errors.append((k, it, "enable inside no_grad"))

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert cr.engine.STATE.grad_off == 0


def test_a_thread_left_in_no_grad_does_not_turn_recording_off_elsewhere() -> None:
    x = cr.tensor(1.0, requires_grad=True)
    block = cr.no_grad()

    def leaves_it_on() -> None:
        block.__enter__()  # never exited: the thread ends with grad mode off

    t = threading.Thread(target=leaves_it_on)
    t.start()
    t.join()
    try:
        assert (x * 2).requires_grad
        with cr.no_grad():
            assert not (x * 2).requires_grad
        assert (x * 2).requires_grad
    finally:
        cr.engine.STATE.grad_off -= 1  # the dead thread's count (so later tests see the usual state)


# ---------------------------------------------------------------------------------------------------
# Nodes with equal stamps (a copied graph) meet in the heap


def test_a_deep_copied_graph_combined_with_its_original_backpropagates() -> None:
    # copy.deepcopy of a non-leaf copies its nodes with their stamps; two nodes of one stamp waiting in the heap at
    # once are compared themselves and the backward pass dies with "TypeError: '<' not supported between instances
    # of 'Node' and 'Node'". The old engine (topological sort by identity) gave the right gradient.
    import copy

    x = cr.tensor([1.0, 2.0], requires_grad=True)
    y = cr.exp(x) * 2.0
    y2 = copy.deepcopy(y)  # hangs from a copy of x: a constant as far as x is concerned
    cr.einsum("i,i,i->", x * 1.0, y, y2).backward()
    # d/dx sum(x * 2 e^x * y2) = y2 * 2 e^x (1 + x), with y2 = 2 e^x
    e = np.exp(x.data)
    np.testing.assert_allclose(x.grad, 4 * e * e * (1 + x.data), rtol=1e-13)


# ---------------------------------------------------------------------------------------------------
# Forward mode: a value carrying a tangent written into a plain tensor in place (pre-existing)


def test_inplace_writes_of_a_jvp_value_raise_instead_of_dropping_the_tangent() -> None:
    # a plain tensor changed in place cannot carry a tangent: silently dropping it gave tangent 0 (should be 2)
    def f(x):
        y = cr.tensor(np.zeros(3))
        y[0] = x[0] * 2.0
        return y.sum()

    x0, ones = np.array([1.0, 2.0, 3.0]), np.ones(3)
    with pytest.raises(cr.UnsupportedOperationError, match="index_put"):
        cr.jvp(f, (x0,), (ones,))
    with pytest.raises(cr.UnsupportedOperationError, match="forward-mode"):
        cr.jvp(lambda x: cr.tensor(np.zeros(3)).copy_(x).sum(), (x0,), (ones,))
    # reverse mode records the same writes; and the out-of-place form the message suggests carries the tangent
    np.testing.assert_allclose(np.asarray(cr.grad(f)(x0)), [2.0, 0.0, 0.0])
    value, tangent = cr.jvp(lambda x: cr.index_put(cr.tensor(np.zeros(3)), x[0] * 2.0, 0).sum(), (x0,), (ones,))
    assert float(np.asarray(value)) == 2.0 and float(np.asarray(tangent)) == 2.0
