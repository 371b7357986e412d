"""Tensor: a NumPy array that remembers how it was computed.

:func:`bind` is the hot path of the whole library: it runs a primitive's forward function on the
arrays inside its inputs and, only when grad mode is on and some input requires a gradient, records a
:class:`~chainrule.engine.Node` that caches what the backward rules need.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

from . import engine
from .engine import GRAD_MODE, STATE, Node, backprop, check_seed, next_stamp, node_meta, note_change
from .errors import DtypeError, InplaceError, NoGradientError, NonScalarBackwardError
from .primitive import Primitive, not_a_saving_result

ndarray = np.ndarray
_asarray = np.asarray


class _TensorOps:
    """Operators and NumPy-style methods of :class:`Tensor` (each one a chainrule operation)."""

    __slots__ = ()

    def __add__(self, other: Any) -> Any:
        return _ops.add(self, other)

    def __radd__(self, other: Any) -> Any:
        return _ops.add(other, self)

    def __sub__(self, other: Any) -> Any:
        return _ops.subtract(self, other)

    def __rsub__(self, other: Any) -> Any:
        return _ops.subtract(other, self)

    def __mul__(self, other: Any) -> Any:
        return _ops.multiply(self, other)

    def __rmul__(self, other: Any) -> Any:
        return _ops.multiply(other, self)

    def __truediv__(self, other: Any) -> Any:
        return _ops.divide(self, other)

    def __rtruediv__(self, other: Any) -> Any:
        return _ops.divide(other, self)

    def __pow__(self, other: Any) -> Any:
        return _ops.power(self, other)

    def __rpow__(self, other: Any) -> Any:
        return _ops.power(other, self)

    def __matmul__(self, other: Any) -> Any:
        return _ops.matmul(self, other)

    def __rmatmul__(self, other: Any) -> Any:
        return _ops.matmul(other, self)

    def __floordiv__(self, other: Any) -> Any:
        return _ops.floor_divide(self, other)

    def __rfloordiv__(self, other: Any) -> Any:
        return _ops.floor_divide(other, self)

    def __mod__(self, other: Any) -> Any:
        return _ops.remainder(self, other)

    def __rmod__(self, other: Any) -> Any:
        return _ops.remainder(other, self)

    def __divmod__(self, other: Any) -> Any:
        return _ops.divmod(self, other)

    def __rdivmod__(self, other: Any) -> Any:
        return _ops.divmod(other, self)

    def __neg__(self) -> Any:
        return _ops.negative(self)

    def __pos__(self) -> Any:
        return self

    def __abs__(self) -> Any:
        return _ops.absolute(self)

    def __invert__(self) -> Any:
        return _ops.invert(self)

    def __and__(self, other: Any) -> Any:
        return _ops.bitwise_and(self, other)

    def __rand__(self, other: Any) -> Any:
        return _ops.bitwise_and(other, self)

    def __or__(self, other: Any) -> Any:
        return _ops.bitwise_or(self, other)

    def __ror__(self, other: Any) -> Any:
        return _ops.bitwise_or(other, self)

    def __xor__(self, other: Any) -> Any:
        return _ops.bitwise_xor(self, other)

    def __rxor__(self, other: Any) -> Any:
        return _ops.bitwise_xor(other, self)

    # NOTE: &, |, ^, ~, <<, >> are NumPy's bit operations (the logical ones on bool tensors, as for ndarrays; on
    # integer tensors bitwise, ~5 == -6; on float tensors NumPy's TypeError)
    def __lshift__(self, other: Any) -> Any:
        return _ops.left_shift(self, other)

    def __rlshift__(self, other: Any) -> Any:
        return _ops.left_shift(other, self)

    def __rshift__(self, other: Any) -> Any:
        return _ops.right_shift(self, other)

    def __rrshift__(self, other: Any) -> Any:
        return _ops.right_shift(other, self)

    def __lt__(self, other: Any) -> Any:
        return _ops.less(self, other)

    def __le__(self, other: Any) -> Any:
        return _ops.less_equal(self, other)

    def __gt__(self, other: Any) -> Any:
        return _ops.greater(self, other)

    def __ge__(self, other: Any) -> Any:
        return _ops.greater_equal(self, other)

    def __eq__(self, other: Any) -> Any:  # type: ignore[override]
        return _ops.equal(self, other)

    def __ne__(self, other: Any) -> Any:  # type: ignore[override]
        return _ops.not_equal(self, other)

    def __getitem__(self, index: Any) -> Any:
        return _ops.getitem(self, index)

    def __iter__(self) -> Any:
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (_ops.getitem(self, i) for i in range(len(self._data)))

    @property
    def T(self) -> Any:  # noqa: N802 - NumPy's name
        """The transpose (axes reversed)."""
        return _ops.transpose(self)

    @property
    def mT(self) -> Any:  # noqa: N802
        """Transpose of the last two axes."""
        return _ops.swapaxes(self, -1, -2)

    def reshape(self, *shape: Any) -> Any:
        """Same elements in a new shape: ``t.reshape(2, 3)`` or ``t.reshape((2, 3))``."""
        return _ops.reshape(self, *shape)

    def copy(self, order: str = "C") -> Any:
        """A new tensor with the same values (as ndarray.copy; ``order`` is a memory layout: ignored); its gradient
        passes to this one."""
        return _ops.astype(self, dtype=self._data.dtype)

    def transpose(self, *axes: Any) -> Any:
        """Permute the axes: ``t.transpose()``, ``t.transpose(1, 0)`` or ``t.transpose((1, 0))``."""
        if (len(axes) == 1 and isinstance(axes[0], (tuple, list))) or not axes:
            return _ops.transpose(self, axes[0] if axes else None)
        return _ops.transpose(self, axes)

    def astype(
        self, dtype: Any, order: str = "K", casting: str = "unsafe", subok: bool = True, copy: bool = True
    ) -> Any:
        """A copy cast to ``dtype`` (differentiable between floating dtypes), with ndarray.astype's arguments
        (``order`` is a memory layout: ignored). NOTE: to its own dtype it gives this tensor, whatever ``copy``
        (the engine casts gradients this way; ``t.copy()`` makes a new one)."""
        dtype = np.dtype(dtype)
        if casting != "unsafe" and not np.can_cast(self._data.dtype, dtype, casting=casting):
            raise TypeError(
                f"Cannot cast array data from {self._data.dtype!r} to {dtype!r} according to the rule {casting!r}"
            )
        if dtype == self._data.dtype:
            return self
        if dtype.kind not in "fc":
            return Tensor._wrap(self._data.astype(dtype), None, False)
        return _ops.astype(self, dtype=dtype)

    def clip(self, a_min: Any = None, a_max: Any = None) -> Any:
        return _ops.clip(self, a_min, a_max)

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        # NumPy hands `np.exp(t)` and `ndarray <op> tensor` to us: run the chainrule operation of that name
        return _interop.array_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        # NumPy hands `np.sum(t, axis=0)`, `np.concatenate([t, a])` ... to us (NEP 18)
        return _interop.array_function(func, args, kwargs)


class Tensor(_TensorOps):
    """An n-dimensional array with an optional gradient.

    >>> import chainrule as cr
    >>> x = cr.tensor(3.0, requires_grad=True)
    >>> y = x * x + 2 * x
    >>> y.backward()
    >>> x.grad          # dy/dx = 2x + 2
    array(8.)
    """

    __slots__ = ("_data", "grad", "requires_grad", "_node", "_hooks", "name", "__weakref__")
    # NumPy: let our reflected operators and __array_ufunc__ win over ndarray's
    __array_priority__ = 1000

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None, name: str | None = None) -> None:
        if isinstance(data, Tensor):
            data = data._data
        try:
            arr = np.array(data, dtype=dtype)  # a copy: later changes to the caller's array don't leak in
        except ValueError as e:
            from .errors import ShapeError

            raise ShapeError(
                f"cannot make a tensor from this data: {str(e).rstrip('.')}. Nested lists must be rectangular "
                "(every row the same length), e.g. [[1, 2], [3, 4]]"
            ) from None
        if arr.dtype == object or arr.dtype.kind in "USV":
            raise DtypeError(f"cannot make a tensor from data of dtype {arr.dtype}; give numbers")
        self._data = arr
        self.grad: Any = None
        self._node: Node | None = None
        self._hooks: list | None = None
        self.name = name
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    # -- array-like properties ----------------------------------------------------------------------
    @property
    def data(self) -> ndarray:
        """The underlying NumPy array (not tracked: computations on it record nothing)."""
        return self._data

    @data.setter
    def data(self, value: Any) -> None:
        value = _asarray(value.data if isinstance(value, Tensor) else value)
        self._bump()
        self._data = value

    @property
    def shape(self) -> tuple[int, ...]:
        return self._data.shape

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def size(self) -> int:
        return self._data.size

    @property
    def dtype(self) -> np.dtype:
        return self._data.dtype

    @property
    def is_leaf(self) -> bool:
        """True for tensors the user created (and results of operations that record no graph)."""
        return self._node is None

    @property
    def node(self) -> Node | None:
        """The recorded operation that produced this tensor (None for leaves)."""
        return self._node

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self._data)

    # NOTE: hashed by identity (tensors are keys of the engine's gradient table); object's C-level hash
    # is that, without a Python call per lookup. (Setting __eq__ above would otherwise remove hashing.)
    __hash__ = object.__hash__

    def __bool__(self) -> bool:
        return bool(self._data)

    def __float__(self) -> float:
        return float(self._data)

    def __int__(self) -> int:
        return int(self._data)

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub":
            raise TypeError(f"only integer tensors can be used as an index, not {self._data.dtype}")
        return int(self._data)

    def __array__(self, dtype: Any = None, copy: Any = None) -> ndarray:
        # np.asarray(t) gives the values; it is not recorded (use chainrule's functions for that)
        if dtype is None:
            return self._data if not copy else self._data.copy()
        return self._data.astype(dtype, copy=bool(copy) if copy is not None else False)

    def numpy(self) -> ndarray:
        """The values as a NumPy array (shares memory; not tracked)."""
        return self._data

    def item(self) -> Any:
        """The single value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise ValueError(f"item() needs a tensor with exactly one element, this one has shape {self.shape}")
        return self._data.item()

    def tolist(self) -> Any:
        return self._data.tolist()

    def __repr__(self) -> str:
        body = np.array2string(self._data, separator=", ", prefix="tensor(", precision=4, threshold=40)
        extra = []
        if self._data.dtype != np.float64 or self._data.size == 0:
            extra.append(f"dtype={self._data.dtype}")
        if self._node is not None:
            extra.append(f"grad_fn={self._node.prim.name}")
        elif self.requires_grad:
            extra.append("requires_grad=True")
        if self.name:
            extra.append(f"name={self.name!r}")
        return "tensor(" + ", ".join([body, *extra]) + ")"

    # -- gradients ----------------------------------------------------------------------------------
    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Mark a leaf tensor as needing a gradient (floating dtypes only)."""
        if requires_grad and self._data.dtype.kind != "f":
            if self._data.dtype.kind == "c":  # (the rules are written for real numbers: no conjugates anywhere)
                raise DtypeError(
                    f"complex tensors cannot require gradients (dtype {self._data.dtype}): chainrule's gradient "
                    "rules are for real numbers (they take no conjugates). Keep the real and imaginary parts as two real "
                    "tensors instead"
                )
            raise DtypeError(
                f"only floating-point tensors can require gradients; this one has dtype {self._data.dtype}. "
                "Convert it first, e.g. cr.tensor(data, dtype='float64', requires_grad=True)"
            )
        if not requires_grad and self._node is not None:
            raise InplaceError(
                "requires_grad cannot be turned off on the result of an operation; use .detach() instead"
            )
        self.requires_grad = bool(requires_grad)
        return self

    def detach(self) -> Tensor:
        """The same values, cut from the graph (shares memory; in-place operations on the detached tensor
        write to a copy of it, so the graph it came from keeps its values)."""
        return Tensor._wrap(self._data.view(), None, False)

    def zero_grad(self) -> None:
        """Forget the accumulated gradient."""
        self.grad = None

    def retain_grad(self) -> Tensor:
        """Keep ``.grad`` for this non-leaf tensor during backward (leaves always keep theirs)."""
        if self._node is not None:
            node_meta(self._node)["retained"] = weakref.ref(self)
        return self

    def register_hook(self, hook: Callable[[Any], Any]) -> Callable[[], None]:
        """Call ``hook(grad)`` when this tensor's gradient is computed; a non-None return replaces it.

        Returns a function that removes the hook.
        """
        if not self.requires_grad:
            raise NoGradientError(
                "cannot register a hook on a tensor that does not require a gradient; "
                "create it with requires_grad=True (or call t.requires_grad_()) first"
            )
        if self._node is not None:
            hooks = node_meta(self._node).setdefault("hooks", [])
        else:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        hooks.append(hook)
        return lambda: hooks.remove(hook) if hook in hooks else None

    def backward(self, grad: Any = None, retain_graph: bool | None = None, create_graph: bool = False) -> None:
        """Compute the gradient of this tensor with respect to every leaf that requires one.

        The gradients are *added* to each leaf's ``.grad`` (call ``zero_grad()`` between steps).
        ``grad`` is dL/d(self); it may be omitted only when this tensor holds a single value.
        """
        if not self.requires_grad:
            raise NoGradientError(
                "backward() on a tensor that does not require a gradient: no input of the computation "
                "had requires_grad=True (or it ran inside no_grad()). Create the inputs you want gradients for "
                "with cr.tensor(..., requires_grad=True) and compute outside no_grad()"
            )
        if grad is None:
            if self._data.size != 1:
                raise NonScalarBackwardError(
                    f"backward() without a gradient needs a tensor with one element, but this one has shape "
                    f"{self.shape}. Reduce it to a scalar first (e.g. y.sum().backward()), or pass the seed "
                    "gradient dL/dy explicitly: y.backward(grad) with grad of the same shape"
                )
            seed = np.array(1, dtype=self._data.dtype)  # (np.ones is several times slower for one value)
            if self._data.ndim:
                seed = seed.reshape(self._data.shape)
        else:
            # a copy: a leaf's .grad may be this very array, and the caller may change theirs later
            seed = np.array(grad._data if isinstance(grad, Tensor) else grad, dtype=self._data.dtype)
            check_seed(seed, self.shape, "the tensor")
        if retain_graph is None:
            retain_graph = create_graph
        root = self._node if self._node is not None else self
        if create_graph:
            seed = Tensor._wrap(seed, None, False) if not isinstance(grad, Tensor) else grad
            with engine.enable_grad():
                backprop(root, seed, retain_graph=retain_graph, create_graph=True, wrap=_wrap_cached)
        else:
            backprop(root, seed, retain_graph=retain_graph)

    def explain(self, **options: Any) -> Any:
        """The backward pass behind this tensor, narrated step by step with the engine's own numbers.

        Returns a :class:`chainrule.viz.Trace` (prints as text; iterate it for step records). Run the forward
        and backward pass inside ``with cr.viz.recording():``, or call this before ``backward()``. Options are
        those of :func:`chainrule.viz.trace`.
        """
        from .viz import trace  # viz sits above tensor: imported only when asked for

        return trace(self, **options)

    # -- in-place changes (tracked, so cached values can be checked) ---------------------------------
    def _bump(self) -> None:
        # called just before this tensor's memory is changed in place: operations that cached it (or a view of
        # it) will refuse to compute gradients from the changed values
        note_change(self._data)

    def _check_inplace(self, what: str) -> None:
        if self.requires_grad and self._node is None and GRAD_MODE.enabled:
            raise InplaceError(
                f"{what}: in-place change of a tensor that requires a gradient would corrupt the graph. "
                "Do it inside `with cr.no_grad():` (e.g. an optimizer step), or compute a new tensor instead"
            )

    def _records(self, other: Any) -> bool:
        """Whether an in-place change must itself be recorded: it involves a value the graph tracks."""
        if _FORWARD is not None and (hasattr(self, "_tangent") or hasattr(other, "_tangent")):
            from .errors import UnsupportedOperationError

            # NOTE: the tensor changed in place cannot become a dual number (another class), so its tangent
            # would be dropped silently; JAX's arrays are immutable for the same reason
            raise UnsupportedOperationError(
                "in-place change involving a forward-mode (jvp) value: the tangent cannot be kept in a tensor "
                "changed in place. Compute a new tensor instead, e.g. cr.index_put(y, value, index) for "
                "y[index] = value, or cr.where(mask, value, y)"
            )
        return GRAD_MODE.enabled and (self.requires_grad or (isinstance(other, Tensor) and other.requires_grad))

    def _become(self, result: Tensor) -> Tensor:
        """Take on a recorded result as this tensor's new contents (as PyTorch does for in-place ops).

        The old array is not touched (the result is a fresh array), so operations that cached it keep
        correct gradients; from now on this tensor stands for the new node.
        """
        if result._data.shape != self._data.shape:
            result = _ops.broadcast_to(result, self._data.shape)
        if result._data.dtype != self._data.dtype:
            result = _ops.astype(result, dtype=self._data.dtype)
        self._data = result._data
        self._node = result._node
        self.requires_grad = result.requires_grad
        return self

    def _current(self) -> Tensor:
        """This tensor's present value as another tensor object on the same node (an operand to record)."""
        return Tensor._wrap(self._data, self._node, self.requires_grad)

    def __setitem__(self, index: Any, value: Any) -> None:
        self._check_inplace("__setitem__")
        if self._records(value):
            self._become(_ops.index_put(self._current(), value, index))
            return
        value = value._data if isinstance(value, Tensor) else value
        index = index._data if isinstance(index, Tensor) else index
        self._own_data()
        self._data[index] = value
        self._bump()

    def _own_data(self) -> None:
        # NOTE: copy on write when the memory may belong to someone else: a read-only array (a broadcast),
        # or a view into another array (a slice, a reshape, a detach()) that a recorded operation may have
        # cached. Writing through it would change values behind the graph's back.
        data = self._data
        if not data.flags.writeable or data.base is not None:
            self._data = data.copy()

    def _inplace(self, what: str, fn: Callable[[ndarray, Any], Any], other: Any) -> Tensor:
        self._check_inplace(what)
        if self._records(other):
            return self._become(_INPLACE_OPS[what](self._current(), other))
        other = other._data if isinstance(other, Tensor) else other
        self._own_data()
        fn(self._data, other, out=self._data, casting="same_kind")
        self._bump()
        return self

    def add_(self, other: Any) -> Tensor:
        return self._inplace("add_", np.add, other)

    def sub_(self, other: Any) -> Tensor:
        return self._inplace("sub_", np.subtract, other)

    def mul_(self, other: Any) -> Tensor:
        return self._inplace("mul_", np.multiply, other)

    def div_(self, other: Any) -> Tensor:
        return self._inplace("div_", np.divide, other)

    def fill_(self, value: Any) -> Tensor:
        self._check_inplace("fill_")
        if self._records(value):
            return self._become(_ops.index_put(self._current(), value, Ellipsis))
        self._own_data()
        self._data.fill(value)
        self._bump()
        return self

    def zero_(self) -> Tensor:
        return self.fill_(0)

    def copy_(self, other: Any) -> Tensor:
        self._check_inplace("copy_")
        if self._records(other):
            return self._become(_ops.index_put(self._current(), other, Ellipsis))
        self._own_data()
        np.copyto(self._data, other._data if isinstance(other, Tensor) else other, casting="same_kind")
        self._bump()
        return self


