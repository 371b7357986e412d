"""Function transforms: derivatives of functions of arrays, as JAX and HIPS autograd offer them.

>>> import numpy as np
>>> import chainrule as cr
>>> f = lambda x: np.sum(np.sin(x) * x)          # plain NumPy code: np.* on tensors records the graph
>>> g = cr.grad(f)(np.array([0.0, 1.0]))         # sin(x) + x cos(x)
>>> np.round(g, 6)
array([0.      , 1.381773])

What they take and give back
    Inputs are NumPy arrays, Python numbers, chainrule Tensors, or nested lists / tuples / dicts of them
    ("pytrees"); a gradient has the structure of its input. Integer (and boolean) inputs are promoted to
    float64 before differentiating, so ``cr.grad(f)(3)`` is a float gradient, never an integer one. Results
    are NumPy arrays (0-d results are NumPy scalars) when the inputs are NumPy values; Tensors when you pass
    Tensors (a Tensor that requires a gradient gives results that are part of its graph), and also when ``f``
    uses tensors that require a gradient, such as a model's parameters: the results stay connected to them.

How they work
    ``grad``/``vjp``/``jacobian(mode="rev")`` run ``f`` on fresh Tensors that require a gradient and send
    the output's cotangent back through the recorded graph with :func:`chainrule.engine.backprop`.
    ``jvp``/``jacobian(mode="fwd")`` run ``f`` once on :class:`~chainrule.forward.Dual` values (true forward
    mode: no graph). Transforms nest in any order: ``grad(grad(f))``, ``jacobian(grad(f))``,
    ``jvp(grad(f), ...)``, ``grad`` of ``jvp``. Inside another transform the backward pass is recorded
    (``create_graph``) so that the outer transform can differentiate it; forward-mode tangents that reach
    reverse mode are split into their parts, each differentiated on its own (the mixed partial derivatives
    commute, so the parts of the gradient are exactly the tangents of the gradient).
"""

from __future__ import annotations

import warnings
import weakref
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import ops as _ops
from ._pytree import tree_flatten, tree_unflatten
from .engine import Node, backprop, enable_grad, toposort
from .errors import DtypeError, NonScalarOutputError, ShapeError
from .forward import TRANSFORMS, Dual, end_level, make_dual, new_level
from .tensor import Op, Tensor, _wrap_cached


class IndependentOutputWarning(UserWarning):
    """The output of a differentiated function does not depend on the inputs being differentiated."""


# the edge from an outer graph into a transform's own input variable (see _make_var)
_IDENTITY = Op("identity", lambda x: x, vjp=lambda g, ans, x: g, jvp="linear", register=False)


def _data_of(x: Any) -> Any:
    return x._data if isinstance(x, Tensor) else x


def _promote(x: Any, who: str) -> Any:
    """A leaf to differentiate, as a floating array, Tensor or Dual (integers become float64)."""
    if isinstance(x, Tensor):
        if x._data.dtype.kind == "f":
            return x
        arr = x._data
    else:
        arr = np.asarray(x)
    if arr.dtype.kind == "f":
        return arr
    if arr.dtype.kind == "c":  # (the rules are written for real numbers: no conjugates anywhere)
        raise DtypeError(
            f"{who}: cannot differentiate with respect to a complex value (dtype {arr.dtype}): chainrule's gradient "
            "rules are for real numbers (they take no conjugates); keep the real and imaginary parts as two real values"
        )
    if isinstance(x, Tensor):
        return Tensor._wrap(arr.astype(np.float64), None, False)
    if arr.dtype.kind not in "biu":
        raise DtypeError(f"{who}: cannot differentiate with respect to a value of dtype {arr.dtype}; give numbers")
    return arr.astype(np.float64)


