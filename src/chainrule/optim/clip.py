"""Gradient clipping by the global norm over all parameters."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from ..tensor import Tensor


def clip_grad_norm(params: Iterable[Tensor], max_norm: float) -> float:
    """Scale every gradient by the same factor so that their joint L2 norm is at most ``max_norm``.

    Returns the norm before clipping (useful to log). Parameters without a gradient are skipped. One
    factor for all keeps the update's direction; clipping each tensor alone would bend it.

    >>> import chainrule as cr
    >>> a = cr.tensor([3.0], requires_grad=True); b = cr.tensor([4.0], requires_grad=True)
    >>> (a * a / 2 + b * b / 2).sum().backward()   # gradients 3 and 4: norm 5
    >>> clip_grad_norm([a, b], 1.0)
    5.0
    >>> round(float(a.grad[0]), 6), round(float(b.grad[0]), 6)
    (0.6, 0.8)
    """
    if not max_norm > 0:
        raise ValueError(f"clip_grad_norm: max_norm must be positive, got {max_norm}")
    params = [p for p in params if p.grad is not None]
    grads = [p.grad.data if isinstance(p.grad, Tensor) else np.asarray(p.grad) for p in params]
    total = math.sqrt(sum(float(np.sum(np.square(g, dtype=np.float64))) for g in grads))
    if total > max_norm:
        scale = max_norm / total
        for p, g in zip(params, grads, strict=True):
            p.grad = (g * np.asarray(scale, dtype=g.dtype)).astype(g.dtype, copy=False)
    return total
