"""The gradient conventions at points where the derivative is not defined (docs/conventions.md lists them).

Each test pins one line of that document; if a convention changes, the document and this file change together.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import chainrule as cr

NEG_INF = -np.inf


def grads(fn, *values, dtype: str = "float64", seed=None):
    """(forward value, [gradient of each input]) of ``sum(fn(*inputs) * seed)``."""
    ts = [cr.tensor(v, dtype=dtype, requires_grad=True) for v in values]
    out = fn(*ts)
    out.backward(np.ones(out.shape, dtype=out.dtype) if seed is None else seed)
    return out.data, [t.grad for t in ts]


def test_relu_abs_sign_at_zero() -> None:
    assert grads(cr.relu, [0.0, 2.0, -2.0])[1][0].tolist() == [0.0, 1.0, 0.0]
    assert grads(cr.abs, [0.0, 2.0, -2.0])[1][0].tolist() == [0.0, 1.0, -1.0]
    assert grads(cr.sign, [0.0, 2.0, -2.0])[1][0].tolist() == [0.0, 0.0, 0.0]
    assert grads(lambda x: cr.leaky_relu(x, 0.1), [0.0, 2.0, -2.0])[1][0].tolist() == [0.1, 1.0, 0.1]


def test_maximum_minimum_tie_gives_half_to_each() -> None:
    _, (gx, gy) = grads(cr.maximum, [1.0, 2.0, 0.0], [1.0, 1.0, 3.0])
    assert gx.tolist() == [0.5, 1.0, 0.0] and gy.tolist() == [0.5, 0.0, 1.0]
    _, (gx, gy) = grads(cr.minimum, [1.0, 2.0, 0.0], [1.0, 1.0, 3.0])
    assert gx.tolist() == [0.5, 0.0, 1.0] and gy.tolist() == [0.5, 1.0, 0.0]
    # a tie against a broadcast scalar: the scalar collects half of every tied element's gradient
    _, (gx, gc) = grads(cr.maximum, [1.0, 1.0, 0.0], 1.0)
    assert gx.tolist() == [0.5, 0.5, 0.0] and float(gc) == 1.0 + 1.0


def test_max_min_reductions_split_ties_evenly() -> None:
    x = [[1.0, 3.0, 3.0, 3.0], [2.0, 2.0, 1.0, 0.0]]
    _, (g,) = grads(lambda t: cr.max(t, axis=1), x)
    np.testing.assert_allclose(g, [[0, 1 / 3, 1 / 3, 1 / 3], [0.5, 0.5, 0, 0]], rtol=1e-15)
    _, (g,) = grads(lambda t: cr.min(t), [1.0, 1.0, 3.0, 1.0])
    np.testing.assert_allclose(g, [1 / 3, 1 / 3, 0, 1 / 3], rtol=1e-15)
    _, (g,) = grads(lambda t: t.max(axis=0, keepdims=True), [[5.0, 1.0], [5.0, 2.0]])
    assert g.tolist() == [[0.5, 0.0], [0.5, 1.0]]


def test_clip_passes_gradient_at_the_boundaries() -> None:
    _, (g,) = grads(lambda t: cr.clip(t, 0.0, 1.0), [0.0, 1.0, 0.5, -1.0, 2.0])
    assert g.tolist() == [1.0, 1.0, 1.0, 0.0, 0.0]
    # with tensor bounds: at a boundary the gradient goes to x, not to the bound
    _, (gx, glo, ghi) = grads(cr.clip, [0.0, 1.0, -1.0, 2.0], [0.0, 0.0, 0.0, 0.0], [1.0, 1.0, 1.0, 1.0])
    assert gx.tolist() == [1, 1, 0, 0] and glo.tolist() == [0, 0, 1, 0] and ghi.tolist() == [0, 0, 0, 1]


def test_sqrt_derivative_at_zero_is_inf_as_numpy_computes_it() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # NumPy's own divide-by-zero warning
        _, (g,) = grads(cr.sqrt, [0.0, 4.0])
    assert g[0] == np.inf and g[1] == 0.25


def test_norm_gradient_at_zero_is_zero() -> None:
    _, (g,) = grads(cr.norm, [0.0, 0.0, 0.0])
    assert g.tolist() == [0.0, 0.0, 0.0]
    _, (g,) = grads(lambda t: cr.norm(t, axis=1), [[0.0, 0.0], [3.0, 4.0]])
    np.testing.assert_allclose(g, [[0.0, 0.0], [0.6, 0.8]])
    _, (g,) = grads(lambda t: cr.norm(t, "fro"), np.zeros((2, 2)))
    assert not np.any(g) and np.all(np.isfinite(g))


def test_power_zero_has_zero_gradient_everywhere() -> None:
    for k in (0, 0.0):
        _, (g,) = grads(lambda t, _k=k: t**_k, [0.0, 2.0, -1.0])
        assert g.tolist() == [0.0, 0.0, 0.0]
    _, (gx, gy) = grads(lambda a, b: a**b, [0.0, 2.0, -1.0], [0.0, 0.0, 0.0])
    assert gx.tolist() == [0.0, 0.0, 0.0]
    np.testing.assert_allclose(gy, [0.0, np.log(2.0), 0.0])


def test_exponent_gradient_at_zero_base_is_zero() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # d/da a**0.5 at a = 0 is inf, as NumPy says
        _, (ga, gb) = grads(lambda a, b: a**b, [0.0, 0.0, 0.0], [2.0, 0.5, 1.0])
    assert gb.tolist() == [0.0, 0.0, 0.0]
    assert ga.tolist() == [0.0, np.inf, 1.0]
    _, (gb,) = grads(lambda b: cr.power(0.0, b), [2.0, 3.0])
    assert gb.tolist() == [0.0, 0.0]


def test_integer_powers_of_negative_bases_are_finite() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # not even a warning on the way
        out, (g,) = grads(lambda t: t**3 + t**-2 + t**2.0, [-2.0, -0.5])
        np.testing.assert_allclose(out, [-8 + 0.25 + 4, -0.125 + 4 + 0.25])
        np.testing.assert_allclose(g, [3 * 4 - 2 * -0.125 + 2 * -2, 3 * 0.25 - 2 * -8 + 2 * -0.5])
        out, (ga, gb) = grads(lambda a, b: a**b, [-2.0, -2.0], [3.0, 2.0])
    np.testing.assert_allclose(ga, [12.0, -4.0])
    assert gb.tolist() == [0.0, 0.0]  # no derivative along a non-integer exponent: 0, not NaN


def test_where_gives_the_unselected_branch_exact_zeros() -> None:
    c = np.array([True, False, True])
    _, (ga, gb) = grads(lambda a, b: cr.where(c, a, b), [np.inf, np.nan, 1.0], [np.nan, 2.0, np.inf])
    assert ga.tolist() == [1.0, 0.0, 1.0] and gb.tolist() == [0.0, 1.0, 0.0]
    # NaN in the upstream gradient stays on the selected side only
    _, (ga, gb) = grads(lambda a, b: cr.where(c, a, b), [1.0, 1.0, 1.0], [1.0, 1.0, 1.0], seed=np.array([np.nan, 1, 2]))
    assert np.isnan(ga[0]) and ga[1] == 0.0 and gb.tolist() == [0.0, 1.0, 0.0]


def test_all_neg_inf_slice_logsumexp() -> None:
    out, (g,) = grads(lambda t: cr.logsumexp(t, axis=1), [[NEG_INF, NEG_INF], [0.0, 0.0]])
    assert out[0] == NEG_INF and out[1] == pytest.approx(np.log(2))
    assert g.tolist() == [[0.0, 0.0], [0.5, 0.5]]
    out, (g,) = grads(cr.logsumexp, [NEG_INF, NEG_INF, NEG_INF])
    assert out == NEG_INF and g.tolist() == [0.0, 0.0, 0.0]


def test_all_neg_inf_slice_softmax_and_log_softmax() -> None:
    x = [[NEG_INF, NEG_INF], [0.0, NEG_INF]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no NaN arithmetic behind the scenes either
        out, (g,) = grads(lambda t: cr.softmax(t, axis=1), x, seed=np.array([[1.0, 2.0], [3.0, 4.0]]))
        assert out.tolist() == [[0.0, 0.0], [1.0, 0.0]]
        assert g.tolist() == [[0.0, 0.0], [0.0, 0.0]]
        out, (g,) = grads(lambda t: cr.log_softmax(t, axis=1), x, seed=np.array([[1.0, 2.0], [3.0, 4.0]]))
    assert out[0].tolist() == [NEG_INF, NEG_INF] and out[1].tolist() == [0.0, NEG_INF]
    assert np.all(np.isfinite(g)) and g[0].tolist() == [0.0, 0.0]
    # row 1: softmax is (1, 0), so the gradient is seed - softmax * sum(seed) = (3 - 7, 4 - 0)
    assert g[1].tolist() == [-4.0, 4.0]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_log_softmax_exact_next_to_huge_logits(dtype: str) -> None:
    x = np.array([1e4, 0.0, -1e4, 1e4 - 1], dtype=dtype)
    out, (g,) = grads(lambda t: cr.log_softmax(t), x, dtype=dtype)
    assert out.dtype == np.dtype(dtype)
    # exact: shift by the maximum first, in float64 (log(1 + e**-1 + e**-1e4 + ...) = log1p(e**-1))
    expected = (x.astype(np.float64) - 1e4) - np.log1p(np.exp(-1.0))
    np.testing.assert_allclose(out, expected, rtol=1e-6 if dtype == "float32" else 1e-14)
    # the entries next to the maximum keep their full precision (a naive x - logsumexp loses it in float32)
    assert float(out[0]) == pytest.approx(-np.log1p(np.exp(-1.0)), rel=1e-6)
    assert float(out[3]) == pytest.approx(-1 - np.log1p(np.exp(-1.0)), rel=1e-6)
    assert np.all(np.isfinite(g))


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_sigmoid_never_overflows(dtype: str) -> None:
    big = float(np.finfo(dtype).max)
    x = np.array([-big, -1000.0 if dtype != "float16" else -60000.0, 0.0, 30.0, big], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warning, no NaN
        out, (g,) = grads(cr.sigmoid, x, dtype=dtype)
        sp, (gsp,) = grads(cr.softplus, x[1:-1], dtype=dtype)
    assert out.dtype == np.dtype(dtype)
    assert out[0] == 0.0 and out[1] == 0.0 and out[2] == 0.5 and out[-1] == 1.0
    assert g[0] == 0.0 and g[2] == 0.25 and g[-1] == 0.0 and np.all(np.isfinite(g))
    assert np.all(np.isfinite(sp)) and np.all(np.isfinite(gsp))


def test_cross_entropy_with_huge_logits_is_finite() -> None:
    logits = cr.tensor([[1e4, 0.0, -1e4]], dtype="float32", requires_grad=True)
    loss = cr.cross_entropy(logits, [2])
    loss.backward()
    assert loss.item() == pytest.approx(2e4, rel=1e-6)
    np.testing.assert_allclose(logits.grad, [[1.0, 0.0, -1.0]], atol=1e-6)


def test_var_and_std_with_too_large_ddof_follow_numpy() -> None:
    with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for data, ddof in (([1.0, 2.0], 3), ([1.0, 2.0], 2), (np.zeros(0), 1)):
            a = np.asarray(data)
            np.testing.assert_equal(cr.var(cr.tensor(a), ddof=ddof).item(), np.var(a, ddof=ddof))
            np.testing.assert_equal(cr.std(cr.tensor(a), ddof=ddof).item(), np.std(a, ddof=ddof))


def test_std_gradient_at_a_constant_slice_is_zero() -> None:
    np.testing.assert_array_equal(cr.grad(cr.std)(np.array([1.0, 1.0, 1.0])), [0.0, 0.0, 0.0])
    g = cr.grad(lambda x: cr.std(x, axis=1).sum())(np.array([[1.0, 2.0], [3.0, 3.0]]))
    np.testing.assert_allclose(g, [[-0.5, 0.5], [0.0, 0.0]])
    # and forward mode agrees
    _, t = cr.jvp(cr.std, (np.array([2.0, 2.0]),), (np.array([1.0, -3.0]),))
    assert t == 0.0


def test_log_softmax_all_neg_inf_row_forward_mode_matches_reverse() -> None:
    x = np.array([[-np.inf, -np.inf], [0.5, -1.0]])
    fwd = cr.jacobian(lambda a: cr.log_softmax(a, axis=-1), mode="fwd")(x)
    rev = cr.jacobian(lambda a: cr.log_softmax(a, axis=-1), mode="rev")(x)
    np.testing.assert_allclose(fwd, rev)
    assert np.all(fwd[0] == 0)


def test_logaddexp_is_stable_and_splits_ties() -> None:
    x = cr.tensor([1000.0, -np.inf, 3.0, np.inf], requires_grad=True)
    y = cr.tensor([1000.0, -np.inf, -1e4, 5.0], requires_grad=True)
    out = cr.logaddexp(x, y)
    np.testing.assert_array_equal(out.data, np.logaddexp(x.data, y.data))
    out.backward(np.ones(4))
    np.testing.assert_allclose(x.grad, [0.5, 0.5, 1.0, 1.0])
    np.testing.assert_allclose(y.grad, [0.5, 0.5, 0.0, 0.0])
    assert isinstance(np.logaddexp(x, 0.0), cr.Tensor)  # NumPy's ufunc on a tensor records the graph


def test_nan_inputs_give_nan_gradients_not_zeros() -> None:
    # a NaN in the input must show in the gradient: masks written for -inf or x <= 0 used to swallow it
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        _, (gx, gy) = grads(lambda a, b: a**b, [np.nan, 2.0], [2.0, np.nan])
        assert np.isnan(gx[0]) and np.isnan(gy[0]) and np.isnan(gy[1])
        _, (g,) = grads(lambda t: cr.logsumexp(t, axis=1), [[np.nan, 1.0], [0.0, 0.0]])
        assert np.isnan(g[0]).all() and g[1].tolist() == [0.5, 0.5]
        _, (g,) = grads(
            lambda t: cr.log_softmax(t, axis=1), [[np.nan, 1.0], [0.0, 0.0]], seed=np.array([[1.0, 2.0]] * 2)
        )
        assert np.isnan(g[0]).all() and g[1].tolist() == [-0.5, 0.5]
        _, (g,) = grads(lambda t: cr.logsumexp(t), [np.inf, 1.0])  # as PyTorch and JAX: the inf entry is NaN
        assert np.isnan(g[0]) and g[1] == 0.0


def test_max_min_reductions_give_a_nan_result_gradient_to_the_nan_entries() -> None:
    # NumPy's max and min propagate NaN: the NaN entries are the extreme and take the gradient (as in PyTorch)
    x = [[np.nan, 1.0, np.nan], [2.0, 2.0, 1.0]]
    out, (g,) = grads(lambda t: cr.max(t, axis=1), x)
    assert np.isnan(out[0]) and g.tolist() == [[0.5, 0.0, 0.5], [0.5, 0.5, 0.0]]
    out, (g,) = grads(lambda t: cr.min(t), [3.0, np.nan, 1.0])
    assert np.isnan(out) and g.tolist() == [0.0, 1.0, 0.0]
    _, t = cr.jvp(lambda a: cr.max(a, axis=1), (np.array(x),), (np.array([[1.0, 5.0, 3.0], [1.0, 3.0, 7.0]]),))
    assert t.tolist() == [2.0, 2.0]


def test_logsumexp_gradient_exact_next_to_huge_inputs_in_float32() -> None:
    # softmax(x), computed shifted: exp(x - logsumexp(x)) would carry the result's rounding (1e-3 at 1e4)
    x = np.array([1e4, 1e4 + 1, 1e4 - 3], dtype=np.float32)
    exact = np.exp(x.astype(np.float64) - 1e4 - 1)
    exact /= exact.sum()
    _, (g,) = grads(cr.logsumexp, x, dtype="float32")
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, exact, rtol=1e-6)
    _, t = cr.jvp(cr.logsumexp, (x,), (np.ones(3, np.float32),))
    assert t == pytest.approx(1.0, rel=1e-6)


def test_p_norms_at_zero_have_zero_gradient() -> None:
    # as the 2-norm: 0 at the zero vector (a subgradient), and 0 for an entry that is 0 (also for p < 1, where
    # the slope there is infinite); PyTorch's choices
    for p in (3, 1.5, 0.5, -1):
        with np.errstate(divide="ignore"):  # (0 ** -1, in the forward pass: NumPy's own norm warns too)
            _, (g,) = grads(lambda t, p=p: cr.norm(t, p), [0.0, 0.0, 0.0])
        assert g.tolist() == [0.0, 0.0, 0.0], p
    _, (g,) = grads(lambda t: cr.norm(t, 3), [0.0, 2.0, -1.0])
    np.testing.assert_allclose(g, [0.0, 4 / 9 ** (2 / 3), -1 / 9 ** (2 / 3)], rtol=1e-14)
    _, (g,) = grads(lambda t: cr.norm(t, 0.5, axis=1), [[0.0, 4.0], [1.0, 1.0]])
    np.testing.assert_allclose(g, [[0.0, 1.0], [2.0, 2.0]], rtol=1e-14)
    assert np.all(np.isfinite(cr.hessian(lambda t: cr.norm(t, 3))(np.array([0.0, 2.0, -1.0]))))


def test_expm1_and_divide_gradients_do_not_lose_tiny_or_huge_values() -> None:
    # expm1'(x) = e**x: expm1(x) + 1 rounds to 0 below x = -37
    _, (g,) = grads(cr.expm1, [-50.0, -800.0, 1.0])
    np.testing.assert_allclose(g, np.exp([-50.0, -800.0, 1.0]), rtol=1e-15)
    # d(x/y)/dy = -x/y**2, taken as -(x/y)/y: y*y alone overflows or underflows where the quotient does not
    _, (gx, gy) = grads(cr.divide, [1e300, 1e-170, 2.0], [1e200, 1e-170, -4.0])
    np.testing.assert_allclose(gy, [-1e-100, -1e170, -0.125], rtol=1e-14)
    np.testing.assert_allclose(gx, [1e-200, 1e170, -0.25], rtol=1e-14)


def test_softmax_of_an_empty_axis_is_empty() -> None:
    for fn in (cr.softmax, cr.log_softmax):
        for shape, axis in (((0,), -1), ((2, 0), -1), ((0, 3), 0)):
            out, (g,) = grads(lambda t, fn=fn, axis=axis: fn(t, axis=axis), np.zeros(shape))
            assert out.shape == shape and g.shape == shape
    with pytest.raises(cr.AxisError):
        cr.softmax(cr.tensor(np.zeros((2, 0))), axis=2)


def test_exponent_gradient_at_zero_base_with_non_positive_exponent_is_zero() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # 0 ** -1 = inf, as NumPy says
        out, (gb,) = grads(lambda b: cr.power(0.0, b), [-1.0, -0.5, 0.0])
    assert out.tolist() == [np.inf, np.inf, 1.0] and gb.tolist() == [0.0, 0.0, 0.0]


def test_logaddexp_splits_infinite_ties_and_maximum_gives_nan_nothing() -> None:
    _, (gx, gy) = grads(cr.logaddexp, [np.inf, NEG_INF], [np.inf, NEG_INF])
    assert gx.tolist() == [0.5, 0.5] and gy.tolist() == [0.5, 0.5]
    for op in (cr.maximum, cr.minimum):
        out, (gx, gy) = grads(op, [np.nan, 1.0, np.nan], [1.0, np.nan, np.nan])
        assert np.isnan(out).all() and gx.tolist() == [0.0, 0.0, 0.0] and gy.tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_tanh_gelu_gradient_is_finite_for_huge_inputs(dtype: str) -> None:
    # gelu_tanh(x) is x or 0 out there, slope 1 or 0; x * x overflowing (float16 from 256) used to give 0 * inf
    big = float(np.finfo(dtype).max) / 4
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # x**3 overflows in the forward pass, harmlessly
        _, (g,) = grads(lambda t: cr.gelu(t, approximate="tanh"), [300.0, -300.0, big, -big, 3.0], dtype=dtype)
    assert g.dtype == np.dtype(dtype) and g[:4].tolist() == [1.0, 0.0, 1.0, 0.0]
    assert float(g[4]) == pytest.approx(1.0115842, rel=2e-3)


def test_casts_and_writes_to_integer_dtypes_are_constants() -> None:
    # an integer (or boolean) result is piecewise constant in its input: no gradient flows back through it
    x = cr.tensor([1.7, 2.2], requires_grad=True)
    for dtype in (np.int64, np.int32, bool):
        y = cr.astype(x, dtype=dtype)
        assert y.dtype == np.dtype(dtype) and not y.requires_grad and y.node is None
    np.testing.assert_array_equal(cr.grad(lambda a: cr.sum(cr.astype(a, np.int32) * a))(np.array([1.7, 2.2])), [1, 2])
    _, t = cr.jvp(lambda a: cr.astype(a, dtype=np.int32) * a, (np.array([1.7, 2.2]),), (np.ones(2),))
    np.testing.assert_array_equal(t, [1.0, 2.0])
    buf = cr.tensor(np.zeros(2, dtype=np.int64))
    buf[0] = x[0] * 2  # rounded into an integer buffer
    buf.add_(x)
    assert buf.tolist() == [4, 2] and not buf.requires_grad


def test_reductions_over_nothing_have_empty_gradients_without_warnings() -> None:
    for fn, shape, kw in (
        (cr.mean, (0, 3), {"axis": 0}),
        (cr.mean, (0,), {}),
        (cr.mean, (0, 3), {"axis": 0, "keepdims": True}),
        (cr.std, (0, 3), {"axis": 0}),
        (cr.std, (2, 0), {"axis": -1}),
    ):
        x = cr.tensor(np.zeros(shape), requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # the forward pass: NumPy's own "mean of empty slice"
            y = fn(x, **kw)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # the backward pass divides nothing by 0
            cr.sum(y).backward()
        assert x.grad.shape == shape


# ---------------------------------------------------------------------------------------------------
# NumPy's further elementwise functions, cumulative, order-based and NaN-ignoring operations


def test_arctan2_and_hypot_at_the_origin_give_zero() -> None:
    _, (gy, gx) = grads(cr.arctan2, [0.0, 1.0, 0.0], [0.0, 0.0, -2.0])
    assert gy.tolist() == [0.0, 0.0, -0.5] and gx.tolist() == [0.0, -1.0, 0.0]
    _, (gx, gy) = grads(cr.hypot, [0.0, 3.0], [0.0, -4.0])
    assert gx.tolist() == [0.0, 0.6] and gy.tolist() == [0.0, -0.8]
    # no overflow where x**2 + y**2 would: the slope at (y, x) = (3e200, 1e200) is 1e200 / 1e401 = 1e-201
    _, (gy, gx) = grads(cr.arctan2, [3e200], [1e200])
    np.testing.assert_allclose([gy[0], gx[0]], [1e-201, -3e-201], rtol=1e-14)
    _, (gy, gx) = grads(cr.arctan2, [3e-200], [1e-200])
    np.testing.assert_allclose([gy[0], gx[0]], [1e199, -3e199], rtol=1e-14)


def test_cbrt_at_zero_is_infinite_like_sqrt() -> None:
    with pytest.warns(RuntimeWarning, match="divide by zero"):
        _, (g,) = grads(cr.cbrt, [0.0, 8.0, -8.0])
    assert g[0] == np.inf and g[1:].tolist() == [1 / 12, 1 / 12]


def test_fmax_fmin_split_ties_and_pass_over_nan() -> None:
    x, y = [1.0, 2.0, np.nan, 1.0, np.nan], [1.0, 1.0, 3.0, np.nan, np.nan]
    value, (gx, gy) = grads(cr.fmax, x, y)
    np.testing.assert_array_equal(value, np.fmax(x, y))
    assert gx.tolist() == [0.5, 1.0, 0.0, 1.0, 0.0] and gy.tolist() == [0.5, 0.0, 1.0, 0.0, 0.0]
    value, (gx, gy) = grads(cr.fmin, x, y)
    np.testing.assert_array_equal(value, np.fmin(x, y))
    assert gx.tolist() == [0.5, 0.0, 0.0, 1.0, 0.0] and gy.tolist() == [0.5, 1.0, 1.0, 0.0, 0.0]


def test_logaddexp2_ties_give_half_to_each() -> None:
    value, (gx, gy) = grads(cr.logaddexp2, [0.0, NEG_INF, np.inf, 1.0], [0.0, NEG_INF, np.inf, 2.0])
    np.testing.assert_array_equal(value, np.logaddexp2([0.0, NEG_INF, np.inf, 1.0], [0.0, NEG_INF, np.inf, 2.0]))
    np.testing.assert_allclose(gx, [0.5, 0.5, 0.5, 1 / 3], rtol=1e-15)
    np.testing.assert_allclose(gy, [0.5, 0.5, 0.5, 2 / 3], rtol=1e-15)


def test_sinc_slope_near_zero_comes_from_its_series() -> None:
    x = np.array([0.0, 1e-8, -1e-4, 0.0999, 0.1, 0.5, 1.0])
    _, (g,) = grads(cr.sinc, x)
    exact = np.where(x == 0, 0.0, (np.cos(np.pi * x) - np.sinc(x)) / np.where(x == 0, 1, x))
    exact[1:3] = -(np.pi**2) * x[1:3] / 3 + np.pi**4 * x[1:3] ** 3 / 30  # the series, where the quotient cancels
    np.testing.assert_allclose(g, exact, rtol=1e-13, atol=0)
    assert float(cr.hessian(lambda t: cr.sinc(t))(0.0)) == pytest.approx(-(np.pi**2) / 3, rel=1e-14)


def test_copysign_and_fabs_follow_abs() -> None:
    _, (gx, gs) = grads(cr.copysign, [0.0, 2.0, -2.0, 2.0, -3.0], [1.0, -1.0, 1.0, -0.0, np.nan])
    assert gx.tolist() == [0.0, -1.0, -1.0, -1.0, -1.0] and gs.tolist() == [0.0] * 5
    _, (g,) = grads(cr.fabs, [0.0, 2.0, -2.0])
    assert g.tolist() == [0.0, 1.0, -1.0]


def test_cumprod_gradient_is_exact_with_zeros() -> None:
    w = np.arange(1.0, 6.0)
    _, (g,) = grads(cr.cumprod, [2.0, 0.0, 3.0, 0.0, 5.0], seed=w)
    # d/dx_1 sum_j w_j out_j = w_1 x_0 + w_2 x_0 x_2 = 2 * 2 + 3 * 2 * 3: the terms past the second zero vanish
    assert g.tolist() == [1.0, 22.0, 0.0, 0.0, 0.0]
    # its own derivative is right too (the O(n**2) formula when recording), also across the second zero:
    # d/dx_3 of d/dx_1 is x_0 x_2 (w_3 + w_4 x_4) = 6 * 29 (JAX gives the same Hessian)
    x = np.array([2.0, 0.0, 3.0, 0.0, 5.0])
    h = cr.hessian(lambda t: cr.sum(cr.cumprod(t) * w))(x)
    assert h[1].tolist() == [11.0, 0.0, 6.0, 174.0, 0.0] and h[4].tolist() == [0.0] * 5


def test_sort_ties_follow_the_stable_order() -> None:
    _, (g,) = grads(cr.sort, [1.0, 0.0, 1.0, 1.0], seed=np.array([1.0, 10.0, 100.0, 1000.0]))
    assert g.tolist() == [10.0, 1.0, 100.0, 1000.0]  # the three 1.0s keep their order in the sorted result


def test_median_and_quantile_send_ties_to_the_stable_positions() -> None:
    _, (g,) = grads(cr.median, [1.0, 1.0, 1.0])
    assert g.tolist() == [0.0, 1.0, 0.0]
    _, (g,) = grads(cr.median, [3.0, 1.0, 2.0, 4.0])
    assert g.tolist() == [0.5, 0.0, 0.5, 0.0]
    # q = 0.3 of 4 values: the sorted positions 0.9 of the way, 0.1 to the first, 0.9 to the second
    value, (g,) = grads(lambda t: cr.quantile(t, 0.3), [3.0, 1.0, 2.0, 4.0])
    assert value == np.quantile([3.0, 1.0, 2.0, 4.0], 0.3)
    np.testing.assert_allclose(g, [0.0, 0.1, 0.9, 0.0], rtol=1e-14)
    _, (g,) = grads(lambda t: cr.percentile(t, 100), [3.0, 1.0, 5.0, 4.0])
    assert g.tolist() == [0.0, 0.0, 1.0, 0.0]


def test_quantile_slope_in_q_is_the_right_hand_one() -> None:
    x = np.array([3.0, 1.0, 2.0, 7.0, 4.0])  # sorted 1 2 3 4 7, n - 1 = 4
    dq = cr.grad(lambda q: cr.quantile(x, q), argnums=0)
    assert float(dq(0.25)) == 4 * (3.0 - 2.0)  # (n - 1) q = 1: toward the next sorted value
    assert float(dq(0.6)) == pytest.approx(4 * (4.0 - 3.0), rel=1e-14)
    assert float(dq(0.0)) == 4 * (2.0 - 1.0)
    assert float(dq(1.0)) == 0.0


def test_median_and_quantile_of_a_slice_with_nan_send_the_gradient_to_that_nan() -> None:
    x = [[1.0, np.nan, 3.0, np.nan], [2.0, 5.0, 4.0, 0.5]]
    value, (g,) = grads(lambda t: cr.median(t, axis=1), x)
    np.testing.assert_array_equal(value, np.median(x, axis=1))
    assert g.tolist() == [[0.0, 0.0, 0.0, 1.0], [0.5, 0.0, 0.5, 0.0]]  # NumPy returns the last NaN of the row
    value, (g,) = grads(lambda t: cr.quantile(t, 0.2, axis=1), x)
    np.testing.assert_array_equal(value, np.quantile(x, 0.2, axis=1))
    assert g[0].tolist() == [0.0, 0.0, 0.0, 1.0]


def test_nan_ignoring_reductions_give_nan_entries_zero() -> None:
    x = [[1.0, np.nan, 3.0, 3.0], [np.nan, np.nan, np.nan, np.nan], [2.0, 2.0, 2.0, np.nan]]
    with pytest.warns(RuntimeWarning, match="All-NaN slice"):
        value, (g,) = grads(lambda t: cr.nanmax(t, axis=1), x)
    np.testing.assert_array_equal(value, [3.0, np.nan, 2.0])
    np.testing.assert_allclose(g, [[0, 0, 0.5, 0.5], [0, 0, 0, 0], [1 / 3, 1 / 3, 1 / 3, 0]], rtol=1e-15)
    with pytest.warns(RuntimeWarning, match="All-NaN slice"):
        _, (g,) = grads(lambda t: cr.nanmin(t, axis=1), x)
    np.testing.assert_allclose(g, [[1, 0, 0, 0], [0, 0, 0, 0], [1 / 3, 1 / 3, 1 / 3, 0]], rtol=1e-15)
    _, (g,) = grads(lambda t: cr.nansum(t, axis=1), x)
    assert g.tolist() == [[1, 0, 1, 1], [0, 0, 0, 0], [1, 1, 1, 0]]
    with pytest.warns(RuntimeWarning, match="Mean of empty slice"):
        value, (g,) = grads(lambda t: cr.nanmean(t, axis=1), x)
    np.testing.assert_array_equal(value, [7 / 3, np.nan, 2.0])
    np.testing.assert_allclose(g, [[1 / 3, 0, 1 / 3, 1 / 3], [0, 0, 0, 0], [1 / 3, 1 / 3, 1 / 3, 0]], rtol=1e-15)
    _, (g,) = grads(lambda t: cr.nancumsum(t, axis=1), x)
    assert g.tolist() == [[4, 0, 2, 1], [0, 0, 0, 0], [4, 3, 2, 0]]
    _, (g,) = grads(lambda t: cr.nancumprod(t), [2.0, np.nan, 3.0])
    assert g.tolist() == [1 + 1 + 3, 0.0, 2.0]


def test_ptp_of_a_constant_slice_has_zero_gradient() -> None:
    _, (g,) = grads(lambda t: cr.ptp(t, axis=1), [[1.0, 1.0, 1.0], [1.0, 3.0, 0.0]])
    assert g.tolist() == [[0.0, 0.0, 0.0], [0.0, 1.0, -1.0]]


# ---------------------------------------------------------------------------------------------------
def test_unique_partition_select_trim_zeros() -> None:
    _, (g,) = grads(lambda x: np.unique(x) * cr.tensor([1.0, 10.0]), [2.0, 1.0, 2.0, 1.0])
    assert g.tolist() == [10.0, 1.0, 0.0, 0.0]  # the first occurrence of each value
    a = np.array([3.0, 1.0, 3.0, 0.0, 3.0])
    order = np.argpartition(a, 2)
    _, (g,) = grads(lambda x: np.partition(x, 2), a, seed=np.arange(5.0))
    assert g[order].tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]  # argpartition's permutation, ties included
    c1, c2 = np.array([True, True, False]), np.array([True, False, False])
    _, (ga, gb, gd) = grads(lambda a, b, d: np.select([c1, c2], [a, b], d), [1.0, 2.0, 3.0], [4.0, 5.0, 6.0], 0.0)
    assert ga.tolist() == [1.0, 1.0, 0.0] and gb.tolist() == [0.0, 0.0, 0.0] and float(gd) == 1.0
    _, (g,) = grads(lambda x: np.pad(x, (1, 0), mode="maximum"), [2.0, 5.0, 5.0, 1.0])
    assert g.tolist() == [1.0, 1.5, 1.5, 1.0]
    _, (g,) = grads(np.trim_zeros, [0.0, 2.0, 0.0, 1.0, 0.0])
    assert g.tolist() == [0.0, 1.0, 1.0, 1.0, 0.0]


# Linear algebra (the "Linear algebra" table of docs/conventions.md)


def _fd(f, a: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central differences of scalar ``f`` at ``a``, entry by entry."""
    g = np.zeros_like(a)
    for idx in np.ndindex(a.shape):
        e = np.zeros_like(a)
        e[idx] = eps
        g[idx] = (f(a + e) - f(a - e)) / (2 * eps)
    return g


