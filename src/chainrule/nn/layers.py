"""Layers: Dense, Sequential, MLP and activation layers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import ops
from .._scope import SCOPES
from ..engine import STATE
from ..errors import ShapeError
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
        return self._forward(x, False)

    def _forward(self, x: Any, relu: bool) -> Any:
        """``x @ W + b``, or with ``relu`` its ReLU, each as one fused node where the shapes allow."""
        shape = x._data.shape if isinstance(x, Tensor) else np.shape(x)
        if not shape or shape[-1] != self.in_features:
            raise ShapeError(
                f"Dense({self.in_features} -> {self.out_features}): input of shape {shape} has "
                f"{shape[-1] if shape else 0} features in its last axis, expected {self.in_features}"
            )
        w, b = self.weight, self.bias
        if STATE.extras is None:
            if (
                isinstance(b, Tensor)
                and isinstance(w, Tensor)
                and b._data.ndim == 1
                and w._data.shape == (shape[-1], b._data.shape[0])
            ):
                # one fused node (ops/fused.py): affine's shape conditions, checked here from the layer's own
                return ops.affine_relu(x, w, b) if relu else ops.affine(x, w, b)
            y = ops.linear(x, w, b)
            return ops.relu(y) if relu else y
        # NOTE: while a drawing or an anomaly check records the graph, show the primer's gates
        y = ops.matmul(x, w)
        y = y + b if b is not None else y
        return ops.relu(y) if relu else y

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

    def __repr__(self) -> str:
        lines = ["Sequential("]
        for i, m in enumerate(self.layers):
            lines.append(f"  ({i}): " + repr(m).replace("\n", "\n  "))
        return "\n".join(lines) + f"\n)  # {self.num_parameters():,} parameters"


class _ModuleList(Module):
    """Numbered sub-modules (named ``0``, ``1`` ...), so Sequential's parameters are ``layers.0.weight``."""

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
        self._layer_names = tuple(f"dense{i + 1}" for i in range(self.depth))
        for i, name in enumerate(self._layer_names):
            setattr(self, name, Dense(sizes[i], sizes[i + 1], seed=rng, dtype=dtype))

    def forward(self, x: Any) -> Any:
        depth = self.depth
        # NOTE: with ReLU between plain Dense layers the whole network runs as one fused node (relu_mlp), or
        # where its shapes don't allow it each Dense and its ReLU as one (affine_relu), unless a drawing
        # records module scopes or the graph's gates; a subclass of either keeps its own forward
        fuse = type(self.activation) is ReLU and not SCOPES.active and STATE.extras is None
        if fuse and depth > 1:
            weights = self._stack()
            if weights is not None:
                try:
                    return ops.relu_mlp(x, *weights)
                except ValueError:
                    pass  # shapes that don't fit: the layers, one by one, say which one and how
        for i, name in enumerate(self._layer_names, 1):
            layer = getattr(self, name)
            if i == depth:
                x = layer(x)
            elif fuse and type(layer) is Dense:
                x = layer._forward(x, True)
            else:
                x = self.activation(layer(x))
        return x

    def _stack(self) -> tuple[Tensor, ...] | None:
        """Every layer's weight and bias, in order, for relu_mlp; None if a layer is not a plain Dense with bias."""
        # (kept until an attribute of any module is set or deleted: a layer or a parameter may have been replaced)
        layout = Module.layout  # (read before the layers: a change made meanwhile by another thread is a new one)
        made = self.__dict__.get("_stacked")
        if made is not None and made[0] is layout:
            return made[1]
        weights: tuple[Tensor, ...] | None = ()
        for name in self._layer_names:
            layer = getattr(self, name)
            if type(layer) is not Dense or type(layer.weight) is not Tensor or type(layer.bias) is not Tensor:
                weights = None
                break
            weights += (layer.weight, layer.bias)
        object.__setattr__(self, "_stacked", (layout, weights))
        return weights

    def extra_repr(self) -> str:
        return " -> ".join(map(str, self.sizes))


