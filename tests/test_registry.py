"""Every primitive of the registry, checked over the catalogue of cases in ``catalogue.py``.

* forward: the same values, shape and dtype as NumPy's function;
* reverse mode: gradients against central finite differences in float64;
* second order: Hessian-vector products (a backward through a recorded backward) against finite
  differences of the gradient, which shows that every rule is itself written with differentiable ops;
* a guard: every primitive registered when chainrule is imported has at least one case, and each case
  really runs the primitive it is filed under.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

import chainrule as cr
from catalogue import CATALOGUE, COMPOSITES, Case, all_cases
from chainrule.engine import toposort
from helpers import numerical_grad

CASES = list(all_cases())
DIFF = [c for c in CASES if c.differentiable and c.wrt]
WITH_REF = [c for c in CASES if c.ref is not None]


def _ids(cases: list[Case]) -> list[str]:
    return [c.id for c in cases]


def _weights(shape: tuple[int, ...]) -> np.ndarray:
    # random output weights: sum(out * w) mixes every output element with a different coefficient
    return np.random.default_rng(7).standard_normal(shape)


def _value(case: Case, arrays: list[np.ndarray], w: np.ndarray) -> float:
    out = case.fn(*[cr.tensor(a) for a in arrays])
    return float(np.sum(np.asarray(out.data, dtype=np.float64) * w))


def _gradients(case: Case, arrays: list[np.ndarray], w: np.ndarray, create_graph: bool = False) -> tuple[list, list]:
    ts = [cr.tensor(a, requires_grad=i in case.wrt) for i, a in enumerate(arrays)]
    out = case.fn(*ts)
    (out * w).sum().backward(create_graph=create_graph)
    grads = [ts[i].grad if ts[i].grad is not None else np.zeros(np.shape(arrays[i])) for i in case.wrt]
    return ts, grads


@pytest.mark.parametrize("case", WITH_REF, ids=_ids(WITH_REF))
def test_forward_matches_numpy(case: Case) -> None:
    got = case.fn(*case.tensors())
    expected = np.asarray(case.ref(*[np.asarray(a) for a in case.inputs]))
    assert isinstance(got, cr.Tensor)
    assert got.shape == expected.shape, f"{case.id}: shape {got.shape}, NumPy gives {expected.shape}"
    assert got.dtype == expected.dtype, f"{case.id}: dtype {got.dtype}, NumPy gives {expected.dtype}"
    if expected.dtype.kind in "biu":
        np.testing.assert_array_equal(got.data, expected)
    else:
        # the last few bits may differ where chainrule evaluates a more stable formula than the reference
        scale = float(np.max(np.abs(expected[np.isfinite(expected)]), initial=1.0))
        np.testing.assert_allclose(got.data, expected, rtol=1e-12, atol=1e-14 * scale, equal_nan=True)


@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
def test_gradient_matches_finite_differences(case: Case) -> None:
    if not case.differentiable:
        # no gradient: even with inputs that require one, the result is a constant
        ts = [cr.tensor(a, requires_grad=np.asarray(a).dtype.kind == "f") for a in case.inputs]
        out = case.fn(*ts)
        assert not out.requires_grad and out.is_leaf, f"{case.id} must not record a gradient"
        return
    arrays = [np.asarray(a) for a in case.inputs]
    w = _weights(np.shape(case.fn(*[cr.tensor(a) for a in arrays]).data))
    ts, grads = _gradients(case, arrays, w)
    for i, g in zip(case.wrt, grads, strict=True):
        assert isinstance(g, np.ndarray) and g.shape == arrays[i].shape, f"input {i}: gradient shape {np.shape(g)}"
        assert g.dtype == arrays[i].dtype, f"input {i}: gradient dtype {g.dtype} != {arrays[i].dtype}"
        expected = numerical_grad(lambda *a: _value(case, list(a), w), arrays, i)
        np.testing.assert_allclose(g, expected, rtol=case.rtol, atol=case.atol, err_msg=f"{case.id} input {i}")


SECOND = [c for c in DIFF if c.second_order]


@pytest.mark.parametrize("case", SECOND, ids=_ids(SECOND))
def test_second_order_matches_finite_differences(case: Case) -> None:
    """H v from a backward through the recorded backward equals (grad(x + e v) - grad(x - e v)) / 2e."""
    arrays = [np.asarray(a, dtype=np.float64) if i in case.wrt else np.asarray(a) for i, a in enumerate(case.inputs)]
    w = _weights(np.shape(case.fn(*[cr.tensor(a) for a in arrays]).data))
    rng = np.random.default_rng(3)
    v = [rng.standard_normal(arrays[i].shape) for i in case.wrt]

    ts, grads = _gradients(case, arrays, w, create_graph=True)
    s = None
    for g, vi in zip(grads, v, strict=True):
        term = cr.sum(g * vi)
        s = term if s is None else s + term
    for t in ts:
        t.grad = None
    if isinstance(s, cr.Tensor) and s.requires_grad:
        s.backward()
        hv = [ts[i].grad if ts[i].grad is not None else np.zeros(arrays[i].shape) for i in case.wrt]
    else:  # the gradient does not depend on the inputs at all (a linear op): H v = 0
        hv = [np.zeros(arrays[i].shape) for i in case.wrt]

    eps = 1e-5

    def moved(sign: float) -> list[np.ndarray]:
        out = list(arrays)
        for i, vi in zip(case.wrt, v, strict=True):
            out[i] = arrays[i] + sign * eps * vi
        return out

    _, plus = _gradients(case, moved(1.0), w)
    _, minus = _gradients(case, moved(-1.0), w)
    for i, h, gp, gm in zip(case.wrt, hv, plus, minus, strict=True):
        expected = (np.asarray(gp) - np.asarray(gm)) / (2 * eps)
        got = np.asarray(h.data if isinstance(h, cr.Tensor) else h)
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5, err_msg=f"{case.id} input {i}")


def _builtin_primitives() -> list[str]:
    # a fresh interpreter: exactly the primitives that `import chainrule` registers (tests may add their own)
    code = "import json, chainrule; print(json.dumps(sorted(chainrule.REGISTRY)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_every_builtin_primitive_has_a_case() -> None:
    names = _builtin_primitives()
    assert len(names) > 50
    missing = [n for n in names if not CATALOGUE.get(n)]
    assert not missing, f"primitives without a test case in tests/catalogue.py: {missing}"


def test_catalogue_names_real_primitives() -> None:
    unknown = sorted(set(CATALOGUE) - set(cr.REGISTRY))
    assert not unknown, f"catalogue entries filed under names that are not primitives: {unknown}"
    clash = sorted(set(CATALOGUE) & set(COMPOSITES))
    assert not clash, f"composites filed under primitive names: {clash}"


@pytest.mark.parametrize(
    "case", [c for c in DIFF if c.op in CATALOGUE], ids=_ids([c for c in DIFF if c.op in CATALOGUE])
)
def test_case_runs_its_primitive(case: Case) -> None:
    out = case.fn(*case.tensors())
    assert out.node is not None, f"{case.id}: nothing was recorded"
    names = {n.prim.name for n in toposort(out.node)}
    assert case.op in names, f"{case.id} is filed under {case.op!r} but records only {sorted(names)}"


def test_nondifferentiable_primitives_are_declared_so() -> None:
    for case in CASES:
        if not case.differentiable and case.op in cr.REGISTRY:
            assert not cr.REGISTRY[case.op].differentiable, case.id
