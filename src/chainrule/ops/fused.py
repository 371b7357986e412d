"""Fused primitives: common patterns given one node and one rule each, for speed (used by nn.Dense, nn.MLP,
cross_entropy).

=================================  ==========================================================================
op                                 gradients (g is dL/d(result))
=================================  ==========================================================================
affine(x, w, b) = x @ w + b        dx = g @ w^T,  dw = x^T @ g (batch axes flattened),  db = g summed over
                                   every axis but the last
affine_relu(x, w, b)               affine's rules with g replaced by d = g * (ans > 0)  (ans > 0 exactly where
  = max(x @ w + b, 0)              x @ w + b > 0, as relu's rule: 0 at the kink); d is made once for all three
                                   (both have one joint rule for their three inputs)
relu_mlp(x, w1, b1, ..., wn, bn)   affine's rules layer by layer from the top, the upstream gradient of each
  = affine(...affine_relu(         lower layer masked by its ReLU; the forward saves every layer's input
    affine_relu(x, w1, b1),        (``saves=True``), so the rule needs nothing computed twice (nn.MLP's
    w2, b2)..., wn, bn)            whole forward pass, one node)
softmax_cross_entropy(z, labels)   dz = g * (softmax(z) - onehot(labels))  (/ n for reduction="mean");
                                   an all -inf row gets gradient 0, as in the composed log_softmax
=================================  ==========================================================================

Each is exactly the composition it replaces (``matmul`` then ``add``; that then ``relu``; ``log_softmax``, pick
the label, mean), but records one node instead of two to six, skips the un-broadcast of the bias gradient,
adds the bias and takes the ReLU in place on the fresh product, and never builds the one-hot or log-softmax
arrays as separate graph values. On plain arrays (the usual backward pass) the
rules run straight NumPy; under ``create_graph`` they receive tensors and use chainrule's operations, so
the backward pass stays differentiable.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import DtypeError, InvalidArgumentError, ShapeError
from ..primitive import JointRules, VariadicRules
from ..tensor import Tensor
from ._base import defprim, one_of, zero_of
from .elementwise import multiply, subtract, where
from .linalg import matmul
from .nn_functional import _log_softmax_forward, _softmax_forward, check_labels, softmax
from .reduce import sum
from .shape import broadcast_to, expand_dims, reshape, swapaxes

ndarray = np.ndarray
_add_reduce = np.add.reduce
_max_reduce = np.maximum.reduce
_and_reduce = np.logical_and.reduce
# (module-level names for the calls on the hot path: one lookup each instead of two)
_matmul = np.matmul
_vdot = np.vdot
_flat_index = np.ravel_multi_index
_maximum = np.maximum
_FLOAT16, _FLOAT32 = np.dtype(np.float16), np.dtype(np.float32)


# -- affine: x @ w + b ------------------------------------------------------------------------------------
def _affine_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    if type(w) is not ndarray or type(b) is not ndarray:  # (nested lists and numbers, as NumPy takes them)
        w, b = np.asarray(w), np.asarray(b)
    if len(w.shape) != 2:
        raise ShapeError(f"affine: the weight must be a matrix of shape (in, out), got shape {w.shape}")
    out = _matmul(x, w)
    # NOTE: the product is a fresh array: add the bias into it instead of allocating another (where the sum
    # keeps the product's dtype and shape; the identity test spares the result_type call in the usual case)
    if b.dtype is out.dtype or out.dtype == np.result_type(out, b):
        try:
            out += b
            return out
        except ValueError:  # a bias that broadcasts the product to a larger shape, e.g. (1, out) for a 1-D x
            pass
    return out + b


def _affine_vjp(needs: tuple, g: Any, ans: Any, x: Any, w: Any, b: Any) -> tuple:
    """dx = g @ w^T, dw = x^T @ g (batch axes flattened), db = g summed over all axes but the last."""
    if type(g) is not ndarray or type(x) is not ndarray or type(w) is not ndarray or type(b) is not ndarray:
        x, w, b = (a if isinstance(a, (ndarray, Tensor)) else np.asarray(a) for a in (x, w, b))  # (lists, numbers)
        if type(g) is not ndarray or type(x) is not ndarray or type(w) is not ndarray:
            return _affine_vjp_recorded(needs, g, x, w, b)
    nd = g.ndim
    dx = g @ w.T if needs[0] else None
    if not needs[1]:
        dw = None
    elif nd == 2 and x.ndim == 2 and x.shape[0] == g.shape[0]:
        dw = x.T @ g
    else:  # batch axes flattened (a 1-D x gives the outer product; a bias may have broadcast x's batch)
        n_in, n_out = w.shape
        if x.shape[:-1] != g.shape[:-1]:
            x = np.broadcast_to(x, g.shape[:-1] + (n_in,))
        dw = x.reshape(-1, n_in).T @ g.reshape(-1, n_out)
    if not needs[2]:
        db = None
    elif b.ndim != 1:
        db = g  # a bias of another shape, e.g. (1, out): the engine sums the axes it was broadcast along
    elif nd == 2:  # a batch of rows, the usual case
        db = _add_reduce(g, axis=0)  # (g.sum(axis=0) without the Python wrapper it goes through)
    else:
        db = g if nd == 1 else _add_reduce(g, axis=tuple(range(nd - 1)))
    return dx, dw, db


def _affine_vjp_recorded(needs: tuple, g: Any, x: Any, w: Any, b: Any) -> tuple:
    """affine's rule under create_graph: the same formulas, recorded (so the backward pass is differentiable)."""
    n_in, n_out = w.shape
    nd = len(g.shape)
    dx = matmul(g, swapaxes(w, -1, -2)) if needs[0] else None
    if needs[1] and x.shape[:-1] != g.shape[:-1]:
        x = broadcast_to(x, g.shape[:-1] + (n_in,))
    dw = matmul(swapaxes(reshape(x, (-1, n_in)), -1, -2), reshape(g, (-1, n_out))) if needs[1] else None
    if not needs[2]:
        db = None
    elif nd == 1 or len(b.shape) != 1:
        db = g
    else:
        db = sum(g, axis=tuple(range(nd - 1)))
    return dx, dw, db


