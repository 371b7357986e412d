"""np.histogram, np.histogram_bin_edges and np.bincount on tensors: NumPy's values exactly, gradients in the
weights (and through the edges' min and max in the data) against finite differences, and the refusals."""

from __future__ import annotations

import re

import numpy as np
import pytest

import chainrule as cr
from chainrule.ops.histograms import _bin_index
from helpers import numerical_grad

RNG = np.random.default_rng(11)
A = RNG.standard_normal(40)
W = RNG.uniform(0.5, 2.0, 40)
OPTIONS = [
    {},
    {"bins": 7},
    {"bins": [-1.0, 0.0, 0.5, 2.0]},
    {"bins": np.array([-3, 0, 1, 3])},
    {"range": (-1.0, 1.5)},
    {"bins": 4, "range": (-0.5, 0.5)},
    {"density": True},
    {"density": True, "bins": 5},
    {"density": True, "bins": [-1.0, 0.0, 0.5, 2.0]},
    {"density": True, "range": (-1.0, 1.0)},
]


def _check_grad(f, arrays, wrt) -> None:
    ts = [cr.tensor(a, requires_grad=i in wrt) for i, a in enumerate(arrays)]
    out = f(*ts)
    w = np.random.default_rng(5).standard_normal(out.shape)
    if out.requires_grad:
        (out * w).sum().backward()
    for i in wrt:
        num = numerical_grad(lambda *xs: float(np.sum(np.asarray(f(*xs)) * w)), list(arrays), i)
        got = ts[i].grad if ts[i].grad is not None else np.zeros_like(arrays[i])
        np.testing.assert_allclose(got, num, rtol=1e-6, atol=1e-7)


def _same(got, want) -> None:
    assert isinstance(got, cr.Tensor)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got.numpy(), want)


@pytest.mark.parametrize("opts", OPTIONS, ids=str)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("weighted", [False, True])
def test_histogram_values_are_numpys(opts, dtype, weighted) -> None:
    a, w = A.astype(dtype), W.astype(dtype)
    kw = dict(opts, weights=cr.tensor(w, requires_grad=True)) if weighted else opts
    hist, edges = np.histogram(cr.tensor(a, requires_grad=True), **kw)
    want_h, want_e = np.histogram(a, **(dict(opts, weights=w) if weighted else opts))
    _same(hist, want_h)
    _same(edges, want_e)
    _same(np.histogram_bin_edges(cr.tensor(a), **{k: v for k, v in opts.items() if k != "density"}), want_e)


@pytest.mark.parametrize("opts", OPTIONS, ids=str)
def test_histogram_gradients_match_finite_differences(opts) -> None:
    _check_grad(lambda a, w: np.histogram(a, weights=w, **opts)[0], [A, W], (0, 1))
    _check_grad(lambda a: np.histogram(a, **opts)[0] * 1.0, [A], (0,))
    _check_grad(lambda a: np.histogram(a, **opts)[1], [A], (0,))


def test_edges_follow_min_and_max() -> None:
    a = cr.tensor([0.5, 3.0, -1.0, 2.0], requires_grad=True)
    edges = np.histogram_bin_edges(a, bins=4)
    (edges * np.array([1.0, 2.0, 3.0, 4.0, 5.0])).sum().backward()
    # d edges_k / d min = 1 - k/4, d / d max = k/4
    lo = 1 + 2 * 0.75 + 3 * 0.5 + 4 * 0.25
    hi = 2 * 0.25 + 3 * 0.5 + 4 * 0.75 + 5
    np.testing.assert_allclose(a.grad, [0.0, hi, lo, 0.0])
    c = cr.tensor([2.0, 2.0], requires_grad=True)  # equal values: [x - 0.5, x + 0.5], split as max and min
    e = np.histogram_bin_edges(c, bins=2)
    assert e.tolist() == [1.5, 2.0, 2.5]
    e.sum().backward()
    np.testing.assert_allclose(c.grad, [1.5, 1.5])


