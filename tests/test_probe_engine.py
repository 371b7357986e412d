"""Adversarial probes of the stamp/heap backward engine: in-place changes (also during backward and through
views), visiting order, hooks, copies of graphs, lists of tensors as operands, forward mode and in-place writes.

Each reference is stated or computed in the test: by hand, by finite differences, or by HIPS autograd (float64;
part of the `test` extra, so none of these tests is skipped). The cases here were found wrong by a tester and
fixed, or pin down behaviour that held up under probing and that the rest of the suite did not cover.
"""

from __future__ import annotations

import random
import threading
import warnings

import autograd.numpy as anp
import numpy as np
import pytest
from autograd import grad as agrad
from autograd import hessian as ahessian
from autograd.extend import defvjp, primitive
from autograd.tracer import getval

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
# Changes that must not raise, with the gradients derived by hand (the ones PyTorch computes too)


def test_recorded_inplace_changes_on_non_leaves_give_the_hand_derived_gradients() -> None:
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
# Visiting order, hooks and values on random graphs, against HIPS autograd (float64, exact references)

_UNARY = ["sin", "tanh", "exp03", "square", "neg"]
_BINARY = ["add", "mul", "sub", "div", "stack", "einsum", "cat", "where"]


def _random_plan(seed: int, n_leaves: int):
    """Unary and binary gates on random earlier values (fan-out, diamonds, x*x, stacks, einsums).

    Returns the gates as (name, operand indices) and the indices of the values summed into the output.
    """
    rng = random.Random(seed)
    steps: list[tuple[str, tuple[int, ...]]] = []
    n = n_leaves
    for _ in range(rng.randint(1, 25)):
        if rng.random() < 0.4:
            name = _UNARY[rng.randrange(len(_UNARY))]
            steps.append((name, (rng.randrange(n),)))
        else:
            name = _BINARY[rng.randrange(len(_BINARY))]
            steps.append((name, (rng.randrange(n), rng.randrange(n))))
        n += 1
    picks = rng.sample(range(n), min(3, n))
    return steps, picks


def _gate(lib, name: str, args: list):
    """One gate, written once for chainrule (``cr``) and for autograd (``anp``)."""
    if lib is cr:
        stack, einsum, cat, where = cr.stack, cr.einsum, cr.concatenate, cr.where
        sin, tanh, exp = cr.sin, cr.tanh, cr.exp
    else:
        stack, einsum, cat, where = anp.stack, anp.einsum, anp.concatenate, anp.where
        sin, tanh, exp = anp.sin, anp.tanh, anp.exp

    def data(a):  # the plain values (the condition of `where` is not differentiated)
        return a.data if lib is cr else getval(a)

    a = args[0]
    b = args[1] if len(args) > 1 else None
    return {
        "sin": lambda: sin(a),
        "tanh": lambda: tanh(a),
        "exp03": lambda: exp(a * 0.3),
        "square": lambda: a * a,
        "neg": lambda: -a,
        "add": lambda: a + b,
        "mul": lambda: a * b,
        "sub": lambda: a - b,
        "div": lambda: a / (b * b + 1.0),
        "stack": lambda: stack([a, b, a]).sum(0),
        "einsum": lambda: einsum("i,i->i", a, b),
        "cat": lambda: cat([a, b])[1:4],
        "where": lambda: where(data(a) > 0, a, b),
    }[name]()


def _evaluate(plan, lib, n_leaves: int, given: list, wrap=None):
    """Values of the graph from the first ``len(given)`` values (leaves first), and the output."""
    steps, picks = plan
    vals = list(given)
    for k in range(len(vals), n_leaves + len(steps)):
        name, ops = steps[k - n_leaves]
        v = _gate(lib, name, [vals[i] for i in ops])
        vals.append(v if wrap is None else wrap(k, v))
    out = vals[picks[0]].sum()
    for m, i in enumerate(picks[1:], start=2):
        out = out + (vals[i] * float(m)).sum()
    return vals, out


def _reaches_output(plan, n_leaves: int) -> set[int]:
    """Indices of the values the output depends on (the ones that receive a gradient)."""
    steps, picks = plan
    live = set(picks)
    for k in range(n_leaves + len(steps) - 1, n_leaves - 1, -1):
        if k in live:
            live.update(steps[k - n_leaves][1])
    return live


