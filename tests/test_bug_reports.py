"""Inputs taken from public bug reports of other autodiff libraries, replayed on chainrule.

Each test names the upstream report it comes from. The expected values are the mathematically right ones (checked
against finite differences in float64, or PyTorch / JAX where they settled on a convention).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import chainrule as cr


def finite_differences(f, x, eps=1e-6):
    """Central differences of a scalar function of a float64 array."""
    x = np.asarray(x, dtype=np.float64)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        d = np.zeros_like(x)
        d[i] = eps
        g[i] = (f(x + d) - f(x - d)) / (2 * eps)
    return g


# -- float16 reductions over more elements than float16 can count ------------------------------------------
# tinygrad#12296 "max backward can underflow": Tensor.ones(70000, dtype=half).max().backward() gave zeros
# because the number of elements was counted in float16 (70000 -> inf, 1 / inf = 0). chainrule's max was
# right; its mean divided the gradient by the count in float16 and gave exactly 0.
@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning")  # nanmean's value: NumPy's float16 sum overflows too
@pytest.mark.parametrize("reduce", [cr.mean, cr.max, cr.nanmean])
def test_float16_mean_of_70000_elements_has_a_gradient(reduce) -> None:
    t = cr.tensor(np.ones(70000, np.float16), requires_grad=True)
    reduce(t).backward()
    assert t.grad.dtype == np.float16
    assert np.all(t.grad == np.float16(1 / 70000)) and t.grad[0] > 0


def test_float16_mean_gradient_over_an_axis_and_second_order() -> None:
    x = np.ones((2, 70000), np.float16)
    g = cr.grad(lambda t: np.sum(np.mean(t, axis=1) * np.array([1.0, 2.0], np.float16)))(x)
    assert g.dtype == np.float16
    assert np.all(g[0] == np.float16(1 / 70000)) and np.all(g[1] == np.float16(2 / 70000))
    # recorded backward pass (grad of grad): d/dx mean(x * x) = 2 x / n, then its derivative along x
    hv = cr.grad(lambda t: np.sum(cr.grad(lambda u: np.mean(u * u))(t)))(np.ones(70000, np.float16))
    assert hv.dtype == np.float16
    np.testing.assert_allclose(hv.astype(np.float64), 2 / 70000, rtol=1e-2)  # (float16 subnormals: 2 ulps)


def test_float16_var_divides_by_a_count_beyond_float16() -> None:
    # the value is NumPy's (its float16 sum of squares overflows here too), never 0 or NaN from a count read as inf
    x = np.random.default_rng(0).normal(size=70000).astype(np.float16)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert float(cr.var(cr.tensor(x)).numpy()) == float(np.var(x))
        small = (x[:70000] / 4).astype(np.float16)  # a sum of squares that float16 holds
        got = cr.grad(lambda t: cr.var(t))(small)
    ref = 2 * (small.astype(np.float64) - small.astype(np.float64).mean()) / 70000
    assert got.dtype == np.float16
    np.testing.assert_allclose(got.astype(np.float64), ref, rtol=2e-2, atol=1e-7)


# the same count past float16's range, reached by a sum of exponentials: 70,000 equal logits sum to 70,000 > 65504.
# PyTorch's CPU log_softmax and logsumexp give -inf / inf here; chainrule sums in float32 and rounds once.
def _softmax_family_reference(name: str, x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Value and gradient of sum(w * f(x)) in float64, by the closed forms."""
    x = x.astype(np.float64)
    w = w.astype(np.float64)
    lse = np.log(np.sum(np.exp(x - x.max()))) + x.max()
    s = np.exp(x - lse)
    if name == "softmax":
        return s, s * (w - np.sum(w * s))
    if name == "log_softmax":
        return x - lse, w - s * np.sum(w)
    return np.array(lse), w * s


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "logsumexp"])
@pytest.mark.parametrize("kind", ["equal", "spread"])
def test_float16_softmax_family_over_70000_elements(name: str, kind: str) -> None:
    rng = np.random.default_rng(1)
    x = np.zeros(70000, np.float16) if kind == "equal" else (rng.normal(size=70000) * 3).astype(np.float16)
    w = np.float16(1.0) if name == "logsumexp" else rng.normal(size=70000).astype(np.float16)
    t = cr.tensor(x, requires_grad=True)
    y = getattr(cr, name)(t)
    np.sum(y * w).backward()
    value, grad = _softmax_family_reference(name, x, np.asarray(w))
    assert y.dtype == np.float16 and t.grad.dtype == np.float16
    assert np.all(np.isfinite(y.numpy())) and np.all(np.isfinite(t.grad))
    # within a float16 rounding of the exact values (plus the float16 subnormal spacing for the tiny ones)
    np.testing.assert_allclose(y.numpy().astype(np.float64), value, rtol=2e-3, atol=6e-8)
    np.testing.assert_allclose(t.grad.astype(np.float64), grad, rtol=2e-3, atol=np.abs(grad).max() * 2e-3 + 6e-8)


