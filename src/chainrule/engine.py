"""The engine: the graph of recorded operations and the backward pass over it.

A :class:`Node` is one gate of the primer's picture. It remembers which primitive ran, the inputs it
cached for the backward pass, its output, and where its inputs came from (``parents``). The backward
pass (:func:`backprop`) walks the nodes from the output back to the leaves, in reverse topological
order and without recursion, and at every node applies the chain rule::

    dL/d(input) = dL/d(output) * d(output)/d(input)      (upstream gradient x local gradient)

Where one value feeds several gates, the gradients arriving from each are summed. Where an input was
broadcast in the forward pass, its gradient is summed back to its shape here, once, for every op.
The engine knows no operation by name: the rules come from each node's primitive.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator
from contextlib import ContextDecorator
from heapq import heappop, heappush, heappushpop
from itertools import repeat
from operator import is_, is_not
from typing import Any
from weakref import ref as _weakref

import numpy as np

from ._shapes import sum_to
from .errors import DtypeError, GradientShapeError, GraphFreedError, InplaceError, MissingRuleError, ShapeError
from .primitive import JointRules

ndarray = np.ndarray
_NONES = repeat(None)  # (an endless supply of None, to compare each parent with)
_FREED_ARGS = ((), (), (None, None))  # what a freed node with a bare parent keeps in args, by its arity

# ---------------------------------------------------------------------------------------------------
# Grad mode (thread-local, like PyTorch) and global recording switches


class _GradMode(threading.local):
    enabled = True


GRAD_MODE = _GradMode()


class _EngineState:
    """Process-wide switches read on the hot path; plain attributes so a read costs one lookup."""

    __slots__ = ("last_change", "extras", "grad_off")

    def __init__(self) -> None:
        #: the stamp of the latest in-place change of any tensor (0: none yet); a node stamped later than it
        #: cannot have had its cached values changed, so backward checks only nodes stamped earlier
        self.last_change = 0
        #: callbacks run on each new node and each computed gradient (anomaly mode, module scopes); None when off
        self.extras: Any = None
        #: how many threads have grad mode off right now. NOTE: while it is 0 (the usual case), the hot path
        #: knows that recording is on without reading the thread-local flag, which costs several times more
        self.grad_off = 0


#: one counter for node creation and in-place changes: a node's stamp orders it after everything it was
#: computed from (the backward pass visits nodes by decreasing stamp), and an in-place change stamped later
#: than a node happened after the node cached its values
next_stamp = itertools.count(1).__next__

STATE = _EngineState()
_MODE_LOCK = threading.Lock()


def _set_grad_mode(enabled: bool) -> None:
    with _MODE_LOCK:
        if GRAD_MODE.enabled != enabled:
            STATE.grad_off += -1 if enabled else 1
            GRAD_MODE.enabled = enabled


def is_grad_enabled() -> bool:
    """Whether operations are being recorded for the backward pass in this thread."""
    return GRAD_MODE.enabled


class set_grad_enabled(ContextDecorator):
    """Turn recording on or off inside a ``with`` block (or a decorated function), for this thread."""

    def __init__(self, mode: bool) -> None:
        self.mode = bool(mode)
        # NOTE: one instance can be entered by several threads at once (``@cr.no_grad()`` on a function that
        # threads call), so the modes to restore are kept per thread, not on the instance
        self._saved = threading.local()

    def __enter__(self) -> set_grad_enabled:
        stack = self._saved.__dict__.setdefault("stack", [])
        stack.append(GRAD_MODE.enabled)
        _set_grad_mode(self.mode)
        return self

    def __exit__(self, *exc: object) -> None:
        _set_grad_mode(self._saved.stack.pop())


class no_grad(set_grad_enabled):
    """Operations inside do not record a graph (evaluation, optimizer updates).

    >>> import chainrule as cr
    >>> x = cr.tensor([1.0, 2.0], requires_grad=True)
    >>> with cr.no_grad():
    ...     y = x * 2
    >>> y.requires_grad
    False
    """

    def __init__(self) -> None:
        super().__init__(False)


class enable_grad(set_grad_enabled):
    """Record operations again inside a ``no_grad`` block."""

    def __init__(self) -> None:
        super().__init__(True)


# ---------------------------------------------------------------------------------------------------
# Nodes


class Node:
    """One recorded operation: the primitive, its cached inputs and output, and its parents.

    ``parents[i]`` is the :class:`Node` that produced input ``i``, the leaf tensor itself when input
    ``i`` is a leaf that requires a gradient, or ``None`` when no gradient flows to input ``i``.
    ``args`` holds the inputs as given only where some input is a tensor that needs no gradient (so an
    in-place change of that constant can be detected, and drawings can name it); otherwise it is empty.
    ``stamp`` orders nodes: every node is stamped after the nodes it was computed from.
    """

    # NOTE: ``links`` holds the parents as the engine keeps them: a tuple, or, where only input 0 carries a
    # gradient (``tanh(y)``, ``y * 2.0``: most nodes of a long chain), that one parent without a tuple around
    # it. Each tuple holding a node is one more object for Python's cyclic garbage collector to track and
    # traverse again and again while a long graph grows; ``parents`` gives the tuple form either way.
    # ``_raw`` likewise holds the inputs' arrays as a tuple, or for a one-input operation recorded by bind
    # that one array (no tuple to make, count and untrack at every op of a chain); ``raw`` is the tuple form.
    # ``saved`` is set only on nodes of a saving primitive (``saves=True``): a one-item list until its rule
    # takes the item.
    __slots__ = ("prim", "args", "_raw", "params", "ans", "links", "stamp", "meta", "saved", "__weakref__")

    def __init__(self, prim: Any, args: tuple, raw: Any, params: dict, ans: Any, parents: tuple) -> None:
        # NOTE: Tensor's bind() fills these same slots inline, without this call, on its hot path
        self.prim = prim
        self.args = args
        self._raw = raw  # the inputs' arrays, cached for the backward rules; None once freed
        self.params = params
        self.ans = ans
        self.links = parents
        self.stamp = next_stamp()
        self.meta: dict | None = None  # hooks, retained tensors, source lines, module scope

    @property
    def raw(self) -> tuple | None:
        """The inputs' arrays as the node cached them, one per input (None once the backward pass freed them)."""
        raw = self._raw
        return raw if raw is None or type(raw) is tuple else (raw,)

    @property
    def parents(self) -> tuple:
        """The parent of each input (None where no gradient flows), one entry per input."""
        links = self.links
        if type(links) is tuple:
            return links
        raw = self._raw
        if raw is not None and type(raw) is not tuple:  # (one input's array: a one-input node)
            return (links,)
        if raw is None and self.meta is not None:  # freed: a recording may have kept the inputs
            raw = self.meta.get("raw")
        if raw is None:  # freed: the engine left one None per input in args
            raw = self.args
        return (links,) + (None,) * (len(raw) - 1) if raw else (links,)

    @parents.setter
    def parents(self, value: tuple) -> None:
        self.links = tuple(value)

    @property
    def name(self) -> str:
        return self.prim.name

    @property
    def freed(self) -> bool:
        return self._raw is None

    def __repr__(self) -> str:
        state = "freed" if self._raw is None else "live"
        return f"<Node {self.prim.name} ({state})>"