def _wrap_cached(data: Any, node: Node) -> Tensor:
    """A tensor standing for a node's cached output, connected to the graph (used by create_graph)."""
    return Tensor._wrap(data, node, True)


#: set by :mod:`chainrule.forward` while a jvp runs anywhere (None otherwise, so bind pays one check):
#: ``_FORWARD(prim, args, params)`` carries tangents through ``prim`` or returns NotImplemented
_FORWARD: Callable[[Primitive, tuple, dict], Any] | None = None


_SEQUENCES = (list, tuple)
#: the parameters of a node whose operation takes none; one shared dict, as nothing writes to a node's params
_NO_PARAMS: dict[str, Any] = {}


def _lift(a: Any) -> Any:
    """A list or tuple that holds tensors, stacked into one tensor (so ``cr.sum([t1, t2])`` keeps its graph).

    Anything else is returned unchanged: plain nested lists stay NumPy's business.
    """
    if type(a) not in _SEQUENCES:
        return a
    items = [_lift(item) for item in a]  # nesting depth of a literal, not of a graph
    if not any(isinstance(item, Tensor) for item in items):
        return a
    return _ops.stack(
        [item if isinstance(item, Tensor) else Tensor._wrap(_asarray(item), None, False) for item in items]
    )


def bind(prim: Primitive, *args: Any, **params: Any) -> Any:
    """Run primitive ``prim`` on ``args`` and record a node when a gradient will be needed.

    With no tensor among the arguments, this is just the NumPy forward function (so gradient rules
    run at NumPy speed on plain arrays). Otherwise the result is a Tensor.
    """
    # NOTE: this is the hot path of every operation. One- and two-input primitives (nearly all calls) take
    # a branch without loops, lists or generators; the general branch below handles the rest.
    nargs = len(args)
    if nargs == 2:
        return bind2(prim, args[0], args[1], params)
    if _FORWARD is not None:  # NOTE: forward mode (a jvp) is running: tangents may ride along with args
        out = _FORWARD(prim, args, params)
        if out is not NotImplemented:
            return out
    if nargs == 1:
        x = args[0]
        if not isinstance(x, Tensor):
            if type(x) in _SEQUENCES:
                x = _lift(x)
                if isinstance(x, Tensor):
                    return bind(prim, x, **params)
            return prim.forward(x, **params)
        xd = x._data
        try:
            out = prim.forward(xd, **params) if params else prim.forward(xd)
        except ValueError as e:
            raise _shape_error(prim, [xd], e) from None
        if type(out) is not ndarray:
            out = _asarray(out)
        if x.requires_grad and (STATE.grad_off == 0 or GRAD_MODE.enabled):
            if not prim.differentiable:
                return _wrap(out, None, False)
            # (the recording of _record, inline: this line runs once per operation)
            node = _new(Node)
            node.prim = prim
            node.args = ()
            node._raw = xd  # (the one input's array, no tuple: see Node)
            node.params = params if params else _NO_PARAMS  # (one shared empty dict: no dict per node)
            node.ans = out
            node.links = x._node or x  # (the parent of the only input, without a tuple: see Node)
            node.stamp = next_stamp()
            node.meta = None
            if STATE.extras is not None:
                STATE.extras.on_node(node, out)
            t = _new(Tensor)
            t._data = out
            t.grad = None
            t.requires_grad = True
            t._node = node
            t._hooks = None
            t.name = None
            return t
        if STATE.extras is not None:
            STATE.extras.on_value(prim, [xd], out)
        return _wrap(out, None, False)
    if nargs == 3:
        x, y, z = args
        if type(x) is Tensor and type(y) is Tensor and type(z) is Tensor:  # a layer's x @ W + b: no loop, no lists
            raw = (x._data, y._data, z._data)
            try:
                out = prim.forward(*raw, **params) if params else prim.forward(*raw)
            except ValueError as e:
                raise _shape_error(prim, list(raw), e) from None
            if type(out) is not ndarray:
                out = _asarray(out)
            px = (x._node or x) if x.requires_grad else None
            py = (y._node or y) if y.requires_grad else None
            pz = (z._node or z) if z.requires_grad else None
            if (px is not None or py is not None or pz is not None) and (STATE.grad_off == 0 or GRAD_MODE.enabled):
                if not prim.differentiable:
                    return _wrap(out, None, False)
                keep = px is None or py is None or pz is None  # a constant tensor input: kept, as in bind2
                return _record(prim, args if keep else (), raw, params or _NO_PARAMS, out, (px, py, pz))
            if STATE.extras is not None:
                STATE.extras.on_value(prim, list(raw), out)
            return _wrap(out, None, False)
    return _bind_any(prim, args, params, False)