@pytest.mark.parametrize("seed", range(0, 120))
def test_random_graphs_match_autograd_with_retain_graph_and_second_derivatives(seed: int) -> None:
    n_in = 1 + seed % 3
    x0 = [np.random.default_rng(seed + k).standard_normal(3) for k in range(n_in)]
    plan = _random_plan(seed, n_in)
    xs = [cr.tensor(v, requires_grad=True) for v in x0]
    _, out_c = _evaluate(plan, cr, n_in, xs)

    def f(X):  # the same graph in autograd, of one (n_in, 3) array whose rows are the leaves
        return _evaluate(plan, anp, n_in, [X[k] for k in range(n_in)])[1]

    X0 = np.stack(x0)
    np.testing.assert_allclose(float(out_c.data), f(X0), rtol=1e-12, atol=1e-14)
    assert out_c.requires_grad  # every gate of a leaf that requires a gradient records
    g_ref = agrad(f)(X0)

    def grads_of(ts):
        return np.stack([np.zeros(3) if t.grad is None else np.asarray(getattr(t.grad, "data", t.grad)) for t in ts])

    if seed % 2 == 0:
        out_c.backward(retain_graph=True)
        np.testing.assert_allclose(grads_of(xs), g_ref, rtol=1e-9, atol=1e-12)
        out_c.backward()  # the retained graph runs again and the leaves accumulate
        np.testing.assert_allclose(grads_of(xs), 2.0 * g_ref, rtol=1e-9, atol=1e-12)
        with pytest.raises(cr.GraphFreedError):
            out_c.backward()
    else:
        out_c.backward(create_graph=True)
        np.testing.assert_allclose(grads_of(xs), g_ref, rtol=1e-9, atol=1e-12)
        V = np.stack([np.random.default_rng(1000 + seed + k).standard_normal(3) for k in range(n_in)])
        # Hessian-vector product: d/dX <grad f(X), V>
        with warnings.catch_warnings():  # a graph linear in X has a constant gradient; autograd warns about that
            warnings.filterwarnings("ignore", "Output seems independent of input", UserWarning)
            hvp_ref = agrad(lambda X: anp.sum(agrad(f)(X) * V))(X0)
        s_c = 0.0
        for a, v in zip(xs, V, strict=True):
            if isinstance(a.grad, cr.Tensor):
                s_c = s_c + (a.grad * cr.tensor(v)).sum()
            a.grad = None
        if not (isinstance(s_c, cr.Tensor) and s_c.requires_grad):
            # no gradient depends on the inputs: only right if f is (piecewise) linear here
            np.testing.assert_allclose(hvp_ref, 0.0, atol=1e-12)
            return
        s_c.backward()
        np.testing.assert_allclose(grads_of(xs), hvp_ref, rtol=1e-8, atol=1e-10)


@primitive
def _scale_grad(x, s):
    """Identity forward; the gradient flowing back is multiplied by ``s`` (what a hook returning g*s does)."""
    return x


defvjp(_scale_grad, lambda ans, x, s: lambda g: g * s)


@pytest.mark.parametrize("seed", range(0, 60))
def test_hooks_on_random_graphs_fire_in_reverse_creation_order_with_autograds_values(seed: int) -> None:
    # the documented order: a value is visited after every value created after it, so the hooks fire in
    # decreasing creation index (the old engine, depth-first topological, differed in about half the cases)
    x0 = np.random.default_rng(seed).standard_normal(3)
    plan = _random_plan(seed, 1)
    x = cr.tensor(x0, requires_grad=True)
    vals_c, out_c = _evaluate(plan, cr, 1, [x])
    scales = {k: 1.0 + (k % 3) * 0.5 for k in range(1, len(vals_c))}
    seen: list[tuple[int, np.ndarray]] = []
    for k in range(1, len(vals_c)):
        vals_c[k].retain_grad()
        if k % 2:  # a hook that replaces the gradient that flows on
            vals_c[k].register_hook(lambda g, k=k: (seen.append((k, np.array(g))), g * scales[k])[1])
        else:  # a hook that only records
            vals_c[k].register_hook(lambda g, k=k: seen.append((k, np.array(g))))
            scales[k] = 1.0
    out_c.backward()

    live = _reaches_output(plan, 1)
    fired = [k for k, _ in seen]
    assert fired == sorted((k for k in live if k >= 1), reverse=True)

    plain = [np.asarray(v.data) for v in vals_c]

    def scaled(k, v):
        return _scale_grad(v, scales[k]) if scales[k] != 1.0 else v

    def d_out_d(k):
        # total derivative of the output with respect to value k, the earlier values held as constants and the
        # later values' hooks applied: what reaches k's hook
        def f_k(u):
            return _evaluate(plan, anp, 1, [*plain[:k], u], wrap=scaled)[1]

        return agrad(f_k)(plain[k])

    expected = {k: d_out_d(k) for k in fired}
    for k, g in seen:
        np.testing.assert_allclose(g, expected[k], rtol=1e-10, atol=1e-13)
    for k in range(1, len(vals_c)):
        if k in expected:
            # .grad keeps the gradient after this tensor's own hooks, like PyTorch's retain_grad
            np.testing.assert_allclose(vals_c[k].grad, scales[k] * expected[k], rtol=1e-10, atol=1e-13)
        else:
            assert vals_c[k].grad is None
    np.testing.assert_allclose(x.grad, d_out_d(0), rtol=1e-10, atol=1e-13)


def test_transforms_agree_with_autograd_on_a_graph_with_repeated_operands() -> None:
    a = np.arange(9.0).reshape(3, 3) / 5

    def f(x, lib):
        A = cr.tensor(a) if lib is cr else a
        stack = cr.stack if lib is cr else anp.stack
        einsum = cr.einsum if lib is cr else anp.einsum
        b = 2.0 - (x * x) / (1.0 + x * x)
        c = 3 * b + x
        d = 2.0 * c - x / 2
        e = (c @ A) * d
        return (e * e).sum() + (stack([x, x, x]) ** 2).sum() + einsum("i,i,i->", x, x, x) + (-x).sum()

    x0, v0 = np.array([0.3, -1.2, 0.7]), np.array([1.0, 0.5, -2.0])
    fa = lambda x: f(x, anp)  # noqa: E731
    g_ref = agrad(fa)(x0)
    h_ref = ahessian(fa)(x0)
    j_ref = float(g_ref @ v0)  # the directional derivative
    assert h_ref.shape == (3, 3)
    fc = lambda x: f(x, cr)  # noqa: E731
    np.testing.assert_allclose(float(np.asarray(fc(cr.tensor(x0)).data)), fa(x0), rtol=1e-13)
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