def node_meta(node: Node) -> dict:
    """The node's side table (created on first use), for hooks, retain_grad and drawing."""
    if node.meta is None:
        node.meta = {}
    return node.meta


def toposort(root: Node) -> list[Node]:
    """Nodes reachable from ``root``, each after all of its parents; iterative, so any depth works.

    A node's stamp is later than its parents' (they existed when it was made), so sorting the reachable
    nodes by stamp is a topological order, and its reverse is the order the backward pass visits them.
    """
    seen = {root}
    stack = [root]
    push = stack.append
    pop = stack.pop
    add = seen.add
    while stack:
        links = pop().links
        for p in links if type(links) is tuple else (links,):
            if type(p) is Node and p not in seen:
                add(p)
                push(p)
    return sorted(seen, key=_stamp_of)


def _stamp_of(node: Node) -> int:
    return node.stamp


# ---------------------------------------------------------------------------------------------------
# The backward pass


# In-place changes. NOTE: what matters is memory, not tensor objects: a node caches arrays, and a tensor
# changed in place may share its memory with them (a view, a slice, a detach(), a condition or index array).
# So a change is noted against the array that owns the memory, and a node checks the owners of what it cached.
_CHANGED: dict[int, list] = {}  # id(owning array) -> [weak reference to it, stamp of its last change]


