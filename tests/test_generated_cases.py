"""Regressions from a generated comparison of every operation with NumPy (forward values and dtypes, bit for
bit) and with finite differences (gradients): each test is a case where chainrule's value differed from NumPy's
or where it raised and NumPy did not.
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr

RNG = np.random.default_rng(2024)


def _same(got: object, expected: object) -> None:
    got = np.asarray(got.data if isinstance(got, cr.Tensor) else got)
    expected = np.asarray(expected)
    assert got.shape == expected.shape
    assert got.dtype == expected.dtype
    assert np.array_equal(got, expected, equal_nan=True)


# -- tensordot, inner and N-d dot compute their values with NumPy's own functions ----------------------------
# (they were an np.einsum, which sums in another order: the last bits differed, by 1e-6 in float32)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    ("sa", "sb", "axes"),
    [
        ((37, 53), (53, 41), 1),
        ((5, 300, 7), (7, 300, 5), 1),
        ((4, 30, 20), (30, 20, 3), 2),
        ((30, 8), (8, 30), ([1, 0], [0, 1])),
    ],
)
def test_tensordot_values_are_numpys(dtype: type, sa: tuple, sb: tuple, axes: object) -> None:
    a = RNG.standard_normal(sa).astype(dtype)
    b = RNG.standard_normal(sb).astype(dtype)
    _same(cr.tensordot(cr.tensor(a), cr.tensor(b), axes), np.tensordot(a, b, axes))
    _same(np.tensordot(cr.tensor(a), cr.tensor(b), axes), np.tensordot(a, b, axes))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_inner_and_nd_dot_values_are_numpys(dtype: type) -> None:
    a = RNG.standard_normal((5, 300, 7)).astype(dtype)
    b = RNG.standard_normal((6, 7)).astype(dtype)
    v = RNG.standard_normal(1000).astype(dtype)
    w = RNG.standard_normal(1000).astype(dtype)
    c = RNG.standard_normal((3, 7, 4)).astype(dtype)
    _same(cr.inner(cr.tensor(v), cr.tensor(w)), np.inner(v, w))
    _same(cr.inner(cr.tensor(a), cr.tensor(b)), np.inner(a, b))
    _same(cr.dot(cr.tensor(a), cr.tensor(c)), np.dot(a, c))


def test_tensordot_inner_dot_gradients() -> None:
    a = RNG.standard_normal((2, 3, 4))
    b = RNG.standard_normal((3, 4, 5))
    m = RNG.standard_normal((5, 4))
    cr.gradcheck(lambda a, b: cr.sum(cr.tensordot(a, b, 2) ** 2), (a, b))
    cr.gradcheck(lambda a, b: cr.sum(cr.tensordot(a, b, ([1, 2], [0, 1])) * np.arange(10.0).reshape(2, 5)), (a, b))
    cr.gradcheck(lambda a, m: cr.sum(cr.inner(a, m) ** 2), (a, m))
    cr.gradcheck(lambda a, c: cr.sum(cr.sin(cr.dot(a, c))), (a, RNG.standard_normal((2, 4, 3))))
    # forward mode and second order go through the same primitive
    x = RNG.standard_normal(4)
    h = cr.hessian(lambda x: cr.tensordot(x, cr.sin(x), 1))(x)
    expected = np.diag(2 * np.cos(x) - x * np.sin(x))
    assert np.allclose(h, expected)


def test_tensordot_mismatched_axes_raise() -> None:
    with pytest.raises(ValueError):
        cr.tensordot(cr.tensor(np.ones((2, 3))), cr.tensor(np.ones((4, 5))), 1)


# -- the norm of all entries: NumPy's dot product of the flattened values --------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16])
@pytest.mark.parametrize("keepdims", [False, True])
def test_norm_of_all_entries_is_numpys(dtype: type, keepdims: bool) -> None:
    x = RNG.standard_normal((5, 300, 7)).astype(dtype)
    _same(cr.linalg.norm(cr.tensor(x), keepdims=keepdims), np.linalg.norm(x, keepdims=keepdims))
    m = RNG.standard_normal((40, 70)).astype(dtype)
    _same(cr.linalg.norm(cr.tensor(m), "fro", keepdims=keepdims), np.linalg.norm(m, "fro", keepdims=keepdims))
    v = RNG.standard_normal(2000).astype(dtype)
    _same(cr.linalg.norm(cr.tensor(v), 2, keepdims=keepdims), np.linalg.norm(v, 2, keepdims=keepdims))
    g = cr.grad(lambda x: cr.linalg.norm(x))(x)
    assert g.dtype == dtype


# -- var of float16 values: np.var's own steps ----------------------------------------------------------------
@pytest.mark.parametrize(("shape", "axis"), [((37, 53), 0), ((5, 300, 7), None), ((5, 300, 7), (0, 1)), ((3000,), -1)])
@pytest.mark.parametrize("ddof", [0, 1])
def test_var_float16_is_numpys(shape: tuple, axis: object, ddof: int) -> None:
    x = RNG.standard_normal(shape).astype(np.float16)
    _same(cr.var(cr.tensor(x), axis=axis, ddof=ddof), np.var(x, axis=axis, ddof=ddof))
    _same(np.var(cr.tensor(x), axis=axis, ddof=ddof), np.var(x, axis=axis, ddof=ddof))


@pytest.mark.parametrize("values", [[1.0, 2.0, 4.0], [[1, 2], [3, 5]], 3.0, np.float16(2.5)])
def test_var_of_lists_and_numbers_is_numpys(values: object) -> None:
    # (the float16 test must not trip over a nested list, which NumPy's result_type reads as a field spec)
    for axis in (None, 0) if np.ndim(values) else (None,):
        got = cr.var(values, axis=axis)
        want = np.var(values, axis=axis)
        np.testing.assert_array_equal(np.asarray(got), want)
        assert np.asarray(got).dtype == want.dtype


def test_var_float16_gradient_and_axis_check() -> None:
    x = RNG.standard_normal(6).astype(np.float16)
    g = cr.grad(lambda x: cr.var(x))(x)
    assert g.dtype == np.float16
    x64 = x.astype(np.float64)
    assert np.allclose(g.astype(np.float64), 2 * (x64 - x64.mean()) / 6, rtol=1e-2, atol=1e-2)
    with pytest.raises(np.exceptions.AxisError):
        np.var(np.float16(1.5) * np.ones(()), axis=0)
    with pytest.raises(ValueError):
        cr.var(cr.tensor(np.ones((), np.float16)), axis=0)


# -- pad of a 0-d array -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
def test_pad_zero_dimensional(dtype: type) -> None:
    x = np.array(1.5).astype(dtype)
    _same(cr.pad(cr.tensor(x), 1), np.pad(x, 1))
    _same(np.pad(cr.tensor(x), 2), np.pad(x, 2))
    if dtype != np.int64:
        g = cr.grad(lambda t: cr.pad(t, 1) * 3.0)(x)
        assert g.dtype == dtype and g == 3.0


# -- writes to a position named twice: only the kept write has a gradient ----------------------------------------
@pytest.mark.parametrize(
    "index, value_shape",
    [
        (np.array([0, 2, 0]), (3,)),
        ([1, 1], ()),
        (np.array([3, 0, 3]), (3,)),
        ((np.array([2, 2]), slice(None)), (2, 4)),
        ((np.array([[0, 1], [0, 1]]), np.array([[1, 1], [1, 1]])), (2, 2)),
        (np.eye(4, dtype=bool)[:3], ()),
    ],
)
def test_repeated_index_writes_match_finite_differences(index: object, value_shape: tuple) -> None:
    x = RNG.standard_normal((3, 4)) if isinstance(index, tuple) or np.ndim(index) == 2 else RNG.standard_normal(4)
    v = RNG.standard_normal(value_shape)

    def f(x: object, v: object) -> object:
        return cr.index_put(x * x, v * v, index) ** 2

    assert cr.gradcheck(f, (x, v)).passed
    # the same through t[index] = v, as a user writes it
    xt, vt = cr.tensor(x, requires_grad=True), cr.tensor(v, requires_grad=True)
    y = xt * xt
    y[index] = vt * vt
    (y**2).sum().backward()
    want_x, want_v = cr.grad(lambda x, v: f(x, v).sum(), argnums=(0, 1))(x, v)
    np.testing.assert_allclose(xt.grad, want_x)
    np.testing.assert_allclose(vt.grad, want_v)
