"""An independent reference: values and gradients compared with HIPS autograd over a broad sample of
operations, shapes and axes (and second derivatives for a few), in float64."""

from __future__ import annotations

import autograd
import autograd.numpy as anp
import numpy as np
import pytest
from autograd.scipy.special import logsumexp as ag_logsumexp

import chainrule as cr

# autograd warns when a gradient is identically zero (sign) or a second derivative vanishes (linear ops)
pytestmark = pytest.mark.filterwarnings("ignore:Output seems independent of input")

RNG = np.random.default_rng(11)


def normal(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape)


def positive(*shape: int) -> np.ndarray:
    return RNG.uniform(0.5, 2.0, shape)


def away(*shape: int) -> np.ndarray:
    return np.where(RNG.random(shape) < 0.5, -1, 1) * RNG.uniform(0.3, 1.5, shape)


CASES: list[tuple[str, object, object, list[np.ndarray]]] = []


def case(name: str, f_cr, f_ag, *inputs: np.ndarray) -> None:
    CASES.append((name, f_cr, f_ag, list(inputs)))


# elementwise, over scalar, vector and matrix
UNARY = [
    ("exp", cr.exp, anp.exp, normal),
    ("exp2", cr.exp2, anp.exp2, normal),
    ("expm1", cr.expm1, anp.expm1, normal),
    ("log", cr.log, anp.log, positive),
    ("log2", cr.log2, anp.log2, positive),
    ("log10", cr.log10, anp.log10, positive),
    ("log1p", cr.log1p, anp.log1p, positive),
    ("sqrt", cr.sqrt, anp.sqrt, positive),
    ("square", cr.square, anp.square, normal),
    ("reciprocal", cr.reciprocal, anp.reciprocal, away),
    ("sin", cr.sin, anp.sin, normal),
    ("cos", cr.cos, anp.cos, normal),
    ("tan", cr.tan, anp.tan, lambda *s: RNG.uniform(-1.2, 1.2, s)),
    ("arcsin", cr.arcsin, anp.arcsin, lambda *s: RNG.uniform(-0.9, 0.9, s)),
    ("arccos", cr.arccos, anp.arccos, lambda *s: RNG.uniform(-0.9, 0.9, s)),
    ("arctan", cr.arctan, anp.arctan, normal),
    ("sinh", cr.sinh, anp.sinh, normal),
    ("cosh", cr.cosh, anp.cosh, normal),
    ("tanh", cr.tanh, anp.tanh, normal),
    ("abs", cr.abs, anp.abs, away),
    ("sign", cr.sign, anp.sign, away),
    ("negative", cr.negative, anp.negative, normal),
    ("sigmoid", cr.sigmoid, lambda x: 1 / (1 + anp.exp(-x)), normal),
    ("relu", cr.relu, lambda x: anp.maximum(x, 0.0), away),
    ("softplus", cr.softplus, lambda x: anp.logaddexp(0.0, x), normal),
    ("leaky_relu", lambda x: cr.leaky_relu(x, 0.1), lambda x: anp.where(x > 0, x, 0.1 * x), away),
]
for _name, _c, _a, _gen in UNARY:
    for _shape in [(), (4,), (2, 3)]:
        case(f"{_name}-{_shape}", _c, _a, _gen(*_shape))

PAIRS = [((), ()), ((3,), (3,)), ((2, 3), (2, 3)), ((3, 1), (1, 4)), ((2, 3), (3,)), ((), (2, 3))]
BINARY = [
    ("add", lambda x, y: x + y, lambda x, y: x + y, normal, normal),
    ("subtract", lambda x, y: x - y, lambda x, y: x - y, normal, normal),
    ("multiply", lambda x, y: x * y, lambda x, y: x * y, normal, normal),
    ("divide", lambda x, y: x / y, lambda x, y: x / y, normal, away),
    ("power", lambda x, y: x**y, lambda x, y: x**y, positive, normal),
    ("maximum", cr.maximum, anp.maximum, normal, normal),
    ("minimum", cr.minimum, anp.minimum, normal, normal),
    ("arctan2_like", lambda x, y: cr.arctan(x / (y * y + 1)), lambda x, y: anp.arctan(x / (y * y + 1)), normal, normal),
]
for _name, _c, _a, _gx, _gy in BINARY:
    for _sx, _sy in PAIRS:
        case(f"{_name}-{_sx}-{_sy}", _c, _a, _gx(*_sx), _gy(*_sy))