def _owner(a: np.ndarray) -> Any:
    base = a.base
    return a if base is None else base  # NumPy points every view at the array that owns the memory


def _forget(key: int, ref: Any) -> None:
    entry = _CHANGED.get(key)
    if entry is not None and entry[0] is ref:
        del _CHANGED[key]


def note_change(array: np.ndarray) -> int:
    """Note that ``array``'s memory is (being) changed in place; returns the change's stamp."""
    return note_changes((array,))


def note_changes(arrays: list | tuple) -> int:
    """:func:`note_change` for several arrays changed together (an optimizer's step), with one stamp.

    NOTE: call it after the last of the changes: a node recorded meanwhile (by another thread) is then stamped
    earlier than the change and checked, never trusted with a value changed after it was cached.
    """
    stamp = STATE.last_change = next_stamp()
    get = _CHANGED.get
    for array in arrays:
        owner = array.base  # (_owner, inline)
        if owner is None:
            owner = array
        key = id(owner)
        entry = get(key)
        if entry is not None and entry[0]() is owner:  # changed before (a parameter at every step): restamp it
            entry[1] = stamp
            continue
        try:
            ref = _weakref(owner, lambda r, key=key: _forget(key, r))  # the entry goes when the array does
        except TypeError:  # memory owned by an object without weak references: nothing can track it
            continue
        _CHANGED[key] = [ref, stamp]
    return stamp


class ChangeLog:
    """:func:`note_changes` for the same arrays again and again (an optimizer's parameters, once a step).

    The arrays' entries are found once; while each call gives the same arrays, in the same order, noting
    their change is restamping those entries. (It holds the arrays it last noted, so an entry cannot go
    with its array while it is kept here.)
    """

    __slots__ = ("_arrays", "_entries")

    def __init__(self) -> None:
        self._arrays: list = []
        self._entries: list = []

    def note(self, arrays: list) -> int:
        """Note that ``arrays`` were changed in place (call it after the last change); returns the stamp."""
        known = self._arrays
        if len(arrays) == len(known) and all(map(is_, arrays, known)):
            stamp = STATE.last_change = next_stamp()
            for entry in self._entries:
                entry[1] = stamp
            return stamp
        stamp = note_changes(arrays)
        entries = [_CHANGED.get(id(_owner(a))) for a in arrays]
        if any(entry is None for entry in entries):  # (memory nothing can track: note them every time)
            self._arrays, self._entries = [], []
        else:
            self._arrays, self._entries = list(arrays), entries
        return stamp


def _changed_after(a: Any, stamp: int) -> bool:
    if type(a) is not np.ndarray:
        return False
    owner = _owner(a)
    entry = _CHANGED.get(id(owner))
    return entry is not None and entry[1] > stamp and entry[0]() is owner


def _cached_arrays(params: dict) -> Iterator[tuple[str, Any]]:
    for k, v in params.items():
        if isinstance(v, tuple):  # an index: a tuple of slices, integers and arrays
            for item in v:
                yield k, item
        else:
            yield k, v


def _check_unchanged(node: Node) -> None:
    """Raise if an input or the output this node cached was changed in place after the node was recorded."""
    stamp = node.stamp
    if _changed_after(node.ans, stamp):
        raise InplaceError(
            f"{node.prim.name}: its result (shape {np.shape(node.ans)}) was modified in place after the operation "
            "cached it, so the gradient would be wrong. Change a copy instead (t = t + 1 rather than t.add_(1)), "
            "or compute the forward pass again after the change"
        )
    for i, r in enumerate(node.raw):
        if _changed_after(r, stamp):
            raise InplaceError(
                f"{node.prim.name}: input {i} (shape {np.shape(r)}) was modified in place after this operation "
                "cached it (directly, or through a tensor sharing its memory), so its gradient would be wrong. "
                "Compute the forward pass again after the change, or change a copy instead "
                "(e.g. t = t + 1 rather than t += 1)"
            )
    for name, v in _cached_arrays(node.params):
        if _changed_after(v, stamp):
            raise InplaceError(
                f"{node.prim.name}: its {name} argument (shape {np.shape(v)}) was modified in place after this "
                "operation used it, so its gradient would be wrong. Compute the forward pass again after the "
                "change, or change a copy instead"
            )


