"""Module: a piece of a network that owns parameters and sub-modules, found by attribute name."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

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

    def __delattr__(self, name: str) -> None:
        self._parameters.pop(name, None)
        self._modules.pop(name, None)
        object.__delattr__(self, name)

    # -- the forward pass -------------------------------------------------------------------------------
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

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
        return int(sum(p.size for p in self.parameters()))

    # -- modes ------------------------------------------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self) -> Module:
        return self.train(False)

    # -- state ------------------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, np.ndarray]:
        """Parameter values (copies) by name, plus any buffers a module declares."""
        state = {name: p.data.copy() for name, p in self.named_parameters()}
        for mname, mod in self.named_modules():
            for bname in getattr(mod, "_buffers", ()):
                state[f"{mname}.{bname}" if mname else bname] = np.array(getattr(mod, bname), copy=True)
        return state

    def load_state_dict(self, state: dict[str, Any], strict: bool = True) -> None:
        """Copy values in by name, checking names, shapes and dtypes."""
        from ..errors import CheckpointError

        own = dict(self.named_parameters())
        buffers = {
            (f"{mname}.{b}" if mname else b): (mod, b)
            for mname, mod in self.named_modules()
            for b in getattr(mod, "_buffers", ())
        }
        if strict:
            missing = [k for k in [*own, *buffers] if k not in state]
            unexpected = [k for k in state if k not in own and k not in buffers]
            if missing or unexpected:
                raise CheckpointError(f"load_state_dict: missing entries {missing}, unexpected entries {unexpected}")
        for name, value in state.items():
            value = np.asarray(value)
            if name in own:
                p = own[name]
                if value.shape != p.shape:
                    raise CheckpointError(
                        f"load_state_dict: {name} has shape {value.shape}, the model expects {p.shape}"
                    )
                if value.dtype != p.dtype:
                    raise CheckpointError(
                        f"load_state_dict: {name} has dtype {value.dtype}, the model expects {p.dtype}"
                    )
                p.data = value.copy()
            elif name in buffers:
                mod, b = buffers[name]
                object.__setattr__(mod, b, value.copy())

    # -- display ----------------------------------------------------------------------------------------
    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__}({self.extra_repr()}"]
        for name, m in self._modules.items():
            sub = repr(m).replace("\n", "\n  ")
            lines.append(f"  ({name}): {sub}")
        if len(lines) == 1:
            return lines[0] + ")"
        total = self.num_parameters()
        return "\n".join(lines) + f"\n)  # {total:,} parameters"
