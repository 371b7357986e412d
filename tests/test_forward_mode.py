"""Forward mode over the whole catalogue: for every primitive, ``jvp`` agrees with ``vjp`` and with finite differences.

The identity ``<v, J u> = <J^T v, u>`` ties the forward-mode rule of each primitive (``jvp``, one forward
pass) to its backward rule (``vjp``) without computing either Jacobian; a directional central difference
checks the forward-mode rule on its own, so two rules that are wrong in the same way cannot pass together.
A guard fails when a differentiable primitive has no forward-mode case.
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from catalogue import Case, all_cases

CASES = [c for c in all_cases() if c.differentiable and c.wrt]


def _split(case: Case):
    """f of the differentiable inputs only (the others are constants), and those inputs."""
    consts = [cr.tensor(a) for a in case.inputs]

    def f(*w):
        args = list(consts)
        for i, x in zip(case.wrt, w, strict=True):
            args[i] = x
        return case.fn(*args)

    return f, [np.asarray(case.inputs[i], dtype=np.float64) for i in case.wrt]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_jvp_matches_vjp_and_finite_differences(case: Case) -> None:
    f, xs = _split(case)
    rng = np.random.default_rng(3)
    us = [rng.standard_normal(x.shape) for x in xs]
    out, jvp_out = cr.jvp(f, tuple(xs), tuple(us))
    value = np.asarray(cr.tensor(f(*[cr.tensor(x) for x in xs])).data)
    np.testing.assert_allclose(out, value, rtol=1e-12, atol=0, err_msg=f"{case.id}: jvp changed the value")
    assert np.shape(jvp_out) == value.shape, f"{case.id}: tangent shape {np.shape(jvp_out)} != {value.shape}"
    v = rng.standard_normal(value.shape)
    _, back = cr.vjp(f, *xs)
    vjp_out = back(v)
    lhs = float(np.sum(v * jvp_out))
    rhs = float(sum(np.sum(g * u) for g, u in zip(vjp_out, us, strict=True)))
    assert np.isclose(lhs, rhs, rtol=1e-8, atol=1e-10), f"{case.id}: <v, J u> = {lhs} but <J^T v, u> = {rhs}"
    eps = 1e-6
    hi = np.asarray(cr.tensor(f(*[cr.tensor(x + eps * u) for x, u in zip(xs, us, strict=True)])).data)
    lo = np.asarray(cr.tensor(f(*[cr.tensor(x - eps * u) for x, u in zip(xs, us, strict=True)])).data)
    np.testing.assert_allclose(jvp_out, (hi - lo) / (2 * eps), rtol=max(case.rtol, 1e-5), atol=max(case.atol, 1e-6))


def test_every_differentiable_primitive_has_a_forward_mode_case() -> None:
    covered = {c.op for c in CASES}
    missing = sorted(n for n, p in cr.REGISTRY.items() if p.differentiable and n not in covered)
    assert not missing, f"differentiable primitives with no forward-mode test: {missing}"


def test_every_differentiable_primitive_declares_a_jvp_rule() -> None:
    missing = []
    for name, p in cr.REGISTRY.items():
        if not p.differentiable:
            continue
        for i, r in enumerate(p.vjps if isinstance(p.vjps, tuple) else [p.vjps]):
            if r is not None and (i >= len(p.jvps) or p.jvps[i] is None):
                missing.append(f"{name}[{i}]")
    assert not missing, f"inputs with a backward rule but no forward-mode rule: {missing}"


def test_jvp_is_one_forward_pass_with_no_graph() -> None:
    calls = {"forward": 0, "vjp": 0, "jvp": 0}

    def forward(x):
        calls["forward"] += 1
        return np.sin(x)

    def vjp_rule(g, ans, x):
        calls["vjp"] += 1
        return g * cr.cos(x)

    def jvp_rule(t, ans, x):
        calls["jvp"] += 1
        return t * cr.cos(x)

    counted_sin = cr.primitive("test_counted_sin", forward, vjp=vjp_rule, jvp=jvp_rule, register=False)

    class CountNodes:  # an engine hook: counts recorded nodes
        nodes = 0

        def on_node(self, node, out):
            self.nodes += 1

        def on_value(self, prim, raw, out):
            pass

        def on_gradient(self, node, i, gi):
            pass

    from chainrule.engine import STATE

    counter = CountNodes()
    STATE.extras = counter
    try:
        value, tangent = cr.jvp(lambda x: np.sum(counted_sin(x) * 2.0), (np.array([0.1, 0.2]),), (np.ones(2),))
    finally:
        STATE.extras = None
    assert calls == {"forward": 1, "vjp": 0, "jvp": 1}
    assert counter.nodes == 0  # nothing was recorded for a backward pass
    np.testing.assert_allclose(value, 2 * np.sin([0.1, 0.2]).sum())
    np.testing.assert_allclose(tangent, 2 * np.cos([0.1, 0.2]).sum())


def test_forward_hook_is_off_outside_jvp_even_after_an_error() -> None:
    from chainrule.forward import _tensor

    assert _tensor._FORWARD is None

    def boom(x):
        assert _tensor._FORWARD is not None  # on while the jvp runs
        raise RuntimeError("inside f")

    with pytest.raises(RuntimeError, match="inside f"):
        cr.jvp(boom, (1.0,), (1.0,))
    assert _tensor._FORWARD is None


def test_forward_mode_through_a_module_with_parameters() -> None:
    rng = np.random.default_rng(0)
    layer = cr.nn.Dense(3, 2)
    x = rng.standard_normal((4, 3))
    u = rng.standard_normal((4, 3))
    _, tangent = cr.jvp(lambda x: cr.tanh(layer(x)), (x,), (u,))
    # the parameters are constants here: J u = (1 - tanh(x W + b)^2) * (u W)
    out = np.tanh(x @ layer.weight.data + layer.bias.data)
    np.testing.assert_allclose(tangent, (1 - out**2) * (u @ layer.weight.data), rtol=1e-10, atol=1e-12)


def test_duals_are_read_only_and_readable() -> None:
    def f(x):
        assert isinstance(x, cr.Tensor) and x.shape == (2,)
        np.testing.assert_allclose(np.asarray(x), [1.0, 2.0])  # the values, as for any tensor
        with pytest.raises(cr.InplaceError, match="jvp"):
            x.data = np.zeros(2)
        with pytest.raises(cr.InplaceError, match="jvp"):
            x[0] = 5.0
        return x * 2

    out, tan = cr.jvp(f, (np.array([1.0, 2.0]),), (np.ones(2),))
    np.testing.assert_allclose(out, [2.0, 4.0])
    np.testing.assert_allclose(tan, [2.0, 2.0])
