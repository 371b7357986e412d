"""The benchmark workloads: their shapes, their shared initial weights and data, and what "correct" means.

Every system builds its step from the same arrays made here (fixed seeds), so the correctness check can
compare each system's loss and gradients with the hand-written NumPy floor before anything is timed.

======================  =====================================================================================
workload                one timed step
======================  =====================================================================================
w1-mlp-digits-f32/f64   64-128-64-10 ReLU network, softmax cross-entropy, batch 64, forward+backward+SGD update
w2-mlp-wide             784-1024-1024-10 ReLU network, batch 256, float32 (BLAS-bound); also peak memory
w3-small-ops            1,000 elementwise ops on a (16,) tensor, then sum and backward (reported per op)
w4-scalar-mlp           micrograd's 2-16-16-1 ReLU network on 100 make_moons points, max-margin loss + L2,
                        one full-batch step (float64, as micrograd's Python floats)
w5-deep-chain-1e5/1e6   100,000 / 1,000,000 elementwise ops on a (16,) tensor, then sum and backward
======================  =====================================================================================

The chain of W3/W5 repeats ``y*2 -> tanh -> y*0.5 -> -y``: an odd map whose derivative at 0 is exactly 1,
so neither the values nor the gradient vanish or explode over a million steps (the check stays meaningful).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Workload:
    """One benchmark workload: its name, kind, sizes and dtype."""

    name: str
    kind: str  # "mlp", "chain" or "scalar-mlp"
    sizes: tuple[int, ...] = ()
    batch: int = 0
    dtype: str = "float64"
    length: int = 0  # chain length
    per: int = 1  # report time per this many units (W3: per op)
    unit: str = "ms"
    budget_s: float = 0.6  # timed seconds per process
    min_reps: int = 3
    max_reps: int = 5000  # (the budget decides for every step shorter than 120 us)
    memory: bool = False
    max_rounds: int = 99  # slow workloads run in fewer rounds than the rest
    note: str = ""
    options: dict[str, Any] = field(default_factory=dict)


LR = 0.01
W4_ALPHA = 1e-4  # micrograd demo's L2 weight
W4_LR = 0.1
CHAIN_CYCLE = ("mul2", "tanh", "mul_half", "neg")

WORKLOADS: dict[str, Workload] = {
    w.name: w
    for w in [
        Workload("w1-mlp-digits-f32", "mlp", (64, 128, 64, 10), 64, "float32", unit="us"),
        Workload("w1-mlp-digits-f64", "mlp", (64, 128, 64, 10), 64, "float64", unit="us"),
        Workload("w2-mlp-wide", "mlp", (784, 1024, 1024, 10), 256, "float32", unit="ms", budget_s=1.0, memory=True),
        Workload("w3-small-ops", "chain", length=1000, per=1000, unit="us/op"),
        Workload("w4-scalar-mlp", "scalar-mlp", (2, 16, 16, 1), 100, unit="ms"),
        Workload(
            "w5-deep-chain-1e5",
            "chain",
            length=100_000,
            unit="s",
            budget_s=0.5,
            min_reps=1,
            max_reps=1,
            memory=True,
        ),
        Workload(
            "w5-deep-chain-1e6",
            "chain",
            length=1_000_000,
            unit="s",
            budget_s=0.1,
            min_reps=1,
            max_reps=1,
            memory=True,
            max_rounds=1,
        ),
    ]
}

UNITS = {"us": 1e6, "ms": 1e3, "s": 1.0, "us/op": 1e6}


def mlp_data(w: Workload) -> dict[str, Any]:
    """Initial weights (He-normal, bias zero but for a small seeded offset), inputs and labels."""
    rng = np.random.default_rng(1234)
    dt = np.dtype(w.dtype)
    sizes = w.sizes
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True):
        params.append((rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in)).astype(dt))
        params.append((rng.standard_normal(fan_out) * 0.01).astype(dt))
    x = rng.standard_normal((w.batch, sizes[0])).astype(dt)
    y = rng.integers(0, sizes[-1], size=w.batch).astype(np.int64)
    return {"params": params, "x": x, "y": y, "lr": LR}


def make_moons(n: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's two interleaving half circles (same construction), without needing scikit-learn."""
    rng = np.random.default_rng(seed)
    n_out = n // 2
    n_in = n - n_out
    t_out = np.linspace(0, np.pi, n_out)
    t_in = np.linspace(0, np.pi, n_in)
    x = np.concatenate(
        [np.stack([np.cos(t_out), np.sin(t_out)], 1), np.stack([1 - np.cos(t_in), 1 - np.sin(t_in) - 0.5], 1)]
    )
    y = np.concatenate([np.zeros(n_out), np.ones(n_in)])
    x = x + rng.normal(scale=noise, size=x.shape)
    return x, y


def scalar_mlp_data(w: Workload) -> dict[str, Any]:
    """micrograd's demo: weights uniform in [-1, 1] (its Neuron init), labels in {-1, +1}."""
    rng = np.random.default_rng(1337)
    x, y = make_moons(w.batch, 0.1, seed=1337)
    y = y * 2 - 1
    params = []
    sizes = w.sizes
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True):
        params.append(rng.uniform(-1, 1, (fan_in, fan_out)))
        params.append(rng.uniform(-1, 1, fan_out) * 0.1)
    return {"params": params, "x": x, "y": y.reshape(-1, 1), "lr": W4_LR, "alpha": W4_ALPHA}


def chain_data(w: Workload) -> dict[str, Any]:
    # not symmetric about 0: the chain is an odd map, so a symmetric input would sum to exactly 0
    return {"x": np.linspace(-0.4, 0.9, 16), "length": w.length}


def data_for(w: Workload) -> dict[str, Any]:
    """The shared inputs of workload ``w``."""
    return {"mlp": mlp_data, "scalar-mlp": scalar_mlp_data, "chain": chain_data}[w.kind](w)


def tolerance(w: Workload) -> float:
    """Largest accepted relative difference from the NumPy floor's loss and gradients."""
    return 5e-3 if w.dtype == "float32" else 1e-8
