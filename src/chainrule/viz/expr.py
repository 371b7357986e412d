"""A small, safe expression language for ``chainrule explain``: parsed by hand, evaluated with chainrule ops.

Grammar (lowest precedence first; ``**`` binds tighter than unary minus, as in Python, so ``-x**2`` is
``-(x**2)``)::

    expr    := term (("+" | "-") term)*
    term    := unary (("*" | "/") unary)*
    unary   := ("-" | "+") unary | power
    power   := atom ("**" unary)?                      right-associative
    atom    := NUMBER | NAME | NAME "(" expr ("," expr)* ")" | "(" expr ")"

Nothing is ever handed to Python's ``eval``. Parsing is operator precedence with explicit stacks and
evaluation walks the tree with an explicit stack, so no input can exhaust Python's recursion limit;
nesting deeper than :data:`MAX_DEPTH` is refused with a message all the same (nobody writes that by
hand). Every error names the 1-based column it is about.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass, field
from typing import Any

from ..errors import ChainruleError

MAX_DEPTH = 1000  # nesting levels (parentheses, calls, signs) the parser accepts
MAX_LENGTH = 10_000  # characters


class ExprError(ChainruleError, ValueError):
    """A problem in the expression, with the 1-based ``column`` it points at (0 when it is about the whole)."""

    def __init__(self, message: str, column: int = 0) -> None:
        super().__init__(message)
        self.column = column


def _ops() -> Any:
    from .. import ops  # the evaluator needs the operations; the parser alone does not

    return ops


# name: (arity, how to apply it to evaluated arguments). max/min take two or more arguments.
FUNCTIONS: dict[str, tuple[int, str]] = {
    "exp": (1, "exp"),
    "log": (1, "log"),
    "ln": (1, "log"),
    "log2": (1, "log2"),
    "log10": (1, "log10"),
    "log1p": (1, "log1p"),
    "expm1": (1, "expm1"),
    "sqrt": (1, "sqrt"),
    "square": (1, "square"),
    "sin": (1, "sin"),
    "cos": (1, "cos"),
    "tan": (1, "tan"),
    "asin": (1, "arcsin"),
    "acos": (1, "arccos"),
    "atan": (1, "arctan"),
    "arcsin": (1, "arcsin"),
    "arccos": (1, "arccos"),
    "arctan": (1, "arctan"),
    "sinh": (1, "sinh"),
    "cosh": (1, "cosh"),
    "tanh": (1, "tanh"),
    "sigmoid": (1, "sigmoid"),
    "relu": (1, "relu"),
    "softplus": (1, "softplus"),
    "abs": (1, "absolute"),
    "max": (-2, "maximum"),
    "min": (-2, "minimum"),
    "pow": (2, "power"),
}
CONSTANTS = {"pi": math.pi, "e": math.e}

_TOKEN = re.compile(
    r"""(?P<ws>\s+)
      | (?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
      | (?P<op>\*\*|[-+*/(),^])""",
    re.VERBOSE,
)


@dataclass
class Token:
    kind: str  # "num" | "name" | "op" | "end"
    text: str
    col: int  # 1-based


@dataclass
class Expr:
    """A parsed expression: ``kind`` is num, var, neg, pos, bin (``op``), or call (``op`` is the function)."""

    kind: str
    col: int
    start: int  # span in the source (0-based, end exclusive), for naming intermediate values
    end: int
    op: str = ""
    value: float = 0.0
    args: list[Expr] = field(default_factory=list, repr=False)  # repr would recurse
    # the span including any parentheses around it: what an enclosing expression's text must cover
    outer_start: int = -1
    outer_end: int = -1

    def __post_init__(self) -> None:
        if self.outer_start < 0:
            self.outer_start, self.outer_end = self.start, self.end


def tokenize(source: str) -> list[Token]:
    """The tokens of ``source``; an unexpected character is an :class:`ExprError` at its column."""
    if len(source) > MAX_LENGTH:
        raise ExprError(f"expression too long ({len(source)} characters; at most {MAX_LENGTH})")
    tokens: list[Token] = []
    pos = 0
    while pos < len(source):
        m = _TOKEN.match(source, pos)
        if m is None:
            ch = source[pos]
            hint = " (use ** for powers)" if ch == "^" else ""
            raise ExprError(f"unexpected character {ch!r} at column {pos + 1}{hint}", pos + 1)
        kind = m.lastgroup or ""
        if kind != "ws":
            if kind == "op" and m.group() == "^":
                raise ExprError(f"'^' at column {pos + 1} is not a power here: write x**2", pos + 1)
            tokens.append(Token(kind, m.group(), pos + 1))
        pos = m.end()
    tokens.append(Token("end", "", len(source) + 1))
    return tokens


_BINARY = {"+": (1, "left"), "-": (1, "left"), "*": (2, "left"), "/": (2, "left"), "**": (4, "right")}
_UNARY_PREC = 3  # below ** (so -x**2 is -(x**2)), above * and /


class _Frame:
    """An entry of the operator stack: a binary or unary operator, an open parenthesis, or an open call."""

    __slots__ = ("kind", "tok", "args", "prec")

    def __init__(self, kind: str, tok: Token, prec: int = 0) -> None:
        self.kind = kind  # "bin" | "unary" | "paren" | "call"
        self.tok = tok
        self.prec = prec
        self.args = 1  # arguments seen so far, for calls


class _Parser:
    """Operator precedence (shunting-yard) with explicit stacks: no recursion, whatever the nesting."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = tokenize(source)
        self.out: list[Expr] = []
        self.ops: list[_Frame] = []

    def reduce(self) -> None:
        f = self.ops.pop()
        t = f.tok
        if f.kind == "unary":
            operand = self.out.pop()
            kind = "neg" if t.text == "-" else "pos"
            self.out.append(Expr(kind, t.col, t.col - 1, operand.outer_end, args=[operand]))
        else:
            right = self.out.pop()
            left = self.out.pop()
            self.out.append(Expr("bin", t.col, left.outer_start, right.outer_end, op=t.text, args=[left, right]))

    def reduce_to_bracket(self, closing: Token) -> _Frame:
        while self.ops and self.ops[-1].kind in ("bin", "unary"):
            self.reduce()
        if not self.ops:
            raise ExprError(f"unmatched ')' at column {closing.col}", closing.col)
        return self.ops[-1]

    def parse(self) -> Expr:
        tokens = self.tokens
        if tokens[0].kind == "end":
            raise ExprError("the expression is empty", 1)
        expect_operand = True
        i = 0
        while True:
            t = tokens[i]
            if expect_operand:
                if t.kind == "num":
                    self.out.append(Expr("num", t.col, t.col - 1, t.col - 1 + len(t.text), value=float(t.text)))
                    expect_operand = False
                elif t.kind == "name":
                    if tokens[i + 1].text == "(":
                        self.call(t)
                        self.push(_Frame("call", t), tokens[i + 1])
                        i += 1
                        if tokens[i + 1].text == ")":
                            self.arity_error(t, 0)
                    else:
                        self.out.append(Expr("var", t.col, t.col - 1, t.col - 1 + len(t.text), op=t.text))
                        expect_operand = False
                elif t.text in ("-", "+"):
                    self.push(_Frame("unary", t, _UNARY_PREC), t)
                elif t.text == "(":
                    if tokens[i + 1].text == ")":
                        raise ExprError(f"empty parentheses at column {t.col}", t.col)
                    self.push(_Frame("paren", t), t)
                elif t.kind == "end":
                    raise ExprError(f"the expression ends too early at column {t.col}: a value is missing", t.col)
                else:
                    raise ExprError(f"expected a number, a variable or '(' at column {t.col}, found {t.text!r}", t.col)
            else:
                if t.text in _BINARY:
                    prec, assoc = _BINARY[t.text]
                    while self.ops and self.ops[-1].kind in ("bin", "unary"):
                        top = self.ops[-1].prec
                        if top > prec or (top == prec and assoc == "left"):
                            self.reduce()
                        else:
                            break
                    self.push(_Frame("bin", t, prec), t)
                    expect_operand = True
                elif t.text == ",":
                    frame = self.reduce_to_bracket(t)
                    if frame.kind != "call":
                        raise ExprError(
                            f"unexpected ',' at column {t.col} (commas separate a function's arguments)", t.col
                        )
                    frame.args += 1
                    expect_operand = True
                elif t.text == ")":
                    frame = self.reduce_to_bracket(t)
                    self.ops.pop()
                    if frame.kind == "call":
                        self.finish_call(frame, t)
                    else:  # the group's text keeps its parentheses when it is part of a larger expression
                        inner = self.out[-1]
                        inner.outer_start, inner.outer_end = frame.tok.col - 1, t.col
                elif t.kind == "end":
                    while self.ops:
                        f = self.ops[-1]
                        if f.kind in ("paren", "call"):
                            raise ExprError(
                                f"expected ')' at column {t.col} to close the '(' at column "
                                f"{f.tok.col + (len(f.tok.text) if f.kind == 'call' else 0)}, found the end of the expression",
                                t.col,
                            )
                        self.reduce()
                    return self.out[0]
                else:
                    raise ExprError(
                        f"unexpected {t.text!r} at column {t.col}; is an operator missing before it?", t.col
                    )
            i += 1

    def push(self, frame: _Frame, tok: Token) -> None:
        # pending operators and brackets are the nesting depth (a flat a+b+c+... never piles up)
        if len(self.ops) >= MAX_DEPTH:
            raise ExprError(f"expression nested too deeply at column {tok.col} (more than {MAX_DEPTH} levels)", tok.col)
        self.ops.append(frame)

    def call(self, name: Token) -> None:
        if name.text not in FUNCTIONS:
            close = difflib.get_close_matches(name.text, list(FUNCTIONS), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f"; known functions: {', '.join(sorted(FUNCTIONS))}"
            raise ExprError(f"unknown function '{name.text}' at column {name.col}{hint}", name.col)

    def arity_error(self, name: Token, got: int) -> None:
        arity = FUNCTIONS[name.text][0]
        want = f"at least {-arity} arguments" if arity < 0 else f"{arity} argument{'s' if arity != 1 else ''}"
        raise ExprError(f"{name.text}() takes {want}, got {got} (at column {name.col})", name.col)

    def finish_call(self, frame: _Frame, close: Token) -> None:
        name = frame.tok
        arity = FUNCTIONS[name.text][0]
        n = frame.args
        if not (n >= -arity if arity < 0 else n == arity):
            self.arity_error(name, n)
        args = self.out[len(self.out) - n :]
        del self.out[len(self.out) - n :]
        self.out.append(Expr("call", name.col, name.col - 1, close.col, op=name.text, args=args))


def parse(source: str) -> Expr:
    """Parse ``source`` into an :class:`Expr` tree (never evaluates anything)."""
    return _Parser(source).parse()


def variables(tree: Expr) -> dict[str, int]:
    """Each variable's name and the column of its first use, in order of appearance."""
    found: dict[str, int] = {}
    stack = [tree]
    while stack:
        e = stack.pop()
        if e.kind == "var" and e.op not in found:
            found[e.op] = e.col
        stack.extend(reversed(e.args))
    return dict(sorted(found.items(), key=lambda kv: kv[1]))


def evaluate(tree: Expr, source: str, values: dict[str, Any], label_limit: int = 16) -> Any:
    """Compute ``tree`` with chainrule operations; ``values`` maps each variable to a tensor (or number).

    Intermediate results are labelled with their source text when it is short (``x*y``), so drawings and
    traces speak the expression's own language.
    """
    ops = _ops()
    from .graph import label as set_label

    binary = {"+": ops.add, "-": ops.subtract, "*": ops.multiply, "/": ops.divide, "**": ops.power}
    results: dict[int, Any] = {}
    stack: list[tuple[Expr, bool]] = [(tree, False)]
    while stack:
        e, done = stack.pop()
        if not done:
            stack.append((e, True))
            stack.extend((a, False) for a in reversed(e.args))
            continue
        args = [results.pop(id(a)) for a in e.args]
        if e.kind == "num":
            out: Any = e.value
        elif e.kind == "var":
            if e.op in values:
                out = values[e.op]
            elif e.op in CONSTANTS:
                out = CONSTANTS[e.op]
            else:
                raise ExprError(
                    f"missing value for {e.op} (used at column {e.col}); give it with --at {e.op}=VALUE", e.col
                )
        elif e.kind == "neg":
            out = ops.negative(args[0])
        elif e.kind == "pos":
            out = args[0]
        elif e.kind == "bin":
            out = binary[e.op](args[0], args[1])
        else:
            fn = getattr(ops, FUNCTIONS[e.op][1])
            out = args[0]
            if FUNCTIONS[e.op][0] < 0:
                for a in args[1:]:
                    out = fn(out, a)
            else:
                out = fn(*args)
        text = " ".join(source[e.start : e.end].split())
        if e.kind not in ("num", "var", "pos") and len(text) <= label_limit and getattr(out, "node", None) is not None:
            set_label(out, text)
        results[id(e)] = out
    return results[id(tree)]
