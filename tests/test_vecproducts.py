"""NumPy 2's vector gufuncs np.vecdot, np.matvec and np.vecmat on tensors (through __array_ufunc__): NumPy's values
(bit for bit), its broadcasting over leading dimensions and its axes=/axis=/keepdims=, gradients, refusals."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule.errors import UnsupportedOperationError
from helpers import numerical_grad

CALLS = [
    (np.vecdot, [(3, 4), (4,)], {}),
    (np.vecdot, [(3, 4, 2), (3, 1, 2)], {"axis": 0}),
    (np.vecdot, [(3, 4, 2), (3, 1, 2)], {"axis": 0, "keepdims": True}),
    (np.vecdot, [(3, 4, 2), (3, 4, 2)], {"keepdims": True}),
    (np.vecdot, [(3, 4, 2), (4, 3, 2)], {"axes": [0, 1]}),
    (np.matvec, [(2, 3, 4), (4,)], {}),
    (np.matvec, [(5, 1, 3, 4), (2, 4)], {}),
    (np.matvec, [(2, 4, 3), (4,)], {"axes": [(0, 1), (0,), (0,)]}),
    (np.matvec, [(3, 2, 4), (3, 4)], {"axes": [(-2, -1), (-1,), (0,)]}),
    (np.vecmat, [(3,), (2, 3, 4)], {}),
    (np.vecmat, [(2, 1, 3), (5, 3, 4)], {}),
    (np.vecmat, [(3, 2), (3, 4, 2)], {"axes": [(0,), (0, 1), (0,)]}),
]


@pytest.mark.parametrize(("func", "shapes", "kw"), CALLS, ids=[f"{f.__name__}-{s}-{k}" for f, s, k in CALLS])
def test_values_and_gradients(func, shapes, kw) -> None:
    rng = np.random.default_rng(len(shapes[0]) * 7 + len(kw))
    arrays = [rng.standard_normal(s) for s in shapes]
    ts = [cr.tensor(a, requires_grad=True) for a in arrays]
    out = func(*ts, **kw)
    expected = func(*arrays, **kw)
    assert out.shape == expected.shape and np.array_equal(out.data, expected)
    w = rng.standard_normal(expected.shape)
    (out * w).sum().backward()
    for i, t in enumerate(ts):
        fd = numerical_grad(lambda *a: float(np.sum(func(*a, **kw) * w)), arrays, i)
        np.testing.assert_allclose(t.grad, fd, rtol=1e-6, atol=1e-8)


def test_float32_and_second_order() -> None:
    a = cr.tensor(np.arange(6, dtype=np.float32).reshape(2, 3), requires_grad=True)
    x = cr.tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    out = np.matvec(a, x)
    assert out.dtype == np.float32
    (out**2).sum().backward()
    assert a.grad.dtype == np.float32 and x.grad.dtype == np.float32
    assert np.vecdot(x, x).dtype == np.float32
    # the Hessian of |A x|^2 in x is 2 A^T A
    am = np.array([[1.0, 2.0, 0.5], [-1.0, 0.0, 3.0]])
    h = cr.hessian(lambda v: (np.matvec(am, v) ** 2).sum())(np.ones(3))
    np.testing.assert_allclose(h, 2 * am.T @ am, rtol=1e-12)
    h = cr.hessian(lambda v: (np.vecmat(v, am.T) ** 2).sum())(np.ones(3))
    np.testing.assert_allclose(h, 2 * am.T @ am, rtol=1e-12)


def test_forward_mode() -> None:
    am, v, t = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([1.0, -1.0]), np.array([0.5, 2.0])
    _, tangent = cr.jvp(lambda v: np.matvec(am, v), (v,), (t,))
    np.testing.assert_allclose(tangent, am @ t)
    _, tangent = cr.jvp(lambda a: np.vecmat(v, a), (am,), (np.eye(2),))
    np.testing.assert_allclose(tangent, v @ np.eye(2))


def test_refusals() -> None:
    t = cr.tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(ValueError):
        np.matvec(t, np.ones(2))
    with pytest.raises(TypeError, match="keepdims"):
        np.matvec(t, np.ones(3), keepdims=True)
    with pytest.raises(np.exceptions.AxisError):
        np.vecdot(t, np.ones(3), axis=2)
    with pytest.raises(TypeError, match="both"):
        np.vecdot(t, t, axis=0, axes=[0, 0])
    with pytest.raises(UnsupportedOperationError, match="out="):
        np.vecdot(t, t, out=(np.empty(2),))


@pytest.mark.parametrize("keepdims", [1, 0, np.True_, None])
def test_keepdims_must_be_a_python_bool(keepdims) -> None:
    # NumPy refuses keepdims=1 (or np.True_, None) with a TypeError; the tensor route accepted it
    with pytest.raises(TypeError, match="'keepdims' must be a boolean"):
        np.vecdot(np.ones(2), np.ones(2), keepdims=keepdims)
    with pytest.raises(TypeError, match="'keepdims' must be a boolean"):
        np.vecdot(cr.tensor(np.ones(2)), np.ones(2), keepdims=keepdims)


def test_axes_give_numpys_own_values_for_mixed_dtypes_and_layouts() -> None:
    # NumPy's sums depend on the memory layout it reads; moving the core axes first and calling the gufunc without
    # axes= differed from np.vecmat(x, a, axes=...) in the last bit or two (float64 x with a float32 a: 4 in 10
    # draws), and from np.matvec(a, x, axes=...) for a transposed float32 x. Now NumPy's own call, gradients as before
    rng = np.random.default_rng(3)
    cases = [
        (np.vecmat, [(-1,), (-1, -2), (-1,)], (3,), (2, 3, 3), np.float64, np.float32, False),
        (np.matvec, [(1, 0), (0,), (0,)], (3, 4, 2), (2, 3), np.float32, np.float64, True),
        (np.matvec, [(1, 0), (0,), (0,)], (3, 4, 2), (2, 3), np.float64, np.float64, True),
        (np.vecmat, [(0,), (0, 1), (0,)], (3, 2), (3, 4, 2), np.float64, np.float32, False),
    ]
    for func, axes, s1, s2, d1, d2, transpose in cases:
        for _ in range(20):
            a, b = rng.standard_normal(s1).astype(d1), rng.standard_normal(s2).astype(d2)
            b = b.T if transpose else b
            want = func(a, b, axes=axes)
            got = func(cr.tensor(a), cr.tensor(b), axes=axes)
            assert got.dtype == want.dtype and np.array_equal(got.data, want)
        a64, b64 = a.astype(np.float64), b.astype(np.float64)
        w = rng.standard_normal(want.shape)
        ga, gb = cr.grad(lambda p, q, f=func, ax=axes: (f(p, q, axes=ax) * w).sum(), argnums=(0, 1))(a64, b64)
        for i, g in enumerate((ga, gb)):
            fd = numerical_grad(lambda p, q, f=func, ax=axes: float((f(p, q, axes=ax) * w).sum()), [a64, b64], i)
            np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-8)
