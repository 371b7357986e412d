"""Run one system on one workload in this process, and print one JSON line with what was measured.

    python -m benchmarks.worker SYSTEM WORKLOAD [--threads N] [--check FILE.npz]

With ``--check`` the loss and gradients from the shared initial weights are saved first (the run
script compares them with the NumPy floor's). Then a few untimed warm-up steps, then timed steps until
the workload's time budget is spent (a step of seconds is measured once, with no warm-up). Peak memory is
the high-water mark of the resident set over the steps (reset just before the first where Linux allows),
less the resident set then; and also the process's overall peak.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import os
import sys
import time
import traceback
from typing import Any


def _rss_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak() -> bool:
    """Reset the kernel's resident-set high-water mark (Linux >= 4.0), so the peak covers only what follows."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def _set_threads(system: str, n: int) -> dict[str, Any]:
    info: dict[str, Any] = {}
    try:
        from threadpoolctl import threadpool_info, threadpool_limits

        threadpool_limits(n)
        info["threadpools"] = [
            {k: p.get(k) for k in ("internal_api", "version", "num_threads", "architecture", "threading_layer")}
            for p in threadpool_info()
        ]
    except ImportError:
        info["threadpools"] = "threadpoolctl not installed (pip install threadpoolctl)"
    if system == "torch":
        import torch

        torch.set_num_threads(n)
    return info


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("system")
    ap.add_argument("workload")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--check", default=None)
    ap.add_argument("--budget", type=float, default=None, help="timed seconds (default: the workload's)")
    args = ap.parse_args(argv)

    from .systems import NotApplicable
    from .workloads import WORKLOADS, data_for

    w = WORKLOADS[args.workload]
    modname = "jax" if args.system.startswith("jax") else args.system
    mod = importlib.import_module(f".systems.{modname}", __package__)
    why = mod.available()
    out: dict[str, Any] = {"system": args.system, "workload": w.name}
    if why:
        out["skipped"] = why
        print(json.dumps(out))
        return 0
    if args.system == "jax-jit":
        mod.JIT = True
    out["env"] = _set_threads(args.system, args.threads)
    out["versions"] = mod.versions()
    out["rss_after_import_kib"] = _rss_kib("VmRSS")
    data = data_for(w)
    try:
        check, step = mod.build(w, data)
    except NotApplicable as e:
        out["skipped"] = str(e)
        print(json.dumps(out))
        return 0
    try:
        if args.check:
            import numpy as np

            res = check()
            np.savez(args.check, **{k: np.asarray(v) for k, v in res.items()})
        # the memory peak covers every step from here (the check's arrays are gone)
        gc.collect()
        rss_base = _rss_kib("VmRSS")
        reset = _reset_peak()
        # warm-up: caches, allocator, JIT compilation (not timed)
        t0 = time.perf_counter()
        step()
        first = time.perf_counter() - t0
        out["first_step_s"] = first
        est = first
        if first < w.budget_s / 4 or w.max_reps > 1:
            t0 = time.perf_counter()
            step()  # a second warm-up: after a JIT compile the first step says nothing about the rest
            est = time.perf_counter() - t0
        reps = int(max(w.min_reps, min(w.max_reps, w.budget_s / max(est, 1e-9))))
        times = []
        if w.max_reps == 1 and first >= w.budget_s:
            # a step of seconds (W5): warm-up effects are lost in it, so the first step is the measurement
            times.append(first)
            reps = 0
        gc.collect()
        for _ in range(reps):
            t0 = time.perf_counter()
            step()
            times.append(time.perf_counter() - t0)
        out["times_s"] = times
        if w.memory:
            hwm = _rss_kib("VmHWM")
            out["rss_base_kib"] = rss_base
            out["rss_peak_kib"] = hwm
            out["peak_reset"] = reset
            if reset and hwm is not None and rss_base is not None:
                out["rss_step_peak_kib"] = hwm - rss_base
    except Exception as e:  # a system that fails (e.g. micrograd's RecursionError) is reported, not fatal
        out["failed"] = f"{type(e).__name__}: {str(e)[:200]}"
        out["traceback"] = traceback.format_exc(limit=3)[-1500:]
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 1000))
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
