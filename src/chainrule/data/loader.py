"""Mini-batches from arrays, shuffled reproducibly from a seed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from ..tensor import Tensor


class DataLoader:
    """Iterate ``(x_batch, y_batch)`` tensors; a new shuffle each epoch, the same sequence for the same seed.

    ``dtype`` casts the inputs once, up front (pass the model's dtype: a float64 batch into a float32 model
    would silently compute in float64, twice as slow).

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

    def order(self) -> np.ndarray:
        """The next epoch's order of rows (draws from the loader's Generator when shuffling)."""
        n = len(self.x)
        return self.rng.permutation(n) if self.shuffle else np.arange(n)

    def batches(self, order: np.ndarray, start: int = 0) -> Iterator[tuple[Tensor, Tensor]]:
        """The batches of one epoch in ``order``, beginning at batch number ``start`` (to resume mid-epoch)."""
        n = len(order)
        stop = n - n % self.batch_size if self.drop_last else n
        for begin in range(start * self.batch_size, stop, self.batch_size):
            idx = order[begin : begin + self.batch_size]
            yield Tensor._wrap(self.x[idx], None, False), Tensor._wrap(self.y[idx], None, False)

    def __iter__(self) -> Iterator[tuple[Tensor, Tensor]]:
        return self.batches(self.order())
