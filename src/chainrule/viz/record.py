"""Recording what drawings and traces need: forward values, module scopes, and every gradient the engine sends.

Inside ``with cr.viz.recording():`` the engine's hook slot (``engine.STATE.extras``) holds a
:class:`Recorder`. For each new node it keeps, in ``node.meta``:

* ``value`` / ``raw`` / ``args`` — the output and inputs (the engine frees its own copies after backward);
* ``scope``  — the ``nn.Module`` calls the operation ran inside (for collapsing layers);
* ``upstream`` and ``visit`` — dL/d(output) as the engine handed it to the node's rules, and when;
* ``grads``  — ``{input index: contribution}``, each the engine's own product upstream x local.

The engine stays generic: it only calls ``on_node`` / ``on_gradient`` and the node's hooks, as it does for
any hook. Outside ``recording()`` nothing here runs.
"""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from .. import engine
from .._scope import SCOPES
from ..engine import node_meta
from ..tensor import Tensor


def _plain(g: Any) -> np.ndarray:
    """A private copy of a gradient as a NumPy array (create_graph passes Tensors; later code may mutate arrays)."""
    return np.array(g.data if isinstance(g, Tensor) else g, copy=True)


class Recorder:
    """The engine hook object installed by :func:`recording`; forwards every call to the hook it replaced."""

    def __init__(self, previous: Any) -> None:
        self.previous = previous

    # -- engine hooks -------------------------------------------------------------------------------
    def on_node(self, node: Any, out: Any) -> None:
        self.adopt(node, out)
        if SCOPES.stack:
            node.meta["scope"] = SCOPES.current()
        if self.previous is not None:
            self.previous.on_node(node, out)

    def on_value(self, prim: Any, raw: Any, out: Any) -> None:
        if self.previous is not None:
            self.previous.on_value(prim, raw, out)

    def on_gradient(self, node: Any, i: int, gi: Any) -> None:
        node_meta(node).setdefault("grads", {})[i] = _plain(gi)
        if self.previous is not None:
            self.previous.on_gradient(node, i, gi)

    def adopt(self, node: Any, out: Any) -> None:
        """Keep ``node``'s values and watch its upstream gradient (for new nodes, and live ones made outside)."""
        meta = node_meta(node)
        if "created" in meta:
            return
        meta["created"] = next(_CREATED)
        meta["value"] = out
        meta["raw"] = node.raw
        meta["args"] = node.args
        # a node hook sees dL/d(output) exactly as the engine passes it to the rules (after fan-out sums)
        meta.setdefault("hooks", []).insert(0, _UpstreamHook(node))


#: process-wide counters, so nodes recorded by different recording() blocks still compare in order
_CREATED = itertools.count(1)
_VISITS = itertools.count(1)


def _upstream(node: Any, g: Any) -> None:
    meta = node.meta
    meta["visit"] = next(_VISITS)
    meta["upstream"] = _plain(g)
    meta.pop("grads", None)  # a new backward pass through this node: forget the previous pass's edges


class _UpstreamHook:
    """Records the upstream gradient and returns None, so the engine's value is left unchanged."""

    __slots__ = ("node",)

    def __init__(self, node: Any) -> None:
        self.node = weakref.ref(node)  # the node owns this hook: a strong reference would make a cycle

    def __call__(self, g: Any) -> None:
        node = self.node()
        if node is not None:
            _upstream(node, g)


@contextmanager
def recording() -> Iterator[Recorder]:
    """Keep what drawings and traces need for the operations and backward passes run inside.

    Without it, ``backward()`` frees the forward values and nothing remembers the gradient on each edge.

    >>> import chainrule as cr
    >>> with cr.viz.recording():
    ...     x = cr.tensor(3.0, requires_grad=True, name="x")
    ...     y = x * x
    ...     y.backward()
    >>> print(cr.viz.trace(y).steps[-1].text)
    dL/dx = 3 + 3 = 6
    """
    state = engine.STATE
    rec = Recorder(state.extras)
    state.extras = rec
    SCOPES.active += 1
    try:
        yield rec
    finally:
        SCOPES.active -= 1
        state.extras = rec.previous


def is_recorded(node: Any) -> bool:
    """Whether ``node`` was created inside :func:`recording`."""
    return node.meta is not None and "created" in node.meta
