"""Ready-made networks the CLI trains: an MLP (in layers.py) and a small convolutional network."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from . import init as initializers
from .conv import Conv2d, MaxPool2d
from .layers import Dense, Flatten, ReLU, Sequential, Unflatten


def cnn(
    image_shape: Sequence[int],
    num_outputs: int,
    channels: Sequence[int] = (16, 32),
    hidden: Sequence[int] = (64,),
    *,
    seed: initializers.Rng = 0,
    dtype: Any = np.float32,
) -> Sequential:
    """A small LeNet-style network for flat image rows: unflatten to ``image_shape`` (C, H, W), then for each
    entry of ``channels`` a 3x3 convolution (padding 1), ReLU and 2x2 max-pool, then dense layers ``hidden``.

    >>> import chainrule as cr
    >>> net = cr.nn.cnn((1, 8, 8), 10, seed=0)
    >>> net(np.zeros((5, 64), dtype="float32")).shape
    (5, 10)
    """
    rng = initializers.rng_from(seed)
    c, h, w = (int(s) for s in image_shape)
    layers: list[Any] = [Unflatten((c, h, w))]
    for out in channels:
        if h < 2 or w < 2:
            raise ValueError(f"cnn: images of {image_shape} are too small for {len(channels)} pooling stages")
        layers += [Conv2d(c, int(out), 3, padding=1, seed=rng, dtype=dtype), ReLU(), MaxPool2d(2)]
        c, h, w = int(out), h // 2, w // 2
    layers.append(Flatten())
    width = c * h * w
    for size in hidden:
        layers += [Dense(width, int(size), seed=rng, dtype=dtype), ReLU()]
        width = int(size)
    layers.append(Dense(width, int(num_outputs), seed=rng, dtype=dtype))
    return Sequential(*layers)
