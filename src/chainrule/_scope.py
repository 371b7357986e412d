"""Module scopes: which ``nn.Module`` call an operation ran inside (for drawings that collapse layers).

``Module.__call__`` pushes a :class:`Frame` here only while :data:`SCOPES` is active, which is only
while something asks for it (``chainrule.viz.recording()``); otherwise the cost is one attribute read per
module call and nothing per operation. This sits below ``nn`` and ``viz`` so both can use it without
depending on each other.
"""

from __future__ import annotations

from typing import Any


class Frame:
    """One call of one module: the module object and the call's number (a shared ReLU called twice is two frames)."""

    __slots__ = ("module", "number")

    def __init__(self, module: Any, number: int) -> None:
        self.module = module
        self.number = number

    def __repr__(self) -> str:
        return f"<Frame {type(self.module).__name__} call {self.number}>"


class _Scopes:
    __slots__ = ("active", "stack", "calls")

    def __init__(self) -> None:
        self.active = 0  # how many recorders want scopes (nested recording() blocks)
        self.stack: list[Frame] = []
        self.calls = 0

    def push(self, module: Any) -> Frame:
        self.calls += 1
        frame = Frame(module, self.calls)
        self.stack.append(frame)
        return frame

    def pop(self) -> None:
        self.stack.pop()

    def current(self) -> tuple[Frame, ...]:
        return tuple(self.stack)


#: the process-wide scope stack (recording is process-wide, like ``engine.STATE.extras``)
SCOPES = _Scopes()
