"""A catalogue of test cases for every primitive in ``chainrule.REGISTRY`` (and the composites the docs promise).

``CATALOGUE[name]`` is a list of :class:`Case` for the primitive called ``name``; ``COMPOSITES[name]`` holds
cases for functions built from primitives (``var``, ``stack``, ``cross_entropy`` ...). Each case says how to
build the operation from tensors (``fn``), which float64 inputs to feed it (``inputs``), which of them are
differentiable (``wrt``) and, where it exists, the NumPy function that must give the same forward result
(``ref``). Inputs are kept away from kinks, ties and singularities so that central differences are valid.

The cases cover scalar (0-d), vector, matrix and broadcast argument pairs, and for reductions every kind of
``axis`` (None, int, negative, tuple) with and without ``keepdims``. Tests of any transform (reverse mode,
forward mode, higher order) iterate over :func:`all_cases`.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import chainrule as cr
from chainrule.ops.inverse import _cofactor_derivative
from chainrule.ops.linalg import _diag_embed


@dataclass(frozen=True)
class Case:
    """One way to call an operation.

    ``fn(*tensors)`` builds the operation; ``inputs`` are float64 (or integer/bool constant) arrays;
    ``wrt`` lists the inputs that are differentiable (the others are passed as constant tensors);
    ``ref(*arrays)`` is NumPy's answer for the forward pass (None where NumPy has no such function).
    ``differentiable`` is False for operations without a gradient (comparisons, argmax, floor ...).
    ``second_order`` is False where the gradient itself is not differentiable at these inputs.
    """

    op: str
    label: str
    fn: Callable[..., Any]
    inputs: tuple[np.ndarray, ...]
    wrt: tuple[int, ...]
    ref: Callable[..., Any] | None = None
    differentiable: bool = True
    second_order: bool = True
    rtol: float = 1e-5
    atol: float = 1e-6
    params: dict = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.op}[{self.label}]"

    def tensors(self, requires_grad: bool = True, dtype: Any = None) -> list[cr.Tensor]:
        """The inputs as tensors: those in ``wrt`` require a gradient (floating inputs cast to ``dtype``)."""
        out = []
        for i, a in enumerate(self.inputs):
            a = np.asarray(a)
            if dtype is not None and a.dtype.kind == "f":
                a = a.astype(dtype)
            out.append(cr.tensor(a, requires_grad=requires_grad and i in self.wrt))
        return out


CATALOGUE: dict[str, list[Case]] = {}
COMPOSITES: dict[str, list[Case]] = {}


def all_cases(include_composites: bool = True) -> Iterator[Case]:
    """Every case, primitives first."""
    for cases in CATALOGUE.values():
        yield from cases
    if include_composites:
        for cases in COMPOSITES.values():
            yield from cases


def _add(
    table: dict[str, list[Case]], op: str, label: str, fn: Callable, inputs: Any, wrt: Any = None, **kw: Any
) -> None:
    inputs = tuple(np.asarray(a) for a in inputs)
    if wrt is None:
        wrt = tuple(i for i, a in enumerate(inputs) if a.dtype.kind == "f")
    table.setdefault(op, []).append(Case(op, label, fn, inputs, tuple(wrt), **kw))


def prim(op: str, label: str, fn: Callable, inputs: Any, wrt: Any = None, **kw: Any) -> None:
    _add(CATALOGUE, op, label, fn, inputs, wrt, **kw)


def comp(op: str, label: str, fn: Callable, inputs: Any, wrt: Any = None, **kw: Any) -> None:
    _add(COMPOSITES, op, label, fn, inputs, wrt, **kw)


# ---------------------------------------------------------------------------------------------------
# Input generators (deterministic: each draws from a generator seeded by its call's arguments)

_COUNTER = [0]


def _rng() -> np.random.Generator:
    _COUNTER[0] += 1
    return np.random.default_rng(zlib.crc32(str(_COUNTER[0]).encode()))


def normal(shape: tuple[int, ...]) -> np.ndarray:
    return _rng().standard_normal(shape)


def positive(shape: tuple[int, ...], lo: float = 0.5, hi: float = 2.0) -> np.ndarray:
    return _rng().uniform(lo, hi, shape)


def unit(shape: tuple[int, ...]) -> np.ndarray:
    """Inside (-0.8, 0.8): the domain of arcsin/arccos, away from its ends."""
    return _rng().uniform(-0.8, 0.8, shape)


def away(shape: tuple[int, ...], gap: float = 0.2) -> np.ndarray:
    """Values of magnitude at least ``gap``: away from the kink at 0 of relu, abs, sign."""
    r = _rng()
    return np.where(r.random(shape) < 0.5, -1.0, 1.0) * (gap + np.abs(r.standard_normal(shape)))


def distinct(shape: tuple[int, ...]) -> np.ndarray:
    """Values at least 0.1 apart (no ties: max/min/sort have a single winner)."""
    n = int(np.prod(shape))
    vals = (_rng().permutation(n) - n / 2) * 0.3 + _rng().uniform(-0.05, 0.05, n)
    return vals.reshape(shape)


def apart(sx: tuple[int, ...], sy: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Two arrays whose broadcast elements differ by at least 0.05 (no ties for maximum/minimum)."""
    r = _rng()
    while True:
        x, y = r.standard_normal(sx), r.standard_normal(sy)
        if np.min(np.abs(np.subtract(x, y)), initial=np.inf) > 0.05:
            return x, y


# argument shapes: scalar, vector, matrix, and pairs that broadcast
UNARY_SHAPES = [(), (4,), (2, 3)]
PAIRS = [((), ()), ((4,), (4,)), ((2, 3), (2, 3)), ((3, 1), (1, 4)), ((2, 3), (3,)), ((), (2, 3)), ((2, 3), ())]


def _s(shape: tuple[int, ...]) -> str:
    return "x".join(map(str, shape)) or "scalar"


# ---------------------------------------------------------------------------------------------------
# Elementwise, one input

UNARY = [
    # name, chainrule fn, numpy reference, input domain
    ("negative", cr.negative, np.negative, normal),
    ("absolute", cr.absolute, np.abs, away),
    ("sign", cr.sign, np.sign, away),
    ("exp", cr.exp, np.exp, normal),
    ("exp2", cr.exp2, np.exp2, normal),
    ("expm1", cr.expm1, np.expm1, normal),
    ("log", cr.log, np.log, positive),
    ("log2", cr.log2, np.log2, positive),
    ("log10", cr.log10, np.log10, positive),
    ("log1p", cr.log1p, np.log1p, positive),
    ("sqrt", cr.sqrt, np.sqrt, positive),
    ("square", cr.square, np.square, normal),
    ("reciprocal", cr.reciprocal, np.reciprocal, positive),
    ("sin", cr.sin, np.sin, normal),
    ("cos", cr.cos, np.cos, normal),
    ("tan", cr.tan, np.tan, unit),
    ("arcsin", cr.arcsin, np.arcsin, unit),
    ("arccos", cr.arccos, np.arccos, unit),
    ("arctan", cr.arctan, np.arctan, normal),
    ("sinh", cr.sinh, np.sinh, normal),
    ("cosh", cr.cosh, np.cosh, normal),
    ("tanh", cr.tanh, np.tanh, normal),
    ("sigmoid", cr.sigmoid, lambda x: 1 / (1 + np.exp(-x)), normal),
    ("relu", cr.relu, lambda x: np.maximum(x, 0), away),
    ("leaky_relu", cr.leaky_relu, lambda x: np.where(x > 0, x, 0.01 * x), away),
    ("softplus", cr.softplus, lambda x: np.log1p(np.exp(x)), normal),
    ("erf", cr.erf, None, normal),
    ("gelu", cr.gelu, None, normal),
    ("gelu_tanh", lambda x: cr.gelu(x, approximate="tanh"), None, normal),
]
for _name, _fn, _ref, _dom in UNARY:
    for _shape in UNARY_SHAPES:
        prim(_name, _s(_shape), _fn, [_dom(_shape)], ref=_ref)
    # a negative reciprocal / log of a negative-free domain etc. is covered by the domain; one more on 3-D
    prim(_name, "2x2x2", _fn, [_dom((2, 2, 2))], ref=_ref)

