"""Optimizer base class and SGD. Updates happen in place (``p.sub_``) under ``no_grad``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ..engine import ChangeLog, no_grad
from ..tensor import Tensor

ndarray = np.ndarray


class Optimizer:
    """Holds the parameters to update and any per-parameter state (momentum buffers ...)."""

    def __init__(self, params: Iterable[Tensor], lr: float) -> None:
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{type(self).__name__}: got an empty list of parameters")
        for i, p in enumerate(self.params):
            if not isinstance(p, Tensor) or not p.requires_grad:
                raise TypeError(f"{type(self).__name__}: parameter {i} is not a tensor that requires a gradient")
        if lr <= 0:
            raise ValueError(f"{type(self).__name__}: the learning rate must be positive, got {lr}")
        self.lr = float(lr)
        self.initial_lr = self.lr  # what learning-rate schedules scale
        self.state: list[dict[str, np.ndarray]] = [{} for _ in self.params]
        self.step_count = 0

    def zero_grad(self) -> None:
        """Forget every parameter's gradient (call before each backward pass)."""
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        """Update every parameter that has a gradient."""
        with no_grad():
            self.step_count += 1
            for p, state in zip(self.params, self.state, strict=True):
                if p.grad is not None:
                    g = p.grad.data if isinstance(p.grad, Tensor) else p.grad
                    self._update(p, g, state)

    def _update(self, p: Tensor, g: np.ndarray, state: dict[str, np.ndarray]) -> None:
        raise NotImplementedError

    #: names of the hyper-parameters saved with the state (besides ``lr``)
    hyper: tuple[str, ...] = ()

    def state_dict(self) -> dict[str, np.ndarray]:
        """Hyper-parameters and per-parameter buffers as plain arrays (no pickle needed to save them).

        Keys: ``lr``, ``step_count``, ``num_params``, ``hyper.<name>`` and ``state.<param index>.<buffer>``.
        """
        out: dict[str, np.ndarray] = {
            "lr": np.asarray(self.lr),
            "step_count": np.asarray(self.step_count),
            "num_params": np.asarray(len(self.params)),
        }
        for name in self.hyper:
            out[f"hyper.{name}"] = np.asarray(getattr(self, name))
        for i, state in enumerate(self.state):
            for k, v in state.items():
                out[f"state.{i}.{k}"] = np.array(v, copy=True)
        return out

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` gave, checking it belongs to parameters of the same shapes and dtypes.

        Nothing changes unless every entry passes the checks (a :class:`~chainrule.errors.CheckpointError`
        names the first bad entry).
        """
        from ..errors import CheckpointError

        name = type(self).__name__
        for key in ("lr", "step_count", "num_params"):
            if key not in state:
                raise CheckpointError(f"{name}.load_state_dict: entry {key!r} is missing")
        if int(state["num_params"]) != len(self.params):
            raise CheckpointError(
                f"{name}.load_state_dict: the state is for {int(state['num_params'])} parameters, "
                f"this optimizer has {len(self.params)}"
            )
        hyper: dict[str, Any] = {}
        buffers: list[dict[str, np.ndarray]] = [{} for _ in self.params]
        for key, value in state.items():
            value = np.asarray(value)
            if key in ("lr", "step_count", "num_params"):
                continue
            if key.startswith("hyper."):
                h = key[len("hyper.") :]
                if h not in self.hyper:
                    raise CheckpointError(f"{name}.load_state_dict: entry {key!r} is not a setting of {name}")
                hyper[h] = value.item()
                continue
            parts = key.split(".", 2)
            if len(parts) != 3 or parts[0] != "state" or not parts[1].isdigit():
                raise CheckpointError(f"{name}.load_state_dict: unexpected entry {key!r}")
            i = int(parts[1])
            if i >= len(self.params):
                raise CheckpointError(
                    f"{name}.load_state_dict: entry {key!r} names parameter {i}, there are {len(self.params)}"
                )
            p = self.params[i]
            if value.ndim and (value.shape != p.shape or value.dtype != p.dtype):
                raise CheckpointError(
                    f"{name}.load_state_dict: entry {key!r} is {value.dtype}{list(value.shape)}, "
                    f"parameter {i} is {p.dtype}{list(p.shape)}"
                )
            buffers[i][parts[2]] = value.copy()
        self.lr = float(state["lr"])
        self.step_count = int(state["step_count"])
        for h, v in hyper.items():
            setattr(self, h, type(getattr(self, h))(v))
        self.state = buffers


class SGD(Optimizer):
    """Stochastic gradient descent: ``p -= lr * g``, optionally with momentum, Nesterov and weight decay.

    >>> import chainrule as cr
    >>> w = cr.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = cr.optim.SGD([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step()
    >>> w.data.tolist()
    [0.8, -1.6]
    """

    def __init__(
        self,
        params: Iterable[Tensor],
        lr: float = 0.01,
        momentum: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"SGD: momentum must be in [0, 1), got {momentum}")
        if nesterov and momentum == 0:
            raise ValueError("SGD: Nesterov momentum needs momentum > 0")
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)
        self.weight_decay = float(weight_decay)
        self._lr_made: tuple | None = None  # (lr, dtype, lr as a 0-d array of dtype): see _lr_array
        self._changes = ChangeLog()  # the parameters' arrays, noted as changed at every step

    hyper = ("momentum", "nesterov", "weight_decay")

    def step(self) -> None:
        """Update every parameter that has a gradient: ``p -= lr * g`` (with momentum/weight decay if set)."""
        if self.momentum or self.weight_decay:
            super().step()
            return
        # NOTE: plain SGD, the common case, in one tight loop (no per-parameter method calls): same update,
        # same in-place bookkeeping as p.sub_() under no_grad
        self.step_count += 1
        lr = self.lr
        dtype = scale = None
        changed = []
        try:
            for p in self.params:
                g = p.grad
                if g is None:
                    continue
                data = p._data
                if type(g) is not ndarray or g.dtype is not dtype or data.base is not None:
                    if data.base is not None:  # a view: copy on write, as p._own_data() does
                        p._own_data()
                        data = p._data
                    if type(g) is not ndarray and isinstance(g, Tensor):
                        g = g._data
                    if type(g) is ndarray and g.dtype.kind in "fc":  # lr in the gradient's dtype, as `lr * g` casts it
                        if g.dtype is not dtype:
                            dtype = g.dtype
                            scale = self._lr_array(lr, dtype)
                    else:  # a number, or integers: lr * g, as the general path computes it
                        dtype = scale = None
                delta = lr * g if scale is None else g * scale
                try:
                    data -= delta  # (in place, NumPy's "same_kind" casting: a float64 step into float32 is fine)
                except ValueError:
                    if data.flags.writeable:  # (not a read-only array: a real error, e.g. of shapes)
                        raise
                    p._own_data()  # read-only memory (a broadcast): the parameter gets its own copy
                    data = p._data
                    data -= delta
                changed.append(data)
        finally:
            if changed:  # (p._bump() for all of them, even if a later one failed: graphs that cached the old values
                self._changes.note(changed)  # refuse to use them)

    def _lr_array(self, lr: float, dtype: np.dtype) -> np.ndarray:
        """The learning rate as a 0-d array of ``dtype``, made again only when either changes."""
        made = self._lr_made
        if made is None or made[0] != lr or made[1] is not dtype:
            made = self._lr_made = (lr, dtype, np.asarray(lr, dtype=dtype))
        return made[2]

    def _update(self, p: Tensor, g: np.ndarray, state: dict[str, np.ndarray]) -> None:
        if self.weight_decay:
            g = g + self.weight_decay * p.data
        if self.momentum:
            buf = state.get("momentum")
            if buf is None:
                buf = state["momentum"] = np.array(g, dtype=p.dtype, copy=True)
            else:
                buf *= self.momentum
                buf += g
            g = g + self.momentum * buf if self.nesterov else buf
        p.sub_(self.lr * g)
