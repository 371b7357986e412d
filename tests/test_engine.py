"""Engine behaviour: freeing and retaining the graph, higher-order gradients, grad mode (thread-local),
leaves and retained gradients, very deep graphs, memory release, and in-place change detection."""

from __future__ import annotations

import gc
import threading
import tracemalloc
import weakref

import numpy as np
import pytest

import chainrule as cr

# ---------------------------------------------------------------------------------------------------
# retain_graph


def test_second_backward_raises_graph_freed_error_mentioning_retain_graph() -> None:
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    y = (cr.exp(x) * x).sum()
    y.backward()
    with pytest.raises(cr.GraphFreedError, match="retain_graph=True") as info:
        y.backward()
    assert isinstance(info.value, RuntimeError) and isinstance(info.value, cr.ChainruleError)
    assert "run the forward pass again" in str(info.value)


def test_retain_graph_allows_a_second_backward_that_accumulates() -> None:
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    np.testing.assert_array_equal(x.grad, [2.0, 4.0])
    y.backward()
    np.testing.assert_array_equal(x.grad, [4.0, 8.0])
    with pytest.raises(cr.GraphFreedError):
        y.backward()


def test_shared_subgraph_is_freed_by_the_first_backward() -> None:
    x = cr.tensor(2.0, requires_grad=True)
    h = cr.sin(x)
    a, b = h * 3, h * 4
    a.backward()
    with pytest.raises(cr.GraphFreedError, match="sin"):
        b.backward()


# ---------------------------------------------------------------------------------------------------
# create_graph: derivatives of derivatives


def derivatives(f, x0: np.ndarray, n: int) -> list[np.ndarray]:
    """The first ``n`` derivatives of elementwise ``f`` at ``x0``, each by a backward through the last."""
    x = cr.tensor(x0, requires_grad=True)
    y = f(x)
    out = []
    for _ in range(n):
        x.grad = None
        y.sum().backward(create_graph=True)
        g = x.grad
        out.append(np.array(g.data if isinstance(g, cr.Tensor) else g))
        y = g
    return out


X0 = np.array([-1.3, -0.2, 0.0, 0.4, 1.7])


def test_a_node_waits_for_every_consumer_even_when_reached_first() -> None:
    # c's visit reaches a (an input of c) before b, which also consumes a and was made later: a's gradient
    # must include b's share before a passes it on
    x = cr.tensor([0.3, -1.2], requires_grad=True)
    a = cr.sin(x)
    b = cr.exp(a)
    c = a * b
    d = c + 2 * a  # and again from a later gate
    visited: list[str] = []
    for t, label in ((a, "a"), (b, "b"), (c, "c")):
        t.register_hook(lambda g, label=label: visited.append(label))
    d.sum().backward()
    xs = x.data
    dd_da = np.exp(np.sin(xs)) * (1 + np.sin(xs)) + 2
    np.testing.assert_allclose(x.grad, dd_da * np.cos(xs), rtol=1e-13)
    assert visited == ["c", "b", "a"]  # the forward order, reversed


