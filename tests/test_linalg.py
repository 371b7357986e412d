"""chainrule.linalg: NumPy's np.linalg, differentiable.

The catalogue (tests/catalogue.py) checks every operation's gradients against finite differences, to second order
and in forward mode; the conventions at singular and degenerate points are pinned in test_conventions.py. Here:
the namespace itself, NumPy's semantics (shapes, dtypes, empty and 1x1 matrices, NumPy 2's rule for solve, the
errors), HIPS autograd as an independent reference, and einsum's ellipsis.
"""

from __future__ import annotations

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

import chainrule as cr

L = cr.linalg
RNG = np.random.default_rng(5)
A = RNG.standard_normal((3, 3)) + 3 * np.eye(3)
X = RNG.standard_normal((3, 3))
W = RNG.standard_normal((4, 3))


def test_the_namespace_mirrors_np_linalg() -> None:
    import chainrule

    assert chainrule.linalg is L and L.__name__ == "chainrule.linalg"
    for name in L.__all__:
        assert hasattr(L, name), name
        if name.endswith("Result"):  # NumPy's named tuples live in np.linalg._linalg
            assert getattr(L, name)._fields == getattr(np.linalg._linalg, name)._fields
        elif name not in ("cofactor", "MatrixShapeError"):
            assert hasattr(np.linalg, name), f"{name} is not in np.linalg"
    assert issubclass(L.LinAlgError, np.linalg.LinAlgError) and issubclass(L.LinAlgError, cr.ChainruleError)
    from chainrule import linalg as again  # the same module, however it is imported

    assert again is L


# ---------------------------------------------------------------------------------------------------
# NumPy's semantics


SQUARE_OPS = {
    "inv": L.inv,
    "det": L.det,
    "slogdet": lambda a: L.slogdet(a).logabsdet,
    "cholesky": L.cholesky,
    "eigvalsh": L.eigvalsh,
    "eigh": lambda a: L.eigh(a).eigenvectors,
    "svdvals": L.svdvals,
    "svd": lambda a: L.svd(a).U,
    "pinv": L.pinv,
    "qr": lambda a: L.qr(a).R,
    "matrix_power": lambda a: L.matrix_power(a, 3),
    "matrix_power_inverse": lambda a: L.matrix_power(a, -2),
    "cofactor": L.cofactor,
}
NP_SQUARE_OPS = {
    "inv": np.linalg.inv,
    "det": np.linalg.det,
    "slogdet": lambda a: np.linalg.slogdet(a).logabsdet,
    "cholesky": np.linalg.cholesky,
    "eigvalsh": np.linalg.eigvalsh,
    "eigh": lambda a: np.linalg.eigh(a).eigenvectors,
    "svdvals": np.linalg.svdvals,
    "svd": lambda a: np.linalg.svd(a).U,
    "pinv": np.linalg.pinv,
    "qr": lambda a: np.linalg.qr(a).R,
    "matrix_power": lambda a: np.linalg.matrix_power(a, 3),
    "matrix_power_inverse": lambda a: np.linalg.matrix_power(a, -2),
    "cofactor": lambda a: np.linalg.det(a)[..., None, None] * np.swapaxes(np.linalg.inv(a), -1, -2),
}


@pytest.mark.parametrize("shape", [(0, 0), (2, 0, 0), (1, 1), (2, 1, 1)], ids=["0x0", "stack_0x0", "1x1", "stack_1x1"])
@pytest.mark.parametrize("name", list(SQUARE_OPS))
def test_empty_and_1x1_matrices_follow_numpy(name: str, shape: tuple[int, ...]) -> None:
    a = np.full(shape, 2.0)
    expected = NP_SQUARE_OPS[name](a)
    x = cr.tensor(a, requires_grad=True)
    out = SQUARE_OPS[name](x)
    assert out.shape == np.shape(expected) and out.dtype == np.asarray(expected).dtype
    np.testing.assert_allclose(out.data, expected, rtol=1e-15)
    cr.sum(out * 1.5).backward()
    assert x.grad.shape == shape
    if name == "det" and shape[-1] == 1:
        np.testing.assert_array_equal(x.grad, np.full(shape, 1.5))  # d a / d a for a 1x1 matrix


