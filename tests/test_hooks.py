"""Tensor.register_hook: see or replace a gradient during backward, on leaves and intermediate tensors."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr


def test_leaf_hook_sees_the_accumulated_gradient_once() -> None:
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    x.register_hook(lambda g: seen.append(np.array(g)))
    y = cr.sum(x * x) + cr.sum(3 * x)  # two paths into x: the hook sees their sum, once
    y.backward()
    assert len(seen) == 1
    np.testing.assert_allclose(seen[0], 2 * x.data + 3)
    np.testing.assert_allclose(x.grad, 2 * x.data + 3)


def test_leaf_hook_replaces_the_gradient() -> None:
    x = cr.tensor([1.0, -2.0], requires_grad=True)
    x.register_hook(lambda g: g * 10)
    cr.sum(x * x).backward()
    np.testing.assert_allclose(x.grad, 10 * 2 * x.data)


def test_non_leaf_hook_changes_what_flows_upstream() -> None:
    x = cr.tensor([0.5, 1.5], requires_grad=True)
    h = x * 3
    seen = []

    def hook(g):
        seen.append(np.array(g))
        return g * 0 + 1.0  # replace dL/dh by ones

    h.register_hook(hook)
    y = cr.sum(h * h)
    y.backward()
    np.testing.assert_allclose(seen[0], 2 * h.data)  # the true dL/dh
    np.testing.assert_allclose(x.grad, [3.0, 3.0])  # upstream of h, the replaced gradient (ones) times 3


def test_hooks_run_in_order_and_retain_grad_sees_the_result() -> None:
    x = cr.tensor(2.0, requires_grad=True)
    h = x * x
    h.retain_grad()
    order = []
    h.register_hook(lambda g: order.append("first") or g + 1)
    h.register_hook(lambda g: order.append(("second", float(g))) or g * 2)
    (h * 5).backward()
    assert order == ["first", ("second", 6.0)]
    assert float(h.grad) == 12.0
    assert float(x.grad) == 12.0 * 2 * 2.0


def test_hook_removal_and_observe_only_hooks() -> None:
    x = cr.tensor([1.0], requires_grad=True)
    calls = []
    remove = x.register_hook(lambda g: calls.append(1) or g * 100)
    x.register_hook(lambda g: calls.append(2))  # returns None: observes only
    remove()
    cr.sum(x * 2).backward()
    assert calls == [2]
    np.testing.assert_allclose(x.grad, [2.0])


def test_hook_on_the_root_and_with_create_graph() -> None:
    x = cr.tensor(1.5, requires_grad=True)
    y = x**3
    y.register_hook(lambda g: g * 2)
    y.backward(create_graph=True)
    assert float(x.grad.data) == pytest.approx(2 * 3 * 1.5**2)
    gx = x.grad
    x.zero_grad()
    gx.backward()  # d/dx (2 * 3 x**2) = 12 x
    assert float(x.grad) == pytest.approx(12 * 1.5)


def test_bad_hooks_are_reported() -> None:
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda g: np.ones(3))
    with pytest.raises(cr.GradientShapeError, match="hook returned shape"):
        cr.sum(x * x).backward()
    with pytest.raises(RuntimeError, match="does not require a gradient"):
        cr.tensor([1.0]).register_hook(lambda g: g)
