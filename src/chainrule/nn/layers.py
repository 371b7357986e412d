"""Layers: Dense, Sequential, MLP and activation layers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import ops
from ..tensor import Tensor
from . import init as initializers
from .module import Module


class Dense(Module):
    """A fully connected layer: ``y = x @ weight + bias``, weight of shape ``(in_features, out_features)``.

    Weights start He-normal (suited to ReLU) from a seeded Generator; the bias starts at zero.

    >>> import chainrule as cr
    >>> layer = cr.nn.Dense(64, 10, seed=0)
    >>> layer(cr.tensor(np.zeros((5, 64), dtype="float32"))).shape
    (5, 10)
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        *,
        seed: initializers.Rng = None,
        init: Callable[..., np.ndarray] = initializers.he_normal,
        dtype: Any = np.float32,
    ) -> None:
        super().__init__()
        self.in_features = int(in_features)
        self.out_features = int(out_features)
        rng = initializers.rng_from(seed)
        self.weight = Tensor(init((self.in_features, self.out_features), dtype=dtype, rng=rng), requires_grad=True)
        self.bias = Tensor(np.zeros(self.out_features, dtype=dtype), requires_grad=True) if bias else None

    def forward(self, x: Any) -> Any:
        shape = np.shape(x.data if isinstance(x, Tensor) else x)
        if not shape or shape[-1] != self.in_features:
            from ..errors import ShapeError

            raise ShapeError(
                f"Dense({self.in_features} -> {self.out_features}): input of shape {shape} has "
                f"{shape[-1] if shape else 0} features in its last axis, expected {self.in_features}"
            )
        y = ops.matmul(x, self.weight)
        return y + self.bias if self.bias is not None else y

    def extra_repr(self) -> str:
        return f"{self.in_features} -> {self.out_features}{'' if self.bias is not None else ', bias=False'}"

    def __repr__(self) -> str:
        return f"Dense({self.extra_repr()})  # {self.num_parameters():,} parameters"


class Sequential(Module):
    """Layers applied one after another: ``Sequential(a, b, c)(x) == c(b(a(x)))``."""

    def __init__(self, *layers: Module) -> None:
        super().__init__()
        if len(layers) == 1 and isinstance(layers[0], (list, tuple)):
            layers = tuple(layers[0])
        self.layers = _ModuleList(layers)

    def forward(self, x: Any) -> Any:
        for layer in self.layers:
            x = layer(x)
        return x

    def __getitem__(self, i: int) -> Module:
        return self.layers[i]

    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self) -> Any:
        return iter(self.layers)


class _ModuleList(Module):
    def __init__(self, modules: Sequence[Module]) -> None:
        super().__init__()
        for i, m in enumerate(modules):
            if not isinstance(m, Module):
                raise TypeError(f"Sequential takes Modules, item {i} is a {type(m).__name__}")
            setattr(self, str(i), m)

    def __getitem__(self, i: int) -> Module:
        return list(self._modules.values())[i]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Any:
        return iter(self._modules.values())

    def __repr__(self) -> str:
        return "[" + ", ".join(repr(m) for m in self._modules.values()) + "]"


class _Activation(Module):
    fn: Callable[[Any], Any] = staticmethod(ops.relu)

    def forward(self, x: Any) -> Any:
        return type(self).fn(x)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class ReLU(_Activation):
    fn = staticmethod(ops.relu)


class Tanh(_Activation):
    fn = staticmethod(ops.tanh)


class Sigmoid(_Activation):
    fn = staticmethod(ops.sigmoid)


class Softplus(_Activation):
    fn = staticmethod(ops.softplus)


class GELU(_Activation):
    fn = staticmethod(ops.gelu)


class LeakyReLU(Module):
    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x: Any) -> Any:
        return ops.leaky_relu(x, negative_slope=self.negative_slope)

    def __repr__(self) -> str:
        return f"LeakyReLU({self.negative_slope})"


class Softmax(Module):
    def __init__(self, axis: int = -1) -> None:
        super().__init__()
        self.axis = axis

    def forward(self, x: Any) -> Any:
        return ops.softmax(x, axis=self.axis)

    def __repr__(self) -> str:
        return f"Softmax(axis={self.axis})"


ACTIVATIONS: dict[str, type[Module]] = {
    "relu": ReLU,
    "tanh": Tanh,
    "sigmoid": Sigmoid,
    "softplus": Softplus,
    "gelu": GELU,
    "leaky_relu": LeakyReLU,
}


class MLP(Module):
    """The primer's network: ``f(X) = Dense_n(...Dense_2(Dense_1(X)))`` with an activation between layers.

    Layers are attributes ``dense1``, ``dense2``, ... so parameters are named ``dense1.weight`` etc.

    >>> import chainrule as cr
    >>> net = cr.nn.MLP([64, 128, 64, 10], seed=0)
    >>> [name for name, _ in net.named_parameters()][:2]
    ['dense1.weight', 'dense1.bias']
    """

    def __init__(
        self, sizes: Sequence[int], activation: str = "relu", *, seed: initializers.Rng = 0, dtype: Any = np.float32
    ) -> None:
        super().__init__()
        if len(sizes) < 2:
            raise ValueError(f"MLP needs at least an input and an output size, got {list(sizes)}")
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; choose from {sorted(ACTIVATIONS)}")
        rng = initializers.rng_from(seed)
        self.sizes = [int(s) for s in sizes]
        self.activation = ACTIVATIONS[activation]()
        self.depth = len(sizes) - 1
        for i in range(self.depth):
            setattr(self, f"dense{i + 1}", Dense(sizes[i], sizes[i + 1], seed=rng, dtype=dtype))

    def forward(self, x: Any) -> Any:
        for i in range(1, self.depth + 1):
            x = getattr(self, f"dense{i}")(x)
            if i < self.depth:
                x = self.activation(x)
        return x

    def extra_repr(self) -> str:
        return " -> ".join(map(str, self.sizes))
