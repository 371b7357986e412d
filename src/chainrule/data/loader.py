"""Mini-batches from arrays, shuffled reproducibly from a seed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from ..tensor import Tensor


class DataLoader:
    """Iterate ``(x_batch, y_batch)`` tensors; a new shuffle each epoch, the same sequence for the same seed.

    >>> import numpy as np
    >>> loader = DataLoader(np.arange(10.0).reshape(5, 2), np.arange(5), batch_size=2, seed=0)
    >>> [len(y) for _, y in loader]
    [2, 2, 1]
    """

    def __init__(
        self,
        x: np.ndarray,
        y: np.ndarray,
        batch_size: int = 32,
        shuffle: bool = True,
        seed: int | np.random.Generator | None = 0,
        drop_last: bool = False,
        dtype: Any = None,
    ) -> None:
        if len(x) != len(y):
            raise ValueError(f"DataLoader: {len(x)} inputs but {len(y)} targets")
        if batch_size <= 0:
            raise ValueError(f"DataLoader: batch_size must be positive, got {batch_size}")
        self.x = np.asarray(x, dtype=dtype) if dtype is not None else np.asarray(x)
        self.y = np.asarray(y)
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)

    def __len__(self) -> int:
        n = len(self.x)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self) -> Iterator[tuple[Tensor, Tensor]]:
        n = len(self.x)
        order = self.rng.permutation(n) if self.shuffle else np.arange(n)
        stop = n - n % self.batch_size if self.drop_last else n
        for start in range(0, stop, self.batch_size):
            idx = order[start : start + self.batch_size]
            yield Tensor._wrap(self.x[idx], None, False), Tensor._wrap(self.y[idx], None, False)
