"""JointRules: one backward rule for all inputs of a primitive, called once per visit with what is needed."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr


def _scaled_sum_rule(calls: list):
    def rule(needs, g, ans, x, y):
        calls.append(needs)
        shared = g * 2.0  # the work both gradients share
        return (shared * y if needs[0] else None, shared * x if needs[1] else None)

    return rule


def _scaled_product(calls: list) -> cr.Primitive:
    # f(x, y) = 2 x y, with one rule for both inputs
    return cr.primitive(
        "test_joint_scaled_product",
        lambda x, y: 2.0 * x * y,
        vjp=cr.JointRules(_scaled_sum_rule(calls), 2),
        jvp="elementwise",  # each input's rule (an index of the joint one) is upstream x local: it serves both ways
        register=False,
    )


def test_the_joint_rule_runs_once_per_visit_with_the_inputs_that_need_a_gradient() -> None:
    calls: list = []
    f = _scaled_product(calls)
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    y = cr.tensor([3.0, -1.0], requires_grad=True)
    f(x, y).sum().backward()
    assert calls == [(True, True)]
    np.testing.assert_allclose(x.grad, 2.0 * y.data)
    np.testing.assert_allclose(y.grad, 2.0 * x.data)


@pytest.mark.parametrize("which", [0, 1])
def test_needs_has_one_entry_per_input_when_only_one_input_needs_a_gradient(which: int) -> None:
    calls: list = []
    f = _scaled_product(calls)
    a = cr.tensor([1.0, 2.0], requires_grad=which == 0)
    b = cr.tensor([3.0, -1.0], requires_grad=which == 1)
    f(a, b).sum().backward()
    assert calls == [(which == 0, which == 1)]
    wanted, other = (a, b) if which == 0 else (b, a)
    np.testing.assert_allclose(wanted.grad, 2.0 * other.data)
    assert other.grad is None


def test_the_joint_rule_agrees_with_finite_differences_and_second_order() -> None:
    f = _scaled_product([])
    x = np.array([0.5, -1.5])
    y = np.array([2.0, 0.25])
    cr.gradcheck(lambda x, y: cr.sum(f(x, y) * cr.sin(x)), (x, y))
    # create_graph: the rule's own operations are recorded, so the Hessian exists
    H = cr.hessian(lambda x: cr.sum(f(x, x)))(x)  # 2 x**2 summed: H = 4 I
    np.testing.assert_allclose(H, 4.0 * np.eye(2))


def test_indexing_gives_one_inputs_rule_for_per_input_tools() -> None:
    rules = cr.JointRules(_scaled_sum_rule([]), 2)
    assert len(rules) == 2
    g, x, y = np.ones(2), np.array([1.0, 2.0]), np.array([3.0, 4.0])
    np.testing.assert_allclose(rules[0](g, None, x, y), 2.0 * y)
    np.testing.assert_allclose(rules[1](g, None, x, y), 2.0 * x)
    with pytest.raises(IndexError):
        rules[2]


def test_gradcheck_graph_checks_each_input_of_a_joint_rule() -> None:
    f = _scaled_product([])
    x = cr.tensor([0.5, -1.5], requires_grad=True)
    y = cr.tensor([2.0, 0.25], requires_grad=True)
    report = cr.gradcheck_graph(cr.sum(f(x, y)))
    assert report.passed


def test_a_joint_rule_must_be_callable() -> None:
    with pytest.raises(TypeError, match="callable"):
        cr.JointRules(3, 2)


def test_a_joint_rule_returning_too_few_gradients_names_the_operation() -> None:
    short = cr.primitive(
        "test_joint_short",
        lambda x, y: x * y,
        vjp=cr.JointRules(lambda needs, g, ans, x, y: (g * y,), 2),
        register=False,
    )
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    y = cr.tensor([3.0, 4.0], requires_grad=True)
    with pytest.raises(
        cr.MissingRuleError, match="test_joint_short: its joint backward rule returned 1 gradients for 2"
    ):
        short(x, y).sum().backward()


def test_a_joint_rule_returning_none_means_no_gradient_and_other_objects_are_refused() -> None:
    nothing = cr.primitive("test_joint_none", lambda x, y: x * y, vjp=cr.JointRules(lambda *a: None, 2), register=False)
    lazy = cr.primitive(
        "test_joint_generator",
        lambda x, y: x * y,
        vjp=cr.JointRules(lambda needs, g, ans, x, y: (g * v for v in (y, x)), 2),
        register=False,
    )
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    y = cr.tensor([3.0, 4.0], requires_grad=True)
    cr.sum(nothing(x, y) + x).backward()
    np.testing.assert_array_equal(x.grad, [1.0, 1.0])
    assert y.grad is None
    with pytest.raises(cr.MissingRuleError, match=r"test_joint_generator: .* returned a generator"):
        cr.sum(lazy(x, y)).backward()


@pytest.mark.parametrize("op", ["affine", "affine_relu"])
@pytest.mark.parametrize("bias_shape", [(1, 5), (2, 5), (5,)])
def test_fused_layers_take_any_bias_that_broadcasts_like_x_at_w_plus_b(op: str, bias_shape: tuple) -> None:
    rng = np.random.default_rng(0)
    x0, w0, b0 = rng.standard_normal((2, 3)), rng.standard_normal((3, 5)), rng.standard_normal(bias_shape)
    fused = getattr(cr, op)

    def composed(x, w, b):
        y = x @ w + b
        return cr.relu(y) if op == "affine_relu" else y

    grads = []
    for f in (fused, composed):
        x, w, b = (cr.tensor(a, requires_grad=True) for a in (x0, w0, b0))
        cr.sum(f(x, w, b) * np.arange(10.0).reshape(2, 5)).backward()
        grads.append((x.grad, w.grad, b.grad))
    for got, want in zip(*grads, strict=True):
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