def _np_cofactor(a: np.ndarray) -> np.ndarray:
    n = a.shape[-1]
    return np.array(
        [[(-1) ** (i + j) * np.linalg.det(np.delete(np.delete(a, i, 0), j, 1)) for j in range(n)] for i in range(n)]
    )


def test_one_triangle_functions_have_the_symmetric_gradient() -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 3))
    a = x @ x.T + 3 * np.eye(3)  # symmetric positive definite, distinct eigenvalues
    w = rng.standard_normal((3, 3))
    for fn, np_fn in (
        (lambda t: cr.linalg.cholesky(t), np.linalg.cholesky),
        (lambda t: cr.linalg.cholesky(t, upper=True), lambda m: np.linalg.cholesky(m, upper=True)),
        (lambda t: cr.linalg.eigh(t)[1] ** 2, lambda m: np.linalg.eigh(m)[1] ** 2),
        (lambda t: cr.linalg.eigvalsh(t, UPLO="U"), lambda m: np.linalg.eigvalsh(m, UPLO="U")),
        (lambda t: cr.linalg.pinv(t, hermitian=True), lambda m: np.linalg.pinv(m, hermitian=True)),
        (lambda t: cr.linalg.svd(t, hermitian=True)[1], lambda m: np.linalg.svd(m, hermitian=True)[1]),
    ):
        g = cr.grad(lambda t, fn=fn: cr.sum(fn(t) * w[: fn(t).shape[-1]]))(a)
        np.testing.assert_allclose(g, g.T, rtol=0, atol=1e-12)  # symmetric
        # the gradient of f((A + A^T) / 2), by finite differences of NumPy's own function
        expected = _fd(lambda m, np_fn=np_fn: float(np.sum(np_fn((m + m.T) / 2) * w[: np_fn(m).shape[-1]])), a)
        np.testing.assert_allclose(g, expected, rtol=1e-6, atol=1e-7)


