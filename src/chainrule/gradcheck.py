"""Checking gradients against finite differences: for a whole function, or rule by rule in a graph.

:func:`gradcheck` compares a function's reverse-mode and forward-mode derivatives with central differences
in float64, ``(f(x + eps e_k) - f(x - eps e_k)) / (2 eps)``, and reports, per input, the largest absolute and
relative error and where it happens. :func:`gradcheck_graph` does the same for each recorded operation of a
graph on its own (its backward rule against differences of its forward function, at the values it
cached), so a wrong rule is named even deep inside a model.

>>> import numpy as np, chainrule as cr
>>> report = cr.gradcheck(lambda x: cr.sum(cr.tanh(x) ** 2), (np.array([0.1, -0.7, 1.3]),))
>>> report.passed
True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._shapes import sum_to
from .engine import toposort
from .errors import GradcheckError, GraphFreedError, MissingRuleError
from .tensor import Tensor


@dataclass
class Discrepancy:
    """How far one derivative is from its finite-difference estimate (for one input and one mode)."""

    input: int
    mode: str  # "rev" (backward rule / vjp) or "fwd" (forward rule / jvp)
    shape: tuple[int, ...]
    max_abs_error: float
    max_rel_error: float
    worst_index: tuple[int, ...]
    analytic: float
    numeric: float
    passed: bool

    def line(self) -> str:
        mark = "ok  " if self.passed else "FAIL"
        return (
            f"{mark} input {self.input} {self.mode}  shape {self.shape}: max abs err {self.max_abs_error:.3g}, "
            f"max rel err {self.max_rel_error:.3g}, worst at index {self.worst_index} "
            f"(analytic {self.analytic:.8g}, numeric {self.numeric:.8g})"
        )


@dataclass
class GradcheckReport:
    """Per input and mode: the largest absolute and relative error, and the index where it is worst."""

    entries: list[Discrepancy] = field(default_factory=list)
    title: str = "gradcheck"

    @property
    def passed(self) -> bool:
        return all(e.passed for e in self.entries)

    def __str__(self) -> str:
        return "\n".join(
            [f"{self.title}: {'passed' if self.passed else 'FAILED'}", *("  " + e.line() for e in self.entries)]
        )


def _compare(
    analytic: np.ndarray, numeric: np.ndarray, atol: float, rtol: float
) -> tuple[float, float, tuple[int, ...], float, float, bool]:
    """Errors between two arrays of the same shape (as in np.allclose: |a - n| <= atol + rtol |n|)."""
    a = np.asarray(analytic, dtype=np.float64)
    n = np.asarray(numeric, dtype=np.float64)
    if a.size == 0:
        return 0.0, 0.0, (), 0.0, 0.0, True
    err = np.abs(a - n)
    err = np.where(np.isnan(a) != np.isnan(n), np.inf, np.nan_to_num(err, nan=0.0))
    rel = err / np.maximum(np.abs(n), 1e-300)
    excess = err - (atol + rtol * np.abs(n))
    worst = int(np.argmax(excess))
    idx = tuple(int(i) for i in np.unravel_index(worst, a.shape))
    passed = bool(np.all(excess <= 0))
    return (
        float(err.max()),
        float(rel.reshape(-1)[worst]),
        idx,
        float(a.reshape(-1)[worst]),
        float(n.reshape(-1)[worst]),
        passed,
    )


def _value64(out: Any) -> np.ndarray:
    # NOTE: a copy: an output that is a view of an input (a transpose) would change as the input is perturbed
    return np.array(out._data if isinstance(out, Tensor) else out, dtype=np.float64)


def gradcheck(
    f: Callable[..., Any],
    inputs: Sequence[Any] | np.ndarray,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-4,
    modes: Sequence[str] = ("rev", "fwd"),
    raise_on_failure: bool = True,
    seed: int = 0,
) -> GradcheckReport:
    """Check ``f``'s derivatives against central differences in float64, in reverse and forward mode.

    ``inputs`` is a tuple of arrays (one per argument of ``f``; a single array is one argument). ``f`` may
    return any shape. Reverse mode is checked through ``vjp`` with a random cotangent ``w`` against
    ``w^T J`` column by column; forward mode through ``jvp`` along each input element against the
    corresponding column of ``J``. Returns a :class:`GradcheckReport`; raises
    :class:`~chainrule.errors.GradcheckError` (with the report) when an error exceeds
    ``atol + rtol * |numeric|`` and ``raise_on_failure`` is true.
    """
    from .functional import jvp, vjp

    if isinstance(inputs, (np.ndarray, Tensor)) or np.isscalar(inputs):
        inputs = (inputs,)
    xs = [np.array(x._data if isinstance(x, Tensor) else x, dtype=np.float64, order="C") for x in inputs]
    for m in modes:
        if m not in ("rev", "fwd"):
            raise ValueError(f"gradcheck: modes must be 'rev' and/or 'fwd', got {m!r}")
    y0 = _value64(f(*xs))
    columns = []  # numerical Jacobian columns, per input: array of shape y.shape + x.shape
    for i, x in enumerate(xs):
        cols = np.zeros(y0.shape + x.shape)
        flat = x.reshape(-1)
        cview = cols.reshape(y0.shape + (flat.size,))
        for k in range(flat.size):
            old = flat[k]
            flat[k] = old + eps
            hi = _value64(f(*[x if j == i else a for j, a in enumerate(xs)]))
            flat[k] = old - eps
            lo = _value64(f(*[x if j == i else a for j, a in enumerate(xs)]))
            flat[k] = old
            cview[..., k] = (hi - lo) / (2 * eps)
        columns.append(cols)
    report = GradcheckReport(title="gradcheck")
    if "rev" in modes:
        w = np.random.default_rng(seed).standard_normal(y0.shape)
        _, back = vjp(f, *xs)
        grads = back(w)
        for i, (x, cols) in enumerate(zip(xs, columns, strict=True)):
            numeric = np.tensordot(w, cols, axes=w.ndim)
            analytic = np.asarray(grads[i], dtype=np.float64)
            report.entries.append(Discrepancy(i, "rev", x.shape, *_compare(analytic, numeric, atol, rtol)))
    if "fwd" in modes:
        for i, (x, cols) in enumerate(zip(xs, columns, strict=True)):
            analytic = np.zeros_like(cols)
            aview = analytic.reshape(y0.shape + (x.size,))
            for k in range(x.size):
                tangents = [np.zeros_like(a) for a in xs]
                tangents[i].reshape(-1)[k] = 1.0
                aview[..., k] = _value64(jvp(f, tuple(xs), tuple(tangents))[1])
            # report per input element: the output index is folded into the error of that element
            a2 = np.moveaxis(analytic.reshape(y0.shape + (x.size,)), -1, 0).reshape(x.size, -1)
            n2 = np.moveaxis(cols.reshape(y0.shape + (x.size,)), -1, 0).reshape(x.size, -1)
            if a2.shape[1] == 0:
                report.entries.append(Discrepancy(i, "fwd", x.shape, 0.0, 0.0, (), 0.0, 0.0, True))
                continue
            excess = np.abs(a2 - n2) - (atol + rtol * np.abs(n2))
            pick = np.argmax(excess, axis=1)
            rows = np.arange(x.size)
            a_sel = a2[rows, pick].reshape(x.shape)
            n_sel = n2[rows, pick].reshape(x.shape)
            report.entries.append(Discrepancy(i, "fwd", x.shape, *_compare(a_sel, n_sel, atol, rtol)))
    if raise_on_failure and not report.passed:
        raise GradcheckError(
            f"{report}\nThe analytic derivative disagrees with central differences (eps={eps}) beyond "
            f"atol={atol}, rtol={rtol}. If f is not smooth at these inputs (relu at 0, ties in max), move them; "
            "otherwise a gradient rule is wrong: cr.gradcheck_graph(output) names the operation."
        )
    return report


def gradcheck_graph(
    output: Tensor,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-4,
    max_elements: int = 20,
    raise_on_failure: bool = True,
    seed: int = 0,
) -> GradcheckReport:
    """Check every recorded operation behind ``output`` on its own, and name the first whose rule is wrong.

    For each node (inputs first), at the values it cached: its backward rule for each input against
    central differences of its forward function in float64 (a random upstream gradient; up to
    ``max_elements`` sampled elements per input), and its forward-mode rule along a random tangent. The
    graph must still hold its cached values: check before ``backward()``, or after
    ``backward(retain_graph=True)``.

    >>> import chainrule as cr
    >>> x = cr.tensor([0.5, 1.5], requires_grad=True)
    >>> y = cr.sum(cr.exp(x) * x)
    >>> y.backward(retain_graph=True)
    >>> cr.gradcheck_graph(y).passed
    True
    """
    if not isinstance(output, Tensor) or output._node is None:
        raise ValueError(
            "gradcheck_graph: give the output tensor of a recorded computation (it has no graph: were its inputs "
            "created with requires_grad=True, outside no_grad()?)"
        )
    rng = np.random.default_rng(seed)
    report = GradcheckReport(title="gradcheck_graph")
    failure = None
    for position, node in enumerate(toposort(output._node)):
        if node.raw is None:
            raise GraphFreedError(
                f"gradcheck_graph: the cached values of {node.prim.name} were released by a backward pass; call "
                "backward(retain_graph=True), or check the graph before backward()"
            )
        prim, params = node.prim, node.params
        raw = [np.array(r, dtype=np.float64, order="C") if _is_float(r) else r for r in node.raw]

        def forward(*args: Any, prim: Any = prim, params: dict = params) -> np.ndarray:
            return np.array(prim.checked_forward(*args, **params), dtype=np.float64)  # a copy, not a view of args

        ans = forward(*raw)
        g = rng.standard_normal(ans.shape)
        for i, parent in enumerate(node.parents):
            if parent is None or not _is_float(raw[i]):
                continue
            x = raw[i]
            flat = x.reshape(-1)
            picks = np.arange(flat.size) if flat.size <= max_elements else rng.choice(flat.size, max_elements, False)
            numeric = np.zeros(len(picks))
            for j, k in enumerate(picks):
                old = flat[k]
                flat[k] = old + eps
                hi = np.sum(forward(*raw) * g)
                flat[k] = old - eps
                lo = np.sum(forward(*raw) * g)
                flat[k] = old
                numeric[j] = (hi - lo) / (2 * eps)
            rule_out = prim.vjp_rule(i)(g, ans, *raw, **params)
            analytic = np.zeros(x.shape) if rule_out is None else np.asarray(rule_out, dtype=np.float64)
            if analytic.shape != x.shape:
                analytic = sum_to(analytic, x.shape)
            entry = Discrepancy(i, "rev", x.shape, *_compare(analytic.reshape(-1)[picks], numeric, atol, rtol))
            entry.worst_index = (
                tuple(int(v) for v in np.unravel_index(picks[entry.worst_index[0]], x.shape)) if picks.size else ()
            )
            _label(entry, node, position)
            report.entries.append(entry)
            if not entry.passed and failure is None:
                failure = (node, position, i, "backward", entry)
            fwd = _check_jvp(prim, params, raw, ans, i, forward, eps, atol, rtol, rng)
            if fwd is not None:
                _label(fwd, node, position)
                report.entries.append(fwd)
                if not fwd.passed and failure is None:
                    failure = (node, position, i, "forward-mode", fwd)
    if failure is not None and raise_on_failure:
        node, position, i, kind, entry = failure
        shapes = ", ".join(str(np.shape(r)) for r in node.raw)
        source = (node.meta or {}).get("source")
        where = f" created at {source}" if source else ""
        raise GradcheckError(
            f"gradcheck_graph: the {kind} rule of '{node.prim.name}' (operation #{position} of the graph, inputs "
            f"{shapes}{where}) disagrees with finite differences for input {i}: max abs error "
            f"{entry.max_abs_error:.3g} at index {entry.worst_index} (analytic {entry.analytic:.8g}, numeric "
            f"{entry.numeric:.8g}). The operations before it agree; fix this rule.\n{report}"
        )
    return report


def _label(entry: Discrepancy, node: Any, position: int) -> None:
    entry.mode = f"{entry.mode} #{position} {node.prim.name}"


def _is_float(r: Any) -> bool:
    return np.result_type(r).kind == "f" if isinstance(r, (np.ndarray, np.generic, float)) else False


def _check_jvp(
    prim: Any,
    params: dict,
    raw: list,
    ans: np.ndarray,
    i: int,
    forward: Callable,
    eps: float,
    atol: float,
    rtol: float,
    rng: Any,
) -> Discrepancy | None:
    """The forward-mode rule for input ``i`` along a random tangent, against a directional difference."""
    try:
        rule = prim.jvp_rule(i)
    except MissingRuleError:
        return None
    x = raw[i]
    t = rng.standard_normal(x.shape)
    plus = list(raw)
    minus = list(raw)
    plus[i] = x + eps * t
    minus[i] = x - eps * t
    numeric = (forward(*plus) - forward(*minus)) / (2 * eps)
    if rule == "linear":
        args = list(raw)
        args[i] = t
        analytic = forward(*args)
    else:
        out = rule(t, ans, *raw, **params)
        analytic = np.zeros(ans.shape) if out is None else np.asarray(out, dtype=np.float64)
    analytic = np.broadcast_to(analytic, ans.shape)
    return Discrepancy(i, "fwd", x.shape, *_compare(analytic, numeric, atol, rtol))


__all__ = ["gradcheck", "gradcheck_graph", "GradcheckReport", "Discrepancy"]