affine = defprim(
    "affine",
    _affine_forward,
    vjp=JointRules(_affine_vjp, 3),
    jvp=(
        lambda t, ans, x, w, b: matmul(t, w),
        lambda t, ans, x, w, b: matmul(x, t),
        lambda t, ans, x, w, b: t,  # the engine broadcasts it over the batch axes
    ),
)
affine.doc = "x @ w + b in one node: w of shape (in, out), b of shape (out,), x of shape (..., in)."


# -- affine_relu: max(x @ w + b, 0), a dense layer and its ReLU -------------------------------------------
def _affine_relu_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = _affine_forward(x, w, b)  # a fresh array: the ReLU runs in place on it
    return _maximum(out, zero_of(out), out=out)


def _affine_relu_vjp(needs: tuple, g: Any, ans: Any, x: Any, w: Any, b: Any) -> tuple:
    # affine's rules with g replaced by d = g * (ans > 0), made once for all three (a joint rule for that)
    if type(g) is ndarray and type(ans) is ndarray:
        d = g * (ans > zero_of(ans))
    else:
        d = multiply(g, ans > 0)  # under create_graph: recorded (the comparison is a constant mask)
    return _affine_vjp(needs, d, ans, x, w, b)


def _affine_relu_jvp(inner: Any) -> Any:
    return lambda t, ans, x, w, b: multiply(inner(t, ans, x, w, b), ans > 0)


affine_relu = defprim(
    "affine_relu",
    _affine_relu_forward,
    vjp=JointRules(_affine_relu_vjp, 3),
    jvp=tuple(_affine_relu_jvp(rule) for rule in affine.jvps),
)
affine_relu.doc = "max(x @ w + b, 0) in one node (a Dense layer and its ReLU): shapes as for affine."


