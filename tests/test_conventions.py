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