def bind_saving(prim: Primitive, *args: Any, **params: Any) -> Any:
    """:func:`bind` for a primitive whose forward also returns what its backward rule needs (``saves=True``).

    A recorded node keeps the saved values for the rule; where no node is recorded they are dropped.
    """
    if _FORWARD is not None:
        out = _FORWARD(prim, args, params)
        if out is not NotImplemented:
            return out
    return _bind_any(prim, args, params, True)


def _bind_any(prim: Primitive, args: tuple, params: dict, saving: bool) -> Any:
    """bind's general case: any number of inputs, constants among them, lists of tensors to stack."""
    raw = []
    parents = []
    has_tensor = False
    needs_grad = False
    keep_args = False
    lists = False
    for a in args:
        if isinstance(a, Tensor):
            has_tensor = True
            raw.append(a._data)
            if a.requires_grad:
                needs_grad = True
                parents.append(a._node or a)
            else:
                keep_args = True
                parents.append(None)
        else:
            if type(a) in _SEQUENCES:
                lists = True
            raw.append(a)
            parents.append(None)
    if lists:  # lists holding tensors are stacked, so their gradients are kept
        lifted = [_lift(a) for a in args]
        if any(b is not a for a, b in zip(args, lifted, strict=True)):
            return _bind_any(prim, tuple(lifted), params, saving)
    if not has_tensor:
        return prim.forward(*args, **params)
    saved = None
    try:
        if saving:
            out = prim.forward_saving(*raw, **params)
            if type(out) is not tuple or len(out) != 2:
                raise not_a_saving_result(prim.name, out)
            out, saved = out
        else:
            out = prim.forward(*raw, **params)
    except ValueError as e:
        raise _shape_error(prim, raw, e) from None
    if type(out) is not ndarray:
        out = _asarray(out)
    if needs_grad and (STATE.grad_off == 0 or GRAD_MODE.enabled):
        if not prim.differentiable:
            return _wrap(out, None, False)
        return _record(prim, args if keep_args else (), tuple(raw), params, out, tuple(parents), saved)
    if STATE.extras is not None:
        STATE.extras.on_value(prim, raw, out)
    return _wrap(out, None, False)