def test_det_gradient_at_singular_matrices_is_the_cofactor_matrix() -> None:
    rank2 = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]])
    rank1 = np.outer([1.0, 2.0, 3.0], [1.0, -1.0, 2.0])
    g = cr.grad(cr.linalg.det)(rank2)
    np.testing.assert_allclose(g, _np_cofactor(rank2), rtol=1e-12, atol=1e-12)
    assert np.abs(g).max() > 1  # not 0: the rank is M - 1
    np.testing.assert_allclose(cr.grad(cr.linalg.det)(rank1), np.zeros((3, 3)), atol=1e-12)  # rank M - 2: 0
    # the second derivative is exact too (the cofactor matrix of a 3x3 matrix is quadratic: exact differences)
    for a in (rank1, np.zeros((3, 3))):
        h = cr.hessian(cr.linalg.det)(a)
        for k, m in np.ndindex(3, 3):
            e = np.zeros((3, 3))
            e[k, m] = 1.0
            np.testing.assert_allclose(h[:, :, k, m], (_np_cofactor(a + e) - _np_cofactor(a - e)) / 2, atol=1e-12)
    with pytest.raises(cr.MissingRuleError, match="cofactor_derivative"):
        cr.grad(lambda a: cr.sum(cr.grad(lambda b: cr.sum(cr.grad(cr.linalg.det)(b) ** 2))(a)))(rank2)


