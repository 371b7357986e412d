"""The function transforms against finite differences, against HIPS autograd, and against each other.

The functions under test are plain NumPy code (``np.sum``, ``np.tanh`` ... applied to tensors go through
``__array_function__``/``__array_ufunc__``); the same code with ``autograd.numpy`` is the reference.
"""

from __future__ import annotations

import warnings

import autograd
import autograd.numpy as anp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule as cr
from helpers import numerical_grad

A = np.array([[1.0, 0.5, -0.3], [0.2, -1.0, 0.4], [0.7, 0.1, 0.9]])

# scalar functions of a vector, written once for both NumPy namespaces
SCALAR = {
    "tanh_sin": lambda m: lambda x: m.sum(m.tanh(x) * m.sin(x)),
    "rational_exp": lambda m: lambda x: m.sum(m.exp(x) / (1 + x**2)),
    "log_sum_exp": lambda m: lambda x: m.log(m.sum(m.exp(2 * x))),
    "quadratic_sqrt": lambda m: lambda x: m.dot(x, m.dot(A, x)) + m.sum(m.sqrt(x**2 + 1)),
    "neighbours": lambda m: lambda x: m.sum(x[:-1] * x[1:]) ** 2 + m.max(x),
}
# vector functions, for Jacobians
VECTOR = {
    "tanh_affine": lambda m: lambda x: m.tanh(m.dot(A, x)),
    "concat": lambda m: lambda x: m.concatenate([m.sin(x), x**2, m.reshape(m.sum(x), (1,))]),
    "outer_matrix": lambda m: lambda x: m.outer(x, m.exp(x)),
}
X = np.array([0.3, -0.8, 1.1])


def _fd(f, x):
    return numerical_grad(lambda a: float(f(a)), [x], 0)


