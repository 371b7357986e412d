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
        (lambda t: np.cumsum(t), "np.cumsum"),
        (lambda t: np.sort(t), "np.sort"),
        (lambda t: np.linalg.inv(np.diag(t)), "np.diag"),
        (lambda t: np.add.reduce(t), "add.reduce"),
        (lambda t: np.logaddexp2(t, 1.0), "logaddexp2"),
        (lambda t: np.sum(t, dtype=np.float32), "np.sum"),
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
