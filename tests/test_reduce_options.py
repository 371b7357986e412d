"""NumPy's reductions called on tensors with their further options: dtype=, initial=, where= (and ddof=, correction=).

The catalogue checks every option against finite differences and second order; here: the NumPy route in every
dtype (values to the bit), the dtypes of results and gradients, the points where a choice is made (ties with
initial, masked-out inf and NaN, empty slices) and the arguments that are refused.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import chainrule as cr
from chainrule.errors import UnsupportedArgumentError, UnsupportedOperationError
from helpers import check_grads

RNG = np.random.default_rng(7)
SHAPES_AXES = [((), None), ((0,), None), ((0,), 0), ((5,), -1), ((3, 4), 0), ((3, 4), (0, 1)), ((2, 3, 4), (2, -3))]


def _same(got, ref) -> None:
    got = np.asarray(got.data if isinstance(got, cr.Tensor) else got)
    ref = np.asarray(ref)
    assert got.dtype == ref.dtype and got.shape == ref.shape
    np.testing.assert_array_equal(got, ref)


def _options(fname: str, shape: tuple[int, ...]) -> list[dict]:
    m = RNG.random(shape) > 0.4
    row = RNG.random(shape[-1:]) > 0.3 if shape else np.True_
    if fname in ("sum", "prod", "nansum"):
        return [
            {"dtype": np.float64},
            {"dtype": np.float32},
            {"initial": 2.5},
            {"where": m},
            {"where": row, "initial": 1.5},
        ]
    if fname in ("mean", "nanmean"):
        return [{"dtype": np.float64}, {"where": m}, {"where": row, "dtype": np.float32}]
    if fname in ("var", "std"):
        return [{"dtype": np.float64}, {"where": m}, {"where": m, "ddof": 1}, {"correction": 1}]
    return [{"initial": 0.3}, {"where": m, "initial": -9.0}, {"where": row, "initial": 0.0}]


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16])
@pytest.mark.parametrize("shape,axis", SHAPES_AXES)
@pytest.mark.parametrize(
    "fname", ["sum", "prod", "mean", "max", "min", "amax", "var", "std", "nansum", "nanmean", "nanmax", "nanmin"]
)
def test_numpy_route_values_are_numpys(fname: str, shape: tuple, axis, dtype) -> None:
    f = getattr(np, fname)
    x = RNG.standard_normal(shape).astype(dtype)
    if x.size > 3 and fname.startswith("nan"):
        x.flat[2] = np.nan
    for kw in _options(fname, shape):
        for keepdims in (False, True):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    ref = f(x, axis=axis, keepdims=keepdims, **kw)
                except ValueError as e:  # an empty max without initial, a masked-out slice without initial
                    with pytest.raises(ValueError):
                        f(cr.tensor(x), axis=axis, keepdims=keepdims, **kw)
                    assert "identity" in str(e)
                    continue
                got = f(cr.tensor(x), axis=axis, keepdims=keepdims, **kw)
            _same(got, ref)


def test_dtype_result_and_gradient_dtype() -> None:
    x = cr.tensor(RNG.standard_normal((3, 4)).astype(np.float32), requires_grad=True)
    for f in (np.sum, np.mean, np.prod, np.std, np.var, np.nansum, np.nanmean):
        x.grad = None
        y = f(x, axis=1, dtype=np.float64)
        assert y.dtype == np.float64
        y.sum().backward()
        assert x.grad.dtype == np.float32
    x.grad = None
    np.sum(x, 0, np.float64).sum().backward()  # NumPy's positional order: the dtype is the third argument
    np.testing.assert_array_equal(x.grad, np.ones((3, 4), np.float32))


def test_integer_dtype_gives_numpys_value_and_no_gradient() -> None:
    x = cr.tensor(np.array([1.5, 2.5, -0.7]), requires_grad=True)
    y = np.sum(x, dtype=np.int64)
    _same(y, np.sum(x.data, dtype=np.int64))
    assert not y.requires_grad


def test_where_masked_out_inf_and_nan_get_exact_zero() -> None:
    a = np.array([[1.0, np.inf, 2.0], [np.nan, 3.0, 4.0]])
    m = np.isfinite(a)
    for f in (np.sum, np.mean, np.prod, np.var, np.std, np.max, np.min):
        x = cr.tensor(a, requires_grad=True)
        kw = {"initial": -1.0} if f is np.max else {"initial": 10.0} if f is np.min else {}
        y = f(x, axis=1, where=m, **kw)
        assert np.all(np.isfinite(y.data))
        y.sum().backward()
        assert np.all(np.isfinite(x.grad)) and np.all(x.grad[~m] == 0), f.__name__


def test_mean_where_divides_by_count_per_slice() -> None:
    m = np.array([[True, False, True], [False, False, True]])
    x = cr.tensor(RNG.standard_normal((2, 3)), requires_grad=True)
    y = np.mean(x, axis=1, where=m)
    np.testing.assert_array_equal(y.data, np.mean(x.data, axis=1, where=m))
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [[0.5, 0, 0.5], [0, 0, 1.0]])


def test_mean_slice_with_nothing_selected_is_nan_with_zero_gradient() -> None:
    x = cr.tensor(np.ones((2, 2)), requires_grad=True)
    m = np.array([[True, True], [False, False]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y = np.mean(x, axis=1, where=m)
        ref = np.mean(x.data, axis=1, where=m)
    _same(y, ref)
    (y * np.array([1.0, 0.0])).sum().backward()
    np.testing.assert_array_equal(x.grad, [[0.5, 0.5], [0, 0]])


def test_prod_initial_scales_the_gradient() -> None:
    x = cr.tensor(np.array([2.0, 3.0, 0.0]), requires_grad=True)
    np.prod(x, initial=2.0, where=np.array([True, True, False])).backward()
    np.testing.assert_array_equal(x.grad, [6.0, 4.0, 0.0])


def test_max_initial_competes_and_ties_share() -> None:
    x = cr.tensor(np.array([1.0, 3.0, 3.0]), requires_grad=True)
    np.max(x, initial=3.0).backward()  # the two 3s and initial tie: initial half, the 3s a quarter each (JAX's)
    np.testing.assert_allclose(x.grad, [0, 1 / 4, 1 / 4])
    x.grad = None
    np.max(x, initial=5.0).backward()  # initial wins: nothing flows to x
    np.testing.assert_array_equal(x.grad, [0, 0, 0])
    x.grad = None
    np.min(x, initial=5.0).backward()
    np.testing.assert_array_equal(x.grad, [1, 0, 0])
    x.grad = None
    np.max(x, where=np.array([True, False, True]), initial=0.0).backward()
    np.testing.assert_array_equal(x.grad, [0, 0, 1])


def test_max_where_without_initial_on_an_empty_slice_raises_as_numpy() -> None:
    x = cr.tensor(np.ones((2, 2)), requires_grad=True)
    m = np.array([[True, False], [False, False]])
    with pytest.raises(ValueError):
        np.max(x.data, axis=1, where=m)
    with pytest.raises(ValueError):
        np.max(x, axis=1, where=m)


def test_nanmax_where_and_initial() -> None:
    a = np.array([[np.nan, 2.0], [np.nan, np.nan]])
    x = cr.tensor(a, requires_grad=True)
    with pytest.raises(ValueError, match="initial"):  # as NumPy: fmax has no identity, where= needs initial=
        np.nanmax(x, axis=1, where=np.array([True, False]))
    y = np.nanmax(x, axis=1, initial=0.0)
    _same(y, np.nanmax(a, axis=1, initial=0.0))
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [[0, 1], [0, 0]])
    x.grad = None
    y = np.nanmin(x, axis=0, where=np.array([True, False]), initial=1.0)
    _same(y, np.nanmin(a, axis=0, where=np.array([True, False]), initial=1.0))
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [[0, 0], [0, 0]])


def test_nanmean_where_counts_selected_non_nan() -> None:
    a = np.array([[1.0, np.nan, 3.0, 5.0]])
    m = np.array([True, True, True, False])
    x = cr.tensor(a, requires_grad=True)
    y = np.nanmean(x, axis=1, where=m)
    _same(y, np.nanmean(a, axis=1, where=m))
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [[0.5, 0, 0.5, 0]])


@pytest.mark.parametrize(
    "f,kw",
    [
        (np.sum, {"where": np.array([True, False, True]), "initial": 1.0}),
        (np.mean, {"where": np.array([[True, False, True], [True, True, False]])}),
        (np.prod, {"where": np.array([False, True, True]), "initial": -2.0}),
        (np.var, {"where": np.array([True, True, True]), "ddof": 1}),
        (np.std, {"where": np.array([[True, False, True], [True, True, True]])}),
        (np.nansum, {"initial": 3.0}),
    ],
)
def test_gradients_match_finite_differences(f, kw) -> None:
    check_grads(lambda x: f(x, axis=-1, **kw), RNG.standard_normal((2, 3)) + 2.0)
    check_grads(lambda x: f(x, **kw), RNG.standard_normal((2, 3)) + 2.0)


def test_second_order_through_where() -> None:
    m = np.array([True, False, True, True])
    h = cr.hessian(lambda x: np.var(x, where=m) + np.prod(x, where=m, initial=2.0))(np.array([1.0, 2.0, 3.0, 4.0]))
    h = np.asarray(getattr(h, "data", h))
    assert np.all(h[1] == 0) and np.all(h[:, 1] == 0)
    # var of the three selected: (2/3)(I - 11^T/3) on them; prod: 2 * the third factor off the diagonal
    sel = [0, 2, 3]
    expected = 2 / 3 * (np.eye(3) - 1 / 3) + 2 * np.array([[0, 4, 3], [4, 0, 1], [3, 1, 0]])
    np.testing.assert_allclose(h[np.ix_(sel, sel)], expected)


def test_forward_mode_matches_reverse() -> None:
    m = np.array([[True, False, True], [True, True, False]])
    x = RNG.standard_normal((2, 3))
    v = RNG.standard_normal((2, 3))
    for fn in (
        lambda t: cr.sum(t, axis=1, where=m, initial=1.0, dtype=np.float64),
        lambda t: cr.mean(t, axis=0, where=m),
        lambda t: cr.prod(t, axis=1, where=m, initial=3.0),
        lambda t: cr.max(t, axis=1, where=m, initial=-5.0),
        lambda t: cr.std(t, axis=1, where=m),
    ):
        _, jv = cr.jvp(fn, (x,), (v,))
        jac = np.asarray(getattr(cr.jacobian(fn)(x), "data", cr.jacobian(fn)(x)))
        np.testing.assert_allclose(np.asarray(getattr(jv, "data", jv)), np.tensordot(jac, v, axes=2), atol=1e-12)


def test_refused_arguments() -> None:
    x = cr.tensor(np.ones(3), requires_grad=True)
    with pytest.raises(UnsupportedOperationError, match="out="):
        np.sum(x, out=np.empty(()))
    with pytest.raises(UnsupportedOperationError, match="out="):
        np.max(x, out=np.empty(()))
    with pytest.raises(UnsupportedArgumentError, match="mean="):
        np.var(x, mean=np.ones(1))
    with pytest.raises(ValueError):
        np.std(x, ddof=1, correction=1)


def test_methods_take_the_options() -> None:
    x = cr.tensor(np.array([[1.0, 2.0], [3.0, 4.0]]), requires_grad=True)
    y = x.sum(axis=0, where=np.array([[True, False], [True, True]]))
    np.testing.assert_array_equal(y.data, [4.0, 4.0])
    assert x.max(initial=10.0).item() == 10.0


def test_plain_calls_keep_the_plain_primitives() -> None:
    x = cr.tensor(np.ones((2, 3)), requires_grad=True)
    for call, name in (
        (lambda: np.sum(x, axis=0), "sum"),
        (lambda: np.sum(x, dtype=None), "sum"),
        (lambda: cr.sum(x), "sum"),
        (lambda: x.sum(), "sum"),
        (lambda: np.mean(x, 1, None, None, True), "mean"),
        (lambda: np.prod(x), "prod"),
        (lambda: np.max(x, axis=1), "max"),
        (lambda: np.min(x), "min"),
        (lambda: np.std(x), "std"),
        (lambda: np.sum(x, where=np.ones(3, bool)), "sum_options"),
        (lambda: np.max(x, initial=0.0), "extreme_options"),
    ):
        assert call().node.prim.name == name


def test_fractional_ddof_and_correction_are_not_truncated() -> None:
    # np.std(t, correction=0.5) gave np.std(x, ddof=0)'s 1.5069 (ddof was cast to int), NumPy 1.6507
    x = np.array([-1.29222878, 1.57448953, -1.8725022])
    for kw in ({"ddof": 0.5}, {"correction": 0.5}, {"ddof": 1.5}):
        _same(np.std(cr.tensor(x), **kw), np.std(x, **kw))
        _same(np.var(cr.tensor(x), **kw), np.var(x, **kw))
        _same(cr.tensor(x).std(**kw), np.std(x, **kw))
        check_grads(lambda t, kw=kw: np.std(t, **kw), x)
        check_grads(lambda t, kw=kw: np.std(t, axis=0, keepdims=True, **kw), x)


@pytest.mark.parametrize("fname", ["var", "std"])
def test_integer_dtype_gives_numpys_integer_values(fname) -> None:
    # np.var(int tensor, dtype=np.int64) gave float64 9.1667, NumPy int64 7 (its steps rounded to integers)
    x = np.array([[-4, -1], [-3, 1], [-5, 2]])
    f = getattr(np, fname)
    _same(f(cr.tensor(np.array(3)), dtype=np.int64), f(np.array(3), dtype=np.int64))
    for a in (x, x.astype(np.float64) + 0.25, x.astype(bool)):
        for kw in ({}, {"axis": 0}, {"ddof": 1, "keepdims": True}):
            try:
                ref = f(a, dtype=np.int64, **kw)
            except TypeError as e:  # (NumPy's std: sqrt's float64 can't be cast back to int64)
                with pytest.raises(type(e)):
                    f(cr.tensor(a), dtype=np.int64, **kw)
                continue
            _same(f(cr.tensor(a), dtype=np.int64, **kw), ref)


def test_max_where_without_initial_checks_the_axis_first() -> None:
    # NumPy raises AxisError for a bad axis before the missing initial= (chainrule raised the latter)
    x = cr.tensor(np.ones((2, 3)))
    with pytest.raises(np.exceptions.AxisError):
        np.max(x, axis=2, where=np.ones(3, bool))
    with pytest.raises(ValueError, match="initial"):
        np.min(x, axis=1, where=np.ones(3, bool))


@pytest.mark.parametrize("where", [[1, 0, 1], (1, 0, 1), [1.0, 0.0, 1.0], 1, 0, np.float64(0.0), [[0], [1]]])
@pytest.mark.parametrize("fname", ["sum", "mean", "prod", "var", "std", "nansum", "nanmean", "nanvar"])
def test_where_given_as_a_list_or_a_number_reads_as_bool(fname, where) -> None:
    # np.sum(t, where=[1, 0, 1]) raised TypeError (cast int64 -> bool); NumPy reads a non-array mask as bool: 14.0
    x = np.array([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]])
    f = getattr(np, fname)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        _same(f(cr.tensor(x), where=where), f(x, where=where))
    with pytest.raises(TypeError):  # (an integer array NumPy refuses, as chainrule does)
        f(cr.tensor(x), where=np.array([1, 0, 1]))


@pytest.mark.parametrize("fname", ["sum", "prod", "max", "min", "nansum", "nanprod", "nanmax", "nanmin"])
def test_initial_tensor_needing_a_gradient_is_refused(fname) -> None:
    # np.sum(t, initial=i) with i requiring a gradient returned a value and left i.grad None (expected 1.0)
    t = cr.tensor(np.array([1.0, 5.0, 3.0]), requires_grad=True)
    with pytest.raises(UnsupportedArgumentError, match="initial"):
        getattr(np, fname)(t, initial=cr.tensor(2.0, requires_grad=True))
    got = getattr(np, fname)(t, initial=cr.tensor(2.0))  # (a constant tensor: its values)
    _same(got, getattr(np, fname)(t.data, initial=2.0))


@pytest.mark.parametrize(
    "fname, x, kw",
    [
        ("var", [1.0, 0.35], {"ddof": 2}),  # no warning; NumPy: 'Degrees of freedom <= 0 for slice'
        ("var", [np.nan, 0.35], {"axis": 0, "keepdims": True, "ddof": 2}),
        ("var", [1.0, 0.35], {"where": [True, False], "ddof": 1}),
        ("std", [np.inf, 0.35], {}),  # no warning; NumPy: 'invalid value encountered in subtract'
        ("std", [1.0, 0.35], {"where": [True, False], "ddof": 1}),
    ],
)
def test_var_std_warn_as_numpy(fname, x, kw) -> None:
    x = np.array(x)
    f = getattr(np, fname)
    with pytest.warns(RuntimeWarning):
        ref = f(x, **kw)
    with pytest.warns(RuntimeWarning):
        got = f(cr.tensor(x), **kw)
    _same(got, ref)


def test_max_min_initial_ties_match_jax() -> None:
    # np.max([1, 3, 3], initial=3): got 1/3 for each 3 (initial as one more element), JAX 1/4 (maximum(max(x), 3))
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    jnp = jax.numpy
    x = np.array([[1.0, 3.0, 3.0, 2.0], [3.0, 0.0, -1.0, 3.0]])
    m = np.array([True, True, False, True])
    for fname in ("max", "min", "nanmax", "nanmin"):
        jf = getattr(jnp, fname)
        for init in (3.0, 2.0, -1.0, 0.0):
            for kw in ({}, {"axis": 1}, {"axis": 0, "where": m[None, :] | np.zeros((2, 1), bool)}):
                t = cr.tensor(x, requires_grad=True)
                getattr(np, fname)(t, initial=init, **kw).sum().backward()
                ref = jax.grad(lambda a, f=jf, kw=kw, i=init: f(a, initial=i, **kw).sum())(jnp.asarray(x))
                np.testing.assert_allclose(t.grad, np.asarray(ref), rtol=1e-15, err_msg=f"{fname} {init} {kw}")
