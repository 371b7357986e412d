"""What each gate does to the gradient, in words, for the narrated backward pass.

This is teaching text only: the numbers always come from the engine (each primitive's own rules). Ops not
listed here are described generically, so a user-defined primitive is narrated too.
``{x}``, ``{y}`` stand for the inputs' labels and ``{z}`` for the output's; a formula with ``{g}`` (the
upstream gradient) gives the whole dL/dx rather than the local derivative.
"""

from __future__ import annotations

# name: (routing behaviour, local derivative dz/d(input i) per input)
RULES: dict[str, tuple[str, tuple[str, ...]]] = {
    "add": ("add distributes: every input gets the upstream gradient unchanged", ("1", "1")),
    "subtract": ("subtract distributes, flipping the sign for the second input", ("1", "-1")),
    "multiply": ("multiply swaps: each input gets the upstream gradient times the other input", ("{y}", "{x}")),
    "divide": ("divide: dz/dx = 1/y, dz/dy = -x/y**2", ("1/{y}", "-{x}/{y}**2")),
    "power": ("power: dz/dx = y*x**(y-1), dz/dy = z*ln(x)", ("{y}*{x}**({y}-1)", "{z}*ln({x})")),
    "maximum": ("max routes the gradient to the larger input (at a tie, half to each)", ("[{x} > {y}]", "[{y} > {x}]")),
    "minimum": (
        "min routes the gradient to the smaller input (at a tie, half to each)",
        ("[{x} < {y}]", "[{y} < {x}]"),
    ),
    "negative": ("negative flips the sign", ("-1",)),
    "absolute": ("abs passes the gradient with the sign of its input", ("sign({x})",)),
    "exp": ("exp: the local derivative is its own output", ("exp({x}) = {z}",)),
    "log": ("log scales by one over its input", ("1/{x}",)),
    "sqrt": ("sqrt scales by 1/(2 sqrt(x))", ("1/(2*sqrt({x}))",)),
    "square": ("square scales by twice its input", ("2*{x}",)),
    "reciprocal": ("reciprocal scales by -1/x**2", ("-1/{x}**2",)),
    "sin": ("sin scales by cos of its input", ("cos({x})",)),
    "cos": ("cos scales by -sin of its input", ("-sin({x})",)),
    "tan": ("tan scales by 1 + tan(x)**2", ("1 + {z}**2",)),
    "sinh": ("sinh scales by cosh of its input", ("cosh({x})",)),
    "cosh": ("cosh scales by sinh of its input", ("sinh({x})",)),
    "tanh": ("tanh scales by 1 - tanh(x)**2", ("1 - {z}**2",)),
    "sigmoid": ("sigmoid scales by s*(1 - s) with s its output", ("{z}*(1 - {z})",)),
    "relu": ("relu gates: passes the gradient where its input is positive, blocks it elsewhere", ("[{x} > 0]",)),
    "softplus": ("softplus scales by sigmoid of its input", ("sigmoid({x})",)),
    "log1p": ("log1p scales by 1/(1 + x)", ("1/(1 + {x})",)),
    "expm1": ("expm1 scales by exp(x)", ("exp({x})",)),
    "arctan": ("arctan scales by 1/(1 + x**2)", ("1/(1 + {x}**2)",)),
    "arcsin": ("arcsin scales by 1/sqrt(1 - x**2)", ("1/sqrt(1 - {x}**2)",)),
    "arccos": ("arccos scales by -1/sqrt(1 - x**2)", ("-1/sqrt(1 - {x}**2)",)),
    "matmul": ("matmul: dL/dA = dL/dZ @ B^T and dL/dB = A^T @ dL/dZ", ("{g} @ {y}^T", "{y}^T @ {g}")),
    "affine": (
        "affine (x @ W + b in one gate): matmul's rules for x and W, and b gets the upstream summed over the batch",
        ("{g} @ W^T", "x^T @ {g}", "sum of {g} over the batch"),
    ),
    "affine_relu": (
        "affine_relu (x @ W + b, then ReLU, in one gate): the upstream is blocked where the output is 0, then "
        "affine's rules",
        ("({g} * [{z} > 0]) @ W^T", "x^T @ ({g} * [{z} > 0])", "sum of {g} * [{z} > 0] over the batch"),
    ),
    "softmax_cross_entropy": (
        "softmax cross-entropy (one gate): the gradient is (softmax(z) - one_hot(labels)) / batch size",
        ("(softmax({x}) - one_hot(labels)) / n",),
    ),
    "sum": ("sum copies the upstream gradient to every entry it added", ("1",)),
    "mean": ("mean copies the upstream gradient to every entry, divided by their count", ("1/n",)),
    "max": ("max routes the gradient to the largest entry", ("[entry is the max]",)),
    "min": ("min routes the gradient to the smallest entry", ("[entry is the min]",)),
    "log_softmax": ("log_softmax: g - softmax(x) * sum(g)", ("",)),
    "softmax": ("softmax: s * (g - sum(g * s))", ("",)),
    "getitem": ("indexing routes the gradient to the entries it picked (zeros elsewhere)", ("",)),
    "take_along_axis": ("take_along_axis routes the gradient to the entries it picked", ("",)),
    "reshape": ("reshape passes the gradient through, reshaped back", ("",)),
    "transpose": ("transpose passes the gradient through, transposed back", ("",)),
    "broadcast_to": ("broadcast_to sums the gradient over the copies", ("",)),
    "astype": ("astype passes the gradient through, cast back", ("",)),
    "where": ("where routes the gradient to the branch that was chosen", ("", "[cond]", "[not cond]")),
}


def routing(op: str) -> str:
    """The gate's behaviour in one sentence."""
    rule = RULES.get(op)
    return rule[0] if rule else f"{op}: upstream gradient times the local derivative from {op}'s backward rule"


def local_formula(op: str, i: int, x: str, y: str, z: str, g: str = "dL/dz") -> tuple[str, bool]:
    """The local derivative dz/d(input i) as a formula in the given labels ('' where there is no short one),
    and whether it is instead the whole gradient dL/d(input i) (rules like matmul's, written with ``g``)."""
    rule = RULES.get(op)
    if not rule or i >= len(rule[1]):
        return "", False
    template = rule[1][i]
    return template.format(x=x, y=y, z=z, g=g), "{g}" in template