prim("negative", "method", lambda x: -x, [normal((3,))], ref=np.negative)
prim("absolute", "method", lambda x: abs(x), [away((3,))], ref=np.abs)
prim("absolute", "tensor_method", lambda x: x.abs(), [away((2, 2))], ref=np.abs)
prim("leaky_relu", "slope0.2", lambda x: cr.leaky_relu(x, 0.2), [away((5,))], ref=lambda x: np.where(x > 0, x, 0.2 * x))
for _name in ("exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "relu", "square", "sign"):
    _dom = {"log": positive, "sqrt": positive, "relu": away, "sign": away}.get(_name, normal)
    prim(_name, "method", lambda x, _n=_name: getattr(x, _n)(), [_dom((3,))])
prim("reciprocal", "negative", cr.reciprocal, [-positive((3,))], ref=np.reciprocal)
prim("sqrt", "large", cr.sqrt, [positive((3,), 10.0, 1000.0)], ref=np.sqrt)

# ---------------------------------------------------------------------------------------------------
# Elementwise, two inputs (every broadcast pair)

BINARY = [
    ("add", lambda x, y: x + y, np.add, normal, normal),
    ("subtract", lambda x, y: x - y, np.subtract, normal, normal),
    ("multiply", lambda x, y: x * y, np.multiply, normal, normal),
    ("divide", lambda x, y: x / y, np.true_divide, normal, away),
    ("power", lambda x, y: x**y, np.power, positive, normal),
]
for _name, _fn, _ref, _dx, _dy in BINARY:
    for _sx, _sy in PAIRS:
        prim(_name, f"{_s(_sx)},{_s(_sy)}", _fn, [_dx(_sx), _dy(_sy)], ref=_ref)

prim("add", "func", cr.add, [normal((2,)), normal((2,))], ref=np.add)
prim("add", "radd_const", lambda x: 2.5 + x, [normal((3,))], ref=lambda x: 2.5 + x)
prim("add", "ndarray_lhs", lambda x: np.arange(3.0) + x, [normal((3,))], ref=lambda x: np.arange(3.0) + x)
prim("subtract", "rsub_const", lambda x: 1.0 - x, [normal((3,))], ref=lambda x: 1.0 - x)
prim("multiply", "same_tensor", lambda x: x * x, [normal((3,))], ref=lambda x: x * x)
prim("divide", "rdiv_const", lambda x: 2.0 / x, [away((3,))], ref=lambda x: 2.0 / x)
prim("multiply", "int_const", lambda x, k: x * k, [normal((2, 3)), np.array([1, 2, 3])], ref=np.multiply)
prim("add", "bool_mask", lambda x, m: x + m, [normal((3,)), np.array([True, False, True])], ref=np.add)
# powers: integer and float constant exponents, negative bases with integer exponents, a Tensor exponent
for _k in (0, 1, 2, 3, -1, -2, 0.5, 2.5):
    _base = normal if isinstance(_k, int) and _k >= 0 else positive
    prim("power", f"const{_k}", lambda x, _k=_k: x**_k, [_base((2, 3))], ref=lambda x, _k=_k: np.power(x, _k))
prim("power", "neg_base_int3", lambda x: x**3, [-positive((4,))], ref=lambda x: x**3)
prim("power", "neg_base_int_-2", lambda x: x**-2, [-positive((4,))], ref=lambda x: x**-2.0)
prim("power", "neg_base_int_tensor_exp", lambda x, k: x**k, [-positive((4,)), np.array(3)], ref=np.power)
prim("power", "rpow_const_base", lambda y: 2.0**y, [normal((3,))], ref=lambda y: 2.0**y)
prim("power", "func", cr.power, [positive((3,)), normal((3,))], ref=np.power)

for _sx, _sy in PAIRS:
    prim("logaddexp", f"{_s(_sx)},{_s(_sy)}", cr.logaddexp, list(apart(_sx, _sy)), ref=np.logaddexp)
prim("logaddexp", "ufunc", lambda x, y: np.logaddexp(x, y), [normal((3,)), normal((3,))], ref=np.logaddexp)

for _name, _ref in (("maximum", np.maximum), ("minimum", np.minimum)):
    for _sx, _sy in PAIRS:
        prim(_name, f"{_s(_sx)},{_s(_sy)}", getattr(cr, _name), list(apart(_sx, _sy)), ref=_ref)
    prim(
        _name,
        "const",
        lambda x, _n=_name: getattr(cr, _n)(x, 0.3),
        [away((5,)) + 0.3],
        ref=lambda x, _r=_ref: _r(x, 0.3),
    )


def _remainder_inputs(sx: tuple[int, ...], sy: tuple[int, ...]) -> list[np.ndarray]:
    # keep x / y away from integers: remainder jumps there
    r = _rng()
    while True:
        x, y = r.uniform(-3, 3, sx), r.uniform(0.6, 1.5, sy) * np.where(r.random(sy) < 0.5, -1, 1)
        q = np.divide(x, y)
        if np.min(np.abs(q - np.round(q)), initial=1.0) > 0.05:
            return [x, y]


for _sx, _sy in PAIRS:
    prim("remainder", f"{_s(_sx)},{_s(_sy)}", lambda x, y: x % y, _remainder_inputs(_sx, _sy), ref=np.remainder)
prim("remainder", "func", cr.remainder, _remainder_inputs((3,), (3,)), ref=np.remainder)

# clip: constant bounds (x away from them), array bounds that are differentiable too, one-sided
_x = away((3, 4), 0.1)
_x = np.where(np.abs(np.abs(_x) - 0.5) < 0.05, _x * 1.3, _x)
prim("clip", "const_bounds", lambda x: cr.clip(x, -0.5, 0.5), [_x], ref=lambda x: np.clip(x, -0.5, 0.5))
prim("clip", "method", lambda x: x.clip(-0.5, 0.5), [_x.copy()], ref=lambda x: np.clip(x, -0.5, 0.5))
prim("clip", "min_only", lambda x: cr.clip(x, -0.5, None), [_x.copy()], ref=lambda x: np.clip(x, -0.5, None))
prim("clip", "max_only", lambda x: cr.clip(x, None, 0.5), [_x.copy()], ref=lambda x: np.clip(x, None, 0.5))
prim("clip", "scalar", lambda x: cr.clip(x, -0.5, 0.5), [np.array(0.7)], ref=lambda x: np.clip(x, -0.5, 0.5))
_lo = np.array([-1.0, -0.2, 0.3, -0.7])
_hi = np.array([[1.0], [0.25], [-0.1]])  # where lo > hi NumPy returns hi: the gradient goes to hi
_xc = np.array([[0.5, -0.5, 0.1, 0.9], [-2.0, 0.1, 2.0, 0.0], [0.4, -0.05, 0.6, -0.9]])
prim("clip", "tensor_bounds_broadcast", cr.clip, [_xc, _lo, _hi], ref=np.clip)

# where: a boolean condition (constant) selecting between broadcast operands
_c = np.array([[True, False, True], [False, False, True]])
prim("where", "matrix", cr.where, [_c, normal((2, 3)), normal((2, 3))], ref=np.where)
prim("where", "broadcast", cr.where, [_c, normal((3,)), normal((2, 1))], ref=np.where)
prim("where", "scalar_branch", cr.where, [_c, normal((2, 3)), np.array(0.5)], ref=np.where)
prim("where", "scalar_cond", cr.where, [np.array(True), normal(()), normal((2,))], ref=np.where)
prim(
    "where", "const_other", lambda c, x: cr.where(c, x, 0.0), [_c, normal((2, 3))], ref=lambda c, x: np.where(c, x, 0.0)
)

# ---------------------------------------------------------------------------------------------------
# No gradient: comparisons, logic, rounding (forward checked against NumPy; nothing requires a gradient)

_a = np.array([[0.5, -1.0, 2.0], [0.0, 3.0, -0.25]])
_b = np.array([0.5, 1.0, -0.25])
for _name in ("equal", "not_equal", "less", "less_equal", "greater", "greater_equal"):
    _np = getattr(np, _name)
    prim(_name, "broadcast", getattr(cr, _name), [_a, _b], ref=_np, differentiable=False)
    prim(_name, "scalar", getattr(cr, _name), [np.array(1.0), np.array(1.0)], ref=_np, differentiable=False)
for _name, _op in (("equal", "__eq__"), ("not_equal", "__ne__"), ("less", "__lt__"), ("less_equal", "__le__")):
    prim(
        _name,
        "operator",
        lambda x, y, _o=_op: getattr(x, _o)(y),
        [_a, _b],
        ref=getattr(np, _name),
        differentiable=False,
    )
for _name, _op in (("greater", "__gt__"), ("greater_equal", "__ge__")):
    prim(
        _name,
        "operator",
        lambda x, y, _o=_op: getattr(x, _o)(y),
        [_a, _b],
        ref=getattr(np, _name),
        differentiable=False,
    )
_p = np.array([[True, False, True], [False, False, True]])
_q = np.array([True, True, False])
for _name in ("logical_and", "logical_or", "logical_xor"):
    prim(_name, "broadcast", getattr(cr, _name), [_p, _q], ref=getattr(np, _name), differentiable=False)
    prim(_name, "from_floats", getattr(cr, _name), [_a, _b], ref=getattr(np, _name), differentiable=False)
prim("logical_and", "operator", lambda x, y: x & y, [_p, _q], ref=np.logical_and, differentiable=False)
prim("logical_or", "operator", lambda x, y: x | y, [_p, _q], ref=np.logical_or, differentiable=False)
prim("logical_xor", "operator", lambda x, y: x ^ y, [_p, _q], ref=np.logical_xor, differentiable=False)
prim("logical_not", "bool", cr.logical_not, [_p], ref=np.logical_not, differentiable=False)
prim("logical_not", "operator", lambda x: ~x, [_p], ref=np.logical_not, differentiable=False)
prim("logical_not", "floats", cr.logical_not, [_a], ref=np.logical_not, differentiable=False)
_special = np.array([1.0, np.inf, -np.inf, np.nan, 0.0, -2.5])
for _name in ("isfinite", "isnan", "isinf"):
    prim(_name, "special", getattr(cr, _name), [_special], ref=getattr(np, _name), differentiable=False)
    prim(_name, "scalar", getattr(cr, _name), [np.array(np.nan)], ref=getattr(np, _name), differentiable=False)
_r = np.array([[-2.7, -1.5, -0.2], [0.2, 0.5, 1.5], [2.5, 3.49, -0.5]])
for _name, _np in (("floor", np.floor), ("ceil", np.ceil), ("round", np.round), ("trunc", np.trunc)):
    prim(_name, "matrix", getattr(cr, "round_" if _name == "round" else _name), [_r], ref=_np, differentiable=False)
    prim(
        _name,
        "scalar",
        getattr(cr, "round_" if _name == "round" else _name),
        [np.array(-1.5)],
        ref=_np,
        differentiable=False,
    )
prim(
    "floor_divide",
    "broadcast",
    cr.floor_divide,
    [_r, np.array([0.7, -1.3, 2.0])],
    ref=np.floor_divide,
    differentiable=False,
)
prim("floor_divide", "operator", lambda x, y: x // y, [_r, np.array(0.7)], ref=np.floor_divide, differentiable=False)

# ---------------------------------------------------------------------------------------------------
# Reductions: every kind of axis, with and without keepdims

AXES = {
    (): [None, (), 0, -1],
    (5,): [None, 0, -1, (0,)],
    (3, 4): [None, 0, 1, -1, (0, 1), (-1, -2)],
    (2, 3, 4): [None, 1, -1, (0, 2), (2, -3), (0, 1, 2)],
}


def _numpy_accepts(ref: Callable | None, axis: Any) -> bool:
    try:
        (ref or np.sum)(np.array(1.0), axis=axis)
    except ValueError:
        return False
    return True


def _reduction(name: str, fn: Callable, ref: Callable | None, dom: Callable, **kw: Any) -> None:
    for shape, axes in AXES.items():
        for axis in axes:
            for keepdims in (False, True):
                if shape == () and axis in (0, -1) and not _numpy_accepts(ref, axis):
                    continue  # np.mean and friends reject axis 0 of a 0-d array (np.sum accepts it)
                prim(
                    name,
                    f"{_s(shape)},axis={axis},keepdims={keepdims}",
                    lambda x, _a=axis, _k=keepdims: fn(x, axis=_a, keepdims=_k),
                    [dom(shape)],
                    ref=None if ref is None else (lambda x, _a=axis, _k=keepdims: ref(x, axis=_a, keepdims=_k)),
                    **kw,
                )


def _np_logsumexp(x: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
    m = np.max(x, axis=axis, keepdims=True) if x.size else 0
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis) if x.ndim else out.reshape(())


_reduction("sum", cr.sum, np.sum, normal)
_reduction("mean", cr.mean, np.mean, normal)
_reduction("prod", cr.prod, np.prod, positive)
_reduction("max", cr.max, np.max, distinct)
_reduction("min", cr.min, np.min, distinct)
_reduction("logsumexp", cr.logsumexp, _np_logsumexp, normal)
prim("sum", "method", lambda x: x.sum(axis=0), [normal((3, 2))], ref=lambda x: x.sum(axis=0))
prim("sum", "list_axis", lambda x: cr.sum(x, axis=[0, 1]), [normal((3, 2))], ref=lambda x: x.sum(axis=(0, 1)))
prim(
    "mean",
    "method",
    lambda x: x.mean(axis=-1, keepdims=True),
    [normal((3, 2))],
    ref=lambda x: x.mean(-1, keepdims=True),
)
prim("prod", "method", lambda x: x.prod(axis=1), [positive((3, 2))], ref=lambda x: x.prod(axis=1))
prim(
    "prod",
    "one_zero",
    lambda x: cr.prod(x, axis=1),
    [np.array([[0.0, 2.0, 3.0], [1.5, 0.5, -2.0]])],
    ref=lambda x: np.prod(x, 1),
)
prim("prod", "two_zeros", lambda x: cr.prod(x), [np.array([0.0, 2.0, 0.0, 3.0])], ref=np.prod)
prim("prod", "negatives", lambda x: cr.prod(x, axis=0), [-positive((3, 2))], ref=lambda x: np.prod(x, 0))
prim("max", "method", lambda x: x.max(axis=0), [distinct((3, 2))], ref=lambda x: x.max(axis=0))
prim("min", "method", lambda x: x.min(), [distinct((3, 2))], ref=lambda x: x.min())
prim("max", "amax", lambda x: cr.amax(x, axis=1), [distinct((3, 2))], ref=lambda x: np.amax(x, axis=1))
prim("min", "amin", lambda x: cr.amin(x, axis=1), [distinct((3, 2))], ref=lambda x: np.amin(x, axis=1))
prim("logsumexp", "method", lambda x: x.logsumexp(axis=1), [normal((3, 2))], ref=lambda x: _np_logsumexp(x, 1))
prim("logsumexp", "large", lambda x: cr.logsumexp(x, axis=1), [normal((2, 3)) * 300], ref=lambda x: _np_logsumexp(x, 1))
for _name, _np in (("argmax", np.argmax), ("argmin", np.argmin)):
    for _axis in (None, 0, -1):
        for _keep in (False, True):
            prim(
                _name,
                f"axis={_axis},keepdims={_keep}",
                lambda x, _a=_axis, _k=_keep, _n=_name: getattr(cr, _n)(x, axis=_a, keepdims=_k),
                [distinct((3, 4))],
                ref=lambda x, _a=_axis, _k=_keep, _f=_np: _f(x, axis=_a, keepdims=_k),
                differentiable=False,
            )
    prim(
        _name,
        "method",
        lambda x, _n=_name: getattr(x, _n)(axis=1),
        [distinct((3, 4))],
        ref=lambda x, _f=_np: _f(x, 1),
        differentiable=False,
    )
    prim(_name, "scalar", getattr(cr, _name), [np.array(2.0)], ref=_np, differentiable=False)

# ---------------------------------------------------------------------------------------------------
# Shapes

prim("reshape", "matrix_to_vector", lambda x: cr.reshape(x, (6,)), [normal((2, 3))], ref=lambda x: x.reshape(6))
prim("reshape", "minus_one", lambda x: x.reshape(3, -1), [normal((2, 3, 2))], ref=lambda x: x.reshape(3, -1))
prim("reshape", "scalar_to_1x1", lambda x: x.reshape(1, 1), [normal(())], ref=lambda x: x.reshape(1, 1))
prim("reshape", "to_scalar", lambda x: x.reshape(()), [normal((1,))], ref=lambda x: x.reshape(()))
prim("transpose", "reverse", lambda x: x.T, [normal((2, 3))], ref=lambda x: x.T)
prim("transpose", "perm", lambda x: cr.transpose(x, (1, 2, 0)), [normal((2, 3, 4))], ref=lambda x: x.transpose(1, 2, 0))
prim("transpose", "neg_perm", lambda x: x.transpose(-1, 0, 1), [normal((2, 3, 4))], ref=lambda x: x.transpose(2, 0, 1))
prim("transpose", "method_tuple", lambda x: x.transpose((1, 0)), [normal((2, 3))], ref=lambda x: x.transpose())
prim("transpose", "mT", lambda x: x.mT, [normal((2, 3, 4))], ref=lambda x: np.swapaxes(x, -1, -2))
prim("transpose", "vector", lambda x: cr.transpose(x), [normal((3,))], ref=np.transpose)
prim(
    "broadcast_to",
    "column",
    lambda x: cr.broadcast_to(x, (2, 3, 4)),
    [normal((3, 1))],
    ref=lambda x: np.broadcast_to(x, (2, 3, 4)),
)
prim(
    "broadcast_to",
    "scalar",
    lambda x: cr.broadcast_to(x, (2, 2)),
    [normal(())],
    ref=lambda x: np.broadcast_to(x, (2, 2)),
)
prim("broadcast_to", "int_shape", lambda x: cr.broadcast_to(x, 3), [normal((1,))], ref=lambda x: np.broadcast_to(x, 3))
prim(
    "astype", "float64", lambda x: cr.astype(x, dtype=np.float64), [normal((2, 3))], ref=lambda x: x.astype(np.float64)
)
prim(
    "astype",
    "scalar",
    lambda x: cr.astype(x, dtype=np.dtype("float64")),
    [normal(())],
    ref=lambda x: x.astype(np.float64),
)
prim(
    "astype",
    "longdouble",
    lambda x: cr.astype(x, dtype=np.longdouble) * 2,
    [normal((3,))],
    ref=lambda x: x.astype(np.longdouble) * 2,
)

# indexing: basic, integer arrays (repeats add), boolean masks, mixed
_m = normal((4, 5))
INDEXES = {
    "int": 1,
    "neg_int": -1,
    "slice": slice(1, 3),
    "step": slice(None, None, -2),
    "tuple": (1, slice(None, 4, 2)),
    "ellipsis": (Ellipsis, 2),
    "newaxis": (None, slice(1, 3), None),
    "int_array_repeats": np.array([0, 2, 0, 3, 0]),
    "int_array_2d": np.array([[1, 1], [3, 0]]),
    "two_int_arrays": (np.array([0, 1, 1, 3]), np.array([4, 0, 0, 2])),
    "list": [2, 2, 1],
    "bool_mask": _m > 0,
    "bool_rows": np.array([True, False, True, True]),
    "mixed": (slice(1, None), np.array([0, 0, 4])),
    "scalar_elem": (2, 3),
    "empty_list": [],
    "neg_int_array": np.array([-1, 0, -1]),
    "mask_then_slice": (_m[:, 0] > 0, slice(1, 3)),
    "broadcast_arrays": (np.array([[0], [2]]), np.array([1, 3, 3])),
    "ellipsis_array": (Ellipsis, np.array([4, 0, 4])),
    "neg_steps": (slice(None, None, -1), slice(3, 0, -2)),
}
for _label, _idx in INDEXES.items():
    prim("getitem", _label, lambda x, _i=_idx: x[_i], [_m.copy()], ref=lambda x, _i=_idx: x[_i])
prim("getitem", "func", lambda x: cr.getitem(x, (0, 1)), [normal((2, 3))], ref=lambda x: x[0, 1])
prim("getitem", "tensor_index", lambda x, i: x[i], [normal((4,)), np.array([3, 3, 0])], ref=lambda x, i: x[i])
prim("getitem", "zero_d_ellipsis", lambda x: x[...], [normal(())], ref=lambda x: x[...])
prim("getitem", "iterate", lambda x: cr.stack(list(x)), [normal((3, 2))], ref=lambda x: x.copy())


def _np_index_put(x: np.ndarray, v: np.ndarray, index: Any) -> np.ndarray:
    out = x.copy()
    out[index] = v
    return out


prim(
    "index_put",
    "slice",
    lambda x, v: cr.index_put(x, v, (slice(1, 3),)),
    [normal((4, 2)), normal((2, 2))],
    ref=lambda x, v: _np_index_put(x, v, (slice(1, 3),)),
)
prim(
    "index_put",
    "broadcast_value",
    lambda x, v: cr.index_put(x, v, (0,)),
    [normal((3, 4)), normal((4,))],
    ref=lambda x, v: _np_index_put(x, v, (0,)),
)
prim(
    "index_put",
    "mask_scalar",
    lambda x, v: cr.index_put(x, v, np.array([True, False, True])),
    [normal((3,)), normal(())],
    ref=lambda x, v: _np_index_put(x, v, np.array([True, False, True])),
)


prim(
    "scatter_add",
    "repeats",
    lambda v: cr.scatter_add(v, np.array([0, 2, 0, 0]), (4,)),
    [normal((4,))],
    ref=lambda v: np.bincount([0, 2, 0, 0], weights=v, minlength=4).astype(v.dtype),
)
prim(
    "scatter_add",
    "basic",
    lambda v: cr.scatter_add(v, (slice(1, 3),), (4, 2)),
    [normal((2, 2))],
    ref=lambda v: np.concatenate([np.zeros((1, 2), v.dtype), v, np.zeros((1, 2), v.dtype)]),
)
prim(
    "scatter_add",
    "mask",
    lambda v: cr.scatter_add(v, np.array([True, False, True]), (3,)),
    [normal((2,))],
    ref=lambda v: np.array([v[0], 0.0, v[1]], dtype=v.dtype),
)
prim(
    "concatenate",
    "axis0",
    lambda a, b: cr.concatenate([a, b]),
    [normal((2, 3)), normal((1, 3))],
    ref=lambda a, b: np.concatenate([a, b]),
)
prim(
    "concatenate",
    "axis-1_three",
    lambda a, b, c: cr.concatenate([a, b, c], axis=-1),
    [normal((2, 1)), normal((2, 3)), normal((2, 2))],
    ref=lambda a, b, c: np.concatenate([a, b, c], axis=-1),
)
prim(
    "concatenate",
    "axis_none",
    lambda a, b: cr.concatenate([a, b], axis=None),
    [normal((2, 2)), normal((3,))],
    ref=lambda a, b: np.concatenate([a, b], axis=None),
)
prim(
    "concatenate",
    "with_const",
    lambda a: cr.concat([a, np.ones(2)]),
    [normal((3,))],
    ref=lambda a: np.concatenate([a, np.ones(2)]),
)
prim(
    "concatenate",
    "same_twice",
    lambda a: cr.concatenate([a, a], axis=1),
    [normal((2, 2))],
    ref=lambda a: np.concatenate([a, a], 1),
)
prim(
    "pad",
    "per_axis",
    lambda x: cr.pad(x, ((1, 0), (2, 1))),
    [normal((2, 3))],
    ref=lambda x: np.pad(x, ((1, 0), (2, 1))),
)
prim(
    "pad",
    "uniform",
    lambda x: cr.pad(x, 1, constant_values=0.5),
    [normal((3,))],
    ref=lambda x: np.pad(x, 1, constant_values=0.5),
)
prim("pad", "pair", lambda x: cr.pad(x, (0, 2)), [normal((2, 2))], ref=lambda x: np.pad(x, (0, 2)))

# ---------------------------------------------------------------------------------------------------
# Linear algebra

MATMUL_SHAPES = [
    ((3, 4), (4, 2)),
    ((4,), (4,)),
    ((4,), (4, 2)),
    ((3, 4), (4,)),
    ((2, 3, 4), (4, 5)),
    ((2, 1, 3, 4), (3, 4, 2)),
    ((4,), (2, 4, 3)),
    ((2, 3, 4), (4,)),
    ((1, 4), (4, 1)),
]
for _sa, _sb in MATMUL_SHAPES:
    prim("matmul", f"{_s(_sa)}@{_s(_sb)}", lambda a, b: a @ b, [normal(_sa), normal(_sb)], ref=np.matmul)
prim("matmul", "func", cr.matmul, [normal((2, 3)), normal((3, 2))], ref=np.matmul)
prim("matmul", "rmatmul_ndarray", lambda b: np.ones((2, 3)) @ b, [normal((3, 2))], ref=lambda b: np.ones((2, 3)) @ b)
prim("matmul", "self", lambda a: a @ a, [normal((3, 3))], ref=lambda a: a @ a)

EINSUMS = {
    "ij,jk->ik": [(3, 4), (4, 2)],
    "ij,jk": [(3, 4), (4, 2)],
    "i,i->": [(4,), (4,)],
    "i,j->ij": [(3,), (2,)],
    "ii->": [(3, 3)],
    "ii->i": [(3, 3)],
    "ij->": [(2, 3)],
    "ij->ji": [(2, 3)],
    "ij,ij->ij": [(2, 3), (2, 3)],
    "bij,bjk->bik": [(2, 3, 4), (2, 4, 2)],
    "ijk->kj": [(2, 3, 4)],
    "ij,jk,kl->il": [(2, 3), (3, 4), (4, 2)],
    "iij->j": [(3, 3, 2)],
    "i,ij,j->": [(2,), (2, 3), (3,)],
    "ij,ij->i": [(2, 3), (2, 3)],
    "ii,i->i": [(3, 3), (3,)],
    ",->": [(), ()],
    "i,->i": [(3,), ()],
    "iij->ji": [(2, 2, 3)],
    "ijij->ij": [(2, 3, 2, 3)],
    "ab,ab,ab->": [(2, 2), (2, 2), (2, 2)],
}
for _spec, _shapes in EINSUMS.items():
    prim(
        "einsum",
        _spec,
        lambda *ops, _sp=_spec: cr.einsum(_sp, *ops),
        [normal(s) for s in _shapes],
        ref=lambda *ops, _sp=_spec: np.einsum(_sp, *ops),
    )
prim("diagonal", "square", cr.diagonal, [normal((3, 3))], ref=np.diagonal)
prim("diagonal", "offset1", lambda x: cr.diagonal(x, 1), [normal((3, 4))], ref=lambda x: np.diagonal(x, 1))
prim(
    "diagonal",
    "offset-1_axes",
    lambda x: x.diagonal(-1, 2, 0),
    [normal((3, 2, 4))],
    ref=lambda x: np.diagonal(x, -1, 2, 0),
)
prim(
    "diagonal",
    "neg_axes",
    lambda x: cr.diagonal(x, 0, -1, -2),
    [normal((2, 3, 3))],
    ref=lambda x: np.diagonal(x, 0, -1, -2),
)
prim(
    "diag_embed",
    "square",
    lambda v: _diag_embed(v, shape=(3, 3), offset=0, axis1=0, axis2=1),
    [normal((3,))],
    ref=np.diag,
)
prim(
    "diag_embed",
    "offset",
    lambda v: _diag_embed(v, shape=(3, 4), offset=1, axis1=0, axis2=1),
    [normal((3,))],
    ref=lambda v: np.diag(v, 1)[:3, :],
)
_NORMS = [
    ("vector", (4,), {}),
    ("matrix_frobenius", (3, 4), {}),
    ("matrix_fro_ord", (3, 4), {"ord": "fro"}),
    ("axis0", (3, 4), {"axis": 0}),
    ("axis-1_keepdims", (3, 4), {"axis": -1, "keepdims": True}),
    ("axis_tuple", (2, 3, 4), {"axis": (0, 2)}),
    ("vector_ord2", (4,), {"ord": 2}),
    ("scalar", (), {}),
]
for _label, _shape, _kw in _NORMS:
    prim(
        "norm",
        _label,
        lambda x, _k=_kw: cr.norm(x, **_k),
        [normal(_shape)],
        ref=lambda x, _k=_kw: np.linalg.norm(x, **_k),
    )
prim("norm", "method", lambda x: x.norm(), [normal((2, 3))], ref=np.linalg.norm)

# ---------------------------------------------------------------------------------------------------
# Neural-network functions

for _shape, _axis in (((5,), -1), ((3, 4), -1), ((3, 4), 0), ((2, 3, 4), 1), ((), -1)):
    prim(
        "softmax",
        f"{_s(_shape)},axis={_axis}",
        lambda x, _a=_axis: cr.softmax(x, axis=_a),
        [normal(_shape)],
        ref=lambda x, _a=_axis: np.exp(x - _np_logsumexp(x, _a, True)),
    )
    prim(
        "log_softmax",
        f"{_s(_shape)},axis={_axis}",
        lambda x, _a=_axis: cr.log_softmax(x, axis=_a),
        [normal(_shape)],
        ref=lambda x, _a=_axis: x - _np_logsumexp(x, _a, True),
    )
prim("softmax", "method", lambda x: x.softmax(axis=0), [normal((3, 2))])
prim("log_softmax", "method", lambda x: x.log_softmax(), [normal((3, 2))])
prim(
    "log_softmax",
    "large_logits",
    lambda x: cr.log_softmax(x),
    [normal((2, 4)) * 100],
    ref=lambda x: x - _np_logsumexp(x, -1, True),
)
prim(
    "softmax",
    "neg_inf_entry",
    lambda x: cr.softmax(x + np.array([0.0, -np.inf, 0.0], dtype=x.dtype)),
    [normal((2, 3))],
)
prim(
    "log_softmax",
    "neg_inf_entry",
    lambda x: cr.log_softmax(x + np.array([0.0, -np.inf, 0.0], dtype=x.dtype))[:, [0, 2]],
    [normal((2, 3))],
)

# ---------------------------------------------------------------------------------------------------
# Composites (built from primitives; listed by the issue, so they get cases too)

comp("var", "all", cr.var, [normal((3, 4))], ref=np.var)
comp(
    "var", "axis0_ddof1", lambda x: cr.var(x, axis=0, ddof=1), [normal((3, 4))], ref=lambda x: np.var(x, axis=0, ddof=1)
)
comp(
    "var",
    "tuple_keepdims",
    lambda x: x.var(axis=(0, 2), keepdims=True),
    [normal((2, 3, 2))],
    ref=lambda x: np.var(x, axis=(0, 2), keepdims=True),
)
prim("std", "all", cr.std, [normal((3, 4))], ref=np.std)
prim("std", "axis-1", lambda x: x.std(axis=-1), [normal((3, 4))], ref=lambda x: np.std(x, axis=-1))
prim(
    "std",
    "ddof1_keepdims",
    lambda x: cr.std(x, axis=1, ddof=1, keepdims=True),
    [normal((3, 4))],
    ref=lambda x: np.std(x, axis=1, ddof=1, keepdims=True),
)
prim("std", "tuple_axis", lambda x: cr.std(x, axis=(0, 2)), [normal((2, 3, 2))], ref=lambda x: np.std(x, axis=(0, 2)))
prim("std", "scalar", cr.std, [normal(())], ref=np.std, second_order=False)
comp("swapaxes", "3d", lambda x: cr.swapaxes(x, 0, -1), [normal((2, 3, 4))], ref=lambda x: np.swapaxes(x, 0, -1))
comp("swapaxes", "method", lambda x: x.swapaxes(0, 1), [normal((2, 3))], ref=lambda x: x.swapaxes(0, 1))
comp("moveaxis", "one", lambda x: cr.moveaxis(x, 0, -1), [normal((2, 3, 4))], ref=lambda x: np.moveaxis(x, 0, -1))
comp(
    "moveaxis",
    "two",
    lambda x: cr.moveaxis(x, (0, 1), (2, 0)),
    [normal((2, 3, 4))],
    ref=lambda x: np.moveaxis(x, (0, 1), (2, 0)),
)
comp("expand_dims", "int", lambda x: cr.expand_dims(x, 1), [normal((2, 3))], ref=lambda x: np.expand_dims(x, 1))
comp("expand_dims", "tuple", lambda x: x.expand_dims((0, -1)), [normal((2,))], ref=lambda x: np.expand_dims(x, (0, -1)))
comp("squeeze", "all", cr.squeeze, [normal((1, 3, 1))], ref=np.squeeze)
comp("squeeze", "axis", lambda x: x.squeeze(-1), [normal((1, 3, 1))], ref=lambda x: np.squeeze(x, -1))
comp("flatten", "method", lambda x: x.flatten(), [normal((2, 3))], ref=lambda x: x.flatten())
comp("ravel", "func", cr.ravel, [normal((2, 3))], ref=np.ravel)
comp(
    "stack", "axis0", lambda a, b: cr.stack([a, b]), [normal((2, 3)), normal((2, 3))], ref=lambda a, b: np.stack([a, b])
)
comp(
    "stack",
    "axis-1",
    lambda a, b: cr.stack([a, b], axis=-1),
    [normal((2, 3)), normal((2, 3))],
    ref=lambda a, b: np.stack([a, b], -1),
)
comp("stack", "scalars", lambda a, b: cr.stack([a, b]), [normal(()), normal(())], ref=lambda a, b: np.stack([a, b]))
comp(
    "split",
    "sections",
    lambda x: cr.split(x, 3, axis=1)[1] * 2,
    [normal((2, 6))],
    ref=lambda x: np.split(x, 3, axis=1)[1] * 2,
)
comp(
    "split",
    "indices",
    lambda x: cr.concatenate(cr.split(x, [1, 3])[::-1]),
    [normal((5,))],
    ref=lambda x: np.concatenate(np.split(x, [1, 3])[::-1]),
)
comp("array_split", "uneven", lambda x: cr.array_split(x, 3)[0], [normal((7,))], ref=lambda x: np.array_split(x, 3)[0])
comp("repeat", "flat", lambda x: cr.repeat(x, 2), [normal((2, 3))], ref=lambda x: np.repeat(x, 2))
comp("repeat", "axis", lambda x: x.repeat(3, axis=1), [normal((2, 3))], ref=lambda x: np.repeat(x, 3, axis=1))
comp(
    "repeat",
    "per_element",
    lambda x: cr.repeat(x, [1, 0, 2], axis=0),
    [normal((3, 2))],
    ref=lambda x: np.repeat(x, [1, 0, 2], axis=0),
)
comp("tile", "int", lambda x: cr.tile(x, 2), [normal((3,))], ref=lambda x: np.tile(x, 2))
comp("tile", "tuple", lambda x: x.tile((2, 1, 2)), [normal((2, 3))], ref=lambda x: np.tile(x, (2, 1, 2)))
comp("take", "flat", lambda x: cr.take(x, [5, 0, 5]), [normal((2, 3))], ref=lambda x: np.take(x, [5, 0, 5]))
comp(
    "take",
    "axis",
    lambda x: x.take(np.array([2, 0, 2]), axis=1),
    [normal((2, 3))],
    ref=lambda x: np.take(x, [2, 0, 2], axis=1),
)
comp(
    "take",
    "neg_axis_2d_idx",
    lambda x: cr.take(x, np.array([[0, 1], [1, 1]]), axis=-1),
    [normal((3, 2))],
    ref=lambda x: np.take(x, [[0, 1], [1, 1]], axis=-1),
)
_tai = np.array([[0, 2, 2], [1, 1, 0]])
comp(
    "take_along_axis",
    "axis1",
    lambda x: cr.take_along_axis(x, _tai, axis=1),
    [normal((2, 3))],
    ref=lambda x: np.take_along_axis(x, _tai, 1),
)
comp(
    "take_along_axis",
    "axis0",
    lambda x: cr.take_along_axis(x, np.array([[1, 0, 1]]), axis=0),
    [normal((2, 3))],
    ref=lambda x: np.take_along_axis(x, np.array([[1, 0, 1]]), 0),
)
comp("dot", "matrix", cr.dot, [normal((2, 3)), normal((3, 2))], ref=np.dot)
comp("dot", "vector", cr.dot, [normal((3,)), normal((3,))], ref=np.dot)
comp("dot", "scalar", cr.dot, [normal(()), normal((3,))], ref=np.dot)
comp("dot", "nd", cr.dot, [normal((2, 3, 4)), normal((3, 4, 2))], ref=np.dot)
comp("dot", "nd_vector", cr.dot, [normal((2, 3, 4)), normal((4,))], ref=np.dot)
comp("dot", "method", lambda a, b: a.dot(b), [normal((2, 3)), normal((3,))], ref=np.dot)
comp("vdot", "matrix", cr.vdot, [normal((2, 3)), normal((2, 3))], ref=np.vdot)
comp("inner", "matrix", cr.inner, [normal((2, 3)), normal((4, 3))], ref=np.inner)
# inner and the N-d dot run the "tensordot" primitive, whose forward is np.inner / np.dot itself
prim("tensordot", "inner_nd", cr.inner, [normal((2, 3, 4)), normal((5, 4))], ref=np.inner)
prim("tensordot", "dot_nd", cr.dot, [normal((2, 3, 4)), normal((3, 4, 2))], ref=np.dot)
comp("outer", "vectors", cr.outer, [normal((3,)), normal((2,))], ref=np.outer)
comp("outer", "flattens", cr.outer, [normal((2, 2)), normal((3,))], ref=np.outer)
prim(
    "tensordot",
    "axes1",
    lambda a, b: cr.tensordot(a, b, 1),
    [normal((2, 3)), normal((3, 4))],
    ref=lambda a, b: np.tensordot(a, b, 1),
)
prim(
    "tensordot",
    "axes_pairs",
    lambda a, b: cr.tensordot(a, b, ([0, 2], [1, 0])),
    [normal((2, 3, 4)), normal((4, 2))],
    ref=lambda a, b: np.tensordot(a, b, ([0, 2], [1, 0])),
)
comp("trace", "square", cr.trace, [normal((3, 3))], ref=np.trace)
comp("trace", "offset", lambda x: x.trace(), [normal((2, 3))], ref=np.trace)
comp("trace", "batched", lambda x: cr.trace(x, 1, 1, 2), [normal((2, 3, 3))], ref=lambda x: np.trace(x, 1, 1, 2))
comp("norm_ord", "ord1", lambda x: cr.norm(x, ord=1), [away((4,))], ref=lambda x: np.linalg.norm(x, 1))
comp("norm_ord", "ord_inf", lambda x: cr.norm(x, ord=np.inf), [distinct((4,))], ref=lambda x: np.linalg.norm(x, np.inf))
comp(
    "norm_ord", "ord3", lambda x: cr.norm(x, ord=3, axis=1), [away((2, 3))], ref=lambda x: np.linalg.norm(x, 3, axis=1)
)
_labels = np.array([0, 3, 1])
comp("cross_entropy", "labels", lambda x, y: cr.cross_entropy(x, y), [normal((3, 4)), _labels])
comp("cross_entropy", "labels_sum", lambda x: cr.cross_entropy(x, _labels, reduction="sum"), [normal((3, 4))])
comp("cross_entropy", "labels_none", lambda x: cr.cross_entropy(x, _labels, reduction="none"), [normal((3, 4))])
comp("cross_entropy", "smoothing", lambda x: cr.cross_entropy(x, _labels, label_smoothing=0.1), [normal((3, 4))])
comp("cross_entropy", "probabilities", cr.cross_entropy, [normal((3, 4)), np.full((3, 4), 0.25)], wrt=(0, 1))
comp("cross_entropy", "axis0", lambda x: cr.cross_entropy(x, np.array([1, 0, 2]), axis=0), [normal((3, 3))])
comp("nll", "labels", lambda x: cr.nll(cr.log_softmax(x), _labels), [normal((3, 4))])
comp(
    "binary_cross_entropy_with_logits",
    "mean",
    cr.binary_cross_entropy_with_logits,
    [normal((3, 2)), positive((3, 2), 0.0, 1.0)],
)
comp(
    "binary_cross_entropy_with_logits",
    "none",
    lambda x, y: cr.binary_cross_entropy_with_logits(x, y, "none"),
    [normal((4,)), np.array([0.0, 1.0, 1.0, 0.0])],
)
comp("mse", "mean", cr.mse, [normal((3, 2)), normal((3, 2))], ref=lambda a, b: np.mean((a - b) ** 2))
comp(
    "mse",
    "sum",
    lambda a, b: cr.mse(a, b, reduction="sum"),
    [normal((4,)), normal((4,))],
    ref=lambda a, b: np.sum((a - b) ** 2),
)
comp(
    "chain",
    "mixed_graph",
    lambda x, y: cr.tanh(x @ y).sum(axis=0) * cr.exp(-x[0]).mean() + cr.sigmoid(y).max(),
    [normal((2, 3)), normal((3, 2))],
)

# ---------------------------------------------------------------------------------------------------
# Convolution building blocks (ops/conv.py)


def _np_im2col(x: np.ndarray, k: int, s: int, p: int) -> np.ndarray:
    # the plain loop over output positions that im2col replaces, as the reference
    x = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    n, c, h, w = x.shape
    oh, ow = (h - k) // s + 1, (w - k) // s + 1
    out = np.empty((n, oh, ow, c, k, k), dtype=x.dtype)
    for i in range(oh):
        for j in range(ow):
            out[:, i, j] = x[:, :, i * s : i * s + k, j * s : j * s + k]
    return out


for _k, _st, _pd in ((2, 1, 0), (3, 2, 1), (2, 2, 0)):
    prim(
        "im2col",
        f"k{_k}s{_st}p{_pd}",
        lambda x, _k=_k, _st=_st, _pd=_pd: cr.im2col(x, _k, stride=_st, padding=_pd),
        [normal((2, 2, 4, 5))],
        ref=lambda x, _k=_k, _st=_st, _pd=_pd: _np_im2col(x, _k, _st, _pd),
    )
_cols = cr.im2col(np.zeros((1, 2, 4, 4)), 3, stride=1, padding=1).shape
prim("col2im", "overlapping", lambda c: cr.col2im(c, (1, 2, 4, 4), 3, stride=1, padding=1), [normal(_cols)])
prim("col2im", "strided", lambda c: cr.col2im(c, (2, 1, 4, 4), 2, stride=2), [normal((2, 2, 2, 1, 2, 2))])
comp(
    "conv2d",
    "bias_stride_pad",
    lambda x, w, b: cr.conv2d(x, w, b, stride=2, padding=1),
    [normal((2, 2, 5, 5)), normal((3, 2, 3, 3)), normal((3,))],
)
comp("max_pool2d", "2x2", lambda x: cr.max_pool2d(x, 2), [distinct((1, 2, 4, 4))])
comp("avg_pool2d", "2x2", lambda x: cr.avg_pool2d(x, 2), [normal((1, 2, 4, 4))])


# ---------------------------------------------------------------------------------------------------
# Fused primitives (ops/fused.py): each must equal the composition it replaces


def _np_sce(x: np.ndarray, labels: np.ndarray, reduction: str = "mean") -> np.ndarray:
    m = x.max(axis=-1, keepdims=True)
    lse = np.log(np.exp(x - m).sum(axis=-1)) + m[..., 0]
    losses = lse - np.take_along_axis(x, labels[..., None], axis=-1)[..., 0]
    return {"mean": losses.mean(), "sum": losses.sum(), "none": losses}[reduction]


for _xs in ((3, 4), (4,), (2, 3, 4)):
    prim("affine", f"{_s(_xs)}", cr.affine, [normal(_xs), normal((4, 2)), normal((2,))], ref=lambda x, w, b: x @ w + b)
prim("affine", "linear_fn", cr.linear, [normal((3, 4)), normal((4, 2)), normal((2,))], ref=lambda x, w, b: x @ w + b)
_lab2 = np.array([[0, 2, 1], [3, 3, 0]])
for _red in ("mean", "sum", "none"):
    prim(
        "softmax_cross_entropy",
        _red,
        lambda x, _r=_red: cr.softmax_cross_entropy(x, _labels, reduction=_r),
        [normal((3, 4))],
        ref=lambda x, _r=_red: _np_sce(x, _labels, _r),
    )
prim(
    "softmax_cross_entropy",
    "batch_axes",
    lambda x: cr.softmax_cross_entropy(x, _lab2),
    [normal((2, 3, 4))],
    ref=lambda x: _np_sce(x, _lab2),
)
prim(
    "softmax_cross_entropy",
    "via_cross_entropy",
    lambda x: cr.cross_entropy(x, _labels),
    [normal((3, 4))],
    ref=lambda x: _np_sce(x, _labels),
)


def _affine_away(xs: tuple[int, ...]) -> list[np.ndarray]:
    """x, w, b with x @ w + b at least 0.3 away from relu's kink, and of both signs (both sides of the gate)."""
    while True:
        x, w, b = normal(xs), normal((4, 2)), normal((2,))
        z = x @ w + b
        if np.abs(z).min() > 0.3 and (z > 0).any() and (z < 0).any():
            return [x, w, b]


for _xs in ((3, 4), (4,), (2, 3, 4)):
    prim(
        "affine_relu",
        f"{_s(_xs)}",
        cr.affine_relu,
        _affine_away(_xs),
        ref=lambda x, w, b: np.maximum(x @ w + b, 0),
    )


def _mlp_away(xs: tuple[int, ...], widths: tuple[int, ...], bias_shape: Any = None) -> list[np.ndarray]:
    """x and (w, b) per layer with every hidden pre-activation at least 0.2 away from relu's kink, both signs."""
    while True:
        h = normal(xs)
        arrays = [h]
        ok = True
        for k, (fan_in, fan_out) in enumerate(zip((xs[-1], *widths[:-1]), widths, strict=True)):
            w, b = normal((fan_in, fan_out)), normal(bias_shape(fan_out) if bias_shape else (fan_out,))
            arrays += [w, b]
            z = h @ w + b
            if k < len(widths) - 1:
                ok = ok and np.abs(z).min() > 0.2 and (z > 0).any() and (z < 0).any()
                h = np.maximum(z, 0)
        if ok:
            return arrays


def _np_mlp(x: np.ndarray, *weights: np.ndarray) -> np.ndarray:
    for i in range(0, len(weights) - 2, 2):
        x = np.maximum(x @ weights[i] + weights[i + 1], 0)
    return x @ weights[-2] + weights[-1]


for _label, _xs, _widths, _bshape in (
    ("2_layers", (3, 4), (3, 2), None),
    ("3_layers", (2, 3), (3, 3, 2), None),
    ("vector_input", (4,), (3, 2), None),
    ("batch_axes", (2, 2, 3), (3, 2), None),
    ("row_biases", (3, 3), (3, 2), lambda n: (1, n)),
):
    prim("relu_mlp", _label, cr.relu_mlp, _mlp_away(_xs, _widths, _bshape), ref=_np_mlp)
prim(
    "relu_mlp",
    "no_input_gradient",
    cr.relu_mlp,
    _mlp_away((3, 3), (3, 2)),
    wrt=(1, 2, 4),  # x and the last layer's weight are constants: the walk stops early, the rest still flow
    ref=_np_mlp,
)

# ---------------------------------------------------------------------------------------------------
# Vector p-norms, the 0-"norm" and the matrix 1 / inf norms (after everything else: the inputs drawn above
# stay as they were)

for _label, _shape, _kw in (
    ("p3", (4,), {"ord": 3}),
    ("p1.5_axis0", (3, 4), {"ord": 1.5, "axis": 0}),
    ("p0.5_keepdims", (3, 4), {"ord": 0.5, "axis": -1, "keepdims": True}),
    ("p-1", (4,), {"ord": -1}),
    ("p-2_axis_tuple", (2, 3, 4), {"ord": -2, "axis": (1,)}),
):
    prim(
        "norm_p",
        _label,
        lambda x, _k=_kw: cr.norm(x, **_k),
        [away(_shape)],
        ref=lambda x, _k=_kw: np.linalg.norm(x, **_k),
    )
prim("norm_0", "vector", lambda x: cr.norm(x, 0), [away((4,))], ref=lambda x: np.linalg.norm(x, 0))
prim(
    "norm_0",
    "axis_keepdims",
    lambda x: cr.norm(x, 0, axis=1, keepdims=True) * x,
    [away((3, 4))],
    ref=lambda x: np.linalg.norm(x, 0, axis=1, keepdims=True) * x,
)
for _label, _shape, _kw in (
    ("ord1", (3, 4), {"ord": 1}),
    ("ord-1", (3, 4), {"ord": -1}),
    ("ordinf", (3, 4), {"ord": np.inf}),
    ("ord-inf_axes_keepdims", (2, 3, 4), {"ord": -np.inf, "axis": (2, 0), "keepdims": True}),
):
    comp(
        "matrix_norm",
        _label,
        lambda x, _k=_kw: cr.norm(x, **_k),
        [distinct(_shape)],
        ref=lambda x, _k=_kw: np.linalg.norm(x, **_k),
    )

# einsum broadcasts an axis of length 1 against the other operands' length of the same letter, also one it sums
for _spec, _sa, _sb in (
    ("ij,jk->ik", (2, 1), (3, 4)),
    ("ij,ij->i", (2, 1), (2, 3)),
    ("ij,ij->", (1, 3), (2, 1)),
    ("i,i", (1,), (3,)),
):
    prim(
        "einsum",
        f"broadcast_{_spec}_{_s(_sa)}_{_s(_sb)}",
        lambda a, b, _e=_spec: cr.einsum(_e, a, b),
        [normal(_sa), normal(_sb)],
        ref=lambda a, b, _e=_spec: np.einsum(_e, a, b),
    )


# ---------------------------------------------------------------------------------------------------
# NumPy's further elementwise functions, cumulative, order-based and NaN-ignoring operations (ops/ufuncs.py,
# ops/cumulative.py, ops/order.py, ops/stats.py). Their inputs come from a generator of their own, so that cases
# appended above or below never shift them (nor they those).

_R = np.random.default_rng(20_260_611)


def _nrm(shape: tuple[int, ...]) -> np.ndarray:
    return _R.standard_normal(shape)


def _far(shape: tuple[int, ...], gap: float = 0.2) -> np.ndarray:
    """Magnitudes at least ``gap`` (away from the kinks at 0), both signs."""
    return np.where(_R.random(shape) < 0.5, -1.0, 1.0) * (gap + np.abs(_R.standard_normal(shape)))


def _spread_out(shape: tuple[int, ...]) -> np.ndarray:
    """Values at least 0.25 apart (no ties: sort, median, nanmax have single winners), shuffled."""
    n = int(np.prod(shape))
    return ((_R.permutation(n) - n / 2) * 0.3 + _R.uniform(-0.05, 0.05, n)).reshape(shape)


def _apart(sx: tuple[int, ...], sy: tuple[int, ...]) -> list[np.ndarray]:
    while True:
        x, y = _R.standard_normal(sx), _R.standard_normal(sy)
        if np.min(np.abs(np.subtract(x, y)), initial=np.inf) > 0.05:
            return [x, y]


for _name, _fn, _ref, _dom in (
    ("cbrt", cr.cbrt, np.cbrt, _far),
    ("deg2rad", cr.deg2rad, np.deg2rad, _nrm),
    ("rad2deg", cr.rad2deg, np.rad2deg, _nrm),
    ("sinc", cr.sinc, np.sinc, _nrm),
    ("fabs", cr.fabs, np.fabs, _far),
    ("positive", cr.positive, np.positive, _nrm),
):
    for _shape in UNARY_SHAPES:
        prim(_name, _s(_shape), _fn, [_dom(_shape)], ref=_ref)
    prim(_name, "ufunc", lambda x, _r=_ref: _r(x), [_dom((2, 2))], ref=_ref)
prim("deg2rad", "radians", cr.radians, [_nrm((3,))], ref=np.radians)
prim("deg2rad", "np.radians", np.radians, [_nrm((3,))], ref=np.radians)
prim("rad2deg", "degrees", cr.degrees, [_nrm((3,))], ref=np.degrees)
prim("rad2deg", "np.degrees", np.degrees, [_nrm((3,))], ref=np.degrees)
# sinc next to 0, where its slope comes from a series (0 itself included: slope 0, curvature -pi**2 / 3)
prim("sinc", "near_zero", cr.sinc, [np.array([0.0, 1e-3, -0.05, 0.0999, -0.1001, 0.3])], ref=np.sinc)
prim("cbrt", "large_and_small", cr.cbrt, [np.array([-3e4, -0.01, 0.003, 27.0, 5e4])], ref=np.cbrt)

for _name, _fn, _ref in (
    ("arctan2", cr.arctan2, np.arctan2),
    ("hypot", cr.hypot, np.hypot),
    ("logaddexp2", cr.logaddexp2, np.logaddexp2),
    ("fmax", cr.fmax, np.fmax),
    ("fmin", cr.fmin, np.fmin),
):
    for _sx, _sy in PAIRS:
        prim(_name, f"{_s(_sx)},{_s(_sy)}", _fn, _apart(_sx, _sy), ref=_ref)
    prim(_name, "ufunc", lambda x, y, _r=_ref: _r(x, y), _apart((3,), (3,)), ref=_ref)
_y4, _x4 = np.array([1.0, 1.0, -1.0, -1.0]), np.array([2.0, -2.0, 0.5, -0.5])
prim("arctan2", "all_quadrants", cr.arctan2, [_y4, _x4], ref=np.arctan2)
prim("hypot", "const", lambda x: cr.hypot(x, 0.5), [_nrm((4,))], ref=lambda x: np.hypot(x, 0.5))
# a NaN on one side: fmax / fmin return the other input, which gets the whole gradient
_nx = np.array([np.nan, 0.7, -1.2, 0.4])
_ny = np.array([0.3, np.nan, 0.5, -0.8])
for _name, _ref in (("fmax", np.fmax), ("fmin", np.fmin)):
    prim(_name, "nan_sides", getattr(cr, _name), [_nx, _ny], ref=_ref)
for _sx, _sy in PAIRS:
    prim("copysign", f"{_s(_sx)},{_s(_sy)}", cr.copysign, [_far(_sx), _far(_sy)], ref=np.copysign)
prim("copysign", "ufunc", lambda x, s: np.copysign(x, s), [_far((3,)), _far((3,))], ref=np.copysign)
prim("copysign", "const_sign", lambda x: cr.copysign(x, -1.0), [_far((4,))], ref=lambda x: np.copysign(x, -1.0))

# cumulative sums and products: every axis, a 0-d input, zeros in the slices, the Tensor methods
for _name, _np in (("cumsum", np.cumsum), ("cumprod", np.cumprod)):
    for _shape, _axes in (((), (None, 0, -1)), ((5,), (None, 0, -1)), ((3, 4), (None, 0, 1, -1)), ((2, 3, 2), (1, -3))):
        for _axis in _axes:
            prim(
                _name,
                f"{_s(_shape)},axis={_axis}",
                lambda x, _a=_axis, _n=_name: getattr(cr, _n)(x, axis=_a),
                [_nrm(_shape)],
                ref=lambda x, _a=_axis, _f=_np: _f(x, axis=_a),
            )
    prim(_name, "method", lambda x, _n=_name: getattr(x, _n)(1), [_nrm((2, 3))], ref=lambda x, _f=_np: _f(x, 1))
    prim(_name, "np_dispatch", lambda x, _f=_np: _f(x, axis=0), [_nrm((3, 2))], ref=lambda x, _f=_np: _f(x, axis=0))
    prim(
        _name,
        "dtype_float64",
        lambda x, _n=_name: getattr(cr, _n)(x, dtype=np.float64),
        [_nrm((4,))],
        ref=lambda x, _f=_np: _f(x, dtype=np.float64),
    )
for _label, _x, _axis in (
    ("one_zero", np.array([1.5, 0.0, -2.0, 0.7, 1.2]), None),
    ("two_zeros", np.array([0.8, 0.0, 1.5, 0.0, -1.1, 2.0]), 0),
    ("zero_first", np.array([0.0, 1.3, -0.6, 2.0]), 0),
    ("zero_last", np.array([1.3, -0.6, 2.0, 0.0]), 0),
    ("all_zeros", np.zeros(3), 0),
    ("rows", np.array([[1.5, 0.0, 2.0, -1.0], [0.0, 1.1, 0.0, 3.0], [0.9, 2.0, 1.2, -0.5]]), 1),
    ("columns", np.array([[1.5, 0.0, 2.0], [0.0, 1.1, 0.0], [0.9, 0.0, 1.2], [-0.5, 1.3, 0.0]]), 0),
):
    prim(
        "cumprod",
        _label,
        lambda x, _a=_axis: cr.cumprod(x, axis=_a),
        [_x],
        ref=lambda x, _a=_axis: np.cumprod(x, axis=_a),
    )
_xcum = np.array([[np.nan, 0.5, 1.5], [0.3, np.nan, -1.0]])
comp("nancumsum", "nan", lambda x: cr.nancumsum(x, axis=1), [_xcum], ref=lambda x: np.nancumsum(x, axis=1))
comp("nancumsum", "no_nan", cr.nancumsum, [_nrm((2, 3))], ref=np.nancumsum)
_xcum = np.array([[np.nan, 0.5], [0.3, np.nan], [1.2, -0.7]])
comp("nancumprod", "nan", lambda x: cr.nancumprod(x, axis=0), [_xcum], ref=lambda x: np.nancumprod(x, axis=0))
comp("nancumprod", "np_dispatch", lambda x: np.nancumprod(x), [_nrm((4,))], ref=np.nancumprod)
for _label, _kw, _shape in (
    ("n1", {}, (5,)),
    ("n2_axis0", {"n": 2, "axis": 0}, (4, 3)),
    ("n3_axis-1", {"n": 3, "axis": -1}, (2, 5)),
    ("scalar_prepend_append", {"prepend": 0.5, "append": -1.0}, (2, 3)),
    ("array_prepend", {"axis": 0, "prepend": np.ones((1, 3))}, (2, 3)),
):
    comp("diff", _label, lambda x, _k=_kw: cr.diff(x, **_k), [_nrm(_shape)], ref=lambda x, _k=_kw: np.diff(x, **_k))
comp("diff", "np_dispatch", lambda x: np.diff(x, n=2), [_nrm((4,))], ref=lambda x: np.diff(x, n=2))
comp(
    "diff",
    "tensor_prepend",
    lambda x, p: cr.diff(x, axis=1, prepend=p),
    [_nrm((2, 3)), _nrm((2, 1))],
    ref=lambda x, p: np.diff(x, axis=1, prepend=p),
)

# flip, roll, sort, triu, tril
for _axis in (None, 0, -1, (0, 1)):
    prim(
        "flip",
        f"axis={_axis}",
        lambda x, _a=_axis: cr.flip(x, _a),
        [_nrm((3, 4))],
        ref=lambda x, _a=_axis: np.flip(x, _a),
    )
prim("flip", "scalar", cr.flip, [_nrm(())], ref=np.flip)
prim("flip", "np_dispatch", lambda x: np.flip(x, 1), [_nrm((2, 3, 2))], ref=lambda x: np.flip(x, 1))
for _label, _shift, _axis in (("flat", 2, None), ("axis0", -1, 0), ("axis-1", 5, -1), ("tuple", (1, -2), (0, 1))):
    prim(
        "roll",
        _label,
        lambda x, _sh=_shift, _a=_axis: cr.roll(x, _sh, _a),
        [_nrm((3, 4))],
        ref=lambda x, _sh=_shift, _a=_axis: np.roll(x, _sh, _a),
    )
prim("roll", "np_dispatch", lambda x: np.roll(x, 1), [_nrm((4,))], ref=lambda x: np.roll(x, 1))
for _shape, _axis in (((6,), -1), ((3, 4), -1), ((3, 4), 0), ((2, 3, 4), 1), ((3, 4), None), ((), None)):
    prim(
        "sort",
        f"{_s(_shape)},axis={_axis}",
        lambda x, _a=_axis: cr.sort(x, axis=_a),
        [_spread_out(_shape) if _shape else np.array(0.4)],
        ref=lambda x, _a=_axis: np.sort(x, axis=_a),
    )
prim("sort", "np_dispatch", lambda x: np.sort(x, axis=0), [_spread_out((4, 2))], ref=lambda x: np.sort(x, axis=0))
for _name, _np in (("triu", np.triu), ("tril", np.tril)):
    for _k in (0, 1, -1):
        prim(
            _name,
            f"k={_k}",
            lambda x, _k=_k, _n=_name: getattr(cr, _n)(x, _k),
            [_nrm((3, 4))],
            ref=lambda x, _k=_k, _f=_np: _f(x, _k),
        )
    prim(_name, "batch", lambda x, _n=_name: getattr(cr, _n)(x), [_nrm((2, 3, 3))], ref=_np)
    prim(_name, "vector", lambda x, _n=_name: getattr(cr, _n)(x, 1), [_nrm((3,))], ref=lambda x, _f=_np: _f(x, 1))
    prim(_name, "np_dispatch", lambda x, _f=_np: _f(x), [_nrm((3, 3))], ref=_np)

# NaN-ignoring reductions, ptp, median, quantile, percentile: every kind of axis, with and without keepdims
for _name, _np in (("nanmax", np.nanmax), ("nanmin", np.nanmin)):
    for _shape, _axes in AXES.items():
        for _axis in _axes:
            for _keep in (False, True):
                prim(
                    _name,
                    f"{_s(_shape)},axis={_axis},keepdims={_keep}",
                    lambda x, _a=_axis, _k=_keep, _n=_name: getattr(cr, _n)(x, axis=_a, keepdims=_k),
                    [_spread_out(_shape) if _shape else np.array(-0.6)],
                    ref=lambda x, _a=_axis, _k=_keep, _f=_np: _f(x, axis=_a, keepdims=_k),
                )
_xnan = np.array([[0.5, np.nan, -1.3, 2.2], [np.nan, 0.1, 1.7, -0.4], [1.1, -2.0, np.nan, np.nan]])
for _name in ("nanmax", "nanmin"):
    _np = getattr(np, _name)
    prim(
        _name, "nan_axis1", lambda x, _n=_name: getattr(cr, _n)(x, axis=1), [_xnan], ref=lambda x, _f=_np: _f(x, axis=1)
    )
    prim(_name, "nan_all", lambda x, _n=_name: getattr(cr, _n)(x), [_xnan.copy()], ref=_np)
    prim(_name, "np_dispatch", lambda x, _f=_np: _f(x, axis=0), [_xnan.copy()], ref=lambda x, _f=_np: _f(x, axis=0))
for _name, _dom in (("nansum", _nrm), ("nanmean", _nrm), ("ptp", _spread_out), ("median", _spread_out)):
    _np = getattr(np, _name)
    for _shape, _axis in (
        ((), None),
        ((5,), None),
        ((5,), 0),
        ((3, 4), 1),
        ((3, 4), -2),
        ((2, 3, 4), (0, 2)),
        ((2, 3, 4), None),
    ):
        for _keep in (False, True):
            comp(
                _name,
                f"{_s(_shape)},axis={_axis},keepdims={_keep}",
                lambda x, _a=_axis, _k=_keep, _n=_name: getattr(cr, _n)(x, axis=_a, keepdims=_k),
                [_dom(_shape) if _shape else np.array(0.8)],
                ref=lambda x, _a=_axis, _k=_keep, _f=_np: _f(x, axis=_a, keepdims=_k),
            )
    comp(_name, "np_dispatch", lambda x, _f=_np: _f(x, axis=1), [_dom((2, 4))], ref=lambda x, _f=_np: _f(x, axis=1))
for _name in ("nansum", "nanmean"):
    _np = getattr(np, _name)
    comp(
        _name,
        "nan_axis1",
        lambda x, _n=_name: getattr(cr, _n)(x, axis=1),
        [_xnan.copy()],
        ref=lambda x, _f=_np: _f(x, axis=1),
    )
    comp(_name, "nan_all", lambda x, _n=_name: getattr(cr, _n)(x), [_xnan.copy()], ref=_np)
comp("median", "even", lambda x: cr.median(x, axis=1), [_spread_out((3, 4))], ref=lambda x: np.median(x, axis=1))
for _q in (0.3, 0.5, 1.0, 0, [0.1, 0.62, 0.95], np.array([[0.25], [0.8]])):
    for _shape, _axis, _keep in (((7,), None, False), ((3, 5), 1, False), ((2, 3, 4), (0, 2), True), ((4, 3), 0, True)):
        comp(
            "quantile",
            f"q={np.asarray(_q).tolist()},{_s(_shape)},axis={_axis},keepdims={_keep}",
            lambda x, _q=_q, _a=_axis, _k=_keep: cr.quantile(x, _q, axis=_a, keepdims=_k),
            [_spread_out(_shape)],
            ref=lambda x, _q=_q, _a=_axis, _k=_keep: np.quantile(x, _q, axis=_a, keepdims=_k),
        )
for _q in (30, 50.0, [5.0, 62.5, 100.0]):
    comp(
        "percentile",
        f"q={_q},axis=1",
        lambda x, _q=_q: cr.percentile(x, _q, axis=1),
        [_spread_out((3, 6))],
        ref=lambda x, _q=_q: np.percentile(x, _q, axis=1),
    )
comp("percentile", "scalar_input", lambda x: cr.percentile(x, 40), [np.array(1.5)], ref=lambda x: np.percentile(x, 40))
comp(
    "percentile",
    "np_dispatch",
    lambda x: np.percentile(x, 80, axis=0),
    [_spread_out((5, 2))],
    ref=lambda x: np.percentile(x, 80, axis=0),
)
comp(
    "quantile",
    "np_dispatch",
    lambda x: np.quantile(x, [0.2, 0.7]),
    [_spread_out((6,))],
    ref=lambda x: np.quantile(x, [0.2, 0.7]),
)
comp(
    "median",
    "np_dispatch_tuple_axis",
    lambda x: np.median(x, axis=(0, 1)),
    [_spread_out((2, 3, 2))],
    ref=lambda x: np.median(x, axis=(0, 1)),
)
# the quantile itself differentiable: the slope of the interpolation between its two neighbours
_sorted7 = _spread_out((7,))
comp("quantile", "wrt_q", lambda x, q: cr.quantile(x, q), [_sorted7, np.array([0.13, 0.52, 0.77])], ref=np.quantile)
comp("percentile", "wrt_q", lambda x, q: cr.percentile(x, q), [_sorted7.copy(), np.array(41.0)], ref=np.percentile)


# ---------------------------------------------------------------------------------------------------
# Linear algebra: np.linalg's inverses, determinants, solves and decompositions (ops/inverse.py,
# ops/decompositions.py), the composed products (ops/products.py), matrix norms from singular values and einsum's
# ellipsis. Inputs from a generator of their own, so no other block shifts them. Inputs are well conditioned with
# well separated eigenvalues and singular values; functions of a symmetric matrix get one built from x, so that
# finite differences move both triangles together (the symmetric gradient, docs/conventions.md).

_LA = np.random.default_rng(20_260_612)


def _la(shape: tuple[int, ...]) -> np.ndarray:
    return _LA.standard_normal(shape)


def _well(shape: tuple[int, ...]) -> np.ndarray:
    """Square matrices far from singular: a random matrix plus 3 I."""
    return _LA.standard_normal(shape) + 3.0 * np.eye(shape[-1])


def _sym_spread(shape: tuple[int, ...]) -> np.ndarray:
    """Matrices whose symmetric part has eigenvalues 1, 2.5, 4, ... (1.5 apart) in a random basis."""
    n = shape[-1]
    q = np.linalg.qr(_LA.standard_normal(shape))[0]
    return (q * (1.0 + 1.5 * np.arange(n))) @ np.swapaxes(q, -1, -2) + 0.2 * _LA.standard_normal(shape)


def _sv_spread(shape: tuple[int, ...]) -> np.ndarray:
    """Matrices with singular values 1, 2, 3, ... (1 apart)."""
    m, n = shape[-2:]
    k = min(m, n)
    u = np.linalg.qr(_LA.standard_normal(shape[:-2] + (m, k)))[0]
    v = np.linalg.qr(_LA.standard_normal(shape[:-2] + (n, k)))[0]
    return (u * (1.0 + np.arange(k))) @ np.swapaxes(v, -1, -2)


def _full_rank(shape: tuple[int, ...]) -> np.ndarray:
    """Matrices of full rank, tall or wide: a corner of a square one far from singular."""
    m, n = shape[-2:]
    return _well(shape[:-2] + (max(m, n),) * 2)[..., :m, :n]


def _crT(x: Any) -> Any:
    return cr.swapaxes(x, -1, -2)


def _npT(x: np.ndarray) -> np.ndarray:
    return np.swapaxes(x, -1, -2)


def _cr_spd(x: Any) -> Any:
    return x @ _crT(x) + 2.0 * np.eye(x.shape[-1])


def _np_spd(x: np.ndarray) -> np.ndarray:
    return x @ _npT(x) + 2.0 * np.eye(x.shape[-1])


for _shape in ((3, 3), (2, 2, 2), (1, 1)):
    prim("inv", _s(_shape), cr.linalg.inv, [_well(_shape)], ref=np.linalg.inv)
    prim("det", _s(_shape), cr.linalg.det, [_well(_shape)], ref=np.linalg.det)
    prim(
        "slogdet",
        _s(_shape),
        lambda a: cr.linalg.slogdet(a).logabsdet,
        [_well(_shape)],
        ref=lambda a: np.linalg.slogdet(a)[1],
    )
prim("inv", "np_dispatch", lambda a: np.linalg.inv(a), [_well((3, 3))], ref=np.linalg.inv)
prim("det", "np_dispatch", lambda a: np.linalg.det(a), [_well((2, 3, 3))], ref=np.linalg.det)
# det of singular matrices: its gradient (the cofactor matrix) is exact there, and so is its second derivative
prim(
    "det",
    "rank_2_of_3",
    cr.linalg.det,
    [np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]])],
    ref=np.linalg.det,
)
prim("det", "rank_1_of_3", cr.linalg.det, [np.outer([1.0, -2.0, 0.5], [0.3, 1.0, 2.0])], ref=np.linalg.det)
prim(
    "slogdet",
    "negative_det",
    lambda a: np.linalg.slogdet(a)[1],
    [_well((3, 3)) * [[-1.0], [1.0], [1.0]]],
    ref=lambda a: np.linalg.slogdet(a)[1],
)
prim(
    "slogdet",
    "sign_times_exp",
    lambda a: (lambda r: r.sign * cr.exp(r.logabsdet))(cr.linalg.slogdet(a)),
    [_well((2, 2, 2))],
    ref=np.linalg.det,
)


