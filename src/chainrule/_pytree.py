"""Nested lists, tuples and dicts of arrays ("pytrees"), flattened to a list of leaves and rebuilt.

The transforms accept and return such structures: ``cr.grad(f)({"w": w, "b": b})`` gives a dict of the same
keys. ``None`` is an empty subtree (no leaves). Both walks are iterative.
"""

from __future__ import annotations

from typing import Any

_LEAF = ("leaf",)
_NONE = ("none",)


def tree_flatten(tree: Any) -> tuple[list[Any], tuple]:
    """The leaves of ``tree`` in order, and a description of its structure for :func:`tree_unflatten`."""
    leaves: list[Any] = []
    spec: list[tuple] = []
    stack = [tree]
    while stack:
        x = stack.pop()
        if isinstance(x, (list, tuple)):
            spec.append((type(x), len(x), None))
            stack.extend(reversed(x))
        elif isinstance(x, dict):
            keys = tuple(x.keys())
            spec.append((type(x), len(keys), keys))
            stack.extend(x[k] for k in reversed(keys))
        elif x is None:
            spec.append(_NONE)
        else:
            spec.append(_LEAF)
            leaves.append(x)
    return leaves, tuple(spec)


def tree_unflatten(spec: tuple, leaves: list[Any]) -> Any:
    """Rebuild the structure described by ``spec`` (from :func:`tree_flatten`) around new ``leaves``."""
    stack: list[Any] = []
    li = len(leaves)
    for entry in reversed(spec):
        if entry is _LEAF or entry == _LEAF:
            li -= 1
            stack.append(leaves[li])
        elif entry == _NONE:
            stack.append(None)
        else:
            kind, n, keys = entry
            children = [stack.pop() for _ in range(n)]
            if keys is not None:
                stack.append(kind(zip(keys, children, strict=True)))
            elif kind is list or kind is tuple:
                stack.append(kind(children))
            elif hasattr(kind, "_fields"):  # a namedtuple
                stack.append(kind(*children))
            else:
                stack.append(kind(children))
    return stack[0]


def tree_map(fn: Any, tree: Any) -> Any:
    """``tree`` with ``fn`` applied to every leaf."""
    leaves, spec = tree_flatten(tree)
    return tree_unflatten(spec, [fn(x) for x in leaves])
