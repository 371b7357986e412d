"""Regressions from an adversarial pass over the operations added for NumPy's functions (ops/ufuncs.py,
cumulative.py, order.py, stats.py, inverse.py, decompositions.py, products.py, chainrule.linalg): each test is a
case that NumPy answers and chainrule answered differently (a crash, a dtype, an error of the wrong kind or without
the operation's name), checked against NumPy itself and, for gradients, against finite differences or the
definition.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import chainrule as cr
from helpers import numerical_grad

L = cr.linalg
RNG = np.random.default_rng(11)


def _values(out: object) -> list[np.ndarray]:
    parts = out if isinstance(out, tuple) else (out,)
    return [np.asarray(p.data if isinstance(p, cr.Tensor) else p) for p in parts]


def _assert_same(got: object, expected: object) -> None:
    got, expected = _values(got), _values(expected)
    assert len(got) == len(expected)
    for g, e in zip(got, expected, strict=True):
        assert g.shape == e.shape and g.dtype == e.dtype, (g.shape, g.dtype, e.shape, e.dtype)
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-12)


# -- decompositions of a stack that holds no matrix ----------------------------------------------------------
EMPTY_STACKS = [(0, 3, 3), (0, 2, 3), (0, 3, 2), (2, 0, 3, 3)]
EMPTY_STACK_OPS = {
    "svd": (lambda a, lib: lib.linalg.svd(a, full_matrices=False)),
    "svd_square": (lambda a, lib: lib.linalg.svd(a) if a.shape[-1] == a.shape[-2] else lib.linalg.svdvals(a)),
    "svdvals": (lambda a, lib: lib.linalg.svdvals(a)),
    "qr": (lambda a, lib: lib.linalg.qr(a)),
    "qr_r": (lambda a, lib: lib.linalg.qr(a, mode="r")),
    "nuc": (lambda a, lib: lib.linalg.matrix_norm(a, ord="nuc")),
    "norm2": (lambda a, lib: lib.linalg.matrix_norm(a, ord=2)),
}


@pytest.mark.parametrize("shape", EMPTY_STACKS, ids=str)
@pytest.mark.parametrize("name", list(EMPTY_STACK_OPS))
def test_decompositions_of_an_empty_stack_match_numpy(name: str, shape: tuple[int, ...]) -> None:
    # NumPy answers with empty results; chainrule packed the factors with reshape(batch + (-1,)), which cannot infer
    # -1 from 0 elements ("cannot reshape array of size 0 into shape (0,newaxis)"), in the forward pass and in jvp
    fn = EMPTY_STACK_OPS[name]
    a = np.ones(shape)
    _assert_same(fn(cr.tensor(a), cr), fn(a, np))
    _assert_same(fn(a, cr), fn(a, np))

    def loss(t: cr.Tensor) -> cr.Tensor:
        return sum((cr.sum(p) for p in (lambda o: o if isinstance(o, tuple) else (o,))(fn(t, cr))), cr.tensor(0.0))

    g = cr.grad(loss)(a)
    assert g.shape == shape and g.dtype == np.float64
    out, tangent = cr.jvp(lambda t: fn(t, cr)[0] if isinstance(fn(t, cr), tuple) else fn(t, cr), (a,), (a,))
    assert np.shape(tangent) == np.shape(out)


# -- array_like inputs: nested lists, as NumPy takes them ------------------------------------------------------
LISTS = {
    "inv": lambda lib, m: lib.linalg.inv(m),
    "det": lambda lib, m: lib.linalg.det(m),
    "slogdet": lambda lib, m: lib.linalg.slogdet(m),
    "pinv": lambda lib, m: lib.linalg.pinv(m),
    "cholesky": lambda lib, m: lib.linalg.cholesky(m),
    "eigh": lambda lib, m: lib.linalg.eigh(m),
    "eigvalsh": lambda lib, m: lib.linalg.eigvalsh(m),
    "svd": lambda lib, m: lib.linalg.svd(m),
    "svdvals": lambda lib, m: lib.linalg.svdvals(m),
    "qr": lambda lib, m: lib.linalg.qr(m),
    "solve": lambda lib, m: lib.linalg.solve(m, [1.0, 2.0]),
    "matrix_power_0": lambda lib, m: lib.linalg.matrix_power(m, 0),
    "matrix_power_1": lambda lib, m: lib.linalg.matrix_power(m, 1),
    "matrix_power_-2": lambda lib, m: lib.linalg.matrix_power(m, -2),
    "matrix_power_int": lambda lib, m: lib.linalg.matrix_power([[1, 2], [3, 4]], 0),
}


@pytest.mark.parametrize("name", list(LISTS))
def test_linalg_takes_nested_lists_as_numpy_does(name: str) -> None:
    # np.result_type(list) reads a list as a structured dtype: every function raised
    # TypeError("Field elements must be 2- or 3-tuples, got '[2.0, 1.0]'") before NumPy could see the list
    m = [[2.0, 1.0], [1.0, 3.0]]
    _assert_same(LISTS[name](cr, m), LISTS[name](np, m))


def test_a_list_holding_a_tensor_keeps_its_gradient_through_det() -> None:
    t = cr.tensor(1.0, requires_grad=True)
    y = L.det([[t, 2.0], [3.0, 4.0]])
    y.backward()
    assert y.item() == pytest.approx(-2.0) and t.grad == pytest.approx(4.0)


# -- kron: NumPy makes arrays of its inputs first ---------------------------------------------------------------
@pytest.mark.parametrize(
    "a, b",
    [
        (np.ones(3, dtype=np.float32), 2.0),
        (3, np.ones((2, 2), dtype=np.float32)),
        (np.ones(2, dtype=np.float32), np.int64(3)),
        (np.float32(2.0), np.ones(2, dtype=np.float32)),
    ],
    ids=["f32_pyfloat", "pyint_f32", "f32_int64", "f32scalar_f32"],
)
def test_kron_with_numbers_has_numpys_dtype(a: object, b: object) -> None:
    # np.kron(float32 array, 2.0) is float64 (np.asanyarray(2.0) is a float64 array); chainrule multiplied by the
    # Python number as a weak scalar and kept float32
    expected = np.kron(a, b)

    def wrap(v: object) -> object:
        return cr.tensor(v) if isinstance(v, np.ndarray) else v

    for got in (cr.kron(wrap(a), wrap(b)), np.kron(wrap(a), wrap(b)) if isinstance(a, np.ndarray) else None):
        if got is not None:
            assert got.dtype == expected.dtype and got.shape == expected.shape
            np.testing.assert_array_equal(got.data, expected)
    x = cr.tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    cr.kron(x, 2.0).sum().backward()
    assert x.grad.dtype == np.float32 and np.array_equal(x.grad, np.full(3, 2.0))


# -- det at a matrix holding NaN or inf -------------------------------------------------------------------------
def test_det_gradient_of_a_matrix_with_nan_is_nan_not_an_error() -> None:
    # np.linalg.det answers (NaN); the cofactor gradient is made from an SVD, which does not converge on NaN, and the
    # backward pass raised LinAlgError("cofactor: SVD did not converge") where the derivative is NaN (as PyTorch's)
    a = np.array([[np.nan, 1.0, 0.0], [1.0, 2.0, 0.5], [0.0, 0.5, 3.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert np.isnan(cr.det(cr.tensor(a)).item()) == np.isnan(np.linalg.det(a))
        assert np.isnan(cr.grad(cr.det)(a)).all()
        assert np.isnan(cr.jvp(cr.det, (a,), (np.ones_like(a),))[1])
        assert np.isnan(cr.hessian(cr.det)(a)).any()
        assert np.isnan(L.cofactor(cr.tensor(a)).data).all()
        # in a stack, only the matrix holding NaN is NaN; the others keep their exact cofactors
        stack = np.stack([a, np.diag([2.0, 3.0, 4.0])])
        g = cr.grad(lambda t: cr.sum(cr.det(t)))(stack)
        assert np.isnan(g[0]).all()
        np.testing.assert_allclose(g[1], np.diag([12.0, 8.0, 6.0]), atol=1e-12)
        # 1 x 1: d det / d a = 1 whatever a is
        assert cr.grad(cr.det)(np.array([[np.nan]])).tolist() == [[1.0]]
        assert np.isnan(cr.grad(cr.det)(np.array([[np.inf, 1.0], [1.0, 2.0]]))).all()


# -- matrix norms 1 and inf of empty matrices ----------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(0, 0), (2, 0), (0, 2), (3, 2, 0), (3, 0, 2)], ids=str)
@pytest.mark.parametrize("order", [1, np.inf, -1, -np.inf], ids=["1", "inf", "-1", "-inf"])
def test_matrix_norms_of_empty_matrices_match_numpy(order: float, shape: tuple[int, ...]) -> None:
    # NumPy's ord=1 and ord=inf take max(..., initial=0): the largest of no sums is 0; chainrule's max raised
    a = np.ones(shape)
    try:
        expected = np.linalg.norm(a, order, axis=(-2, -1))
    except ValueError:  # ord=-1 / -inf: NumPy's min of nothing, which has no answer
        with pytest.raises(ValueError):
            cr.norm(cr.tensor(a), order, axis=(-2, -1))
        return
    t = cr.tensor(a, requires_grad=True)
    got = L.matrix_norm(t, ord=order)
    np.testing.assert_array_equal(got.data, expected)
    assert got.dtype == expected.dtype
    cr.sum(got).backward()
    assert t.grad.shape == shape
    kept = L.matrix_norm(cr.tensor(a), ord=order, keepdims=True)
    assert kept.shape == np.linalg.matrix_norm(a, ord=order, keepdims=True).shape


# -- chainrule.linalg.trace with an integer dtype, vecdot --------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.int32, np.int8, bool, np.float32, np.float16])
def test_linalg_trace_with_dtype_has_numpys_dtype(dtype: object) -> None:
    # trace(x, dtype=int32) cast x and summed: np.sum of int32 is int64, NumPy's trace stays int32
    x = RNG.standard_normal((2, 3, 3)) * 5
    expected = np.linalg.trace(x, dtype=dtype)
    got = L.trace(cr.tensor(x), dtype=dtype)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    np.testing.assert_array_equal(got.data, expected)
    np.testing.assert_array_equal(np.linalg.trace(cr.tensor(x), dtype=dtype).data, expected)


@pytest.mark.parametrize(
    "sa, sb, dtype, axis",
    [
        ((3,), (3,), bool, -1),
        ((2, 3), (3,), bool, -1),
        ((3, 3), (3, 3), np.float16, -1),
        ((2, 3, 4), (2, 3, 4), np.float16, 1),
        ((2, 3, 4), (2, 3, 4), np.float32, -1),
        ((2, 3), (2, 1), np.float64, 0),
        ((2, 1, 4), (3, 4), np.int64, -1),
    ],
)
def test_linalg_vecdot_matches_numpy(sa: tuple, sb: tuple, dtype: object, axis: int) -> None:
    # vecdot was sum(x1 * x2): int64 for booleans (NumPy: bool), products rounded to float16 before the sum (NumPy
    # accumulates float16 in float32: 3 ulps apart), a different order of summation in float32
    a = (RNG.standard_normal(sa) * 3).astype(dtype)
    b = (RNG.standard_normal(sb) * 3).astype(dtype)
    expected = np.linalg.vecdot(a, b, axis=axis)
    for got in (L.vecdot(cr.tensor(a), cr.tensor(b), axis=axis), np.linalg.vecdot(cr.tensor(a), b, axis=axis)):
        assert got.dtype == expected.dtype and got.shape == expected.shape
        np.testing.assert_array_equal(got.data, expected)


def test_linalg_vecdot_axis_counts_in_each_inputs_own_dimensions() -> None:
    # as NumPy's gufunc: axis=1 is axis 1 of x1 (2, 3, 4) and of x2 (3, 4), which do not match
    with pytest.raises(ValueError):
        np.linalg.vecdot(np.ones((2, 3, 4)), np.ones((3, 4)), axis=1)
    with pytest.raises(ValueError):
        L.vecdot(cr.tensor(np.ones((2, 3, 4))), cr.tensor(np.ones((3, 4))), axis=1)


def test_linalg_vecdot_gradients() -> None:
    a, b = RNG.standard_normal((2, 3, 4)), RNG.standard_normal((3, 1))
    w = RNG.standard_normal((2, 4))

    def f(x: np.ndarray, y: np.ndarray) -> float:
        return float(np.sum(np.linalg.vecdot(x, y, axis=-2) * w))

    ga, gb = cr.grad(lambda x, y: cr.sum(L.vecdot(x, y, axis=-2) * w), argnums=(0, 1))(a, b)
    np.testing.assert_allclose(ga, numerical_grad(f, [a, b], 0), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(gb, numerical_grad(f, [a, b], 1), rtol=1e-6, atol=1e-8)
    ta = cr.tensor(a.astype(np.float32), requires_grad=True)
    L.vecdot(ta, b.astype(np.float32), axis=-2).sum().backward()
    assert ta.grad.dtype == np.float32
    # forward mode against reverse mode
    v = RNG.standard_normal(a.shape)
    _, tangent = cr.jvp(lambda x: L.vecdot(x, b, axis=-2), (a,), (v,))
    jac = cr.jacobian(lambda x: L.vecdot(x, b, axis=-2))(a)
    np.testing.assert_allclose(tangent, np.tensordot(jac, v, axes=3), rtol=1e-12)


# -- errors: of NumPy's kind, naming the operation --------------------------------------------------------------------
@pytest.mark.parametrize(
    "call, name",
    [
        (lambda t: cr.median(t, axis=2), "median"),
        (lambda t: np.median(t, axis=(0, 0)), "median"),
        (lambda t: cr.quantile(t, 0.5, axis=3), "quantile"),
        (lambda t: np.percentile(t, 50, axis=-3), "percentile"),
        (lambda t: cr.nanmean(t, axis=3), "nanmean"),
        (lambda t: np.nansum(t, axis=(0, 2)), "nansum"),
        (lambda t: cr.ptp(t, axis=2), "ptp"),
    ],
    ids=["median", "median_repeated", "quantile", "percentile", "nanmean", "nansum", "ptp"],
)
def test_axis_errors_of_the_statistics_name_the_operation_and_shape(call: object, name: str) -> None:
    # they said "axis 2 is out of bounds for array of dimension 2" (NumPy's own error, no operation), "max: ...",
    # "sum: ...", or NumPy's bare ValueError("repeated axis")
    t = cr.tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(cr.AxisError, match=rf"^{name}: .*\(2, 3\)") as info:
        call(t)
    assert isinstance(info.value, ValueError) and isinstance(info.value, IndexError)


@pytest.mark.parametrize(
    "shape, order, axis",
    [((3, 3), 3, None), ((3, 3), 0, (0, 1)), ((4,), "fro", None), ((4,), "nuc", None), ((2, 3), "nuc", 1)],
    ids=["matrix3", "matrix0", "vector_fro", "vector_nuc", "nuc_one_axis"],
)
def test_invalid_norm_orders_are_value_errors_as_in_numpy(shape: tuple, order: object, axis: object) -> None:
    # NumPy raises ValueError("Invalid norm order ..."); chainrule raised a NotImplementedError only, which an
    # `except ValueError` written for NumPy does not catch (it stays an UnsupportedArgumentError too)
    x = np.ones(shape)
    with pytest.raises(ValueError):
        np.linalg.norm(x, order, axis=axis)
    with pytest.raises(ValueError, match="norm") as info:
        cr.norm(cr.tensor(x), order, axis=axis)
    assert isinstance(info.value, cr.UnsupportedArgumentError) and isinstance(info.value, cr.InvalidArgumentError)


def test_norm_with_a_boolean_order_is_numpys() -> None:
    # NumPy compares ord with 1 (True == 1): the 1-norm; chainrule refused booleans for vectors
    x = RNG.standard_normal(4)
    np.testing.assert_array_equal(cr.norm(cr.tensor(x), True).data, np.linalg.norm(x, True))
    np.testing.assert_array_equal(np.linalg.norm(cr.tensor(x), False).data, np.linalg.norm(x, False))


def test_pinv_of_an_empty_float16_matrix_is_numpys() -> None:
    # NumPy returns an empty result of the input's dtype before it refuses float16
    for shape in [(0, 0), (2, 0, 3)]:
        a = np.ones(shape, dtype=np.float16)
        _assert_same(L.pinv(cr.tensor(a)), np.linalg.pinv(a))


@pytest.mark.parametrize("axis", [(5,), (-3,), (0, 2), (1, 1), (0, -2), 2, -3], ids=str)
def test_vector_norm_axis_out_of_range_is_an_error_as_in_numpy(axis: object) -> None:
    # a tuple axis was taken modulo ndim: vector_norm(x, axis=(5,)) of a 2-D x answered the norm over axis 1
    x = np.arange(6.0).reshape(2, 3)
    with pytest.raises(ValueError):
        np.linalg.vector_norm(x, axis=axis)
    with pytest.raises(cr.AxisError, match=r"^vector_norm: .*\(2, 3\)"):
        L.vector_norm(cr.tensor(x), axis=axis)
    with pytest.raises(cr.AxisError, match="vector_norm"):
        L.vector_norm(cr.tensor(3.0), axis=0)  # 0-d: was ZeroDivisionError (axis % 0)


def test_vector_norm_of_a_list_axis_is_numpys_type_error_not_the_spectral_norm() -> None:
    # axis=[0, 1] went on to norm, which reads two axes as a matrix: ord=2 gave the largest singular value (7.348...)
    # instead of NumPy's TypeError (with a tuple, the 2-norm of all elements, 7.416...)
    x = np.arange(6.0).reshape(2, 3)
    with pytest.raises(TypeError):
        np.linalg.vector_norm(x, axis=[0, 1])
    with pytest.raises(TypeError, match="vector_norm"):
        L.vector_norm(cr.tensor(x), axis=[0, 1])
    np.testing.assert_allclose(L.vector_norm(cr.tensor(x), axis=(0, 1)).data, np.linalg.vector_norm(x, axis=(0, 1)))


def test_linalg_cross_axis_out_of_range_names_the_operation() -> None:
    # was a bare IndexError("tuple index out of range")
    x = cr.tensor(np.ones((2, 3)))
    with pytest.raises(cr.AxisError, match=r"^cross: axis 5"):
        L.cross(x, x, axis=5)
