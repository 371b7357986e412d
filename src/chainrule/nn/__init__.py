"""Neural-network building blocks on top of the engine."""

from ..ops import (
    binary_cross_entropy_with_logits,
    cross_entropy,
    gelu,
    leaky_relu,
    log_softmax,
    mse,
    nll,
    relu,
    sigmoid,
    softmax,
    softplus,
    tanh,
)
from ..ops.conv import avg_pool2d, conv2d, max_pool2d
from . import init
from .conv import AvgPool2d, Conv2d, MaxPool2d
from .layers import (
    GELU,
    MLP,
    Dense,
    Dropout,
    Embedding,
    Flatten,
    LeakyReLU,
    ReLU,
    Sequential,
    Sigmoid,
    Softmax,
    Softplus,
    Tanh,
    Unflatten,
)
from .losses import huber, l1
from .models import cnn
from .module import Module
from .norm import BatchNorm1d, LayerNorm

__all__ = [
    "Module",
    "Dense",
    "Sequential",
    "MLP",
    "cnn",
    "Dropout",
    "Embedding",
    "Flatten",
    "Unflatten",
    "LayerNorm",
    "BatchNorm1d",
    "Conv2d",
    "MaxPool2d",
    "AvgPool2d",
    "ReLU",
    "Tanh",
    "Sigmoid",
    "Softplus",
    "GELU",
    "LeakyReLU",
    "Softmax",
    "init",
    "relu",
    "tanh",
    "sigmoid",
    "softplus",
    "gelu",
    "leaky_relu",
    "softmax",
    "log_softmax",
    "conv2d",
    "max_pool2d",
    "avg_pool2d",
    "cross_entropy",
    "binary_cross_entropy_with_logits",
    "mse",
    "l1",
    "huber",
    "nll",
]
