"""scipy.optimize with chainrule's derivatives of plain NumPy code (the README's "Gradients of NumPy code")."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr

optimize = pytest.importorskip("scipy.optimize")


def rosenbrock(x):
    # plain NumPy: on tensors, np.sum and the operators record the graph
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


X0 = np.array([-1.2, 1.0, -0.5, 0.8])


def test_gradient_and_hessian_match_scipy_reference() -> None:
    np.testing.assert_allclose(cr.grad(rosenbrock)(X0), optimize.rosen_der(X0), rtol=1e-12)
    np.testing.assert_allclose(cr.hessian(rosenbrock)(X0), optimize.rosen_hess(X0), rtol=1e-12)
    v = np.array([1.0, -2.0, 0.5, 3.0])
    np.testing.assert_allclose(cr.hvp(rosenbrock, X0, v), optimize.rosen_hess_prod(X0, v), rtol=1e-12)


def test_bfgs_with_value_and_grad_reaches_the_minimum() -> None:
    res = optimize.minimize(cr.value_and_grad(rosenbrock), X0, jac=True, method="BFGS", options={"gtol": 1e-9})
    assert res.success, res.message
    np.testing.assert_allclose(res.x, np.ones(4), atol=1e-6)
    assert res.fun < 1e-12


def test_newton_cg_with_hessian_and_hvp_reaches_the_minimum() -> None:
    res = optimize.minimize(
        rosenbrock,
        X0,
        jac=cr.grad(rosenbrock),
        hess=cr.hessian(rosenbrock),
        method="Newton-CG",
        options={"xtol": 1e-10},
    )
    assert res.success, res.message
    np.testing.assert_allclose(res.x, np.ones(4), atol=1e-5)
    res = optimize.minimize(
        rosenbrock,
        X0,
        jac=cr.grad(rosenbrock),
        hessp=lambda x, p: cr.hvp(rosenbrock, x, p),
        method="Newton-CG",
        options={"xtol": 1e-10},
    )
    assert res.success, res.message
    np.testing.assert_allclose(res.x, np.ones(4), atol=1e-5)
