"""Histograms and bincount: NumPy's counts and edges, with the gradients that flow through them.

==============================  =============================================  =====================================
op                              forward                                        local derivative
==============================  =============================================  =====================================
bincount(x, w)                  out[k] = sum of w[i] where x[i] == k           1 to w[i] from out[x[i]]; none for x
histogram_weights(a, w)         np.histogram(a, weights=w)'s counts            1 to w[i] from its bin (0 outside
                                                                               the range); none for a (piecewise
                                                                               constant)
histogram_edges(lo, hi)         np.linspace(lo, hi, num)  (NumPy's edges)      1 - k/n to lo, k/n to hi for edge k
histogramdd_weights(s, w)       np.histogramdd(s, weights=w)'s counts          1 to w[i] from its cell (0 outside);
                                (histogram2d is histogramdd of [x, y])         none for the sample s
==============================  =============================================  =====================================

``np.histogram(a)``'s edges with ``range=None`` and a number of bins (or an estimator name) are
``linspace(min(a), max(a), n + 1)`` (``min - 0.5``, ``max + 0.5`` where they are equal): differentiable in ``a``
through its min and max (ties split as ``max`` / ``min`` do), as JAX's ``jnp.histogram_bin_edges``. Counts are
piecewise constant in ``a`` (no gradient, as JAX); with ``weights`` they are sums of the weights per bin;
``density=True`` is NumPy's ``n / diff(edges) / n.sum()``, differentiable in the weights and through the edges in
``a``. Given edges (an array ``bins``) and ``range=`` are constants. ``histogramdd`` / ``histogram2d``: the same
along each axis (NumPy's density divides by each axis's bin widths in turn). Every value is NumPy's own.
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from ..errors import UnsupportedArgumentError
from ..tensor import Tensor
from ._base import data_of, defprim
from .cumulative import diff
from .reduce import max as _max
from .reduce import min as _min
from .reduce import sum as _sum
from .shape import astype, concatenate, pad, reshape, take


def _constant(value: Any) -> Tensor:
    return Tensor._wrap(np.asarray(value), None, False)


def _values(x: Any) -> Any:
    if isinstance(x, Tensor):
        return x._data
    if isinstance(x, (list, tuple)):
        return type(x)(_values(v) for v in x)
    return x


def _no_gradient(name: str, what: str, x: Any) -> None:
    xs = x if isinstance(x, (list, tuple)) else (x,)
    if any(isinstance(v, Tensor) and v.requires_grad for v in xs):
        raise UnsupportedArgumentError(
            f"{name}: {what} given as a tensor that requires a gradient is not supported (the bin edges would "
            f"depend on it, and chainrule does not differentiate them there). Pass {what} as constants (t.numpy())"
        )


# -- bincount --------------------------------------------------------------------------------------------------
def _bincount_forward(x: Any, w: Any, *, minlength: int) -> np.ndarray:
    return np.bincount(x, w, minlength=minlength)


_bincount = defprim(
    "bincount",
    _bincount_forward,
    vjp=(None, lambda g, ans, x, w, minlength: take(g, data_of(x))),
    jvp=(None, "linear"),
)


def bincount(x: Any, weights: Any = None, minlength: int = 0) -> Any:
    """The number of occurrences of each value in the non-negative integers ``x`` (``np.bincount``); with
    ``weights`` the sum of the weights of each value, differentiable in ``weights`` (float64, as NumPy)."""
    if weights is None:
        return _constant(np.bincount(_values(x), minlength=minlength))
    if isinstance(x, Tensor):
        x = x._data
    return _bincount(x, weights, minlength=minlength)


# -- histogram's edges and counts ----------------------------------------------------------------------------
def _edge_weights(num: int, dtype: Any) -> tuple[np.ndarray, np.ndarray]:
    k = np.arange(num, dtype=np.float64)
    to_hi = k / (num - 1) if num > 1 else np.ones(1)
    to_hi[-1] = 1.0  # (the last edge is hi itself, the first lo itself)
    return (1.0 - to_hi).astype(dtype), to_hi.astype(dtype)


def _edges_dlo(g: Any, ans: Any, lo: Any, hi: Any, num: int, dtype: Any) -> Any:
    return _sum(g * _edge_weights(num, np.result_type(data_of(g)))[0])


def _edges_dhi(g: Any, ans: Any, lo: Any, hi: Any, num: int, dtype: Any) -> Any:
    return _sum(g * _edge_weights(num, np.result_type(data_of(g)))[1])


_histogram_edges = defprim(
    "histogram_edges",
    lambda lo, hi, *, num, dtype: np.linspace(lo, hi, num, endpoint=True, dtype=dtype),
    vjp=(_edges_dlo, _edges_dhi),
    jvp=(
        lambda t, ans, lo, hi, num, dtype: t * _edge_weights(num, np.result_type(data_of(t)))[0],
        lambda t, ans, lo, hi, num, dtype: t * _edge_weights(num, np.result_type(data_of(t)))[1],
    ),
)


def _edges(name: str, a: Any, bins: Any, range: Any, edges: np.ndarray) -> Any:  # noqa: A002
    """NumPy's ``edges`` as a tensor: differentiable in ``a`` through its min and max where they come from it."""
    _no_gradient(name, "bins", bins)
    _no_gradient(name, "range", range)
    if (
        not isinstance(a, Tensor)
        or a._data.dtype.kind != "f"
        or range is not None
        or np.ndim(_values(bins)) != 0
        or a.size == 0
    ):
        return _constant(edges)
    flat = reshape(a, (-1,))
    lo, hi = _min(flat), _max(flat)
    if lo._data == hi._data:  # NumPy widens an empty range to [x - 0.5, x + 0.5]
        lo, hi = lo - 0.5, hi + 0.5
    return _histogram_edges(lo, hi, num=edges.size, dtype=edges.dtype)


