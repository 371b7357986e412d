"""``chainrule explain``: the chain rule for any expression, or one of the primer's examples, from the command line.

    chainrule explain "sin(x*y) + x/y" --at x=1.5 --at y=-2 [--draw graph.svg] [--html page.html] [--json]
    chainrule explain --example composition|composition3|multivariable|gates|dense3

Prints the value, every partial derivative and the narrated backward pass. Bad input gets a one-line
message pointing at the column, and exit status 2 — never a traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
from typing import Any

import numpy as np

from ..errors import ChainruleError
from . import format as fmt

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register the ``explain`` subcommand on ``subparsers`` (from ``ArgumentParser.add_subparsers``)."""
    from .examples import EXAMPLES

    p = subparsers.add_parser(
        "explain",
        help="the chain rule for an expression, step by step: value, partial derivatives, narrated backward pass",
        description="Parse an expression (+ - * / ** unary minus, parentheses, exp log sqrt sin cos tan tanh sigmoid "
        "relu abs max min ...; never eval), evaluate it at the given point, and narrate the backward pass with "
        "the numbers chainrule's engine computed.",
        epilog='example: chainrule explain "sin(x*y) + x/y" --at x=1.5 --at y=-2 --draw graph.svg',
    )
    p.add_argument("expression", nargs="?", help='the expression, e.g. "sin(x*y) + x/y"')
    p.add_argument("--at", action="append", default=[], metavar="NAME=VALUE", help="a variable's value (repeat)")
    p.add_argument("--example", choices=sorted(EXAMPLES), help="run one of the primer's examples instead")
    p.add_argument("--draw", metavar="PATH", help="write the graph picture (.svg, .png or .dot)")
    p.add_argument("--html", metavar="PATH", help="write the interactive page (one self-contained HTML file)")
    p.add_argument("--json", action="store_true", help="print value, gradients and steps as JSON instead of text")
    p.add_argument("--precision", type=int, default=4, help="significant digits in the narration (default: 4)")
    p.add_argument("--expand", action="store_true", help="draw every gate (do not collapse network layers)")
    return p


class ExplainError(ChainruleError, ValueError):
    """A problem with the command's input, printed as one line (with a caret under the column)."""


def _values(pairs: list[str]) -> dict[str, float]:
    out: dict[str, float] = {}
    for text in pairs:
        name, sep, value = text.partition("=")
        name = name.strip()
        if not sep or not _NAME.match(name):
            raise ExplainError(f"--at expects NAME=NUMBER, like --at x=1.5; got {text!r}")
        try:
            v = float(value)
        except ValueError:
            raise ExplainError(f"--at {name}: {value.strip()!r} is not a number") from None
        if not math.isfinite(v):
            raise ExplainError(f"--at {name}: give a finite number, not {value.strip()!r}")
        if name in out:
            raise ExplainError(f"--at {name} is given twice")
        out[name] = v
    return out


def _from_expression(source: str, at: list[str]) -> Any:
    from ..tensor import tensor
    from .examples import Example
    from .expr import CONSTANTS, FUNCTIONS, evaluate, parse, variables
    from .graph import label
    from .record import recording

    tree = parse(source)
    values = _values(at)
    used = variables(tree)
    for name, col in used.items():
        if name in FUNCTIONS:
            raise ColumnError(f"'{name}' at column {col} is a function: call it like {name}(x)", col)
    for name, col in used.items():
        if name not in values and name not in CONSTANTS:
            raise ColumnError(f"missing value for {name} (used at column {col}); give it with --at {name}=VALUE", col)
    extra = [n for n in values if n not in used]
    if extra:
        known = ", ".join(used) or "none"
        raise ExplainError(f"--at {extra[0]}: the expression has no variable {extra[0]} (its variables: {known})")
    leaves = {n: tensor(values[n], requires_grad=True, name=n) for n in used if n in values}
    with recording():
        out = evaluate(tree, source, leaves)
        if getattr(out, "requires_grad", False):
            label(out, "f")
            out.backward()
    names = ", ".join(leaves)
    return Example(f"f({names}) = {' '.join(source.split())}", out, list(leaves.items()))


class ColumnError(ExplainError):
    def __init__(self, message: str, column: int) -> None:
        super().__init__(message)
        self.column = column


def _array(v: Any) -> Any:
    from ..tensor import Tensor

    return v.data if isinstance(v, Tensor) else np.asarray(v)


