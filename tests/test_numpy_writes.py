"""np.copyto and np.fill_diagonal on tensors: recorded in-place changes (values as NumPy's, gradients by finite
differences), NumPy's errors, and the refusals (a tensor written into an ndarray, a leaf that requires a gradient)."""

from __future__ import annotations

import re

import numpy as np
import pytest

import chainrule as cr
from helpers import numerical_grad


def _grads(f, *arrays):
    ts = [cr.tensor(a, requires_grad=True) for a in arrays]
    w = np.random.default_rng(3).standard_normal(np.shape(f(*arrays)))
    (f(*ts) * w).sum().backward()
    num = [
        numerical_grad(lambda *xs: float(np.sum(np.asarray(f(*xs)) * w)), list(arrays), i) for i in range(len(arrays))
    ]
    return [t.grad for t in ts], num


def _copyto(where=True, casting="same_kind"):
    def f(x, s):
        y = x * 1.0 if isinstance(x, cr.Tensor) else np.array(x, copy=True)
        assert np.copyto(y, s, casting=casting, where=where) is None
        return y

    return f


@pytest.mark.parametrize(
    "shape_x, shape_s, where",
    [((2, 3), (2, 3), True), ((2, 3), (3,), True), ((2, 3), (), True), ((2, 3), (3,), np.array([True, False, True])),
     ((2, 3), (2, 1), np.array([[True], [False]])), ((), (), True), ((0, 3), (3,), True)],
)  # fmt: skip
def test_copyto_tensor_values_and_gradients(shape_x, shape_s, where) -> None:
    rng = np.random.default_rng(0)
    x, s = rng.standard_normal(shape_x), rng.standard_normal(shape_s)
    f = _copyto(where)
    want = f(x, s)
    got = f(cr.tensor(x), cr.tensor(s))
    assert isinstance(got, cr.Tensor) and got.dtype == want.dtype
    np.testing.assert_array_equal(got.numpy(), want)
    grads, num = _grads(f, x, s)
    for g, n in zip(grads, num, strict=True):
        np.testing.assert_allclose(g, n, rtol=1e-6, atol=1e-8)


def test_copyto_keeps_the_destination_dtype_and_numpys_casting_errors() -> None:
    y = cr.tensor(np.zeros(3, np.float32))
    np.copyto(y, cr.tensor([1.0, 2.0, 1e-46]))
    assert y.dtype == np.float32 and y.tolist() == [1.0, 2.0, 0.0]
    x = cr.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = cr.tensor(np.zeros(3, np.float32)) * 1
    np.copyto(y, x * 2)
    y.sum().backward()
    assert y.dtype == np.float32 and x.grad.tolist() == [2.0, 2.0, 2.0] and x.grad.dtype == np.float64
    i = cr.tensor(np.zeros(3, np.int64))
    with pytest.raises(TypeError, match="same_kind"):
        np.copyto(i, cr.tensor([1.5, 2.0, 3.0]))
    np.copyto(i, np.array([1.5, 2.0, 3.0]), casting="unsafe")
    assert i.tolist() == [1, 2, 3]
    with pytest.raises(ValueError, match="broadcast"):
        np.copyto(cr.tensor(np.zeros(3)), cr.tensor(np.ones(4)))


def test_copyto_unsafe_cast_of_a_float_tensor_into_an_integer_tensor() -> None:
    # np.copyto(int tensor, float tensor, casting="unsafe") raised a same_kind TypeError; NumPy truncates
    src = cr.tensor([0.5, 1.7, -2.2], requires_grad=True)
    for where, expected in ((True, [0, 1, -2]), (np.array([True, False, True]), [0, 2, -2])):
        i = cr.tensor(np.array([1, 2, 3]))
        np.copyto(i, src, casting="unsafe", where=where)
        assert i.dtype == np.int64 and i.tolist() == expected
    b = cr.tensor(np.array([True, False]))
    np.copyto(b, cr.tensor(np.array([0.0, 2.0], np.float32)), casting="unsafe")
    assert b.dtype == np.bool_ and b.tolist() == [False, True]


def test_copyto_with_a_tensor_mask_and_plain_source() -> None:
    y = cr.tensor(np.zeros(3))
    np.copyto(y, np.array([1.0, 2.0, 3.0]), where=cr.tensor([1.0, 2.0, 0.0]) > 0.5)
    assert y.tolist() == [1.0, 2.0, 0.0]
    a = np.zeros(3)
    np.copyto(a, 5.0, where=cr.tensor([True, False, True]))  # no tensor value is written: nothing to refuse
    assert a.tolist() == [5.0, 0.0, 5.0]


