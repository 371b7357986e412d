"""Optimizers that update parameters from their gradients."""

from .optimizer import SGD, Optimizer

__all__ = ["Optimizer", "SGD"]