def _make_var(leaf: Any, cuts: list[Node], who: str) -> tuple[Any, Tensor]:
    """The value ``f`` receives in place of ``leaf``, and the reverse-mode variable at its bottom.

    A dual keeps its tangents; the value underneath becomes a Tensor that requires a gradient. Where that
    value is already part of an enclosing graph, the variable is joined to it by an identity node, so that
    what this transform returns stays differentiable by the enclosing one; the node is cut off during this
    transform's own backward passes so that they never walk (or free, or fire hooks in) the outer graph.
    """
    x = _promote(leaf, who)
    chain = []
    while type(x) is Dual:
        chain.append(x)
        x = x._primal
    if isinstance(x, Tensor) and x.requires_grad:
        node = Node(_IDENTITY, (x,), (x._data,), {}, x._data, (x._node or x,))
        var = Tensor._wrap(x._data, node, True)
        cuts.append(node)
    else:
        var = Tensor._wrap(np.asarray(_data_of(x)), None, True)
        _INTERNAL_VARS[id(var)] = var
    bottom = var
    for d in reversed(chain):
        var = make_dual(d._level, var, d._tangent)
    return var, bottom


def _dual_flatten(v: Any) -> tuple[list[Any], list[int | None]]:
    """The plain components of a (possibly nested) dual, and the levels to rebuild it (preorder)."""
    leaves, spec, stack = [], [], [v]
    while stack:
        x = stack.pop()
        if type(x) is Dual:
            spec.append(x._level)
            stack.append(x._tangent)
            stack.append(x._primal)
        else:
            spec.append(None)
            leaves.append(x)
    return leaves, spec


def _dual_unflatten(spec: list[int | None], leaves: list[Any]) -> Any:
    stack: list[Any] = []
    li = len(leaves)
    for level in reversed(spec):
        if level is None:
            li -= 1
            stack.append(leaves[li])
        else:
            primal = stack.pop()
            tangent = stack.pop()
            stack.append(make_dual(level, primal, tangent))
    return stack[0]


def _add(a: Any, b: Any) -> Any:
    if a is None:
        return b
    if type(a) is np.ndarray and type(b) is np.ndarray:
        return a + b
    return _ops.add(a, b)


class _Pullback:
    """Sends cotangents of ``f``'s outputs back to its input variables (one or more backward passes)."""

    def __init__(self, bottoms: list[Tensor], cuts: list[Node], create: bool) -> None:
        self.bottoms = bottoms
        self.cuts = cuts
        self.create = create
        self.targets = [b._node if b._node is not None else b for b in bottoms]

    def _backward(self, root: Tensor, seed: Any) -> list[Any]:
        saved = [n.parents for n in self.cuts]
        for n in self.cuts:
            n.parents = (None,)
        try:
            if self.create:
                if not isinstance(seed, Tensor):
                    seed = Tensor._wrap(np.asarray(seed, dtype=root._data.dtype), None, False)
                with enable_grad():
                    found = backprop(
                        root._node, seed, retain_graph=True, create_graph=True, wrap=_wrap_cached, targets=self.targets
                    )
            else:
                seed = np.asarray(_data_of(seed), dtype=root._data.dtype)
                found = backprop(root._node, seed, retain_graph=True, targets=self.targets)
        finally:
            for n, p in zip(self.cuts, saved, strict=True):
                n.parents = p
        return [found.get(id(t)) for t in self.targets]

    def __call__(self, outs: Sequence[Any], cts: Sequence[Any]) -> tuple[list[Any], bool]:
        """Gradients of ``sum_k <outs[k], cts[k]>`` for every variable, and whether any output was connected."""
        with enable_grad():  # the products with dual cotangents must be recorded, also under no_grad()
            return self._pull(outs, cts)

    def _pull(self, outs: Sequence[Any], cts: Sequence[Any]) -> tuple[list[Any], bool]:
        total: list[Any] = [None] * len(self.bottoms)
        connected = False
        dual_terms = []
        for o, ct in zip(outs, cts, strict=True):
            if ct is None:
                continue
            if type(o) is Dual or type(ct) is Dual:
                dual_terms.append(_ops.sum(_ops.multiply(o, ct)))
            elif isinstance(o, Tensor) and o._node is not None:
                connected = True
                for b, g in enumerate(self._backward(o, ct)):
                    if g is not None:
                        total[b] = _add(total[b], g)
            elif isinstance(o, Tensor):
                # NOTE: an output that is an input variable itself (f returned its argument): no node to walk
                # back from, but the cotangent is that variable's gradient
                for b, bottom in enumerate(self.bottoms):
                    if o is bottom:
                        connected = True
                        total[b] = _add(total[b], ct if isinstance(ct, Tensor) else np.array(ct))  # (a copy)
        if dual_terms:
            s = dual_terms[0]
            for term in dual_terms[1:]:
                s = _ops.add(s, term)
            # each plain component of the dual is differentiated on its own; the gradients are
            # reassembled into a dual of the same shape (its tangents are the tangents of the gradient)
            parts, spec = _dual_flatten(s)
            per_part = []
            for part in parts:
                if isinstance(part, Tensor) and part._node is not None:
                    connected = True
                    per_part.append(self._backward(part, np.ones(part.shape)))
                else:
                    per_part.append([None] * len(self.bottoms))
            for b in range(len(self.bottoms)):
                pieces = [g[b] if g[b] is not None else self._zeros(b) for g in per_part]
                total[b] = _add(total[b], _dual_unflatten(spec, pieces))
        return [g if g is not None else self._zeros(b) for b, g in enumerate(total)], connected

    def _zeros(self, b: int) -> np.ndarray:
        d = self.bottoms[b]._data
        return np.zeros(d.shape, dtype=d.dtype)


