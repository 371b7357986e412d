"""Learning-rate schedules: each sets ``optimizer.lr`` from the optimizer's initial rate and a step count.

Call ``schedule.step()`` once per epoch (or per batch, if you count in batches). Each schedule is a pure
function of its step count, so saving that count (``state_dict``) is enough to resume exactly.

==================  ===============================================================
StepLR              lr0 * gamma ** (t // step_size)
ExponentialLR       lr0 * gamma ** t
CosineAnnealingLR   eta_min + (lr0 - eta_min) * (1 + cos(pi * min(t, T) / T)) / 2
LinearWarmup        lr0 * (t + 1) / warmup for t < warmup, then the wrapped schedule
==================  ===============================================================
"""

from __future__ import annotations

import math

import numpy as np

from .optimizer import Optimizer


class LRSchedule:
    """Base class: subclasses define ``factor(t)``, the multiple of the initial learning rate at step ``t``."""

    def __init__(self, optimizer: Optimizer) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__} needs an Optimizer, got {type(optimizer).__name__}")
        self.optimizer = optimizer
        self.base_lr = optimizer.initial_lr
        self.t = 0
        self._apply()

    def factor(self, t: int) -> float:
        raise NotImplementedError

    def lr_at(self, t: int) -> float:
        """The learning rate after ``t`` calls of :meth:`step`."""
        return self.base_lr * self.factor(t)

    def _apply(self) -> None:
        self.optimizer.lr = self.lr_at(self.t)

    def step(self) -> float:
        """Advance one step and set the optimizer's learning rate; returns it."""
        self.t += 1
        self._apply()
        return self.optimizer.lr

    def state_dict(self) -> dict[str, np.ndarray]:
        return {"t": np.asarray(self.t), "base_lr": np.asarray(self.base_lr)}

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        self.t = int(state["t"])
        self.base_lr = float(state["base_lr"])
        self._apply()


class StepLR(LRSchedule):
    """Multiply the rate by ``gamma`` every ``step_size`` steps.

    >>> import chainrule as cr
    >>> opt = cr.optim.SGD([cr.tensor([1.0], requires_grad=True)], lr=1.0)
    >>> s = StepLR(opt, step_size=2, gamma=0.5)
    >>> [round(s.step(), 3) for _ in range(4)]
    [1.0, 0.5, 0.5, 0.25]
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        if step_size <= 0:
            raise ValueError(f"StepLR: step_size must be positive, got {step_size}")
        self.step_size, self.gamma = int(step_size), float(gamma)
        super().__init__(optimizer)

    def factor(self, t: int) -> float:
        return self.gamma ** (t // self.step_size)


class ExponentialLR(LRSchedule):
    """Multiply the rate by ``gamma`` every step."""

    def __init__(self, optimizer: Optimizer, gamma: float) -> None:
        if not gamma > 0:
            raise ValueError(f"ExponentialLR: gamma must be positive, got {gamma}")
        self.gamma = float(gamma)
        super().__init__(optimizer)

    def factor(self, t: int) -> float:
        return self.gamma**t


class CosineAnnealingLR(LRSchedule):
    """Half a cosine from the initial rate down to ``eta_min`` over ``T_max`` steps, then stay there."""

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0) -> None:  # noqa: N803
        if T_max <= 0:
            raise ValueError(f"CosineAnnealingLR: T_max must be positive, got {T_max}")
        self.T_max, self.eta_min = int(T_max), float(eta_min)
        super().__init__(optimizer)

    def lr_at(self, t: int) -> float:
        progress = min(t, self.T_max) / self.T_max
        return self.eta_min + (self.base_lr - self.eta_min) * (1 + math.cos(math.pi * progress)) / 2

    def factor(self, t: int) -> float:
        return self.lr_at(t) / self.base_lr


class LinearWarmup(LRSchedule):
    """Ramp the rate linearly up over ``warmup`` steps, then follow ``after`` (or stay constant).

    ``after`` counts its own steps from the end of the warm-up.

    >>> import chainrule as cr
    >>> opt = cr.optim.SGD([cr.tensor([1.0], requires_grad=True)], lr=1.0)
    >>> s = LinearWarmup(opt, warmup=4)
    >>> [opt.lr] + [s.step() for _ in range(4)]
    [0.25, 0.5, 0.75, 1.0, 1.0]
    """

    def __init__(self, optimizer: Optimizer, warmup: int, after: LRSchedule | None = None) -> None:
        if warmup <= 0:
            raise ValueError(f"LinearWarmup: warmup must be positive, got {warmup}")
        self.warmup = int(warmup)
        self.after = after
        super().__init__(optimizer)

    def lr_at(self, t: int) -> float:
        if t < self.warmup:
            return self.base_lr * (t + 1) / self.warmup
        return self.after.lr_at(t - self.warmup) if self.after is not None else self.base_lr

    def factor(self, t: int) -> float:
        return self.lr_at(t) / self.base_lr


SCHEDULES = {"step": StepLR, "exponential": ExponentialLR, "cosine": CosineAnnealingLR}