def backprop(
    root: Any,
    seed: Any,
    *,
    retain_graph: bool = False,
    create_graph: bool = False,
    wrap: Callable[[Any, Any], Any] | None = None,
    targets: list[Any] | None = None,
) -> dict[int, Any] | None:
    """Send ``seed`` = dL/d(root) back through the graph that produced ``root``.

    ``root`` is a :class:`Node` or a leaf tensor. Without ``targets``, the gradients reaching leaf
    tensors are added to their ``.grad``. With ``targets`` (a list of nodes or leaf tensors), nothing is
    accumulated and a dict ``{id(target): gradient}`` is returned instead.

    With ``create_graph``, ``wrap(data, node)`` turns cached arrays into tensors connected to the graph
    so that the rules record their own operations (the backward pass becomes differentiable).
    """
    grads: dict[Any, Any] = {root: seed}
    # NOTE: nodes wait in a heap keyed by decreasing stamp. A node is visited only after every node stamped
    # later, which includes all of its consumers, so its gradient sum is complete when its turn comes; a
    # chain never touches the heap. No separate topological sort, no recursion.
    heap: list[tuple[int, int, Node]] = []  # (-stamp, id, node): copied nodes may share a stamp
    node = root if type(root) is Node else None
    nxt = None  # the first node a visit discovers skips the heap when nothing waiting there is later
    extras = STATE.extras
    want = None if targets is None else {id(t) for t in targets}
    found: dict[int, Any] = {}
    owned: set[int] = set()  # ids of gradient sums allocated here (safe to accumulate into in place)
    pop = grads.pop
    get = grads.get
    lean = not create_graph and extras is None  # (plain arrays, nothing shown to a recording: a chain's short path)
    while node is not None:
        g = pop(node)
        if owned:
            owned.discard(id(g))  # handed to the rules now (which may pass it on as it is): no longer ours
        if node.meta is not None:
            g = _apply_node_meta(node, g)
        if want is not None and id(node) in want:
            found[id(node)] = g
        raw = node._raw
        if raw is None:
            raise GraphFreedError(
                f"backward through {node.prim.name} a second time: its cached values were released "
                "after the first backward pass. Pass retain_graph=True to the first backward() to keep "
                "them, or run the forward pass again."
            )
        changed = STATE.last_change  # (read each time: a hook may change something mid-pass)
        if changed and node.stamp < changed:  # (while nothing was ever changed in place, no stamp is read)
            _check_unchanged(node)
        prim = node.prim
        params = node.params
        links = node.links
        rule = prim.first_rule
        if type(links) is not tuple and lean and rule is not None:
            # NOTE: the one parent of input 0, its own rule and plain arrays: most nodes of a chain. The same
            # steps as the loop below, without its bookkeeping
            if type(raw) is tuple:
                gi = rule(g, node.ans, *raw, **params) if params else rule(g, node.ans, *raw)
                r = raw[0]
            else:  # a one-input node's array itself (see Node)
                gi = rule(g, node.ans, raw, **params) if params else rule(g, node.ans, raw)
                r = raw
            if gi is not None:
                if gi.shape != r.shape or (gi.dtype is not r.dtype and gi.dtype != r.dtype):
                    gi = _fitted(node, 0, gi, r, None)
                prev = get(links)
                if prev is None:
                    grads[links] = gi
                    if type(links) is Node:
                        nxt = links
                else:
                    _accumulate(grads, owned, links, prev, gi)
        else:
            vjps = prim.vjps
            if type(raw) is not tuple:
                raw = (raw,)
            if create_graph:
                ans = wrap(node.ans, node)
                inputs = [
                    wrap(r, p) if type(p) is Node else (p if p is not None else r)
                    for r, p in zip(raw, node.parents, strict=True)
                ]
            else:
                ans = node.ans
                inputs = raw
            joint = None
            if type(vjps) is JointRules:  # one call for every input (they share work): needs[i] says who wants one
                full = links if type(links) is tuple else node.parents  # one entry per input
                needs = tuple(map(is_not, full, _NONES))  # (p is not None for each input's parent)
                if prim.saves:
                    # NOTE: what the forward pass saved goes to the rule once, to use up (a second pass with the
                    # graph retained, or create_graph, which needs recorded values, gets None: the rule recomputes)
                    box = None if create_graph else getattr(node, "saved", None)
                    try:
                        saved = box.pop() if box else None  # (one call, atomic: two threads never both get it)
                    except IndexError:  # (another thread took it just now)
                        saved = None
                    joint = vjps.rule(needs, g, ans, *inputs, saved=saved, **params)
                else:
                    joint = vjps.rule(needs, g, ans, *inputs, **params)
                if type(joint) is not tuple or len(joint) != len(full):
                    joint = _joint_gradients(prim, joint, len(full))
            i = -1
            for p in links if type(links) is tuple else (links,):
                i += 1
                if p is None:  # NOTE: no gradient wanted for this input: its rule is never called
                    continue
                if joint is None:
                    try:
                        rule = vjps[i]
                    except IndexError:
                        rule = None
                    if rule is None:  # an input that needs a gradient but has no rule: say which, not a TypeError
                        rule = prim.vjp_rule(i)
                    gi = rule(g, ans, *inputs, **params) if params else rule(g, ans, *inputs)
                    if gi is None:
                        continue
                else:
                    gi = joint[i]
                    if gi is None:
                        continue
                r = raw[i]
                if gi.shape != r.shape or (gi.dtype is not r.dtype and gi.dtype != r.dtype) or extras is not None:
                    gi = _fitted(node, i, gi, r, extras)
                prev = get(p)
                if prev is None:
                    grads[p] = gi
                    if type(p) is Node:
                        if nxt is None:
                            nxt = p
                        else:
                            heappush(heap, (-p.stamp, id(p), p))
                else:
                    _accumulate(grads, owned, p, prev, gi)
        if not retain_graph:  # release the cached arrays as soon as this node is done
            node._raw = None
            node.ans = None
            if type(raw) is tuple and type(links) is not tuple:
                # (a bare parent leaves one None per input in args, so that parents still has one entry per input)
                node.args = _FREED_ARGS[len(raw)]
            elif node.args:  # (constant tensors kept for the in-place check and drawings: let go of them too)
                node.args = ()
        # the next node is the latest-stamped one waiting (on a chain, simply the parent just reached)
        if nxt is not None:
            node = heappushpop(heap, (-nxt.stamp, id(nxt), nxt))[2] if heap and -heap[0][0] > nxt.stamp else nxt
            nxt = None
        else:
            node = heappop(heap)[2] if heap else None
    # what is left are the gradients of leaf tensors
    if want is not None:
        for leaf, g in grads.items():
            g = _run_hooks(getattr(leaf, "_hooks", None), g)
            if id(leaf) in want:
                found[id(leaf)] = g
        return found
    if create_graph:  # (tensors, recorded: added up as they are)
        handed: set[int] = set()
        for leaf, g in grads.items():
            if leaf._hooks:
                g = _run_hooks(leaf._hooks, g)
            data = getattr(g, "_data", None)
            if type(data) is ndarray and (id(g) in handed or data.base is not None or not data.flags.writeable):
                # a tensor of its own, on the same node: another leaf's .grad, or a read-only view, otherwise
                g = type(g)._wrap(data.copy(), g._node, g.requires_grad)
            handed.add(id(g))
            leaf.grad = g if leaf.grad is None else leaf.grad + g
        return None
    assigned: set[int] = set()  # ids of the arrays handed out as .grad in this pass
    for leaf, g in grads.items():
        if leaf._hooks:
            g = _run_hooks(leaf._hooks, g)
        # NOTE: .grad gets an array of its own: writeable, the leaf's dtype, shared with no other leaf (add's
        # rule hands the same array to both inputs) and no view of a cached value
        dtype = leaf._data.dtype
        if type(g) is not ndarray or (g.dtype is not dtype and g.dtype != dtype):
            g = np.asarray(g, dtype=dtype)
        if g.base is not None or id(g) in assigned or not g.flags.writeable:
            g = g.copy()
        assigned.add(id(g))
        if leaf.grad is None:
            leaf.grad = g
        else:
            total = leaf.grad + g
            # 0-d arrays add up to a NumPy scalar: keep .grad an array, like the tensor it belongs to
            leaf.grad = total if type(total) is np.ndarray else np.asarray(total)
    return None