def _np_cofactor(a: np.ndarray) -> np.ndarray:
    """The cofactor matrix from its definition: signed determinants of the minors."""
    n = a.shape[-1]
    out = np.empty(a.shape, dtype=np.result_type(a, np.float32))
    for i in range(n):
        for j in range(n):
            out[..., i, j] = (-1) ** (i + j) * np.linalg.det(np.delete(np.delete(a, i, -2), j, -1))
    return out


# the cofactor matrix: its own derivative has no rule for A (a third derivative of det), so no second order
prim(
    "cofactor",
    "3x3",
    cr.linalg.cofactor,
    [_well((3, 3))],
    ref=lambda a: np.linalg.det(a) * _npT(np.linalg.inv(a)),
    second_order=False,
)
prim(
    "cofactor",
    "batch_singular",
    cr.linalg.cofactor,
    [np.stack([_well((3, 3)), np.outer([1.0, 2.0, 3.0], [1.0, -1.0, 2.0])])],
    ref=_np_cofactor,
    second_order=False,
)


def _np_cofactor_derivative(a: np.ndarray, e: np.ndarray) -> np.ndarray:
    # the cofactor matrix of a 3x3 matrix is quadratic in it, so the central difference with step 1 is exact
    return (_np_cofactor(a + e) - _np_cofactor(a - e)) / 2