def report(ex: Any, precision: int) -> str:
    """The text ``chainrule explain`` prints for a computed example."""
    from .trace import trace

    out = ex.output
    lines = [ex.title]
    pts = [f"{n} = {fmt.summary(t.data, 6)}" for n, t in ex.inputs if t.size == 1]
    if pts:
        lines.append("  at " + ", ".join(pts))
    lines += [f"  {note}" for note in ex.notes]
    if not getattr(out, "requires_grad", False):
        value = _array(out)
        lines += ["", f"value: {fmt.summary(value, 10)}", "no variables: there is nothing to differentiate"]
        return "\n".join(lines)
    name = out.name or "f"
    lines += ["", f"value:  {name} = {fmt.summary(out.data, 10)}", "", "partial derivatives:"]
    for n, t in ex.inputs:
        g = t.grad
        shown = fmt.summary(g, 10) if g is not None and g.size <= 4 else fmt.grad_summary(g, precision)
        lines.append(f"  d{name}/{fmt.d(n)} = {shown}")
    lines += ["", str(trace(out, precision=precision))]
    return "\n".join(lines)


def _json(ex: Any, precision: int) -> str:
    from .trace import trace

    out = ex.output
    doc: dict[str, Any] = {"title": ex.title, "value": fmt.to_float(_array(out))}
    doc["gradients"] = {
        n: (fmt.to_float(t.grad) if t.grad is not None and t.grad.size == 1 else None) for n, t in ex.inputs
    }
    doc["steps"] = trace(out, precision=precision).records() if getattr(out, "requires_grad", False) else []
    return json.dumps(doc, indent=2)


def _check_draw_path(path: str) -> None:
    suffix = os.path.splitext(path)[1].lower().lstrip(".")
    if suffix not in ("", "svg", "png", "dot"):
        raise ExplainError(
            f"--draw {path}: unknown drawing format {suffix!r}; the file name must end in .svg, .png or .dot"
        )
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise ExplainError(f"--draw {path}: the folder {folder} does not exist")


def run(args: argparse.Namespace) -> int:
    """Handle ``chainrule explain``; returns the exit status (2 for bad input, with a one-line message)."""
    from .examples import EXAMPLES

    source = args.expression
    try:
        if args.example and source:
            raise ExplainError("give either an expression or --example NAME, not both")
        if not args.example and not source:
            raise ExplainError('give an expression, e.g. chainrule explain "sin(x*y) + x/y" --at x=1.5 --at y=-2')
        if args.precision < 1 or args.precision > 17:
            raise ExplainError(f"--precision must be between 1 and 17, got {args.precision}")
        if args.draw:
            _check_draw_path(args.draw)  # before the narration: a bad path should not come after a page of output
        if args.example:
            if args.at:
                raise ExplainError("--at sets an expression's variables; the examples bring their own values")
            ex = EXAMPLES[args.example]()
        else:
            with np.errstate(
                all="ignore"
            ):  # nan/inf are reported as values; NumPy's warnings would show our source lines
                ex = _from_expression(source, args.at)
        print(_json(ex, args.precision) if args.json else report(ex, args.precision))
        out = ex.output
        drawable = getattr(out, "requires_grad", False)
        if (args.draw or args.html) and not drawable:
            raise ExplainError("there is no graph to draw: the expression has no variables")
        if args.draw:
            from .drawing import draw

            drawing = draw(out, args.draw, collapse=ex.collapse and not args.expand, precision=args.precision)
            print(f"wrote {args.draw} ({drawing.format})", file=sys.stderr)
        if args.html:
            from .page import write_page

            write_page(out, args.html, title=ex.title, collapse=ex.collapse and not args.expand)
            print(f"wrote {args.html}", file=sys.stderr)
        return 0
    except ChainruleError as e:
        col = getattr(e, "column", 0)
        print(f"chainrule explain: error: {e}", file=sys.stderr)
        if source and col:
            print(f"  {source}\n  {' ' * (col - 1)}^", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `chainrule explain ... | head` stopped reading: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as e:
        print(f"chainrule explain: error: cannot write {e.filename}: {e.strerror}", file=sys.stderr)
        return 2


def main(argv: list[str] | None = None) -> int:
    """Run ``chainrule explain`` alone (the full CLI registers it as a subcommand)."""
    parser = argparse.ArgumentParser(prog="chainrule")
    sub = parser.add_subparsers(dest="command")
    add_parser(sub)
    args = parser.parse_args(["explain", *(sys.argv[1:] if argv is None else argv)])
    return run(args)
