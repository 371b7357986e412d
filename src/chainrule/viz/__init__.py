"""See the chain rule: draw the graph with values and gradients, and narrate the backward pass step by step.

>>> import chainrule as cr
>>> with cr.viz.recording():
...     x = cr.tensor(1.5, requires_grad=True, name="x")
...     f = cr.sin(x ** 2)
...     f.backward()
>>> steps = cr.viz.trace(f).steps        # the engine's own numbers, in the order it ran them
>>> svg = cr.viz.draw(f).text            # the picture: values forward (blue), gradients back (red)
"""

from __future__ import annotations

from .drawing import DrawError, Drawing, draw
from .graph import label
from .page import html_page, write_page
from .record import recording
from .trace import NotRecordedError, Step, Trace, trace

__all__ = [
    "DrawError",
    "Drawing",
    "draw",
    "NotRecordedError",
    "Step",
    "Trace",
    "html_page",
    "label",
    "recording",
    "trace",
    "write_page",
]