@pytest.mark.filterwarnings("ignore:Converting input from bool")  # (NumPy's own warning, for bool data)
def test_string_bins_empty_zero_d_int_and_bool_inputs() -> None:
    for a in (A, np.array(1.5), np.zeros(0), np.array([3, 1, 2, 2]), np.array([True, False, True])):
        for opts in ({}, {"bins": "auto"}, {"bins": "fd"}, {"bins": 3, "density": True}):
            with np.errstate(all="ignore"):
                want_h, want_e = np.histogram(a, **opts)
                hist, edges = np.histogram(cr.tensor(a), **opts)
            np.testing.assert_array_equal(hist.numpy(), want_h)
            assert hist.dtype == want_h.dtype
            _same(edges, want_e)


def test_bin_index_is_where_numpy_counts() -> None:
    rng = np.random.default_rng(2)
    for dtype in (np.float64, np.float32):
        a = np.concatenate([rng.standard_normal(500), [np.nan, 0.1, 0.3, 5.0, -5.0]]).astype(dtype)
        w = rng.uniform(0, 1, a.size).astype(dtype)
        for bins, rng_ in ((10, (-2.0, 2.0)), (7, (0.1, 0.3)), (np.linspace(-2, 2, 9), None), ([-1, 0.1, 0.3], None)):
            idx, n = _bin_index(a, w, bins, rng_)
            want = np.histogram(a, bins, rng_, weights=w.astype(np.float64))[0]
            got = np.bincount(idx, w.astype(np.float64), minlength=n + 1)[:n]
            np.testing.assert_allclose(got, want, rtol=1e-12)
            counts = np.histogram(a, bins, rng_)[0]
            np.testing.assert_array_equal(np.bincount(idx, minlength=n + 1)[:n], counts)


def test_histogram_errors_and_refusals() -> None:
    t = cr.tensor(A, requires_grad=True)
    for opts in ({"bins": 0}, {"bins": [2.0, 1.0]}, {"range": (1.0, 0.0)}, {"bins": "nope"}):
        with pytest.raises(ValueError) as want:
            np.histogram(A, **opts)
        with pytest.raises(type(want.value), match=re.escape(str(want.value)[:25])):
            np.histogram(t, **opts)
    with pytest.raises(TypeError, match="weighted"):
        np.histogram(t, bins="auto", weights=cr.tensor(W))
    with pytest.raises(ValueError, match="not finite"):
        np.histogram(cr.tensor([1.0, np.nan]))
    with pytest.raises(cr.UnsupportedArgumentError, match="bins"):
        np.histogram(t, bins=cr.tensor([-1.0, 0.0, 1.0], requires_grad=True))
    with pytest.raises(cr.UnsupportedArgumentError, match="range"):
        np.histogram(t, range=(cr.tensor(-1.0, requires_grad=True), 1.0))
    hist, _ = np.histogram(t, bins=cr.tensor([-1.0, 0.0, 1.0]))  # constant edges as a tensor: fine
    np.testing.assert_array_equal(hist.numpy(), np.histogram(A, bins=[-1.0, 0.0, 1.0])[0])
    with pytest.raises(cr.UnsupportedArgumentError, match="range"):
        np.histogramdd(cr.stack([t, t], axis=1), range=[(cr.tensor(-1.0, requires_grad=True), 1.0), None])
    with pytest.raises(cr.UnsupportedArgumentError, match="bins"):
        np.histogram2d(t, t, bins=[cr.tensor([-1.0, 0.0, 1.0], requires_grad=True), 3])
    for call in (lambda h, s: h(s, bins=(2, 3, 4)), lambda h, s: h(s, range=[(0, 1)]), lambda h, s: h(s, bins=0)):
        with pytest.raises(ValueError) as want:
            call(np.histogramdd, np.stack([A, A], axis=1))
        with pytest.raises(ValueError, match=re.escape(str(want.value)[:25])):
            call(np.histogramdd, cr.stack([t, t], axis=1))


