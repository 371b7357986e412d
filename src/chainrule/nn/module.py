"""Module: a piece of a network that owns parameters and sub-modules, found by attribute name."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from .._scope import SCOPES
from ..tensor import Tensor


class Module:
    """Base class of layers and models.

    Parameters (tensors that require a gradient) and sub-modules assigned as attributes are registered
    in assignment order, so ``named_parameters()`` gives stable names like ``dense1.weight``.

    >>> import chainrule as cr
    >>> net = cr.nn.Sequential(cr.nn.Dense(4, 3, seed=0), cr.nn.ReLU(), cr.nn.Dense(3, 2, seed=1))
    >>> [name for name, _ in net.named_parameters()]
    ['layers.0.weight', 'layers.0.bias', 'layers.2.weight', 'layers.2.bias']
    """

    #: a new object at every attribute assignment or deletion on any module, so a module may cache what it derives
    #: from its attributes (nn.MLP's list of weights) and know, by identity, when to derive it again. (An object,
    #: not a count: a cache that was pickled or copied holds an object no live module ever hands out again.)
    layout: object = object()

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "training", True)

    def __setattr__(self, name: str, value: Any) -> None:
        if "_parameters" not in self.__dict__:
            raise RuntimeError(f"{type(self).__name__}.__init__ must call super().__init__() before setting attributes")
        params, modules = self.__dict__["_parameters"], self.__dict__["_modules"]
        params.pop(name, None)
        modules.pop(name, None)
        if isinstance(value, Tensor) and value.requires_grad:
            params[name] = value
        elif isinstance(value, Module):
            modules[name] = value
        object.__setattr__(self, name, value)
        Module.layout = object()

    def __delattr__(self, name: str) -> None:
        self._parameters.pop(name, None)
        self._modules.pop(name, None)
        object.__delattr__(self, name)
        Module.layout = object()

    # -- the forward pass -------------------------------------------------------------------------------
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not SCOPES.active:  # module scopes are kept only while a drawing records them (chainrule.viz)
            return self.forward(*args, **kwargs)
        SCOPES.push(self)
        try:
            return self.forward(*args, **kwargs)
        finally:
            SCOPES.pop()

    # -- parameters and sub-modules --------------------------------------------------------------------
    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """This module and every sub-module, with dotted names (iteratively, depth first)."""
        stack: list[tuple[str, Module]] = [(prefix, self)]
        while stack:
            name, mod = stack.pop()
            yield name, mod
            children = [(f"{name}.{k}" if name else k, m) for k, m in mod._modules.items()]
            stack.extend(reversed(children))

    def children(self) -> Iterator[Module]:
        yield from self._modules.values()

    def modules(self) -> Iterator[Module]:
        for _, m in self.named_modules():
            yield m

    def named_parameters(self) -> Iterator[tuple[str, Tensor]]:
        """Every parameter with its dotted path (each tensor once)."""
        seen: set[int] = set()
        for mname, mod in self.named_modules():
            for pname, p in mod._parameters.items():
                if id(p) not in seen:
                    seen.add(id(p))
                    yield (f"{mname}.{pname}" if mname else pname), p

    def parameters(self) -> list[Tensor]:
        """The parameters, in a stable order."""
        return [p for _, p in self.named_parameters()]

    def name_parameters(self) -> Module:
        """Give each parameter tensor its path as ``.name`` (used by the graph drawings)."""
        for name, p in self.named_parameters():
            p.name = name
        return self

    def zero_grad(self) -> None:
        """Forget every parameter's accumulated gradient."""
        for p in self.parameters():
            p.grad = None

    def num_parameters(self) -> int:
        """How many numbers the optimizer trains."""
        return int(sum(p.size for p in self.parameters()))

    @property
    def dtype(self) -> np.dtype:
        """The dtype of the first parameter (float32 unless built otherwise); inputs are cast to it."""
        for p in self.parameters():
            return p.dtype
        return np.dtype(np.float32)

    # -- modes ------------------------------------------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        """Training mode (Dropout drops, BatchNorm uses batch statistics); ``train(False)`` is ``eval()``."""
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self) -> Module:
        """Evaluation mode: Dropout passes values through, BatchNorm uses its running statistics."""
        return self.train(False)

    # -- buffers: arrays a module keeps and saves, but does not train (BatchNorm's running statistics) -----
    def register_buffer(self, name: str, value: np.ndarray) -> None:
        """Keep ``value`` as attribute ``name``, saved in ``state_dict()`` but never updated by an optimizer."""
        if "_buffers" not in self.__dict__:
            object.__setattr__(self, "_buffers", [])
        if name not in self._buffers:
            self._buffers.append(name)
        object.__setattr__(self, name, np.asarray(value))

    def named_buffers(self) -> Iterator[tuple[str, np.ndarray]]:
        """Every buffer with its dotted path."""
        for mname, mod in self.named_modules():
            for bname in getattr(mod, "_buffers", ()):
                yield (f"{mname}.{bname}" if mname else bname), getattr(mod, bname)

    # -- state ------------------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, np.ndarray]:
        """Parameter values and buffers (copies) by dotted name.

        >>> import chainrule as cr
        >>> sorted(cr.nn.Dense(2, 3, seed=0).state_dict())
        ['bias', 'weight']
        """
        state = {name: p.data.copy() for name, p in self.named_parameters()}
        for name, value in self.named_buffers():
            state[name] = np.array(value, copy=True)
        return state

    def load_state_dict(self, state: dict[str, Any], strict: bool = True) -> None:
        """Copy values in by name, checking that names, shapes and dtypes all match.

        With ``strict=False`` missing and unexpected names are skipped (shapes and dtypes are still checked).
        Nothing is changed unless every entry passes the checks.
        """
        from ..errors import CheckpointError

        own: dict[str, tuple[Module, str, Tensor | None]] = {}
        for mname, mod in self.named_modules():
            for pname, p in mod._parameters.items():
                own.setdefault(f"{mname}.{pname}" if mname else pname, (mod, pname, p))
            for bname in getattr(mod, "_buffers", ()):
                own[f"{mname}.{bname}" if mname else bname] = (mod, bname, None)
        missing = [k for k in own if k not in state]
        unexpected = [k for k in state if k not in own]
        if strict and (missing or unexpected):
            parts = []
            if missing:
                parts.append(f"missing {', '.join(missing)}")
            if unexpected:
                parts.append(f"unexpected {', '.join(unexpected)}")
            raise CheckpointError(
                f"load_state_dict: the saved state does not match {type(self).__name__}: {'; '.join(parts)}"
            )
        updates = []
        for name, (mod, attr, param) in own.items():
            if name not in state:
                continue
            value = np.asarray(state[name])
            current = param.data if param is not None else np.asarray(getattr(mod, attr))
            if value.shape != current.shape:
                raise CheckpointError(
                    f"load_state_dict: entry {name!r} has shape {value.shape}, the model expects {current.shape}"
                )
            if value.dtype != current.dtype:
                raise CheckpointError(
                    f"load_state_dict: entry {name!r} has dtype {value.dtype}, the model expects {current.dtype} "
                    f"(convert the model or the state first)"
                )
            updates.append((mod, attr, param, value))
        for mod, attr, param, value in updates:
            if param is not None:
                param.data = value.copy()
            else:
                object.__setattr__(mod, attr, value.copy())

    # -- display ----------------------------------------------------------------------------------------
    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__}({self.extra_repr()}"]
        for name, m in self._modules.items():
            sub = repr(m).replace("\n", "\n  ")
            lines.append(f"  ({name}): {sub}")
        if len(lines) == 1:
            own = self.num_parameters()
            return lines[0] + ")" + (f"  # {own:,} parameters" if own else "")
        total = self.num_parameters()
        return "\n".join(lines) + f"\n)  # {total:,} parameters"