# ---------------------------------------------------------------------------------------------------
# Tracing f for reverse mode


def _argnums(argnums: int | Sequence[int], nargs: int, who: str) -> tuple[int, ...]:
    nums = (argnums,) if isinstance(argnums, (int, np.integer)) else tuple(argnums)
    for a in nums:
        if not isinstance(a, (int, np.integer)) or not -nargs <= a < nargs:
            raise ValueError(f"{who}: argnums={argnums!r} does not name a positional argument of the {nargs} given")
    return tuple(int(a) % nargs for a in nums)


class _Trace:
    """``f`` run on variables for the chosen arguments: its output and the way back from it."""

    def __init__(self, f: Callable, args: tuple, kwargs: dict, argnums: tuple[int, ...], who: str) -> None:
        args = list(args)
        user_leaves = tree_flatten((args, kwargs))[0]
        self.nested = TRANSFORMS.depth > 0
        self.tensor_inputs = any(isinstance(x, Tensor) for x in user_leaves)
        cuts: list[Node] = []
        self.specs, self.counts, bottoms = [], [], []
        for a in argnums:
            leaves, spec = tree_flatten(args[a])
            made = [_make_var(x, cuts, who) for x in leaves]
            args[a] = tree_unflatten(spec, [v for v, _ in made])
            bottoms.extend(b for _, b in made)
            self.specs.append(spec)
            self.counts.append(len(made))
        # record the backward pass when an enclosing transform (or graph) will differentiate the result
        create = self.nested or bool(cuts) or any(type(x) is Dual for x in user_leaves)
        self.pullback = _Pullback(bottoms, cuts, create)
        TRANSFORMS.depth += 1
        try:
            with enable_grad():
                self.out = f(*args, **kwargs)
        finally:
            TRANSFORMS.depth -= 1
        self.argnums = argnums
        if not create and _reaches_other_leaves(self.out, bottoms):
            # f closed over tensors that require a gradient (a model's parameters): keep the results
            # connected to them, as Tensors, so that a later backward reaches those tensors too
            self.pullback.create = True
            self.tensor_inputs = True

    def regroup(self, grads: list[Any]) -> list[Any]:
        """Per-variable gradients back into one tree per differentiated argument."""
        out, i = [], 0
        for spec, n in zip(self.specs, self.counts, strict=True):
            out.append(tree_unflatten(spec, grads[i : i + n]))
            i += n
        return out

    def export(self, tree: Any) -> Any:
        """Results as the caller expects them: internal values when nested, else arrays or Tensors."""
        if self.nested:
            return tree
        leaves, spec = tree_flatten(tree)
        conv = _as_tensor if self.tensor_inputs else _as_numpy
        return tree_unflatten(spec, [conv(x) for x in leaves])