for _label, _a in (("along_e", _well((3, 3))), ("singular_a", np.outer([1.0, 2.0, 3.0], [1.0, -1.0, 2.0]))):
    prim("cofactor_derivative", _label, _cofactor_derivative, [_a, _la((3, 3))], wrt=(1,), ref=_np_cofactor_derivative)

for _label, _sa, _sb in (
    ("vector", (3, 3), (3,)),
    ("matrix", (3, 3), (3, 2)),
    ("batch_vector", (2, 3, 3), (3,)),
    ("broadcast", (2, 1, 3, 3), (4, 3, 2)),
    ("1x1", (1, 1), (1, 3)),
):
    prim("solve", _label, cr.linalg.solve, [_well(_sa), _la(_sb)], ref=np.linalg.solve)
prim("solve", "np_dispatch", lambda a, b: np.linalg.solve(a, b), [_well((3, 3)), _la((3,))], ref=np.linalg.solve)
prim(
    "solve",
    "constant_b",
    lambda a: cr.linalg.solve(a, np.arange(3.0)),
    [_well((3, 3))],
    ref=lambda a: np.linalg.solve(a, np.arange(3.0)),
)

for _shape, _label in (((4, 3), "tall"), ((2, 2, 3), "wide_batch"), ((3, 3), "square")):
    prim("pinv", _label, cr.linalg.pinv, [_sv_spread(_shape)], ref=np.linalg.pinv)
