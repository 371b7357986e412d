"""Normalisation layers: LayerNorm (per sample) and BatchNorm1d (per feature, over the batch).

Both are composed from chainrule ops (mean, var, sqrt ...), so their gradients come from the chain rule
through those ops rather than from a hand-derived formula.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import ops
from ..errors import ShapeError
from ..tensor import Tensor
from .module import Module


class LayerNorm(Module):
    """Normalise each sample over its last axes to mean 0 and variance 1, then scale and shift.

    ``y = (x - mean) / sqrt(var + eps) * weight + bias`` with statistics over ``normalized_shape``.

    >>> import chainrule as cr, numpy as np
    >>> ln = cr.nn.LayerNorm(4)
    >>> y = ln(cr.tensor(np.arange(8.0, dtype="float32").reshape(2, 4)))
    >>> np.round(y.data.mean(axis=-1), 6).tolist()
    [0.0, 0.0]
    """

    def __init__(
        self,
        normalized_shape: int | Sequence[int],
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        *,
        dtype: Any = np.float32,
    ) -> None:
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, (int, np.integer)) else tuple(normalized_shape)
        self.normalized_shape = tuple(int(s) for s in shape)
        self.eps = float(eps)
        self.weight = (
            Tensor(np.ones(self.normalized_shape, dtype=dtype), requires_grad=True) if elementwise_affine else None
        )
        self.bias = (
            Tensor(np.zeros(self.normalized_shape, dtype=dtype), requires_grad=True) if elementwise_affine else None
        )

    def forward(self, x: Any) -> Any:
        shape = np.shape(x.data if isinstance(x, Tensor) else x)
        k = len(self.normalized_shape)
        if tuple(shape[-k:]) != self.normalized_shape:
            raise ShapeError(f"LayerNorm{self.normalized_shape}: input of shape {shape} does not end in that shape")
        axes = tuple(range(len(shape) - k, len(shape)))
        mu = ops.mean(x, axis=axes, keepdims=True)
        centred = x - mu
        var = ops.mean(centred * centred, axis=axes, keepdims=True)
        y = centred / ops.sqrt(var + self.eps)
        if self.weight is not None:
            y = y * self.weight + self.bias
        return y

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}"


class BatchNorm1d(Module):
    """Normalise each feature over the batch (input (N, C) or (N, C, L)), then scale and shift.

    Training mode uses the batch's statistics and updates the running mean and (unbiased) variance kept as
    buffers: ``running = (1 - momentum) * running + momentum * batch``. Eval mode uses the running values,
    so a prediction does not depend on the other samples in its batch.

    >>> import chainrule as cr, numpy as np
    >>> bn = cr.nn.BatchNorm1d(3)
    >>> _ = bn(cr.tensor(np.arange(12.0, dtype="float32").reshape(4, 3)))
    >>> bn.running_mean.tolist()
    [0.45000001788139343, 0.550000011920929, 0.6500000357627869]
    """

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float = 0.1,
        affine: bool = True,
        *,
        dtype: Any = np.float32,
    ) -> None:
        super().__init__()
        self.num_features = int(num_features)
        self.eps = float(eps)
        self.momentum = float(momentum)
        self.weight = Tensor(np.ones(self.num_features, dtype=dtype), requires_grad=True) if affine else None
        self.bias = Tensor(np.zeros(self.num_features, dtype=dtype), requires_grad=True) if affine else None
        self.register_buffer("running_mean", np.zeros(self.num_features, dtype=dtype))
        self.register_buffer("running_var", np.ones(self.num_features, dtype=dtype))

    def forward(self, x: Any) -> Any:
        shape = np.shape(x.data if isinstance(x, Tensor) else x)
        if len(shape) not in (2, 3) or shape[1] != self.num_features:
            raise ShapeError(
                f"BatchNorm1d({self.num_features}): expected input (N, {self.num_features}) or "
                f"(N, {self.num_features}, L), got shape {shape}"
            )
        axes = (0,) if len(shape) == 2 else (0, 2)
        bshape = (1, self.num_features) + ((1,) if len(shape) == 3 else ())
        if self.training:
            count = int(np.prod([shape[a] for a in axes]))
            if count < 2:
                raise ShapeError(
                    f"BatchNorm1d: training needs more than one value per feature to estimate a variance, got "
                    f"input of shape {shape} (use a larger batch or call .eval())"
                )
            mu = ops.mean(x, axis=axes, keepdims=True)
            centred = x - mu
            var = ops.mean(centred * centred, axis=axes, keepdims=True)
            # running statistics are plain arrays: updating them records nothing in the graph
            m = self.momentum
            batch_mean = np.reshape(mu.data if isinstance(mu, Tensor) else mu, -1)
            batch_var = np.reshape(var.data if isinstance(var, Tensor) else var, -1) * (count / (count - 1))
            dtype = self.running_mean.dtype
            self.running_mean = ((1 - m) * self.running_mean + m * batch_mean).astype(dtype)
            self.running_var = ((1 - m) * self.running_var + m * batch_var).astype(dtype)
        else:
            centred = x - np.reshape(self.running_mean, bshape)
            var = np.reshape(self.running_var, bshape)
        y = centred / ops.sqrt(var + self.eps)
        if self.weight is not None:
            y = y * ops.reshape(self.weight, bshape) + ops.reshape(self.bias, bshape)
        return y

    def extra_repr(self) -> str:
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}"
