"""NumPy functions on tensors record the graph, or refuse loudly; np.asarray still gives plain values."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr


def _leaf(values):
    return cr.tensor(values, requires_grad=True)


def test_ufuncs_and_functions_return_tensors_with_gradients() -> None:
    x = _leaf([[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]])
    a = np.array([1.0, 2.0, 3.0])
    w = np.ones((3, 2))
    results = {
        "exp": np.exp(x),
        "sum0": np.sum(x, axis=0),
        "matmul": np.matmul(x, w),
        "maximum": np.maximum(x, 0),
        "radd": a + x,
        "rmul": a * x,
        "rsub": a - x,
        "rdiv": a / (x + 3),
        "rmatmul": np.ones((4, 2)) @ x,
        "mean": np.mean(x, axis=1, keepdims=True),
        "reshape": np.reshape(x, (3, 2)),
        "transpose": np.transpose(x),
        "concat": np.concatenate([x, np.zeros((1, 3))]),
        "stack": np.stack([x, x]),
        "where": np.where(x.data > 0, x, 0.0),
        "clip": np.clip(x, -0.5, 1.0),
        "dot": np.dot(x, a),
        "einsum": np.einsum("ij,j->i", x, a),
        "norm": np.linalg.norm(x),
        "tanh": np.tanh(x),
        "max": np.max(x, axis=1),
        "abs": np.abs(x),
        "sqrt": np.sqrt(x * x + 1),
    }
    for name, r in results.items():
        assert isinstance(r, cr.Tensor), f"{name}: got {type(r).__name__}"
        assert r.requires_grad, f"{name}: the result is not connected to the graph"
    # the gradients are the same as with chainrule's own functions
    y = np.sum(np.exp(x) * a) + np.sum(np.maximum(x, 0) ** 2)
    y.backward()
    expected = np.exp(x.data) * a + 2 * np.maximum(x.data, 0)
    np.testing.assert_allclose(x.grad, expected)


def test_plain_value_access_still_works() -> None:
    x = _leaf([1.0, 2.0, 3.0])
    arr = np.asarray(x)
    assert type(arr) is np.ndarray and arr.tolist() == [1.0, 2.0, 3.0]
    assert np.array(x, dtype=np.float32).dtype == np.float32
    assert np.shape(x) == (3,) and np.ndim(x) == 1 and np.size(x) == 3
    assert np.allclose(x, [1, 2, 3]) and np.isclose(x, 2.0).tolist() == [False, True, False]
    assert np.argmax(x).item() == 2
    assert np.zeros_like(x).tolist() == [0.0, 0.0, 0.0]
    np.testing.assert_allclose(x, [1.0, 2.0, 3.0])
    assert isinstance(x > 1.5, cr.Tensor)


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda t: np.fft.ifft(t), "np.fft.ifft"),
        (lambda t: np.fft.fft(t), "np.fft.fft"),
        (lambda t: np.fft.rfft(t), "np.fft.rfft"),
        (lambda t: np.add.reduce(t), "add.reduce"),
        (lambda t: np.multiply.accumulate(t), "multiply.accumulate"),
        (lambda t: np.sum(t, out=np.empty(())), "np.sum"),
        (lambda t: np.exp(t, out=np.empty(3)), "exp"),
    ],
)
def test_unsupported_numpy_functions_raise_and_name_the_function(call, name) -> None:
    x = _leaf([1.0, 2.0, 3.0])
    with pytest.raises(cr.UnsupportedOperationError, match=name.replace(".", r"\.")) as info:
        call(x)
    assert isinstance(info.value, TypeError)
    assert "drop gradients" in str(info.value)


def test_inplace_ndarray_update_with_tensor_is_refused() -> None:
    a = np.zeros(3)
    with pytest.raises(cr.UnsupportedOperationError):
        a += _leaf([1.0, 2.0, 3.0])


def test_take_along_axis_and_array_split_take_numpys_arguments() -> None:
    a = np.arange(6.0).reshape(2, 3)
    x = _leaf(a)
    idx = np.array([[0, 0], [2, 1]])
    y = np.take_along_axis(x, idx)  # NumPy's default axis is -1
    np.testing.assert_array_equal(y.data, np.take_along_axis(a, idx, axis=-1))
    z = np.take_along_axis(x, np.array([5, 0, 5]), axis=None)  # the flattened array
    np.testing.assert_array_equal(z.data, [5.0, 0.0, 5.0])
    (cr.sum(y) + cr.sum(z)).backward()
    assert x.grad.tolist() == [[3.0, 0.0, 0.0], [0.0, 1.0, 3.0]]
    parts = np.array_split(x, [1, 2], axis=1)  # indices, not a count
    assert [p.shape for p in parts] == [(2, 1), (2, 1), (2, 1)]
    with pytest.raises(cr.InvalidArgumentError, match="at least 1"):
        np.array_split(x, 0)


def test_np_clip_without_bounds_copies_as_numpy_does() -> None:
    x = _leaf([1.0, -2.0, np.nan])
    y = np.clip(x, None, None)
    np.testing.assert_array_equal(y.data, np.clip(x.data, None, None))
    cr.sum(y * 2.0).backward()
    assert x.grad.tolist() == [2.0, 2.0, 2.0]


@pytest.mark.parametrize(
    "order, axis",
    [
        (0, None),
        (3, None),
        (0.5, None),
        (-1, None),
        (-np.inf, -1),
        (np.inf, 0),
        (1, (0, 1)),
        (-1, (1, 0)),
        (np.inf, None),
        (-np.inf, (0, 1)),
    ],
)
def test_linalg_norm_orders_match_numpy(order, axis) -> None:
    a = np.array([[0.5, -2.0, 1.5], [3.0, 0.25, -1.0]])
    if axis is None and order in (0, 3, 0.5, -1):
        a = a[1]  # vector orders without an axis need a vector
    got = np.linalg.norm(_leaf(a), order, axis=axis)
    np.testing.assert_allclose(got.data, np.linalg.norm(a, order, axis=axis), rtol=1e-15)
    assert got.requires_grad


def test_linalg_norm_of_empty_slices_matches_numpy() -> None:
    for order in (np.inf, 3, 0, 1, None):
        x = _leaf(np.zeros((2, 0)))
        y = np.linalg.norm(x, order, axis=-1)
        np.testing.assert_array_equal(y.data, np.linalg.norm(np.zeros((2, 0)), order, axis=-1))
        cr.sum(y).backward()
        assert x.grad.shape == (2, 0)


@pytest.mark.parametrize("order", [None, 1, 3, 0, np.inf, -1])
def test_linalg_norm_of_integers_is_float_as_in_numpy(order) -> None:
    a = np.array([3_000_000_000, -4_000_000_000, 5])  # x * x would overflow int64
    got = np.linalg.norm(cr.tensor(a), order)
    expected = np.linalg.norm(a, order)
    assert got.dtype == expected.dtype == np.float64
    np.testing.assert_allclose(got.data, expected, rtol=1e-15)


# ---------------------------------------------------------------------------------------------------
# NumPy's further ufuncs, cumulative, order-based and NaN-ignoring functions run the chainrule operations

UFUNC_CALLS = {
    "arctan2": lambda t, u: np.arctan2(t, u),
    "hypot": lambda t, u: np.hypot(t, u),
    "fmax": lambda t, u: np.fmax(t, u),
    "fmin": lambda t, u: np.fmin(t, u),
    "logaddexp2": lambda t, u: np.logaddexp2(t, u),
    "copysign": lambda t, u: np.copysign(t, u),
    "cbrt": lambda t, u: np.cbrt(t),
    "deg2rad": lambda t, u: np.deg2rad(t),
    "radians": lambda t, u: np.radians(t),
    "rad2deg": lambda t, u: np.rad2deg(t),
    "degrees": lambda t, u: np.degrees(t),
    "sinc": lambda t, u: np.sinc(t),
    "fabs": lambda t, u: np.fabs(t),
    "positive": lambda t, u: np.positive(t),
}


@pytest.mark.parametrize("name", sorted(UFUNC_CALLS))
def test_more_ufuncs_dispatch_to_chainrule(name) -> None:
    a = np.array([[0.5, -1.5, 2.0], [-0.25, 1.0, -3.0]])
    b = np.array([1.5, -0.5, 0.75])
    x, y = _leaf(a), _leaf(b)
    call = UFUNC_CALLS[name]
    got = call(x, y)
    assert isinstance(got, cr.Tensor) and got.requires_grad
    expected = call(a, b)
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got.data, expected)
    cr.sum(got * got).backward()
    # the same gradient as the chainrule function of that name
    x2, y2 = _leaf(a), _leaf(b)
    fn = getattr(cr, name)
    ref = fn(x2, y2) if name in ("arctan2", "hypot", "fmax", "fmin", "logaddexp2", "copysign") else fn(x2)
    cr.sum(ref * ref).backward()
    np.testing.assert_array_equal(x.grad, x2.grad)


def test_fabs_and_positive_keep_numpys_dtypes() -> None:
    i = cr.tensor([1, -2, 3])
    assert np.fabs(i).dtype == np.float64 and np.abs(i).dtype == i.dtype
    x = _leaf([1.0, -2.0])
    p = np.positive(x)
    assert p is not x and p.requires_grad and p.tolist() == [1.0, -2.0]


FUNCTION_CALLS = {
    "cumsum": lambda t: np.cumsum(t),
    "cumsum_axis": lambda t: np.cumsum(t, axis=1),
    "cumprod": lambda t: np.cumprod(t, 0),
    "nancumsum": lambda t: np.nancumsum(t, axis=-1),
    "nancumprod": lambda t: np.nancumprod(t),
    "diff": lambda t: np.diff(t, n=2, axis=1, prepend=0.0),
    "sort": lambda t: np.sort(t),
    "sort_axis_none_stable": lambda t: np.sort(t, axis=None, kind="stable"),
    "sort_stable_kw": lambda t: np.sort(t, axis=0, stable=True),
    "flip": lambda t: np.flip(t, 1),
    "roll": lambda t: np.roll(t, -1, axis=1),
    "triu": lambda t: np.triu(t, 1),
    "tril": lambda t: np.tril(t),
    "median": lambda t: np.median(t, axis=1, keepdims=True),
    "quantile": lambda t: np.quantile(t, [0.25, 0.6], axis=0),
    "percentile": lambda t: np.percentile(t, 35.0, axis=(0, 1), method="linear"),
    "nansum": lambda t: np.nansum(t, axis=0, keepdims=True),
    "nanmean": lambda t: np.nanmean(t, axis=1),
    "nanmax": lambda t: np.nanmax(t),
    "nanmin": lambda t: np.nanmin(t, axis=0),
    "ptp": lambda t: np.ptp(t, axis=1),
}


@pytest.mark.parametrize("name", sorted(FUNCTION_CALLS))
def test_more_numpy_functions_record_the_graph(name) -> None:
    a = np.array([[0.5, np.nan, 2.0, -1.0], [3.0, 0.25, -0.5, 1.5], [1.25, -2.0, 0.75, 2.5]])
    if not name.startswith("nan"):
        a[0, 1] = -0.25
    x = _leaf(a)
    got = FUNCTION_CALLS[name](x)
    assert isinstance(got, cr.Tensor) and got.requires_grad
    expected = FUNCTION_CALLS[name](a)
    assert got.shape == expected.shape and got.dtype == expected.dtype
    np.testing.assert_array_equal(got.data, expected)
    w = np.random.default_rng(0).standard_normal(got.shape)
    cr.sum(got * w).backward()
    assert x.grad.shape == a.shape and x.grad.dtype == a.dtype
    # against central differences of NumPy's own function (NaN entries are constants: their gradient is 0)
    eps = 1e-6
    for k in np.ndindex(a.shape):
        hi, lo = a.copy(), a.copy()
        hi[k] += eps
        lo[k] -= eps
        expected_k = np.sum((FUNCTION_CALLS[name](hi) - FUNCTION_CALLS[name](lo)) * w) / (2 * eps)
        assert x.grad[k] == pytest.approx(0.0 if np.isnan(a[k]) else expected_k, rel=1e-6, abs=1e-8), (name, k)


def test_numpys_functions_of_a_numpy_program_differentiate() -> None:
    def f(x):
        s = np.sort(x)
        return np.sum(np.cumprod(s) * np.diff(x, prepend=0.0)) + np.median(x) + np.nanmax(np.arctan2(x, 1.0 + x * x))

    x = np.array([0.3, -0.8, 1.1, 0.0, 2.2])
    g = cr.grad(f)(x)
    eps = 1e-6
    expected = [(f(x + eps * e) - f(x - eps * e)) / (2 * eps) for e in np.eye(5)]
    np.testing.assert_allclose(g, expected, rtol=1e-6, atol=1e-9)
    _, dy = cr.jvp(f, (x,), (np.ones(5),))
    assert dy == pytest.approx(np.sum(g), rel=1e-12)


def test_cumsum_and_cumprod_methods_match_ndarrays() -> None:
    a = np.array([[0.5, 2.0, -1.0], [3.0, 0.0, 1.5]], dtype=np.float32)
    x = _leaf(a)
    for name, args in (("cumsum", ()), ("cumsum", (1,)), ("cumprod", (0,)), ("cumprod", ())):
        got = getattr(x, name)(*args)
        expected = getattr(a, name)(*args)
        assert got.dtype == expected.dtype == np.float32
        np.testing.assert_array_equal(got.data, expected)
    cr.sum(x.cumprod(1)).backward()
    # row [a, b, c]: d(a + ab + abc) = (1 + b + bc, a + ac, ab); the zero in row 2 still gets 3 + 3 * 1.5
    assert x.grad.dtype == np.float32 and x.grad.tolist() == [[1.0, 0.0, 1.0], [1.0, 7.5, 0.0]]


def test_cumulative_dtype_argument() -> None:
    x = _leaf([0.6, 1.7, 2.9])
    y = np.cumsum(x, dtype=np.float32)
    assert y.dtype == np.float32 and y.requires_grad
    cr.sum(y).backward()
    assert x.grad.dtype == np.float64 and x.grad.tolist() == [3.0, 2.0, 1.0]
    z = np.cumsum(x, dtype=np.int64)  # rounded: a constant, as a cast to an integer dtype
    assert z.tolist() == np.cumsum([0.6, 1.7, 2.9], dtype=np.int64).tolist() and not z.requires_grad


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda t: np.cumsum(t, out=np.empty(3)), "cumsum"),
        (lambda t: np.median(t, out=np.empty(())), "median"),
        (lambda t: np.quantile(t, 0.5, method="nearest"), "method='linear'"),
        (lambda t: np.percentile(t, 50, weights=np.ones(3), method="inverted_cdf"), "weights"),
        (lambda t: np.nansum(t, out=np.empty(())), "np.nansum"),
        (lambda t: np.sort(t, order="f"), "order"),
    ],
)
def test_unsupported_arguments_of_the_new_functions_are_refused(call, match) -> None:
    with pytest.raises((cr.UnsupportedOperationError, cr.UnsupportedArgumentError), match=match):
        call(_leaf([1.0, 2.0, 3.0]))


def test_quantile_arguments_are_checked_as_numpy_checks_them() -> None:
    x = _leaf([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        np.quantile(x, 1.5)
    with pytest.raises(ValueError, match=r"\[0, 100\]"):
        np.percentile(x, -1)
    with pytest.raises(ValueError, match="diff requires input that is at least one dimensional"):
        np.diff(cr.tensor(1.0))
    with pytest.raises(IndexError):
        np.cumsum(x, axis=1)


# ---------------------------------------------------------------------------------------------------
# np.linalg (and np.kron, np.cross, np.einsum with '...') on tensors: chainrule.linalg's operations

_A = np.array([[4.0, 1.0, -0.5], [0.5, 3.0, 0.25], [-1.0, 0.75, 5.0]])  # well conditioned
_S = _A @ _A.T  # symmetric positive definite, distinct eigenvalues
_W = np.array([[0.5, -2.0, 1.5, 1.0], [3.0, 0.25, -1.0, 2.0], [1.0, 1.0, 0.5, -0.5]])  # 3x4
_LINALG_CALLS = {
    "inv": (lambda m: np.linalg.inv(m), _A),
    "det": (lambda m: np.linalg.det(m), _A),
    "slogdet": (lambda m: np.linalg.slogdet(m), _A),
    "solve_vector": (lambda m: np.linalg.solve(m, np.array([1.0, 2.0, 3.0])), _A),
    "solve_matrix": (lambda m: np.linalg.solve(m, np.ones((3, 2))), _A),
    "pinv": (lambda m: np.linalg.pinv(m), _W),
    "matrix_power": (lambda m: np.linalg.matrix_power(m, -2), _A),
    "cholesky": (lambda m: np.linalg.cholesky(m), _S),
    "cholesky_upper": (lambda m: np.linalg.cholesky(m, upper=True), _S),
    "eigh": (lambda m: np.linalg.eigh(m), _S),
    "eigvalsh": (lambda m: np.linalg.eigvalsh(m, UPLO="U"), _S),
    "svd": (lambda m: np.linalg.svd(m, full_matrices=False), _W),
    "svd_square": (lambda m: np.linalg.svd(m), _A),
    "svd_values": (lambda m: np.linalg.svd(m, compute_uv=False), _W),
    "svdvals": (lambda m: np.linalg.svdvals(m), _W),
    "qr": (lambda m: np.linalg.qr(m), _W),
    "qr_r": (lambda m: np.linalg.qr(m, mode="r"), _W.T),
    "multi_dot": (lambda m: np.linalg.multi_dot([m, m.T, m]), _W),
    "norm2": (lambda m: np.linalg.norm(m, 2), _W),
    "norm-2": (lambda m: np.linalg.norm(m, -2), _W),
    "nuc": (lambda m: np.linalg.norm(m, "nuc", axis=(1, 0), keepdims=True), _W),
    "matrix_norm": (lambda m: np.linalg.matrix_norm(m, ord="nuc"), _W),
    "vector_norm": (lambda m: np.linalg.vector_norm(m, axis=(0, 1), ord=3, keepdims=True), _W),
    "vector_norm_flat": (lambda m: np.linalg.vector_norm(m), _W),
    "matmul": (lambda m: np.linalg.matmul(m, m.T), _W),
    "tensordot": (lambda m: np.linalg.tensordot(m, m, axes=([0], [0])), _W),
    "outer": (lambda m: np.linalg.outer(m[0], m[1]), _W),
    "cross": (lambda m: np.linalg.cross(m, m[::-1]), _A),
    "trace": (lambda m: np.linalg.trace(m, offset=1), _W),
    "diagonal": (lambda m: np.linalg.diagonal(m), _W),
    "matrix_transpose": (lambda m: np.linalg.matrix_transpose(m), _W),
    "np.matrix_transpose": (lambda m: np.matrix_transpose(m), _W),
    "vecdot": (lambda m: np.linalg.vecdot(m, m[0]), _W),
    "kron": (lambda m: np.kron(m, m[:2, :2]), _A),
    "np.cross": (lambda m: np.cross(m, m[0], axisa=0, axisc=0), _A),
    "einsum_ellipsis": (lambda m: np.einsum("...ij,...j->...i", m, m[0]), _A),
}


@pytest.mark.parametrize("name", list(_LINALG_CALLS))
def test_np_linalg_functions_record_the_graph_and_give_numpys_values(name) -> None:
    call, a = _LINALG_CALLS[name]
    x = _leaf(a)
    got, expected = call(x), call(a)
    outs = got if isinstance(got, tuple) else (got,)
    refs = expected if isinstance(expected, tuple) else (expected,)
    assert type(got).__name__ == type(expected).__name__ or not isinstance(expected, tuple)
    if isinstance(expected, tuple):
        assert got._fields == expected._fields  # the same named fields: .eigenvalues, .U, .logabsdet ...
    for o, r in zip(outs, refs, strict=True):
        assert isinstance(o, cr.Tensor) and o.shape == np.shape(r) and o.dtype == np.asarray(r).dtype
        np.testing.assert_allclose(o.data, r, rtol=1e-12, atol=1e-14)
    tracked = [o for o in outs if o.requires_grad]
    assert tracked, f"{name}: nothing is connected to the graph"
    sum(cr.sum(o * o) for o in tracked).backward()
    assert x.grad.shape == a.shape and np.isfinite(x.grad).all()


def test_np_linalg_keeps_float32() -> None:
    a = _leaf(_A.astype(np.float32))
    for out in (np.linalg.inv(a), np.linalg.det(a), np.linalg.svd(a).S, np.linalg.eigh(a @ a.T).eigenvectors):
        assert out.dtype == np.float32
    cr.sum(np.linalg.inv(a)).backward()
    assert a.grad.dtype == np.float32


def test_np_linalg_errors_are_chainrules_and_numpys() -> None:
    x = _leaf(np.ones((2, 2)))
    with pytest.raises(np.linalg.LinAlgError, match=r"inv: Singular matrix \(input shape \(2, 2\)\)") as info:
        np.linalg.inv(x)
    assert isinstance(info.value, cr.LinAlgError)
    with pytest.raises(np.linalg.LinAlgError, match=r"square.*\(2, 3\)") as info:
        np.linalg.det(_leaf(np.ones((2, 3))))
    assert isinstance(info.value, cr.ShapeError)
    with pytest.raises(cr.UnsupportedOperationError, match=r"np\.linalg\.eigvals\b.*complex"):
        np.linalg.eigvals(x)  # (lstsq is supported now: tests/test_solvers.py)
    with pytest.raises(cr.UnsupportedOperationError, match=r"np\.linalg\.eig\b"):
        np.linalg.eig(x)


def test_builtin_divmod_and_the_array_api_names() -> None:
    t = cr.tensor([7.5, -7.5], requires_grad=True)
    q, r = divmod(t, 2.0)
    np.testing.assert_array_equal(q.numpy(), np.array([3.0, -4.0]))
    np.testing.assert_array_equal(r.numpy(), np.array([1.5, 0.5]))
    r.sum().backward()
    np.testing.assert_array_equal(t.grad, [1.0, 1.0])
    d = cr.tensor([3.0, -4.0], requires_grad=True)
    q, r = divmod(10.0, d)
    expected = divmod(np.array([10.0, 10.0]), np.array([3.0, -4.0]))
    np.testing.assert_array_equal(q.numpy(), expected[0])
    np.testing.assert_array_equal(r.numpy(), expected[1])
    r.sum().backward()
    np.testing.assert_array_equal(d.grad, -expected[0])  # d(x - q y)/dy = -q
    assert (cr.asin, cr.acos, cr.atan, cr.atan2) == (cr.arcsin, cr.arccos, cr.arctan, cr.arctan2)
    assert (cr.asinh, cr.acosh, cr.atanh) == (cr.arcsinh, cr.arccosh, cr.arctanh)