# reductions over every kind of axis
AXES = [None, 0, -1, 1, (0, 2), (-1, 0)]
REDUCTIONS = [
    ("sum", cr.sum, anp.sum, normal),
    ("mean", cr.mean, anp.mean, normal),
    ("prod", cr.prod, anp.prod, positive),
    ("max", cr.max, anp.max, normal),
    ("min", cr.min, anp.min, normal),
    ("var", cr.var, anp.var, normal),
    ("std", cr.std, anp.std, normal),
    ("logsumexp", cr.logsumexp, ag_logsumexp, normal),
]
for _name, _c, _a, _gen in REDUCTIONS:
    for _axis in AXES:
        for _keep in (False, True):
            case(
                f"{_name}-axis={_axis}-keepdims={_keep}",
                lambda x, _c=_c, _ax=_axis, _k=_keep: _c(x, axis=_ax, keepdims=_k),
                lambda x, _a=_a, _ax=_axis, _k=_keep: _a(x, axis=_ax, keepdims=_k),
                _gen(2, 3, 4),
            )
case("var-ddof1", lambda x: cr.var(x, axis=1, ddof=1), lambda x: anp.var(x, axis=1, ddof=1), normal(3, 4))
case("std-ddof1", lambda x: cr.std(x, axis=0, ddof=1), lambda x: anp.std(x, axis=0, ddof=1), normal(3, 4))

# shapes and indexing
case("reshape", lambda x: cr.reshape(x, (4, -1)), lambda x: anp.reshape(x, (4, -1)), normal(2, 3, 2))
case("transpose", lambda x: cr.transpose(x, (2, 0, 1)), lambda x: anp.transpose(x, (2, 0, 1)), normal(2, 3, 4))
case("swapaxes", lambda x: cr.swapaxes(x, 0, 2), lambda x: anp.swapaxes(x, 0, 2), normal(2, 3, 4))
case("moveaxis", lambda x: cr.moveaxis(x, 0, -1), lambda x: anp.moveaxis(x, 0, -1), normal(2, 3, 4))
case("expand_dims", lambda x: cr.expand_dims(x, 1), lambda x: anp.expand_dims(x, 1), normal(2, 3))
case("squeeze", lambda x: cr.squeeze(x, 1), lambda x: anp.squeeze(x, 1), normal(2, 1, 3))
case("broadcast_to", lambda x: cr.broadcast_to(x, (2, 3, 4)), lambda x: x * anp.ones((2, 3, 4)), normal(3, 1))
case("ravel", cr.ravel, anp.ravel, normal(2, 3))
case(
    "concatenate",
    lambda x, y: cr.concatenate([x, y, x], axis=1),
    lambda x, y: anp.concatenate([x, y, x], axis=1),
    normal(2, 3),
    normal(2, 1),
)
case(
    "stack", lambda x, y: cr.stack([x, y], axis=-1), lambda x, y: anp.stack([x, y], axis=-1), normal(2, 3), normal(2, 3)
)
case("repeat", lambda x: cr.repeat(x, 2, axis=1), lambda x: anp.repeat(x, 2, axis=1), normal(2, 3))
case("tile", lambda x: cr.tile(x, (2, 2)), lambda x: anp.tile(x, (2, 2)), normal(2, 3))
case(
    "pad", lambda x: cr.pad(x, ((1, 2), (0, 1))), lambda x: anp.pad(x, ((1, 2), (0, 1)), mode="constant"), normal(2, 3)
)
_idx = np.array([0, 2, 2, 1, 0])
for _label, _index in [
    ("slice", (slice(None), slice(1, None))),
    ("int_array_repeats", _idx),
    ("two_arrays", (np.array([0, 1, 1]), np.array([2, 2, 0]))),
    ("step", (slice(None, None, -1), 1)),
]:
    case(f"getitem-{_label}", lambda x, _i=_index: x[_i], lambda x, _i=_index: x[_i], normal(3, 4))
