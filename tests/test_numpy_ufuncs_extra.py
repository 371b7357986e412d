"""NumPy's remaining elementwise functions called on tensors (``np.arcsinh(t)``, ``np.fmod(t, 2)``, ``np.modf(t)`` ...)
and the ufunc keyword arguments ``dtype=``, ``out=`` and ``where=``. The catalogue checks every gradient against finite
differences; here: the NumPy route, domain edges, dtypes, 0-d and empty inputs, refusals."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import chainrule as cr
from chainrule.errors import InplaceError, UnsupportedOperationError


def _grad(f, *arrays, wrt=0):
    ts = [cr.tensor(a, requires_grad=i == wrt) for i, a in enumerate(arrays)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        out = f(*ts)
        out.sum().backward()
    return out, ts[wrt].grad


# -- inverse hyperbolics -----------------------------------------------------------------------------------
@pytest.mark.parametrize("f", [np.arcsinh, np.arccosh, np.arctanh, np.asinh, np.acosh, np.atanh])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_inverse_hyperbolics_match_numpy_and_keep_dtype(f, dtype) -> None:
    x = np.array([-0.9, -0.3, 0.0, 0.4, 0.99, 1.0, 1.5, 30.0]).astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        got, expected = f(cr.tensor(x)), f(x)
    assert isinstance(got, cr.Tensor) and got.dtype == expected.dtype == dtype
    np.testing.assert_array_equal(got.data, expected)


def test_inverse_hyperbolics_of_integers_are_float64_and_0d_and_empty_work() -> None:
    assert np.arcsinh(cr.tensor(np.arange(3))).dtype == np.float64
    out, g = _grad(np.arcsinh, np.array(0.5))
    assert out.shape == () and g.shape == () and g == pytest.approx(1 / np.sqrt(1.25), rel=1e-15)
    out, g = _grad(np.arctanh, np.zeros((0, 2)))
    assert out.shape == (0, 2) and g.shape == (0, 2)


def test_inverse_hyperbolic_slopes_at_and_beyond_the_domain_edges() -> None:
    _, g = _grad(np.arccosh, np.array([1.0, 0.5, 2.0]))
    assert g[0] == np.inf and np.isnan(g[1]) and g[2] == pytest.approx(1 / np.sqrt(3), rel=1e-15)
    _, g = _grad(np.arctanh, np.array([-1.0, 1.0, 2.0, -3.0, 0.5]))
    assert g[0] == np.inf and g[1] == np.inf and np.isnan(g[2]) and np.isnan(g[3])
    assert g[4] == pytest.approx(4 / 3, rel=1e-15)
    # asinh' = 1 / sqrt(x**2 + 1) without x * x overflowing
    _, g = _grad(np.arcsinh, np.array([1e200, -1e300]))
    np.testing.assert_allclose(g, [1e-200, 1e-300], rtol=1e-15)
    _, g = _grad(np.arcsinh, np.array([1e30], dtype=np.float32))
    assert g.dtype == np.float32 and g[0] == pytest.approx(1e-30, rel=1e-6)


def test_arccosh_near_one_is_accurate() -> None:
    x = 1.0 + 1e-10
    _, g = _grad(np.arccosh, np.array(x))
    assert float(g) == pytest.approx(1 / np.sqrt((x - 1) * (x + 1)), rel=1e-6)


# -- fmod, float_power, heaviside, ldexp, nextafter ------------------------------------------------------
def test_fmod_gradients_use_the_truncated_quotient() -> None:
    x, y = np.array([5.3, -5.3, 5.3, 0.3, 2.0]), np.array([2.0, 2.0, -2.0, 0.1, np.inf])
    out, gx = _grad(np.fmod, x, y, wrt=0)
    np.testing.assert_array_equal(out.data, np.fmod(x, y))
    np.testing.assert_array_equal(gx, np.ones(5))
    _, gy = _grad(np.fmod, x, y, wrt=1)
    # fmod(0.3, 0.1) = 0.0999..., made with the quotient 2 (0.3 / 0.1 = 2.9999999999999996); by inf: 0
    np.testing.assert_array_equal(gy, [-2.0, 2.0, 2.0, -2.0, 0.0])


def test_fmod_broadcasts_and_keeps_float32() -> None:
    x = np.array([[1.7, -2.2, 3.1]], dtype=np.float32)
    y = np.array([[0.5], [-0.8]], dtype=np.float32)
    out, gy = _grad(np.fmod, x, y, wrt=1)
    assert out.dtype == np.float32 and gy.dtype == np.float32 and gy.shape == (2, 1)
    np.testing.assert_array_equal(out.data, np.fmod(x, y))
    np.testing.assert_array_equal(gy[:, 0], -np.trunc(x / y).sum(axis=1))


def test_float_power_computes_in_float64_with_powers_conventions() -> None:
    x = np.array([0.0, -2.0, 0.0, -2.0, 1.5, 2.0], dtype=np.float32)
    y = np.array([0.0, 3.0, 2.0, 2.5, 1.2, -1.0], dtype=np.float32)
    tx, ty = cr.tensor(x, requires_grad=True), cr.tensor(y, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        out = np.float_power(tx, ty)
        out.sum().backward()
        px, py = (
            cr.tensor(x.astype(np.float64), requires_grad=True),
            cr.tensor(y.astype(np.float64), requires_grad=True),
        )
        (px**py).sum().backward()
        expected = np.float_power(x, y)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out.data, expected)
    assert tx.grad.dtype == ty.grad.dtype == np.float32
    np.testing.assert_array_equal(tx.grad, px.grad.astype(np.float32))
    np.testing.assert_array_equal(ty.grad, py.grad.astype(np.float32))
    assert tx.grad[0] == 0 and tx.grad[1] == 12 and ty.grad[1] == 0  # x**0, (-2)**3


def test_float_power_forward_is_numpys_own_loop() -> None:
    # np.power in float64 differs from np.float_power by an ulp here and there: chainrule calls float_power
    x = np.random.default_rng(0).uniform(0.1, 3, 2000)
    y = np.random.default_rng(1).uniform(-3, 3, 2000)
    np.testing.assert_array_equal(cr.float_power(cr.tensor(x), cr.tensor(y)).data, np.float_power(x, y))
    assert np.float_power(cr.tensor(np.arange(3)), 2).dtype == np.float64


def test_heaviside_gradient_goes_to_h0_where_x_is_zero() -> None:
    x = np.array([-1.0, 0.0, 2.0, 0.0, np.nan])
    h = cr.tensor(np.array([0.3, 0.5, 0.7, 0.9, 0.1]), requires_grad=True)
    tx = cr.tensor(x, requires_grad=True)
    out = np.heaviside(tx, h)
    np.testing.assert_array_equal(out.data, np.heaviside(x, h.data))
    out.sum().backward()
    np.testing.assert_array_equal(h.grad, [0.0, 1.0, 0.0, 1.0, 0.0])
    np.testing.assert_array_equal(tx.grad, np.zeros(5))
    h0 = cr.tensor(0.5, requires_grad=True)  # a broadcast h0 sums the places where x == 0
    np.heaviside(tx, h0).sum().backward()
    assert float(h0.grad) == 2.0


def test_ldexp_gradient_is_two_to_the_exponent() -> None:
    x = np.array([1.5, -2.5, 0.75], dtype=np.float32)
    i = np.array([3, -1, 0])
    out, g = _grad(np.ldexp, x, i)
    assert out.dtype == g.dtype == np.float32
    np.testing.assert_array_equal(out.data, np.ldexp(x, i))
    np.testing.assert_array_equal(g, [8.0, 0.5, 1.0])
    with pytest.raises(TypeError):  # NumPy has no float exponent: nothing to differentiate
        np.ldexp(cr.tensor(x), cr.tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True))


def test_nextafter_spacing_signbit_fix() -> None:
    x = np.array([-2.5, -0.0, 0.0, 1.0, np.inf], dtype=np.float32)
    out, gx = _grad(np.nextafter, x, np.float32(0.5), wrt=0)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out.data, np.nextafter(x, np.float32(0.5)))
    np.testing.assert_array_equal(gx, np.ones(5))
    _, gy = _grad(np.nextafter, x, np.full(5, 0.5), wrt=1)
    np.testing.assert_array_equal(gy, np.zeros(5))
    t = cr.tensor(x, requires_grad=True)
    for f in (np.spacing, np.signbit, np.fix):
        got = f(t)
        assert not got.requires_grad
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            np.testing.assert_array_equal(got.data, f(x))
        assert got.dtype == f(x).dtype
    assert np.fix(cr.tensor(np.arange(3))).dtype == np.fix(np.arange(3)).dtype
    with pytest.raises(UnsupportedOperationError, match="fix"):
        np.fix(t, out=cr.tensor(np.zeros(5)))


# -- two outputs --------------------------------------------------------------------------------------------
def test_modf_frexp_divmod_return_two_tensors_equal_to_numpys() -> None:
    x = np.array([-2.0, -0.5, 0.0, 3.75, np.inf, -np.inf, np.nan])
    t = cr.tensor(x, requires_grad=True)
    for f, args in ((np.modf, ()), (np.frexp, ()), (np.divmod, (1.5,))):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            got, expected = f(t, *args), f(x, *args)
        assert isinstance(got, tuple) and len(got) == 2
        for a, b in zip(got, expected, strict=True):
            assert isinstance(a, cr.Tensor) and a.dtype == b.dtype
            np.testing.assert_array_equal(a.data, b)
            np.testing.assert_array_equal(np.signbit(a.data), np.signbit(b))  # -0.0 kept
        assert got[0].requires_grad is (f is not np.divmod) and got[1].requires_grad is (f is np.divmod)


def test_two_output_gradients() -> None:
    x = np.array([3.0, -0.3, 0.0, 5.5], dtype=np.float32)
    t = cr.tensor(x, requires_grad=True)
    frac, _ = np.modf(t)
    frac.sum().backward()
    assert t.grad.dtype == np.float32
    np.testing.assert_array_equal(t.grad, np.ones(4))
    t.grad = None
    m, e = np.frexp(t)
    assert e.dtype == np.int32 and not e.requires_grad
    m.sum().backward()
    np.testing.assert_array_equal(t.grad, np.ldexp(np.float32(1), -np.frexp(x)[1]))
    y = cr.tensor(np.array([[1.5], [-0.7]]), requires_grad=True)
    q, r = np.divmod(cr.tensor(x.astype(np.float64)), y)
    assert q.shape == r.shape == (2, 4)
    r.sum().backward()
    np.testing.assert_array_equal(y.grad[:, 0], -np.floor_divide(x.astype(np.float64), y.data).sum(axis=1))
    assert cr.modf(cr.tensor(1.25))[0].shape == ()


@pytest.mark.parametrize("name", ["arcsinh", "arccosh", "arctanh", "fmod", "float_power", "nextafter", "ldexp"])
def test_gradients_agree_with_pytorch(name: str) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(11)
    lo = {"arccosh": 1.05, "arctanh": -0.95}.get(name, -3.0)
    hi = {"arctanh": 0.95}.get(name, 3.0)
    x = rng.uniform(lo, hi, 50)
    if name == "float_power":
        x = np.abs(x) + 0.1
    y = rng.integers(0, 6, 50) if name == "ldexp" else rng.uniform(0.5, 2.0, 50) * rng.choice([-1, 1], 50)
    args = (x,) if name in ("arcsinh", "arccosh", "arctanh") else (x, y)
    ts = [cr.tensor(a, requires_grad=a.dtype.kind == "f") for a in args]
    getattr(np, name)(*ts).sum().backward()
    pts = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in args]
    getattr(torch, name)(*pts).sum().backward()
    for t, p in zip(ts, pts, strict=True):
        if p.requires_grad:
            np.testing.assert_allclose(t.grad, p.grad.numpy(), rtol=1e-13, atol=1e-15)


# -- keyword arguments: dtype=, out=, where= --------------------------------------------------------------------
def test_dtype_casts_the_inputs_as_numpy_does() -> None:
    x = np.array([0.5, 1.0, 3.0])
    t = cr.tensor(x, requires_grad=True)
    out = np.exp(t, dtype=np.float32)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out.data, np.exp(x, dtype=np.float32))
    out.sum().backward()
    assert t.grad.dtype == np.float64
    np.testing.assert_array_equal(t.grad, np.exp(x.astype(np.float32)).astype(np.float64))
    assert np.add(cr.tensor(np.float32([1.0])), 2, dtype=np.float16).dtype == np.float16
    assert np.arcsinh(cr.tensor(np.arange(3)), dtype=np.float32).dtype == np.float32
    q, r = np.modf(cr.tensor(np.float32([1.5])), dtype=np.float64)
    assert q.dtype == r.dtype == np.float64
    np.testing.assert_array_equal(np.multiply(t, x, dtype=np.float64).data, x * x)


def test_dtype_refusals() -> None:
    t = cr.tensor(np.array([0.5, 1.0]), requires_grad=True)
    with pytest.raises(UnsupportedOperationError, match="only floating dtypes"):
        np.exp(t, dtype=np.int64)
    with pytest.raises(TypeError, match="No loop"):  # NumPy's own error: a comparison has no float loop
        np.less(t, t, dtype=np.float64)


def test_out_tensor_is_written_in_place_and_recorded() -> None:
    x = cr.tensor(np.array([0.5, 1.0, 3.0]), requires_grad=True)
    o = cr.tensor(np.zeros(3))
    res = np.exp(x * 2.0, out=o)
    assert res is o and o.requires_grad
    np.testing.assert_array_equal(o.data, np.exp(x.data * 2))
    o.sum().backward()
    np.testing.assert_allclose(x.grad, 2 * np.exp(2 * x.data), rtol=1e-15)
    # a tuple, as NumPy passes it; NumPy arrays as inputs with a tensor out
    o2 = cr.tensor(np.zeros(3, dtype=np.float32))
    res = np.add(np.ones(3), np.arange(3.0), out=(o2,))
    assert res is o2 and o2.dtype == np.float32
    np.testing.assert_array_equal(o2.data, [1, 2, 3])
    # two outputs, one of them written
    o3 = cr.tensor(np.zeros(3))
    frac, whole = np.modf(x * 1.0, out=(o3, None))
    assert frac is o3 and not whole.requires_grad
    np.testing.assert_array_equal(o3.data, np.modf(x.data)[0])


def test_where_with_out_keeps_the_masked_out_values() -> None:
    x = cr.tensor(np.array([0.5, 1.0, 3.0]), requires_grad=True)
    o = cr.tensor(np.array([7.0, 8.0, 9.0]))
    np.exp(x * 1.0, out=(o,), where=np.array([True, False, True]))
    np.testing.assert_array_equal(o.data, [np.exp(0.5), 8.0, np.exp(3.0)])
    o.sum().backward()
    np.testing.assert_array_equal(x.grad, [np.exp(0.5), 0.0, np.exp(3.0)])


def test_out_and_where_refusals() -> None:
    x = cr.tensor(np.array([0.5, 1.0]), requires_grad=True)
    with pytest.raises(UnsupportedOperationError, match="out=array"):
        np.exp(x, out=np.zeros(2))
    with pytest.raises(InplaceError):  # a leaf that requires a gradient cannot be overwritten
        np.exp(x, out=x)
    with pytest.raises(UnsupportedOperationError, match="where="):
        np.exp(x, where=np.array([True, False]))
    with pytest.raises(UnsupportedOperationError, match="casting"):
        np.exp(x, out=cr.tensor(np.zeros(2, dtype=np.int64)))
    with pytest.raises(UnsupportedOperationError, match="signature"):
        np.exp(x, signature=(None, np.float32))


def test_out_that_views_another_tensor_is_refused() -> None:
    # NumPy's out=a[1:3] writes through the view into a; a tensor's slice copies on its first in-place change, so
    # np.exp(x, out=t[1:3]) left t unchanged without a word. Refused, naming the way that works (t[1:3] = ...)
    x = cr.tensor(np.array([0.5, 1.0]), requires_grad=True)
    t = cr.tensor(np.zeros((2, 3)))
    for view in (t[0, 1:3], t.T[1:3, 0], cr.expand_dims(t[0], 0)[0, :2]):
        with pytest.raises(UnsupportedOperationError, match=r"t\[index\] = np.exp"):
            np.exp(x, out=view)
    assert np.array_equal(t.data, np.zeros((2, 3)))
    first = cr.tensor(np.zeros(2))
    with pytest.raises(UnsupportedOperationError, match="shares memory"):
        np.divmod(x, 2.0, out=(first, t[1, :2]))
    with pytest.raises(UnsupportedOperationError, match="out=array"):
        np.divmod(x, 2.0, out=(first, np.zeros(2)))
    assert np.array_equal(first.data, [0.0, 0.0])  # nothing written where one of the outputs is refused
    t[0, 1:3] = np.exp(x)  # the way that works, with the gradient
    t.sum().backward()
    np.testing.assert_allclose(x.grad, np.exp([0.5, 1.0]))


# -- nan_to_num, real, imag, real_if_close, angle, round with decimals, i0 --------------------------------------
def test_nan_to_num_passes_the_gradient_where_finite() -> None:
    x = np.array([1.5, np.nan, np.inf, -np.inf, -0.25], dtype=np.float32)
    t = cr.tensor(x, requires_grad=True)
    for kwargs in ({}, {"nan": 3.0, "posinf": 9.0}, {"neginf": -1e3}):
        t.grad = None
        out = np.nan_to_num(t, **kwargs)
        assert out.dtype == np.float32
        np.testing.assert_array_equal(out.data, np.nan_to_num(x, **kwargs))
        out.sum().backward()
        np.testing.assert_array_equal(t.grad, [1.0, 0.0, 0.0, 0.0, 1.0])
    ints = np.nan_to_num(cr.tensor(np.arange(3)))
    assert ints.dtype == np.int64 and not ints.requires_grad
    assert np.nan_to_num(cr.tensor(np.nan)).shape == ()
    assert np.nan_to_num(cr.tensor(np.zeros((0, 3)))).shape == (0, 3)
    with pytest.raises(cr.UnsupportedArgumentError, match="copy=False"):
        np.nan_to_num(t, copy=False)
    with pytest.raises(cr.UnsupportedArgumentError, match="nan="):
        np.nan_to_num(t, nan=cr.tensor(1.0, requires_grad=True))


def test_real_imag_real_if_close_angle_on_real_tensors() -> None:
    x = np.array([-1.5, -0.0, 0.0, 2.0], dtype=np.float32)
    t = cr.tensor(x, requires_grad=True)
    assert np.real(t) is t and np.real_if_close(t) is t
    im, ang, deg = np.imag(t), np.angle(t), np.angle(t, deg=True)
    for got, expected in ((im, np.imag(x)), (ang, np.angle(x)), (deg, np.angle(x, deg=True))):
        assert isinstance(got, cr.Tensor) and not got.requires_grad and got.dtype == expected.dtype
        np.testing.assert_array_equal(got.data, expected)
    assert np.angle(cr.tensor(np.arange(-1, 2))).dtype == np.float64


def test_round_with_decimals_is_numpys_and_carries_no_gradient() -> None:
    x = np.array([1.23456, -7.891011, 0.005, 2.675, 1234.5], dtype=np.float32)
    t = cr.tensor(x, requires_grad=True)
    for decimals in (2, 1, -1, -2, 0):
        for f in (np.round, np.around):
            got = f(t, decimals)
            assert got.dtype == np.float32 and not got.requires_grad
            np.testing.assert_array_equal(got.data, f(x, decimals))
    np.testing.assert_array_equal(np.round(cr.tensor(np.arange(5) * 137), -2).data, np.round(np.arange(5) * 137, -2))
    assert t.round(2).data.tolist() == np.round(x, 2).tolist()
    with pytest.raises(UnsupportedOperationError, match="out="):
        np.round(t, 2, out=cr.tensor(np.zeros(5)))


def test_i1_matches_scipy() -> None:
    special = pytest.importorskip("scipy.special")
    x = np.concatenate([np.linspace(-30, 30, 60001), np.geomspace(1e-300, 700, 20001), [0.0, -0.0, 8.0, 8.0000001]])
    got, expected = cr.i1(cr.tensor(x)).data, special.i1(x)
    np.testing.assert_allclose(got, expected, rtol=2.5e-15, atol=0)
    assert np.signbit(cr.i1(cr.tensor(-0.0)).data) and cr.i1(cr.tensor(-2.0)).data < 0
    # beyond 709.8 exp(x) overflows, where I1 is still finite up to 713.9 (SciPy already gives inf there)
    assert np.isfinite(cr.i1(cr.tensor(712.0)).data)


def test_i0_gradients_to_second_order() -> None:
    x = np.array([0.0, 1e-9, -0.5, 3.0, 8.0, -9.5, 40.0])
    t = cr.tensor(x, requires_grad=True)
    out = np.i0(t)
    np.testing.assert_array_equal(out.data, np.i0(x))
    gi0 = cr.grad(lambda s: cr.sum(cr.i0(s)))(x)
    gi1 = cr.grad(lambda s: cr.sum(cr.i1(s)))(x)
    np.testing.assert_allclose(gi0, cr.i1(cr.tensor(x)).data, rtol=1e-15)
    # I1' = I0 - I1 / x, 1/2 at 0 (also the limit at 1e-9)
    expected = np.where(x == 0, 0.5, np.i0(x) - cr.i1(cr.tensor(np.where(x == 0, 1, x))).data / np.where(x == 0, 1, x))
    np.testing.assert_allclose(gi1, expected, rtol=1e-14)
    assert gi1[0] == 0.5 and gi1[1] == pytest.approx(0.5, abs=1e-15)
    h = cr.hessian(lambda s: cr.sum(cr.i0(s)))(x)
    np.testing.assert_allclose(np.diag(np.asarray(h)), gi1, rtol=1e-14)
    assert np.i0(cr.tensor(np.float32([1.0]))).dtype == np.float32
    assert np.i0(cr.tensor(np.zeros((0, 2)))).shape == (0, 2)


def test_i0_gradient_agrees_with_pytorch() -> None:
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(4).uniform(-20, 20, 200)
    ours = cr.grad(lambda s: cr.sum(cr.i0(s)))(x)
    p = torch.tensor(x, requires_grad=True)
    torch.i0(p).sum().backward()
    np.testing.assert_allclose(ours, p.grad.numpy(), rtol=3e-15)