def test_det_gradient_of_a_matrix_holding_nan_or_inf_is_nan() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for bad in (np.nan, np.inf):
            a = np.array([[bad, 1.0], [1.0, 2.0]])
            assert np.isnan(cr.grad(cr.linalg.det)(a)).all()  # no LinAlgError from the backward pass
        assert cr.grad(cr.linalg.det)(np.array([[np.nan]])).tolist() == [[1.0]]


def test_slogdet_of_a_singular_matrix_has_a_nan_gradient() -> None:
    a = cr.tensor(np.stack([np.ones((2, 2)), 2 * np.eye(2)]), requires_grad=True)
    sign, logabsdet = cr.linalg.slogdet(a)
    assert sign.tolist() == [0.0, 1.0] and logabsdet.data[0] == -np.inf
    assert not sign.requires_grad  # the sign is a constant
    cr.sum(logabsdet).backward()
    assert np.isnan(a.grad[0]).all()
    np.testing.assert_allclose(a.grad[1], 0.5 * np.eye(2), rtol=1e-15)  # inv(a).T, unaffected by its neighbour


def test_tied_eigenvalues_contribute_nothing() -> None:
    q = np.linalg.qr(np.random.default_rng(1).standard_normal((4, 4)))[0]
    w = np.random.default_rng(2).standard_normal((4, 4))

    def loss(w_v):  # the projector onto the repeated eigenvalue's eigenspace, and the eigenvalues summed alike
        vals, vecs = w_v
        return cr.sum((vecs[:, :2] @ vecs[:, :2].T) * w) + cr.sum(vals * np.array([1.0, 1.0, 2.0, 3.0]))

    def np_loss(m):
        vals, vecs = np.linalg.eigh((m + m.T) / 2)
        return float(np.sum((vecs[:, :2] @ vecs[:, :2].T) * w) + np.sum(vals * np.array([1.0, 1.0, 2.0, 3.0])))

    exact = np.diag([1.0, 1.0, 3.0, 5.0])  # eigenvalues tie exactly (PyTorch and JAX give NaN here)
    near = q @ exact @ q.T  # 1 +- 1e-16 (PyTorch and JAX give rounding noise here)
    for a in (exact, (near + near.T) / 2):
        g = cr.grad(lambda t: loss(cr.linalg.eigh(t)))(a)
        np.testing.assert_allclose(g, _fd(np_loss, a), rtol=1e-6, atol=1e-7)