def _reaches_other_leaves(out: Any, bottoms: list[Tensor]) -> bool:
    """Whether the graph behind ``out`` reaches a tensor requiring a gradient other than ``bottoms``."""
    ours = {id(b) for b in bottoms}
    for leaf in tree_flatten(out)[0]:
        node = leaf._node if isinstance(leaf, Tensor) else None
        if node is None:
            continue
        for n in toposort(node):
            for p in n.parents:
                if p is not None and type(p) is not Node and id(p) not in ours:
                    return True
    return False


#: the variables transforms create for plain (non-Tensor) inputs: a result connected only to these is not the
#: user's graph, so it is handed back as NumPy arrays
_INTERNAL_VARS: weakref.WeakValueDictionary[int, Tensor] = (
    weakref.WeakValueDictionary()
)  # by id: Tensor's == is elementwise


def _internal(t: Any) -> bool:
    return _INTERNAL_VARS.get(id(t)) is t


def _reaches_user_leaf(t: Tensor) -> bool:
    """Whether ``t``'s graph reaches a tensor requiring a gradient that the user made (not a transform)."""
    if t._node is None:
        return t.requires_grad and not _internal(t)
    for n in toposort(t._node):
        for p in n.parents:
            if p is not None and type(p) is not Node and not _internal(p):
                return True
    return False


def _as_numpy(x: Any) -> Any:
    if isinstance(x, Tensor):
        x = x._data
    if isinstance(x, np.ndarray):
        if x.ndim == 0:
            return x[()]
        if x.base is not None or not x.flags.writeable:
            return x.copy()
    return x


def _as_tensor(x: Any) -> Any:
    if isinstance(x, Tensor):
        return x
    if isinstance(x, np.ndarray):
        return Tensor._wrap(x, None, False)
    return x


def _scalar_output(out: Any, who: str) -> Any:
    if isinstance(out, (list, tuple, dict)):
        raise NonScalarOutputError(
            f"{who}: f must return a single scalar, but it returned a {type(out).__name__}. Return one number "
            "(or use has_aux=True to return (value, extra)); for several outputs use cr.jacobian(f)"
        )
    data = np.asarray(_data_of(out))
    if data.size != 1:
        raise NonScalarOutputError(
            f"{who}: f must return a scalar (one number), but it returned shape {data.shape}. For the "
            "derivatives of every output use cr.jacobian(f); to differentiate the sum use "
            "cr.grad(lambda x: f(x).sum()); for a function applied elementwise use cr.elementwise_grad(f)"
        )
    _check_float_output(data, who)
    return out


def _check_float_output(data: np.ndarray, who: str) -> None:
    if data.dtype.kind not in "fc":
        raise DtypeError(
            f"{who}: f returned a value of dtype {data.dtype}; gradients need a floating-point output. An "
            "integer or boolean output has no gradient (did f round, compare, or take an argmax?)"
        )


def _warn_independent(who: str) -> None:
    warnings.warn(
        f"{who}: the output of f does not depend on the inputs being differentiated, so the gradient is zero. "
        "If you expected it to, look for a step that leaves the graph: float(), .item(), np.asarray(), .data, "
        ".numpy(), .detach(), or an operation without a gradient (floor, round, argmax, comparisons)",
        IndependentOutputWarning,
        stacklevel=3,
    )


def _one_like(out: Any) -> np.ndarray:
    data = np.asarray(_data_of(out))
    return np.ones(data.shape, dtype=data.dtype)


# ---------------------------------------------------------------------------------------------------
# The transforms


