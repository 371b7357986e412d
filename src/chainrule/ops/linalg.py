"""Linear algebra and its gradients.

=====================  ==========================================================================
op                     gradients (g is dL/d(result))
=====================  ==========================================================================
matmul(a, b)           dA = g @ B^T,  dB = A^T @ g   (1-D operands promoted as NumPy does; batch
                       dimensions that were broadcast are summed back by the engine)
einsum(spec, *ops)     for each operand, the einsum of g with the other operands back to its
                       subscripts (diagonals and summed-only indices handled)
dot, outer, trace,     composed from matmul, multiply, einsum
tensordot
norm(x)                g * x / norm(x) for the 2-norm / Frobenius norm; 0 where the norm is 0
norm(x, p)             g * sign(x) (|x| / norm)**(p-1); 0 where x = 0 or the norm is 0 (other ords are
                       composed from abs, sum, max and min; matrix ords 2, -2, 'nuc' from svdvals)
=====================  ==========================================================================
"""

from __future__ import annotations

import string
from typing import Any

import numpy as np

from .._shapes import broadcast_shapes, normalize_axis
from ..errors import InvalidArgumentError, ShapeError, UnsupportedArgumentError
from ..primitive import VariadicRules
from ._base import data_of, defprim, shape_of, zeros_like_grad
from ._einsum_spec import expand_ellipsis
from .elementwise import absolute, multiply, sign, where
from .reduce import _spread, max, sum
from .shape import astype, broadcast_to, expand_dims, ravel, reshape, squeeze, swapaxes, transpose