def bind2(prim: Primitive, x: Any, y: Any, params: dict) -> Any:
    """:func:`bind` for a two-input primitive (the arithmetic operators call it directly)."""
    if _FORWARD is not None:
        out = _FORWARD(prim, (x, y), params)
        if out is not NotImplemented:
            return out
    tx = isinstance(x, Tensor)
    ty = isinstance(y, Tensor)
    if not (tx and ty):
        if (not tx and type(x) in _SEQUENCES) or (not ty and type(y) in _SEQUENCES):  # a list of tensors: stacked
            lx, ly = _lift(x), _lift(y)
            if lx is not x or ly is not y:
                return bind2(prim, lx, ly, params)
        if not (tx or ty):
            return prim.forward(x, y, **params)
    xd = x._data if tx else x
    yd = y._data if ty else y
    try:
        out = prim.forward(xd, yd, **params) if params else prim.forward(xd, yd)
    except ValueError as e:
        raise _shape_error(prim, [xd, yd], e) from None
    if type(out) is not ndarray:
        out = _asarray(out)
    px = (x._node or x) if tx and x.requires_grad else None
    py = (y._node or y) if ty and y.requires_grad else None
    if (px is not None or py is not None) and (STATE.grad_off == 0 or GRAD_MODE.enabled):
        if not prim.differentiable:
            return _wrap(out, None, False)
        # (the recording of _record, inline: this line runs once per operation)
        node = _new(Node)
        node.prim = prim
        # a tensor input that needs no gradient is kept, so an in-place change of it can be detected
        node.args = (x, y) if (tx and px is None) or (ty and py is None) else ()
        node._raw = (xd, yd)
        node.params = params
        node.ans = out
        node.links = (px, py) if py is not None else px  # (input 0's parent alone when it is the only one)
        node.stamp = next_stamp()
        node.meta = None
        if STATE.extras is not None:
            STATE.extras.on_node(node, out)
        t = _new(Tensor)
        t._data = out
        t.grad = None
        t.requires_grad = True
        t._node = node
        t._hooks = None
        t.name = None
        return t
    if STATE.extras is not None:
        STATE.extras.on_value(prim, [xd, yd], out)
    return _wrap(out, None, False)