@pytest.mark.parametrize("name", list(SQUARE_OPS))
def test_float32_stays_float32(name: str) -> None:
    a = (A @ A.T).astype(np.float32)  # symmetric positive definite, so that every operation applies
    x = cr.tensor(a, requires_grad=True)
    out = SQUARE_OPS[name](x)
    expected = NP_SQUARE_OPS[name](a)
    assert out.dtype == np.asarray(expected).dtype == np.float32
    np.testing.assert_allclose(out.data, expected, rtol=1e-5, atol=1e-5 * np.abs(expected).max())
    cr.sum(out).backward()
    assert x.grad.dtype == np.float32


def test_plain_arrays_give_plain_arrays() -> None:
    assert type(L.inv(A)) is np.ndarray
    np.testing.assert_array_equal(L.inv(A), np.linalg.inv(A))
    w, v = L.eigh(A @ A.T)
    assert type(w) is np.ndarray and type(v) is np.ndarray
    np.testing.assert_array_equal(v, np.linalg.eigh(A @ A.T).eigenvectors)
    sign, logdet = L.slogdet(A)
    assert (sign, logdet) == tuple(np.linalg.slogdet(A))
    assert type(L.svd(W, full_matrices=True)[0]) is np.ndarray  # no gradient asked for: NumPy's full U


def test_integer_matrices_are_float64_as_in_numpy() -> None:
    a = np.array([[2, 1], [1, 3]])
    for fn, np_fn in ((L.inv, np.linalg.inv), (L.det, np.linalg.det), (L.svdvals, np.linalg.svdvals)):
        out = fn(cr.tensor(a))
        assert out.dtype == np.float64
        np.testing.assert_array_equal(out.data, np_fn(a))
    assert L.matrix_power(cr.tensor(a), 2).dtype == np.int64  # matmul keeps integers, as NumPy's does


def test_solve_follows_numpy_2s_rule_for_b() -> None:
    a = np.stack([A, A.T])  # (2, 3, 3)
    # b is one vector only when it is 1-D: broadcast against every matrix of the stack
    x = L.solve(cr.tensor(a), cr.tensor(np.arange(3.0)))
    assert x.shape == (2, 3)
    np.testing.assert_allclose(x.data, np.linalg.solve(a, np.arange(3.0)), rtol=1e-15)
    # (2, 3) is a single (M, K) matrix with M = 2, not a stack of vectors: NumPy 2 refuses it, and so does chainrule
    with pytest.raises(ValueError):
        np.linalg.solve(a, np.ones((2, 3)))
    with pytest.raises(cr.ShapeError, match=r"solve\(a, b\[\.\.\., None\]\)\[\.\.\., 0\]"):
        L.solve(cr.tensor(a), cr.tensor(np.ones((2, 3))))
    # the stack of vectors, written as NumPy 2 wants it; its gradient flows to both
    ta, tb = cr.tensor(a, requires_grad=True), cr.tensor(np.ones((2, 3)), requires_grad=True)
    y = L.solve(ta, tb[..., None])[..., 0]
    np.testing.assert_allclose(y.data, np.linalg.solve(a, np.ones((2, 3))[..., None])[..., 0], rtol=1e-15)
    cr.sum(y).backward()
    assert ta.grad.shape == (2, 3, 3) and tb.grad.shape == (2, 3)