def test_float16_log_softmax_second_order_and_forward_mode() -> None:
    x = np.linspace(-2, 2, 7).astype(np.float16)
    hv = cr.grad(lambda t: np.sum(cr.grad(lambda u: np.sum(cr.log_softmax(u) * u))(t) ** 2))(x)
    ref = cr.grad(lambda t: np.sum(cr.grad(lambda u: np.sum(cr.log_softmax(u) * u))(t) ** 2))(x.astype(np.float64))
    assert hv.dtype == np.float16
    np.testing.assert_allclose(hv.astype(np.float64), ref, rtol=1e-2, atol=1e-3)
    _, tangent = cr.jvp(cr.log_softmax, (x,), (np.ones(7, np.float16),))
    assert tangent.dtype == np.float16
    np.testing.assert_allclose(tangent.astype(np.float64), 0.0, atol=1e-3)  # log_softmax ignores a uniform shift


# -- writes through an index that names a position twice ----------------------------------------------------
# pytorch#146299 (index_put_ / put_ / scatter with repeated indices): every duplicate write received the
# position's gradient although NumPy (like torch without accumulate) keeps only the last write. chainrule did
# the same; the lost writes do not influence the result, so finite differences give them 0 (as JAX does).
def test_index_put_with_a_repeated_index_gives_the_lost_write_no_gradient() -> None:
    v = cr.tensor([1.0, 2.0], requires_grad=True)
    out = cr.index_put(cr.tensor(np.zeros(3)), v, np.array([0, 0]))
    assert out.data.tolist() == [2.0, 0.0, 0.0]
    (out * np.array([5.0, 1.0, 1.0])).sum().backward()
    assert v.grad.tolist() == [0.0, 5.0]


def test_setitem_with_repeated_indices_matches_finite_differences() -> None:
    # t[index] = value records index_put: a broadcast scalar, rows, and a pair of index arrays
    w = np.arange(1.0, 7.0).reshape(3, 2)

    def scalar(v):
        buf = cr.tensor(np.zeros(3))
        buf[[0, 0, 1]] = v
        return (buf * np.array([5.0, 1.0, 1.0])).sum()

    def rows(v):
        buf = cr.tensor(np.zeros((3, 2)))
        buf[np.array([2, 0, 2])] = v
        return (buf * w).sum()

    def pairs(v):
        buf = cr.tensor(np.zeros((3, 2)))
        buf[np.array([0, 0, -3, 1]), np.array([1, 1, 1, 0])] = v
        return (buf * w).sum()

    for f, x in [(scalar, np.array(3.0)), (rows, np.arange(6.0).reshape(3, 2)), (pairs, np.arange(4.0))]:
        np.testing.assert_allclose(cr.grad(f)(x), finite_differences(lambda a: float(f(a).data), x), atol=1e-6)
    assert float(cr.grad(scalar)(3.0)) == 6.0  # positions 0 and 1, each once
    assert cr.grad(rows)(np.zeros((3, 2))).tolist() == [[0.0, 0.0], [1.0, 2.0], [5.0, 6.0]]
    assert cr.grad(pairs)(np.zeros(4)).tolist() == [0.0, 0.0, 2.0, 3.0]
    # forward mode agrees (the last write carries its tangent; cr.index_put, as a setitem keeps no tangent) and
    # so does the second derivative
    index = (np.array([0, 0, -3, 1]), np.array([1, 1, 1, 0]))

    def put(v):
        return (cr.index_put(np.zeros((3, 2)), v, index) * w).sum()

    assert cr.jacobian(put, mode="fwd")(np.zeros(4)).tolist() == [0.0, 0.0, 2.0, 3.0]
    assert np.array_equal(cr.hessian(lambda v: put(v * v))(np.ones(4)), np.diag([0.0, 0.0, 4.0, 6.0]))