class Dropout(Module):
    """Zero each value with probability ``p`` while training, scaling the rest by ``1 / (1 - p)``.

    In ``eval()`` mode it passes values through unchanged, so expected activations match in both modes.
    The masks come from the layer's own seeded Generator, so runs repeat exactly.

    >>> import chainrule as cr
    >>> drop = cr.nn.Dropout(0.5, seed=0).eval()
    >>> drop(cr.tensor([1.0, 2.0])).tolist()
    [1.0, 2.0]
    """

    def __init__(self, p: float = 0.5, *, seed: initializers.Rng = None) -> None:
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ValueError(f"Dropout: p must be in [0, 1), got {p}")
        self.p = float(p)
        self.rng = initializers.rng_from(seed)

    def forward(self, x: Any) -> Any:
        if not self.training or self.p == 0.0:
            return x
        data = x.data if isinstance(x, Tensor) else np.asarray(x)
        keep = self.rng.random(data.shape) >= self.p
        # the mask is a constant: gradients flow only through the kept values, scaled the same way
        return x * (keep.astype(data.dtype) / np.asarray(1.0 - self.p, dtype=data.dtype))

    def extra_repr(self) -> str:
        return f"p={self.p}"


class Embedding(Module):
    """A lookup table: integer ids of any shape -> vectors, ``weight[ids]`` (weight shape ``(num, dim)``).

    The gradient adds up in the rows that were looked up (an id used twice gets both gradients).

    >>> import chainrule as cr
    >>> emb = cr.nn.Embedding(10, 3, seed=0)
    >>> emb([[1, 2], [3, 1]]).shape
    (2, 2, 3)
    """

    def __init__(
        self, num_embeddings: int, embedding_dim: int, *, seed: initializers.Rng = None, dtype: Any = np.float32
    ) -> None:
        super().__init__()
        self.num_embeddings = int(num_embeddings)
        self.embedding_dim = int(embedding_dim)
        rng = initializers.rng_from(seed)
        self.weight = Tensor(
            initializers.normal((self.num_embeddings, self.embedding_dim), std=1.0, dtype=dtype, rng=rng),
            requires_grad=True,
        )

    def forward(self, ids: Any) -> Any:
        idx = np.asarray(ids.data if isinstance(ids, Tensor) else ids)
        if idx.dtype.kind not in "iu":
            from ..errors import DtypeError

            raise DtypeError(f"Embedding: ids must be integers, got dtype {idx.dtype}")
        if idx.size and (idx.min() < 0 or idx.max() >= self.num_embeddings):
            raise IndexError(
                f"Embedding: ids must lie in [0, {self.num_embeddings}), got values from {idx.min()} to {idx.max()}"
            )
        return ops.getitem(self.weight, idx)

    def extra_repr(self) -> str:
        return f"{self.num_embeddings}, {self.embedding_dim}"


class Flatten(Module):
    """Keep the batch axis, flatten the rest: (N, C, H, W) -> (N, C*H*W)."""

    def forward(self, x: Any) -> Any:
        shape = x._data.shape if isinstance(x, Tensor) else np.shape(x)
        return ops.reshape(x, (shape[0], -1))


class Unflatten(Module):
    """Keep the batch axis, reshape the rest: (N, 64) -> (N, 1, 8, 8) with ``Unflatten((1, 8, 8))``."""

    def __init__(self, shape: Sequence[int]) -> None:
        super().__init__()
        self.shape = tuple(int(s) for s in shape)

    def forward(self, x: Any) -> Any:
        shape = x._data.shape if isinstance(x, Tensor) else np.shape(x)
        if int(np.prod(shape[1:])) != int(np.prod(self.shape)):
            raise ShapeError(f"Unflatten{self.shape}: input of shape {shape} has the wrong number of features")
        return ops.reshape(x, (shape[0], *self.shape))

    def extra_repr(self) -> str:
        return str(self.shape)