# -- matmul -------------------------------------------------------------------------------------------
def _matmul_forward(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    try:
        return np.matmul(a, b)
    except ValueError:
        sa, sb = np.shape(a), np.shape(b)
        if len(sa) == 0 or len(sb) == 0:
            raise ShapeError(
                f"matmul: operands must have at least one dimension, got shapes {sa} and {sb} (use * for scalars)"
            ) from None
        ka = sa[-1]
        kb = sb[-2] if len(sb) > 1 else sb[0]
        if ka != kb:
            raise ShapeError(
                f"matmul: shapes {sa} and {sb} are not aligned: the last dimension of the first ({ka}) "
                f"must equal the {'second-to-last' if len(sb) > 1 else 'only'} dimension of the second ({kb})"
            ) from None
        broadcast_shapes("matmul (batch dimensions)", sa[:-2], sb[:-2])
        raise


def _promote_g(g: Any, a_nd: int, b_nd: int) -> Any:
    # NumPy treats a 1-D left operand as a row (1, k) and a 1-D right operand as a column (k, 1), then drops
    # that axis from the result; put the dropped axes back into g so both rules are plain matrix products
    if b_nd == 1:
        g = expand_dims(g, -1)
    if a_nd == 1:
        g = expand_dims(g, -2)
    return g


def _matmul_da(g: Any, ans: Any, a: Any, b: Any) -> Any:
    a_nd, b_nd = len(shape_of(a)), len(shape_of(b))
    b_t = reshape(b, (1, -1)) if b_nd == 1 else swapaxes(b, -1, -2)
    da = matmul(_promote_g(g, a_nd, b_nd), b_t)
    return squeeze(da, -2) if a_nd == 1 else da  # batch axes that a was broadcast over: summed by the engine


def _matmul_db(g: Any, ans: Any, a: Any, b: Any) -> Any:
    a_nd, b_nd = len(shape_of(a)), len(shape_of(b))
    a_t = reshape(a, (-1, 1)) if a_nd == 1 else swapaxes(a, -1, -2)
    db = matmul(a_t, _promote_g(g, a_nd, b_nd))
    return squeeze(db, -1) if b_nd == 1 else db


def _matmul_jvp_a(t: Any, ans: Any, a: Any, b: Any) -> Any:
    return matmul(t, b)


def _matmul_jvp_b(t: Any, ans: Any, a: Any, b: Any) -> Any:
    return matmul(a, t)


matmul = defprim("matmul", _matmul_forward, vjp=(_matmul_da, _matmul_db), jvp=(_matmul_jvp_a, _matmul_jvp_b))
matmul.doc = "Matrix product with NumPy's rules for 1-D operands and broadcast batch dimensions."


def dot(a: Any, b: Any) -> Any:
    """NumPy's ``dot``: a product for scalars, ``matmul`` for 1-D and 2-D, a sum over the last and
    second-to-last axes otherwise (computed by ``np.dot`` itself, so the values agree to the last bit)."""
    na, nb = len(shape_of(a)), len(shape_of(b))
    if na == 0 or nb == 0:
        return multiply(a, b)
    if nb <= 2 and na <= 2:
        return matmul(a, b)
    if nb == 1:
        return matmul(a, b)
    return _contraction(a, b, "dot", ([na - 1], [nb - 2]))


def vdot(a: Any, b: Any) -> Any:
    """Dot product of the flattened arrays."""
    return matmul(ravel(a), ravel(b))


inner = None  # set below, after tensordot


def outer(a: Any, b: Any) -> Any:
    """Outer product of two vectors (inputs are flattened, as in NumPy)."""
    return multiply(reshape(ravel(a), (-1, 1)), reshape(ravel(b), (1, -1)))


# -- einsum -------------------------------------------------------------------------------------------
def _parse_einsum(spec: str, n: int) -> tuple[list[str], str]:
    spec = spec.replace(" ", "")
    if "." in spec:
        raise UnsupportedArgumentError("einsum: ellipsis ('...') is not supported; name every axis")
    if "->" in spec:
        lhs, out = spec.split("->")
    else:
        lhs = spec
        letters = lhs.replace(",", "")
        out = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    ins = lhs.split(",")
    if len(ins) != n:
        raise ShapeError(f"einsum: the subscripts {spec!r} name {len(ins)} operand(s) but {n} were given")
    return ins, out


def _einsum_forward(*ops: np.ndarray, spec: str) -> np.ndarray:
    try:
        return np.einsum(spec, *ops, optimize=len(ops) > 2)
    except ValueError as e:
        raise ShapeError(f"einsum {spec!r}: {e}; operand shapes {[o.shape for o in ops]}") from None


def _einsum_vjp(argnum: int, g: Any, ans: Any, *ops: Any, spec: str) -> Any:
    ins, out = _parse_einsum(spec, len(ops))
    target = ins[argnum]
    shape = shape_of(ops[argnum])
    sizes = dict(zip(target, shape, strict=True))
    used = set(out) | {c for i, s in enumerate(ins) if i != argnum for c in s}
    fresh = iter(c for c in string.ascii_letters if c not in set("".join(ins) + out))
    # a repeated letter (a diagonal, as in "ii->") gets a fresh name tied to it by an identity matrix
    result, extra_subs, extra_ops, seen = [], [], [], set()
    for c in target:
        if c in seen:
            f = next(fresh)
            extra_subs.append(c + f)
            extra_ops.append(np.eye(sizes[c], dtype=np.result_type(data_of(g))))
            result.append(f)
        else:
            seen.add(c)
            result.append(c)
    # a letter summed only inside this operand: its gradient is copied along it (a vector of ones)
    for c in seen:
        if c not in used:
            extra_subs.append(c)
            extra_ops.append(np.ones(sizes[c], dtype=np.result_type(data_of(g))))
    others = [(s, o) for i, (s, o) in enumerate(zip(ins, ops, strict=True)) if i != argnum]
    subs = [out] + [s for s, _ in others] + extra_subs
    operands = [g] + [o for _, o in others] + extra_ops
    grad = einsum(",".join(subs) + "->" + "".join(result), *operands)
    got = shape_of(grad)
    if got != shape:
        # NumPy's einsum broadcasts an axis of length 1 against the other operands' length for the same letter:
        # sum the gradient over the axes this operand was stretched along, spread it along those it was not
        stretched = tuple(d for d, (n, m) in enumerate(zip(shape, got, strict=True)) if n == 1 and m != 1)
        if stretched:
            grad = sum(grad, axis=stretched, keepdims=True)
        grad = broadcast_to(grad, shape)
    return grad


def _einsum_jvp(argnum: int, t: Any, ans: Any, *ops: Any, spec: str) -> Any:
    replaced = list(ops)
    replaced[argnum] = t
    return einsum(spec, *replaced)


_einsum = defprim("einsum", _einsum_forward, vjp=VariadicRules(_einsum_vjp), jvp=VariadicRules(_einsum_jvp))


def einsum(subscripts: str, *operands: Any) -> Any:
    """Einstein summation (as ``np.einsum``, ellipsis ``...`` included), differentiable in every operand.

    >>> import chainrule as cr
    >>> a = cr.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> cr.einsum("ii->", a).item()
    5.0
    """
    if "." in subscripts:  # ellipsis: written out with a letter per broadcast axis
        subscripts = expand_ellipsis(subscripts, [shape_of(o) for o in operands])
    ins, out = _parse_einsum(subscripts, len(operands))
    for s, o in zip(ins, operands, strict=True):
        if len(s) != len(shape_of(o)):
            raise ShapeError(
                f"einsum {subscripts!r}: subscripts {s!r} name {len(s)} axes but the operand has shape {shape_of(o)}"
            )
    return _einsum(*operands, spec=",".join(ins) + "->" + out)


def _contraction_spec(na: int, nb: int, axes: tuple[tuple[int, ...], tuple[int, ...]]) -> str:
    """The einsum subscripts of a sum of products over ``axes`` (free axes of ``a``, then of ``b``)."""
    ax_a, ax_b = axes
    letters = iter(string.ascii_letters)
    sa = [next(letters) for _ in range(na)]
    sb = [next(letters) for _ in range(nb)]
    for i, j in zip(ax_a, ax_b, strict=True):
        sb[j] = sa[i]
    out = [c for i, c in enumerate(sa) if i not in ax_a] + [c for j, c in enumerate(sb) if j not in ax_b]
    return "".join(sa) + "," + "".join(sb) + "->" + "".join(out)


def _contraction_forward(a: np.ndarray, b: np.ndarray, how: str, axes: Any, spec: str) -> np.ndarray:
    # NumPy's own function computes the value (np.einsum sums in another order: the last bits would differ)
    if how == "tensordot":
        return np.tensordot(a, b, axes=axes)
    if how == "inner":
        return np.inner(a, b)
    return np.dot(a, b)


def _contraction_vjp(argnum: int, g: Any, ans: Any, a: Any, b: Any, how: str, axes: Any, spec: str) -> Any:
    return _einsum_vjp(argnum, g, ans, a, b, spec=spec)


def _contraction_jvp(argnum: int, t: Any, ans: Any, a: Any, b: Any, how: str, axes: Any, spec: str) -> Any:
    ops = [a, b]
    ops[argnum] = t
    return _contraction_prim(*ops, how=how, axes=axes, spec=spec)


_contraction_prim = defprim(
    "tensordot",
    _contraction_forward,
    vjp=VariadicRules(_contraction_vjp),
    jvp=VariadicRules(_contraction_jvp),
)


def _contraction(a: Any, b: Any, how: str, axes: Any) -> Any:
    na, nb = len(shape_of(a)), len(shape_of(b))
    ax_a, ax_b = axes
    ax_a = tuple(int(x) % na for x in ax_a)
    ax_b = tuple(int(x) % nb for x in ax_b)
    if len(ax_a) != len(ax_b):
        raise ShapeError(f"{how}: axes {axes} name {len(ax_a)} and {len(ax_b)} axes; they must pair up")
    for i, j in zip(ax_a, ax_b, strict=True):
        if shape_of(a)[i] != shape_of(b)[j]:
            raise ShapeError(
                f"{how}: shape mismatch for the summed axes: {shape_of(a)} (axis {i}) and {shape_of(b)} (axis {j})"
            )
    spec = _contraction_spec(na, nb, (ax_a, ax_b))
    numpy_axes = (ax_a, ax_b) if how == "tensordot" else None
    return _contraction_prim(a, b, how=how, axes=numpy_axes, spec=spec)


def tensordot(a: Any, b: Any, axes: Any = 2) -> Any:
    """Sum products over the given axes (as ``np.tensordot``, which computes the value)."""
    na = len(shape_of(a))
    if isinstance(axes, (int, np.integer)):
        ax_a = list(range(na - int(axes), na))
        ax_b = list(range(int(axes)))
    else:
        ax_a, ax_b = axes
        ax_a = [ax_a] if isinstance(ax_a, (int, np.integer)) else list(ax_a)
        ax_b = [ax_b] if isinstance(ax_b, (int, np.integer)) else list(ax_b)
    return _contraction(a, b, "tensordot", (ax_a, ax_b))


def _inner(a: Any, b: Any) -> Any:
    """Inner product over the last axes (as ``np.inner``, which computes the value)."""
    na, nb = len(shape_of(a)), len(shape_of(b))
    if na == 0 or nb == 0:
        return multiply(a, b)
    return _contraction(a, b, "inner", ([na - 1], [nb - 1]))


inner = _inner


def trace(x: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
    """Sum along a diagonal (as ``np.trace``)."""
    return sum(diagonal(x, offset=offset, axis1=axis1, axis2=axis2), axis=-1)


def _diagonal_forward(x: np.ndarray, offset: int, axis1: int, axis2: int) -> np.ndarray:
    return np.diagonal(x, offset, axis1, axis2).copy()


def _diagonal_vjp(g: Any, ans: Any, x: Any, offset: int, axis1: int, axis2: int) -> Any:
    return _diag_embed(g, shape=shape_of(x), offset=offset, axis1=axis1, axis2=axis2)


def _diag_embed_forward(g: np.ndarray, shape: tuple[int, ...], offset: int, axis1: int, axis2: int) -> np.ndarray:
    out = np.zeros(shape, dtype=g.dtype)
    view = np.diagonal(out, offset, axis1, axis2)
    view.setflags(write=True)  # np.diagonal returns a read-only view of out's memory; write the diagonal through it
    view[...] = g
    return out


_diagonal = defprim("diagonal", _diagonal_forward, vjp=_diagonal_vjp, jvp="linear")
_diag_embed = defprim(
    "diag_embed",
    _diag_embed_forward,
    vjp=lambda g, ans, u, shape, offset, axis1, axis2: _diagonal(g, offset=offset, axis1=axis1, axis2=axis2),
    jvp="linear",
)


def diagonal(x: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
    """The diagonal between two axes (as ``np.diagonal``; a copy)."""
    nd = len(shape_of(x))
    if nd < 2:
        raise ShapeError(f"diagonal: needs at least 2 dimensions, got shape {shape_of(x)}")
    a1, a2 = normalize_axis(axis1, nd)[0], normalize_axis(axis2, nd)[0]
    if axis1 % nd == axis2 % nd:
        raise ShapeError("diagonal: axis1 and axis2 must differ")
    a1, a2 = axis1 % nd, axis2 % nd
    return _diagonal(x, offset=int(offset), axis1=a1, axis2=a2)


# -- norms --------------------------------------------------------------------------------------------
def _as_inexact(x: Any) -> np.ndarray:
    """``x`` as NumPy's norm takes it: integers and booleans become float64 first (no integer overflow)."""
    x = np.asarray(x)
    return x if x.dtype.kind in "fc" else x.astype(np.float64)


def _norm2_forward(x: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
    x = _as_inexact(x)
    if axis is None and x.dtype.kind == "f":
        # np.linalg.norm's own steps for the norm of all the entries: a dot product of the flattened values,
        # which sums in another order than np.sum (the last bits would differ)
        flat = x.ravel(order="K")
        ret = np.sqrt(flat.dot(flat))
        return ret.reshape(x.ndim * [1]) if keepdims else ret
    return np.sqrt(np.sum(x * np.conj(x), axis=axis, keepdims=keepdims))


def _norm2_vjp(g: Any, ans: Any, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    shape = shape_of(x)
    kept = (
        ans
        if keepdims
        else reshape(ans, tuple(1 if i in normalize_axis(axis, len(shape)) else n for i, n in enumerate(shape)))
    )
    zero = data_of(kept) == 0  # the norm's gradient at 0 is taken to be 0 (a subgradient), not 0/0
    return _spread(g, x, axis, keepdims) * where(zero, 0, x / where(zero, 1, kept))


_norm2 = defprim("norm", _norm2_forward, vjp=_norm2_vjp)


def _norm2_jvp(t: Any, ans: Any, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    # sum(x / norm * t) over the axes; the vjp's weights want the norm with its reduced axes kept
    shape = shape_of(x)
    axes = normalize_axis(axis, len(shape))
    kept = ans if keepdims else reshape(ans, tuple(1 if i in axes else n for i, n in enumerate(shape)))
    return sum(_norm2_vjp(1, kept, x, axis, True) * t, axis=axis, keepdims=keepdims)


_norm2.jvps = (_norm2_jvp,)


def _normp_forward(x: np.ndarray, p: float, axis: Any = None, keepdims: bool = False) -> np.ndarray:
    # NumPy's own steps for a vector p-norm (so the values agree to the last bit)
    absx = np.abs(_as_inexact(x))
    absx **= p
    ret = np.add.reduce(absx, axis=axis, keepdims=keepdims)
    return ret ** np.reciprocal(p, dtype=ret.dtype)


def _normp_weights(ans: Any, x: Any, p: float, axis: Any, keepdims: bool) -> Any:
    """d ||x||_p / dx = sign(x) (|x| / ||x||_p)**(p - 1), taken as 0 where x = 0 (infinite for p < 1: a kink, as
    abs'(0)) and where the norm is 0 (a subgradient, as for the 2-norm at 0, instead of 0/0 = NaN)."""
    shape = shape_of(x)
    axes = normalize_axis(axis, len(shape))
    kept = ans if keepdims else reshape(ans, tuple(1 if i in axes else n for i, n in enumerate(shape)))
    xd = data_of(x)
    off = (xd == 0) | (data_of(kept) == 0)
    safe_abs = where(off, 1, absolute(x))  # safe stand-ins: no 0 ** negative, also when differentiated again
    safe_norm = where(off, 1, kept)
    return where(off, 0, sign(x) * (safe_abs / safe_norm) ** (p - 1))


def _normp_vjp(g: Any, ans: Any, x: Any, p: float, axis: Any = None, keepdims: bool = False) -> Any:
    return _spread(g, x, axis, keepdims) * _normp_weights(ans, x, p, axis, keepdims)


def _normp_jvp(t: Any, ans: Any, x: Any, p: float, axis: Any = None, keepdims: bool = False) -> Any:
    return sum(_normp_weights(ans, x, p, axis, keepdims) * t, axis=axis, keepdims=keepdims)


_normp = defprim("norm_p", _normp_forward, vjp=_normp_vjp, jvp=_normp_jvp)


def _count_nonzero_forward(x: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
    x = _as_inexact(x)
    return np.add.reduce(x != 0, axis=axis, keepdims=keepdims).astype(x.real.dtype)


def _zero_tangent(t: Any, ans: Any, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    return np.zeros(np.shape(data_of(ans)), dtype=np.result_type(data_of(ans)))


# the "0-norm" counts the non-zero entries: piecewise constant, so its gradient is 0 (connected, like sign's)
_norm0 = defprim(
    "norm_0",
    _count_nonzero_forward,
    vjp=lambda g, ans, x, axis=None, keepdims=False: zeros_like_grad(g, x),
    jvp=_zero_tangent,
)


def _vector_norm(x: Any, ord: Any, axis: Any, keepdims: bool) -> Any:  # noqa: A002
    from .reduce import min as rmin

    if ord == 2:
        return _norm2(x, axis=axis, keepdims=keepdims)
    if ord == 1:
        return sum(absolute(x), axis=axis, keepdims=keepdims)
    if ord == np.inf or ord == -np.inf:
        shape = shape_of(x)
        if any(shape[a] == 0 for a in normalize_axis(axis, len(shape))):
            if ord == -np.inf:  # (NumPy has no answer either)
                raise ShapeError(f"norm: ord=-inf of an empty slice (shape {shape}, axis {axis}) is undefined")
            return sum(absolute(x), axis=axis, keepdims=keepdims)  # NumPy: the largest of nothing is 0
        return (max if ord == np.inf else rmin)(absolute(x), axis=axis, keepdims=keepdims)
    if ord == 0:
        return _norm0(x, axis=axis, keepdims=keepdims)
    return _normp(x, p=float(ord), axis=axis, keepdims=keepdims)


def _matrix_norm(x: Any, ord: Any, axis: tuple[int, int], keepdims: bool) -> Any:  # noqa: A002
    from .reduce import min as rmin

    nd = len(shape_of(x))
    row, col = (int(a) % nd for a in axis)
    if row == col:
        raise ShapeError(f"norm: the two axes of a matrix norm must differ, got axis={axis}")
    if ord in (1, -1, np.inf, -np.inf):  # the largest (smallest) column (1) or row (inf) sum of |x|
        summed, across = (row, col) if ord in (1, -1) else (col, row)
        out = sum(absolute(x), axis=summed, keepdims=True)
        if ord > 0 and shape_of(x)[across] == 0:
            out = sum(out, axis=across, keepdims=True)  # NumPy: the largest of no sums is 0 (its max has initial=0)
        else:
            out = (max if ord > 0 else rmin)(out, axis=across, keepdims=True)
    elif ord in (2, -2, "nuc"):
        from .decompositions import singular_value_norm

        return singular_value_norm(x, ord, (row, col), keepdims)
    else:
        raise _InvalidOrderError(
            f"norm: ord={ord!r} is not a matrix norm order (NumPy's: None, 'fro', 'nuc', 1, -1, 2, -2, inf or -inf)"
        )
    return out if keepdims else squeeze(out, (row, col))


class _InvalidOrderError(UnsupportedArgumentError, InvalidArgumentError):
    """An ``ord`` that NumPy's norm refuses as well: a ``ValueError``, as NumPy's, and the
    :class:`UnsupportedArgumentError` chainrule has always raised for it."""


def norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Any:  # noqa: A002 - NumPy's name
    """Vector norms (2, 1, inf, -inf, 0 and any other p, as ``np.linalg.norm``) and matrix norms (Frobenius, 1,
    -1, inf, -inf, and from the singular values 2, -2 and 'nuc').

    The gradient of a norm at the zero vector is 0 (a subgradient), and so is the gradient of a p-norm with
    respect to an entry that is 0.
    """
    nd = len(shape_of(x))
    if np.asarray(data_of(x)).dtype.kind not in "fc":  # (as NumPy: integers and booleans become float64 first)
        x = astype(x, np.float64)
    if isinstance(axis, list):
        axis = tuple(axis)
    if isinstance(axis, (int, np.integer)):
        axis = (int(axis),)
    matrix = (axis is None and nd == 2 and ord is not None) or (isinstance(axis, tuple) and len(axis) == 2)
    if ord is None or (ord in ("fro", "f") and matrix):
        return _norm2(x, axis=axis, keepdims=keepdims)
    if isinstance(ord, str) and not (matrix and ord == "nuc"):
        raise _InvalidOrderError(
            f"norm: ord={ord!r} is not a {'matrix' if matrix else 'vector'} norm order ("
            + (
                "NumPy's: None, 'fro', 'nuc', 1, -1, 2, -2, inf or -inf"
                if matrix
                else "vectors: numbers, inf, -inf; 'fro' and 'nuc' are matrix norms, over two axes"
            )
            + ")"
        )
    if matrix:
        return _matrix_norm(x, ord, axis if axis is not None else (0, 1), keepdims)
    if axis is None:
        if nd != 1:
            raise ShapeError(
                f"norm: ord={ord!r} of an array with {nd} dimensions needs an axis (one, or two for a matrix norm); "
                "NumPy's norm of such an array is defined for ord=None only"
            )
    elif len(axis) != 1:
        raise ShapeError(f"norm: axis must name one axis (a vector norm) or two (a matrix norm), got axis={axis}")
    if isinstance(ord, (bool, np.bool_)):
        ord = int(ord)  # noqa: A001 - as NumPy, which compares it with 1 and 0
    if not isinstance(ord, (int, float, np.integer, np.floating)):
        raise UnsupportedArgumentError(f"norm: ord must be a number, inf, -inf, 'fro' or None, got {ord!r}")
    return _vector_norm(x, ord, axis, keepdims)


__all__ = [
    "matmul",
    "dot",
    "vdot",
    "inner",
    "outer",
    "einsum",
    "tensordot",
    "trace",
    "diagonal",
    "norm",
    "transpose",
]
