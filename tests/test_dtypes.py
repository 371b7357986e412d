"""dtypes and unusual shapes: float16/32/64 preserved, NumPy's promotion for mixed inputs, integer and
boolean tensors as constants, 0-d and empty arrays in the forward and the backward pass.

float32 and float16 run over the whole catalogue with tolerances that fit their precision: float32 values
to about 1e-5 relative and gradients to about 1e-3 of the float64 gradient; float16 only to about 1e-2.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import chainrule as cr
from catalogue import Case, all_cases

CASES = list(all_cases())
# (forward rtol, gradient rtol) for each precision, relative to the largest magnitude in the array
TOLERANCE = {np.float32: (2e-5, 2e-3), np.float16: (4e-3, 5e-2)}


def _cast(case: Case, dtype: type) -> list[np.ndarray]:
    return [np.asarray(a).astype(dtype) if np.asarray(a).dtype.kind == "f" else np.asarray(a) for a in case.inputs]


def _grads(case: Case, arrays: list[np.ndarray], w: np.ndarray) -> tuple[cr.Tensor, list]:
    ts = [cr.tensor(a, requires_grad=i in case.wrt) for i, a in enumerate(arrays)]
    out = case.fn(*ts)
    (out * w.astype(out.dtype)).sum().backward()
    return out, [ts[i].grad for i in case.wrt]


def _close(got: np.ndarray, expected: np.ndarray, rtol: float, what: str) -> None:
    got = np.asarray(got, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    finite = np.isfinite(expected)
    scale = float(np.max(np.abs(expected[finite]), initial=1.0))
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=rtol * scale, equal_nan=True, err_msg=what)


def _numpy_refuses(case: Case, arrays: list[np.ndarray]) -> bool:
    """Whether NumPy's own function refuses these dtypes (a TypeError, as np.linalg does for float16)."""
    if case.ref is None:
        return False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            case.ref(*arrays)
    except TypeError:
        return True
    return False


@pytest.mark.parametrize("dtype", [np.float32, np.float16], ids=["float32", "float16"])
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_low_precision_keeps_dtype_and_accuracy(case: Case, dtype: type) -> None:
    arrays = _cast(case, dtype)
    if _numpy_refuses(case, arrays):
        # NumPy's linear algebra has no float16: chainrule refuses it too, naming the operation (a TypeError)
        with pytest.raises(cr.DtypeError, match="float16"):
            case.fn(*[cr.tensor(a) for a in arrays])
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # float16 overflows to inf in a few references
        out = case.fn(*[cr.tensor(a) for a in arrays])
        ref = None if case.ref is None else np.asarray(case.ref(*arrays))
    fwd_rtol, grad_rtol = TOLERANCE[dtype]
    if ref is not None:
        assert out.dtype == ref.dtype, f"{case.id}: dtype {out.dtype}, NumPy gives {ref.dtype}"
        if ref.dtype.kind == "f":
            _close(out.data, ref, fwd_rtol, f"{case.id} forward")
        else:
            np.testing.assert_array_equal(out.data, ref)
    elif any(np.asarray(a).dtype.kind == "f" for a in case.inputs):
        assert out.dtype == dtype, f"{case.id}: {dtype.__name__} inputs gave {out.dtype}"
    if not (case.differentiable and case.wrt):
        return
    w = np.random.default_rng(5).standard_normal(out.shape)
    _, low = _grads(case, arrays, w)
    _, high = _grads(case, [np.asarray(a) for a in case.inputs], w)
    for i, gl, gh in zip(case.wrt, low, high, strict=True):
        assert gl.dtype == arrays[i].dtype, f"{case.id} input {i}: gradient dtype {gl.dtype}"
        _close(gl, gh, grad_rtol, f"{case.id} gradient of input {i}")


# ---------------------------------------------------------------------------------------------------
# Mixed dtypes follow NumPy's promotion; each gradient has its own tensor's dtype

MIXED = [
    (np.float32, np.float64),
    (np.float16, np.float32),
    (np.float64, np.float16),
    (np.float32, np.int64),
    (np.float16, np.int8),
    (np.float32, np.bool_),
    (np.float64, np.uint8),
]


