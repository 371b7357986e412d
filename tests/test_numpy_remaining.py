"""NumPy's remaining differentiable functions called on tensors: np.rollaxis, np.unwrap, np.linspace,
np.logspace, np.geomspace (ops/ranges.py), the np.poly* helpers (ops/polyutils.py) and the 1-D set operations
(ops/setops.py). Values, dtypes and errors as NumPy's; gradients against hand-derived ones and finite differences."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import chainrule as cr
from chainrule.errors import UnsupportedArgumentError


def _t(a, grad=True):
    a = np.asarray(a)
    return cr.tensor(a, requires_grad=grad and a.dtype.kind == "f")


def _same(got, want):
    got = got.numpy() if isinstance(got, cr.Tensor) else np.asarray(got)
    want = np.asarray(want)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    assert got.shape == want.shape, (got.shape, want.shape)
    assert np.array_equal(got, want, equal_nan=True), (got, want)


def _fd(f, x, eps=1e-6):
    """Central differences of the scalar sum(f(x) * w) for a fixed random w."""
    x = np.asarray(x, dtype=float)
    w = np.random.default_rng(1).normal(size=np.shape(f(x)))
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        d = np.zeros_like(x)
        d[i] = eps
        g[i] = (np.sum(f(x + d) * w) - np.sum(f(x - d) * w)) / (2 * eps)
    return g, w


def _grad(f, x, w):
    t = _t(x)
    (f(t) * w).sum().backward()
    return t.grad


# -- rollaxis, unwrap ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("axis", range(-3, 3))
@pytest.mark.parametrize("start", range(-3, 4))
def test_rollaxis_matches_numpy(axis, start):
    a = np.arange(24.0).reshape(2, 3, 4)
    t = _t(a)
    out = np.rollaxis(t, axis, start)
    _same(out, np.rollaxis(a, axis, start))
    w = np.random.default_rng(0).normal(size=out.shape)
    (out * w).sum().backward()
    back = np.empty_like(a)
    np.rollaxis(back, axis, start)[...] = w  # the gradient is w moved back where each element came from
    np.testing.assert_array_equal(t.grad, back)


def test_rollaxis_errors_and_dtypes():
    t = _t(np.ones((2, 3), np.float32))
    assert np.rollaxis(t, 1).dtype == np.float32
    with pytest.raises(np.exceptions.AxisError):
        np.rollaxis(t, 2)
    with pytest.raises(np.exceptions.AxisError):
        np.rollaxis(t, 0, 4)
    _same(np.rollaxis(_t(np.zeros((0, 3))), 1), np.zeros((3, 0)))


PHASES = [
    np.cumsum([0.3, 2.9, -3.5, 4.1, 0.2, -6.9, np.pi, -np.pi]),
    np.array([0.0, np.pi, 0.0, -np.pi, 0.0]),  # jumps of exactly period / 2: NumPy's sign rule
    np.cumsum(np.random.default_rng(3).normal(scale=4, size=(3, 9)), axis=1),
]


@pytest.mark.parametrize("p", PHASES)
@pytest.mark.parametrize(
    "kw", [{}, {"axis": 0}, {"discont": 1.0}, {"period": 3.0}, {"period": 5.0, "discont": 4.0}, {"period": 360}]
)
def test_unwrap_matches_numpy_bitwise(p, kw):
    for dtype in (np.float64, np.float32):
        pd = p.astype(dtype)
        _same(np.unwrap(_t(pd), **kw), np.unwrap(pd, **kw))
    t = _t(p)
    np.unwrap(t, **kw).sum().backward()
    np.testing.assert_array_equal(t.grad, np.ones_like(p))  # the corrections are constants


def test_unwrap_edges_and_errors():
    _same(np.unwrap(_t(np.zeros(0))), np.unwrap(np.zeros(0)))
    _same(np.unwrap(_t(np.array([1.5]))), np.array([1.5]))
    _same(np.unwrap(_t(np.array([0, 5, 10, 3]))), np.unwrap(np.array([0, 5, 10, 3])))  # integers: float64, constant
    with pytest.raises(ValueError):
        np.unwrap(_t(np.array(1.0)))  # NumPy's diff needs an axis
    with pytest.raises(np.exceptions.AxisError):
        np.unwrap(_t(np.zeros(3)), axis=1)
    with pytest.raises(UnsupportedArgumentError):
        np.unwrap(_t(np.zeros(3)), period=_t(np.array(3.0)))


# -- linspace, logspace, geomspace -----------------------------------------------------------------------------
ENDS = [
    (np.array(1.0), np.array(3.5)),
    (np.array([0.0, 1.0, -2.0]), np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 7.0]])),
    (np.array([1.0, 2.0], np.float32), np.array([3.0, -1.0], np.float32)),
    (np.array([1.0, 0.0]), np.array([1.0 + 1e-300, 1e-320])),  # a step that underflows to 0: NumPy's other path
]


@pytest.mark.parametrize("ends", ENDS)
@pytest.mark.parametrize("num", [0, 1, 2, 7])
@pytest.mark.parametrize("endpoint", [True, False])
@pytest.mark.parametrize("axis", [0, -1])
def test_linspace_matches_numpy_bitwise(ends, num, endpoint, axis):
    s, e = ends
    for dtype in (None, np.float32, np.int64):
        got = np.linspace(_t(s), _t(e), num, endpoint, dtype=dtype, axis=axis)
        _same(got, np.linspace(s, e, num, endpoint, dtype=dtype, axis=axis))
    got, step = np.linspace(_t(s), e, num, endpoint, retstep=True, axis=axis)
    want, wstep = np.linspace(s, e, num, endpoint, retstep=True, axis=axis)
    _same(got, want)
    _same(step, wstep)
    _same(np.logspace(_t(s), _t(e), num, endpoint, axis=axis), np.logspace(s, e, num, endpoint, axis=axis))
    _same(np.logspace(s, _t(e), num, endpoint, 2.0, axis=axis), np.logspace(s, e, num, endpoint, 2.0, axis=axis))
    a, b = np.abs(s) + 0.5, np.abs(e) + 0.25
    for sign in (1, -1):
        _same(
            np.geomspace(_t(sign * a), _t(sign * b), num, endpoint, axis=axis),
            np.geomspace(sign * a, sign * b, num, endpoint, axis=axis),
        )


def test_linspace_gradients():
    # sample i is start + i * (stop - start) / div: d/dstart = 1 - i/div, d/dstop = i/div, the last sample is stop
    s, e = _t(np.array(2.0)), _t(np.array(5.0))
    out = np.linspace(s, e, 5)
    out.backward(np.arange(1.0, 6.0))
    frac = np.arange(5) / 4
    np.testing.assert_allclose(s.grad, np.sum((1 - frac) * np.arange(1.0, 6.0)))
    np.testing.assert_allclose(e.grad, np.sum(frac * np.arange(1.0, 6.0)))
    s, e = _t(np.array(2.0)), _t(np.array(5.0))
    _samples, step = np.linspace(s, e, 4, endpoint=False, retstep=True)
    step.backward()
    assert s.grad == -0.25 and e.grad == 0.25
    # num=1: the single sample is start
    s, e = _t(np.array(2.0)), _t(np.array(5.0))
    np.linspace(s, e, 1).sum().backward()
    assert s.grad == 1.0 and e.grad == 0.0
    # an integer dtype is floored: no gradient
    assert not np.linspace(_t(np.array(0.0)), _t(np.array(9.0)), 4, dtype=int).requires_grad


@pytest.mark.parametrize(
    "f",
    [
        lambda x: np.linspace(x[0], x[1:], 6, axis=-1),
        lambda x: np.linspace(x[:2], x[2:], 5, endpoint=False),
        lambda x: np.logspace(x[:2], x[2:], 5, base=3.0, axis=1),
        lambda x: np.logspace(x[0], x[1], 5, base=x[2:] + 2.0),
        lambda x: np.geomspace(x[:2] + 3.0, x[2:] + 4.0, 5),
        lambda x: np.geomspace(-(x[:2] + 3.0), -(x[2:] + 4.0), 6, endpoint=False),
    ],
)
def test_range_gradients_match_finite_differences(f):
    x = np.array([0.3, -0.4, 0.8, 1.1])
    fd, w = _fd(f, x)
    np.testing.assert_allclose(_grad(f, x, w), fd, rtol=1e-6, atol=1e-7)


def test_range_errors():
    t = _t(np.array(1.0))
    with pytest.raises(ValueError):
        np.linspace(t, 2.0, -1)
    with pytest.raises(TypeError):
        np.linspace(t, 2.0, 2.5)
    with pytest.raises(ValueError, match="zero"):
        np.geomspace(_t(np.array(0.0)), 1.0)
    with pytest.raises(UnsupportedArgumentError):
        np.geomspace(t, np.array(1j))
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _same(np.geomspace(t, -2.0, 4), np.geomspace(1.0, -2.0, 4))  # opposite signs: NaN inside, as NumPy
    assert (
        np.geomspace(_t(np.array([1.0, 2.0], np.float32)), 8.0, 3).dtype
        == np.geomspace(np.array([1.0, 2.0], np.float32), 8.0, 3).dtype
    )


# -- np.poly* helpers ------------------------------------------------------------------------------------------
COEFFS = [
    np.array([1.0, 2.0, 3.0]),
    np.array([0.0, 0.0, 1.5, -2.0]),  # leading zeros: polymul trims them (poly1d), polyadd does not
    np.array([0.0, 0.0]),
    np.array([], float),
    np.array([2.5]),
    np.array(3.0),
    np.array([1, 2, 3]),
    np.array([1.0, 2.0, 3.0], np.float32),
    np.array([0.7, -1.3, 2.2, 0.1, -0.4]),
]


def _route_same(f, *args, **kw):
    """f on tensors gives NumPy's values, dtype and shape, or NumPy's exception type."""
    try:
        want = f(*args, **kw)
    except Exception as e:  # NumPy's exception type, whatever it is
        with pytest.raises(type(e)):
            f(*[_t(a) for a in args], **kw)
        return
    got = f(*[_t(a) for a in args], **kw)
    if isinstance(want, tuple):
        for g, w in zip(got, want, strict=True):
            _same(g, w)
    else:
        _same(got, want)


@pytest.mark.parametrize("f", [np.polyadd, np.polysub, np.polymul])
def test_poly_binary_match_numpy(f):
    for a in COEFFS:
        for b in COEFFS:
            _route_same(f, a, b)


def test_polydiv_matches_numpy_bitwise():
    rng = np.random.default_rng(7)
    for i in range(150):
        u, v = rng.normal(size=rng.integers(1, 7)), rng.normal(size=rng.integers(1, 5))
        if i % 3 == 0:
            u = np.polymul(u, v)  # an exact division: NumPy trims the remainder's near-zero leading terms
        if i % 4 == 0:
            u, v = u.astype(np.float32), v.astype(np.float32)
        if i % 5 == 0:
            v = np.round(v * 3) + 0.5  # (never 0)
        _route_same(np.polydiv, u, v)
    _route_same(np.polydiv, np.array([1, 2, 3]), np.array([1, 2]))  # integers: float64 results
    _route_same(np.polydiv, np.array(3.0), np.array([2.0]))
    _route_same(np.polydiv, np.array([], float), np.array([2.0]))


@pytest.mark.parametrize("m", [0, 1, 2, 5])
def test_polyder_polyint_match_numpy(m):
    for p in COEFFS:
        _route_same(np.polyder, p, m)
        _route_same(np.polyint, p, m)
        if m:
            _route_same(np.polyint, p, m, np.arange(1.0, m + 1))
            _route_same(np.polyint, p, m, np.array([2.0]))


def test_poly_matches_numpy():
    for z in (np.array([1.0, -2.0, 0.5]), np.array([3.0]), np.array([1.0, 2.0], np.float32), np.array([1, 2, 3])):
        _route_same(np.poly, z)
    assert np.poly(_t(np.zeros(0))) == 1.0  # no zeros: NumPy's 1.0


@pytest.mark.parametrize(
    "f",
    [
        lambda x: np.polyadd(x[:2], x[2:]),
        lambda x: np.polysub(x[:3], x[3:]),
        lambda x: np.polymul(x[:2], x[2:]),
        lambda x: np.polyder(x, 2),
        lambda x: np.polyint(x[:3], 2, x[3:]),
        lambda x: np.polyint(x[:4], 3, x[4:]),
        lambda x: np.concatenate(np.polydiv(x, x[2:] + 2.0)),
        lambda x: np.polydiv(x, x[1:3] + 2.0)[0],
        lambda x: np.polydiv(x[:2], x + 2.0)[0] + np.polydiv(x[:2], x + 2.0)[1].sum(),
        lambda x: np.poly(x),
    ],
)
def test_poly_gradients_match_finite_differences(f):
    x = np.array([0.3, -0.4, 0.8, 1.1, -0.6])
    fd, w = _fd(f, x)
    np.testing.assert_allclose(_grad(f, x, w), fd, rtol=1e-6, atol=1e-7)


def test_poly_conventions():
    # polymul: the leading zeros NumPy trims get gradient 0 (its poly1d drops them)
    a, b = _t(np.array([0.0, 0.0, 2.0, 3.0])), _t(np.array([1.0, 4.0]))
    np.polymul(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad, [0.0, 0.0, 5.0, 5.0])
    # polydiv: u shorter than v gives a zero quotient; v still gets a (zero) gradient
    u, v = _t(np.array([1.0, 2.0])), _t(np.array([1.0, 2.0, 3.0]))
    q, r = np.polydiv(u, v)
    (q.sum() + r.sum()).backward()
    np.testing.assert_array_equal(u.grad, [1.0, 1.0])
    np.testing.assert_array_equal(v.grad, [0.0, 0.0, 0.0])


def test_poly_refusals_and_errors():
    t = _t(np.array([1.0, 2.0]))
    with pytest.raises(cr.errors.UnsupportedOperationError, match="complex"):
        np.roots(t)
    with pytest.raises(UnsupportedArgumentError, match="eigenvalues"):
        np.poly(_t(np.eye(2)))
    with pytest.raises(ValueError):
        np.poly(_t(np.ones((2, 3))))
    with pytest.raises(UnsupportedArgumentError, match="poly1d"):
        np.polyadd(np.poly1d([1.0, 2.0]), t)
    with pytest.raises(ValueError):
        np.polyder(t, -1)
    with pytest.raises(ValueError):
        np.polyint(t, 3, _t(np.array([1.0, 2.0])))
    with pytest.raises(ValueError):
        np.polymul(_t(np.ones((2, 2))), t)


# -- 1-D set operations ----------------------------------------------------------------------------------------
SET_CALLS = [
    (np.intersect1d, {}),
    (np.intersect1d, {"assume_unique": True}),
    (np.intersect1d, {"return_indices": True}),
    (np.union1d, {}),
    (np.setdiff1d, {}),
    (np.setdiff1d, {"assume_unique": True}),
    (np.setxor1d, {}),
    (np.setxor1d, {"assume_unique": True}),
]


def _bitwise(got, want):
    got = got.numpy() if isinstance(got, cr.Tensor) else np.asarray(got)
    _same(got, want)
    assert got.tobytes() == np.asarray(want).tobytes()  # -0.0 and 0.0 told apart


@pytest.mark.parametrize(("f", "kw"), SET_CALLS)
def test_set_operations_match_numpy_bitwise(f, kw):
    rng = np.random.default_rng(11)
    pool = np.array([0.0, -0.0, 1.5, 2.0, np.nan, -3.0, np.inf, 1.5])
    for i in range(120):
        a, b = rng.choice(pool, size=rng.integers(0, 7)), rng.choice(pool, size=rng.integers(0, 7))
        if i % 4 == 0:
            a = a.astype(np.float32)
        if i % 6 == 0 and b.size:
            b = b.reshape(-1, 1)
        if i % 9 == 0:
            a = np.array(2.0)  # 0-d
        want = f(a, b, **kw)
        got = f(_t(a), _t(b), **kw)
        if isinstance(want, tuple):
            _bitwise(got[0], want[0])
            for g, w in zip(got[1:], want[1:], strict=True):
                np.testing.assert_array_equal(g, w)
        else:
            _bitwise(got, want)


def test_set_operations_gradient_goes_to_the_first_occurrence():
    a, b = _t(np.array([3.0, 1.0, 3.0, 2.0])), _t(np.array([2.0, 5.0, 3.0, 2.0]))
    out = np.intersect1d(a, b)  # [2, 3]: read from a (its first 3 and its 2)
    _same(out, np.array([2.0, 3.0]))
    out.backward(np.array([10.0, 20.0]))
    np.testing.assert_array_equal(a.grad, [20.0, 0.0, 0.0, 10.0])
    np.testing.assert_array_equal(b.grad, [0.0, 0.0, 0.0, 0.0])
    a, b = _t(np.array([3.0, 1.0, 3.0])), _t(np.array([2.0, 5.0, 3.0, 2.0]))
    np.union1d(a, b).backward(np.array([1.0, 2.0, 3.0, 4.0]))  # [1, 2, 3, 5]
    np.testing.assert_array_equal(a.grad, [3.0, 1.0, 0.0])
    np.testing.assert_array_equal(b.grad, [2.0, 4.0, 0.0, 0.0])
    a, b = _t(np.array([3.0, 1.0, 3.0])), _t(np.array([2.0, 5.0, 3.0, 2.0]))
    np.setxor1d(a, b).backward(np.array([1.0, 2.0, 3.0]))  # [1, 2, 5]
    np.testing.assert_array_equal(a.grad, [0.0, 1.0, 0.0])
    np.testing.assert_array_equal(b.grad, [2.0, 3.0, 0.0, 0.0])
    a, b = _t(np.array([3.0, 1.0, 3.0])), _t(np.array([1.0]))
    out = np.setdiff1d(a, b)
    out.backward(np.array([5.0]))
    np.testing.assert_array_equal(a.grad, [5.0, 0.0, 0.0])
    assert b.grad is None  # ar2 only decides which values are kept


def test_set_operations_dtypes_and_constants():
    f32 = _t(np.array([1.0, 2.0, 3.0], np.float32))
    assert np.union1d(f32, f32).dtype == np.float32
    assert np.intersect1d(f32, _t(np.array([2.0]))).dtype == np.float64  # promoted, as NumPy
    assert np.setdiff1d(f32, _t(np.array([2.0]))).dtype == np.float32
    ints = np.union1d(_t(np.array([3, 1])), _t(np.array([2])))
    assert isinstance(ints, cr.Tensor) and not ints.requires_grad and ints.dtype == np.int64
    const = np.setdiff1d(np.array([1.0, 2.0]), _t(np.array([2.0])))
    assert isinstance(const, cr.Tensor) and not const.requires_grad
    _same(np.setxor1d(_t(np.zeros(0)), _t(np.zeros(0))), np.zeros(0))
    values, i1, i2 = np.intersect1d(_t(np.array([4.0, 1.0, 4.0])), np.array([4.0, 0.0]), return_indices=True)
    _same(values, np.array([4.0]))
    assert list(i1) == [0] and list(i2) == [0]


def test_polyder_m0_and_polydiv_of_2d_coefficients_raise_numpys_value_error() -> None:
    # np.polyder(2-D tensor, 0) and np.polydiv(2-D tensor, v) returned results; NumPy raises ValueError
    # (polyder multiplies p[:-1] by its powers even for m=0; polydiv cannot store a row as one quotient term)
    for a in (np.array([[0.0, 0.9765, -0.3553]]), np.array([[1.0, 2.0]])):
        with pytest.raises(ValueError):
            np.polyder(a, 0)
        with pytest.raises(ValueError):
            np.polyder(cr.tensor(a), 0)
    for u, v in ((np.array([[-1.0]]), np.array([0.5])), (np.array([[0.45, -0.37, -1.69]]), np.array([2.0]))):
        with pytest.raises(ValueError):
            np.polydiv(u, v)
        with pytest.raises(ValueError):
            np.polydiv(cr.tensor(u), cr.tensor(v))
    # where NumPy accepts 2-D coefficients, so does chainrule, with NumPy's values
    p = np.array([[1.0], [2.0], [3.0]])
    got = np.polyder(cr.tensor(p), 0)
    np.testing.assert_array_equal(got.numpy(), np.polyder(p, 0))
    q, r = np.polydiv(cr.tensor(p), cr.tensor(np.array([1.0, 1.0, 1.0, 1.0])))  # (no quotient terms to store)
    eq, er = np.polydiv(p, np.array([1.0, 1.0, 1.0, 1.0]))
    np.testing.assert_array_equal(q.numpy(), eq)
    np.testing.assert_array_equal(r.numpy(), er)
