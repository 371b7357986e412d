"""gradcheck, gradcheck_graph, and the public mechanism for custom operations that they protect."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr


# the documented example: a numerically stable log(1 + exp(x)) with its own backward and forward rules
def _softplus_forward(x):
    return np.logaddexp(0.0, x)  # never overflows, unlike np.log1p(np.exp(x)) at x = 1000


stable_softplus = cr.primitive(
    "test_stable_softplus",
    _softplus_forward,
    vjp=lambda g, ans, x: g * cr.sigmoid(x),  # d/dx log(1 + e^x) = sigmoid(x)
    jvp="elementwise",  # the backward rule is upstream * local elementwise, so it serves forward mode too
    register=False,  # keep the registry (and its guard test) to the built-in primitives
)
# the same operation with a wrong backward rule (sigmoid(-x) instead of sigmoid(x))
wrong_softplus = cr.primitive(
    "test_wrong_softplus",
    _softplus_forward,
    vjp=lambda g, ans, x: g * cr.sigmoid(-x),
    jvp=lambda t, ans, x: t * cr.sigmoid(x),  # its forward-mode rule is right
    register=False,
)
X = np.array([-2.0, -0.3, 0.4, 3.0])


def test_custom_primitive_is_stable_and_differentiable_in_every_mode() -> None:
    big = stable_softplus(cr.tensor([1000.0, -1000.0]))
    np.testing.assert_allclose(big.data, [1000.0, 0.0])
    f = lambda x: cr.sum(stable_softplus(x) ** 2)  # noqa: E731
    report = cr.gradcheck(f, (X,))
    assert report.passed and [e.mode for e in report.entries] == ["rev", "fwd"]
    expected = 2 * np.logaddexp(0, X) / (1 + np.exp(-X))
    np.testing.assert_allclose(cr.grad(f)(X), expected, rtol=1e-12)
    np.testing.assert_allclose(cr.jvp(f, (X,), (np.ones(4),))[1], expected.sum(), rtol=1e-12)
    # higher order works because the rule is written with chainrule operations
    np.testing.assert_allclose(cr.grad(cr.grad(lambda x: stable_softplus(x)))(0.0), 0.25, rtol=1e-12)  # sigmoid'(0)


def test_gradcheck_catches_a_wrong_custom_backward_and_reports_where() -> None:
    with pytest.raises(cr.GradcheckError, match="FAIL input 0 rev") as info:
        cr.gradcheck(lambda x: cr.sum(wrong_softplus(x)), (X,))
    assert "ok   input 0 fwd" in str(info.value)  # the forward-mode rule is fine: only reverse mode fails
    report = cr.gradcheck(lambda x: cr.sum(wrong_softplus(x)), (X,), raise_on_failure=False)
    rev = report.entries[0]
    assert not report.passed and rev.mode == "rev" and rev.shape == (4,)
    assert rev.max_abs_error > 0.1 and rev.max_rel_error > 0.1
    # the worst index is where sigmoid(x) and sigmoid(-x) differ most: the largest |x|
    assert rev.worst_index == (3,)


def test_gradcheck_report_for_several_inputs_and_outputs() -> None:
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((3,))
    report = cr.gradcheck(lambda a, b: cr.tanh(a @ b) * cr.exp(b[:2]), (a, b))
    assert report.passed
    assert [(e.input, e.mode, e.shape) for e in report.entries] == [
        (0, "rev", (2, 3)),
        (1, "rev", (3,)),
        (0, "fwd", (2, 3)),
        (1, "fwd", (3,)),
    ]
    assert all(e.max_abs_error < 1e-8 for e in report.entries)
    assert "passed" in str(report)


def test_gradcheck_graph_names_the_first_wrong_node() -> None:
    x = cr.tensor([0.5, -1.5, 2.0], requires_grad=True)
    h = cr.exp(x) * x
    y = cr.sum(cr.tanh(wrong_softplus(h)))
    y.backward(retain_graph=True)
    with pytest.raises(cr.GradcheckError, match=r"backward rule of 'test_wrong_softplus' \(operation #2"):
        cr.gradcheck_graph(y)
    report = cr.gradcheck_graph(y, raise_on_failure=False)
    failing = [e.mode for e in report.entries if not e.passed]
    assert failing == ["rev #2 test_wrong_softplus"]


def test_gradcheck_graph_passes_on_builtin_operations_and_needs_a_live_graph() -> None:
    rng = np.random.default_rng(1)
    x = cr.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    w = cr.tensor(rng.standard_normal((3, 2)), requires_grad=True)
    loss = cr.cross_entropy(cr.relu(x @ w) + 0.1, [0, 1, 1, 0])
    assert cr.gradcheck_graph(loss).passed  # before backward
    loss.backward()
    with pytest.raises(cr.GraphFreedError, match="retain_graph=True"):
        cr.gradcheck_graph(loss)
    with pytest.raises(ValueError, match="no graph"):
        cr.gradcheck_graph(cr.tensor(1.0))


def test_custom_primitive_without_forward_rule_names_itself_in_forward_mode() -> None:
    only_backward = cr.primitive("test_only_backward", np.sin, vjp=lambda g, ans, x: g * cr.cos(x), register=False)
    np.testing.assert_allclose(cr.grad(lambda x: only_backward(x))(0.5), np.cos(0.5))
    with pytest.raises(NotImplementedError, match=r"test_only_backward.*forward-mode"):
        cr.jvp(lambda x: only_backward(x), (0.5,), (1.0,))


def test_non_contiguous_arrays_are_perturbed_in_place() -> None:
    # cached inputs that are transposed views (im2col's columns, a.T) must still be perturbed element by element
    rng = np.random.default_rng(2)
    x = cr.tensor(rng.standard_normal((2, 1, 5, 5)))
    conv = cr.nn.Conv2d(1, 2, 3, padding=1)
    y = cr.sum(cr.tanh(conv(x)) ** 2)
    report = cr.gradcheck_graph(y)
    assert report.passed and len(report.entries) >= 8
    fortran = rng.standard_normal((3, 4)).T
    assert not fortran.flags.c_contiguous
    assert cr.gradcheck(lambda a: cr.sum(cr.tanh(a) * a), (fortran,)).passed


def test_outputs_that_are_views_of_the_input_are_checked() -> None:
    # a transpose (or einsum's 'ij->ji') returns a view of its input: the differences must not move with it
    a = np.arange(6.0).reshape(2, 3)
    assert cr.gradcheck(cr.transpose, (a,)).passed
    assert cr.gradcheck(lambda x: cr.einsum("ij->ji", x), (a,)).passed
    x = cr.tensor(a, requires_grad=True)
    assert cr.gradcheck_graph(cr.transpose(x) * 2.0).passed


@pytest.mark.parametrize(
    "name,f",
    [
        ("cholesky", lambda a: cr.linalg.cholesky(a).sum()),
        (
            "eigh",
            lambda a: (cr.linalg.eigh(a).eigenvalues ** 2).sum() + cr.linalg.eigh(a).eigenvectors[:, 0].sum() ** 2,
        ),
        ("eigvalsh", lambda a: (cr.linalg.eigvalsh(a) ** 3).sum()),
        ("svd", lambda a: cr.linalg.svd(a, hermitian=True).S.sum()),
        ("pinv", lambda a: cr.linalg.pinv(a, hermitian=True).sum()),
    ],
)
def test_gradcheck_graph_checks_one_triangle_readers_against_their_symmetric_gradient(name, f) -> None:
    # they read one triangle of a symmetric input and give the symmetric gradient (docs/conventions.md): the check
    # differentiates forward(sym(a)), the function that gradient belongs to, not the triangle NumPy reads
    rng = np.random.default_rng(3)
    m = rng.standard_normal((4, 4))
    a = cr.tensor(m @ m.T + 4 * np.eye(4), requires_grad=True)
    y = f(a)
    y.backward(retain_graph=True)
    report = cr.gradcheck_graph(y, raise_on_failure=False)
    assert report.passed, f"{name}\n{report}"
    assert any(name in e.mode for e in report.entries)  # the operation itself was checked
