"""Optimizers that update parameters from their gradients, clipping, and learning-rate schedules."""

from .adaptive import Adam, AdamW, RMSprop
from .clip import clip_grad_norm
from .optimizer import SGD, Optimizer
from .schedules import CosineAnnealingLR, ExponentialLR, LinearWarmup, LRSchedule, StepLR

OPTIMIZERS = {"sgd": SGD, "adam": Adam, "adamw": AdamW, "rmsprop": RMSprop}

__all__ = [
    "Optimizer",
    "SGD",
    "Adam",
    "AdamW",
    "RMSprop",
    "OPTIMIZERS",
    "clip_grad_norm",
    "LRSchedule",
    "StepLR",
    "ExponentialLR",
    "CosineAnnealingLR",
    "LinearWarmup",
]
