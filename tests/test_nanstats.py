"""np.nanprod, nanvar, nanstd, nanmedian, nanquantile, nanpercentile, nanargmax, nanargmin called on tensors:
NumPy's values to the bit in every dtype (NaN entries, all-NaN slices, empty arrays), gradient 0 for NaN entries,
and the arguments that are refused (the catalogue checks gradients against finite differences)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import chainrule as cr
from chainrule.errors import UnsupportedArgumentError, UnsupportedOperationError
from helpers import check_grads

RNG = np.random.default_rng(5)
CASES = [((), None), ((0,), None), ((5,), -1), ((7,), None), ((3, 4), 0), ((3, 4), -1), ((3, 4), None)]
CASES += [((2, 3, 4), 1), ((2, 3, 4), (0, 2)), ((3, 0), 1)]


def _same(got, ref) -> None:
    got = np.asarray(got.data if isinstance(got, cr.Tensor) else got)
    ref = np.asarray(ref)
    assert got.dtype == ref.dtype and got.shape == ref.shape
    np.testing.assert_array_equal(got, ref)


def _calls(shape):
    m = RNG.random(shape) > 0.3
    yield np.nanprod, (), {}
    yield np.nanprod, (), {"initial": 2.5, "dtype": np.float64}
    yield np.nanprod, (), {"where": m, "initial": 1.5}
    for f in (np.nanvar, np.nanstd):
        yield f, (), {}
        yield f, (), {"ddof": 1}
        yield f, (), {"dtype": np.float64}
        yield f, (), {"where": m}
    yield np.nanmedian, (), {}
    for q in (0.5, 0.0, 1.0, 0.37, [0.1, 0.9], np.array([0.25, 1.0]), 1, np.float32(0.3)):
        yield np.nanquantile, (q,), {}
    for q in (50, 37.5, [10, 90]):
        yield np.nanpercentile, (q,), {}


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16])
@pytest.mark.parametrize("nanfrac", [0.0, 0.4])
@pytest.mark.parametrize("shape,axis", CASES)
def test_numpy_route_values_are_numpys(shape, axis, nanfrac, dtype) -> None:
    x = RNG.standard_normal(shape).astype(dtype)
    x[RNG.random(shape) < nanfrac] = np.nan
    if len(shape) == 2 and x.size:
        x[0] = np.nan  # an all-NaN slice
    for f, args, kw in _calls(shape):
        for keepdims in (False, True):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ref = f(x, *args, axis=axis, keepdims=keepdims, **kw)
                got = f(cr.tensor(x), *args, axis=axis, keepdims=keepdims, **kw)
            _same(got, ref)
    if x.size and not isinstance(axis, tuple):
        for f in (np.nanargmax, np.nanargmin):
            try:
                ref = f(x, axis=axis)
            except ValueError:  # an all-NaN slice
                with pytest.raises(ValueError, match="All-NaN"):
                    f(cr.tensor(x), axis=axis)
                continue
            _same(f(cr.tensor(x), axis=axis), ref)


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: cr.nanprod(x, axis=1),
        lambda x: cr.nanvar(x, axis=1),
        lambda x: np.nanstd(x, axis=0, ddof=1),
        lambda x: np.nanmedian(x, axis=1),
        lambda x: np.nanmedian(x),
        lambda x: np.nanquantile(x, [0.2, 0.8], axis=1),
        lambda x: np.nanpercentile(x, 40.0, axis=0, keepdims=True),
    ],
)
def test_gradients_match_finite_differences_and_nan_entries_get_zero(fn) -> None:
    a = np.array([[0.5, np.nan, -1.3, 2.2, 0.9], [np.nan, 0.1, 1.7, -0.4, -1.6], [1.1, -2.0, 0.35, np.nan, 2.9]])
    check_grads(fn, a)
    x = cr.tensor(a, requires_grad=True)
    fn(x).sum().backward()
    assert np.all(x.grad[np.isnan(a)] == 0) and np.all(np.isfinite(x.grad))


def test_all_nan_slices_give_nan_a_warning_and_zero_gradient() -> None:
    a = np.array([[np.nan, np.nan, np.nan], [1.0, np.nan, 3.0]])
    for f, args in (
        (np.nanmedian, ()),
        (np.nanquantile, (0.25,)),
        (np.nanpercentile, ([20, 80],)),
        (np.nanvar, ()),
        (np.nanstd, ()),
    ):
        x = cr.tensor(a, requires_grad=True)
        with pytest.warns(RuntimeWarning):
            y = f(x, *args, axis=1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _same(y, f(a, *args, axis=1))
        cr.nansum(y).backward()
        assert np.all(x.grad[0] == 0) and np.all(x.grad[:, 1] == 0) and np.all(np.isfinite(x.grad)), f.__name__


def test_nanvar_degrees_of_freedom_at_most_zero_give_nan_with_zero_gradient() -> None:
    a = np.array([[1.0, np.nan, np.nan], [1.0, 2.0, 4.0]])
    x = cr.tensor(a, requires_grad=True)
    with pytest.warns(RuntimeWarning, match="Degrees of freedom"):
        y = np.nanvar(x, axis=1, ddof=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _same(y, np.nanvar(a, axis=1, ddof=1))
    cr.nansum(y).backward()
    assert np.all(x.grad[0] == 0)
    np.testing.assert_allclose(x.grad[1], 2 * (a[1] - a[1].mean()) / 2)


def test_nanstd_of_a_constant_slice_has_zero_gradient() -> None:
    x = cr.tensor(np.array([2.0, np.nan, 2.0]), requires_grad=True)
    np.nanstd(x).backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 0.0])


def test_float32_keeps_its_dtype_and_gradient_dtype() -> None:
    a = np.array([[0.5, np.nan, -1.3, 2.2], [np.nan, 0.1, 1.7, -0.4]], np.float32)
    for f, args in ((np.nanmedian, ()), (np.nanquantile, (0.3,)), (np.nanvar, ()), (np.nanprod, ())):
        x = cr.tensor(a, requires_grad=True)
        y = f(x, *args, axis=1)
        assert y.dtype == np.float32
        y.sum().backward()
        assert x.grad.dtype == np.float32


def test_nanargmax_has_no_gradient() -> None:
    x = cr.tensor(np.array([[1.0, np.nan, 3.0], [np.nan, 5.0, 2.0]]), requires_grad=True)
    i = np.nanargmax(x, axis=1)
    assert i.tolist() == [2, 1] and not i.requires_grad
    assert np.nanargmin(x).item() == 0
    with pytest.raises(ValueError):
        np.nanargmax(cr.tensor([np.nan, np.nan]))


def test_refused_arguments() -> None:
    x = cr.tensor(np.array([1.0, np.nan, 3.0]), requires_grad=True)
    with pytest.raises(UnsupportedArgumentError, match="out="):
        np.nanmedian(x, out=np.empty(()))
    with pytest.raises(UnsupportedArgumentError, match="method='linear'"):
        np.nanquantile(x, 0.5, method="nearest")
    with pytest.raises(UnsupportedArgumentError, match="requires a gradient"):
        cr.nanquantile(x, cr.tensor(0.5, requires_grad=True))
    with pytest.raises(UnsupportedOperationError, match="out="):
        np.nanprod(x, out=np.empty(()))
    with pytest.raises(UnsupportedArgumentError, match="mean="):
        np.nanvar(x, mean=np.ones(1))
    with pytest.raises(ValueError, match="range"):
        np.nanquantile(x, 1.5)


@pytest.mark.parametrize("fname", ["nanmean", "nanvar", "nanstd"])
def test_float_input_with_integer_dtype_is_numpys_type_error(fname) -> None:
    # np.nanmean(float tensor, dtype=np.int64) returned a value; NumPy: TypeError "If a is inexact, ..."
    with pytest.raises(TypeError, match="inexact"):
        getattr(np, fname)(np.array([1.0, 2.0]), dtype=np.int64)
    with pytest.raises(TypeError, match="inexact"):
        getattr(np, fname)(cr.tensor([1.0, np.nan, 2.0]), dtype=np.int64)
    x = np.array([1, 4, 6])  # (integers: NumPy's plain mean / var / std, in the integer dtype)
    ref = getattr(np, fname)(x, dtype=np.int64)
    got = getattr(np, fname)(cr.tensor(x), dtype=np.int64)
    assert got.dtype == ref.dtype and np.array_equal(got.data, ref)


@pytest.mark.parametrize(
    "a, axis",
    [
        ([np.nan, np.nan, -0.0], None),  # got -0.0, NumPy 0.0 (its median is a sum from +0)
        ([[np.nan], [np.nan], [-0.0]], 0),
        ([[-0.0, np.nan]], (0, 1)),
        (np.array([60000, np.nan, 50000], np.float16), None),  # got inf, NumPy 5.498e4 (its mean sums in float32)
        ([[1.7e308], [np.nan], [1.0], [1.2e308], [1.3e308]], 0),  # NumPy's masked median: (1.3e308 + 1.3e308) / 2
    ],
)
@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
def test_nanmedian_values_are_numpys_to_the_bit(a, axis) -> None:
    a = np.asarray(a)
    ref = np.nanmedian(a, axis=axis)
    got = np.nanmedian(cr.tensor(a), axis=axis).data
    assert got.dtype == ref.dtype and np.array_equal(got, ref) and np.array_equal(np.signbit(got), np.signbit(ref))


def test_nanmedian_gradient_with_odd_and_even_counts() -> None:
    x = np.array([[0.3, np.nan, -1.2, 2.0], [np.nan, 0.7, 1.1, np.nan], [0.5, 0.1, -0.4, 0.9]])
    for axis in (None, 0, 1, (0, 1)):
        t = cr.tensor(x, requires_grad=True)
        np.nansum(np.nanmedian(t, axis=axis) * 1.5).backward()
        eps, fd = 1e-6, np.zeros_like(x)
        for i in np.ndindex(x.shape):
            if not np.isnan(x[i]):
                p, m = x.copy(), x.copy()
                p[i] += eps
                m[i] -= eps
                fd[i] = (
                    1.5 * (np.nansum(np.nanmedian(p, axis=axis)) - np.nansum(np.nanmedian(m, axis=axis))) / (2 * eps)
                )
        np.testing.assert_allclose(t.grad, fd, atol=1e-6)


def test_nanmean_checks_the_dtype_before_the_axis() -> None:
    # np.nanmean(float tensor, axis=-2, dtype=np.int64) on 1-d: got AxisError, NumPy's TypeError comes first
    with pytest.raises(TypeError, match="inexact"):
        np.nanmean(cr.tensor([1.0, 2.0]), axis=-2, dtype=np.int64)


@pytest.mark.parametrize("fname, q", [("nanquantile", []), ("nanpercentile", np.array([]))])
def test_nanquantile_of_no_q_warns_of_an_all_nan_slice(fname, q) -> None:
    # np.nanquantile(t, [], axis=1) with a row all NaN: got no warning, NumPy 'All-NaN slice encountered'
    x = np.array([[np.nan, np.nan], [1.0, np.nan]])
    with pytest.warns(RuntimeWarning, match="All-NaN"):
        ref = getattr(np, fname)(x, q, axis=1)
    with pytest.warns(RuntimeWarning, match="All-NaN"):
        got = getattr(np, fname)(cr.tensor(x), q, axis=1)
    assert got.shape == ref.shape == (0, 2) and got.dtype == ref.dtype


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning", "ignore:All-NaN slice:RuntimeWarning")
@pytest.mark.parametrize("axis", [0, (0, 1)])
def test_nanmedian_along_600_or_more_is_numpys_1d_median(axis) -> None:
    # NumPy takes np.median of each slice of 600 or more values (no (x + x) / 2 overflow): 1.7e308 stays 1.7e308
    y = np.full((30, 30, 2), np.nan)
    y[0, 0] = [-0.0, 1.7e308]
    y[1, 1] = [2.0, np.nan]
    y = y.reshape(900, 2) if axis == 0 else y
    ref = np.nanmedian(y, axis=axis)
    got = np.nanmedian(cr.tensor(y), axis=axis).data
    assert np.array_equal(got, ref) and np.array_equal(np.signbit(got), np.signbit(ref))
    z = np.full((601, 2), np.nan, np.float16)
    z[:2, 0] = [60000, 50000]
    np.testing.assert_array_equal(np.nanmedian(cr.tensor(z), axis=0).data, np.nanmedian(z, axis=0))