def test_higher_derivatives_of_tanh() -> None:
    t = np.tanh(X0)
    d1, d2, d3 = derivatives(cr.tanh, X0, 3)
    np.testing.assert_allclose(d1, 1 - t**2, rtol=1e-12)
    np.testing.assert_allclose(d2, -2 * t * (1 - t**2), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(d3, (1 - t**2) * (6 * t**2 - 2), rtol=1e-12)


def test_higher_derivatives_of_sigmoid() -> None:
    s = 1 / (1 + np.exp(-X0))
    d1, d2, d3 = derivatives(cr.sigmoid, X0, 3)
    np.testing.assert_allclose(d1, s * (1 - s), rtol=1e-12)
    np.testing.assert_allclose(d2, s * (1 - s) * (1 - 2 * s), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(d3, s * (1 - s) * (1 - 6 * s + 6 * s**2), rtol=1e-12)


def test_higher_derivatives_of_cube() -> None:
    d1, d2, d3 = derivatives(lambda x: x**3, X0, 3)
    np.testing.assert_allclose(d1, 3 * X0**2, rtol=1e-14)
    np.testing.assert_allclose(d2, 6 * X0, rtol=1e-14)
    np.testing.assert_allclose(d3, np.full_like(X0, 6.0), rtol=1e-14)


def test_higher_derivatives_of_sin_times_exp() -> None:
    e, s, c = np.exp(X0), np.sin(X0), np.cos(X0)
    d1, d2, d3, d4 = derivatives(lambda x: cr.sin(x) * cr.exp(x), X0, 4)
    np.testing.assert_allclose(d1, e * (s + c), rtol=1e-12)
    np.testing.assert_allclose(d2, 2 * e * c, rtol=1e-12)
    np.testing.assert_allclose(d3, 2 * e * (c - s), rtol=1e-12)
    np.testing.assert_allclose(d4, -4 * e * s, rtol=1e-12, atol=1e-15)


def test_create_graph_gradient_is_a_tensor_in_the_graph() -> None:
    x = cr.tensor([0.5, 1.0], requires_grad=True)
    (x**3).sum().backward(create_graph=True)
    g = x.grad
    assert isinstance(g, cr.Tensor) and g.requires_grad and not g.is_leaf
    x.grad = None
    (g * g).sum().backward()  # d/dx sum((3x^2)^2) = 36 x^3
    np.testing.assert_allclose(x.grad, 36 * np.array([0.5, 1.0]) ** 3)


def test_mixed_second_partials() -> None:
    # f(x, y) = x^2 y^3: d2f/dxdy = 6 x y^2
    x = cr.tensor(1.5, requires_grad=True)
    y = cr.tensor(-0.5, requires_grad=True)
    (x**2 * y**3).backward(create_graph=True)
    gx = x.grad
    x.grad = y.grad = None
    gx.backward()
    assert float(y.grad) == pytest.approx(6 * 1.5 * 0.25)
    assert float(x.grad) == pytest.approx(2 * (-0.5) ** 3)


# ---------------------------------------------------------------------------------------------------
# detach, requires_grad_, zero_grad, is_leaf, retain_grad


def test_detach_shares_values_and_cuts_the_graph() -> None:
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    d = y.detach()
    assert d.is_leaf and not d.requires_grad and np.shares_memory(d.data, y.data)
    z = (d * x).sum()
    z.backward()
    np.testing.assert_array_equal(x.grad, [3.0, 6.0])  # no gradient flowed through d


def test_requires_grad_and_is_leaf() -> None:
    x = cr.tensor([1.0, 2.0])
    assert x.is_leaf and not x.requires_grad
    assert x.requires_grad_() is x and x.requires_grad
    y = x * 2
    assert not y.is_leaf and y.requires_grad and y.node.name == "multiply"
    with pytest.raises(cr.ChainruleError, match="detach"):
        y.requires_grad_(False)
    x.requires_grad_(False)
    assert (x * 2).is_leaf and not (x * 2).requires_grad


def test_zero_grad_forgets_the_gradient() -> None:
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    (x * 5).sum().backward()
    np.testing.assert_array_equal(x.grad, [5.0, 5.0])
    x.zero_grad()
    assert x.grad is None
    (x * 2).sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 2.0])


def test_retain_grad_keeps_the_gradient_of_a_non_leaf() -> None:
    x = cr.tensor([1.0, -2.0], requires_grad=True)
    y = x * 2
    z = y * y
    assert y.retain_grad() is y
    z.sum().backward()
    np.testing.assert_array_equal(y.grad, 2 * y.data)  # dz/dy = 2y
    np.testing.assert_array_equal(x.grad, 8 * x.data)
    assert z.grad is None  # not retained


# ---------------------------------------------------------------------------------------------------
# no_grad / enable_grad


