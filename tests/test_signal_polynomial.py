"""np.convolve, np.correlate, np.interp, np.polyval and np.vander called on tensors (ops/signal.py,
ops/polynomial.py): NumPy's values and dtypes, gradients at the edge cases, and the arguments that are refused."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule.errors import UnsupportedArgumentError
from helpers import numerical_grad


def _fd(f, x):
    return numerical_grad(f, [x], 0)


def _grads(f, *arrays):
    ts = [cr.tensor(a, requires_grad=True) for a in arrays]
    out = f(*ts)
    w = np.random.default_rng(3).standard_normal(out.shape)
    (out * w).sum().backward()
    return out, [t.grad for t in ts], w


@pytest.mark.parametrize("func", [np.convolve, np.correlate])
@pytest.mark.parametrize("mode", ["full", "same", "valid", 0, 1, 2])
@pytest.mark.parametrize(("n", "m"), [(7, 3), (3, 7), (4, 4), (1, 1), (2, 6)])
def test_convolve_correlate_values_and_gradients(func, mode, n, m) -> None:
    rng = np.random.default_rng(n * 10 + m)
    a, v = rng.standard_normal(n), rng.standard_normal(m)
    out, (ga, gv), w = _grads(lambda x, y: func(x, y, mode), a, v)
    assert np.array_equal(out.data, func(a, v, mode))  # bit for bit: NumPy's own function
    np.testing.assert_allclose(ga, _fd(lambda x: np.sum(func(x, v, mode) * w), a), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(gv, _fd(lambda y: np.sum(func(a, y, mode) * w), v), rtol=1e-6, atol=1e-8)


def test_convolve_against_torch() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    a, v = rng.standard_normal(9), rng.standard_normal(4)
    out, (ga, gv), w = _grads(lambda x, y: np.convolve(x, y, "valid"), a, v)
    ta, tv = torch.tensor(a, requires_grad=True), torch.tensor(v, requires_grad=True)
    tout = torch.nn.functional.conv1d(ta.view(1, 1, -1), tv.flip(0).view(1, 1, -1)).view(-1)
    (tout * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(ga, ta.grad.numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(gv, tv.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_convolve_dtypes_scalars_and_second_order() -> None:
    a = cr.tensor(np.array([1.0, 2.0, -1.0], dtype=np.float32), requires_grad=True)
    v = cr.tensor(np.array([0.5, 3.0], dtype=np.float32), requires_grad=True)
    out = np.convolve(a, v, mode="same")
    assert out.dtype == np.float32 and np.array_equal(out.data, np.convolve(a.data, v.data, mode="same"))
    out.sum().backward()
    assert a.grad.dtype == np.float32 and v.grad.dtype == np.float32
    mixed = np.correlate(a, cr.tensor([1.0, 2.0]))  # float32 with float64: float64, as NumPy
    assert mixed.dtype == np.float64
    # a 0-d input is a sequence of one for convolve (NumPy's ndmin=1)
    s = cr.tensor(2.0, requires_grad=True)
    out = np.convolve(s, cr.tensor([1.0, -3.0]))
    assert out.shape == (2,) and np.array_equal(out.data, [2.0, -6.0])
    out.sum().backward()
    assert s.grad.shape == () and s.grad == -2.0
    # d/da sum(conv(a, v)**2) is linear in a: its derivative along a is 2 * conv's Gram matrix
    x = cr.tensor([1.0, -2.0, 0.5], requires_grad=True)
    k = np.array([1.0, 2.0])
    f = lambda x: (np.convolve(x, k) ** 2).sum()  # noqa: E731
    hess = cr.hessian(f)(x.data)
    full = np.array([np.convolve(e, k) for e in np.eye(3)])  # rows: conv of each basis vector
    np.testing.assert_allclose(np.asarray(hess), 2 * full @ full.T, rtol=1e-12)


def test_convolve_refusals() -> None:
    t = cr.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match="cannot be empty"):
        np.convolve(t, np.array([]))
    with pytest.raises(ValueError, match="cannot be empty"):
        np.correlate(np.array([]), t)
    with pytest.raises(ValueError, match="too deep"):
        np.convolve(cr.tensor(np.ones((2, 2))), t)
    with pytest.raises(ValueError, match="too small depth"):
        np.correlate(cr.tensor(1.0), t)
    with pytest.raises(ValueError, match="mode"):
        np.convolve(t, t, mode="wide")


# -- interp ---------------------------------------------------------------------------------------------
XP = np.array([0.0, 1.0, 3.0, 4.0])
FP = np.array([1.0, 3.0, 2.0, -1.0])


def test_interp_values_dtype_and_knot_convention() -> None:
    x = cr.tensor(np.array([-1.0, 0.0, 0.5, 1.0, 3.0, 4.0, 5.0], dtype=np.float32), requires_grad=True)
    fp = cr.tensor(FP.astype(np.float32), requires_grad=True)
    out = np.interp(x, XP, fp)
    expected = np.interp(x.data, XP, fp.data)
    assert out.dtype == np.float64 and np.array_equal(out.data, expected)  # NumPy's interp gives float64
    out.sum().backward()
    assert x.grad.dtype == np.float32 and fp.grad.dtype == np.float32
    # outside: 0; at a knot: the slope of the segment to its right; at xp[-1]: the last segment's (as JAX)
    np.testing.assert_array_equal(x.grad, [0.0, 2.0, 2.0, -0.5, -3.0, -3.0, 0.0])
    # fp: x=-1 and 0 -> fp[0]; 0.5 -> half each of fp[0], fp[1]; 1 -> fp[1]; 3 -> fp[2]; 4 and 5 -> fp[3]
    np.testing.assert_array_equal(fp.grad, [2.5, 1.5, 1.0, 2.0])


def test_interp_left_right_and_jax_reference() -> None:
    x = np.array([-2.0, 0.3, 2.2, 3.9, 6.0])
    _, (gx, gfp), w = _grads(lambda x, fp: np.interp(x, XP, fp, left=10.0, right=-10.0), x, FP)
    assert gx[0] == 0.0 and gx[-1] == 0.0
    # the outside points take the constants: no gradient reaches fp from them
    np.testing.assert_allclose(gfp, _fd(lambda f: np.sum(np.interp(x, XP, f, 10.0, -10.0) * w), FP))
    inner = np.array([0.3, 2.2, 3.9])
    _, (gx, _), w = _grads(lambda x, fp: np.interp(x, XP, fp), inner, FP)
    np.testing.assert_allclose(gx, w * np.array([2.0, -0.5, -3.0]))


def test_interp_periodic() -> None:
    xp, fp = np.array([350.0, 10.0, 180.0]), np.array([1.0, 2.0, -1.0])
    x = np.array([-20.0, 5.0, 100.0, 355.0, 725.0])
    out, (gx, gfp), w = _grads(lambda x, f: np.interp(x, xp, f, period=360), x, fp)
    assert np.array_equal(out.data, np.interp(x, xp, fp, period=360))
    np.testing.assert_allclose(gx, _fd(lambda y: np.sum(np.interp(y, xp, fp, period=360) * w), x))
    np.testing.assert_allclose(gfp, _fd(lambda f: np.sum(np.interp(x, xp, f, period=360) * w), fp))
    with pytest.raises(ValueError, match="period"):
        np.interp(cr.tensor(x), xp, fp, period=0)


def test_interp_second_order_mixed() -> None:
    # d/dfp of d/dx: the slope depends on fp, so the mixed derivative is (e_j+1 - e_j) / dx
    def f(x, fp):
        return np.interp(x, XP, fp).sum()

    mixed = cr.grad(lambda fp: cr.grad(f, argnums=0)(np.array([2.0]), fp).sum())(FP)
    np.testing.assert_allclose(mixed, [0.0, -0.5, 0.5, 0.0])  # d slope / d fp on the segment [1, 3]
    hx = cr.hessian(f, argnums=0)(np.array([2.0, 0.5]), FP)
    np.testing.assert_array_equal(hx, np.zeros((2, 2)))  # piecewise linear in x


def test_interp_nan_x_gives_nan_slope() -> None:
    # np.interp(nan, xp, fp) is NaN (two knots or more): its slope was 0, chainrule's rule for NaN inputs is NaN.
    # With one knot NumPy gives fp[0] at NaN too, a constant: slope 0
    x = np.array([np.nan, 0.5, 1.5])
    g = cr.grad(lambda x_: np.interp(x_, [0.0, 1.0, 2.0], np.array([0.0, 1.0, 4.0])).sum())(x)
    assert np.isnan(g[0]) and np.array_equal(g[1:], [1.0, 3.0])
    _, t = cr.jvp(lambda x_: np.interp(x_, [0.0, 1.0, 2.0], np.array([0.0, 1.0, 4.0]), period=3), (x,), (np.ones(3),))
    assert np.isnan(t[0]) and np.array_equal(t[1:], [1.0, 3.0])
    assert np.interp(np.nan, [1.0], [5.0]) == 5.0
    assert np.array_equal(cr.grad(lambda x_: np.interp(x_, [1.0], [5.0]).sum())(x), [0.0, 0.0, 0.0])


def test_interp_refusals() -> None:
    xp = cr.tensor(XP, requires_grad=True)
    with pytest.raises(UnsupportedArgumentError, match="xp"):
        np.interp(cr.tensor([0.5]), xp, FP)
    with pytest.raises(UnsupportedArgumentError, match="left"):
        np.interp(cr.tensor([0.5]), XP, FP, left=cr.tensor(1.0, requires_grad=True))
    # a constant tensor xp is read as values
    out = np.interp(cr.tensor([0.5], requires_grad=True), cr.tensor(XP), FP)
    assert np.array_equal(out.data, np.interp([0.5], XP, FP))
    with pytest.raises(ValueError, match="same length"):
        np.interp(cr.tensor([0.5]), XP, cr.tensor([1.0, 2.0]))
    with pytest.raises(ValueError, match="empty"):
        np.interp(cr.tensor([0.5]), [], cr.tensor(np.zeros(0)))


# -- polyval, vander --------------------------------------------------------------------------------------
def test_polyval_values_dtype_and_gradients() -> None:
    p = np.array([2.0, -1.0, 0.5, 3.0])
    x = np.array([[0.0, 1.5], [-2.0, 0.3]])
    out, (gp, gx), w = _grads(np.polyval, p, x)
    assert np.array_equal(out.data, np.polyval(p, x))
    np.testing.assert_allclose(gx, w * np.polyval(np.polyder(p), x), rtol=1e-12)
    np.testing.assert_allclose(gp, [np.sum(w * x**k) for k in (3, 2, 1, 0)], rtol=1e-12)
    x32 = cr.tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    assert np.polyval(cr.tensor(p.astype(np.float32)), x32).dtype == np.float32
    assert np.polyval(p, x32).dtype == np.float64  # float64 coefficients promote, as in NumPy
    assert np.polyval(np.poly1d(p), cr.tensor(2.0)).data == np.polyval(p, 2.0)
    with pytest.raises(TypeError, match="0-d"):
        np.polyval(cr.tensor(1.0), x32)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the overflow to inf, NumPy's too
def test_polyval_gradient_where_the_value_overflows() -> None:
    # polyval([1, 0, 3], 1e200) is inf (NumPy's too), its slope 2e200; Horner's first step 0 * x was recorded and
    # gave 0 * inf = NaN. PyTorch's x**2 + 3 gives 2e200
    x = np.array([0.0, 1e200, -1e200, 2.0])
    p = np.array([1.0, 0.0, 3.0])
    out = np.polyval(p, cr.tensor(x))
    assert np.array_equal(out.data, np.polyval(p, x))
    assert np.array_equal(cr.grad(lambda x_: np.polyval(p, x_).sum())(x), [0.0, 2e200, -2e200, 4.0])
    _, t = cr.jvp(lambda x_: np.polyval(p, x_), (x,), (np.ones(4),))
    assert np.array_equal(t, [0.0, 2e200, -2e200, 4.0])
    # no coefficients: NumPy's zeros_like(x), a tensor without gradient
    empty = np.polyval(cr.tensor(np.zeros(0)), cr.tensor(x))
    assert isinstance(empty, cr.Tensor) and np.array_equal(empty.data, np.polyval(np.zeros(0), x))


def test_vander_values_and_gradients() -> None:
    x = np.array([0.0, -1.5, 2.0, 0.7])
    for kw in ({}, {"N": 6}, {"N": 3, "increasing": True}, {"N": 1}):
        out, (gx,), w = _grads(lambda t: np.vander(t, **kw), x)
        assert np.array_equal(out.data, np.vander(x, **kw)) and out.dtype == np.float64
        np.testing.assert_allclose(gx, _fd(lambda y: np.sum(np.vander(y, **kw) * w), x), atol=1e-8)
    assert np.vander(cr.tensor(np.ones(2, np.float32)), 2).dtype == np.float64  # promoted with int, as NumPy
    assert np.vander(cr.tensor(x), 0).shape == (4, 0)
    assert np.vander(cr.tensor(np.zeros(0)), None).shape == (0, 0)
    ints = np.vander(cr.tensor([1, 2, 3]), 3)
    assert ints.dtype == np.vander([1, 2, 3]).dtype and not ints.requires_grad
    with pytest.raises(ValueError, match="one-dimensional"):
        np.vander(cr.tensor(np.ones((2, 2))))