def _record(
    prim: Primitive, args: tuple, raw: tuple, params: dict, out: ndarray, parents: tuple, saved: Any = None
) -> Tensor:
    """The recording half of :func:`bind`: a node for the backward pass and the tensor that points to it."""
    node = Node(prim, args, raw, params, out, parents)
    if saved is not None:  # (what a saving forward kept for the backward rule, in a box: see engine.backprop)
        node.saved = [saved]
    extras = STATE.extras
    if extras is not None:
        extras.on_node(node, out)
    return _wrap(out, node, True)


_new = object.__new__


def _wrap(data: ndarray, node: Node | None, requires_grad: bool) -> Tensor:
    """A tensor around ``data`` without checks or copies (also ``Tensor._wrap``, for the layers above)."""
    t = _new(Tensor)
    t._data = data
    t.grad = None
    t.requires_grad = requires_grad
    t._node = node
    t._hooks = None
    t.name = None
    return t


Tensor._wrap = staticmethod(_wrap)  # the one unchecked constructor, reachable from the class for other modules


def _shape_error(prim: Primitive, raw: list, err: ValueError) -> Exception:
    """NumPy's broadcasting complaint, restated with the operation's name and every input's shape."""
    from .errors import AxisError, ChainruleError, ShapeError

    if isinstance(err, ChainruleError):  # (the forward's own error, which names it already)
        return err
    if isinstance(err, np.exceptions.AxisError) or "duplicate value in 'axis'" in str(err):
        shapes = " and ".join(str(np.shape(r)) for r in raw if isinstance(r, ndarray))
        return AxisError(
            f"{prim.name}: {err} (input shape {shapes}); an axis counts from 0 to ndim - 1, or from -1 backwards, "
            "and may be named only once"
        )
    if "zero-size array" in str(err):
        shapes = " and ".join(str(np.shape(r)) for r in raw if isinstance(r, ndarray))
        return ShapeError(f"{prim.name}: the input of shape {shapes} is empty along the reduced axis ({err})")
    if "broadcast" not in str(err):
        from .errors import InvalidArgumentError

        shapes = ", ".join(str(np.shape(r)) for r in raw if isinstance(r, ndarray))
        return InvalidArgumentError(f"{prim.name}: {err} (input shapes {shapes})")
    shapes = " and ".join(str(np.shape(r)) for r in raw if isinstance(r, ndarray) or np.ndim(r))
    return ShapeError(
        f"{prim.name}: shapes {shapes} cannot be broadcast together (NumPy's rule: compare dimensions from "
        "the right; each pair must be equal or one of them 1). Reshape one input, e.g. add an axis with "
        "x.reshape(-1, 1)"
    )