def test_no_grad_and_enable_grad_nest() -> None:
    x = cr.tensor(1.0, requires_grad=True)
    with cr.no_grad():
        assert not cr.is_grad_enabled()
        assert not (x * 2).requires_grad
        with cr.enable_grad():
            assert (x * 2).requires_grad
        assert not (x * 2).requires_grad
    assert cr.is_grad_enabled() and (x * 2).requires_grad

    @cr.no_grad()
    def f(t):
        return t * 2

    assert not f(x).requires_grad and cr.is_grad_enabled()


def test_grad_mode_is_thread_local() -> None:
    x = cr.tensor(1.0, requires_grad=True)
    entered, checked = threading.Event(), threading.Event()
    seen: dict[str, bool] = {}

    def in_no_grad() -> None:
        with cr.no_grad():
            entered.set()
            checked.wait(5)
            seen["no_grad thread"] = (x * 2).requires_grad

    def elsewhere() -> None:
        entered.wait(5)
        seen["other thread"] = (x * 2).requires_grad
        checked.set()

    threads = [threading.Thread(target=in_no_grad), threading.Thread(target=elsewhere)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert seen == {"no_grad thread": False, "other thread": True}
    assert cr.is_grad_enabled()


def test_nested_and_failing_grad_mode_blocks_restore_recording_everywhere() -> None:
    x = cr.tensor(1.0, requires_grad=True)
    with pytest.raises(ZeroDivisionError), cr.no_grad():
        with cr.no_grad():
            with cr.enable_grad():
                assert (x * 2).requires_grad
            assert not (x * 2).requires_grad
        1 / 0
    # the engine's fast check ("no thread has recording off") must agree with every thread's own flag again
    assert cr.engine.STATE.grad_off == 0
    assert (x * 2).requires_grad
    with cr.set_grad_enabled(True):  # switching to the mode already on changes nothing
        assert cr.engine.STATE.grad_off == 0


def test_one_no_grad_instance_shared_by_threads_restores_each_threads_mode() -> None:
    shared = cr.no_grad()
    first_in, second_in = threading.Event(), threading.Event()
    after: dict[str, bool] = {}

    def run(name: str, outer_mode: bool) -> None:
        with cr.set_grad_enabled(outer_mode):
            if name == "second":
                first_in.wait(5)
            with shared:  # both threads are inside the same instance at the same time
                if name == "first":
                    first_in.set()
                    second_in.wait(5)
                else:
                    second_in.set()
            after[name] = cr.is_grad_enabled()

    threads = [threading.Thread(target=run, args=("first", False)), threading.Thread(target=run, args=("second", True))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert after == {"first": False, "second": True}


# ---------------------------------------------------------------------------------------------------
# Deep graphs and memory


def test_a_chain_of_a_million_operations_differentiates() -> None:
    x = cr.tensor(1.0, requires_grad=True)
    y = x
    enabled = gc.isenabled()
    gc.disable()  # NOTE: the cyclic collector would rescan the million live nodes many times; it finds no cycles
    try:
        for _ in range(500_000):
            y = -(y * 1.0000001)
        assert y.node is not None
        y.backward()
    finally:
        if enabled:
            gc.enable()
    # (-1)^500000 * 1.0000001^500000
    assert float(x.grad) == pytest.approx(1.0000001**500_000, rel=1e-9)
    del y


def test_backward_releases_cached_arrays_while_the_output_is_alive() -> None:
    n = 50_000  # 400 kB per array
    x = cr.tensor(np.linspace(0.0, 1.0, n), requires_grad=True)
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        y = x
        for _ in range(10):
            y = cr.tanh(y * 1.1)  # every step caches its input and output arrays
        loss = y.sum()
        built = tracemalloc.get_traced_memory()[0] - base
        loss.backward()
        after = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
    array = n * 8
    assert built > 15 * array, built
    # still alive: y's values, x.grad, and small bookkeeping; every cached intermediate array is gone
    assert after < 3 * array, (built, after)
    assert loss.node.freed and y.node.freed


def test_intermediate_values_are_released_by_backward() -> None:
    x = cr.tensor(np.ones(3), requires_grad=True)
    mid = cr.exp(x)
    tensor_ref, values_ref = weakref.ref(mid), weakref.ref(mid.data)
    out = (mid * 2).sum()
    del mid
    # the graph caches the values the backward pass needs, not the tensor object that held them
    assert tensor_ref() is None
    assert values_ref() is not None
    out.backward()
    assert values_ref() is None  # released as soon as the backward pass used them


def test_retained_graph_keeps_its_caches_until_dropped() -> None:
    x = cr.tensor(np.ones(3), requires_grad=True)
    mid = cr.exp(x)
    ref = weakref.ref(mid.data)
    out = (mid * 2).sum()
    del mid
    out.backward(retain_graph=True)
    assert ref() is not None
    del out
    assert ref() is None


# ---------------------------------------------------------------------------------------------------
# In-place changes


def test_inplace_on_a_tensor_that_requires_grad_is_refused() -> None:
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    for change in (lambda: x.add_(1), lambda: x.mul_(2), lambda: x.__setitem__(0, 5.0), lambda: x.zero_()):
        with pytest.raises(cr.InplaceError, match="no_grad"):
            change()
    np.testing.assert_array_equal(x.data, [1.0, 2.0])


@pytest.mark.parametrize(
    "change",
    [
        lambda c: c.mul_(2),
        lambda c: c.add_(1),
        lambda c: c.sub_(1),
        lambda c: c.div_(2),
        lambda c: c.__setitem__(0, 9.0),
        lambda c: c.fill_(3.0),
        lambda c: c.copy_(np.zeros(2)),
        lambda c: setattr(c, "data", np.zeros(2)),
    ],
    ids=["mul_", "add_", "sub_", "div_", "setitem", "fill_", "copy_", "data="],
)
def test_changing_a_cached_constant_is_detected_at_backward(change) -> None:
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    c = cr.tensor([3.0, 4.0])
    y = (x * c).sum()
    change(c)
    with pytest.raises(cr.InplaceError, match=r"multiply: input 1 .*modified in place") as info:
        y.backward()
    assert isinstance(info.value, RuntimeError)
    # computing the forward pass again after the change is fine
    x.grad = None
    (x * c).sum().backward()
    np.testing.assert_array_equal(x.grad, c.data)


def test_optimizer_style_update_of_a_used_parameter_is_detected() -> None:
    w = cr.tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()
    with cr.no_grad():
        w.sub_(0.1)  # updating before the backward pass of a graph that cached w
    with pytest.raises(cr.InplaceError, match=r"t = t \+ 1"):
        loss.backward()


def test_inplace_change_after_backward_is_harmless() -> None:
    w = cr.tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    with cr.no_grad():
        w.sub_(w.grad * 0.1)
    w.zero_grad()
    (w * w).sum().backward()
    np.testing.assert_allclose(w.grad, 2 * np.array([0.8, 1.6]))


def test_inplace_change_of_an_operation_result_is_detected() -> None:
    x = cr.tensor([0.5, 1.0], requires_grad=True)
    y = cr.exp(x)  # exp's rule uses its cached output
    with cr.no_grad():
        y.add_(1.0)
    with pytest.raises(cr.InplaceError, match=r"exp: its result \(shape \(2,\)\) was modified in place"):
        y.sum().backward()


def test_inplace_on_a_detached_tensor_leaves_the_graph_intact() -> None:
    x = cr.tensor([0.5, 1.0], requires_grad=True)
    y = cr.exp(x)
    d = y.detach()
    d.mul_(0.0)
    d[0] = 7.0
    assert d.data.tolist() == [7.0, 0.0]
    np.testing.assert_array_equal(y.data, np.exp([0.5, 1.0]))
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, np.exp([0.5, 1.0]))


def test_inplace_on_a_view_does_not_write_into_a_cached_array() -> None:
    x = cr.tensor([1.0, 2.0, 3.0], requires_grad=True)
    c = cr.tensor([4.0, 5.0, 6.0])
    v = c[0:2]  # a view of c's memory
    loss = (x * c).sum()
    v.fill_(0.0)
    assert v.data.tolist() == [0.0, 0.0] and c.data.tolist() == [4.0, 5.0, 6.0]
    loss.backward()
    np.testing.assert_array_equal(x.grad, [4.0, 5.0, 6.0])


def test_where_condition_never_receives_a_gradient() -> None:
    c = cr.tensor([1.0, 0.0], requires_grad=True)  # NumPy treats nonzero floats as True
    a = cr.tensor([1.0, 2.0], requires_grad=True)
    cr.where(c, a, 0.0).sum().backward()
    assert a.grad.tolist() == [1.0, 0.0] and c.grad is None


def test_an_input_without_a_rule_fails_with_a_clear_error() -> None:
    half = cr.primitive("test_half_rules", lambda x, y: x * y, vjp=(lambda g, ans, x, y: g * y, None))
    x = cr.tensor(2.0, requires_grad=True)
    y = cr.tensor(3.0, requires_grad=True)
    try:
        out = half(x, y)
        with pytest.raises(cr.MissingRuleError, match="test_half_rules: no gradient rule for input 1"):
            out.backward()
    finally:
        cr.REGISTRY.pop("test_half_rules")


@pytest.mark.parametrize("shape", [(), (3,)])
def test_input_zero_without_a_rule_fails_with_a_clear_error_also_alone(shape) -> None:
    # y * 2.0 and f(x) keep their one parent without a tuple; the error is the same
    half = cr.primitive("test_half_rules0", lambda x, y: x * y, vjp=(None, lambda g, ans, x, y: g * x), register=False)
    x = cr.tensor(np.full(shape, 2.0), requires_grad=True)
    with pytest.raises(cr.MissingRuleError, match="test_half_rules0: no gradient rule for input 0"):
        half(x, 3.0).sum().backward()


# ---------------------------------------------------------------------------------------------------
# In-place writes of tracked values are recorded (as in PyTorch), never silently dropped


def test_writing_a_tracked_value_into_a_constant_buffer_is_recorded() -> None:
    x = cr.tensor(np.array([2.0, 3.0]), requires_grad=True)
    buf = cr.tensor(np.zeros(2))
    buf[0] = x[0] * x[1]
    buf[1] = x[1]
    assert buf.requires_grad and not buf.is_leaf
    (buf * x).sum().backward()  # loss = x0^2 x1 + x1^2
    np.testing.assert_allclose(x.grad, [2 * 2.0 * 3.0, 2.0**2 + 2 * 3.0])


@pytest.mark.parametrize(
    "change,expected",
    [
        (lambda b, x: b.add_(x), lambda x: 2 * x + 1),  # (c + x) * x -> d/dx = c + 2x with c = 1
        (lambda b, x: b.mul_(x), lambda x: 2 * x),  # (c * x) * x with c = 1
        (lambda b, x: b.copy_(x), lambda x: 2 * x),  # x * x
        (lambda b, x: b.sub_(x), lambda x: 1 - 2 * x),  # (c - x) * x
    ],
    ids=["add_", "mul_", "copy_", "sub_"],
)
def test_inplace_ops_with_tracked_operands_are_recorded(change, expected) -> None:
    x = cr.tensor([0.5, -1.5], requires_grad=True)
    buf = cr.tensor(np.ones(2))
    change(buf, x)
    (buf * x).sum().backward()
    np.testing.assert_allclose(x.grad, expected(x.data))


def test_inplace_write_into_a_non_leaf_keeps_earlier_uses_correct() -> None:
    x = cr.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    early = (y * y).sum()  # cached y before the write
    y[1] = 0.0
    late = (y * x).sum()
    (early + late).backward()
    # d early/dx = 8x; d late/dx = 2x where y was kept (and 0 from y[1]) plus y itself
    np.testing.assert_allclose(x.grad, 8 * x.data + np.array([4.0, 0.0, 12.0]))


def test_inplace_write_keeps_dtype_and_shape() -> None:
    x = cr.tensor([1.0, 2.0], requires_grad=True)  # float64
    buf = cr.tensor(np.zeros((3, 2)), dtype="float32")
    buf[2] = x
    assert buf.dtype == np.float32 and buf.shape == (3, 2)
    buf.sum().backward()
    np.testing.assert_allclose(x.grad, [1.0, 1.0])
    assert x.grad.dtype == np.float64


def test_second_backward_into_0d_leaf_keeps_grad_an_array() -> None:
    x = cr.tensor(2.0, requires_grad=True)
    (x * x).backward()
    (x * x).backward()
    assert type(x.grad) is np.ndarray and x.grad.shape == ()
    x.grad[...] = 0.0  # writable like any gradient


def test_grad_does_not_alias_the_callers_seed() -> None:
    x = cr.tensor(np.ones(2), requires_grad=True)
    seed = np.array([1.0, 2.0])
    (x + 0).backward(seed)
    seed[0] = 99.0
    np.testing.assert_array_equal(x.grad, [1.0, 2.0])


def test_lists_of_tensors_keep_their_gradients() -> None:
    a = cr.tensor(1.0, requires_grad=True)
    b = cr.tensor(2.0, requires_grad=True)
    s = cr.sum([a, b * b])
    assert s.requires_grad
    s.backward()
    assert a.grad == 1.0 and b.grad == 4.0
    m = cr.maximum([a, 5.0], [[0.0, b]])  # nested, mixed with numbers, in both arguments
    m.sum().backward()
    assert a.grad == 2.0 and b.grad == 4.0  # b (2) loses to 5 -> no gradient added
    assert float(cr.mean([[1.0, 2.0]])) == 1.5  # plain lists stay plain NumPy


# ---------------------------------------------------------------------------------------------------
# how a node keeps its parents (a tuple, or the one parent of input 0 alone)


def test_parents_has_one_entry_per_input_whatever_the_node_keeps() -> None:
    x = cr.tensor([1.0, -2.0], requires_grad=True)
    c = cr.tensor([3.0, 4.0])
    one_input = cr.tanh(x)
    scaled = one_input * 2.0  # input 1 is a number: only input 0 carries a gradient
    by_const = c * scaled  # input 0 is a constant tensor: the tuple form
    both = scaled + one_input
    assert one_input.node.parents == (x,)
    assert scaled.node.parents[0] is one_input.node and scaled.node.parents[1] is None
    assert len(scaled.node.parents) == 2
    assert by_const.node.parents[0] is None and by_const.node.parents[1] is scaled.node
    assert both.node.parents[0] is scaled.node and both.node.parents[1] is one_input.node
    order = [n.prim.name for n in cr.engine.toposort(both.node)]
    assert order == ["tanh", "multiply", "add"]


def test_a_freed_node_still_names_its_parent_and_recordings_keep_every_input() -> None:
    x = cr.tensor([1.0, -2.0], requires_grad=True)
    y = x * 3.0
    y.sum().backward()
    assert y.node.freed and y.node.parents[0] is x
    with cr.viz.recording():
        x2 = cr.tensor([1.0, -2.0], requires_grad=True)
        y2 = x2 * 3.0
        y2.sum().backward()
    assert y2.node.parents == (x2, None)


def test_cutting_parents_by_assignment_keeps_the_tuple_form() -> None:
    x = cr.tensor(2.0, requires_grad=True)
    y = cr.sin(x)
    y.node.parents = [None]
    assert y.node.parents == (None,)
    assert not cr.engine.toposort(y.node)[:-1]


def test_a_freed_bare_parent_node_keeps_one_parent_per_input_and_its_drawing() -> None:
    x = cr.tensor(np.array([1.0, 2.0]), requires_grad=True, name="x")
    loss = cr.sum(cr.tanh(x * 2.0) * 3.0)
    mul = loss.node.parents[0]
    edges_before = cr.viz.draw(loss, format="dot").text.count("->")
    loss.backward()
    assert mul.freed and len(mul.parents) == 2 and mul.parents[1] is None
    assert cr.viz.draw(loss, format="dot").text.count("->") == edges_before


def test_a_wrong_shaped_gradient_from_a_rule_is_an_error_naming_the_op() -> None:
    bad = cr.primitive("test_bad_shape", lambda x: x * 2.0, vjp=lambda g, ans, x: np.ones(5), register=False)
    x = cr.tensor(np.array([1.0, 2.0]), requires_grad=True)
    with pytest.raises(cr.GradientShapeError, match=r"test_bad_shape: the backward rule for input 0 .* \(5,\)"):
        cr.sum(bad(x)).backward()


def test_an_optimizer_step_racing_another_thread_still_flags_what_it_changed() -> None:
    # thread A (the step) pauses between its two parameters while thread B records an operation caching the
    # second one: that node must still see the change that follows
    paused, resume = threading.Event(), threading.Event()

    class SlowGrad(np.ndarray):
        def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
            paused.set()
            resume.wait(10)
            inputs = [np.asarray(i) if isinstance(i, SlowGrad) else i for i in inputs]
            return getattr(ufunc, method)(*inputs, **kwargs)

    p1 = cr.tensor(np.array([1.0]), requires_grad=True)
    p2 = cr.tensor(np.array([1.0]), requires_grad=True)
    p1.grad = np.array([1.0])
    p2.grad = np.array([1.0]).view(SlowGrad)
    opt = cr.optim.SGD([p1, p2], lr=1.0)
    a = threading.Thread(target=opt.step)
    a.start()
    assert paused.wait(10)
    y = cr.sum(p2 * p2)  # caches p2 = 1.0, which the step is about to change
    resume.set()
    a.join()
    p2.grad = None
    with pytest.raises(cr.InplaceError, match="multiply"):
        y.backward()


def test_a_one_input_node_caches_its_array_and_still_shows_one_entry_per_input() -> None:
    x = cr.tensor([0.5, -1.0], requires_grad=True)
    y = cr.tanh(x)
    node = y.node
    assert type(node.raw) is tuple and len(node.raw) == 1 and node.raw[0] is x.data
    assert node.parents == (x,) and not node.freed
    cr.gradcheck_graph(cr.sum(cr.exp(y)))  # each rule alone, at the cached values
    z = cr.exp(y)
    z.sum().backward(create_graph=True)  # the rules on tensors (the general path) get the tuple form too
    np.testing.assert_allclose(x.grad.data, np.exp(np.tanh(x.data)) * (1 - np.tanh(x.data) ** 2))
    x.grad = None
    cr.tanh(x).sum().backward()
    y.sum().backward()
    assert node.freed and node.raw is None and node.parents == (x,)


def test_create_graph_gives_each_leaf_a_gradient_tensor_of_its_own() -> None:
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    y = cr.tensor([3.0, 4.0], requires_grad=True)
    (x + y).sum().backward(create_graph=True)  # add's rule hands one gradient to both inputs
    assert x.grad is not y.grad and not np.shares_memory(x.grad.data, y.grad.data)
    assert x.grad.data.flags.writeable and x.grad.tolist() == [1.0, 1.0] == y.grad.tolist()
    x.grad, y.grad = None, None
    (x * y).sum().backward(create_graph=True)
    x.grad.sum().backward()  # still differentiable: d(sum(y))/dy = 1, added to y.grad = x
    np.testing.assert_allclose(y.grad.data, [2.0, 3.0])
