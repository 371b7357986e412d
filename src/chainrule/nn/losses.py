"""Loss functions. ``mse``, ``cross_entropy``, ``nll`` and ``binary_cross_entropy_with_logits`` live with the
other neural-network ops; ``l1`` and ``huber`` are composed here from chainrule ops.

==========================  ====================================================================
loss                        gradient with respect to ``pred`` (per element, before the mean)
==========================  ====================================================================
l1(pred, target)            sign(pred - target)        (0 where they are equal)
huber(pred, target, delta)  d where |d| <= delta, delta * sign(d) beyond   (d = pred - target)
==========================  ====================================================================
"""

from __future__ import annotations

from typing import Any

from .. import ops
from ..errors import ShapeError
from ..ops._base import shape_of
from ..ops.nn_functional import _reduce, binary_cross_entropy_with_logits, cross_entropy, mse, nll


def _same_shape(pred: Any, target: Any, name: str) -> None:
    if shape_of(pred) != shape_of(target):
        raise ShapeError(
            f"{name}: prediction {shape_of(pred)} and target {shape_of(target)} must have the same shape "
            "(a column of predictions (N, 1) against targets (N,) is a common slip: reshape one of them)"
        )


def l1(pred: Any, target: Any, reduction: str = "mean") -> Any:
    """Mean absolute error ``mean(|pred - target|)``.

    >>> import chainrule as cr
    >>> l1(cr.tensor([1.0, 4.0]), cr.tensor([2.0, 2.0])).item()
    1.5
    """
    _same_shape(pred, target, "l1")
    return _reduce(ops.abs(pred - target), reduction, "l1")


def huber(pred: Any, target: Any, delta: float = 1.0, reduction: str = "mean") -> Any:
    """Huber loss: ``d**2 / 2`` for ``|d| <= delta``, ``delta * (|d| - delta / 2)`` beyond (``d = pred - target``).

    Quadratic near zero (smooth), linear far away (robust to outliers).

    >>> import chainrule as cr
    >>> huber(cr.tensor([0.5, 3.0]), cr.tensor([0.0, 0.0])).item()
    1.3125
    """
    _same_shape(pred, target, "huber")
    if not delta > 0:
        raise ValueError(f"huber: delta must be positive, got {delta}")
    d = pred - target
    a = ops.abs(d)
    losses = ops.where(a <= delta, 0.5 * d * d, delta * (a - 0.5 * delta))
    return _reduce(losses, reduction, "huber")


__all__ = ["mse", "l1", "huber", "cross_entropy", "binary_cross_entropy_with_logits", "nll"]