# -- relu_mlp: dense layers with a ReLU between each two (nn.MLP's forward pass) -----------------------------
def _relu_mlp_forward(x: np.ndarray, *weights: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """``x`` through the layers ``(w1, b1, w2, b2, ...)``; saves each layer's input for the backward rule."""
    last = len(weights) - 2
    if last < 0 or last % 2:
        raise TypeError(
            f"relu_mlp: give the layers' weights and biases in pairs (x, w1, b1, w2, b2, ...), got {len(weights)} "
            "arrays after x"
        )
    inputs = [x]
    zero = None
    i = 0
    try:
        for i in range(0, last, 2):
            x = _affine_forward(x, weights[i], weights[i + 1])  # a fresh array: the ReLU runs in place on it
            if zero is None:
                zero = zero_of(x)
            _maximum(x, zero, out=x)
            inputs.append(x)
        i = last
        return _affine_forward(x, weights[last], weights[last + 1]), inputs
    except ShapeError as e:  # (say which layer)
        raise ShapeError(f"relu_mlp, layer {i // 2 + 1}: {e}") from None


def _layer_inputs(x: Any, weights: tuple) -> list[Any]:
    """Each layer's input, computed again (on tensors under create_graph: recorded, so differentiable)."""
    inputs = [x]
    for i in range(0, len(weights) - 2, 2):
        x = affine_relu(x, weights[i], weights[i + 1])
        inputs.append(x)
    return inputs


def _relu_mlp_vjp(needs: tuple, g: Any, ans: Any, x: Any, *weights: Any, saved: Any = None) -> tuple:
    """affine's rules layer by layer from the top, each upstream gradient masked by the ReLU below it."""
    # (the saved list is handed over for good: each activation is let go as soon as the walk is past it, which
    # also lets the next gradient array reuse its memory while it is still in the cache)
    inputs = saved if saved is not None else _layer_inputs(x, weights)
    grads: list[Any] = [None] * len(needs)
    try:
        first = needs.index(True)  # no layer below this input's is visited
    except ValueError:
        return tuple(grads)
    d = g
    zero = zero_of(inputs[-1])
    for k in range(len(weights) // 2 - 1, -1, -1):
        wi = 2 * k + 1  # weights[2k] is input wi, its bias input wi + 1
        need_x = first < wi
        dx, grads[wi], grads[wi + 1] = _affine_vjp(
            (need_x, needs[wi], needs[wi + 1]), d, None, inputs[k], weights[wi - 1], weights[wi]
        )
        if not need_x:
            break
        if k == 0:
            grads[0] = dx
        elif type(dx) is ndarray:
            dx *= inputs[k] > zero  # (the product just made: nobody else holds it)
            d = dx
        else:
            d = multiply(dx, inputs[k] > 0)  # under create_graph: recorded (the comparison is a constant mask)
        inputs[k] = None
    return tuple(grads)


def _relu_mlp_jvp(argnum: int, t: Any, ans: Any, x: Any, *weights: Any) -> Any:
    """The tangent of input ``argnum`` enters at its layer and goes up through the layers above it."""
    inputs = _layer_inputs(x, weights)
    k = (argnum - 1) // 2 if argnum else 0  # the layer it enters
    if argnum == 0:
        dz = matmul(t, weights[0])
    elif argnum % 2:
        dz = matmul(inputs[k], t)
    else:
        dz = t  # a bias: broadcast over the batch axes (by forward mode, at the end, if it stays this shape)
    for j in range(k + 1, len(weights) // 2):
        dz = matmul(multiply(dz, inputs[j] > 0), weights[2 * j])
    return dz


relu_mlp = defprim(
    "relu_mlp",
    _relu_mlp_forward,
    vjp=JointRules(_relu_mlp_vjp),
    jvp=VariadicRules(_relu_mlp_jvp),
    saves=True,
)
relu_mlp.doc = (
    "Dense layers with a ReLU between each two and none after the last, in one node: relu_mlp(x, w1, b1, w2, "
    "b2, ...) = affine(...affine_relu(affine_relu(x, w1, b1), w2, b2)..., wn, bn); shapes as for affine."
)


def linear(x: Any, w: Any, b: Any = None) -> Any:
    """``x @ w + b`` (``w`` of shape ``(in, out)``), as one fused node where the shapes allow.

    >>> import chainrule as cr
    >>> y = linear(cr.tensor(np.ones((2, 3))), cr.tensor(np.ones((3, 4))), cr.tensor(np.zeros(4)))
    >>> y.shape
    (2, 4)
    """
    if b is None:
        return matmul(x, w)
    ws, bs, xs = _shape(w), _shape(b), _shape(x)
    if len(ws) == 2 and bs == ws[1:] and len(xs) >= 1 and xs[-1] == ws[0]:
        return affine(x, w, b)
    return matmul(x, w) + b  # unusual shapes: the composed form gives the usual errors and broadcasting


def _shape(a: Any) -> tuple[int, ...]:
    # tensors and arrays know their shape; np.shape (a dispatched call) only for lists and numbers
    return a.shape if isinstance(a, (Tensor, ndarray)) else np.shape(a)


# -- softmax cross-entropy on integer labels ------------------------------------------------------------
# NOTE: the backward rule needs softmax(z), which the forward pass has just computed: the forward saves it
# (saves=True) with the flat positions of the labels' entries, and the rule turns that array into the
# gradient in place. (Flat positions: take/put on them cost a third of indexing by row and label numbers.)


def _sce_forward(z: np.ndarray, labels: np.ndarray, reduction: str = "mean") -> tuple[np.ndarray, Any]:
    if type(z) is not ndarray or type(labels) is not ndarray or z.dtype.kind not in "fc":
        z, labels = _sce_inputs(z, labels)
    if labels.shape != z.shape[:-1] or labels.dtype.kind not in "iu" or reduction not in _REDUCTIONS or not z.ndim:
        _refuse_sce_arguments(z, labels, reduction)
    if z.ndim == 2 and labels.ndim == 1 and z.shape[0]:
        # the common case, lean: one pass each of max, exp, sum, log; softmax kept for the backward
        # (NumPy's ufunc reductions called directly: z.max, e.sum and .all go through Python wrappers)
        n, nclass = z.shape
        try:  # the flat position of each row's label, which must be a class number (negative ones too are refused)
            flat = _flat_index((np.arange(n), labels), z.shape)
        except ValueError:
            check_labels(labels, nclass, "softmax_cross_entropy")  # (says which labels)
            raise  # (labels of another length)
        m = _max_reduce(z, axis=1, keepdims=True)
        # (the row maxima are all finite exactly when their dot product with themselves is, unless they are so
        # huge that it overflows: the careful path decides those, and rows of -inf or with an inf or NaN)
        if math.isfinite(_vdot(m, m)):
            e = z - m
            picked = e.take(flat)  # (shifted, as log_softmax picks it: exact for huge logits in float32)
            np.exp(e, out=e)
            s = _add_reduce(e, axis=1, keepdims=True)
            losses = np.log(s[:, 0])
            losses -= picked
            if reduction == "mean":
                # (float16 adds up in float32, as np.mean does: a float16 sum overflows past 65504)
                total = _add_reduce(losses, dtype=_FLOAT32) if losses.dtype is _FLOAT16 else _add_reduce(losses)
                out = np.asarray(total / n, dtype=losses.dtype)
            elif reduction == "sum":
                out = np.asarray(_add_reduce(losses), dtype=losses.dtype)
            else:
                out = losses
            e /= s
            return out, (e, flat)  # (finite row maxima, so no dead rows: the rule's saved softmax is complete)
    else:
        check_labels(labels, z.shape[-1], "softmax_cross_entropy")
    lsm = _log_softmax_forward(z, -1)
    losses = -np.take_along_axis(lsm, labels[..., None], axis=-1)[..., 0]
    if reduction == "mean":
        return np.asarray(losses.mean()), None
    if reduction == "sum":
        return np.asarray(losses.sum()), None
    return losses, None


_REDUCTIONS = ("mean", "sum", "none")


def _sce_inputs(z: Any, labels: Any) -> tuple[np.ndarray, np.ndarray]:
    """Lists and numbers as arrays; integer or bool logits as float64 (as log_softmax takes them)."""
    z, labels = np.asarray(z), np.asarray(labels)
    return (z if z.dtype.kind in "fc" else z.astype(np.float64)), labels


def _refuse_sce_arguments(z: np.ndarray, labels: np.ndarray, reduction: Any) -> None:
    if reduction not in _REDUCTIONS:
        raise InvalidArgumentError(
            f"softmax_cross_entropy: reduction must be 'mean', 'sum' or 'none', got {reduction!r}"
        )
    if labels.dtype.kind not in "iu":
        raise DtypeError(
            f"softmax_cross_entropy: labels must be integer class numbers, got dtype {labels.dtype} (for class "
            "probabilities, use cross_entropy)"
        )
    if z.ndim == 0 or labels.shape != z.shape[:-1]:
        raise ShapeError(
            f"softmax_cross_entropy: labels of shape {labels.shape} do not match logits of shape {z.shape} (expected "
            "the logits' shape without the last axis, the classes: one label for each row)"
        )


def _scale(reduction: str, labels: np.ndarray) -> float:
    return 1.0 / labels.size if reduction == "mean" and labels.size else 1.0


def _sce_vjp(
    needs: tuple, g: Any, ans: Any, z: Any, labels: np.ndarray, reduction: str = "mean", saved: Any = None
) -> tuple:
    if not needs[0]:  # (the labels never need a gradient: they are integers)
        return None, None
    if type(labels) is not ndarray:  # (a list, as given)
        labels = np.asarray(labels)
    if type(g) is ndarray and type(z) is ndarray:
        if saved is not None:
            d, flat = saved  # softmax(z) from the forward pass, which had finite row maxima (so no dead rows)
            d.put(flat, d.take(flat) - one_of(d))
        else:
            d = _softmax_forward(z, -1)
            if d.ndim == 2 and labels.ndim == 1:
                d[np.arange(d.shape[0]), labels] -= one_of(d)
            else:
                np.put_along_axis(d, labels[..., None], np.take_along_axis(d, labels[..., None], axis=-1) - 1, axis=-1)
            dead = _dead_rows(z)
            if dead is not None:
                d[dead] = 0
        scale = _scale(reduction, labels)
        if reduction == "none":
            d *= g[..., None] * scale
        elif g.shape == () and g.dtype.kind == "f":
            d *= float(g) * scale  # (a Python number: NumPy makes no 0-d array for the product)
        else:
            d *= g * scale
        return d, None
    onehot = _onehot(labels, z.shape[-1], z.dtype)
    d = subtract(softmax(z, axis=-1), onehot)
    dead = _dead_rows(getattr(z, "_data", z))
    if dead is not None:
        d = where(dead[..., None], 0, d)
    gs = expand_dims(g, -1) if reduction == "none" else g
    return multiply(d, gs * _scale(reduction, labels)), None


def _sce_jvp(t: Any, ans: Any, z: Any, labels: np.ndarray, reduction: str = "mean") -> Any:
    labels = np.asarray(labels)
    onehot = _onehot(labels, z.shape[-1], np.result_type(getattr(z, "_data", z)))
    d = subtract(softmax(z, axis=-1), onehot)
    dead = _dead_rows(getattr(z, "_data", z))
    if dead is not None:
        d = where(dead[..., None], 0, d)
    per_row = sum(multiply(d, t), axis=-1)
    if reduction == "none":
        return per_row
    return sum(per_row) * _scale(reduction, labels)


def _onehot(labels: np.ndarray, n: int, dtype: Any) -> np.ndarray:
    out = np.zeros((*labels.shape, n), dtype=dtype)
    np.put_along_axis(out, labels[..., None], 1, axis=-1)
    return out


def _dead_rows(z: np.ndarray) -> np.ndarray | None:
    """Rows whose logits are all -inf (log_softmax is -inf there and its gradient 0), or None if there are none."""
    if np.isfinite(z).all():
        return None
    dead = np.isneginf(z).all(axis=-1)
    return dead if dead.any() else None


softmax_cross_entropy = defprim(
    "softmax_cross_entropy", _sce_forward, vjp=JointRules(_sce_vjp, 2), jvp=(_sce_jvp,), saves=True
)
softmax_cross_entropy.doc = (
    "Cross-entropy of softmax(z) over the last axis against integer labels (params: labels, reduction)."
)

__all__ = ["affine", "affine_relu", "linear", "relu_mlp", "softmax_cross_entropy"]
