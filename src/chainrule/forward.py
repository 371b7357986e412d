"""Forward mode: push tangents through a computation in the same pass that computes its values.

A :class:`Dual` is a value ``x`` travelling together with a tangent ``t`` (the directional derivative of
``x`` along the direction the caller chose). Every primitive that receives a dual runs twice in one step:
its forward function on the values, and its forward-mode rule on the tangents,
``t_out = sum_i jvp_i(t_i, ans, *inputs)`` — the Jacobian of the primitive applied to the input tangents.
One pass over ``f`` gives ``f(x)`` and ``J_f(x) t``; no graph is stored and no backward pass runs.

How it hooks into the engine: :func:`chainrule.tensor.bind` (the hot path) reads one module attribute,
``tensor._FORWARD``, which is None unless a ``jvp`` runs; while one runs, every primitive call is first
offered to :func:`_forward_bind` here, which handles duals and returns ``NotImplemented`` otherwise.

Nesting, and why duals carry a level. Each ``jvp`` call gets a fresh level (a number that grows with
nesting). A dual's value (``primal``) and tangent may themselves be duals of lower levels, or Tensors that
reverse mode records — so ``jvp`` of ``grad``, ``grad`` of ``jvp`` and ``jvp`` of ``jvp`` all work. A
primitive handles only the highest level among its arguments and passes the rest down; a dual of another
(enclosing) level is a constant to the inner ``jvp``. Without levels, the tangent of an outer ``jvp``
could be mistaken for the inner one's ("perturbation confusion").
"""

from __future__ import annotations

import importlib
import itertools
import threading
from typing import Any

import numpy as np

from .errors import InplaceError
from .primitive import Primitive
from .tensor import Tensor, bind

# the module itself (``chainrule.tensor`` the attribute is the ``tensor()`` function, which shadows it)
_tensor = importlib.import_module(".tensor", __package__)


class Dual(Tensor):
    """A value and its tangent at one forward-mode level (made by :func:`chainrule.jvp`; read-only).

    It is a :class:`Tensor` so that every operation, method and NumPy function accepts it; its ``data``
    are the plain values of its primal.
    """

    __slots__ = ("_level", "_primal", "_tangent")

    @property
    def primal(self) -> Any:
        """The value (an array, a Tensor, or a dual of an enclosing ``jvp``)."""
        return self._primal

    @property
    def tangent(self) -> Any:
        """The directional derivative carried along with the value."""
        return self._tangent

    @property
    def data(self) -> np.ndarray:
        """The plain values of the primal (not tracked)."""
        return self._data

    @data.setter
    def data(self, value: Any) -> None:
        self._check_inplace("setting .data")

    def _check_inplace(self, what: str) -> None:
        raise InplaceError(
            f"{what}: values inside cr.jvp carry tangents and cannot be changed in place; compute a new value instead"
        )

    def __repr__(self) -> str:
        return f"Dual(level={self._level}, primal={self._primal!r}, tangent={self._tangent!r})"


def make_dual(level: int, primal: Any, tangent: Any) -> Dual:
    """A :class:`Dual` of ``primal`` and ``tangent`` at ``level`` (no checks: callers shape them)."""
    d = object.__new__(Dual)
    d._data = primal._data if isinstance(primal, Tensor) else np.asarray(primal)
    d.grad = None
    d.requires_grad = False
    d._node = None
    d._hooks = None
    d.name = None
    d._level = level
    d._primal = primal
    d._tangent = tangent
    return d


# ---------------------------------------------------------------------------------------------------
# Levels and the switch in bind

_LEVELS = itertools.count(1)  # a fresh, larger number for every jvp: inner (later) levels are higher
_LOCK = threading.Lock()
_ACTIVE = [0]  # how many jvp calls are running, in all threads


class _Transforms(threading.local):
    depth = 0  # how many transforms (grad, vjp, jvp ...) enclose the running code in this thread


TRANSFORMS = _Transforms()


def new_level() -> int:
    """Open a forward-mode level (and switch the hook in bind on); close it with :func:`end_level`."""
    with _LOCK:
        _ACTIVE[0] += 1
        _tensor._FORWARD = _forward_bind
    return next(_LEVELS)


def end_level() -> None:
    with _LOCK:
        _ACTIVE[0] -= 1
        if _ACTIVE[0] == 0:
            _tensor._FORWARD = None


def _data_of(x: Any) -> Any:
    return x._data if isinstance(x, Tensor) else x


def _forward_bind(prim: Primitive, args: tuple, params: dict) -> Any:
    """Run ``prim`` on arguments some of which are duals: the value and the tangent in one step."""
    level = 0
    for a in args:
        if type(a) is Dual and a._level > level:
            level = a._level
    if not level:
        return NotImplemented  # no dual here: bind carries on as usual
    primals = list(args)
    tangents: list[Any] = [None] * len(args)
    for i, a in enumerate(args):
        if type(a) is Dual and a._level == level:
            primals[i] = a._primal
            tangents[i] = a._tangent
    ans = bind(prim, *primals, **params)  # lower levels (and reverse mode) are handled inside
    if not prim.differentiable:
        return ans  # booleans, indices, rounded values: no tangent
    out_t = None
    for i, t in enumerate(tangents):
        if t is None:
            continue
        rule = prim.jvp_rule(i)  # a MissingRuleError names the primitive and the input
        if rule == "linear":
            # linear in this input: the tangent goes through the operation itself
            replaced = list(primals)
            replaced[i] = t
            ti = bind(prim, *replaced, **params)
        else:
            ti = rule(t, ans, *primals, **params)
        if ti is None:
            continue
        out_t = ti if out_t is None else _ops.add(out_t, ti)
    if out_t is None:
        return ans
    value = _data_of(ans)
    if np.shape(_data_of(out_t)) != np.shape(value):
        # an input broadcast in the forward pass: its tangent is broadcast the same way
        out_t = _ops.broadcast_to(out_t, np.shape(value))
    dtype = np.result_type(value)
    if dtype.kind in "fc" and np.result_type(_data_of(out_t)) != dtype:
        out_t = _ops.astype(out_t, dtype=dtype)
    return make_dual(level, ans, out_t)


from . import ops as _ops  # noqa: E402  (the tangent arithmetic uses chainrule's own operations)