class Op(Primitive):
    """A primitive bound to the tensor engine: calling it runs the forward pass and records a node.

    This is ``cr.primitive``, the public way to add an operation with your own derivative rules, the same
    mechanism the built-in operations use: ``forward`` works on NumPy arrays; ``vjp`` gives one backward rule
    per input, ``rule(g, ans, *inputs, **params)`` returning ``g`` times the local derivative; ``jvp``
    (optional) gives forward-mode rules ``rule(t, ans, *inputs, **params)``, or ``"elementwise"`` (the
    backward rule serves both ways) or ``"linear"``. Write rules with chainrule operations so that higher
    derivatives work; check them with ``cr.gradcheck``. ``register=False`` keeps it out of ``cr.REGISTRY``.
    With ``saves=True`` (and one joint rule, :class:`~chainrule.primitive.JointRules`) the forward returns
    ``(ans, saved)`` and the rule gets ``saved`` as a keyword once: see the README's "Your own operations".

    >>> import numpy as np, chainrule as cr
    >>> softplus = cr.primitive("doc_softplus", lambda x: np.logaddexp(0.0, x),
    ...                         vjp=lambda g, ans, x: g * cr.sigmoid(x), jvp="elementwise", register=False)
    >>> float(softplus(cr.tensor(1000.0)).data)          # log1p(exp(1000)) would overflow to inf
    1000.0
    >>> float(cr.grad(softplus)(0.0))
    0.5
    """

    __slots__ = ()
    __call__ = bind

    def __new__(cls, *args: Any, saves: bool = False, **kwargs: Any) -> Op:
        # a primitive that saves values for its backward rule is called through bind_saving
        return object.__new__(SavingOp if saves and cls is Op else cls)