def test_bincount() -> None:
    x = np.array([0, 3, 1, 3, 3, 0])
    w = np.array([0.5, 1.5, -2.0, 4.0, 1.0, 2.5])
    got = np.bincount(cr.tensor(x))
    _same(got, np.bincount(x))
    assert not got.requires_grad
    _same(np.bincount(cr.tensor(x), minlength=7), np.bincount(x, minlength=7))
    for dtype in (np.float64, np.float32):
        wt = cr.tensor(w.astype(dtype), requires_grad=True)
        got = np.bincount(x, weights=wt, minlength=6)
        _same(got, np.bincount(x, w.astype(dtype), minlength=6))
        (got * np.arange(6.0)).sum().backward()
        assert wt.grad.dtype == dtype
        np.testing.assert_array_equal(wt.grad, x.astype(dtype))
    _check_grad(lambda w: np.bincount(x, weights=w), [w], (0,))
    _same(np.bincount(cr.tensor(np.zeros(0, int))), np.bincount(np.zeros(0, int)))
    _same(np.bincount(cr.tensor(np.array([True, False, True]))), np.bincount(np.array([True, False, True])))
    for bad in (lambda b: b(cr.tensor([1.0, 2.0])), lambda b: b(cr.tensor(np.array([-1, 2]))),
                lambda b: b(cr.tensor(np.array([[1, 2]]))), lambda b: b(x, weights=cr.tensor(w[:3]))):  # fmt: skip
        with pytest.raises((TypeError, ValueError)) as want:
            bad(lambda *a, **k: np.bincount(*[v.numpy() if isinstance(v, cr.Tensor) else v for v in a],
                                            **{n: v.numpy() for n, v in k.items()}))  # fmt: skip
        with pytest.raises(type(want.value)):
            bad(np.bincount)


def test_second_order_through_density() -> None:
    # the density divides by the weights' sum: its gradient is itself differentiable
    from chainrule import grad

    def f(w):
        return (np.histogram(A, bins=5, weights=w, density=True)[0] ** 2).sum()

    g = grad(f)
    w0 = W.copy()
    h = grad(lambda w: (g(w) * np.arange(40.0)).sum())(cr.tensor(w0))
    num = numerical_grad(lambda w: float(np.sum(g(cr.tensor(w)).numpy() * np.arange(40.0))), [w0], 0)
    np.testing.assert_allclose(np.asarray(h), num, rtol=1e-5, atol=1e-7)


def test_weights_outside_the_range_and_nan_get_zero() -> None:
    a = np.array([-2.0, 0.25, np.nan, 0.75, 1.0, 3.0])
    w = cr.tensor(np.ones(6), requires_grad=True)
    hist, _ = np.histogram(a, bins=2, range=(0.0, 1.0), weights=w)
    assert hist.tolist() == [1.0, 2.0]  # 1.0 falls in the last bin, which is closed
    (hist * np.array([10.0, 100.0])).sum().backward()
    assert w.grad.tolist() == [0.0, 10.0, 0.0, 100.0, 100.0, 0.0]


S = np.stack([A, RNG.standard_normal(40), RNG.uniform(-1.0, 1.0, 40)], axis=1)
DD_OPTIONS = [
    {},
    {"bins": 3},
    {"bins": (2, 3, 4)},
    {"bins": [np.array([-1.0, 0.0, 1.0]), 3, 2]},
    {"range": [(-1.0, 1.0), None, None]},
    {"density": True, "bins": (2, 3, 2)},
    {"density": True, "bins": [np.array([-1.0, 0.0, 1.0]), 3, 2]},
]


