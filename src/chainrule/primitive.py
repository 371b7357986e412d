"""Primitives: an operation's forward function and its derivative rules, declared together as data.

A primitive is the unit the engine records. Each one says, in one place:

* ``forward``   the NumPy computation, ``forward(*inputs, **params) -> ans``;
* ``vjp``       one backward rule per input, ``rule(g, ans, *inputs, **params)`` returning dL/d(input)
                = upstream gradient ``g`` times the local derivative (``None`` where no gradient flows);
* ``jvp``       one forward-mode rule per input, ``rule(t, ans, *inputs, **params)`` returning the
                output tangent caused by that input's tangent ``t``; or a shorthand:
                ``"elementwise"`` (the vjp rule is already ``upstream * local`` elementwise, so it serves
                as the jvp rule too) or ``"linear"`` (the op is linear in that input: push the tangent
                through the forward function itself).
* ``saves``     optional: the forward also returns what its backward rule will need again,
                ``forward(*inputs, **params) -> (ans, saved)`` (a fused layer's hidden activations, a
                softmax); the recorded node keeps ``saved`` and hands it to the rule once (see :class:`Op`).
* ``checked_forward``  optional: the function the rules are the derivatives of, where that is not ``forward``
                (one that reads a single triangle of a symmetric input, whose gradient is the symmetric one);
                finite-difference checks differentiate it.

Rules are written with chainrule's own operations, so the backward pass can itself be recorded
(``create_graph=True``) and differentiated again. The engine never looks at a primitive's name.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

from .errors import MissingRuleError

Rule = Callable[..., Any] | None
JvpRule = Callable[..., Any] | str | None

#: every primitive defined so far, by name (built-ins and user-defined ones alike)
REGISTRY: dict[str, Primitive] = {}

JVP_SHORTHANDS = ("elementwise", "linear")


class Primitive:
    """An operation with its forward function and per-input derivative rules.

    >>> import numpy as np
    >>> square = Primitive("my_square", np.square, vjp=(lambda g, ans, x: g * 2 * x,), jvp="elementwise")
    >>> square.vjps[0](1.0, None, 3.0)
    6.0
    """

    __slots__ = (
        "name",
        "forward",
        "forward_saving",
        "vjps",
        "jvps",
        "differentiable",
        "saves",
        "doc",
        "first_rule",
        "checked_forward",
    )

    def __init__(
        self,
        name: str,
        forward: Callable[..., Any],
        vjp: Rule | Sequence[Rule] = None,
        jvp: JvpRule | Sequence[JvpRule] = None,
        *,
        differentiable: bool = True,
        saves: bool = False,
        doc: str | None = None,
        register: bool = True,
        checked_forward: Callable[..., Any] | None = None,
    ) -> None:
        if not callable(forward):
            raise TypeError(f"primitive {name!r}: forward must be callable, got {type(forward).__name__}")
        vjps = _as_rules(vjp)
        jvps = _as_rules(jvp)
        if differentiable and not any(r is not None for r in vjps):
            raise MissingRuleError(
                f"primitive {name!r} defines no backward (vjp) rule; give one per input, "
                "or pass differentiable=False for an operation without a gradient (like argmax)"
            )
        for r in vjps:
            if r is not None and not callable(r):
                raise TypeError(f"primitive {name!r}: each vjp rule must be callable or None, got {r!r}")
        for r in jvps:
            if r is not None and not callable(r) and r not in JVP_SHORTHANDS:
                raise TypeError(f"primitive {name!r}: each jvp rule must be callable, None, or one of {JVP_SHORTHANDS}")
        if isinstance(jvps, tuple) and len(jvps) == 1 and len(vjps) > 1 and isinstance(jvps[0], str):
            jvps = jvps * len(vjps)  # one shorthand applies to every input
        if saves and not isinstance(vjps, JointRules):
            # NOTE: the saved values are handed over once, to one rule call that may reuse their memory: with one
            # rule per input, the second rule would find them spent
            raise TypeError(
                f"primitive {name!r}: saves=True needs one backward rule for all inputs, vjp=JointRules(rule, n), "
                "which receives the saved values as its keyword argument saved"
            )
        if saves and not _takes_keyword(vjps.rule, "saved"):
            raise TypeError(
                f"primitive {name!r}: saves=True hands the saved values to the joint rule as its keyword argument "
                "saved; give the rule a parameter saved=None (None where there is nothing saved to give)"
            )
        self.name = name
        self.saves = bool(saves)
        # a saving forward returns (ans, saved); everything but the recording (constants, forward mode,
        # gradcheck) calls .forward and gets the answer alone
        self.forward_saving = forward if saves else None
        self.forward = _answer_of(forward, name) if saves else forward
        self.vjps = vjps  # (sets first_rule too: see __setattr__)
        self.jvps = jvps
        self.differentiable = differentiable
        # the function whose derivative the rules give, where it is not the forward itself (a forward that reads
        # one triangle of a symmetric input has the symmetric gradient: the derivative of forward(sym(a))); what
        # finite-difference checks of the rules (gradcheck_graph) differentiate
        self.checked_forward = checked_forward or self.forward
        self.doc = doc or getattr(forward, "__doc__", None)
        if register:
            REGISTRY[name] = self

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)
        if name == "vjps":
            # input 0's own rule, read by the engine's short path for the nodes of a chain (kept in step with vjps):
            # None where the rules are joint or variadic, or input 0 has none, which the general path handles
            object.__setattr__(self, "first_rule", value[0] if type(value) is tuple and value else None)

    def vjp_rule(self, argnum: int) -> Callable[..., Any]:
        """The backward rule for input ``argnum``, or a :class:`MissingRuleError` naming the op."""
        rules = self.vjps
        rule = rules[argnum] if argnum < len(rules) else None
        if rule is None:
            raise MissingRuleError(
                f"{self.name}: no gradient rule for input {argnum}; that input cannot require a gradient "
                "(pass it as a constant, or give the primitive a vjp rule for it)"
            )
        return rule

    def jvp_rule(self, argnum: int) -> JvpRule:
        """The forward-mode rule for input ``argnum`` (callable or shorthand), or an error naming the op."""
        rules = self.jvps
        rule = rules[argnum] if argnum < len(rules) else None
        if rule is None:
            raise MissingRuleError(
                f"{self.name}: no forward-mode (jvp) rule for input {argnum}; forward mode cannot pass "
                "through this operation (use reverse mode, or give the primitive a jvp rule)"
            )
        if rule == "elementwise":
            return self.vjp_rule(argnum)
        return rule

    def __repr__(self) -> str:
        return f"<primitive {self.name}>"


def _takes_keyword(fn: Callable[..., Any], name: str) -> bool:
    """Whether ``fn`` accepts the keyword argument ``name`` (True where its signature cannot be read)."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return True
    return any(
        p.kind is p.VAR_KEYWORD or (p.name == name and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY))
        for p in params
    )