class SavingOp(Op):
    """An :class:`Op` made with ``saves=True``: its recorded nodes keep what its forward saved for the rule."""

    __slots__ = ()
    __call__ = bind_saving


def tensor(data: Any, requires_grad: bool = False, dtype: Any = None, name: str | None = None) -> Tensor:
    """Make a tensor from array-like ``data`` (copied).

    >>> import chainrule as cr
    >>> cr.tensor([[1, 2], [3, 4]], dtype="float32").dtype
    dtype('float32')
    """
    return Tensor(data, requires_grad=requires_grad, dtype=dtype, name=name)


def as_tensor(x: Any) -> Tensor:
    """``x`` if it is already a tensor, else a constant tensor wrapping it (no copy for arrays)."""
    if isinstance(x, Tensor):
        return x
    return Tensor._wrap(_asarray(x), None, False)


# ---------------------------------------------------------------------------------------------------
# Operators and methods: Tensor's one accepted dependency upward, into the operations it offers.
from . import ops as _ops  # noqa: E402  (after Tensor and Op exist: ops are built from them)


def _method(fn: Callable[..., Any], name: str) -> Callable[..., Any]:
    def method(self: Tensor, *args: Any, **kwargs: Any) -> Any:
        return fn(self, *args, **kwargs)

    method.__name__ = name
    method.__doc__ = fn.__doc__
    return method


