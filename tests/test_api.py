"""Every operation the issue lists is a NumPy-style module function, and a Tensor method where NumPy's
ndarray has one; the methods give the same results as the functions."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr

ELEMENTWISE = [
    "add",
    "subtract",
    "multiply",
    "divide",
    "power",
    "negative",
    "neg",
    "abs",
    "absolute",
    "sign",
    "exp",
    "exp2",
    "log",
    "log2",
    "log10",
    "log1p",
    "expm1",
    "sqrt",
    "square",
    "reciprocal",
    "sin",
    "cos",
    "tan",
    "arcsin",
    "arccos",
    "arctan",
    "sinh",
    "cosh",
    "tanh",
    "sigmoid",
    "relu",
    "leaky_relu",
    "softplus",
    "gelu",
    "maximum",
    "minimum",
    "clip",
    "where",
]
REDUCTIONS = ["sum", "mean", "prod", "max", "min", "var", "std", "logsumexp", "argmax", "argmin"]
SHAPES = [
    "reshape",
    "transpose",
    "swapaxes",
    "moveaxis",
    "expand_dims",
    "squeeze",
    "broadcast_to",
    "flatten",
    "ravel",
    "concatenate",
    "stack",
    "split",
    "pad",
    "repeat",
    "tile",
    "take",
    "take_along_axis",
    "getitem",
]
LINALG = ["matmul", "dot", "outer", "einsum", "trace", "norm"]
NN = ["softmax", "log_softmax", "cross_entropy", "binary_cross_entropy_with_logits", "mse"]
ALL = ELEMENTWISE + REDUCTIONS + SHAPES + LINALG + NN

# ndarray methods among them (NumPy's own list), which Tensor must offer too
NDARRAY_METHODS = sorted(n for n in ALL + ["round", "astype", "diagonal"] if hasattr(np.ndarray, n))


@pytest.mark.parametrize("name", ALL)
def test_module_function_exists(name: str) -> None:
    fn = getattr(cr, name)
    assert callable(fn)
    assert name in cr.__all__


@pytest.mark.parametrize("name", NDARRAY_METHODS)
def test_tensor_method_exists_where_numpy_has_one(name: str) -> None:
    assert callable(getattr(cr.Tensor, name))


METHOD_CALLS = {
    "sum": ((), {"axis": 0}),
    "mean": ((), {"axis": -1, "keepdims": True}),
    "prod": ((), {"axis": 1}),
    "max": ((), {}),
    "min": ((), {"axis": 0}),
    "var": ((), {"axis": 1}),
    "std": ((), {}),
    "argmax": ((), {"axis": 1}),
    "argmin": ((), {}),
    "reshape": ((3, 2), {}),
    "transpose": ((1, 0), {}),
    "swapaxes": ((0, 1), {}),
    "squeeze": ((), {}),
    "flatten": ((), {}),
    "ravel": ((), {}),
    "repeat": ((2,), {"axis": 0}),
    "take": (([0, 2],), {"axis": 1}),
    "dot": ((np.ones((3, 2)),), {}),
    "trace": ((), {}),
    "clip": ((0.2, 0.8), {}),
    "round": ((1,), {}),
    "astype": ((np.float32,), {}),
    "diagonal": ((), {}),
}


@pytest.mark.parametrize("name", NDARRAY_METHODS)
def test_methods_match_numpy(name: str) -> None:
    a = np.random.default_rng(0).uniform(0.1, 0.9, (2, 3))
    args, kwargs = METHOD_CALLS[name]
    got = getattr(cr.tensor(a), name)(*args, **kwargs)
    expected = getattr(a, name)(*args, **kwargs)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    np.testing.assert_allclose(got.data, expected, rtol=1e-12)


def test_operators() -> None:
    a = np.array([[0.5, 1.5], [2.0, -1.0]])
    b = np.array([1.5, 0.25])
    ta, tb = cr.tensor(a), cr.tensor(b)
    for got, expected in [
        (ta + tb, a + b),
        (ta - tb, a - b),
        (ta * tb, a * b),
        (ta / tb, a / b),
        (ta**2, a**2),
        (2.0**ta, 2.0**a),
        (ta @ tb, a @ b),
        (a @ tb, a @ b),
        (-ta, -a),
        (abs(ta), abs(a)),
        (ta // tb, a // b),
        (ta % tb, a % b),
        (ta > tb, a > b),
        (ta.T, a.T),
        (ta[:, ::-1], a[:, ::-1]),
    ]:
        assert got.dtype == expected.dtype
        np.testing.assert_array_equal(got.data, expected)


@pytest.mark.parametrize("name", ALL)
def test_every_listed_operation_has_gradient_cases(name: str) -> None:
    from catalogue import CATALOGUE, COMPOSITES

    key = {"abs": "absolute", "neg": "negative"}.get(name, name)
    cases = CATALOGUE.get(key, []) + COMPOSITES.get(key, [])
    assert cases, f"{name} has no case in tests/catalogue.py, so its gradient is not checked"
