"""np.linalg.lstsq, cond, tensorinv, tensorsolve, matrix_rank and the refused eig/eigvals on tensors
(ops/solvers.py): NumPy's values and dtypes, gradients (also where NumPy's answers are special), refusals."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule.errors import LinAlgError, UnsupportedOperationError
from helpers import numerical_grad

RNG = np.random.default_rng(11)
A = RNG.standard_normal((5, 3))
B = RNG.standard_normal(5)


def _fd(f, arrays, i):
    return numerical_grad(lambda *a: float(f(*a)), arrays, i)


def test_lstsq_result_and_gradients() -> None:
    a, b = cr.tensor(A, requires_grad=True), cr.tensor(B, requires_grad=True)
    x, res, rank, s = np.linalg.lstsq(a, b, rcond=None)
    xe, rese, ranke, se = np.linalg.lstsq(A, B)
    assert np.array_equal(x.data, xe) and np.array_equal(res.data, rese) and rank == ranke == 3
    np.testing.assert_allclose(s.data, se, rtol=1e-13)  # np.linalg.svd's values, gelsd's to the last bits
    w = RNG.standard_normal(3)
    (x @ w + 0.3 * res.sum() + s.sum()).backward()

    def f(a_, b_):
        xx, rr, _, ss = np.linalg.lstsq(a_, b_)
        return xx @ w + 0.3 * rr.sum() + ss.sum()

    np.testing.assert_allclose(a.grad, _fd(f, [A, B], 0), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(b.grad, _fd(f, [A, B], 1), rtol=1e-6, atol=1e-8)


def test_lstsq_against_torch() -> None:
    torch = pytest.importorskip("torch")
    a, b = cr.tensor(A, requires_grad=True), cr.tensor(B, requires_grad=True)
    (np.linalg.lstsq(a, b)[0] ** 2).sum().backward()
    ta, tb = torch.tensor(A, requires_grad=True), torch.tensor(B, requires_grad=True)
    (torch.linalg.lstsq(ta, tb[:, None]).solution ** 2).sum().backward()
    np.testing.assert_allclose(a.grad, ta.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(b.grad, tb.grad.numpy(), rtol=1e-10)


def test_lstsq_rank_deficient_is_pinv_gradient() -> None:
    rank1 = np.outer([1.0, 2.0, 3.0, 4.0], [1.0, 1.0, 2.0])
    b = RNG.standard_normal(4)
    a = cr.tensor(rank1, requires_grad=True)
    x, res, rank, _ = np.linalg.lstsq(a, b)
    assert rank == 1 and res.shape == (0,)  # NumPy gives no residuals below full rank
    x.sum().backward()
    p = cr.tensor(rank1, requires_grad=True)
    (cr.linalg.pinv(p, rcond=np.finfo(float).eps * 4) @ b).sum().backward()
    np.testing.assert_allclose(a.grad, p.grad, rtol=1e-12, atol=1e-14)


def test_lstsq_float32_second_order_and_forward_mode() -> None:
    x = np.linalg.lstsq(cr.tensor(A.astype(np.float32), requires_grad=True), B.astype(np.float32))[0]
    assert x.dtype == np.float32
    b = np.arange(5.0)

    def f(a):
        return np.linalg.lstsq(a, b)[1].sum()

    h = cr.hessian(f)(A)
    g = cr.grad(f)
    eps = 1e-5
    for idx in [(0, 0), (2, 1), (4, 2)]:
        d = np.zeros_like(A)
        d[idx] = eps
        np.testing.assert_allclose(h[(..., *idx)], (g(A + d) - g(A - d)) / (2 * eps), rtol=1e-5, atol=1e-6)
    t = RNG.standard_normal(A.shape)
    _, tangent = cr.jvp(lambda a: np.linalg.lstsq(a, b)[0], (A,), (t,))
    fd = (np.linalg.lstsq(A + 1e-6 * t, b)[0] - np.linalg.lstsq(A - 1e-6 * t, b)[0]) / 2e-6
    np.testing.assert_allclose(tangent, fd, rtol=1e-6, atol=1e-8)


def test_lstsq_float32_gradient_uses_numpys_float64_cutoff() -> None:
    # NumPy's lstsq runs gelsd in float64 for float32 inputs too, with float64's eps in its cutoff: a singular value
    # 3e-7 of the largest counts (rank 2, x ~ 5.7e6). The gradient used float32's eps, dropped it, and gave ~1.2
    # where the float64 derivative of the same values is ~1e12
    u, _ = np.linalg.qr(np.random.default_rng(1).standard_normal((3, 3)))
    v, _ = np.linalg.qr(np.random.default_rng(2).standard_normal((2, 2)))
    a32 = ((u[:, :2] * [1.0, 3e-7]) @ v.T).astype(np.float32)
    b32 = np.array([1.0, 2.0, 3.0], np.float32)
    assert np.linalg.lstsq(a32, b32)[2] == 2
    g32 = cr.grad(lambda a, b: np.linalg.lstsq(a, b)[0].sum(), argnums=(0, 1))(a32, b32)
    g64 = cr.grad(lambda a, b: np.linalg.lstsq(a, b)[0].sum(), argnums=(0, 1))(a32.astype(float), b32.astype(float))
    for got, want in zip(g32, g64, strict=True):
        assert got.dtype == np.float32
        # (the rules run in float32 at condition number 3e6: agreement to ~15%, where the bug was 12 digits off)
        np.testing.assert_allclose(got, want, rtol=0.3)


@pytest.mark.parametrize("rcond", [0, -1, 1, 1.5])
def test_lstsq_rcond_outside_0_1_is_machine_precision(rcond) -> None:
    # LAPACK's gelsd reads rcond <= 0 or >= 1 as its machine precision (eps / 2): diag(1, 1e-17) has rank 1 there,
    # diag(1, 0.5) rank 2 (rcond=1 gave the gradient of rank 0, all zeros; rcond=0 that of rank 2, 1e17)
    for d, rank in (([1.0, 1e-17], 1), ([1.0, 0.5], 2)):
        a = np.vstack([np.diag(d), np.zeros((1, 2))])
        b = np.ones(3)
        assert np.linalg.lstsq(a, b, rcond=rcond)[2] == rank
        gb = cr.grad(lambda b_: np.linalg.lstsq(a, b_, rcond=rcond)[0].sum())(b)
        np.testing.assert_allclose(gb, np.linalg.pinv(a, rcond=1e-16).sum(axis=0), rtol=1e-12)
        ga = cr.grad(lambda a_: np.linalg.lstsq(a_, b, rcond=rcond)[0].sum())(a)
        assert np.all(np.isfinite(ga)) and np.abs(ga).max() > 0.1


def test_lstsq_singular_values_in_numpys_result_dtype() -> None:
    # s is float64 unless both inputs are float32 (it came back float32 for a float32 a with a float64 b)
    a32 = A.astype(np.float32)
    for a, b in ((a32, B), (a32, B.astype(np.float32)), (np.arange(15).reshape(5, 3), B)):
        s = np.linalg.lstsq(cr.tensor(a), cr.tensor(b))[3]
        assert s.dtype == np.linalg.lstsq(a, b)[3].dtype
        np.testing.assert_allclose(s.data, np.linalg.lstsq(a, b)[3], rtol=1e-6)


def test_lstsq_refusals() -> None:
    with pytest.raises(LinAlgError, match="two-dimensional"):
        np.linalg.lstsq(cr.tensor(np.ones((2, 3, 3))), np.ones((2, 3)))
    with pytest.raises(ValueError):
        np.linalg.lstsq(cr.tensor(np.ones((3, 2))), np.ones(4))
    x, _, rank, s = np.linalg.lstsq(cr.tensor(np.zeros((0, 3))), np.zeros(0))
    assert x.shape == (3,) and rank == 0 and s.shape == (0,)


@pytest.mark.parametrize("p", [None, 2, -2, "fro", "nuc", 1, -1, np.inf, -np.inf])
def test_cond(p) -> None:
    x = RNG.standard_normal((2, 3, 3)) + 2 * np.eye(3)
    t = cr.tensor(x, requires_grad=True)
    out = np.linalg.cond(t, p)
    assert np.array_equal(out.data, np.linalg.cond(x, p))
    out.sum().backward()
    np.testing.assert_allclose(t.grad, _fd(lambda y: np.linalg.cond(y, p).sum(), [x], 0), rtol=1e-5, atol=1e-7)
    x32 = x.astype(np.float32)
    assert np.linalg.cond(cr.tensor(x32), p).dtype == np.linalg.cond(x32, p).dtype == np.float32


@pytest.mark.parametrize("p", [None, 2, -2, "fro", "nuc", 1, -1, np.inf, -np.inf])
def test_cond_of_integers_is_float64(p) -> None:
    # NumPy inverts and measures integer matrices in float64 (cond(eye(2, int), 'fro') gave int64 2, not 2.0000000000000004)
    x = np.array([[2, 1], [1, 3]])
    got, want = np.linalg.cond(cr.tensor(x), p), np.linalg.cond(x, p)
    assert got.dtype == want.dtype == np.float64 and np.array_equal(got.data, want)
    for dt in (np.int64, np.bool_):
        got = np.linalg.cond(cr.tensor(np.eye(2, dtype=dt)), p)
        assert np.array_equal(got.data, np.linalg.cond(np.eye(2, dtype=dt), p))


def test_cond_singular_and_refusals() -> None:
    singular = np.array([[1.0, 2.0], [2.0, 4.0]])
    for p in (None, 1, "fro"):
        got = np.linalg.cond(cr.tensor(singular, requires_grad=True), p)
        assert np.array_equal(np.asarray(got.data), np.asarray(np.linalg.cond(singular, p)))
        assert np.isinf(got.data) or got.data > 1e15
    assert np.isinf(np.linalg.cond(cr.tensor(np.zeros((2, 2)))).data)  # 0/0 becomes inf, as NumPy
    nan = np.array([[np.nan, 1.0], [0.0, 1.0]])
    assert np.isnan(np.linalg.cond(cr.tensor(nan), "fro").data) and np.isnan(np.linalg.cond(nan, "fro"))
    with pytest.raises(LinAlgError, match="converge"):  # NumPy's SVD refuses NaN
        np.linalg.cond(cr.tensor(nan))
    with pytest.raises(LinAlgError):
        np.linalg.cond(cr.tensor(np.ones((2, 3))), 1)  # the norm orders need square matrices
    with pytest.raises(LinAlgError, match="empty"):
        np.linalg.cond(cr.tensor(np.ones((0, 0))))


def test_tensorinv_tensorsolve() -> None:
    a = (RNG.standard_normal((6, 6)) + 3 * np.eye(6)).reshape(6, 2, 3)
    b = RNG.standard_normal((2, 3))
    t = cr.tensor(a, requires_grad=True)
    inv = np.linalg.tensorinv(t, ind=1)
    assert inv.shape == (2, 3, 6) and np.array_equal(inv.data, np.linalg.tensorinv(a, ind=1))
    tb = cr.tensor(b, requires_grad=True)
    x = np.linalg.tensorsolve(t, tb, axes=(0,))
    assert np.array_equal(x.data, np.linalg.tensorsolve(a, b, axes=(0,)))
    x.sum().backward()

    def f(a_, b_):
        return np.linalg.tensorsolve(a_, b_, axes=(0,)).sum()

    np.testing.assert_allclose(t.grad, _fd(f, [a, b], 0), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(tb.grad, _fd(f, [a, b], 1), rtol=1e-6, atol=1e-8)
    with pytest.raises(ValueError, match="ind"):
        np.linalg.tensorinv(t, ind=0)
    with pytest.raises(LinAlgError, match="prod"):
        np.linalg.tensorsolve(t, np.ones((2, 2)))
    with pytest.raises(ValueError):
        np.linalg.tensorsolve(t, np.ones(5))  # (the solve does not fit, as in NumPy)
    with pytest.raises(LinAlgError):
        np.linalg.tensorinv(cr.tensor(np.zeros((2, 2, 4))))  # singular


def test_matrix_rank_and_eig() -> None:
    t = cr.tensor(np.outer([1.0, 2.0], [3.0, 4.0]), requires_grad=True)
    assert np.linalg.matrix_rank(t) == 1
    for f in (np.linalg.eig, np.linalg.eigvals):
        with pytest.raises(UnsupportedOperationError, match="complex"):
            f(t)
