"""Anomaly mode: stop at the first operation that turns finite numbers into NaN or infinity.

Inside ``with cr.detect_anomaly():`` every operation on tensors is watched, in the forward pass and in the
backward pass. The first one whose output (or gradient) holds NaN or inf while its inputs (or its upstream
gradient) were finite raises :class:`~chainrule.errors.AnomalyError` naming the operation, its input shapes
and the line of *your* code that created it — recorded when the node was made, so a NaN that appears deep in
a backward pass still points at the line that built the operation.

>>> import numpy as np, chainrule as cr
>>> x = cr.tensor([0.0, 1.0], requires_grad=True)
>>> with cr.detect_anomaly():
...     y = x * cr.log(x)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
chainrule.errors.AnomalyError: the forward pass of 'log' turned finite inputs into -inf ...

It costs a finiteness check per operation and a look at the call stack per recorded node, so it is off
by default; it works through the engine's ``STATE.extras`` hooks and chains any hooks already installed.
"""

from __future__ import annotations

import linecache
import os
import sys
from contextlib import ContextDecorator
from typing import Any

import numpy as np

from .engine import STATE, Node, node_meta
from .errors import AnomalyError

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
_NUMPY_DIR = os.path.dirname(os.path.abspath(np.__file__))


def user_source_line() -> str:
    """``file:line in function: code`` of the innermost caller outside chainrule and NumPy."""
    frame = sys._getframe(1)
    while frame is not None:
        path = os.path.abspath(frame.f_code.co_filename)
        if not (path.startswith(_PACKAGE_DIR) or path.startswith(_NUMPY_DIR) or "contextlib" in path):
            code = linecache.getline(frame.f_code.co_filename, frame.f_lineno).strip()
            return f"{frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}: {code}"
        frame = frame.f_back
    return "<unknown>"


def _data(x: Any) -> Any:
    return getattr(x, "_data", x)


def _bad(x: Any) -> str | None:
    """Which non-finite values ``x`` holds ("NaN", "inf", "-inf"), or None when all are finite."""
    a = _data(x)
    if not isinstance(a, (np.ndarray, np.generic, float)):
        return None
    a = np.asarray(a)
    if a.dtype.kind not in "fc" or np.isfinite(a).all():
        return None
    if np.isnan(a).any():
        return "NaN"
    return "inf" if (a == np.inf).any() else "-inf"


def _shapes(raw: Any) -> str:
    return ", ".join(str(np.shape(_data(r))) for r in raw) or "none"


class _AnomalyHooks:
    """The ``STATE.extras`` object of anomaly mode (it also calls the hooks that were there before)."""

    def __init__(self, previous: Any) -> None:
        self.previous = previous

    def on_node(self, node: Node, out: Any) -> None:
        if self.previous is not None:
            self.previous.on_node(node, out)
        source = user_source_line()
        node_meta(node)["source"] = source
        self._check_forward(node.prim, node.raw, out, source)

    def on_value(self, prim: Any, raw: Any, out: Any) -> None:
        if self.previous is not None:
            self.previous.on_value(prim, raw, out)
        self._check_forward(prim, raw, out, None)

    def on_gradient(self, node: Node, i: int, gi: Any) -> None:
        if self.previous is not None:
            self.previous.on_gradient(node, i, gi)
        what = _bad(gi)
        if what is None:
            return
        source = (node.meta or {}).get("source", "<recorded before detect_anomaly() was entered>")
        raise AnomalyError(
            f"the backward pass of '{node.prim.name}' produced {what} in the gradient of its input {i} (shape "
            f"{np.shape(_data(gi))}); the operation's input shapes were {_shapes(node.raw or node.args)}. "
            f"It was created at {source}. The gradient reaching it was finite, so its local derivative is "
            "infinite or undefined at these values (log or sqrt at 0, division by 0, x**y at 0): keep the "
            "input away from that point, e.g. with cr.where or cr.clip before the operation"
        )

    @staticmethod
    def _check_forward(prim: Any, raw: Any, out: Any, source: str | None) -> None:
        what = _bad(out)
        if what is None or any(_bad(r) for r in raw):
            return  # finite, or already non-finite on the way in (masks of -inf are legitimate)
        source = source or user_source_line()
        raise AnomalyError(
            f"the forward pass of '{prim.name}' turned finite inputs into {what} (input shapes {_shapes(raw)}), "
            f"at {source}. Look for log or division of 0, sqrt of a negative number, or overflow of exp; "
            "NaN and inf spread silently to everything computed from them"
        )


class detect_anomaly(ContextDecorator):
    """Raise :class:`~chainrule.errors.AnomalyError` at the first NaN or inf made in a forward or backward pass.

    Use as ``with cr.detect_anomaly(): ...`` or as a decorator. Nodes recorded inside remember the line of
    user code that created them, which the error quotes also for a later backward pass.
    """

    def __init__(self) -> None:
        self._saved: list[Any] = []

    def __enter__(self) -> detect_anomaly:
        self._saved.append(STATE.extras)
        STATE.extras = _AnomalyHooks(STATE.extras)
        return self

    def __exit__(self, *exc: object) -> None:
        STATE.extras = self._saved.pop()


__all__ = ["detect_anomaly", "user_source_line"]
