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