@pytest.mark.parametrize("opts", DD_OPTIONS, ids=str)
def test_histogramdd_values_and_gradients(opts) -> None:
    for dtype in (np.float64, np.float32):
        s, w = S.astype(dtype), W.astype(dtype)
        for kw, kw_np in ((opts, opts), (dict(opts, weights=cr.tensor(w)), dict(opts, weights=w))):
            hist, edges = np.histogramdd(cr.tensor(s, requires_grad=True), **kw)
            want_h, want_e = np.histogramdd(s, **kw_np)
            _same(hist, want_h)
            assert isinstance(edges, list) and len(edges) == 3
            for e, we in zip(edges, want_e, strict=True):
                _same(e, we)
    _check_grad(lambda s, w: np.histogramdd(s, weights=w, **opts)[0], [S, W], (0, 1))
    for i in range(3):
        _check_grad(lambda s, _i=i: np.histogramdd(s, **opts)[1][_i], [S], (0,))


@pytest.mark.parametrize("opts", [{}, {"bins": 3}, {"bins": (2, 4)}, {"bins": [-1.0, 0.0, 0.5, 2.0]},
                                  {"density": True, "bins": (3, 2)}], ids=str)  # fmt: skip
def test_histogram2d_values_and_gradients(opts) -> None:
    x, y = S[:, 0], S[:, 1]
    got = np.histogram2d(cr.tensor(x), cr.tensor(y), weights=cr.tensor(W), **opts)
    want = np.histogram2d(x, y, weights=W, **opts)
    assert len(got) == 3
    for g, w in zip(got, want, strict=True):
        _same(g, w)
    _check_grad(lambda x, y, w: np.histogram2d(x, y, weights=w, **opts)[0], [x, y, W], (0, 1, 2))
    _check_grad(lambda x, y: np.histogram2d(x, y, **opts)[2], [x, y], (0, 1))


def test_histogram2d_mixed_dtypes_and_sequences() -> None:
    x = np.array([3, 1, 2, 2, 5])
    y = np.array([0.5, -1.0, 2.0, 0.25, 1.0], dtype=np.float32)
    for xs, ys in ((cr.tensor(x), cr.tensor(y, requires_grad=True)), (x, cr.tensor(y)), (cr.tensor(x), y)):
        got = np.histogram2d(xs, ys, bins=3)
        want = np.histogram2d(x, y, bins=3)
        for g, w in zip(got, want, strict=True):
            _same(g, w)
    hist, edges = np.histogramdd([cr.tensor(y, requires_grad=True), y * 2], bins=2, density=True)
    want_h, want_e = np.histogramdd([y, y * 2], bins=2, density=True)
    _same(hist, want_h)
    _same(edges[0], want_e[0])
    assert edges[0].requires_grad and not edges[1].requires_grad


@pytest.mark.filterwarnings("ignore:Converting input from bool")
@pytest.mark.parametrize("a", [np.array([True, False, True, True]), np.array([3, 1, 2, 2, 5], dtype=np.uint8)])
def test_weight_gradients_for_bool_and_unsigned_data(a) -> None:
    w = np.arange(1.0, a.size + 1)
    for bins in (2, 3, [0, 1, 4, 6]):
        _check_grad(lambda w, _b=bins: np.histogram(a, bins=_b, weights=w)[0], [w], (0,))
        _check_grad(lambda w, _b=bins: np.histogram(a, bins=_b, weights=w, density=True)[0], [w], (0,))


def test_histogramdd_of_a_1d_sample_follows_its_min_and_max() -> None:
    _check_grad(lambda a: np.histogramdd(a, bins=3)[1][0], [A], (0,))
    _check_grad(lambda a, w: np.histogramdd(a, bins=3, weights=w, density=True)[0], [A, W], (0, 1))
    hist, edges = np.histogramdd(cr.tensor(A, requires_grad=True), bins=3)
    want_h, want_e = np.histogramdd(A, bins=3)
    _same(hist, want_h)
    _same(edges[0], want_e[0])
    assert edges[0].requires_grad