def test_tied_and_zero_singular_values_contribute_nothing() -> None:
    rng = np.random.default_rng(3)
    u = np.linalg.qr(rng.standard_normal((4, 2)))[0]
    v = np.linalg.qr(rng.standard_normal((3, 2)))[0]
    a = u @ np.diag([2.0, 1.0]) @ v.T  # 4x3 of rank 2: one zero singular value
    g = cr.grad(lambda t: cr.linalg.norm(t, "nuc"))(a)
    uu, _, vh = np.linalg.svd(a, full_matrices=False)
    np.testing.assert_allclose(g, uu @ vh, atol=1e-12)  # U diag(1) V^T: a subgradient, finite
    # the singular values alone, through svd: the zero one is harmless
    g = cr.grad(lambda t: cr.sum(cr.linalg.svd(t, full_matrices=False).S * np.array([1.0, 2.0, 3.0])))(a)
    np.testing.assert_allclose(g, uu @ np.diag([1.0, 2.0, 3.0]) @ vh, atol=1e-12)
    # a tie for the largest singular value: max splits the gradient, giving the average of the tied u_i v_i^T
    d = np.diag([1.0, -1.0, 1.0])  # all three singular values are exactly 1
    g = cr.grad(lambda t: cr.linalg.norm(t, 2))(d)
    np.testing.assert_allclose(g, d / 3, atol=1e-15)