prim(
    "pinv",
    "hermitian",
    lambda x: cr.linalg.pinv(x + _crT(x), hermitian=True),
    [_sym_spread((3, 3))],
    ref=lambda x: np.linalg.pinv(x + _npT(x), hermitian=True),
)
prim(
    "pinv",
    "np_dispatch_rtol",
    lambda a: np.linalg.pinv(a, rtol=1e-10),
    [_sv_spread((3, 4))],
    ref=lambda a: np.linalg.pinv(a, rtol=1e-10),
)

for _shape in ((3, 3), (2, 3, 3), (1, 1)):
    prim(
        "cholesky",
        _s(_shape),
        lambda x: cr.linalg.cholesky(_cr_spd(x)),
        [_la(_shape)],
        ref=lambda x: np.linalg.cholesky(_np_spd(x)),
    )
prim(
    "cholesky",
    "upper",
    lambda x: cr.linalg.cholesky(_cr_spd(x), upper=True),
    [_la((3, 3))],
    ref=lambda x: np.linalg.cholesky(_np_spd(x), upper=True),
)
prim(
    "cholesky",
    "np_dispatch",
    lambda x: np.linalg.cholesky(_cr_spd(x)),
    [_la((2, 2))],
    ref=lambda x: np.linalg.cholesky(_np_spd(x)),
)


def _cr_eigh(x: Any, uplo: str = "L") -> Any:
    w, v = cr.linalg.eigh(x + _crT(x), uplo)
    return v * v[..., :1, :] + w[..., None, :]  # v_ij v_0j: the same for either sign of each eigenvector


def _np_eigh(x: np.ndarray, uplo: str = "L") -> np.ndarray:
    w, v = np.linalg.eigh(x + _npT(x), uplo)
    return v * v[..., :1, :] + w[..., None, :]


for _shape in ((3, 3), (2, 3, 3), (1, 1)):
    prim("eigh", _s(_shape), _cr_eigh, [_sym_spread(_shape)], ref=_np_eigh)
    prim(
        "eigvalsh",
        _s(_shape),
        lambda x: cr.linalg.eigvalsh(x + _crT(x)),
        [_sym_spread(_shape)],
        ref=lambda x: np.linalg.eigvalsh(x + _npT(x)),
    )
prim("eigh", "upper", lambda x: _cr_eigh(x, "U"), [_sym_spread((3, 3))], ref=lambda x: _np_eigh(x, "U"))
prim(
    "eigh",
    "np_dispatch_values",
    lambda x: np.linalg.eigh(x + _crT(x)).eigenvalues,
    [_sym_spread((3, 3))],
    ref=lambda x: np.linalg.eigh(x + _npT(x)).eigenvalues,
)
prim(
    "eigvalsh",
    "np_dispatch_upper",
    lambda x: np.linalg.eigvalsh(x + _crT(x), UPLO="U"),
    [_sym_spread((3, 3))],
    ref=lambda x: np.linalg.eigvalsh(x + _npT(x), UPLO="U"),
)


def _svd_out(u: Any, s: Any, vh: Any, lib: Any) -> Any:
    # u_ij u_0j and vh_ij vh_i0: the same for either sign of each pair of singular vectors
    batch = s.shape[:-1]
    parts = [(u * u[..., :1, :]).reshape(batch + (-1,)), s, (vh * vh[..., :, :1]).reshape(batch + (-1,))]
    return lib.concatenate(parts, axis=-1)


for _shape, _label in (((4, 3), "tall"), ((2, 3, 4), "wide_batch"), ((3, 3), "square"), ((1, 1), "1x1")):
    prim(
        "svd",
        _label,
        lambda a: _svd_out(*cr.linalg.svd(a, full_matrices=False), cr),
        [_sv_spread(_shape)],
        ref=lambda a: _svd_out(*np.linalg.svd(a, full_matrices=False), np),
    )
    prim("svdvals", _label, cr.linalg.svdvals, [_sv_spread(_shape)], ref=np.linalg.svdvals)
prim(
    "svd",
    "square_full_default",
    lambda a: _svd_out(*np.linalg.svd(a), cr),
    [_sv_spread((3, 3))],
    ref=lambda a: _svd_out(*np.linalg.svd(a), np),
)
prim(
    "svd",
    "hermitian",
    lambda x: _svd_out(*cr.linalg.svd(x + _crT(x) - 5.0 * np.eye(3), hermitian=True), cr),
    [_sym_spread((3, 3))],
    ref=lambda x: _svd_out(*np.linalg.svd(x + _npT(x) - 5.0 * np.eye(3), hermitian=True), np),
)
prim(
    "svdvals",
    "compute_uv_false",
    lambda a: np.linalg.svd(a, compute_uv=False),
    [_sv_spread((3, 2))],
    ref=lambda a: np.linalg.svd(a, compute_uv=False),
)
prim(
    "svdvals",
    "hermitian",
    lambda x: cr.linalg.svd(x + _crT(x) - 5.0 * np.eye(3), compute_uv=False, hermitian=True),
    [_sym_spread((3, 3))],
    ref=lambda x: np.linalg.svd(x + _npT(x) - 5.0 * np.eye(3), compute_uv=False, hermitian=True),
)


def _qr_out(q: Any, r: Any, lib: Any) -> Any:
    batch = q.shape[:-2]
    return lib.concatenate([q.reshape(batch + (-1,)), r.reshape(batch + (-1,))], axis=-1)


for _shape, _label in (((4, 3), "tall"), ((3, 4), "wide"), ((2, 3, 3), "square_batch"), ((2, 2, 3), "wide_batch")):
    prim(
        "qr",
        _label,
        lambda a: _qr_out(*cr.linalg.qr(a), cr),
        [_full_rank(_shape)],
        ref=lambda a: _qr_out(*np.linalg.qr(a), np),
    )
prim("qr", "mode_r", lambda a: np.linalg.qr(a, mode="r"), [_full_rank((3, 2))], ref=lambda a: np.linalg.qr(a, mode="r"))

for _n in (0, 1, 2, 3, 5, -1, -3):
    comp(
        "matrix_power",
        f"n={_n}",
        lambda a, _n=_n: cr.linalg.matrix_power(a, _n),
        [_well((3, 3)) / 3.0],
        ref=lambda a, _n=_n: np.linalg.matrix_power(a, _n),
    )
comp(
    "matrix_power",
    "batch_np_dispatch",
    lambda a: np.linalg.matrix_power(a, 6),
    [_well((2, 2, 2)) / 3.0],
    ref=lambda a: np.linalg.matrix_power(a, 6),
)

for _label, _kw, _shape in (
    ("ord2", {"ord": 2}, (3, 4)),
    ("ord-2", {"ord": -2}, (4, 3)),
    ("nuc", {"ord": "nuc"}, (3, 3)),
    ("ord2_axes_keepdims", {"ord": 2, "axis": (2, 0), "keepdims": True}, (3, 2, 4)),
    ("nuc_batch", {"ord": "nuc", "axis": (-2, -1)}, (2, 3, 2)),
):
    comp(
        "matrix_norm",
        _label,
        lambda x, _k=_kw: cr.linalg.norm(x, **_k),
        [_sv_spread(_shape) if len(_shape) == 2 else _la(_shape)],
        ref=lambda x, _k=_kw: np.linalg.norm(x, **_k),
    )

for _sa, _sb in (((2, 3), (3, 2)), ((2,), (3, 1, 2)), ((), (2, 2)), ((2, 1, 2), (3,))):
    comp("kron", f"{_s(_sa)},{_s(_sb)}", cr.kron, [_la(_sa), _la(_sb)], ref=np.kron)
comp("kron", "np_dispatch", lambda a, b: np.kron(a, b), [_la((2, 2)), _la((2,))], ref=np.kron)
# vecdot: NumPy's gufunc computes the value (axis counts in each input's own dimensions, the rest broadcast)
for _label, _sa, _sb, _kw in (
    ("last", (2, 3), (3,), {}),
    ("axis0", (3, 2), (3, 1), {"axis": 0}),
    ("batch", (2, 1, 4), (3, 4), {"axis": -1}),
):
    prim(
        "vecdot",
        _label,
        lambda a, b, _k=_kw: cr.linalg.vecdot(a, b, **_k),
        [_la(_sa), _la(_sb)],
        ref=lambda a, b, _k=_kw: np.linalg.vecdot(a, b, **_k),
    )
prim("vecdot", "np_dispatch", lambda a, b: np.linalg.vecdot(a, b), [_la((2, 3)), _la((2, 3))], ref=np.linalg.vecdot)
for _label, _sa, _sb, _kw in (
    ("3,3", (3,), (3,), {}),
    ("batch", (4, 3), (3,), {}),
    ("axes", (3, 2), (2, 3), {"axisa": 0, "axisc": 0}),
    ("axis", (2, 3, 2), (3, 1), {"axis": -2}),
):
    comp(
        "cross",
        _label,
        lambda a, b, _k=_kw: cr.cross(a, b, **_k),
        [_la(_sa), _la(_sb)],
        ref=lambda a, b, _k=_kw: np.cross(a, b, **_k),
    )
comp("cross", "np_dispatch", lambda a, b: np.cross(a, b), [_la((2, 3)), _la((2, 3))], ref=np.cross)
comp("cross", "linalg", lambda a, b: np.linalg.cross(a, b), [_la((2, 3)), _la((3,))], ref=np.linalg.cross)
for _label, _shapes in (
    ("three", [(2, 3), (3, 4), (4, 2)]),
    ("vector_ends", [(3,), (3, 4), (4, 2), (2, 5), (5,)]),
    ("four", [(5, 2), (2, 4), (4, 1), (1, 3)]),
):
    comp(
        "multi_dot",
        _label,
        lambda *xs: cr.linalg.multi_dot(xs),
        [_la(s) for s in _shapes],
        ref=lambda *xs: np.linalg.multi_dot(xs),
    )
comp(
    "multi_dot",
    "np_dispatch",
    lambda a, b, c: np.linalg.multi_dot([a, b, c]),
    [_la((2, 2)), _la((2, 3)), _la((3,))],
    ref=lambda a, b, c: np.linalg.multi_dot([a, b, c]),
)

for _spec, _shapes in (
    ("...ij,...jk->...ik", [(2, 1, 3, 4), (5, 4, 2)]),
    ("i...j", [(2, 3, 4)]),
    ("...i,...i", [(2, 3), (3,)]),
    ("ij...,jk...->ik...", [(2, 3, 4), (3, 2, 1)]),
    ("...ii->...i", [(2, 3, 3)]),
    ("i...,...", [(2, 3), (3,)]),
):
    prim(
        "einsum",
        f"ellipsis_{_spec}",
        lambda *xs, _e=_spec: cr.einsum(_e, *xs),
        [_la(s) for s in _shapes],
        ref=lambda *xs, _e=_spec: np.einsum(_e, *xs),
    )
prim(
    "einsum",
    "ellipsis_np_dispatch",
    lambda a, b: np.einsum("...j,j...", a, b),
    [_la((2, 3)), _la((3, 2))],
    ref=lambda a, b: np.einsum("...j,j...", a, b),
)

# ---------------------------------------------------------------------------------------------------
# NumPy's remaining elementwise functions (ops/ufuncs_extra.py): inverse hyperbolics, fmod, float_power, heaviside,
# ldexp, nextafter, the two-output modf / frexp / divmod, and the gradient-free spacing, fix, signbit. A generator
# of their own, so that cases added elsewhere never shift these inputs.

_U = np.random.default_rng(20_261_204)


def _u(shape: tuple[int, ...], lo: float, hi: float) -> np.ndarray:
    return _U.uniform(lo, hi, shape)


def _u_signed(shape: tuple[int, ...], lo: float, hi: float) -> np.ndarray:
    return _U.uniform(lo, hi, shape) * np.where(_U.random(shape) < 0.5, -1.0, 1.0)


for _name, _fn, _ref, _dom in (
    ("arcsinh", cr.arcsinh, np.arcsinh, lambda s: _u(s, -3.0, 3.0)),
    ("arccosh", cr.arccosh, np.arccosh, lambda s: _u(s, 1.2, 4.0)),
    ("arctanh", cr.arctanh, np.arctanh, lambda s: _u(s, -0.8, 0.8)),
):
    for _shape in UNARY_SHAPES:
        prim(_name, _s(_shape), _fn, [_dom(_shape)], ref=_ref)
    prim(_name, "ufunc", lambda x, _r=_ref: _r(x), [_dom((2, 2))], ref=_ref)
prim("arcsinh", "asinh_alias", lambda x: np.asinh(x), [_u((3,), -2.0, 2.0)], ref=np.arcsinh)
prim("arccosh", "acosh_alias", lambda x: np.acosh(x), [_u((3,), 1.5, 2.0)], ref=np.arccosh)
prim("arctanh", "atanh_alias", lambda x: np.atanh(x), [_u((3,), -0.5, 0.5)], ref=np.arctanh)
prim("arcsinh", "large", cr.arcsinh, [np.array([-1e3, -20.0, 50.0, 4e4])], ref=np.arcsinh)
prim("arccosh", "near_one", cr.arccosh, [np.array([1.01, 1.05, 1.3])], ref=np.arccosh, rtol=1e-4)


def _fmod_inputs(sx: tuple[int, ...], sy: tuple[int, ...]) -> list[np.ndarray]:
    # x / y away from integers, where fmod jumps
    while True:
        x, y = _u(sx, -3.0, 3.0), _u_signed(sy, 0.6, 1.5)
        q = np.divide(x, y)
        if np.min(np.abs(q - np.round(q)), initial=1.0) > 0.05:
            return [x, y]


for _sx, _sy in PAIRS:
    prim("fmod", f"{_s(_sx)},{_s(_sy)}", cr.fmod, _fmod_inputs(_sx, _sy), ref=np.fmod)
prim("fmod", "ufunc", lambda x, y: np.fmod(x, y), _fmod_inputs((4,), (4,)), ref=np.fmod)
prim(
    "fmod",
    "const_divisor",
    lambda x: cr.fmod(x, 0.7),
    [np.array([-2.0, -0.3, 0.5, 1.6])],
    ref=lambda x: np.fmod(x, 0.7),
)

for _sx, _sy in PAIRS:
    prim(
        "float_power",
        f"{_s(_sx)},{_s(_sy)}",
        cr.float_power,
        [_u(_sx, 0.5, 2.0), _u(_sy, -2.0, 2.0)],
        ref=np.float_power,
    )
