"""Measure the training targets of the README at full settings (``make results``).

Each target is trained with the settings below for several seeds (each seed is a different train/test split
and initialisation) and reported as mean, worst and seed-0 score. The equivalent command line for each row
is printed too, so any number can be reproduced with ``chainrule train``.

    python scripts/training_results.py [--seeds 3] [--only digits-mlp,iris] [--json results.json]
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from typing import Any

import numpy as np

from chainrule import runs

TARGETS: list[tuple[str, dict[str, Any], str, float]] = [
    (
        "digits-mlp",
        {
            "data": "digits",
            "hidden": [256, 128],
            "optimizer": "adamw",
            "weight_decay": 0.05,
            "schedule": "cosine",
            "epochs": 30,
        },
        "test_accuracy",
        0.97,
    ),
    (
        "digits-cnn",
        {"data": "digits", "model": "cnn", "lr": 0.05, "schedule": "cosine", "epochs": 15},
        "test_accuracy",
        0.98,
    ),
    ("iris", {"data": "iris", "hidden": [16], "epochs": 50, "batch_size": 16}, "test_accuracy", 0.93),
    ("breast_cancer", {"data": "breast_cancer", "hidden": [32], "epochs": 30}, "test_accuracy", 0.95),
    ("diabetes", {"data": "diabetes", "hidden": [16], "epochs": 60, "schedule": "cosine"}, "test_r2", 0.4),
    (
        "moons 2-16-16-1",
        {"data": "moons", "hidden": [16, 16], "optimizer": "adam", "lr": 0.01, "epochs": 50},
        "test_accuracy",
        0.97,
    ),
]


def command_line(settings: dict[str, Any]) -> str:
    parts = ["chainrule train"]
    for key, value in settings.items():
        text = ",".join(map(str, value)) if isinstance(value, list) else str(value)
        parts.append(f"--{key.replace('_', '-')} {text}")
    return " ".join(parts)


def run_one(settings: dict[str, Any], seed: int) -> tuple[dict[str, float], float]:
    config = runs.resolve_config({**settings, "seed": seed})
    data = runs.load_data(config)
    model = runs.build_model(config, data)
    optimizer = runs.build_optimizer(config, model)
    trainer = runs.make_trainer(config, model, optimizer, runs.build_schedule(config, optimizer), data)
    start = time.perf_counter()
    trainer.run()
    return trainer.history.last(), time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=3, help="seeds 0 .. N-1 for each target (default: 3)")
    p.add_argument("--only", help="comma-separated target names")
    p.add_argument("--json", help="also write the numbers to this JSON file")
    args = p.parse_args(argv)
    wanted = set(args.only.split(",")) if args.only else None
    rows, record = [], []
    for name, settings, metric, goal in TARGETS:
        if wanted and name not in wanted:
            continue
        scores, seconds = [], []
        for seed in range(args.seeds):
            last, sec = run_one(settings, seed)
            scores.append(last[metric])
            seconds.append(sec)
            print(f"{name} seed {seed}: {metric} {last[metric]:.4f} ({sec:.0f} s)", file=sys.stderr, flush=True)
        mean = float(np.mean(scores))
        rows.append(
            f"| {name} | {metric.replace('test_', '')} >= {goal} | {mean:.4f} | {min(scores):.4f} | {scores[0]:.4f} | "
            f"{'yes' if mean >= goal else 'NO'} | `{command_line(settings)}` |"
        )
        record.append(
            {"target": name, "metric": metric, "goal": goal, "settings": settings, "scores": scores, "seconds": seconds}
        )
    print(f"Seeds 0..{args.seeds - 1}; Python {platform.python_version()}, {platform.machine()}.\n")
    print("| target | goal | mean | worst | seed 0 | met (mean) | settings |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    print("\n".join(rows))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(record, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