def histogram_bin_edges(a: Any, bins: Any = 10, range: Any = None, weights: Any = None) -> Any:  # noqa: A002
    """NumPy's ``np.histogram_bin_edges`` as a tensor; with ``range=None`` and a number of bins (or an estimator
    name) differentiable in ``a`` through its min and max."""
    edges = np.histogram_bin_edges(_values(a), _values(bins), _values(range), _values(weights))
    return _edges("histogram_bin_edges", a, bins, range, edges)


def _outer_edges(a: np.ndarray, range: Any) -> tuple[Any, Any]:  # noqa: A002
    """The first and last edge np.histogram bins uniformly between, before it rounds them into the edges' dtype
    (``range`` as given, else the data's min and max; an empty span widened by 0.5 each way)."""
    if range is not None:
        first, last = range
    elif a.size == 0:
        first, last = 0, 1
    else:
        first, last = a.min(), a.max()
    if first == last:
        first, last = first - 0.5, last + 0.5
    return first, last


def _bin_index(a: np.ndarray, w: Any, bins: Any, range: Any) -> tuple[np.ndarray, int]:  # noqa: A002
    """The bin of each element of ``a`` (flattened) as NumPy's histogram puts it; ``n`` (the number of bins) where
    it counts nowhere (outside the range, NaN)."""
    a = np.asarray(a)
    if a.dtype == np.bool_:
        a = a.astype(np.uint8)  # (as NumPy's histogram reads bool data; its warning came with the forward already)
    a = a.ravel()
    edges = np.histogram_bin_edges(a, bins, range, w)  # NumPy's own edges (and its errors)
    n = edges.size - 1
    uniform = isinstance(bins, str) or np.ndim(bins) == 0
    # edges[k] <= x < edges[k + 1], the last bin closed (NumPy's equal-bin path corrects its arithmetic guess of
    # the bin against the edges to exactly this, reading the data in the edges' dtype; given edges are searched as
    # they are)
    x = a.astype(edges.dtype, copy=False) if uniform else a
    idx = np.searchsorted(edges, x, side="right") - 1
    idx[x == edges[-1]] = n - 1
    outside = (idx < 0) | (idx >= n) | np.isnan(x)
    if uniform:  # NumPy keeps the data between the edges as given, before their rounding into the edges' dtype
        first, last = _outer_edges(a, range)
        outside |= ~((a >= first) & (a <= last))
    idx[outside] = n
    return idx, n


def _hist_dw(g: Any, ans: Any, a: Any, w: Any, bins: Any, range: Any) -> Any:  # noqa: A002
    wd = data_of(w)
    idx, _ = _bin_index(np.asarray(data_of(a)), wd.ravel(), bins, range)
    padded = concatenate([g, np.zeros(1, dtype=np.result_type(data_of(g)))])
    return reshape(take(padded, idx), np.shape(wd))


_histogram_weights = defprim(
    "histogram_weights",
    lambda a, w, *, bins, range: np.histogram(a, bins, range, weights=w)[0],  # noqa: A006 (NumPy's name)
    vjp=(None, _hist_dw),
    jvp=(None, "linear"),
)


def histogram(a: Any, bins: Any = 10, range: Any = None, density: Any = None, weights: Any = None) -> Any:  # noqa: A002
    """NumPy's ``np.histogram`` as ``(hist, bin_edges)`` tensors. Counts carry no gradient; weighted counts are
    differentiable in ``weights``; ``density=True`` also through the edges, which with ``range=None`` and a number
    of bins depend on ``a``'s min and max."""
    av, bv, rv, wv = _values(a), _values(bins), _values(range), _values(weights)
    n, edges = np.histogram(av, bv, rv, weights=wv)  # NumPy's values and its errors
    edges_t = _edges("histogram", a, bins, range, edges)
    if isinstance(weights, Tensor):
        hist = _histogram_weights(np.asarray(av), weights, bins=bv, range=rv)
    else:
        hist = _constant(n)
    if not density:
        return hist, edges_t
    # NumPy: db = np.array(np.diff(bin_edges), float); n / db / n.sum()
    db = diff(edges_t)
    if db._data.dtype != np.float64:
        db = astype(db, np.float64)
    return hist / db / _sum(hist), edges_t