def _fitted(node: Node, i: int, gi: Any, r: Any, extras: Any) -> Any:
    """Input ``i``'s gradient in its input's shape and dtype (un-broadcast, cast), shown to a recording."""
    if gi.shape != r.shape:  # un-broadcast only where the shapes differ
        gi = _fit_to_input(node, i, gi, r.shape)
    if gi.dtype != r.dtype:
        if gi.dtype.kind == "c" and r.dtype.kind != "c":
            raise DtypeError(
                f"{node.prim.name}: a complex gradient reached its real input {i}: the computation went through "
                "complex numbers, and chainrule's gradient rules are for real numbers (they take no conjugates), so "
                "the result would be wrong. Keep the real and imaginary parts as two real tensors instead"
            )
        gi = gi.astype(r.dtype)
    if extras is not None:
        extras.on_gradient(node, i, gi)
    return gi


def _fit_to_input(node: Node, i: int, gi: Any, shape: tuple[int, ...]) -> Any:
    """Sum a gradient over the axes its input was broadcast along; any other shape is a wrong rule, named."""
    try:
        fitted = sum_to(gi, shape)
    except ShapeError:
        fitted = None
    if fitted is None or fitted.shape != shape:
        raise GradientShapeError(
            f"{node.prim.name}: the backward rule for input {i} returned a gradient of shape {gi.shape}, but the "
            f"input has shape {shape}; a rule must return the input's shape (or the shape broadcasting made of it, "
            "which the engine sums back)"
        )
    return fitted