def test_copyto_refusals() -> None:
    s = cr.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(cr.UnsupportedOperationError, match=r"copyto.*NumPy array"):
        np.copyto(np.zeros(2), s)
    with pytest.raises(cr.UnsupportedOperationError):
        np.copyto(np.zeros(2), cr.tensor([1.0, 2.0]))
    with pytest.raises(cr.InplaceError):
        np.copyto(s, np.zeros(2))  # a leaf that requires a gradient, as s.copy_ refuses
    with cr.no_grad():
        np.copyto(s, np.array([3.0, 4.0]))
    assert s.tolist() == [3.0, 4.0]


def _fill(wrap=False):
    def f(x, v):
        y = x * 1.0 if isinstance(x, cr.Tensor) else np.array(x, copy=True)
        assert np.fill_diagonal(y, v, wrap=wrap) is None
        return y

    return f


@pytest.mark.parametrize(
    "shape_x, shape_v, wrap",
    [((3, 3), (), False), ((3, 3), (3,), False), ((3, 3), (2,), False), ((3, 3), (5,), False), ((5, 2), (3,), True),
     ((5, 2), (3,), False), ((2, 4), (2, 2), False), ((3, 3, 3), (2,), False), ((1, 1), (), False)],
)  # fmt: skip
def test_fill_diagonal_values_and_gradients(shape_x, shape_v, wrap) -> None:
    rng = np.random.default_rng(1)
    x, v = rng.standard_normal(shape_x), rng.standard_normal(shape_v)
    f = _fill(wrap=wrap)
    want = f(x, v)
    got = f(cr.tensor(x), cr.tensor(v))
    np.testing.assert_array_equal(got.numpy(), want)
    got = f(cr.tensor(x), v)  # a plain value
    np.testing.assert_array_equal(got.numpy(), want)
    grads, num = _grads(f, x, v)
    for g, n in zip(grads, num, strict=True):
        np.testing.assert_allclose(g, n, rtol=1e-6, atol=1e-8)


def test_fill_diagonal_dtypes_empty_value_and_errors() -> None:
    y = cr.tensor(np.zeros((3, 3), np.int64))
    np.fill_diagonal(y, [1.7, 2.2])  # NumPy's unsafe cast of a.flat[...] = val
    a = np.zeros((3, 3), np.int64)
    np.fill_diagonal(a, [1.7, 2.2])
    np.testing.assert_array_equal(y.numpy(), a)
    z = cr.tensor(np.ones((2, 2), np.float32)) * 1
    np.fill_diagonal(z, cr.tensor(np.zeros(0), requires_grad=True))
    assert z.tolist() == [[1.0, 1.0], [1.0, 1.0]] and z.dtype == np.float32
    v = cr.tensor([2.0, 3.0], requires_grad=True)
    np.fill_diagonal(z, v)
    assert z.dtype == np.float32 and z.tolist() == [[2.0, 1.0], [1.0, 3.0]]
    z.sum().backward()
    assert v.grad.tolist() == [1.0, 1.0]
    for bad in (np.zeros(3), np.zeros((2, 3, 2))):
        with pytest.raises(ValueError) as want:
            np.fill_diagonal(bad, 1.0)
        with pytest.raises(ValueError, match=re.escape(str(want.value))):
            np.fill_diagonal(cr.tensor(bad), 1.0)
    # (np.fill_diagonal(ndarray, tensor) never reaches chainrule: NumPy dispatches on the array argument only)
    with pytest.raises(cr.InplaceError):
        np.fill_diagonal(cr.tensor(np.zeros((2, 2)), requires_grad=True), 1.0)


def test_index_assignment_into_a_0d_result_differentiates() -> None:
    # the upstream gradient of a 0-d result can be a NumPy scalar; index_put's forward copied it with .copy() and
    # failed to assign into it (TypeError: 'numpy.float64' object does not support item assignment)
    x = cr.tensor(np.array(0.3), requires_grad=True)
    v = cr.tensor(np.array(2.0), requires_grad=True)
    y = x * 1.0
    y[...] = v
    (y * np.array(1.5)).sum().backward()
    assert x.grad == 0.0 and v.grad == 1.5


def test_copyto_plain_source_with_mask_keeps_the_gradient_of_the_kept_places() -> None:
    x = cr.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2.0
    np.copyto(y, np.array([7.0, 8.0, 9.0]), where=np.array([True, False, True]))
    assert y.tolist() == [7.0, 4.0, 9.0]
    (y * np.array([1.0, 10.0, 100.0])).sum().backward()
    assert x.grad.tolist() == [0.0, 20.0, 0.0]
    z = cr.tensor(np.zeros(3, np.float32), requires_grad=True) * 1
    np.copyto(z, 0.1, where=np.array([True, False, False]))  # NumPy's cast of the plain value into float32
    assert z.dtype == np.float32 and z.numpy()[0] == np.float32(0.1)


def test_fill_diagonal_of_an_empty_matrix() -> None:
    v = cr.tensor([1.0, 2.0], requires_grad=True)
    y = cr.tensor(np.zeros((0, 0))) * 1
    np.fill_diagonal(y, v)
    assert y.shape == (0, 0)