def value_and_grad(
    f: Callable[..., Any], argnums: int | Sequence[int] = 0, has_aux: bool = False, *, _who: str = "cr.value_and_grad"
) -> Callable[..., Any]:
    """A function returning ``(f(*args), gradient)`` — the value and the gradient in one pass.

    ``argnums`` picks the argument(s) to differentiate (a tuple gives a tuple of gradients). With
    ``has_aux=True``, ``f`` returns ``(value, aux)`` and the result is ``((value, aux), gradient)``.
    Handy for ``scipy.optimize.minimize(..., jac=True)``.

    >>> import chainrule as cr
    >>> cr.value_and_grad(lambda x: x ** 3)(2.0)
    (np.float64(8.0), np.float64(12.0))
    """
    who = _who  # errors name the transform the user called (cr.grad builds on this one)

    def value_and_grad_f(*args: Any, **kwargs: Any) -> Any:
        nums = _argnums(argnums, len(args), who)
        tr = _Trace(f, args, kwargs, nums, who)
        out = tr.out
        if has_aux:
            if not (isinstance(out, (tuple, list)) and len(out) == 2):
                raise ValueError(f"{who}: with has_aux=True, f must return a pair (value, aux)")
            out, aux = out
        _scalar_output(out, who)
        grads, connected = tr.pullback([out], [_one_like(out)])
        if not connected and not tr.nested:
            _warn_independent(who)
        trees = tr.regroup(grads)
        g = trees[0] if isinstance(argnums, (int, np.integer)) else tuple(trees)
        value = (out, aux) if has_aux else out
        return tr.export(value), tr.export(g)

    value_and_grad_f.__doc__ = f"Value and gradient of {getattr(f, '__name__', 'f')}."
    return value_and_grad_f


def grad(f: Callable[..., Any], argnums: int | Sequence[int] = 0, has_aux: bool = False) -> Callable[..., Any]:
    """The gradient of scalar-valued ``f`` with respect to argument ``argnums``, as a function.

    >>> import chainrule as cr
    >>> df = cr.grad(lambda x: x ** 3)
    >>> df(2.0), cr.grad(df)(2.0)              # 3x**2 and 6x; transforms nest
    (np.float64(12.0), np.float64(12.0))

    A non-scalar output raises :class:`~chainrule.errors.NonScalarOutputError` (use ``jacobian`` or
    ``.sum()``). With ``has_aux=True``, ``f`` returns ``(value, aux)`` and the result is ``(gradient, aux)``.
    """
    vg = value_and_grad(f, argnums, has_aux, _who="cr.grad")

    def grad_f(*args: Any, **kwargs: Any) -> Any:
        value, g = vg(*args, **kwargs)
        return (g, value[1]) if has_aux else g

    grad_f.__doc__ = f"Gradient of {getattr(f, '__name__', 'f')}."
    return grad_f


def vjp(f: Callable[..., Any], *primals: Any, has_aux: bool = False) -> Any:
    """``(f(*primals), vjp_fn)``: ``vjp_fn(ct)`` gives ``ct^T J`` for each primal (a tuple), reusable.

    >>> import numpy as np, chainrule as cr
    >>> out, back = cr.vjp(lambda x: x * np.array([1.0, 2.0]), np.array([3.0, 4.0]))
    >>> back(np.array([1.0, 1.0]))
    (array([1., 2.]),)
    """
    who = "cr.vjp"
    tr = _Trace(f, primals, {}, tuple(range(len(primals))), who)
    out = tr.out
    aux = None
    if has_aux:
        out, aux = out
    out_leaves, out_spec = tree_flatten(out)
    for o in out_leaves:
        _check_float_output(np.asarray(_data_of(o)), who)

    def vjp_fn(ct: Any) -> tuple[Any, ...]:
        ct_leaves, ct_spec = tree_flatten(ct)
        if ct_spec != out_spec:
            raise ShapeError(f"{who}: the cotangent's structure does not match the output of f")
        cts = [_cotangent(c, o, who) for c, o in zip(ct_leaves, out_leaves, strict=True)]
        grads, _ = tr.pullback(out_leaves, cts)
        return tuple(tr.export(g) for g in tr.regroup(grads))

    if has_aux:
        return tr.export(out), vjp_fn, tr.export(aux)
    return tr.export(out), vjp_fn


