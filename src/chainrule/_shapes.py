"""Shape helpers shared by the engine and the operations.

``sum_to`` is the single place where broadcasting is undone: when an input of shape ``(3, 1)`` was
broadcast to ``(3, 4)`` in the forward pass, its gradient is the upstream gradient summed over the
axes it was stretched along. It works on NumPy arrays and, by duck typing, on Tensors (so a backward
pass recorded with ``create_graph=True`` stays differentiable).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import AxisError, ShapeError


def sum_to(grad: Any, shape: tuple[int, ...]) -> Any:
    """Sum ``grad`` over its broadcast axes so that it takes ``shape``.

    >>> sum_to(np.ones((3, 4)), (3, 1)).tolist()
    [[4.0], [4.0], [4.0]]
    """
    gshape = grad.shape
    if gshape == shape:
        return grad
    lead = len(gshape) - len(shape)
    if lead < 0:
        raise ShapeError(f"cannot sum a gradient of shape {gshape} down to the larger shape {shape}")
    kept = tuple(lead + i for i, n in enumerate(shape) if n == 1 and gshape[lead + i] != 1)
    if not kept and shape:  # only leading axes added (a bias over a batch): one sum gives the shape, no view
        return grad.sum(axis=tuple(range(lead)))
    grad = grad.sum(axis=tuple(range(lead)) + kept, keepdims=True)
    if lead:
        grad = grad.reshape(shape)
    return grad


def normalize_axis(axis: Any, ndim: int) -> tuple[int, ...]:
    """Return ``axis`` (None, int or tuple, negatives allowed) as a sorted tuple of non-negative ints."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (int, np.integer)):
        axis = (int(axis),)
    out = []
    for a in axis:
        a = int(a)
        if ndim == 0 and a in (0, -1):
            continue  # NumPy's reductions accept axis 0 (or -1) of a 0-d array: there is nothing to reduce
        if not -ndim <= a < ndim:
            raise AxisError(
                f"axis {a} is out of range for an array with {ndim} dimension(s); "
                f"use an axis from {-ndim} to {ndim - 1}"
            )
        out.append(a % ndim)
    if len(set(out)) != len(out):
        raise AxisError(f"axis {tuple(axis)} names the same axis more than once")
    return tuple(sorted(out))


def expand_reduced(g: Any, shape: tuple[int, ...], axis: Any, keepdims: bool) -> Any:
    """Give a reduction's gradient back the reduced axes (as size 1) so it broadcasts over ``shape``."""
    if keepdims or (axis is None and g.ndim == 0 and len(shape) == 0):
        return g
    if axis is None:
        return g.reshape((1,) * len(shape)) if len(shape) else g
    axes = normalize_axis(axis, len(shape))
    new_shape = list(g.shape)
    for a in axes:
        new_shape.insert(a, 1)
    return g.reshape(tuple(new_shape))


def broadcast_shapes(op: str, *shapes: tuple[int, ...]) -> tuple[int, ...]:
    """NumPy's broadcast of ``shapes``, raising a :class:`ShapeError` that names ``op`` on failure."""
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        raise ShapeError(
            f"{op}: shapes {' and '.join(str(tuple(s)) for s in shapes)} cannot be broadcast together "
            "(NumPy's rule: compare dimensions from the right; each pair must be equal or one of them 1)"
        ) from None