prim(
    "float_power",
    "ufunc",
    lambda x, y: np.float_power(x, y),
    [_u((3,), 0.5, 2.0), _u((3,), -1.0, 1.0)],
    ref=np.float_power,
)
prim(
    "float_power",
    "neg_base_int3",
    lambda x: cr.float_power(x, 3),
    [_u((4,), -2.0, -0.5)],
    ref=lambda x: np.float_power(x, 3),
)
prim(
    "float_power",
    "const0.5",
    lambda x: cr.float_power(x, 0.5),
    [_u((4,), 0.5, 2.0)],
    ref=lambda x: np.float_power(x, 0.5),
)
prim(
    "float_power",
    "int_exponent_tensor",
    cr.float_power,
    [_u((4,), -2.0, 2.0), np.array([2, 3, 0, -2])],
    ref=np.float_power,
)

# heaviside: x is a constant array holding zeros (the gradient wrt x is 0 everywhere); h0 differentiable
_hx = np.array([[-1.5, 0.0, 2.0], [0.0, 0.0, -0.3]])
prim("heaviside", "h0_broadcast", cr.heaviside, [_hx, _u((3,), 0.2, 0.8)], wrt=(1,), ref=np.heaviside)
prim("heaviside", "h0_scalar", cr.heaviside, [_hx, np.array(0.5)], wrt=(1,), ref=np.heaviside)
prim("heaviside", "x_too", cr.heaviside, [_u_signed((2, 3), 0.2, 2.0), _u((2, 3), 0.2, 0.8)], ref=np.heaviside)
prim("heaviside", "ufunc", lambda x, h: np.heaviside(x, h), [_hx, _u((2, 1), 0.2, 0.8)], wrt=(1,), ref=np.heaviside)

_li = np.array([[3, -1, 0], [2, -4, 10]])
prim("ldexp", "int_array", cr.ldexp, [_u((2, 3), -2.0, 2.0), _li], ref=np.ldexp)
prim("ldexp", "broadcast", cr.ldexp, [_u((3,), -2.0, 2.0), _li], ref=np.ldexp)
prim("ldexp", "scalar", cr.ldexp, [_u((), -2.0, 2.0), np.array(-3)], ref=np.ldexp)
prim("ldexp", "ufunc_const", lambda x: np.ldexp(x, 5), [_u((4,), -2.0, 2.0)], ref=lambda x: np.ldexp(x, 5))

for _sx, _sy in PAIRS:
    prim("nextafter", f"{_s(_sx)},{_s(_sy)}", cr.nextafter, [_u(_sx, -2.0, 2.0), _u(_sy, -2.0, 2.0)], ref=np.nextafter)
prim(
    "nextafter", "ufunc", lambda x, y: np.nextafter(x, y), [_u((3,), -2.0, 2.0), _u((3,), -2.0, 2.0)], ref=np.nextafter
)


def _modf_cr(x: Any) -> Any:
    frac, whole = cr.modf(x)
    return frac * 3.0 + whole


def _frexp_cr(x: Any) -> Any:
    m, e = cr.frexp(x)
    return m * e


def _divmod_cr(x: Any, y: Any) -> Any:
    q, r = cr.divmod(x, y)
    return q + r * 3.0


_away_from_integers = np.array([[-2.7, -1.25, -0.4], [0.3, 1.6, 2.45]])
prim("modf", "matrix", _modf_cr, [_away_from_integers], ref=lambda x: np.modf(x)[0] * 3.0 + np.modf(x)[1])
prim("modf", "scalar", _modf_cr, [np.array(-3.3)], ref=lambda x: np.modf(x)[0] * 3.0 + np.modf(x)[1])
prim("modf", "ufunc", lambda x: np.modf(x)[0], [_u((4,), -5.0, 5.0)], ref=lambda x: np.modf(x)[0])
# away from powers of 2, where the exponent jumps
_fx = np.array([[0.3, -0.7, 1.3], [-2.9, 5.5, 100.0]])
prim("frexp", "matrix", _frexp_cr, [_fx], ref=lambda x: np.frexp(x)[0] * np.frexp(x)[1])
prim("frexp", "scalar", _frexp_cr, [np.array(-0.1)], ref=lambda x: np.frexp(x)[0] * np.frexp(x)[1])
prim("frexp", "ufunc", lambda x: np.frexp(x)[0], [_fx.copy()], ref=lambda x: np.frexp(x)[0])
for _sx, _sy in PAIRS:
    comp(
        "divmod",
        f"{_s(_sx)},{_s(_sy)}",
        _divmod_cr,
        _fmod_inputs(_sx, _sy),
        ref=lambda x, y: np.divmod(x, y)[0] + np.divmod(x, y)[1] * 3.0,
    )
comp("divmod", "ufunc", lambda x, y: np.divmod(x, y)[1], _fmod_inputs((3,), (3,)), ref=lambda x, y: np.divmod(x, y)[1])

_bits = np.array([[-2.5, -0.0, 0.0], [1e-300, 3.0, np.inf]])
for _name, _ref in (("spacing", np.spacing), ("fix", np.fix), ("signbit", np.signbit)):
    prim(_name, "matrix", getattr(cr, _name), [_bits], ref=_ref, differentiable=False)
    prim(_name, "scalar", getattr(cr, _name), [np.array(-1.5)], ref=_ref, differentiable=False)
    prim(_name, "numpy_route", lambda x, _r=_ref: _r(x), [np.array([-1.7, 0.2, 2.5])], ref=_ref, differentiable=False)

# np.i0 and its derivative i1 (ops/bessel.py); nan_to_num (a where on the finite places) and np.round with decimals
for _name, _fn, _ref in (("i0", cr.i0, np.i0), ("i1", cr.i1, None)):
    for _shape in UNARY_SHAPES:
        prim(_name, _s(_shape), _fn, [_u(_shape, -4.0, 4.0)], ref=_ref)
    prim(_name, "zero_and_large", _fn, [np.array([0.0, -1e-3, 7.9, 8.1, -10.0, 11.0])], ref=_ref)
prim("i0", "np_dispatch", lambda x: np.i0(x), [_u((2, 2), -3.0, 3.0)], ref=np.i0)
_nonfinite = np.array([[1.5, np.nan, -0.3], [np.inf, -2.0, -np.inf]])
# (the default replacements of +-inf, the largest floats, would overflow the finite-difference sums)
comp("nan_to_num", "defaults_nan", cr.nan_to_num, [np.array([1.5, np.nan, -0.3])], ref=np.nan_to_num)
comp(
    "nan_to_num",
    "np_dispatch_values",
    lambda x: np.nan_to_num(x, nan=-1.0, posinf=5.0, neginf=-5.0),
    [_nonfinite.copy()],
    ref=lambda x: np.nan_to_num(x, nan=-1.0, posinf=5.0, neginf=-5.0),
)
comp("nan_to_num", "finite_scalar", cr.nan_to_num, [np.array(0.7)], ref=np.nan_to_num)
comp(
    "round_decimals",
    "np_round_2",
    lambda x: np.round(x, 2),
    [np.array([1.23456, -7.891011, 0.005001])],
    ref=lambda x: np.round(x, 2),
    differentiable=False,
)
comp(
    "round_decimals",
    "np_around_-1",
    lambda x: np.around(x, -1),
    [np.array([[123.4, -55.0], [4.9, 1e4]])],
    ref=lambda x: np.around(x, -1),
    differentiable=False,
)

# 1-D signals and polynomials (ops/signal.py, ops/polynomial.py): np.convolve, np.correlate and np.interp (NumPy's
# own values), np.polyval and np.vander (composed). Inputs from a generator of their own; interpolation points
# away from the knots, where the function has kinks.

_SG = np.random.default_rng(20_261_204)


def _sg(shape: tuple[int, ...]) -> np.ndarray:
    return _SG.standard_normal(shape)


for _n, _m in ((5, 3), (3, 5), (4, 4), (1, 3), (6, 1), (2, 5)):
    for _mode in ("full", "same", "valid"):
        prim(
            "convolve",
            f"{_n},{_m}_{_mode}",
            lambda a, v, _md=_mode: cr.convolve(a, v, mode=_md),
            [_sg((_n,)), _sg((_m,))],
            ref=lambda a, v, _md=_mode: np.convolve(a, v, mode=_md),
        )
        prim(
            "correlate",
            f"{_n},{_m}_{_mode}",
            lambda a, v, _md=_mode: cr.correlate(a, v, mode=_md),
            [_sg((_n,)), _sg((_m,))],
            ref=lambda a, v, _md=_mode: np.correlate(a, v, mode=_md),
        )
prim("convolve", "np_dispatch_scalar", lambda a, v: np.convolve(a, v), [_sg(()), _sg((3,))], ref=np.convolve)
prim(
    "correlate",
    "np_dispatch_mode1",
    lambda a, v: np.correlate(a, v, 1),
    [_sg((4,)), _sg((3,))],
    ref=lambda a, v: np.correlate(a, v, 1),
)

_XP = np.array([-1.5, -0.5, 0.25, 1.0, 2.0])
for _label, _x, _kw in (
    ("inside", np.array([-1.2, -0.1, 0.6, 1.7]), {}),
    ("outside", np.array([[-3.0, 0.4], [2.5, -0.9]]), {}),
    ("left_right", np.array([-3.0, 0.4, 2.5]), {"left": -7.0, "right": 4.0}),
    ("scalar", np.array(0.8), {}),
    ("period", np.array([-4.1, 0.3, 3.6, 7.9]), {"period": 3.0}),
):
    prim(
        "interp",
        _label,
        lambda x, fp, _k=_kw: cr.interp(x, _XP, fp, **_k),
        [_x, _sg((5,))],
        ref=lambda x, fp, _k=_kw: np.interp(x, _XP, fp, **_k),
    )
prim(
    "interp",
    "np_dispatch",
    lambda x, fp: np.interp(x, [0.0, 1.0, 3.0], fp),
    [np.array([0.2, 1.4, 2.9, 4.0]), _sg((3,))],
    ref=lambda x, fp: np.interp(x, [0.0, 1.0, 3.0], fp),
)
prim(
    "interp",
    "one_point",
    lambda x, fp: cr.interp(x, [0.5], fp, right=2.0),
    [np.array([-1.0, 0.5, 1.0]), _sg((1,))],
    ref=lambda x, fp: np.interp(x, [0.5], fp, right=2.0),
    wrt=(1,),
)

for _label, _sp, _sx in (
    ("cubic", (4,), (3,)),
    ("scalar_x", (3,), ()),
    ("matrix_x", (5,), (2, 3)),
    ("const", (1,), (2,)),
):
    comp("polyval", _label, cr.polyval, [_sg(_sp), _sg(_sx)], ref=np.polyval)
comp("polyval", "np_dispatch", lambda p, x: np.polyval(p, x), [_sg((3,)), _sg((4,))], ref=np.polyval)
for _label, _kw, _sx in (
    ("default", {}, (4,)),
    ("N2", {"N": 2}, (3,)),
    ("N5_increasing", {"N": 5, "increasing": True}, (3,)),
    ("N1", {"N": 1}, (2,)),
):
    comp("vander", _label, lambda x, _k=_kw: cr.vander(x, **_k), [_sg(_sx)], ref=lambda x, _k=_kw: np.vander(x, **_k))
comp(
    "vander", "np_dispatch_zero", lambda x: np.vander(x, 4), [np.array([0.0, 1.5, -0.7])], ref=lambda x: np.vander(x, 4)
)

# NumPy 2's gufuncs np.matvec and np.vecmat (ops/vecproducts.py; np.vecdot goes to linalg.vecdot), broadcast over
# leading dimensions, and their axes= through NumPy's dispatch
for _label, _sa, _sb in (("plain", (3, 4), (4,)), ("batch", (2, 3, 4), (4,)), ("broadcast", (2, 1, 3, 4), (5, 4))):
    prim("matvec", _label, cr.matvec, [_sg(_sa), _sg(_sb)], ref=np.matvec)
for _label, _sa, _sb in (("plain", (3,), (3, 4)), ("batch", (3,), (2, 3, 4)), ("broadcast", (2, 1, 3), (5, 3, 4))):
    prim("vecmat", _label, cr.vecmat, [_sg(_sa), _sg(_sb)], ref=np.vecmat)
prim(
    "matvec",
    "np_dispatch_axes",
    lambda a, x: np.matvec(a, x, axes=[(0, 1), (0,), (0,)]),
    [_sg((2, 4, 3)), _sg((4,))],
    ref=lambda a, x: np.matvec(a, x, axes=[(0, 1), (0,), (0,)]),
)
prim("vecmat", "np_dispatch", lambda x, a: np.vecmat(x, a), [_sg((2, 3)), _sg((3, 2))], ref=np.vecmat)
prim(
    "vecmat",
    "np_dispatch_axes_broadcast",
    lambda x, a: np.vecmat(x, a, axes=[(0,), (1, 0), (0,)]),
    [_sg((3, 2)), _sg((4, 3, 1))],
    ref=lambda x, a: np.vecmat(x, a, axes=[(0,), (1, 0), (0,)]),
)
prim(
    "vecdot",
    "np_ufunc_axis_keepdims",
    lambda a, b: np.vecdot(a, b, axis=0, keepdims=True),
    [_sg((3, 4, 2)), _sg((3, 1, 2))],
    ref=lambda a, b: np.vecdot(a, b, axis=0, keepdims=True),
)

# np.linalg's least squares, condition numbers and tensor inverses (ops/solvers.py): lstsq's x and residuals are
# primitives calling NumPy's lstsq; cond, tensorinv and tensorsolve are composed in NumPy's own steps
for _label, _sa, _sb in (("tall_vec", (5, 3), (5,)), ("tall_mat", (5, 3), (5, 2)), ("square", (3, 3), (3,))):
    prim(
        "lstsq",
        _label,
        lambda a, b: cr.linalg.lstsq(a, b)[0],
        [_full_rank(_sa), _sg(_sb)],
        ref=lambda a, b: np.linalg.lstsq(a, b)[0],
    )
prim(
    "lstsq",
    "wide_np_dispatch",
    lambda a, b: np.linalg.lstsq(a, b, rcond=None)[0],
    [_full_rank((2, 4)), _sg((2,))],
    ref=lambda a, b: np.linalg.lstsq(a, b)[0],
)
for _label, _sa, _sb in (("vec", (5, 3), (5,)), ("mat", (6, 2), (6, 3))):
    prim(
        "lstsq_residuals",
        _label,
        lambda a, b: np.linalg.lstsq(a, b)[1],
        [_full_rank(_sa), _sg(_sb)],
        ref=lambda a, b: np.linalg.lstsq(a, b)[1],
    )
for _p in (None, 2, -2, "fro", "nuc", 1, -1, np.inf, -np.inf):
    comp(
        "cond",
        f"p={_p}",
        lambda x, _p=_p: np.linalg.cond(x, _p),
        [_well((3, 3))],
        ref=lambda x, _p=_p: np.linalg.cond(x, _p),
    )
comp("cond", "stack_wide", lambda x: cr.linalg.cond(x), [_sv_spread((2, 2, 3))], ref=np.linalg.cond)
comp(
    "cond", "stack_fro", lambda x: cr.linalg.cond(x, "fro"), [_well((2, 3, 3))], ref=lambda x: np.linalg.cond(x, "fro")
)
comp(
    "tensorinv",
    "ind1",
    lambda a: np.linalg.tensorinv(a, ind=1),
    [_well((6, 6)).reshape(6, 2, 3)],
    ref=lambda a: np.linalg.tensorinv(a, ind=1),
)
comp("tensorinv", "ind2", cr.linalg.tensorinv, [_well((6, 6)).reshape(2, 3, 6)], ref=np.linalg.tensorinv)
comp(
    "tensorsolve",
    "plain",
    cr.linalg.tensorsolve,
    [_well((6, 6)).reshape(6, 2, 3), _sg((6,))],
    ref=np.linalg.tensorsolve,
)
comp(
    "tensorsolve",
    "axes_np_dispatch",
    lambda a, b: np.linalg.tensorsolve(a, b, axes=(0,)),
    [_well((6, 6)).reshape(6, 2, 3), _sg((2, 3))],
    ref=lambda a, b: np.linalg.tensorsolve(a, b, axes=(0,)),
)

# NumPy's array-manipulation functions (ops/arrays.py), called through NumPy: composites of the shape
# primitives. Functions that return several arrays are checked on their results joined into one vector.

_AM = np.random.default_rng(20_261_204)


def _am(shape: tuple[int, ...]) -> np.ndarray:
    return _AM.standard_normal(shape)


def _partitioned(p: Any, kths: list[int]) -> Any:
    """The kth elements of ``p`` (partitioned along its last axis) and each group between them, sorted."""
    bounds = [0, *kths, np.shape(p)[-1]]
    parts = [
        np.sort(p[..., lo + (i > 0) : hi], axis=-1)
        for i, (lo, hi) in enumerate(zip(bounds[:-1], bounds[1:], strict=True))
    ]
    return np.concatenate([p[..., kths], *parts], axis=-1)


def _joined(out: Any) -> Any:
    parts = [np.ravel(o) for o in out]
    return np.concatenate(parts)