def _cotangent(c: Any, like: Any, who: str) -> Any:
    shape = np.shape(_data_of(like))
    if np.shape(_data_of(c)) != shape:
        raise ShapeError(
            f"{who}: a cotangent has shape {np.shape(_data_of(c))} but the output it belongs to has shape {shape}"
        )
    if isinstance(c, Tensor):
        return c
    return np.asarray(c, dtype=np.result_type(_data_of(like)))


def _jvp_core(f: Callable, args: tuple, kwargs: dict, argnums: tuple[int, ...], tangents: Sequence[Any], who: str):
    """Run ``f`` once with duals for ``args[argnums]``; return (output spec, primal leaves, tangent leaves)."""
    level = new_level()
    TRANSFORMS.depth += 1
    try:
        args = list(args)
        for a, tan in zip(argnums, tangents, strict=True):
            p_leaves, p_spec = tree_flatten(args[a])
            t_leaves, t_spec = tree_flatten(tan)
            if p_spec != t_spec:
                raise ShapeError(f"{who}: the tangents' structure does not match the primals' (argument {a})")
            duals = []
            for p, t in zip(p_leaves, t_leaves, strict=True):
                p = _promote(p, who)
                duals.append(make_dual(level, p, _tangent(t, p, who)))
            args[a] = tree_unflatten(p_spec, duals)
        out = f(*args, **kwargs)
        leaves, spec = tree_flatten(out)
        primals_out, tangents_out = [], []
        for o in leaves:
            if type(o) is Dual and o._level == level:
                primals_out.append(o._primal)
                tangents_out.append(o._tangent)
            else:  # this output does not depend on the inputs: its tangent is zero
                primals_out.append(o)
                data = np.asarray(_data_of(o))
                dtype = data.dtype if data.dtype.kind in "fc" else np.float64
                tangents_out.append(np.zeros(data.shape, dtype=dtype))
    finally:
        TRANSFORMS.depth -= 1
        end_level()
    return spec, primals_out, tangents_out


def _tangent(t: Any, p: Any, who: str) -> Any:
    shape = np.shape(_data_of(p))
    if np.shape(_data_of(t)) != shape:
        raise ShapeError(f"{who}: a tangent has shape {np.shape(_data_of(t))} but its primal has shape {shape}")
    if isinstance(t, Tensor):
        return t
    return np.asarray(t, dtype=np.result_type(_data_of(p)))


def _exporter(args: Sequence[Any], outs: Sequence[Any] = ()) -> Callable[[Any], Any]:
    """How forward-mode results are handed back (see :meth:`_Trace.export`)."""
    if TRANSFORMS.depth > 0:
        return lambda tree: tree
    tensors = any(isinstance(x, Tensor) for x in tree_flatten(list(args))[0]) or any(
        isinstance(x, Tensor) and x.requires_grad and _reaches_user_leaf(x) for x in outs
    )
    conv = _as_tensor if tensors else _as_numpy

    def export(tree: Any) -> Any:
        leaves, spec = tree_flatten(tree)
        return tree_unflatten(spec, [conv(x) for x in leaves])

    return export