@pytest.mark.parametrize("name", SCALAR)
def test_grad_matches_finite_differences_and_autograd(name: str) -> None:
    f, fa = SCALAR[name](np), SCALAR[name](anp)
    g = cr.grad(f)(X)
    assert isinstance(g, np.ndarray) and g.dtype == np.float64 and g.shape == X.shape
    np.testing.assert_allclose(g, _fd(f, X), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(g, autograd.grad(fa)(X), rtol=1e-10, atol=1e-12)
    value, g2 = cr.value_and_grad(f)(X)
    np.testing.assert_allclose(value, fa(X), rtol=1e-12)
    np.testing.assert_allclose(g2, g, rtol=0, atol=0)


@pytest.mark.parametrize("name", SCALAR)
def test_jvp_matches_finite_differences_and_autograd(name: str) -> None:
    f, fa = SCALAR[name](np), SCALAR[name](anp)
    u = np.array([0.5, -1.0, 2.0])
    value, tangent = cr.jvp(f, (X,), (u,))
    eps = 1e-6
    np.testing.assert_allclose(tangent, (f(X + eps * u) - f(X - eps * u)) / (2 * eps), rtol=1e-6)
    np.testing.assert_allclose(tangent, autograd.make_jvp(fa)(X)(u)[1], rtol=1e-10)
    np.testing.assert_allclose(value, fa(X), rtol=1e-12)


@pytest.mark.parametrize("mode", ["rev", "fwd"])
@pytest.mark.parametrize("name", VECTOR)
def test_jacobian_matches_autograd(name: str, mode: str) -> None:
    f, fa = VECTOR[name](np), VECTOR[name](anp)
    J = cr.jacobian(f, mode=mode)(X)
    expected = autograd.jacobian(fa)(X)
    assert J.shape == expected.shape
    np.testing.assert_allclose(J, expected, rtol=1e-10, atol=1e-12)
    # and column by column against finite differences
    for k in range(X.size):
        e = np.zeros_like(X)
        e[k] = 1e-6
        np.testing.assert_allclose(J[..., k], (f(X + e) - f(X - e)) / 2e-6, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("name", SCALAR)
def test_hessian_and_hvp_match_autograd(name: str) -> None:
    f, fa = SCALAR[name](np), SCALAR[name](anp)
    H = cr.hessian(f)(X)
    expected = autograd.hessian(fa)(X)
    np.testing.assert_allclose(H, expected, rtol=1e-9, atol=1e-10)
    v = np.array([1.0, 2.0, -0.5])
    np.testing.assert_allclose(cr.hvp(f, X, v), expected @ v, rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(cr.hvp(f, X, v), autograd.hessian_vector_product(fa)(X, v), rtol=1e-9, atol=1e-10)
    # the Hessian by differences of the gradient
    g = cr.grad(f)
    fd = np.stack([(g(X + 1e-6 * e) - g(X - 1e-6 * e)) / 2e-6 for e in np.eye(3)], axis=-1)
    np.testing.assert_allclose(H, fd, rtol=1e-5, atol=1e-6)


def test_elementwise_grad_matches_autograd() -> None:
    x = np.linspace(-2, 2, 7)
    np.testing.assert_allclose(cr.elementwise_grad(np.tanh)(x), autograd.elementwise_grad(anp.tanh)(x), rtol=1e-12)
    f = lambda m: lambda x: m.sin(x) * x**2  # noqa: E731
    np.testing.assert_allclose(
        cr.elementwise_grad(f(np))(x), autograd.elementwise_grad(f(anp))(x), rtol=1e-12, atol=1e-14
    )


@pytest.mark.parametrize("name", SCALAR)
def test_transforms_compose_and_agree(name: str) -> None:
    """grad, jvp, vjp, jacobian (both modes), hessian, hvp and nested grad tell the same story."""
    f = SCALAR[name](np)
    g = cr.grad(f)(X)
    eye = np.eye(X.size)
    np.testing.assert_allclose(cr.jacobian(f, mode="rev")(X), g, rtol=1e-12)
    np.testing.assert_allclose(cr.jacobian(f, mode="fwd")(X), g, rtol=1e-12)
    np.testing.assert_allclose([cr.jvp(f, (X,), (e,))[1] for e in eye], g, rtol=1e-12)
    _out, back = cr.vjp(f, X)
    np.testing.assert_allclose(back(1.0)[0], g, rtol=1e-12)
    H = cr.hessian(f)(X)
    np.testing.assert_allclose(cr.jacobian(cr.grad(f), mode="rev")(X), H, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(cr.jacobian(cr.grad(f), mode="fwd")(X), H, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(np.stack([cr.hvp(f, X, e) for e in eye]), H, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose([cr.jvp(cr.grad(f), (X,), (e,))[1] for e in eye], H, rtol=1e-10, atol=1e-12)
    # reverse over reverse: each row of the Hessian is the gradient of one gradient component
    for i in range(X.size):
        row = cr.grad(lambda x, i=i: cr.grad(f)(x)[i])(X)
        np.testing.assert_allclose(row, H[i], rtol=1e-10, atol=1e-12)
    # reverse over forward: the gradient of a directional derivative is a Hessian-vector product
    v = np.array([0.3, 0.1, -0.4])
    np.testing.assert_allclose(cr.grad(lambda x: cr.jvp(f, (x,), (v,))[1])(X), H @ v, rtol=1e-10, atol=1e-12)
    assert np.allclose(H, H.T, atol=1e-10)


def test_higher_order_derivatives_of_scalar_functions() -> None:
    d = cr.grad
    x = 0.7
    np.testing.assert_allclose(d(d(d(np.sin)))(x), -np.cos(x), rtol=1e-12)
    np.testing.assert_allclose(d(d(d(d(lambda x: x**5))))(x), 120 * x, rtol=1e-12)
    np.testing.assert_allclose(d(d(np.tanh))(x), -2 * np.tanh(x) * (1 - np.tanh(x) ** 2), rtol=1e-12)
    # forward over forward: the second derivative by two nested jvps
    second = cr.jvp(lambda y: cr.jvp(np.exp, (y,), (1.0,))[1], (x,), (1.0,))[1]
    np.testing.assert_allclose(second, np.exp(x), rtol=1e-12)
    # all four orders of mixing give f'' of sin(x) * x
    f = lambda x: np.sin(x) * x  # noqa: E731
    exact = 2 * np.cos(x) - x * np.sin(x)
    fwd = lambda h: lambda y: cr.jvp(h, (y,), (1.0,))[1]  # noqa: E731
    for dd in (d(d(f)), fwd(fwd(f)), fwd(d(f)), d(fwd(f))):
        np.testing.assert_allclose(dd(x), exact, rtol=1e-12)


def test_no_perturbation_confusion() -> None:
    # d/dx [ x * d/dy (x + y) ]  = d/dx [x * 1] = 1   (a tangent of the outer level must not leak inward)
    fwd = cr.jvp(lambda x: x * cr.jvp(lambda y: x + y, (1.0,), (1.0,))[1], (2.0,), (1.0,))[1]
    assert fwd == 1.0
    rev = cr.grad(lambda x: x * cr.grad(lambda y: x + y)(1.0))(2.0)
    assert rev == 1.0
    # an inner transform closing over the outer variable: d/dx [d/dy (x * y)] = 1
    assert cr.jvp(lambda x: cr.jvp(lambda y: x * y, (1.0,), (1.0,))[1], (2.0,), (1.0,))[1] == 1.0
    assert cr.grad(lambda x: cr.grad(lambda y: x * y)(1.0))(2.0) == 1.0


def test_pytrees_argnums_and_aux() -> None:
    params = {"w": np.array([1.0, -2.0]), "b": [0.5, np.array(3.0)]}

    def loss(p, x):
        return np.sum((p["w"] * x + p["b"][0] + p["b"][1]) ** 2)

    x = np.array([0.3, 0.4])
    g = cr.grad(loss)(params, x)
    assert set(g) == {"w", "b"} and isinstance(g["b"], list) and len(g["b"]) == 2
    r = params["w"] * x + 3.5
    np.testing.assert_allclose(g["w"], 2 * r * x)
    np.testing.assert_allclose(g["b"][0], np.sum(2 * r))
    np.testing.assert_allclose(g["b"][1], np.sum(2 * r))
    gp, gx = cr.grad(loss, argnums=(0, 1))(params, x)
    np.testing.assert_allclose(gx, 2 * r * params["w"])
    np.testing.assert_allclose(gp["w"], g["w"])
    (value, aux), _grads = cr.value_and_grad(lambda x: (np.sum(x**2), {"n": 2}), has_aux=True)(x)
    assert aux == {"n": 2}
    np.testing.assert_allclose(value, np.sum(x**2))
    gx, aux = cr.grad(lambda x: (np.sum(x**2), "hello"), has_aux=True)(x)
    assert aux == "hello"
    np.testing.assert_allclose(gx, 2 * x)
    # jvp and jacobian on pytrees
    out, tan = cr.jvp(lambda p: {"s": p[0] * p[1]}, ([1.0, 2.0],), ([1.0, 0.0],))
    assert out == {"s": 2.0} and tan == {"s": 2.0}
    J = cr.jacobian(lambda p: p["a"] * p["b"])({"a": np.array([1.0, 2.0]), "b": np.array([3.0, 4.0])})
    np.testing.assert_allclose(J["a"], np.diag([3.0, 4.0]))
    np.testing.assert_allclose(J["b"], np.diag([1.0, 2.0]))


def test_integer_inputs_are_promoted_to_float64() -> None:
    g = cr.grad(lambda x: x**2)(3)
    assert isinstance(g, float) and g == 6.0 and np.result_type(g) == np.float64
    g = cr.grad(lambda x: np.sum(x**3))(np.array([1, 2], dtype=np.int32))
    assert g.dtype == np.float64
    np.testing.assert_array_equal(g, [3.0, 12.0])
    assert cr.jvp(lambda x: x * x, (2,), (1,)) == (4.0, 4.0)
    assert cr.jacobian(lambda x: x * 2, mode="fwd")(np.arange(2)).dtype == np.float64
    assert cr.hessian(lambda x: np.sum(x**3))(np.array([1, 2])).dtype == np.float64
    # float32 inputs keep their precision
    assert cr.grad(lambda x: np.sum(x * x))(np.ones(2, dtype=np.float32)).dtype == np.float32


def test_non_scalar_output_error_suggests_jacobian_and_sum() -> None:
    with pytest.raises(cr.NonScalarOutputError, match=r"shape \(3,\).*jacobian.*\.sum\(\)"):
        cr.grad(np.sin)(X)
    with pytest.raises(TypeError):  # also a TypeError, as in JAX
        cr.grad(lambda x: [x, x])(1.0)


def test_integer_output_is_an_error_not_a_zero_gradient() -> None:
    with pytest.raises(cr.DtypeError, match="integer or boolean output"):
        cr.grad(lambda x: np.argmax(x))(X)
    with pytest.raises(cr.DtypeError):
        cr.grad(lambda x: x > 0)(1.0)


def test_independent_output_gives_zeros_and_says_so() -> None:
    with pytest.warns(cr.IndependentOutputWarning, match="does not depend"):
        g = cr.grad(lambda x: 3.0)(X)
    assert g.shape == X.shape and g.dtype == np.float64 and not g.any()
    # an input lost on the way (a step outside the graph) is reported, never silently zero
    with pytest.warns(cr.IndependentOutputWarning, match=r"float\(\)"):
        cr.grad(lambda x: float(x) * 2.0)(1.5)
    with pytest.warns(cr.IndependentOutputWarning):
        assert cr.grad(lambda x: np.sum(cr.floor(x)))(X).tolist() == [0.0, 0.0, 0.0]
    # a genuinely independent output of a multi-input function: zeros for that argument, no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gx, gy = cr.grad(lambda x, y: np.sum(y**2), argnums=(0, 1))(X, X)
        assert not gx.any() and np.allclose(gy, 2 * X)
    # forward mode: an output that does not depend on the input has a zero tangent of its shape
    _out, tan = cr.jvp(lambda x: np.ones(2), (X,), (X,))
    np.testing.assert_array_equal(tan, [0.0, 0.0])


def test_bad_arguments_raise_clear_errors() -> None:
    with pytest.raises(cr.ShapeError, match="tangent has shape"):
        cr.jvp(np.sin, (X,), (np.ones(2),))
    with pytest.raises(cr.ShapeError, match="cotangent has shape"):
        cr.vjp(np.sin, X)[1](np.ones(2))
    with pytest.raises(ValueError, match="argnums"):
        cr.grad(np.sum, argnums=2)(X)
    with pytest.raises(ValueError, match="mode"):
        cr.jacobian(np.sin, mode="sideways")
    with pytest.raises(ValueError, match="has_aux"):
        cr.grad(lambda x: np.sum(x), has_aux=True)(X)


def test_vjp_reusable_and_multiple_outputs() -> None:
    out, back = cr.vjp(lambda x, y: (x * y, np.sum(x)), X, 2.0)
    np.testing.assert_allclose(out[0], 2 * X)
    gx, gy = back((np.ones(3), 1.0))
    np.testing.assert_allclose(gx, np.full(3, 3.0))
    assert gy == pytest.approx(np.sum(X))
    gx2, _ = back((np.zeros(3), 2.0))  # called again: the graph is kept for reuse
    np.testing.assert_allclose(gx2, np.full(3, 2.0))


def test_tensor_inputs_give_tensors_connected_to_their_graph() -> None:
    x = cr.tensor([0.5, 1.0], requires_grad=True)
    g = cr.grad(lambda t: cr.sum(t**3))(x)  # 3 x**2, itself a function of x
    assert isinstance(g, cr.Tensor) and g.requires_grad
    cr.sum(g).backward()
    np.testing.assert_allclose(x.grad, 6 * x.data)
    y = cr.tensor([1.0, 2.0])
    assert isinstance(cr.grad(lambda t: cr.sum(t * t))(y), cr.Tensor)


def test_transforms_work_inside_no_grad() -> None:
    with cr.no_grad():
        np.testing.assert_allclose(cr.grad(lambda x: np.sum(x**2))(X), 2 * X)
        np.testing.assert_allclose(cr.hessian(lambda x: np.sum(x**3))(X), np.diag(6 * X))


@pytest.mark.parametrize("name", VECTOR)
def test_vjp_matches_autograd(name: str) -> None:
    f, fa = VECTOR[name](np), VECTOR[name](anp)
    out, back = cr.vjp(f, X)
    ref_back, ref_out = autograd.make_vjp(fa)(X)
    np.testing.assert_allclose(out, ref_out, rtol=1e-12)
    ct = np.random.default_rng(5).standard_normal(np.shape(out))
    np.testing.assert_allclose(back(ct)[0], ref_back(ct), rtol=1e-10, atol=1e-12)


def test_elementwise_grad_matches_finite_differences() -> None:
    x = np.linspace(-1.5, 1.5, 5)
    f = lambda x: np.exp(np.sin(x)) / (1 + x**2)  # noqa: E731
    np.testing.assert_allclose(cr.elementwise_grad(f)(x), (f(x + 1e-6) - f(x - 1e-6)) / 2e-6, rtol=1e-6)


UNARY = {
    "sin": (np.sin, anp.sin),
    "tanh": (np.tanh, anp.tanh),
    "exp_half": (lambda x: np.exp(0.5 * x), lambda x: anp.exp(0.5 * x)),
    "square": (np.square, anp.square),
    "softsqrt": (lambda x: np.sqrt(x * x + 1), lambda x: anp.sqrt(x * x + 1)),
}


@settings(max_examples=25, deadline=None)
@given(
    names=st.lists(st.sampled_from(sorted(UNARY)), min_size=1, max_size=4),
    x=st.lists(st.floats(-1.5, 1.5), min_size=2, max_size=4),
)
def test_random_compositions_match_autograd(names: list[str], x: list[float]) -> None:
    def build(k):
        def f(v):
            for n in names:
                v = UNARY[n][k](v)
            return v * v[::-1]

        return f

    f, fa = build(0), build(1)
    x = np.array(x)
    s, sa = (lambda v: np.sum(f(v))), (lambda v: anp.sum(fa(v)))
    np.testing.assert_allclose(cr.grad(s)(x), autograd.grad(sa)(x), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(cr.jacobian(f, mode="fwd")(x), autograd.jacobian(fa)(x), rtol=1e-9, atol=1e-12)
    v = np.linspace(-1, 1, x.size)
    np.testing.assert_allclose(cr.hvp(s, x, v), autograd.hessian_vector_product(sa)(x, v), rtol=1e-8, atol=1e-10)


def test_closure_over_a_tensor_that_requires_grad_stays_connected() -> None:
    w = cr.tensor(2.0, requires_grad=True)
    g = cr.grad(lambda x: x * x * w)(3.0)  # 2 x w, a function of the model parameter w
    assert isinstance(g, cr.Tensor) and float(g) == 12.0
    g.backward()
    assert float(w.grad) == 6.0  # d/dw (2 x w) = 2 x
    # without such a closure, results are plain NumPy values
    assert isinstance(cr.grad(lambda x: x * x * 2.0)(3.0), float)


def test_jacobian_of_several_arguments_and_outputs() -> None:
    def f(a, b):
        return {"p": a * b[0], "q": np.sum(a) * b}

    a, b = np.array([1.0, 2.0, 3.0]), np.array([0.5, -1.0])
    for mode in ("rev", "fwd"):
        J = cr.jacobian(f, argnums=(0, 1), mode=mode)(a, b)
        assert set(J) == {"p", "q"} and isinstance(J["p"], tuple)
        np.testing.assert_allclose(J["p"][0], np.eye(3) * b[0])
        np.testing.assert_allclose(J["p"][1], np.stack([a, np.zeros(3)], axis=-1))
        np.testing.assert_allclose(J["q"][0], np.outer(b, np.ones(3)))
        np.testing.assert_allclose(J["q"][1], np.eye(2) * a.sum())
    # an empty input gives empty blocks of the right shape
    assert cr.jacobian(lambda x: np.sum(x) + 1.0, mode="fwd")(np.zeros(0)).shape == (0,)
    assert cr.jacobian(lambda x: np.sum(x) + 1.0, mode="rev")(np.zeros(0)).shape == (0,)


def test_nested_transforms_of_numpy_inputs_return_numpy_arrays() -> None:
    f = lambda a: (a**3).sum()  # noqa: E731
    x, v = np.array([1.0, 2.0]), np.array([1.0, 0.0])
    for result in (cr.hessian(f)(x), cr.hvp(f, x, v), *cr.jvp(cr.grad(f), (x,), (v,))):
        assert type(result) is np.ndarray, type(result)
    np.testing.assert_allclose(cr.hessian(f)(x), np.diag(6 * x))
    # a function closing over a tensor that requires a gradient keeps its result connected to it
    w = cr.tensor([2.0, 3.0], requires_grad=True)
    h = cr.hvp(lambda a: (w * a**3).sum(), x, v)
    assert isinstance(h, cr.Tensor) and h.requires_grad


def test_an_output_that_is_the_input_itself_has_the_identity_derivative() -> None:
    # f returning its argument (matrix_power(a, 1), a selected branch ...): the gradient is the cotangent itself
    assert cr.grad(lambda x: x)(2.0) == 1.0
    np.testing.assert_array_equal(cr.jacobian(lambda x: x)(np.ones(2)), np.eye(2))
    _, back = cr.vjp(lambda x, y: (x, y * 2.0), np.ones(2), np.ones(2))
    gx, gy = back((np.array([3.0, 4.0]), np.array([1.0, 1.0])))
    assert gx.tolist() == [3.0, 4.0] and gy.tolist() == [2.0, 2.0]
    assert cr.grad(lambda d: d["a"])({"a": 2.0, "b": 1.0}) == {"a": 1.0, "b": 0.0}