for _label, _fn, _inputs in (
    ("diag_vector", lambda v: np.diag(v), [_am((3,))]),
    ("diag_vector_k2", lambda v: np.diag(v, 2), [_am((3,))]),
    ("diag_vector_k-1", lambda v: np.diag(v, k=-1), [_am((2,))]),
    ("diag_matrix", lambda a: np.diag(a), [_am((3, 4))]),
    ("diag_matrix_k1", lambda a: np.diag(a, 1), [_am((3, 4))]),
    ("diag_matrix_k-2", lambda a: np.diag(a, -2), [_am((4, 3))]),
    ("diagflat", lambda a: np.diagflat(a, -1), [_am((2, 2))]),
    ("copy", lambda a: np.copy(a) * a, [_am((2, 3))]),
    ("astype", lambda a: np.astype(a, np.float64) * a, [_am((3,))]),
    ("atleast_1d_0d", lambda a: np.atleast_1d(a), [_am(())]),
    ("atleast_2d_1d", lambda a: np.atleast_2d(a), [_am((3,))]),
    ("atleast_3d_2d", lambda a: np.atleast_3d(a), [_am((2, 3))]),
    ("atleast_3d_many", lambda a, b: _joined(np.atleast_3d(a, b)), [_am((3,)), _am(())]),
    ("hstack", lambda a, b: np.hstack([a, b]), [_am((2, 3)), _am((2, 1))]),
    ("hstack_1d", lambda a, b: np.hstack((a, b)), [_am((3,)), _am(())]),
    ("vstack", lambda a, b: np.vstack([a, b]), [_am((3,)), _am((2, 3))]),
    ("dstack", lambda a, b: np.dstack([a, b]), [_am((2, 3)), _am((2, 3, 2))]),
    ("column_stack", lambda a, b: np.column_stack([a, b]), [_am((3,)), _am((3, 2))]),
    ("block_2x2", lambda a, b, c, d: np.block([[a, b], [c, d]]), [_am((2, 2)), _am((2, 1)), _am((1, 2)), _am((1, 1))]),
    ("block_1d_scalar", lambda a, b: np.block([a, b, 2.0]), [_am((3,)), _am(())]),
    ("block_promotes", lambda a, b: np.block([[a], [b]]), [_am((2,)), _am((1, 2))]),
    ("hsplit", lambda a: _joined(x * (i + 1) for i, x in enumerate(np.hsplit(a, 2))), [_am((3, 4))]),
    ("vsplit", lambda a: _joined(x * (i + 1) for i, x in enumerate(np.vsplit(a, [1, 5]))), [_am((3, 2))]),
    ("dsplit", lambda a: _joined(x * (i + 1) for i, x in enumerate(np.dsplit(a, 2))), [_am((1, 2, 4))]),
    ("unstack", lambda a: _joined(x * (i + 1) for i, x in enumerate(np.unstack(a, axis=-1))), [_am((2, 3))]),
    ("fliplr", lambda a: np.fliplr(a), [_am((2, 3, 2))]),
    ("flipud", lambda a: np.flipud(a), [_am((3,))]),
    ("rot90", lambda a: np.rot90(a), [_am((2, 3))]),
    ("rot90_k3_axes", lambda a: np.rot90(a, 3, axes=(-1, 0)), [_am((2, 3, 2))]),
    ("rot90_k-2", lambda a: np.rot90(a, -2), [_am((2, 3))]),
    ("broadcast_arrays", lambda a, b: _joined(np.broadcast_arrays(a, b)), [_am((3, 1)), _am((2,))]),
    ("meshgrid_xy", lambda a, b: _joined(np.meshgrid(a, b)), [_am((3,)), _am((2,))]),
    ("meshgrid_ij_3", lambda a, b, c: _joined(np.meshgrid(a, b, c, indexing="ij")), [_am((2,)), _am((3,)), _am(())]),
    ("meshgrid_sparse", lambda a, b: _joined(np.meshgrid(a, b, sparse=True)), [_am((3,)), _am((2,))]),
    ("append", lambda a, b: np.append(a, b), [_am((2, 2)), _am((3,))]),
    ("append_axis", lambda a, b: np.append(a, b, axis=-1), [_am((2, 2)), _am((2, 1))]),
    ("insert_flat", lambda a, b: np.insert(a, [0, 3, 3], b), [_am((2, 2)), _am((3,))]),
    ("insert_scalar_obj", lambda a, b: np.insert(a, 1, b, axis=1), [_am((3, 2)), _am((3,))]),
    ("insert_broadcast", lambda a, b: np.insert(a, slice(0, 2), b, axis=0), [_am((3, 2)), _am(())]),
    ("delete", lambda a: np.delete(a, [0, -1], axis=-1), [_am((2, 4))]),
    ("delete_flat", lambda a: np.delete(a, slice(1, 4)), [_am((2, 3))]),
    ("resize", lambda a: np.resize(a, (3, 5)), [_am((2, 3))]),
    ("compress", lambda a: np.compress([False, True, True], a, axis=1), [_am((2, 3))]),
    ("compress_flat", lambda a: np.compress([True, False, True], a), [_am((2, 2))]),
    ("select", lambda a, b: np.select([a > 0.5, b < 0], [a, b * 2], default=-1.0), [_am((4, 3)), _am((3,))]),
    # the order of the elements between the kth ones is NumPy's choice (it differs between dtypes): the cases
    # check the kth elements and the sorted groups on either side
    ("partition", lambda a: _partitioned(np.partition(a, 1), [1]), [_am((3, 4))]),
    ("partition_axis0_kths", lambda a: _partitioned(np.partition(a, (0, 2), axis=0).T, [0, 2]), [_am((5, 3))]),
    ("partition_flat", lambda a: _partitioned(np.partition(a, -2, axis=None), [4]), [_am((2, 3))]),
    ("pad_edge", lambda a: np.pad(a, ((1, 2), (3, 0)), mode="edge"), [_am((2, 3))]),
    ("pad_wrap", lambda a: np.pad(a, 4, mode="wrap"), [_am((3,))]),
    ("pad_reflect", lambda a: np.pad(a, ((2, 3), (1, 1)), mode="reflect"), [_am((3, 2))]),
    ("pad_symmetric", lambda a: np.pad(a, (5, 2), mode="symmetric"), [_am((2, 3))]),
):
    comp("np." + (_label.split("_")[0] if not _label.startswith("pad") else "pad_modes"), _label, _fn, _inputs, ref=_fn)

# values chosen by conditions or positions that do not depend on the differentiated inputs
_AMX = _am((2, 3))
comp("np.extract", "mask", lambda a: np.extract(_AMX > 0, a), [_am((2, 3))], ref=lambda a: np.extract(_AMX > 0, a))
comp(
    "np.choose",
    "broadcast",
    lambda a, b, c: np.choose(np.array([[0, 2, 1], [1, 1, 0]]), [a, b, c]),
    [_am((2, 3)), _am((3,)), _am(())],
    ref=lambda a, b, c: np.choose(np.array([[0, 2, 1], [1, 1, 0]]), [a, b, c]),
)
comp(
    "np.choose",
    "wrap",
    lambda a, b: np.choose(np.array([0, 3, -1]), [a, b], mode="wrap"),
    [_am((3,)), _am((3,))],
    ref=lambda a, b: np.choose(np.array([0, 3, -1]), [a, b], mode="wrap"),
)
comp(
    "np.trim_zeros",
    "fb",
    lambda a: np.trim_zeros(a * np.array([0.0, 1.0, 1.0, 0.0, 1.0, 0.0])),
    [_am((6,))],
    ref=lambda a: np.trim_zeros(a * np.array([0.0, 1.0, 1.0, 0.0, 1.0, 0.0])),
)
_AMU = np.array([[2.5, -1.0, 2.5], [0.5, -1.0, 4.0]])
comp(
    "np.unique",
    "values",
    lambda a: np.unique(_AMU + 0 * a) * a.reshape(-1)[:4],
    [_am((2, 3))],
    ref=lambda a: np.unique(_AMU + 0 * a) * a.reshape(-1)[:4],
)

# np.pad's linear modes (ops/padding.py), a primitive of their own
for _label, _pw, _kw, _shape in (
    ("reflect_odd", ((2, 5), (1, 0)), {"mode": "reflect", "reflect_type": "odd"}, (3, 2)),
    ("symmetric_odd", 4, {"mode": "symmetric", "reflect_type": "odd"}, (3,)),
    ("linear_ramp", ((1, 2), (3, 1)), {"mode": "linear_ramp", "end_values": ((1.0, -2.0), (0.5, 3.0))}, (2, 3)),
    ("mean", ((2, 1), (0, 3)), {"mode": "mean"}, (3, 4)),
    ("mean_stat_length", (3, 2), {"mode": "mean", "stat_length": ((1, 2),)}, (2, 2, 3)),
):
    prim(
        "pad_linear",
        _label,
        lambda x, _p=_pw, _k=_kw: np.pad(x, _p, **_k),
        [_am(_shape)],
        ref=lambda x, _p=_pw, _k=_kw: np.pad(x, _p, **_k),
    )

# np.pad's order-statistic modes (ops/padding.py's pad_stat), composed from max / min / median
for _label, _pw, _kw, _shape in (
    ("maximum", ((2, 1), (0, 3)), {"mode": "maximum"}, (3, 4)),
    ("minimum_stat_length", (2, 3), {"mode": "minimum", "stat_length": ((2, 1), (1, 3))}, (3, 4)),
    ("median_odd_and_even", ((1, 2), (2, 0)), {"mode": "median", "stat_length": (3, 2)}, (4, 3)),
):
    comp(
        "np.pad_modes",
        f"stat_{_label}",
        lambda x, _p=_pw, _k=_kw: np.pad(x, _p, **_k),
        [_am(_shape)],
        ref=lambda x, _p=_pw, _k=_kw: np.pad(x, _p, **_k),
    )

# Reductions with NumPy's dtype=, initial=, where= (ops/reduce_options.py, ops/nanstats.py)

_RO = np.random.default_rng(20_261_204)


def _ro_mask(shape: tuple[int, ...]) -> np.ndarray:
    """A where= mask with a selected element in every slice over any axes: each position with an index 0 is on."""
    m = np.array(_RO.random(shape) > 0.45)
    for a in range(m.ndim):
        m[(slice(None),) * a + (0,)] = True
    return m if m.ndim else np.array(True)


_RO_SHAPES = [((), None), ((5,), None), ((5,), -1), ((3, 4), 0), ((3, 4), (0, 1)), ((2, 3, 4), (0, 2)), ((2, 3, 4), 1)]
for _shape, _axis in _RO_SHAPES:
    _m = _ro_mask(_shape)
    _row = _ro_mask(_shape[-1:]) if _shape else np.array(True)
    for _keep in (False, True):
        _lab = f"{_s(_shape)},axis={_axis},keepdims={_keep}"
        for _kw in ({"where": _m}, {"where": _row, "initial": 1.5}, {"dtype": np.float64, "initial": -0.5}):
            _kl = ",".join(sorted(_kw))
            prim(
                "sum_options",
                f"{_lab},{_kl}",
                lambda x, _a=_axis, _k=_keep, _o=_kw: cr.sum(x, axis=_a, keepdims=_k, **_o),
                [normal(_shape)],
                ref=lambda x, _a=_axis, _k=_keep, _o=_kw: np.sum(x, axis=_a, keepdims=_k, **_o),
            )
            prim(
                "prod_options",
                f"{_lab},{_kl}",
                lambda x, _a=_axis, _k=_keep, _o=_kw: cr.prod(x, axis=_a, keepdims=_k, **_o),
                [positive(_shape)],
                ref=lambda x, _a=_axis, _k=_keep, _o=_kw: np.prod(x, axis=_a, keepdims=_k, **_o),
            )
        # (a mask along the last axis alone leaves whole slices empty unless that axis is reduced)
        _last = _axis is None or len(_shape) - 1 in np.atleast_1d(np.array(_axis) % len(_shape))
        for _kw in ({"where": _m}, {"where": _row if _last else _m[..., ::-1]}, {"dtype": np.float64, "where": _m}):
            _kl = ",".join(sorted(_kw))
            prim(
                "mean_options",
                f"{_lab},{_kl}",
                lambda x, _a=_axis, _k=_keep, _o=_kw: cr.mean(x, axis=_a, keepdims=_k, **_o),
                [normal(_shape)],
                ref=lambda x, _a=_axis, _k=_keep, _o=_kw: np.mean(x, axis=_a, keepdims=_k, **_o),
            )
            for _name in ("var", "std"):
                comp(
                    f"{_name}_options",
                    f"{_lab},{_kl}",
                    lambda x, _a=_axis, _k=_keep, _o=_kw, _n=_name: getattr(cr, _n)(x, axis=_a, keepdims=_k, **_o),
                    [distinct(_shape) if _shape else np.array(0.3)],
                    ref=lambda x, _a=_axis, _k=_keep, _o=_kw, _n=_name: getattr(np, _n)(x, axis=_a, keepdims=_k, **_o),
                )
        for _name in ("max", "min", "nanmax", "nanmin"):
            for _kw in ({"where": _m, "initial": -50.0 if "max" in _name else 50.0}, {"initial": 0.0}):
                _kl = ",".join(sorted(_kw))
                prim(
                    "extreme_options",
                    f"{_name},{_lab},{_kl}",
                    lambda x, _a=_axis, _k=_keep, _o=_kw, _n=_name: getattr(cr, _n)(x, axis=_a, keepdims=_k, **_o),
                    [distinct(_shape) + 0.1 if _shape else np.array(-0.6)],
                    ref=lambda x, _a=_axis, _k=_keep, _o=_kw, _n=_name: getattr(np, _n)(x, axis=_a, keepdims=_k, **_o),
                )
    for _name in ("nansum", "nanmean"):
        comp(
            f"{_name}_options",
            f"{_s(_shape)},axis={_axis}",
            lambda x, _a=_axis, _w=_m, _n=_name: getattr(cr, _n)(x, axis=_a, where=_w),
            [normal(_shape)],
            ref=lambda x, _a=_axis, _w=_m, _n=_name: getattr(np, _n)(x, axis=_a, where=_w),
        )
_xnan_m = np.array([[True, True, False, True], [True, True, True, False], [True, True, True, True]])
for _name in ("nansum", "nanmean"):
    comp(
        f"{_name}_options",
        "nan_where_axis1",
        lambda x, _n=_name: getattr(cr, _n)(x, axis=1, where=_xnan_m),
        [_xnan.copy()],
        ref=lambda x, _n=_name: getattr(np, _n)(x, axis=1, where=_xnan_m),
    )
for _name in ("nanmax", "nanmin"):
    prim(
        "extreme_options",
        f"{_name},nan_where_axis0",
        lambda x, _n=_name: getattr(cr, _n)(x, axis=0, where=_xnan_m, initial=0.0 if _n == "nanmax" else 0.01),
        [_xnan.copy()],
        ref=lambda x, _n=_name: getattr(np, _n)(x, axis=0, where=_xnan_m, initial=0.0 if _n == "nanmax" else 0.01),
    )
prim(
    "sum_options",
    "np_dispatch_positional_dtype",
    lambda x: np.sum(x, 0, np.float64),
    [normal((3, 2))],
    ref=lambda x: np.sum(x, 0, np.float64),
)
prim(
    "mean_options",
    "np_dispatch",
    lambda x: np.mean(x, axis=1, where=np.array([True, False, True])),
    [normal((2, 3))],
    ref=lambda x: np.mean(x, axis=1, where=np.array([True, False, True])),
)
comp(
    "var_options",
    "ddof_where_np_dispatch",
    lambda x: np.var(x, axis=1, ddof=1, where=np.array([True, True, False, True])),
    [distinct((2, 4))],
    ref=lambda x: np.var(x, axis=1, ddof=1, where=np.array([True, True, False, True])),
)

# ---------------------------------------------------------------------------------------------------
# average, cov, corrcoef (ops/averages.py): composed; differentiable in the data and in the weights

for _shape, _axis, _wshape in (
    ((), None, ()),
    ((5,), None, (5,)),
    ((3, 4), 1, (4,)),
    ((3, 4), -2, (3,)),
    ((3, 4), None, (3, 4)),
    ((2, 3, 4), (0, 2), (2, 4)),
    ((2, 3, 4), (2, 0), (4, 2)),
):
    for _keep in (False, True):
        comp(
            "average",
            f"{_s(_shape)},axis={_axis},keepdims={_keep}",
            lambda a, w, _a=_axis, _k=_keep: cr.average(a, axis=_a, weights=w, keepdims=_k),
            [normal(_shape), positive(_wshape)],
            ref=lambda a, w, _a=_axis, _k=_keep: np.average(a, axis=_a, weights=w, keepdims=_k),
        )
    comp(
        "average",
        f"{_s(_shape)},axis={_axis},unweighted",
        lambda a, _a=_axis: cr.average(a, axis=_a),
        [normal(_shape)],
        ref=lambda a, _a=_axis: np.average(a, axis=_a),
    )
comp(
    "average",
    "returned_np_dispatch",
    lambda a, w: np.average(a, axis=0, weights=w, returned=True)[0] * np.average(a, 0, w, True)[1],
    [normal((3, 2)), positive((3,))],
    ref=lambda a, w: np.average(a, axis=0, weights=w, returned=True)[0] * np.average(a, 0, w, True)[1],
)
_cw = np.array([1.0, 2.0, 1.0, 3.0, 2.0])
for _label, _kw in (
    ("plain", {}),
    ("rowvar_false", {"rowvar": False}),
    ("bias", {"bias": True}),
    ("ddof2", {"ddof": 2}),
    ("fweights", {"fweights": _cw}),
    ("fweights_aweights_ddof1", {"fweights": _cw, "aweights": _cw[::-1] / 3}),
    ("aweights_ddof0", {"aweights": _cw / 2, "ddof": 0}),
):
    _shape = (5, 3) if _kw.get("rowvar") is False else (3, 5)
    comp(
        "cov",
        _label,
        lambda m, _o=_kw: cr.cov(m, **{k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in _o.items()}),
        [normal(_shape)],
        ref=lambda m, _o=_kw: np.cov(m, **{k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in _o.items()}),
    )
comp("cov", "vector_and_y", lambda x, y: np.cov(x, y), [normal((5,)), normal((5,))], ref=lambda x, y: np.cov(x, y))
comp("cov", "one_row", lambda x: cr.cov(x), [normal((1, 4))], ref=np.cov)
comp(
    "cov",
    "aweights_tensor",
    lambda m, w: cr.cov(m, aweights=w, ddof=1),
    [normal((2, 5)), positive((5,))],
    ref=lambda m, w: np.cov(m, aweights=w.copy(), ddof=1),
)
comp("corrcoef", "matrix", lambda x: cr.corrcoef(x), [normal((3, 6))], ref=np.corrcoef)
comp(
    "corrcoef",
    "rowvar_false",
    lambda x: np.corrcoef(x, rowvar=False),
    [normal((6, 2))],
    ref=lambda x: np.corrcoef(x, rowvar=False),
)
comp("corrcoef", "x_y", lambda x, y: np.corrcoef(x, y), [normal((5,)), normal((5,))], ref=np.corrcoef)

# ---------------------------------------------------------------------------------------------------
# nanprod, nanvar, nanstd, nanmedian, nanquantile, nanpercentile, nanargmax, nanargmin (ops/nanstats.py)

_xnan3 = np.array(
    [
        [[0.5, np.nan, -1.3, 2.2], [np.nan, 0.1, 1.7, -0.4], [1.1, -2.0, np.nan, 0.75]],
        [[-0.9, 0.3, np.nan, 1.4], [2.6, np.nan, -1.1, 0.2], [np.nan, 1.9, -0.6, -1.7]],
    ]
)
for _name, _kws in (
    ("nanprod", [{}, {"initial": 2.0}, {"dtype": np.float64, "where": _xnan3[0] < 1}]),
    ("nanvar", [{}, {"ddof": 1}, {"dtype": np.float64}]),
    ("nanstd", [{}, {"ddof": 1}]),
    ("nanmedian", [{}]),
    ("nanquantile", [{"q": 0.3}, {"q": [0.0, 0.45, 1.0]}, {"q": 0.5}]),
    ("nanpercentile", [{"q": 62.5}, {"q": [10, 90]}]),
):
    for _axis in (None, 0, -1, 1, (0, 2)):
        for _keep in (False, True):
            for _kw in _kws:
                if _name == "nanprod" and "where" in _kw and _axis not in (None, -1, (0, 2)):
                    continue
                if "ddof" in _kw and _axis == 0:
                    continue  # (slices of two holding a NaN: count - ddof = 0, a NaN value)
                _kl = ",".join(f"{k}={v}" for k, v in _kw.items() if k != "where") + (
                    ",where" if "where" in _kw else ""
                )
                comp(
                    _name,
                    f"axis={_axis},keepdims={_keep},{_kl}",
                    lambda x, _a=_axis, _k=_keep, _o=_kw, _n=_name: getattr(cr, _n)(x, axis=_a, keepdims=_k, **_o),
                    [_xnan3.copy()],
                    ref=lambda x, _a=_axis, _k=_keep, _o=_kw, _n=_name: getattr(np, _n)(x, axis=_a, keepdims=_k, **_o),
                )
    comp(
        _name,
        "np_dispatch_no_nan",
        lambda x, _n=_name: (
            getattr(np, _n)(x, 0.4, axis=1) if "q" in _n or "perc" in _n else getattr(np, _n)(x, axis=1)
        ),
        [distinct((3, 4))],
        ref=lambda x, _n=_name: (
            getattr(np, _n)(x, 0.4, axis=1) if "q" in _n or "perc" in _n else getattr(np, _n)(x, axis=1)
        ),
    )