def jvp(f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    """``(f(*primals), J t)`` in forward mode: one pass that carries the tangents through every operation.

    ``primals`` and ``tangents`` are tuples with one entry (a pytree) per argument of ``f``.

    >>> import numpy as np, chainrule as cr
    >>> cr.jvp(np.sin, (0.0,), (2.0,))          # cos(0) * 2
    (np.float64(0.0), np.float64(2.0))
    """
    who = "cr.jvp"
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError(f"{who}: primals and tangents must be tuples (one entry per argument of f)")
    if len(primals) != len(tangents):
        raise ValueError(f"{who}: {len(primals)} primals but {len(tangents)} tangents")
    spec, po, to = _jvp_core(f, tuple(primals), {}, tuple(range(len(primals))), tangents, who)
    export = _exporter(primals, po)
    return export(tree_unflatten(spec, po)), export(tree_unflatten(spec, to))


def _stack(items: list[Any], axis: int = 0) -> Any:
    if all(not isinstance(x, Tensor) for x in items):
        return np.stack([np.asarray(x) for x in items], axis=axis)
    return _ops.stack(items, axis=axis)


def jacobian(f: Callable[..., Any], argnums: int | Sequence[int] = 0, mode: str = "rev") -> Callable[..., Any]:
    """The Jacobian of ``f``: for an output of shape ``S`` and an input of shape ``I``, an array ``S + I``.

    ``mode="rev"`` uses one backward pass per output element, ``mode="fwd"`` one forward pass per input
    element (pick the smaller side). Pytrees: the result has the structure of the output, each leaf
    holding the structure of the input (a tuple over ``argnums`` when that is a tuple).

    >>> import numpy as np, chainrule as cr
    >>> cr.jacobian(lambda x: x ** 2)(np.array([1.0, 2.0]))
    array([[2., 0.],
           [0., 4.]])
    """
    if mode not in ("rev", "fwd"):
        raise ValueError(f"cr.jacobian: mode must be 'rev' or 'fwd', got {mode!r}")
    who = f"cr.jacobian(mode={mode!r})"

    def jac_f(*args: Any, **kwargs: Any) -> Any:
        nums = _argnums(argnums, len(args), who)
        build = _jacobian_rev if mode == "rev" else _jacobian_fwd
        out_spec, blocks_per_out, regroup, export = build(f, args, kwargs, nums, who)
        single = isinstance(argnums, (int, np.integer))
        per_out = []
        for blocks in blocks_per_out:
            trees = regroup(blocks)
            per_out.append(trees[0] if single else tuple(trees))
        return export(tree_unflatten(out_spec, per_out))

    return jac_f


def _block(pieces: list[Any], out_shape: tuple, in_shape: tuple, axis: int) -> Any:
    """One Jacobian block ``out_shape + in_shape`` from its rows (axis 0) or columns (axis -1)."""
    if not pieces:
        return np.zeros(out_shape + in_shape)
    return _ops.reshape(_stack(pieces, axis=axis), out_shape + in_shape)


def _jacobian_rev(f: Callable, args: tuple, kwargs: dict, nums: tuple[int, ...], who: str):
    """Row by row: one backward pass per output element, seeded with that element's unit vector."""
    tr = _Trace(f, args, kwargs, nums, who)
    out_leaves, out_spec = tree_flatten(tr.out)
    in_shapes = [b._data.shape for b in tr.pullback.bottoms]
    blocks_per_out = []
    for j, o in enumerate(out_leaves):
        data = np.asarray(_data_of(o))
        _check_float_output(data, who)
        rows = []
        for k in range(data.size):
            seed = np.zeros(data.size, dtype=data.dtype)
            seed[k] = 1
            cts: list[Any] = [None] * len(out_leaves)
            cts[j] = seed.reshape(data.shape)
            rows.append(tr.pullback(out_leaves, cts)[0])
        blocks_per_out.append([_block([r[b] for r in rows], data.shape, s, 0) for b, s in enumerate(in_shapes)])
    return out_spec, blocks_per_out, tr.regroup, tr.export


def _jacobian_fwd(f: Callable, args: tuple, kwargs: dict, nums: tuple[int, ...], who: str):
    """Column by column: one forward pass per input element, along that element's unit vector."""
    leaf_lists, specs = [], []
    for a in nums:
        leaves, spec = tree_flatten(args[a])
        leaf_lists.append([_promote(x, who) for x in leaves])
        specs.append(spec)
    call_args = list(args)
    for bi, a in enumerate(nums):
        call_args[a] = tree_unflatten(specs[bi], leaf_lists[bi])
    zeros = [[np.zeros_like(np.asarray(_data_of(y))) for y in leaves] for leaves in leaf_lists]
    columns = []  # per input leaf: its shape and, per element, the tangents of every output leaf
    out_spec, po = None, None
    for bi, zs in enumerate(zeros):
        for lj in range(len(zs)):
            cols = []
            for k in range(zeros[bi][lj].size):
                unit = np.zeros_like(zeros[bi][lj])
                unit.reshape(-1)[k] = 1
                tangents = [
                    tree_unflatten(specs[ci], [unit if (ci, m) == (bi, lj) else z for m, z in enumerate(zs)])
                    for ci, zs in enumerate(zeros)
                ]
                out_spec, po, to = _jvp_core(f, tuple(call_args), kwargs, nums, tangents, who)
                cols.append(to)
            columns.append((zeros[bi][lj].shape, cols))
    if out_spec is None:  # no input elements at all: evaluate f once for the output's shapes
        po, out_spec = tree_flatten(f(*call_args, **kwargs))
    blocks_per_out = []
    for j, o in enumerate(po):
        oshape = np.shape(_data_of(o))
        blocks_per_out.append([_block([c[j] for c in cols], oshape, shape, -1) for shape, cols in columns])
    counts = [len(leaves) for leaves in leaf_lists]

    def regroup(blocks: list[Any]) -> list[Any]:
        out, i = [], 0
        for spec, n in zip(specs, counts, strict=True):
            out.append(tree_unflatten(spec, blocks[i : i + n]))
            i += n
        return out

    return out_spec, blocks_per_out, regroup, _exporter(args, po)


def hessian(f: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """The Hessian of scalar ``f`` (shape ``I + I`` for an input of shape ``I``): forward over reverse.

    >>> import numpy as np, chainrule as cr
    >>> cr.hessian(lambda x: np.sum(x ** 3))(np.array([1.0, 2.0]))
    array([[ 6.,  0.],
           [ 0., 12.]])
    """
    return jacobian(grad(f, argnums), argnums, mode="fwd")


def hvp(f: Callable[..., Any], x: Any, v: Any) -> Any:
    """The Hessian-vector product ``H(x) v`` of scalar ``f``, without forming ``H``.

    Forward mode over reverse mode: one ``jvp`` of ``grad(f)`` along ``v`` costs a few evaluations of ``f``.

    >>> import numpy as np, chainrule as cr
    >>> cr.hvp(lambda x: np.sum(x ** 3), np.array([1.0, 2.0]), np.array([1.0, 0.0]))
    array([6., 0.])
    """
    if _pytree_shapes(x) != _pytree_shapes(v):
        raise ShapeError(
            f"cr.hvp: v must have the structure and shapes of x (the direction to multiply the Hessian by), "
            f"got {_pytree_shapes(v)} for x of {_pytree_shapes(x)}"
        )
    return jvp(grad(f), (x,), (v,))[1]


def _pytree_shapes(tree: Any) -> Any:
    if isinstance(tree, dict):
        return {k: _pytree_shapes(tree[k]) for k in sorted(tree, key=str)}
    if isinstance(tree, (list, tuple)):
        return [_pytree_shapes(t) for t in tree]
    return np.shape(_data_of(tree))


def elementwise_grad(f: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """For ``f`` applied elementwise: the derivative at every element (the gradient of ``sum(f(x))``).

    >>> import numpy as np, chainrule as cr
    >>> cr.elementwise_grad(np.tanh)(np.array([0.0, 1.0])).round(4)
    array([1.  , 0.42])
    """
    who = "cr.elementwise_grad"

    def egrad_f(*args: Any, **kwargs: Any) -> Any:
        nums = _argnums(argnums, len(args), who)
        tr = _Trace(f, args, kwargs, nums, who)
        leaves = tree_flatten(tr.out)[0]
        for o in leaves:
            _check_float_output(np.asarray(_data_of(o)), who)
        grads, connected = tr.pullback(leaves, [_one_like(o) for o in leaves])
        if not connected and not tr.nested:
            _warn_independent(who)
        trees = tr.regroup(grads)
        return tr.export(trees[0] if isinstance(argnums, (int, np.integer)) else tuple(trees))

    return egrad_f


__all__ = [
    "grad",
    "value_and_grad",
    "vjp",
    "jvp",
    "jacobian",
    "hessian",
    "hvp",
    "elementwise_grad",
    "IndependentOutputWarning",
]