def test_solve_gradients_are_summed_over_broadcast_batches() -> None:
    a = cr.tensor(np.stack([A, A.T])[:, None], requires_grad=True)  # (2, 1, 3, 3)
    b = cr.tensor(RNG.standard_normal((4, 3, 2)), requires_grad=True)
    x = L.solve(a, b)
    assert x.shape == (2, 4, 3, 2)
    cr.sum(x).backward()
    assert a.grad.shape == (2, 1, 3, 3) and b.grad.shape == (4, 3, 2)
    cr.gradcheck(lambda a, b: L.solve(a, b), (a.data, b.data))


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: L.inv(np.ones((2, 2))), cr.LinAlgError, r"inv: Singular matrix \(input shape \(2, 2\)\)"),
        (lambda: L.inv(np.ones(3)), cr.MatrixShapeError, r"inv: .*shape \(3,\)"),
        (lambda: L.det(np.ones((2, 3, 4))), cr.MatrixShapeError, r"det: .*square.*\(2, 3, 4\)"),
        (lambda: L.cholesky(-np.eye(2)), cr.LinAlgError, r"cholesky: Matrix is not positive definite"),
        (lambda: L.solve(np.ones((2, 2)), np.ones(2)), cr.LinAlgError, r"solve: Singular matrix"),
        (lambda: L.solve(np.eye(3), np.ones(2)), cr.ShapeError, r"solve: b of shape \(2,\).*\(3, 3\)"),
        (
            lambda: L.solve(np.ones((2, 3, 3)), np.ones((3, 3, 1))),
            cr.ShapeError,
            r"solve: .*\(2, 3, 3\) and \(3, 3, 1\)",
        ),
        (lambda: L.inv(np.eye(2, dtype=np.float16)), cr.DtypeError, r"inv: .*float16"),
        (lambda: L.eigh(np.eye(2), UPLO="X"), cr.InvalidArgumentError, "UPLO"),
        (lambda: L.qr(np.eye(2), mode="economic"), cr.InvalidArgumentError, "mode"),
        (lambda: L.matrix_power(np.eye(2), 1.5), cr.DtypeError, "integer"),
        (lambda: L.matrix_power(np.ones((2, 3)), 2), cr.MatrixShapeError, "square"),
        (lambda: L.norm(np.ones((0, 2)), -2), cr.ShapeError, "empty"),
        (lambda: L.multi_dot([np.ones(2)]), cr.InvalidArgumentError, "two"),
        (lambda: L.multi_dot([np.ones(2), np.ones((2, 2, 2)), np.ones(2)]), cr.MatrixShapeError, r"\(2, 2, 2\)"),
        (lambda: L.cross(np.ones(2), np.ones(2)), cr.ShapeError, "3-element"),
        (lambda: L.outer(np.ones((2, 2)), np.ones(2)), cr.ShapeError, "1-D"),
    ],
)
def test_errors_name_the_operation_and_the_shape(call, error, match) -> None:
    with pytest.raises(error, match=match):
        call()


def test_every_linalg_error_is_numpys_linalgerror_where_numpy_raises_one() -> None:
    for bad in (lambda m: L.inv(m), lambda m: L.det(m[0]), lambda m: L.cholesky(-m)):
        with pytest.raises(np.linalg.LinAlgError):
            bad(cr.tensor(np.ones((2, 2))))


def test_a_batch_with_one_singular_matrix_raises_for_inv_but_not_for_det() -> None:
    stack = np.stack([A, np.ones((3, 3))])
    with pytest.raises(cr.LinAlgError):
        L.inv(stack)
    x = cr.tensor(stack, requires_grad=True)
    cr.sum(L.det(x)).backward()
    np.testing.assert_allclose(x.grad[0], np.linalg.det(A) * np.linalg.inv(A).T, rtol=1e-12)
    np.testing.assert_allclose(x.grad[1], np.zeros((3, 3)), atol=1e-12)  # rank 1 of 3: the cofactors vanish


def test_svd_with_compute_uv_false_and_hermitian() -> None:
    s = L.svd(cr.tensor(W, requires_grad=True), compute_uv=False)
    np.testing.assert_array_equal(s.data, np.linalg.svd(W, compute_uv=False))
    sym = X + X.T
    u, s, vh = L.svd(cr.tensor(sym), hermitian=True)
    for got, expected in zip((u, s, vh), np.linalg.svd(sym, hermitian=True), strict=True):
        np.testing.assert_array_equal(got.data, expected)


def test_full_svd_of_a_non_square_matrix_is_allowed_without_gradients() -> None:
    x = cr.tensor(W, requires_grad=True)
    with cr.no_grad():
        u, _, _ = L.svd(x)
    assert u.shape == (4, 4) and not u.requires_grad
    with pytest.raises(cr.UnsupportedArgumentError):
        cr.jvp(lambda m: L.svd(m).S, (W,), (np.ones_like(W),))  # forward mode needs a derivative too


def test_third_derivative_of_det_is_refused_by_name() -> None:
    # det's second derivative is exact everywhere; its third has no rule (test_conventions pins the message)
    h = cr.hessian(L.det)(A)
    expected = np.zeros((3, 3, 3, 3))
    for k, m in np.ndindex(3, 3):
        e = np.zeros((3, 3))
        e[k, m] = 1e-5
        expected[:, :, k, m] = (L.cofactor(A + e) - L.cofactor(A - e)) / 2e-5
    np.testing.assert_allclose(h, expected, rtol=1e-6, atol=1e-6)


# ---------------------------------------------------------------------------------------------------
# HIPS autograd as an independent reference (its rules were written by other people)