@pytest.mark.parametrize("dx,dy", MIXED, ids=[f"{a.__name__}-{b.__name__}" for a, b in MIXED])
@pytest.mark.parametrize("op", ["add", "subtract", "multiply", "divide", "maximum", "power"])
def test_mixed_dtypes_follow_numpy_promotion(op: str, dx: type, dy: type) -> None:
    x = np.array([0.5, 1.5, 2.0]).astype(dx)
    y = np.array([1, 2, 0] if dy is not np.bool_ else [True, False, True]).astype(dy)
    if op == "divide":
        y = y + np.ones((), dtype=dy)  # no division by zero
    tx = cr.tensor(x, requires_grad=True)
    ty = cr.tensor(y, requires_grad=np.dtype(dy).kind == "f")
    out = getattr(cr, op)(tx, ty)
    expected = getattr(np, op)(x, y)
    assert out.dtype == expected.dtype
    np.testing.assert_allclose(out.data.astype(np.float64), expected.astype(np.float64), rtol=1e-3)
    out.sum().backward()
    assert tx.grad.dtype == x.dtype
    if ty.requires_grad:
        assert ty.grad.dtype == y.dtype


def test_python_scalars_do_not_promote() -> None:
    x = cr.tensor([1.0, 2.0], dtype="float32", requires_grad=True)
    y = 2.5 * x + 1 - x / 3.0 + x**2
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32


def test_numpy_float64_array_promotes_float32() -> None:
    x = cr.tensor([1.0, 2.0], dtype="float32", requires_grad=True)
    y = x * np.array([1.0, 2.0])  # float64 array: NumPy gives float64, the gradient stays float32
    assert y.dtype == np.float64
    y.sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad, [1.0, 2.0])


# ---------------------------------------------------------------------------------------------------
# Integer and boolean tensors: constants that take part


@pytest.mark.parametrize("dtype", ["int32", "int64", "uint8", "bool"])
def test_integer_and_bool_tensors_cannot_require_grad(dtype: str) -> None:
    with pytest.raises(cr.DtypeError, match="floating"):
        cr.tensor(np.ones(3, dtype=dtype), requires_grad=True)
    t = cr.tensor(np.ones(3, dtype=dtype))
    with pytest.raises(TypeError, match="floating"):
        t.requires_grad_()


def test_integer_tensors_are_constants_in_a_graph() -> None:
    x = cr.tensor([0.5, -1.0, 2.0], requires_grad=True)
    k = cr.tensor([1, 2, 3])
    mask = cr.tensor([True, False, True])
    y = (x * k + k) * mask - cr.where(mask, x, 0.0) / k
    assert y.dtype == np.float64 and y.requires_grad
    y.sum().backward()
    np.testing.assert_allclose(x.grad, [1 - 1, 0, 3 - 1 / 3])
    assert k.grad is None and mask.grad is None


