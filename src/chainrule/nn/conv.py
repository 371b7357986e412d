"""Convolution and pooling layers for images of shape (batch, channels, height, width)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import ops
from ..ops.conv import _pair
from ..tensor import Tensor
from . import init as initializers
from .module import Module


class Conv2d(Module):
    """A 2-D convolution layer: ``weight`` of shape (out_channels, in_channels, kh, kw) and ``bias`` (out,).

    Computed by im2col: each receptive field becomes a row, and the convolution one matrix product.

    >>> import chainrule as cr, numpy as np
    >>> conv = cr.nn.Conv2d(1, 4, 3, padding=1, seed=0)
    >>> conv(np.zeros((2, 1, 8, 8), dtype="float32")).shape
    (2, 4, 8, 8)
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] = 0,
        bias: bool = True,
        *,
        seed: initializers.Rng = None,
        init: Callable[..., np.ndarray] = initializers.he_normal,
        dtype: Any = np.float32,
    ) -> None:
        super().__init__()
        self.in_channels = int(in_channels)
        self.out_channels = int(out_channels)
        self.kernel_size = _pair(kernel_size, "kernel_size")
        self.stride = _pair(stride, "stride")
        self.padding = _pair(padding, "padding")
        rng = initializers.rng_from(seed)
        shape = (self.out_channels, self.in_channels, *self.kernel_size)
        self.weight = Tensor(init(shape, dtype=dtype, rng=rng), requires_grad=True)
        self.bias = Tensor(np.zeros(self.out_channels, dtype=dtype), requires_grad=True) if bias else None

    def forward(self, x: Any) -> Any:
        return ops.conv2d(x, self.weight, self.bias, stride=self.stride, padding=self.padding)

    def extra_repr(self) -> str:
        return (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}, "
            f"padding={self.padding}{'' if self.bias is not None else ', bias=False'}"
        )


class MaxPool2d(Module):
    """The largest value of each ``kernel_size`` window (stride defaults to the window size)."""

    def __init__(self, kernel_size: int | tuple[int, int], stride: int | tuple[int, int] | None = None) -> None:
        super().__init__()
        self.kernel_size = _pair(kernel_size, "kernel_size")
        self.stride = self.kernel_size if stride is None else _pair(stride, "stride")

    def forward(self, x: Any) -> Any:
        return ops.max_pool2d(x, self.kernel_size, self.stride)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}"


class AvgPool2d(MaxPool2d):
    """The mean of each ``kernel_size`` window (stride defaults to the window size)."""

    def forward(self, x: Any) -> Any:
        return ops.avg_pool2d(x, self.kernel_size, self.stride)
