"""Optimizers that adapt each parameter's step size from running averages of its gradients.

==========  =================================================================================
Adam        m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;  p -= lr * m_hat / (sqrt(v_hat) + eps)
            with bias corrections m_hat = m / (1 - b1^t), v_hat = v / (1 - b2^t)
AdamW       Adam, with weight decay applied to the weights directly (p -= lr * wd * p), not via g
RMSprop     v = a v + (1-a) g^2;  p -= lr * g / (sqrt(v) + eps)   (optionally with momentum)
==========  =================================================================================

Buffers are NumPy arrays of the parameter's dtype, updated in place: no graph is recorded.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ..tensor import Tensor
from .optimizer import Optimizer


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015). ``weight_decay`` adds ``wd * p`` to the gradient (L2 regularisation).

    >>> import chainrule as cr
    >>> w = cr.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = cr.optim.Adam([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step()
    >>> w.data.round(4).tolist()    # the first step moves every weight by about lr
    [0.9, -1.9]
    """

    hyper = ("beta1", "beta2", "eps", "weight_decay")
    decoupled = False

    def __init__(
        self,
        params: Iterable[Tensor],
        lr: float = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        b1, b2 = betas
        if not (0.0 <= b1 < 1.0 and 0.0 <= b2 < 1.0):
            raise ValueError(f"{type(self).__name__}: betas must be in [0, 1), got {betas}")
        if eps <= 0 or weight_decay < 0:
            raise ValueError(f"{type(self).__name__}: eps must be positive and weight_decay >= 0")
        self.beta1, self.beta2 = float(b1), float(b2)
        self.eps = float(eps)
        self.weight_decay = float(weight_decay)

    def _update(self, p: Tensor, g: np.ndarray, state: dict[str, np.ndarray]) -> None:
        if self.weight_decay:
            if self.decoupled:
                p.sub_((self.lr * self.weight_decay) * p.data)
            else:
                g = g + self.weight_decay * p.data
        if "m" not in state:
            state["m"] = np.zeros_like(p.data)
            state["v"] = np.zeros_like(p.data)
            state["step"] = np.asarray(0, dtype=np.int64)
        m, v = state["m"], state["v"]
        t = int(state["step"]) + 1
        state["step"] = np.asarray(t, dtype=np.int64)
        m *= self.beta1
        m += (1 - self.beta1) * g
        v *= self.beta2
        v += (1 - self.beta2) * (g * g)
        m_hat = m / (1 - self.beta1**t)
        v_hat = v / (1 - self.beta2**t)
        p.sub_(self.lr * m_hat / (np.sqrt(v_hat) + self.eps))


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019): ``p -= lr * wd * p`` each step."""

    decoupled = True

    def __init__(
        self,
        params: Iterable[Tensor],
        lr: float = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.01,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay)


class RMSprop(Optimizer):
    """RMSprop (Hinton): divide the gradient by a running root-mean-square of recent gradients.

    >>> import chainrule as cr
    >>> w = cr.tensor([1.0], requires_grad=True)
    >>> opt = cr.optim.RMSprop([w], lr=0.01, alpha=0.99)
    >>> (w * w).sum().backward(); opt.step()
    >>> round(float(w.data[0]), 4)   # g=2, v=0.01*4, step=0.01*2/0.2
    0.9
    """

    hyper = ("alpha", "eps", "momentum", "weight_decay")

    def __init__(
        self,
        params: Iterable[Tensor],
        lr: float = 0.01,
        alpha: float = 0.99,
        eps: float = 1e-8,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        if not 0.0 <= alpha < 1.0 or not 0.0 <= momentum < 1.0:
            raise ValueError(f"RMSprop: alpha and momentum must be in [0, 1), got {alpha}, {momentum}")
        self.alpha = float(alpha)
        self.eps = float(eps)
        self.momentum = float(momentum)
        self.weight_decay = float(weight_decay)

    def _update(self, p: Tensor, g: np.ndarray, state: dict[str, np.ndarray]) -> None:
        if self.weight_decay:
            g = g + self.weight_decay * p.data
        if "square_avg" not in state:
            state["square_avg"] = np.zeros_like(p.data)
        v = state["square_avg"]
        v *= self.alpha
        v += (1 - self.alpha) * (g * g)
        step = g / (np.sqrt(v) + self.eps)
        if self.momentum:
            buf = state.get("momentum")
            if buf is None:
                buf = state["momentum"] = np.zeros_like(p.data)
            buf *= self.momentum
            buf += step
            step = buf
        p.sub_(self.lr * step)
