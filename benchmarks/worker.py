"""Serve one system on one workload in this process: build it, warm up, then time blocks of steps on request.

    python -m benchmarks.worker SYSTEM WORKLOAD [--threads N] [--check FILE.npz]

With ``--check`` the loss and gradients from the shared initial weights are saved first (the run
script compares them with the NumPy floor's). Then one or two untimed warm-up steps (a step of seconds is
measured once, with no warm-up), and one JSON line: ``ready`` (or ``skipped`` / ``failed``). Then each line
``run SECONDS MIN MAX`` on standard input runs about SECONDS of steps (at least MIN, at most MAX) and
answers ``{"times_s": [...]}``; ``end`` answers with the memory figures and exits. Peak memory is the
high-water mark of the resident set over all the steps, the check's included (reset just before it where
Linux allows), less the resident set then; and also the process's overall peak.
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


def _reply(obj: dict[str, Any]) -> None:
    print(json.dumps(obj), flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("system")
    ap.add_argument("workload")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--check", default=None)
    args = ap.parse_args(argv)

    from .systems import NotApplicable
    from .workloads import WORKLOADS, data_for

    w = WORKLOADS[args.workload]
    modname = "jax" if args.system.startswith("jax") else args.system
    mod = importlib.import_module(f".systems.{modname}", __package__)
    why = mod.available()
    out: dict[str, Any] = {"system": args.system, "workload": w.name}
    if why:
        _reply({**out, "skipped": why})
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
        _reply({**out, "skipped": str(e)})
        return 0
    banked: list[float] = []
    # the memory peak covers every step from here, the check's included (it runs a step's computation)
    gc.collect()
    rss_base = _rss_kib("VmRSS")
    reset = _reset_peak()
    try:
        if args.check:
            import numpy as np

            res = check()
            np.savez(args.check, **{k: np.asarray(v) for k, v in res.items()})
            del res
        gc.collect()
        # warm-up: caches, allocator, JIT compilation (not timed)
        t0 = time.perf_counter()
        step()
        first = time.perf_counter() - t0
        out["first_step_s"] = first
        est = first
        if w.max_reps == 1 and w.max_rounds == 1 and first >= w.budget_s:
            # a step of seconds timed in one round (W5 at 10^6): every system's one step is its first, warm-up
            # effects are lost in it, so it counts (elsewhere a first step is never timed, for any system)
            banked.append(first)
        elif first < w.budget_s / 4 or w.max_reps > 1:
            t0 = time.perf_counter()
            step()  # a second warm-up: after a JIT compile the first step says nothing about the rest
            est = time.perf_counter() - t0
        gc.collect()
    except Exception as e:  # a system that fails (e.g. micrograd's RecursionError) is reported, not fatal
        _reply(
            {**out, "failed": f"{type(e).__name__}: {str(e)[:200]}", "traceback": traceback.format_exc(limit=3)[-1500:]}
        )
        return 0
    _reply({**out, "ready": True, "est_s": est})
    # NOTE: the run script keeps every system's worker alive and asks each in turn for a short block of steps
    # ("run SECONDS MIN MAX"), so a slow spell of the shared machine falls on every system alike; the others
    # wait on their standard input meanwhile
    for line in sys.stdin:
        cmd = line.split()
        if not cmd or cmd[0] == "end":
            break
        seconds, lo, hi = float(cmd[1]), int(cmd[2]), int(cmd[3])
        try:
            if banked:
                times, banked = banked, []
            else:
                reps = int(max(lo, min(hi, seconds / max(est, 1e-9))))
                times = []
                for _ in range(reps):
                    t0 = time.perf_counter()
                    step()
                    times.append(time.perf_counter() - t0)
        except Exception as e:
            _reply(
                {"failed": f"{type(e).__name__}: {str(e)[:200]}", "traceback": traceback.format_exc(limit=3)[-1500:]}
            )
            return 0
        _reply({"times_s": times})
    final: dict[str, Any] = {}
    if w.memory:
        hwm = _rss_kib("VmHWM")
        final["rss_base_kib"] = rss_base
        final["rss_peak_kib"] = hwm
        final["peak_reset"] = reset
        if reset and hwm is not None and rss_base is not None:
            final["rss_step_peak_kib"] = hwm - rss_base
    _reply(final)
    return 0


if __name__ == "__main__":
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 1000))
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