_METHODS = [
    "sum",
    "mean",
    "prod",
    "cumsum",
    "cumprod",
    "max",
    "min",
    "var",
    "std",
    "argmax",
    "argmin",
    "logsumexp",
    "exp",
    "log",
    "sqrt",
    "abs",
    "sin",
    "cos",
    "tanh",
    "sigmoid",
    "relu",
    "softmax",
    "log_softmax",
    "squeeze",
    "flatten",
    "ravel",
    "swapaxes",
    "repeat",
    "take",
    "dot",
    "norm",
    "trace",
    "diagonal",
    "square",
    "sign",
    "expand_dims",
    "tile",
    "round",
]
for _name in _METHODS:
    setattr(_TensorOps, _name, _method(getattr(_ops, _name), _name))


#: Python numbers met by the arithmetic operators, as read-only 0-d arrays of the float dtype they meet, by value
_NUMBERS: dict[np.dtype, dict[float, ndarray]] = {np.dtype(np.float32): {}, np.dtype(np.float64): {}}
_NUMBERS_KEPT = 256  # (per dtype: beyond it, a new number stays a Python number)
_EXACT_INT = 1 << 24  # (ints up to this size are exact in float32 and float64, so one entry serves 2 and 2.0)
_LARGEST = {dtype: float(np.finfo(dtype).max) for dtype in _NUMBERS}


def _number_operand(v: float | int, x: Tensor) -> Any:
    """The Python number ``v`` about to meet float tensor ``x`` in +, -, * or /, as a 0-d array of x's dtype.

    NOTE: NumPy 2 converts a Python number to the array's float dtype at every call (NEP 50's weak scalars), which
    costs more than the operation itself on a small array (0.26 us of 0.77 for `a * 2.0` on 16 float64 values,
    0.4 us of 0.9 in float32); a 0-d array of the same dtype gives the same values and dtype, warnings included,
    and a backward rule that uses it (`g * y`) takes the fast path too. 0, -0.0 and NaN stay numbers (dict
    keys that compare equal would merge 0.0 and -0.0; NaN never compares equal), as do numbers beyond the dtype's
    range (NumPy warns of the overflow at every operation, a cached array would only once) and other dtypes.
    """
    dtype = x._data.dtype
    table = _NUMBERS.get(dtype)
    if table is None:
        return v
    c = table.get(v)
    if c is None:
        if (
            not v
            or v != v
            or len(table) >= _NUMBERS_KEPT
            or (type(v) is int and not -_EXACT_INT <= v <= _EXACT_INT)
            or (abs(v) > _LARGEST[dtype] and abs(v) != np.inf)
        ):
            return v
        c = np.array(v, dtype=dtype)
        c.flags.writeable = False
        table[v] = c
    return c


def _operator(op: Any, reflected: bool, name: str) -> Callable[..., Any]:
    # NOTE: arithmetic operators call bind2() on the primitive directly, two dispatches fewer than the method
    # bodies above (Op.__call__, then bind's argument packing), on the path of every `x * y`
    if reflected:

        def method(self: Tensor, other: Any) -> Any:
            if type(other) is float or type(other) is int:
                other = _number_operand(other, self)
            return bind2(op, other, self, _NO_PARAMS)
    else:

        def method(self: Tensor, other: Any) -> Any:
            if type(other) is float or type(other) is int:
                other = _number_operand(other, self)
            return bind2(op, self, other, _NO_PARAMS)

    method.__name__ = name
    return method


for _dunder, _opname in (("add", "add"), ("sub", "subtract"), ("mul", "multiply"), ("truediv", "divide")):
    _op = getattr(_ops, _opname)
    if type(_op) is Op:  # only plain primitives (a wrapped function keeps the generic method)
        setattr(_TensorOps, f"__{_dunder}__", _operator(_op, False, f"__{_dunder}__"))
        setattr(_TensorOps, f"__r{_dunder}__", _operator(_op, True, f"__r{_dunder}__"))
if type(_ops.negative) is Op:
    _negative = _ops.negative

    def _neg(self: Tensor) -> Any:
        return bind(_negative, self)

    _TensorOps.__neg__ = _neg  # type: ignore[method-assign]

from . import _interop  # noqa: E402  (NumPy's ufuncs and functions on tensors, after the ops exist)

_INPLACE_OPS = {"add_": _ops.add, "sub_": _ops.subtract, "mul_": _ops.multiply, "div_": _ops.divide}
