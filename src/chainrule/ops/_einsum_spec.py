"""einsum's ellipsis, ``'...ij,...jk->...ik'``: written out with a letter for each broadcast axis, as NumPy does."""

from __future__ import annotations

import string
from collections.abc import Sequence

from ..errors import ShapeError, UnsupportedArgumentError


def expand_ellipsis(spec: str, shapes: Sequence[tuple[int, ...]]) -> str:
    """``spec`` with every ``...`` replaced by fresh letters, and the output named (``->`` always present).

    The axes an ellipsis stands for broadcast together, aligned from the right (an operand with fewer of them gets
    the rightmost letters). Without ``->`` the output is NumPy's: the ellipsis axes, then the letters that appear
    once, in alphabetical order. With ``->`` and no ``...`` in the output, no operand may have ellipsis axes.
    """
    spec = spec.replace(" ", "")
    lhs, arrow, out = spec.partition("->")
    ins = lhs.split(",")
    if len(ins) != len(shapes):
        raise ShapeError(f"einsum: the subscripts {spec!r} name {len(ins)} operand(s) but {len(shapes)} were given")
    for s in ins + ([out] if arrow else []):
        if s.count("...") > 1 or "." in s.replace("...", ""):
            raise ShapeError(
                f"einsum {spec!r}: each operand and the output may hold one ellipsis '...', and no other '.'"
            )
    counts = []
    for s, shape in zip(ins, shapes, strict=True):
        named = len(s.replace("...", ""))
        if "..." in s and len(shape) < named:
            raise ShapeError(f"einsum {spec!r}: subscripts {s!r} name {named} axes but the operand has shape {shape}")
        counts.append(len(shape) - named if "..." in s else 0)
    fresh = [c for c in string.ascii_letters if c not in spec]
    n = max(counts, default=0)
    if n > len(fresh):
        raise UnsupportedArgumentError(f"einsum {spec!r}: not enough unused letters for {n} ellipsis axes")
    ell = "".join(fresh[:n])
    new_ins = [s.replace("...", ell[n - k :]) for s, k in zip(ins, counts, strict=True)]
    if arrow:
        if "..." in out:
            out = out.replace("...", ell)
        elif n:
            raise ShapeError(
                f"einsum {spec!r}: the output has more dimensions than subscripts given, but no '...' to broadcast "
                f"the extra dimensions (operand shapes {list(shapes)})"
            )
    else:
        letters = "".join(s.replace("...", "") for s in ins)
        out = ell + "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    return ",".join(new_ins) + "->" + out