case("getitem-mask", lambda x: x[x.data > 0], lambda x: x[x > 0], normal(3, 4))
case("where", lambda x, y: cr.where(x.data > 0, x, y), lambda x, y: anp.where(x > 0, x, y), normal(2, 3), normal(2, 3))

# linear algebra
for _sa, _sb in [
    ((3, 4), (4, 2)),
    ((4,), (4,)),
    ((4,), (4, 2)),
    ((3, 4), (4,)),
    ((2, 3, 4), (4, 5)),
    ((2, 1, 3, 4), (3, 4, 2)),
]:
    case(f"matmul-{_sa}-{_sb}", lambda a, b: a @ b, anp.matmul, normal(*_sa), normal(*_sb))
case("dot", cr.dot, anp.dot, normal(2, 3), normal(3, 2))
case("dot-nd", cr.dot, anp.dot, normal(2, 3, 4), normal(3, 4, 2))
case("outer", cr.outer, anp.outer, normal(3), normal(4))
case("inner", cr.inner, anp.inner, normal(2, 3), normal(4, 3))
case(
    "tensordot",
    lambda a, b: cr.tensordot(a, b, ([1, 2], [0, 1])),
    lambda a, b: anp.tensordot(a, b, ([1, 2], [0, 1])),
    normal(2, 3, 4),
    normal(3, 4, 2),
)
for _spec, _shapes in [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 2)]),
    ("i,j->ij", [(3,), (2,)]),
    ("ijk->kj", [(2, 3, 4)]),
]:
    case(
        f"einsum-{_spec}",
        lambda *o, _s=_spec: cr.einsum(_s, *o),
        lambda *o, _s=_spec: anp.einsum(_s, *o),
        *[normal(*s) for s in _shapes],
    )
# autograd's einsum has no repeated subscripts: its trace and diagonal are the reference for those
case("einsum-ii->", lambda x: cr.einsum("ii->", x), anp.trace, normal(3, 3))
case("einsum-ii->i", lambda x: cr.einsum("ii->i", x), lambda x: anp.diagonal(x, 0, -1, -2), normal(3, 3))
case("trace", cr.trace, anp.trace, normal(3, 3))
case("trace-offset", lambda x: cr.trace(x, 1), lambda x: anp.trace(x, 1), normal(3, 4))
case("norm-vector", cr.norm, anp.linalg.norm, normal(5))
case("norm-frobenius", cr.norm, anp.linalg.norm, normal(3, 4))
case("norm-axis", lambda x: cr.norm(x, axis=1), lambda x: anp.linalg.norm(x, axis=1), normal(3, 4))
case("norm-ord1", lambda x: cr.norm(x, ord=1), lambda x: anp.sum(anp.abs(x)), away(5))

# neural-network functions
for _axis in (-1, 0):
    case(
        f"softmax-{_axis}",
        lambda x, _a=_axis: cr.softmax(x, axis=_a),
        lambda x, _a=_axis: anp.exp(x - ag_logsumexp(x, axis=_a, keepdims=True)),
        normal(3, 4),
    )
    case(
        f"log_softmax-{_axis}",
        lambda x, _a=_axis: cr.log_softmax(x, axis=_a),
        lambda x, _a=_axis: x - ag_logsumexp(x, axis=_a, keepdims=True),
        normal(3, 4),
    )
