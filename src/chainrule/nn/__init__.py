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
from . import init
from .layers import GELU, MLP, Dense, LeakyReLU, ReLU, Sequential, Sigmoid, Softmax, Softplus, Tanh
from .module import Module

__all__ = [
    "Module",
    "Dense",
    "Sequential",
    "MLP",
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
    "cross_entropy",
    "binary_cross_entropy_with_logits",
    "mse",
    "nll",
]
