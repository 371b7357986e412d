"""NumPy functions on tensors whose results carry no gradient (indices, booleans, dtypes), NumPy's integer-only
ufuncs, and writing a tensor's values to a file (np.save, np.savez, np.savetxt): NumPy's results, as for ndarrays."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr


def _same(got, want) -> None:
    if isinstance(want, tuple):
        assert isinstance(got, tuple) and len(got) == len(want)
        for g, w in zip(got, want, strict=True):
            _same(g, w)
        return
    if isinstance(want, np.ndarray):
        assert type(got) is np.ndarray, "indices come back as plain arrays, as np.argsort's"
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(got, want)
    else:
        assert got == want and type(got) is type(want)


_X = np.array([[0.5, -1.0, 2.0], [3.0, 0.5, -2.5]])
CASES = {
    "argpartition": lambda a: np.argpartition(a, 1, axis=-1),
    "argpartition_none": lambda a: np.argpartition(a, (0, 2), axis=None),
    "digitize": lambda a: np.digitize(a, [-1.0, 0.5, 2.0]),
    "digitize_right": lambda a: np.digitize(a, [2.0, 0.5, -1.0], right=True),
    "isin": lambda a: np.isin(a, [0.5, 3.0]),
    "isin_invert": lambda a: np.isin(a, [0.5, 3.0], invert=True),
    "lexsort": lambda a: np.lexsort(a),
    "lexsort_tuple": lambda a: np.lexsort((a[0], a[1])),
    "can_cast": lambda a: np.can_cast(a, np.float32),
    "common_type": lambda a: np.common_type(a),
    "min_scalar_type": lambda a: np.min_scalar_type(a),
    "einsum_path": lambda a: np.einsum_path("ij,kj->ik", a, a),
    "tril_indices_from": lambda a: np.tril_indices_from(a, k=1),
    "triu_indices_from": lambda a: np.triu_indices_from(a),
}


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_results_without_gradient_are_numpys(name, dtype) -> None:
    a = _X.astype(dtype)
    t = cr.tensor(a, requires_grad=True)
    _same(CASES[name](t), CASES[name](a))


def test_indices_from_square_and_index_conversions() -> None:
    a = np.arange(9.0).reshape(3, 3)
    t = cr.tensor(a, requires_grad=True)
    _same(np.diag_indices_from(t), np.diag_indices_from(a))
    i = np.array([[3, 0], [5, 7]])
    ti = cr.tensor(i)
    _same(np.unravel_index(ti, (2, 4)), np.unravel_index(i, (2, 4)))
    _same(np.unravel_index(ti, (2, 4), order="F"), np.unravel_index(i, (2, 4), order="F"))
    _same(np.ravel_multi_index((ti, cr.tensor(i % 2)), (8, 2)), np.ravel_multi_index((i, i % 2), (8, 2)))
    _same(np.ix_(cr.tensor(np.array([0, 2])), cr.tensor(np.array([True, False, True]))),
          np.ix_(np.array([0, 2]), np.array([True, False, True])))  # fmt: skip
    assert np.ix_(ti[0])[0].dtype == i.dtype


def test_zero_d_empty_int_and_bool_inputs() -> None:
    for a in (np.array(1.5), np.array(7), np.array(True), np.zeros((0,)), np.zeros((0, 3), np.float32),
              np.array([3, 1, 2]), np.array([True, False])):  # fmt: skip
        t = cr.tensor(a)
        _same(np.isin(t, [1, 3]), np.isin(a, [1, 3]))
        _same(np.digitize(t, [0.5, 2.0]), np.digitize(a, [0.5, 2.0]))
        _same(np.min_scalar_type(t), np.min_scalar_type(a))
        _same(np.common_type(t) if a.dtype != bool else None, np.common_type(a) if a.dtype != bool else None)
        _same(np.can_cast(t, np.int8), np.can_cast(a, np.int8))
        if a.ndim == 1:
            _same(np.lexsort((t,)), np.lexsort((a,)))
            if a.size > 1:
                _same(np.argpartition(t, 0), np.argpartition(a, 0))


def test_errors_are_numpys() -> None:
    t = cr.tensor([1.0, 2.0, 3.0], requires_grad=True)
    for call in (
        lambda x: np.argpartition(x, 5),
        lambda x: np.diag_indices_from(x),
        lambda x: np.tril_indices_from(x),
        lambda x: np.unravel_index(x, (2, 2)),
        lambda x: np.common_type(x > 1),
        lambda x: np.digitize(x, [[1.0]]),
    ):
        with pytest.raises(Exception) as want:
            call(t.numpy())
        with pytest.raises(want.type, match=None) as got:
            call(t)
        assert type(got.value) is want.type and str(got.value) == str(want.value)


# -- NumPy's integer-only ufuncs ----------------------------------------------------------------------------------
_BINARY = ["bitwise_and", "bitwise_or", "bitwise_xor", "left_shift", "right_shift", "gcd", "lcm"]
_UNARY = ["invert", "bitwise_not", "bitwise_invert", "bitwise_count"]


@pytest.mark.parametrize("name", _BINARY)
@pytest.mark.parametrize("dtype", [np.int64, np.int8, np.uint16, np.bool_])
def test_integer_ufuncs_give_numpys_values_as_constant_tensors(name, dtype) -> None:
    if dtype is np.bool_ and name in ("left_shift", "right_shift", "gcd", "lcm"):
        a, b = np.array([[True, False]]), np.array([True, True])
    else:
        a = np.array([[0, 3, 7], [12, 100, 1]]).astype(dtype)
        b = np.array([5, 1, 2]).astype(dtype)
    for x, y in ((a, b), (a[0, 0], b[0]), (a[:, :0], b[:0])):
        want = None
        try:
            want = getattr(np, name)(x, y)
        except TypeError as e:
            with pytest.raises(TypeError, match=str(e)[:30]):
                getattr(np, name)(cr.tensor(x), y)
            continue
        for got in (getattr(np, name)(cr.tensor(x), y), getattr(np, name)(x, cr.tensor(y)),
                    getattr(cr, name)(cr.tensor(x), cr.tensor(y))):  # fmt: skip
            assert isinstance(got, cr.Tensor) and not got.requires_grad
            assert got.dtype == want.dtype and got.shape == np.shape(want)
            np.testing.assert_array_equal(got.numpy(), want)


@pytest.mark.parametrize("name", _UNARY)
def test_unary_integer_ufuncs(name) -> None:
    for a in (np.array([0, 5, -6, 255]), np.array(200, dtype=np.uint8), np.array([True, False]), np.zeros(0, int)):
        want = getattr(np, name)(a)
        got = getattr(np, name)(cr.tensor(a))
        assert isinstance(got, cr.Tensor) and not got.requires_grad and got.dtype == want.dtype
        np.testing.assert_array_equal(got.numpy(), want)


@pytest.mark.parametrize("name", _BINARY + _UNARY + ["isnat"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_integer_ufuncs_refuse_floats_with_numpys_type_error(name, dtype) -> None:
    a = np.array([1.0, 2.0], dtype=dtype)
    args = (a,) if name in _UNARY + ["isnat"] else (a, 3)
    with pytest.raises(TypeError) as want:
        getattr(np, name)(*args)
    t = cr.tensor(a, requires_grad=True)
    with pytest.raises(TypeError) as got:
        getattr(np, name)(t, *args[1:])
    assert str(got.value) == str(want.value)


def test_operators_are_bit_operations_as_for_ndarrays() -> None:
    a = np.array([0, 3, -7, 12])
    t = cr.tensor(a)
    for op in (lambda x: x & 6, lambda x: 6 & x, lambda x: x | 1, lambda x: 1 | x, lambda x: x ^ 5, lambda x: 5 ^ x,
               lambda x: ~x, lambda x: x << 2, lambda x: 1 << x[:2], lambda x: x >> 1, lambda x: 64 >> x[:2]):  # fmt: skip
        got, want = op(t), op(a)
        assert isinstance(got, cr.Tensor) and got.dtype == want.dtype
        np.testing.assert_array_equal(got.numpy(), want)
    b = np.array([True, False, True])
    np.testing.assert_array_equal((~cr.tensor(b)).numpy(), ~b)
    np.testing.assert_array_equal((cr.tensor(b) & (cr.tensor(a[:3]) > 0)).numpy(), b & (a[:3] > 0))
    f = cr.tensor([1.0, 2.0], requires_grad=True)
    for op in (lambda x: x & 1, lambda x: ~x, lambda x: x << 1, lambda x: 1 ^ x):
        with pytest.raises(TypeError):
            op(f.numpy())
        with pytest.raises(TypeError):
            op(f)


def test_isnat_on_datetime_tensors() -> None:
    d = np.array(["2020-01-01", "NaT"], dtype="datetime64[D]")
    got = np.isnat(cr.tensor(d))
    assert isinstance(got, cr.Tensor) and got.tolist() == [False, True]


def test_integer_ufunc_out_tensor() -> None:
    out = cr.tensor(np.zeros(3, dtype=np.int64))
    np.bitwise_or(cr.tensor(np.array([1, 2, 3])), 4, out=out)
    assert out.tolist() == [5, 6, 7]


@pytest.mark.parametrize(
    "call",
    [
        lambda x: np.bitwise_or.reduce(x, axis=1),
        lambda x: np.bitwise_and.reduce(x, axis=None),
        lambda x: np.gcd.reduce(x, axis=0),
        lambda x: np.bitwise_xor.accumulate(x, axis=1),
        lambda x: np.bitwise_or.reduceat(x, [0, 2], axis=1),
        lambda x: np.bitwise_or.outer(x[0], x[1]),
        lambda x: np.left_shift(x, 2, dtype=np.int32),
        lambda x: np.bitwise_or.reduce(x[:, :0], axis=1),
    ],
)
def test_integer_ufunc_methods_and_options_run_on_the_values(call) -> None:
    # np.bitwise_or.reduce(int tensor) and np.left_shift(t, 2, dtype=np.int32) raised UnsupportedOperationError;
    # their results never carry a gradient, so they are NumPy's own (constant tensors)
    a = np.array([[3, 5, 12], [7, 1, 0]])
    expected = call(a)
    got = call(cr.tensor(a))
    assert isinstance(got, cr.Tensor) and not got.requires_grad
    assert got.dtype == expected.dtype and got.shape == np.shape(expected)
    np.testing.assert_array_equal(got.numpy(), expected)


def test_integer_ufunc_methods_errors_and_out_arrays() -> None:
    with pytest.raises(TypeError):
        np.bitwise_or.reduce(cr.tensor([1.0, 2.0], requires_grad=True))
    t = cr.tensor(np.array([1, 6, 3]))
    out = np.zeros(3, dtype=np.int64)
    assert np.bitwise_and(t, 6, where=t > 2, out=out) is out
    assert out.tolist() == [0, 6, 2]
    with pytest.raises(cr.errors.UnsupportedOperationError):
        np.bitwise_or.at(t, [0], 4)  # in place on the tensor's values: still refused


# -- writing a tensor's values to a file ----------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int32, np.bool_])
def test_save_and_savez_write_the_plain_values(tmp_path, dtype) -> None:
    a = (np.arange(6).reshape(2, 3) - 2).astype(dtype)
    t = cr.tensor(a, requires_grad=a.dtype.kind == "f")
    assert np.save(tmp_path / "t.npy", t) is None
    got = np.load(tmp_path / "t.npy")
    assert type(got) is np.ndarray and got.dtype == a.dtype
    np.testing.assert_array_equal(got, a)
    for save in (np.savez, np.savez_compressed):
        save(tmp_path / "z.npz", t, np.ones(2), second=t[0], empty=cr.tensor(np.zeros((0, 2), dtype)))
        with np.load(tmp_path / "z.npz") as z:
            assert sorted(z.files) == ["arr_0", "arr_1", "empty", "second"]
            np.testing.assert_array_equal(z["arr_0"], a)
            np.testing.assert_array_equal(z["second"], a[0])
            assert z["arr_0"].dtype == a.dtype and z["empty"].shape == (0, 2) and z["empty"].dtype == a.dtype
    np.save(tmp_path / "s.npy", cr.tensor(np.float32(2.5)))
    s = np.load(tmp_path / "s.npy")
    assert s.shape == () and s.dtype == np.float32 and s == 2.5


def test_savetxt_writes_the_same_text_as_for_the_array(tmp_path) -> None:
    a = np.array([[0.1, -2.5, 1e-8], [3.0, 4.25, -0.0]])
    t = cr.tensor(a, requires_grad=True)
    np.savetxt(tmp_path / "t.txt", t, fmt="%.17g", delimiter=",")
    np.savetxt(tmp_path / "a.txt", a, fmt="%.17g", delimiter=",")
    assert (tmp_path / "t.txt").read_text() == (tmp_path / "a.txt").read_text()
    np.testing.assert_array_equal(np.loadtxt(tmp_path / "t.txt", delimiter=","), a)
    np.savetxt(tmp_path / "v.txt", cr.tensor(np.array([1, 2, 3])))
    np.testing.assert_array_equal(np.loadtxt(tmp_path / "v.txt"), [1, 2, 3])
    with pytest.raises(ValueError) as want:
        np.savetxt(tmp_path / "x.txt", np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match=str(want.value)[:20]):
        np.savetxt(tmp_path / "x.txt", cr.tensor(np.zeros((2, 2, 2))))