comp(
    "nanmedian", "even_counts", lambda x: cr.nanmedian(x, axis=1), [_xnan.copy()], ref=lambda x: np.nanmedian(x, axis=1)
)
comp("nanstd", "scalar", lambda x: cr.nanstd(x), [np.array(0.7)], ref=np.nanstd)
for _name in ("nanargmax", "nanargmin"):
    for _axis in (None, 0, -1):
        prim(
            _name,
            f"axis={_axis}",
            lambda x, _a=_axis, _n=_name: getattr(np, _n)(x, axis=_a),
            [_xnan.copy()],
            ref=lambda x, _a=_axis, _n=_name: getattr(np, _n)(x, axis=_a),
            differentiable=False,
        )
    prim(
        _name,
        "keepdims",
        lambda x, _n=_name: getattr(cr, _n)(x, axis=1, keepdims=True),
        [_xnan.copy()],
        ref=lambda x, _n=_name: getattr(np, _n)(x, axis=1, keepdims=True),
        differentiable=False,
    )

# ---------------------------------------------------------------------------------------------------
# cumulative_sum, cumulative_prod, trapezoid, ediff1d, gradient (ops/differences.py)

for _name, _dom in (("cumulative_sum", normal), ("cumulative_prod", positive)):
    for _shape, _axis in (((), None), ((5,), None), ((5,), -1), ((3, 4), 0), ((3, 4), 1), ((2, 3, 4), -2)):
        for _init in (False, True):
            comp(
                _name,
                f"{_s(_shape)},axis={_axis},include_initial={_init}",
                lambda x, _a=_axis, _i=_init, _n=_name: getattr(np, _n)(x, axis=_a, include_initial=_i),
                [_dom(_shape)],
                ref=lambda x, _a=_axis, _i=_init, _n=_name: getattr(np, _n)(x, axis=_a, include_initial=_i),
            )
for _shape, _axis in (((5,), -1), ((3, 4), 0), ((3, 4), -1), ((2, 3, 4), 1)):
    comp(
        "trapezoid",
        f"{_s(_shape)},axis={_axis},dx",
        lambda y, _a=_axis: np.trapezoid(y, dx=0.3, axis=_a),
        [normal(_shape)],
        ref=lambda y, _a=_axis: np.trapezoid(y, dx=0.3, axis=_a),
    )
    comp(
        "trapezoid",
        f"{_s(_shape)},axis={_axis},x1d",
        lambda y, x, _a=_axis: np.trapezoid(y, x, axis=_a),
        [normal(_shape), normal((_shape[_axis],))],
        ref=lambda y, x, _a=_axis: np.trapezoid(y, x, axis=_a),
    )
    comp(
        "trapezoid",
        f"{_s(_shape)},axis={_axis},xnd",
        lambda y, x, _a=_axis: cr.trapezoid(y, x, axis=_a),
        [normal(_shape), normal(_shape)],
        ref=lambda y, x, _a=_axis: np.trapezoid(y, x, axis=_a),
    )
comp("ediff1d", "plain", lambda a: np.ediff1d(a), [normal((2, 3))], ref=np.ediff1d)
comp(
    "ediff1d",
    "ends",
    lambda a, b, e: cr.ediff1d(a, to_end=e, to_begin=b),
    [normal((5,)), normal(()), normal((2,))],
    ref=lambda a, b, e: np.ediff1d(a, to_end=e, to_begin=b),
)
_coords = np.array([0.0, 0.4, 1.1, 1.5, 2.6])
for _label, _fn in (
    ("1d", lambda f: np.gradient(f)),
    ("1d_edge2", lambda f: np.gradient(f, 0.5, edge_order=2)),
    ("1d_coords", lambda f: np.gradient(f, _coords)),
    ("1d_coords_edge2", lambda f: np.gradient(f, _coords, edge_order=2)),
):
    comp("gradient", _label, _fn, [normal((5,))], ref=_fn)
comp(
    "gradient",
    "2d_axes",
    lambda f: cr.stack(np.gradient(f, 0.5, _coords[:4], edge_order=2)),
    [normal((3, 4))],
    ref=lambda f: np.stack(np.gradient(f, 0.5, _coords[:4], edge_order=2)),
)
comp(
    "gradient", "axis-1", lambda f: np.gradient(f, axis=-1), [normal((2, 3, 4))], ref=lambda f: np.gradient(f, axis=-1)
)

# ---------------------------------------------------------------------------------------------------
# rollaxis, unwrap, linspace, logspace, geomspace (ops/ranges.py)

for _axis, _start in ((0, 0), (2, 0), (0, 3), (-1, 1), (1, 3), (1, 2), (0, -1)):
    comp(
        "rollaxis",
        f"axis={_axis},start={_start}",
        lambda a, _x=_axis, _s=_start: np.rollaxis(a, _x, _s),
        [normal((2, 3, 4))],
        ref=lambda a, _x=_axis, _s=_start: np.rollaxis(a, _x, _s),
    )
_phase = np.cumsum(np.array([[0.3, 2.9, -3.5, 4.1, 0.2, -6.9], [1.0, -2.2, 5.1, 0.4, -4.8, 3.3]]), axis=1)
for _label, _fn in (
    ("last", lambda p: np.unwrap(p)),
    ("axis0", lambda p: np.unwrap(p, axis=0)),
    ("period", lambda p: np.unwrap(p, discont=2.0, period=3.0)),
):
    comp("unwrap", _label, _fn, [_phase], ref=_fn)
for _num, _ep in ((5, True), (4, False), (1, True), (2, True)):
    for _ss, _ts, _axis in (((), (), 0), ((3,), (2, 3), -1), ((2, 1), (3,), 1)):
        _tag = f"num={_num},endpoint={_ep},{_s(_ss)},{_s(_ts)},axis={_axis}"
        comp(
            "linspace",
            _tag,
            lambda a, b, _n=_num, _e=_ep, _x=_axis: np.linspace(a, b, _n, _e, axis=_x),
            [normal(_ss), normal(_ts)],
            ref=lambda a, b, _n=_num, _e=_ep, _x=_axis: np.linspace(a, b, _n, _e, axis=_x),
        )
        comp(
            "logspace",
            _tag,
            lambda a, b, _n=_num, _e=_ep, _x=_axis: np.logspace(a, b, _n, _e, base=2.5, axis=_x),
            [normal(_ss), normal(_ts)],
            ref=lambda a, b, _n=_num, _e=_ep, _x=_axis: np.logspace(a, b, _n, _e, base=2.5, axis=_x),
        )
        comp(
            "geomspace",
            _tag,
            lambda a, b, _n=_num, _e=_ep, _x=_axis: np.geomspace(a, b, _n, _e, axis=_x),
            [positive(_ss), positive(_ts)],
            ref=lambda a, b, _n=_num, _e=_ep, _x=_axis: np.geomspace(a, b, _n, _e, axis=_x),
        )
comp(
    "linspace",
    "retstep",
    lambda a, b: np.linspace(a, b, 6, retstep=True)[1] * np.linspace(a, b, 6, retstep=True)[0],
    [normal((2,)), normal((2,))],
    ref=lambda a, b: np.linspace(a, b, 6, retstep=True)[1] * np.linspace(a, b, 6, retstep=True)[0],
)
comp(
    "logspace",
    "tensor_base",
    lambda a, b, base: np.logspace(a, b, 4, base=base),
    [normal((3,)), normal((3,)), positive((3,))],
    ref=lambda a, b, base: np.logspace(a, b, 4, base=base),
)
comp(
    "logspace",
    "tensor_base_axis1",
    lambda a, b, base: np.logspace(a, b, 4, base=base, axis=1),
    [normal((2, 1)), normal((3,)), positive((2, 3))],
    ref=lambda a, b, base: np.logspace(a, b, 4, base=base, axis=1),
)
comp(
    "geomspace",
    "negative",
    lambda a, b: np.geomspace(a, b, 5),
    [-positive((3,)), -positive((3,))],
    ref=lambda a, b: np.geomspace(a, b, 5),
)

# ---------------------------------------------------------------------------------------------------
# np.polyadd, polysub, polymul, polyder, polyint, polydiv, poly (ops/polyutils.py)

for _la, _lb in ((3, 3), (2, 5), (5, 1), (1, 1)):
    for _name in ("polyadd", "polysub", "polymul"):
        comp(
            _name,
            f"{_la},{_lb}",
            lambda a, b, _n=_name: getattr(np, _n)(a, b),
            [away((_la,)), away((_lb,))],
            ref=lambda a, b, _n=_name: getattr(np, _n)(a, b),
        )
    # (the quotient and the true remainder, the last len(b) - 1 terms: the leading terms before them are rounding
    # noise that NumPy trims or not by their size, which differs between dtypes)
    comp(
        "polydiv",
        f"{_la},{_lb}",
        lambda a, b, _k=_lb - 1: cr.concatenate([(qr := np.polydiv(a, b))[0], qr[1][qr[1].shape[0] - _k :]]),
        [normal((_la,)), away((_lb,), gap=0.5)],
        ref=lambda a, b, _k=_lb - 1: np.concatenate([(qr := np.polydiv(a, b))[0], qr[1][qr[1].shape[0] - _k :]]),
    )
comp("polyadd", "scalar", lambda a, b: np.polyadd(a, b), [normal(()), normal((3,))], ref=np.polyadd)
for _m in (0, 1, 2, 4):
    comp(
        "polyder", f"m={_m}", lambda p, _m=_m: np.polyder(p, _m), [normal((5,))], ref=lambda p, _m=_m: np.polyder(p, _m)
    )
    comp(
        "polyint", f"m={_m}", lambda p, _m=_m: np.polyint(p, _m), [normal((4,))], ref=lambda p, _m=_m: np.polyint(p, _m)
    )
    comp(
        "polyint",
        f"m={_m},k",
        lambda p, k, _m=_m: np.polyint(p, _m, k),
        [normal((4,)), normal((max(_m, 1),))],
        ref=lambda p, k, _m=_m: np.polyint(p, _m, k),
    ) if _m else None
comp(
    "polyint",
    "m=3,k1",
    lambda p, k: np.polyint(p, 3, k),
    [normal((4,)), normal((1,))],
    ref=lambda p, k: np.polyint(p, 3, k),
)
for _n in (1, 2, 5):
    comp("poly", f"{_n}", lambda z: np.poly(z), [normal((_n,))], ref=np.poly)

# ---------------------------------------------------------------------------------------------------
# np.intersect1d, union1d, setdiff1d, setxor1d (ops/setops.py): shared values are built from the same input, so
# that finite differences move every copy together (a value's gradient goes to its first occurrence)


def _cat(*xs: Any) -> Any:
    return cr.concatenate(xs) if any(isinstance(x, cr.Tensor) for x in xs) else np.concatenate(xs)


_SETS = {
    "intersect1d": lambda a, b: np.intersect1d(_cat(a, a[:2]), _cat(np.ravel(b), a[1:4])),
    "intersect1d_unique": lambda a, b: np.intersect1d(a, _cat(b[:, 0], a[2:5]), assume_unique=True),
    "intersect1d_indices": lambda a, b: np.intersect1d(a, _cat(a[3:], b[0]), return_indices=True)[0],
    "union1d": lambda a, b: np.union1d(_cat(a, a[:2]), _cat(b[0], a[1:3])),
    "setxor1d": lambda a, b: np.setxor1d(_cat(a, a[:1]), _cat(b[1], a[2:4])),
    "setxor1d_unique": lambda a, b: np.setxor1d(a, _cat(b[1], a[2:4]), assume_unique=True),
}
for _label, _fn in _SETS.items():
    comp(_label.split("_")[0], _label, _fn, [distinct((6,)), distinct((2, 3)) + 5.0], ref=_fn)
comp(
    "setdiff1d",
    "plain",
    lambda a, b: np.setdiff1d(_cat(a, a[:2]), _cat(b, a[1:3])),
    [distinct((6,)), np.array([10.0, 11.0])],
    wrt=[0],
    ref=lambda a, b: np.setdiff1d(_cat(a, a[:2]), _cat(b, a[1:3])),
)
comp(
    "setdiff1d",
    "unique",
    lambda a, b: np.setdiff1d(a, _cat(b, np.ravel(a)[1:3]), assume_unique=True),
    [distinct((2, 3)), np.array([10.0])],
    wrt=[0],
    ref=lambda a, b: np.setdiff1d(a, _cat(b, np.ravel(a)[1:3]), assume_unique=True),
)

# helper G: NumPy's integer-only ufuncs and isnat (ops/bitwise.py): tensors without gradient, as NumPy's values

_ints = np.array([[0, 3, -7], [12, 255, -1]])
_sh = np.array([[0, 1, 2], [3, 4, 5]])
for _name in ("bitwise_and", "bitwise_or", "bitwise_xor", "gcd", "lcm"):
    prim(_name, "int", getattr(cr, _name), [_ints, np.array([5, -6, 9])], ref=getattr(np, _name), differentiable=False)
    prim(_name, "numpy_route", lambda x, y, _n=_name: getattr(np, _n)(x, y), [_ints, np.array(6)],
         ref=getattr(np, _name), differentiable=False)  # fmt: skip
for _name in ("bitwise_and", "bitwise_or", "bitwise_xor"):
    prim(_name, "bool", getattr(cr, _name), [_ints > 0, np.array([True, False, True])], ref=getattr(np, _name),
         differentiable=False)  # fmt: skip
for _name in ("left_shift", "right_shift"):
    prim(_name, "int", getattr(cr, _name), [_ints, _sh], ref=getattr(np, _name), differentiable=False)
    prim(_name, "numpy_route", lambda x, _n=_name: getattr(np, _n)(x, 2), [_ints], ref=lambda x, _n=_name: getattr(np, _n)(x, 2),
         differentiable=False)  # fmt: skip
for _name in ("invert", "bitwise_count"):
    prim(_name, "int", getattr(cr, _name), [_ints], ref=getattr(np, _name), differentiable=False)
    prim(_name, "uint8_scalar", getattr(cr, _name), [np.array(200, dtype=np.uint8)], ref=getattr(np, _name),
         differentiable=False)  # fmt: skip
prim("invert", "bool", lambda x: ~x, [_ints > 0], ref=np.invert, differentiable=False)
_dates = np.array(["2020-01-01", "NaT", "1999-12-31"], dtype="datetime64[D]")
prim("isnat", "datetime", cr.isnat, [_dates], ref=np.isnat, differentiable=False)
prim("isnat", "timedelta", lambda x: np.isnat(x), [np.array([1, "NaT"], dtype="timedelta64[s]")], ref=np.isnat,
     differentiable=False)  # fmt: skip

# ---------------------------------------------------------------------------------------------------
# helper G: bincount, histogram's weighted counts and its edges (ops/histograms.py); data kept away from the edges

_hx = np.array([0, 3, 1, 3, 3, 0, 5])
prim("bincount", "weights", lambda x, w: cr.bincount(x, w), [_hx, normal((7,))], ref=lambda x, w: np.bincount(x, w))
prim("bincount", "minlength_numpy_route", lambda x, w: np.bincount(x, weights=w, minlength=9), [_hx, normal((7,))],
     ref=lambda x, w: np.bincount(x, w, minlength=9))  # fmt: skip
_ha = np.array([-1.3, 0.23, 0.9, -0.47, 2.1, 1.4, -0.05, 0.63, 1.85, -0.83])
for _label, _opts in (("bins=10", {}), ("bins=3", {"bins": 3}), ("range", {"range": (-1.0, 1.0)}),
                      ("edges", {"bins": [-1.0, 0.0, 0.5, 3.0]}), ("auto", {"bins": "auto"})):  # fmt: skip
    if _label != "auto":
        prim("histogram_weights", _label, lambda a, w, _o=_opts: np.histogram(a, weights=w, **_o)[0],
             [_ha, positive((10,))], wrt=(1,), ref=lambda a, w, _o=_opts: np.histogram(a, weights=w, **_o)[0])  # fmt: skip
        comp(
            "histogram",
            f"density,{_label}",
            lambda a, w, _o=_opts: np.histogram(a, weights=w, density=True, **_o)[0],
            [_ha, positive((10,))],
            ref=lambda a, w, _o=_opts: np.histogram(a, weights=w, density=True, **_o)[0],
            wrt=(1,) if _label in ("range", "edges") else (0, 1),
        )  # fmt: skip (constant edges: nothing reaches a)
    if not isinstance(_opts.get("bins"), list) and "range" not in _opts:
        prim("histogram_edges", _label, lambda a, _o=_opts: np.histogram_bin_edges(a, **_o), [_ha],
             ref=lambda a, _o=_opts: np.histogram_bin_edges(a, **_o))  # fmt: skip
prim("histogram_edges", "matrix_np_histogram", lambda a: np.histogram(a, bins=4)[1], [_ha.reshape(2, 5)],
     ref=lambda a: np.histogram(a, bins=4)[1])  # fmt: skip
# (equal values, where NumPy widens the range by 0.5 each way, are pinned in tests/test_histograms.py: finite
# differences there step off the tie)
comp("histogram", "density_unweighted", lambda a: np.histogram(a, bins=4, density=True)[0], [_ha],
     ref=lambda a: np.histogram(a, bins=4, density=True)[0])  # fmt: skip
comp(
    "histogram_bin_edges",
    "bins=6",
    lambda a: cr.histogram_bin_edges(a, 6),
    [_ha],
    ref=lambda a: np.histogram_bin_edges(a, 6),
)
_hs = np.stack([_ha, np.array([0.31, -1.12, 0.58, 1.77, -0.29, 0.96, 1.23, -0.71, 0.04, 1.49])], axis=1)
for _label, _opts in (("bins=3", {"bins": 3}), ("bins=2,4", {"bins": (2, 4)}),
                      ("edges", {"bins": [np.array([-1.0, 0.0, 0.5, 3.0]), 2]})):  # fmt: skip
    prim("histogramdd_weights", _label, lambda s, w, _o=_opts: np.histogramdd(s, weights=w, **_o)[0],
         [_hs, positive((10,))], wrt=(1,), ref=lambda s, w, _o=_opts: np.histogramdd(s, weights=w, **_o)[0])  # fmt: skip
    comp("histogramdd", f"density,{_label}", lambda s, w, _o=_opts: np.histogramdd(s, weights=w, density=True, **_o)[0],
         [_hs, positive((10,))], ref=lambda s, w, _o=_opts: np.histogramdd(s, weights=w, density=True, **_o)[0])  # fmt: skip
comp("histogram2d", "density", lambda x, y, w: np.histogram2d(x, y, bins=(3, 2), weights=w, density=True)[0],
     [_hs[:, 0].copy(), _hs[:, 1].copy(), positive((10,))],
     ref=lambda x, y, w: np.histogram2d(x, y, bins=(3, 2), weights=w, density=True)[0])  # fmt: skip
comp("histogram2d", "yedges", lambda x, y: np.histogram2d(x, y, bins=4)[2], [_hs[:, 0].copy(), _hs[:, 1].copy()],
     ref=lambda x, y: np.histogram2d(x, y, bins=4)[2], wrt=(1,))  # fmt: skip