def test_pinv_gradient_is_the_derivative_at_constant_rank() -> None:
    rng = np.random.default_rng(4)
    b, c = rng.standard_normal((4, 2)), rng.standard_normal((2, 3))  # A = B C has rank 2 for every B, C
    w = rng.standard_normal((3, 4))
    gb, gc = cr.grad(lambda b, c: cr.sum(cr.linalg.pinv(b @ c) * w), argnums=(0, 1))(b, c)
    np.testing.assert_allclose(gb, _fd(lambda m: float(np.sum(np.linalg.pinv(m @ c) * w)), b), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(gc, _fd(lambda m: float(np.sum(np.linalg.pinv(b @ m) * w)), c), rtol=1e-6, atol=1e-7)


def test_qr_of_a_rank_deficient_matrix_has_a_nan_gradient() -> None:
    a = cr.tensor([[3.0, 6.0], [4.0, 8.0], [0.0, 0.0]], requires_grad=True)  # the second column: twice the first
    q, r = cr.linalg.qr(a)
    assert r.data[1, 1] == 0.0
    cr.sum(q).backward()
    assert np.isnan(a.grad).all()


def test_extra_columns_of_full_factorizations_refuse_gradients() -> None:
    a = np.arange(6.0).reshape(3, 2)
    with pytest.raises(cr.UnsupportedArgumentError, match="full_matrices=False"):
        np.linalg.svd(cr.tensor(a, requires_grad=True))
    with pytest.raises(cr.UnsupportedArgumentError, match="mode='reduced'"):
        cr.linalg.qr(cr.tensor(a, requires_grad=True), mode="complete")
    with pytest.raises(cr.UnsupportedArgumentError, match="mode='reduced'"):
        cr.linalg.qr(cr.tensor(a, requires_grad=True), mode="raw")
    u, s, _ = cr.linalg.svd(cr.tensor(a))  # no gradient needed: NumPy's values
    assert u.shape == (3, 3) and not u.requires_grad
    np.testing.assert_array_equal(s.data, np.linalg.svd(a)[1])


def test_matrix_power_zero_is_the_identity_with_zero_gradient() -> None:
    value, (g,) = grads(lambda t: cr.linalg.matrix_power(t, 0), [[2.0, 1.0], [np.inf, np.nan]])
    assert value.tolist() == [[1.0, 0.0], [0.0, 1.0]]
    assert g.tolist() == [[0.0, 0.0], [0.0, 0.0]]


def test_inverse_hyperbolics_fmod_heaviside_frexp_conventions() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert grads(cr.arccosh, [1.0, 0.5])[1][0].tolist()[0] == np.inf
        g = grads(cr.arctanh, [1.0, -1.0, 1.5])[1][0]
    assert g[0] == g[1] == np.inf and np.isnan(g[2])
    _, (gx, gy) = grads(cr.fmod, [0.3, -5.0], [0.1, 2.0])
    assert gx.tolist() == [1.0, 1.0] and gy.tolist() == [-2.0, 2.0]
    _, (gx, gh) = grads(cr.heaviside, [0.0, 1.0, -1.0], [0.5, 0.5, 0.5])
    assert gx.tolist() == [0.0, 0.0, 0.0] and gh.tolist() == [1.0, 0.0, 0.0]
    x = cr.tensor([0.0, 3.0], requires_grad=True)
    cr.frexp(x)[0].sum().backward()
    assert x.grad.tolist() == [1.0, 0.25]
    assert not cr.modf(x)[1].requires_grad and not cr.spacing(x).requires_grad
    assert grads(lambda t: cr.frexp(t)[0], [1e-200])[1][0].tolist() == [2.0**664]  # exact (PyTorch: inf)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        value, (_, gy) = grads(cr.fmod, [3.0, np.inf], [0.0, 2.0])
    assert np.isnan(value).all() and np.isnan(gy).all()  # NaN values, NaN slopes (PyTorch: +-inf)