def not_a_saving_result(name: str, out: Any) -> TypeError:
    """The error for a ``saves=True`` forward function that returned something other than ``(ans, saved)``."""
    what = f"an array of shape {out.shape}" if hasattr(out, "shape") else f"a {type(out).__name__}"
    return TypeError(
        f"{name}: a primitive made with saves=True returns (ans, saved) from its forward function, got {what}"
    )


def _answer_of(forward: Callable[..., Any], name: str) -> Callable[..., Any]:
    """A saving forward function without its saved values."""

    def answer(*inputs: Any, **params: Any) -> Any:
        out = forward(*inputs, **params)
        if type(out) is not tuple or len(out) != 2:
            raise not_a_saving_result(name, out)
        return out[0]

    answer.__doc__ = forward.__doc__
    answer.__name__ = getattr(forward, "__name__", "forward")
    return answer


def _as_rules(rules: Any) -> Any:
    if rules is None:
        return ()
    if isinstance(rules, (VariadicRules, JointRules)):
        return rules
    if callable(rules) or isinstance(rules, str):
        return (rules,)
    return tuple(rules)


class JointRules:
    """One backward rule for all of a primitive's inputs at once, where their gradients share work.

    ``rule(needs, g, ans, *inputs, **params)`` returns one gradient per input, computing only those with
    ``needs[i]`` true (``None`` elsewhere). A fused layer uses it to make its masked upstream gradient once
    for the gradients of x, W and b (PyTorch's derivatives table does the same with its ``grad_input_mask``).
    The engine calls the rule once per visit; indexing gives one input's rule, for what asks for rules one
    at a time (``gradcheck_graph``, the step-by-step trace).

    Without ``n`` the primitive takes any number of inputs (``needs`` has one entry per input given).
    For a primitive with ``saves=True`` the rule also takes the keyword ``saved``: what the forward pass
    saved, or ``None`` where the engine has nothing to give (the rule then computes it again).
    """

    __slots__ = ("rule", "n")

    def __init__(self, rule: Callable[..., Any], n: int | None = None) -> None:
        if not callable(rule):
            raise TypeError(f"JointRules: the rule must be callable, got {rule!r}")
        self.rule = rule
        self.n = None if n is None else int(n)  # None: any number of inputs (a stack of layers)

    def __getitem__(self, argnum: int) -> Callable[..., Any]:
        if argnum < 0 or (self.n is not None and argnum >= self.n):
            raise IndexError(argnum)
        rule = self.rule

        def one(g: Any, ans: Any, *inputs: Any, **params: Any) -> Any:
            needs = tuple(j == argnum for j in range(len(inputs)))
            return rule(needs, g, ans, *inputs, **params)[argnum]

        return one

    def __len__(self) -> int:
        return (1 << 30) if self.n is None else self.n

    def __iter__(self):
        for i in range(1 if self.n is None else self.n):
            yield self[i]


class VariadicRules:
    """Rules for a primitive that takes any number of array inputs (concatenate, stack, einsum).

    ``rule(argnum, g, ans, *inputs, **params)`` serves every input; indexing gives the per-input rule the
    engine calls, so the engine treats variadic and fixed-arity primitives the same way.
    """

    __slots__ = ("rule",)

    def __init__(self, rule: Callable[..., Any]) -> None:
        self.rule = rule

    def __getitem__(self, argnum: int) -> Callable[..., Any]:
        rule = self.rule
        return lambda *a, **k: rule(argnum, *a, **k)

    def __len__(self) -> int:
        return 1 << 30

    def __iter__(self):
        yield self.rule