def test_functions_of_integers_follow_numpy() -> None:
    k = cr.tensor([1, 2, 4])
    for name in ("exp", "log", "sqrt", "sin", "tanh", "sigmoid", "reciprocal", "log1p", "mean"):
        got = getattr(cr, name)(k)
        ref = {"sigmoid": lambda a: 1 / (1 + np.exp(-a)), "mean": np.mean}.get(name, getattr(np, name, None))
        expected = np.asarray(ref(np.array([1, 2, 4])))
        assert got.dtype == expected.dtype, name
        assert not got.requires_grad
    assert (k / k).dtype == np.float64  # true division of integers gives floats, as in NumPy
    assert (k // 2).dtype == k.dtype and cr.sum(k).dtype == np.sum(np.array([1, 2, 4])).dtype
    assert (k * 2).dtype == np.int64 and cr.maximum(k, 3).dtype == np.int64


def test_integer_labels_tensor_in_cross_entropy() -> None:
    logits = cr.tensor(np.random.default_rng(0).standard_normal((3, 4)), requires_grad=True)
    labels = cr.tensor([0, 3, 1])
    loss = cr.cross_entropy(logits, labels)
    loss.backward()
    probs = np.exp(logits.data) / np.exp(logits.data).sum(1, keepdims=True)
    np.testing.assert_allclose(logits.grad, (probs - np.eye(4)[[0, 3, 1]]) / 3, rtol=1e-12)


# ---------------------------------------------------------------------------------------------------
# 0-d and empty arrays, forward and backward

EMPTY = [
    ("exp", lambda x: cr.exp(x), (0,)),
    ("log1p_2x0", lambda x: cr.log1p(x * x), (2, 0)),
    ("tanh_0x3", cr.tanh, (0, 3)),
    ("add_broadcast", lambda x: x + cr.tensor(np.ones(3)), (0, 3)),
    ("sum_all", lambda x: cr.sum(x), (0, 3)),
    ("sum_axis0", lambda x: cr.sum(x, axis=0), (0, 3)),
    ("sum_axis1", lambda x: cr.sum(x, axis=1, keepdims=True), (0, 3)),
    ("mean_axis1", lambda x: cr.mean(x, axis=1), (0, 3)),
    ("prod_all", lambda x: cr.prod(x), (0,)),
    ("prod_axis0", lambda x: cr.prod(x, axis=0), (0, 2)),
    ("max_axis1", lambda x: cr.max(x, axis=1), (0, 3)),
    ("logsumexp_axis0", lambda x: cr.logsumexp(x, axis=0), (0, 2)),
    ("logsumexp_axis1", lambda x: cr.logsumexp(x, axis=1), (0, 2)),
    ("softmax", lambda x: cr.softmax(x, axis=-1), (0, 4)),
    ("log_softmax", lambda x: cr.log_softmax(x, axis=0), (3, 0)),
    ("matmul_empty_rows", lambda x: x @ cr.tensor(np.ones((3, 2))), (0, 3)),
    ("matmul_empty_inner", lambda x: cr.tensor(np.ones((2, 0))) @ x, (0, 3)),
    ("reshape", lambda x: x.reshape(3, 0, 1), (0, 3)),
    ("transpose", lambda x: x.T, (0, 3)),
    ("getitem_slice", lambda x: x[1:1], (4,)),
    ("getitem_empty_index", lambda x: x[np.array([], dtype=int)], (4,)),
    ("getitem_false_mask", lambda x: x[np.zeros(4, bool)], (4,)),
    ("concatenate", lambda x: cr.concatenate([x, x]), (0, 3)),
    ("stack", lambda x: cr.stack([x, x], axis=1), (0,)),
    ("pad", lambda x: cr.pad(x, 1), (0,)),
    ("norm", lambda x: cr.norm(x), (0,)),
    ("var_axis1", lambda x: cr.var(x, axis=1), (0, 3)),
    ("broadcast_to", lambda x: cr.broadcast_to(x, (0, 3)), (3,)),
    ("where", lambda x: cr.where(x > 0, x, -x), (0,)),
    ("maximum", lambda x: cr.maximum(x, 0.5), (2, 0)),
    ("clip", lambda x: cr.clip(x, 0, 1), (0,)),
    ("einsum", lambda x: cr.einsum("ij,jk->ik", x, cr.tensor(np.ones((3, 2)))), (0, 3)),
]


@pytest.mark.parametrize("fn,shape", [(f, s) for _, f, s in EMPTY], ids=[n for n, _, _ in EMPTY])
def test_empty_arrays_forward_and_backward(fn, shape) -> None:
    x = cr.tensor(np.zeros(shape), requires_grad=True)
    out = fn(x)
    with np.errstate(all="ignore"):
        ref = fn(cr.tensor(np.zeros(shape))).data  # the same computation without a graph
    assert out.shape == ref.shape
    seed = np.ones(out.shape)
    out.backward(seed)
    assert x.grad.shape == shape and x.grad.dtype == np.float64
    if out.size == 0:
        assert x.grad.size == 0 or not np.any(x.grad)  # nothing flowed, so the gradient is zero


def test_reductions_of_empty_arrays_match_numpy() -> None:
    e = np.zeros((0, 3))
    assert cr.sum(cr.tensor(e)).item() == 0.0 and cr.prod(cr.tensor(e)).item() == 1.0
    np.testing.assert_array_equal(cr.sum(cr.tensor(e), axis=0).data, np.zeros(3))
    assert cr.logsumexp(cr.tensor(e), axis=0).data.tolist() == [-np.inf] * 3
    with pytest.raises(ValueError):  # NumPy: zero-size array to reduction operation maximum has no identity
        cr.max(cr.tensor(e), axis=0)
    x = cr.tensor(e, requires_grad=True)
    cr.sum(x, axis=0).backward(np.ones(3))
    assert x.grad.shape == (0, 3)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_zero_d_tensors_everywhere(dtype: str) -> None:
    x = cr.tensor(0.7, dtype=dtype, requires_grad=True)
    y = cr.tensor(-1.3, dtype=dtype, requires_grad=True)
    z = cr.sum(cr.exp(x) * y, axis=()) + cr.max(x, axis=0) + cr.mean(y) + cr.logsumexp(x) + cr.maximum(x, y)
    z = z + cr.norm(x) + cr.stack([x, y])[1] + cr.softmax(x) + cr.reshape(x, (1, 1)).sum() + x.T
    assert z.shape == () and z.dtype == np.dtype(dtype)
    z.backward()
    assert x.grad.shape == () and x.grad.dtype == np.dtype(dtype)
    ex = np.exp(0.7)
    tol = 1e-2 if dtype == "float16" else 1e-5
    # exp'(x) y + 1 (max) + 1 (logsumexp of one element) + 1 (maximum: x wins) + 1 (norm, x > 0) + 0 (softmax) + 1 + 1
    assert float(x.grad) == pytest.approx(ex * -1.3 + 6, rel=tol)
    assert float(y.grad) == pytest.approx(ex + 1 + 1, rel=tol)


# -- Python numbers in +, -, *, / (the operators hand them to NumPy as 0-d arrays of the tensor's float dtype) --

NUMBERS = [2.0, 0.1, -3, 7, 0.0, -0.0, float("nan"), float("inf"), -float("inf"), 1e40, 1e-50, 2**24 + 1, 2**70, True]
OPERATORS = [
    ("add", lambda a, b: a + b),
    ("sub", lambda a, b: a - b),
    ("mul", lambda a, b: a * b),
    ("div", lambda a, b: a / b),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16, np.int64])