def _joint_gradients(prim: Any, grads: Any, n: int) -> tuple:
    """A joint rule's answer as one gradient per input (None: no gradient for any), or an error naming the op."""
    if grads is None:
        return (None,) * n
    if type(grads) is list:
        grads = tuple(grads)
    if type(grads) is not tuple or len(grads) != n:
        what = f"{len(grads)} gradients" if type(grads) is tuple else f"a {type(grads).__name__}"
        raise MissingRuleError(
            f"{prim.name}: its joint backward rule returned {what} for {n} inputs; it must return a tuple with "
            "one gradient per input (None where needs[i] is false)"
        )
    return grads


def _accumulate(grads: dict, owned: set[int], p: Any, prev: Any, gi: Any) -> None:
    """Add ``gi`` to the gradient ``p`` has received so far (where a value feeds several gates, they add up)."""
    if id(prev) in owned:
        prev += gi  # a sum the engine made itself: nobody else holds it, so add in place
    else:
        prev = prev + gi
        if type(prev) is ndarray:  # (not a Tensor under create_graph, nor a NumPy scalar)
            owned.add(id(prev))
        grads[p] = prev


def _run_hooks(hooks: list | None, g: Any) -> Any:
    if hooks:
        for hook in hooks:
            out = hook(g)
            if out is not None:
                if np.shape(out) != np.shape(g):
                    raise GradientShapeError(
                        f"a gradient hook returned shape {np.shape(out)} for a gradient of shape {np.shape(g)}"
                    )
                g = out
    return g


def _apply_node_meta(node: Node, g: Any) -> Any:
    meta = node.meta
    g = _run_hooks(meta.get("hooks"), g)
    ref = meta.get("retained")
    if ref is not None:
        t = ref()
        if t is not None:
            # its own array: the same gradient may also become a leaf's .grad, which the user may change
            t.grad = (g.copy() if type(g) is np.ndarray else g) if t.grad is None else t.grad + g
    return g


def iter_graph(root: Node) -> Iterator[Node]:
    """Nodes of the graph behind ``root`` from the output back to the inputs (the order backward visits them)."""
    return reversed(toposort(root))


def check_seed(seed: Any, shape: tuple[int, ...], what: str) -> None:
    if np.shape(seed) != shape:
        raise GradientShapeError(
            f"the gradient given to backward() has shape {np.shape(seed)}, but {what} has shape {shape}; "
            "the seed gradient dL/d(output) must have exactly the output's shape"
        )