SPD = X @ X.T + 2 * np.eye(3)
AUTOGRAD = [
    ("inv", lambda m, lib: lib.linalg.inv(m), A),
    ("det", lambda m, lib: lib.linalg.det(m), A),
    ("slogdet", lambda m, lib: lib.linalg.slogdet(m)[1], A),
    ("solve", lambda m, lib: lib.linalg.solve(m, np.array([[1.0, 2.0], [0.5, -1.0], [3.0, 0.0]])), A),
    ("pinv", lambda m, lib: lib.linalg.pinv(m), W),
    ("cholesky", lambda m, lib: lib.linalg.cholesky(m @ m.T + 2 * np.eye(3)), X),
    ("eigh_values", lambda m, lib: lib.linalg.eigh(m + m.T)[0], X),
    ("eigh_vectors", lambda m, lib: lib.linalg.eigh(m + m.T)[1] ** 2, X),
    ("svd_values", lambda m, lib: lib.linalg.svd(m, full_matrices=False)[1], W),
    ("svd_vectors", lambda m, lib: lib.linalg.svd(m, full_matrices=False)[0] ** 2, W),
    ("norm_nuc", lambda m, lib: lib.linalg.norm(m, "nuc"), W),
]


@pytest.mark.parametrize("name, fn, a", AUTOGRAD, ids=[c[0] for c in AUTOGRAD])
def test_gradients_match_hips_autograd(name, fn, a) -> None:
    w = np.random.default_rng(9).standard_normal(np.shape(fn(a, np)))
    expected = autograd.grad(lambda m: anp.sum(fn(m, anp) * w))(a)
    got = cr.grad(lambda m: cr.sum(fn(m, np) * w))(a)  # NumPy's functions on tensors: chainrule's operations
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


# ---------------------------------------------------------------------------------------------------
# einsum with an ellipsis


@pytest.mark.parametrize(
    "spec, shapes",
    [
        ("...ij,...jk->...ik", [(2, 1, 3, 4), (5, 4, 2)]),
        ("...ij,...jk", [(2, 3, 4), (4, 2)]),
        ("i...->...", [(3, 2, 2)]),
        ("...ii->...", [(2, 3, 3)]),
        ("ba...", [(2, 3, 4)]),
        ("...", [(2, 3)]),
        ("i,...", [(2,), (3,)]),
        ("...->...", [()]),
    ],
)
def test_einsum_ellipsis_matches_numpy(spec: str, shapes: list[tuple[int, ...]]) -> None:
    arrays = [RNG.standard_normal(s) for s in shapes]
    out = cr.einsum(spec, *[cr.tensor(a) for a in arrays])
    expected = np.einsum(spec, *arrays)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.data, expected, rtol=1e-13, atol=1e-14)
    cr.gradcheck(lambda *xs: cr.einsum(spec, *xs), tuple(arrays))


@pytest.mark.parametrize(
    "spec, shapes, match",
    [
        ("...i->i", [(2, 3)], "no '...'"),
        ("...i...", [(2, 3)], "one ellipsis"),
        ("i.j", [(2, 3)], "one ellipsis"),
        ("ij...", [(2,)], "name 2 axes"),
        ("...i,...i", [(2, 3), (4, 3)], "einsum"),
    ],
)
def test_einsum_ellipsis_errors(spec: str, shapes: list[tuple[int, ...]], match: str) -> None:
    with pytest.raises(cr.ShapeError, match=match):
        cr.einsum(spec, *[cr.tensor(np.ones(s)) for s in shapes])


def test_cross_of_2_element_vectors_warns_as_numpy_does() -> None:
    a, b = np.array([1.0, 2.0]), np.array([0.5, 1.0, 2.0])
    for call in (lambda x: cr.cross(x, b), lambda x: np.cross(x, b)):
        with pytest.warns(DeprecationWarning, match="2-dimensional vectors") as record:
            out = call(cr.tensor(a))
        assert record[0].filename == __file__  # pointing at the caller, not at chainrule's insides
        np.testing.assert_array_equal(out.data, np.cross(np.array([1.0, 2.0, 0.0]), b))
    with pytest.warns(DeprecationWarning):
        assert cr.cross(cr.tensor(a), cr.tensor(a[::-1])).item() == 1.0 * 1.0 - 2.0 * 2.0  # the z-component