@pytest.mark.parametrize("name,op", OPERATORS)
def test_python_numbers_give_numpys_values_dtype_and_warnings(dtype: type, name: str, op) -> None:
    a = np.array([1.5, -2.0, 0.0, 3.0e3]).astype(dtype)
    for v in NUMBERS:
        for order in ("tensor first", "number first"):
            with warnings.catch_warnings(record=True) as expected_warnings:
                warnings.simplefilter("always")
                try:
                    expected = op(a, v) if order == "tensor first" else op(v, a)
                except (OverflowError, ZeroDivisionError) as e:
                    expected = type(e)
            with warnings.catch_warnings(record=True) as got_warnings:
                warnings.simplefilter("always")
                t = cr.tensor(a)
                try:
                    got = (op(t, v) if order == "tensor first" else op(v, t)).numpy()
                except (OverflowError, ZeroDivisionError) as e:
                    got = type(e)
            what = f"{dtype.__name__} {name} {v!r} ({order})"
            if isinstance(expected, type):
                assert got is expected, what
                continue
            assert got.dtype == expected.dtype, what
            assert got.tobytes() == expected.tobytes(), what  # bit for bit: -0.0, NaN and inf included
            assert [str(w.message) for w in got_warnings] == [str(w.message) for w in expected_warnings], what


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_gradient_through_a_python_number_keeps_the_dtype(dtype: type) -> None:
    x = cr.tensor(np.array([1.0, -2.0], dtype=dtype), requires_grad=True)
    y = ((x * 2.5) / 4 - 1.0 + 3 * x).sum()
    y.backward()
    assert x.grad.dtype == dtype
    np.testing.assert_array_equal(x.grad, np.full(2, 2.5 / 4 + 3, dtype=dtype))
    # a cached number is never changed by a gradient computed from it
    z = x * 2.5
    z.backward(np.ones(2, dtype=dtype))
    assert (x * 2.5).numpy().tolist() == (np.array([1.0, -2.0], dtype=dtype) * 2.5).tolist()