# -- histogramdd, histogram2d ---------------------------------------------------------------------------------------
def _dd_bin_index(sample: np.ndarray, bins: Any, range: Any) -> tuple[np.ndarray, tuple[int, ...]]:  # noqa: A002
    """Each sample's flat position in NumPy's histogramdd counts with an outlier bin at both ends of every axis."""
    edges = np.histogramdd(sample, bins, range)[1]
    sample = np.asarray(sample)
    if sample.ndim != 2:
        sample = np.atleast_2d(sample).T
    count = []
    for i, e in enumerate(edges):  # NumPy's searchsorted, with the right-most edge counted in the last bin
        c = np.searchsorted(e, sample[:, i], side="right")
        c[sample[:, i] == e[-1]] -= 1
        count.append(c)
    nbin = tuple(len(e) + 1 for e in edges)
    return np.ravel_multi_index(count, nbin), nbin


def _dd_dw(g: Any, ans: Any, sample: Any, w: Any, bins: Any, range: Any) -> Any:  # noqa: A002
    xy, _ = _dd_bin_index(data_of(sample), bins, range)
    return take(reshape(pad(g, 1), (-1,)), xy)


_histogramdd_weights = defprim(
    "histogramdd_weights",
    lambda sample, w, *, bins, range: np.histogramdd(sample, bins, range, weights=w)[0],  # noqa: A006
    vjp=(None, _dd_dw),
    jvp=(None, "linear"),
)


def histogramdd(sample: Any, bins: Any = 10, range: Any = None, density: Any = None, weights: Any = None) -> Any:  # noqa: A002
    """NumPy's ``np.histogramdd`` as ``(hist, [edges per axis])`` tensors, with the gradients of :func:`histogram`
    along each axis (the edges of an axis follow its min and max where they come from the data)."""
    sv, bv, rv, wv = _values(sample), _values(bins), _values(range), _values(weights)
    _no_gradient("histogramdd", "bins", bins if isinstance(bins, (list, tuple)) else [bins])
    if range is not None:
        for r in range:
            _no_gradient("histogramdd", "range", r)
    n, edges = np.histogramdd(sv, bv, rv, weights=wv)  # NumPy's values and its errors
    stacked = np.asarray(sv)
    rows = isinstance(sample, Tensor) and stacked.ndim == 2
    if not rows:
        stacked = np.atleast_2d(sv).T
    d = stacked.shape[1]
    try:
        per_axis = list(bins) if len(bins) == d else None
    except TypeError:
        per_axis = None
    per_axis = per_axis if per_axis is not None else [bins] * d
    edges_t = []
    for i in builtins.range(d):
        if rows:
            col = sample[:, i]
        elif isinstance(sample, Tensor) and sample.ndim == 1:
            col = sample  # (one axis: NumPy reads a 1-D sample as one column)
        elif isinstance(sample, (list, tuple)) and isinstance(sample[i], Tensor) and sample[i].ndim == 1:
            col = sample[i]
        else:
            col = stacked[:, i]
        if isinstance(col, Tensor) and col._data.dtype != stacked.dtype:
            col = astype(col, stacked.dtype)  # (NumPy stacks the columns in one dtype first)
        edges_t.append(_edges("histogramdd", col, per_axis[i], None if range is None else range[i], edges[i]))
    if isinstance(weights, Tensor):
        hist = _histogramdd_weights(stacked if not rows else np.asarray(sv), weights, bins=bv, range=rv)
    else:
        hist = _constant(n)
    if density:  # NumPy: s = hist.sum(); hist / dedges[i] along each axis; hist /= s
        total = _sum(hist)
        for i, e in enumerate(edges_t):
            shape = [1] * d
            shape[i] = e.shape[0] - 1
            hist = hist / reshape(diff(e), tuple(shape))
        hist = hist / total
    return hist, edges_t


def histogram2d(x: Any, y: Any, bins: Any = 10, range: Any = None, density: Any = None, weights: Any = None) -> Any:  # noqa: A002
    """NumPy's ``np.histogram2d`` as ``(hist, xedges, yedges)`` tensors (see :func:`histogramdd`)."""
    try:
        n = len(bins)
    except TypeError:
        n = 1
    if n not in (1, 2):
        bins = [bins, bins]  # NumPy: one array of edges for both axes
    hist, edges = histogramdd([x, y], bins, range, density, weights)
    return hist, edges[0], edges[1]