_labels = np.array([1, 0, 3])
case(
    "cross_entropy",
    lambda x: cr.cross_entropy(x, _labels),
    lambda x: -anp.mean((x - ag_logsumexp(x, axis=1, keepdims=True))[np.arange(3), _labels]),
    normal(3, 4),
)
case(
    "bce_with_logits",
    lambda x, y: cr.binary_cross_entropy_with_logits(x, y),
    lambda x, y: anp.mean(anp.logaddexp(0.0, x) - x * y),
    normal(3, 2),
    RNG.uniform(0, 1, (3, 2)),
)
case("mse", cr.mse, lambda a, b: anp.mean((a - b) ** 2), normal(3, 2), normal(3, 2))
case(
    "relu_mlp",  # the fused network of nn.MLP, against autograd's composed layers
    lambda x, w1, b1, w2, b2, w3, b3: cr.relu_mlp(x, w1, b1, w2, b2, w3, b3).sum(),
    lambda x, w1, b1, w2, b2, w3, b3: anp.sum(
        anp.dot(anp.maximum(anp.dot(anp.maximum(anp.dot(x, w1) + b1, 0), w2) + b2, 0), w3) + b3
    ),
    normal(5, 4),
    normal(4, 6),
    normal(6),
    normal(6, 3),
    normal(3),
    normal(3, 2),
    normal(2),
)
case(
    "composite",
    lambda x, w: cr.tanh(x @ w).sum(axis=0) * cr.exp(-x[0]).mean() + cr.sigmoid(w).max(),
    lambda x, w: anp.sum(anp.tanh(anp.dot(x, w)), axis=0) * anp.mean(anp.exp(-x[0])) + anp.max(1 / (1 + anp.exp(-w))),
    normal(2, 3),
    normal(3, 2),
)


@pytest.mark.parametrize("name,f_cr,f_ag,inputs", CASES, ids=[c[0] for c in CASES])
def test_values_and_gradients_match_autograd(name, f_cr, f_ag, inputs) -> None:
    out = f_cr(*[cr.tensor(a) for a in inputs])
    ref = f_ag(*inputs)
    np.testing.assert_allclose(out.data, ref, rtol=1e-12, atol=1e-12)
    w = np.random.default_rng(2).standard_normal(np.shape(ref))
    ts = [cr.tensor(a, requires_grad=True) for a in inputs]
    (f_cr(*ts) * w).sum().backward()
    for i, t in enumerate(ts):
        expected = autograd.grad(lambda *a: anp.sum(f_ag(*a) * w), i)(*inputs)
        np.testing.assert_allclose(t.grad, expected, rtol=1e-10, atol=1e-12, err_msg=f"{name}: input {i}")


SECOND = [
    "tanh",
    "sigmoid",
    "softplus",
    "sin",
    "exp",
    "log",
    "sqrt",
    "arctan",
    "cosh",
    "power",
    "divide",
    "logsumexp",
    "softmax",
    "norm-vector",
    "prod",
    "var",
    "matmul",
    "einsum-ii->",
    "composite",
]


@pytest.mark.parametrize(
    "name,f_cr,f_ag,inputs",
    [c for c in CASES if any(c[0].startswith(p) for p in SECOND)][::3],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_hessian_vector_products_match_autograd(name, f_cr, f_ag, inputs) -> None:
    rng = np.random.default_rng(4)
    w = rng.standard_normal(np.shape(f_ag(*inputs)))
    v = [rng.standard_normal(np.shape(a)) for a in inputs]
    ts = [cr.tensor(a, requires_grad=True) for a in inputs]
    (f_cr(*ts) * w).sum().backward(create_graph=True)
    s = sum(cr.sum(t.grad * vi) for t, vi in zip(ts, v, strict=True))
    for t in ts:
        t.grad = None
    if isinstance(s, cr.Tensor) and s.requires_grad:
        s.backward()

    def directional(*a):  # <grad f, v>, whose gradient is H v
        grads = [autograd.grad(lambda *b: anp.sum(f_ag(*b) * w), i)(*a) for i in range(len(a))]
        return sum(anp.sum(g * vi) for g, vi in zip(grads, v, strict=True))

    for i, t in enumerate(ts):
        expected = autograd.grad(directional, i)(*inputs)
        got = t.grad if t.grad is not None else np.zeros(np.shape(inputs[i]))
        np.testing.assert_allclose(np.asarray(got), expected, rtol=1e-9, atol=1e-11, err_msg=f"{name}: input {i}")
