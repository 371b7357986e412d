"""NumPy functions applied to tensors: ``np.exp(t)``, ``np.sum(t, axis=0)``, ``arr + t``, ``np.matmul(a, t)``.

NumPy offers two doors to array-like classes, and :class:`~chainrule.tensor.Tensor` opens both:

* ``__array_ufunc__`` (NEP 13) for ufuncs (``np.exp``, ``np.add``, ``np.maximum``, and the operators of an
  ``ndarray`` whose other operand is a tensor);
* ``__array_function__`` (NEP 18) for the rest of NumPy's API (``np.sum``, ``np.reshape``, ``np.concatenate``).

Each NumPy function chainrule can differentiate is routed to the chainrule operation of the same meaning, so
the graph is recorded and gradients flow. Functions whose results carry no gradient at all (``np.shape``,
``np.allclose``, ``np.zeros_like``, ``np.argmax`` ...) run on the plain values. Everything else raises
:class:`~chainrule.errors.UnsupportedOperationError` naming the function: chainrule never silently turns a
tensor into an array and drops its gradient. ``np.asarray(t)`` still gives the plain values on purpose.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from . import linalg as _linalg
from . import ops
from .errors import UnsupportedOperationError

# -- ufuncs ---------------------------------------------------------------------------------------------
UFUNCS: dict[str, Callable[..., Any]] = {
    name: getattr(ops, name)
    for name in [
        "add",
        "subtract",
        "multiply",
        "divide",
        "true_divide",
        "power",
        "negative",
        "absolute",
        "sign",
        "exp",
        "exp2",
        "expm1",
        "log",
        "log2",
        "log10",
        "log1p",
        "sqrt",
        "square",
        "reciprocal",
        "sin",
        "cos",
        "tan",
        "arcsin",
        "arccos",
        "arctan",
        "sinh",
        "cosh",
        "tanh",
        "maximum",
        "minimum",
        "logaddexp",
        "matmul",
        "equal",
        "not_equal",
        "less",
        "less_equal",
        "greater",
        "greater_equal",
        "logical_and",
        "logical_or",
        "logical_xor",
        "logical_not",
        "isfinite",
        "isnan",
        "isinf",
        "floor",
        "ceil",
        "trunc",
        "floor_divide",
        "remainder",
    ]
}
UFUNCS["conjugate"] = lambda x: x  # real tensors only: the conjugate is the value itself
UFUNCS["rint"] = ops.round_
# NumPy's further elementwise functions (ops/ufuncs.py); np.radians and np.degrees are ufuncs of their own
for _name in ("arctan2", "hypot", "cbrt", "fmax", "fmin", "deg2rad", "rad2deg", "radians", "degrees", "logaddexp2"):
    UFUNCS[_name] = getattr(ops, _name)
for _name in ("copysign", "fabs", "positive"):
    UFUNCS[_name] = getattr(ops, _name)
# -- NumPy's remaining elementwise functions (ops/ufuncs_extra.py); np.asinh, np.acosh, np.atanh are the same ufuncs
# as np.arcsinh ... (NumPy 2), so their names route them here too. divmod, modf and frexp return two tensors
UFUNCS.update(
    {
        _name: getattr(ops, _name)
        for _name in (
            "arcsinh",
            "arccosh",
            "arctanh",
            "fmod",
            "float_power",
            "heaviside",
            "ldexp",
            "nextafter",
            "spacing",
            "signbit",
            "modf",
            "frexp",
            "divmod",
        )
    }
)

# keyword arguments NumPy may pass with their default values; anything else is not supported
_UFUNC_DEFAULTS = {"out": None, "where": True, "casting": "same_kind", "order": "K", "dtype": None, "subok": True}


def _unsupported(what: str, why: str = "") -> UnsupportedOperationError:
    return UnsupportedOperationError(
        f"NumPy's {what} is not supported on chainrule tensors{why}: it would silently drop gradients. "
        "Use a chainrule operation (see chainrule's top-level functions), or apply it to t.numpy() "
        "where you need no gradient"
    )


def array_ufunc(ufunc: Any, method: str, inputs: tuple, kwargs: dict) -> Any:
    """Run ``ufunc(*inputs)`` as the chainrule operation of that name (``method`` must be a plain call).

    ``dtype=`` (a floating dtype) casts the inputs to NumPy's loop for it first, as NumPy does; ``out=`` tensors
    receive the result through :meth:`Tensor.copy_ <chainrule.tensor.Tensor.copy_>` (recorded like any in-place
    change), also with a ``where=`` mask (the masked-out places keep the tensor's values).
    """
    name = getattr(ufunc, "__name__", repr(ufunc))
    if name in _INTEGER_ONLY_UFUNCS and (method not in ("__call__", "at") or kwargs):
        on_values = _integer_only_on_values(ufunc, method, inputs, kwargs)
        if on_values is not NotImplemented:
            return on_values
    if method != "__call__":
        raise _unsupported(f"{name}.{method}", " (only plain calls of ufuncs are)")
    if not kwargs:  # the common case (np.exp(t), ndarray + tensor): nothing to check
        op = UFUNCS.get(name)
        if op is not None:
            return op(*inputs)
        if name in _GUFUNCS:
            return _gufunc(name, inputs, kwargs)
        raise _unsupported(name)
    if name in _GUFUNCS:  # generalized ufuncs take axes=, axis=, keepdims= as well
        return _gufunc(name, inputs, kwargs)
    kwargs = dict(kwargs)
    out, dtype, mask = kwargs.pop("out", None), kwargs.pop("dtype", None), kwargs.pop("where", True)
    for key, value in kwargs.items():
        default = _UFUNC_DEFAULTS.get(key, inspect.Parameter.empty)
        same = value is default or (isinstance(value, str) and value == default)
        if default is inspect.Parameter.empty or not same:
            raise _unsupported(f"{name}(..., {key}=...)", f" (the argument {key}= is not)")
    op = UFUNCS.get(name)
    if op is None:
        raise _unsupported(name)
    if out is not None and all(o is None for o in out):
        out = None
    if mask is not True and out is None:
        # NumPy leaves the masked-out places of a fresh output uninitialised: nothing to differentiate
        raise _unsupported(f"{name}(..., where=...) without out=", " (give out=tensor to keep the other places)")
    if dtype is not None:
        inputs = _cast_to_loop(ufunc, name, inputs, np.dtype(dtype))
    result = op(*inputs)
    if out is None:
        return result
    return _write_out(name, result, out, mask)


def _cast_to_loop(ufunc: Any, name: str, inputs: tuple, dtype: np.dtype) -> tuple:
    """``inputs`` cast to the dtypes of NumPy's loop for ``ufunc(*inputs, dtype=dtype)`` (tensors differentiably)."""
    from .tensor import Tensor

    if dtype.kind != "f":
        raise _unsupported(f"{name}(..., dtype={dtype})", " (only floating dtypes are)")
    given = tuple(
        type(a) if isinstance(a, (bool, int, float)) else np.result_type(a.data if isinstance(a, Tensor) else a)
        for a in inputs
    )
    try:  # NumPy's own choice, and its error where there is no such loop (as np.less(a, b, dtype=float) raises)
        loop = ufunc.resolve_dtypes(given + (None,) * ufunc.nout, signature=(None,) * ufunc.nin + (dtype,) * ufunc.nout)
    except TypeError:
        raise
    except Exception as e:  # (resolve_dtypes refuses some ufuncs, e.g. the generalized matmul, in other ways)
        raise _unsupported(f"{name}(..., dtype={dtype})", f" ({e})") from None
    cast = []
    for a, want in zip(inputs, loop, strict=False):
        if isinstance(a, Tensor):
            a = a if a.dtype == want else ops.astype(a, want)
        elif not isinstance(a, (bool, int, float)):
            a = np.asarray(a, dtype=want)
        cast.append(a)
    return tuple(cast)


def _write_out(name: str, result: Any, out: tuple, mask: Any) -> Any:
    """Write each result into its ``out=`` tensor in place (``Tensor.copy_``: recorded when a gradient is tracked,
    refused for a leaf that requires one); NumPy arrays as ``out=`` are refused, as they would drop the gradient."""
    from .tensor import Tensor

    results = result if isinstance(result, tuple) else (result,)
    for r, o in zip(results, out, strict=True):  # every out= checked before anything is written
        if o is None:
            continue
        if not isinstance(o, Tensor):
            raise _unsupported(
                f"{name}(..., out=array) with tensor inputs",
                " (writing into a NumPy array would drop the gradient; give out= a tensor, or leave out= away)",
            )
        if o._data.base is not None or not o._data.flags.writeable:
            # NOTE: a slice, reshape or transpose of a tensor copies on its first in-place change (tensor.py's
            # _own_data), so the write would never reach the tensor it came from, where NumPy's out= writes
            # through a view (np.exp(a, out=t[1:2]) left t unchanged, silently)
            raise UnsupportedOperationError(
                f"{name}(..., out=tensor): the out tensor shares memory with another tensor or array (a slice, "
                "reshape, transpose or broadcast); chainrule copies such a tensor on its first in-place change, so "
                f"the result would not reach the tensor it views. Write it there directly: t[index] = np.{name}(...)"
            )
        rd = np.result_type(r.data if isinstance(r, Tensor) else r)
        if not np.can_cast(rd, o.dtype, "same_kind"):
            raise UnsupportedOperationError(
                f"{name}(..., out=tensor): cannot write the result of dtype {rd} into a tensor of dtype {o.dtype} "
                "with casting rule 'same_kind' (as NumPy refuses)"
            )
    written = []
    for r, o in zip(results, out, strict=True):
        if o is None:
            written.append(r)
            continue
        if mask is not True:
            r = ops.where(mask.data if isinstance(mask, Tensor) else mask, r, o._current())
        written.append(o.copy_(r))
    return tuple(written) if isinstance(result, tuple) else written[0]


# -- NumPy 2's vector gufuncs np.vecdot, np.matvec, np.vecmat (ops/vecproducts.py, linalg.vecdot) ---------------
# (number of core dimensions of each input, of the output)
_GUFUNCS: dict[str, tuple[tuple[int, int], int]] = {"vecdot": ((1, 1), 0), "matvec": ((2, 1), 1), "vecmat": ((1, 2), 1)}


def _gufunc(name: str, inputs: tuple, kwargs: dict) -> Any:
    """``np.vecdot``/``np.matvec``/``np.vecmat`` on tensors: the core axes named by ``axes``/``axis`` moved last,
    the chainrule operation, the output's core axis moved where ``axes`` puts it (keepdims for vecdot)."""
    from .ops._base import shape_of
    from .ops.order import operand

    kwargs = dict(kwargs)
    axes, axis, keepdims = kwargs.pop("axes", None), kwargs.pop("axis", None), kwargs.pop("keepdims", False)
    for key, value in kwargs.items():
        default = _UFUNC_DEFAULTS.get(key, inspect.Parameter.empty)
        if key == "out" and value is not None and all(v is None for v in value):
            continue
        if default is inspect.Parameter.empty or not (
            value is default or (isinstance(value, str) and value == default)
        ):
            raise _unsupported(f"{name}(..., {key}=...)", f" (the argument {key}= is not)")
    (core1, core2), out_core = _GUFUNCS[name]
    if len(inputs) != 2:
        raise TypeError(f"{name}() takes 2 positional arguments, got {len(inputs)}")
    x1, x2 = operand(inputs[0]), operand(inputs[1])
    if axis is not None:
        if axes is not None:
            raise TypeError("cannot specify both 'axis' and 'axes'")
        if out_core or core1 != 1 or core2 != 1:
            raise TypeError(
                f"{name}: axis can only be used with a single shared core dimension, not with its signature"
            )
        axes = [(axis,), (axis,)]
    if not isinstance(keepdims, bool):  # NumPy's check (keepdims=1 or np.True_ included)
        raise TypeError("'keepdims' must be a boolean")
    if keepdims and name != "vecdot":
        raise TypeError(f"{name} does not support keepdims: its output has a core dimension")
    if axes is None:
        if name != "vecdot":
            return (ops.matvec if name == "matvec" else ops.vecmat)(x1, x2)
        axes = [tuple(range(-core1, 0)), tuple(range(-core2, 0))] + ([(-1,)] if out_core else [])
    axes = [tuple(a) if isinstance(a, (tuple, list)) else (a,) for a in axes]
    if len(axes) not in (2, 3) or [len(a) for a in axes[:2]] != [core1, core2]:
        raise ValueError(f"{name}: axes {axes!r} do not match its signature")
    if name != "vecdot":
        # NOTE: NumPy's own call with axes= (its sums depend on the layout it reads: moving the axes first and
        # calling it without axes= differed by an ulp or two for float32 with float64 and for strided inputs)
        cores, batches = [], []
        for x, core in zip((x1, x2), axes[:2], strict=True):
            shape = shape_of(x)
            src = np.lib.array_utils.normalize_axis_tuple(core, len(shape))  # (NumPy's AxisError when out of range)
            cores.append(tuple(k - len(shape) for k in src))
            batches.append(tuple(d for k, d in enumerate(shape) if k not in src))
        nd = len(np.broadcast_shapes(*batches)) + 1
        out = np.lib.array_utils.normalize_axis_index(axes[2][0], nd) - nd if len(axes) == 3 else -1
        return (ops.matvec if name == "matvec" else ops.vecmat)(x1, x2, axes=(cores[0], cores[1], (out,)))
    moved = []
    for x, core in zip((x1, x2), axes[:2], strict=True):
        nd = len(shape_of(x))
        src = np.lib.array_utils.normalize_axis_tuple(core, nd)  # (NumPy's AxisError when out of range)
        moved.append(ops.moveaxis(x, src, tuple(range(-len(core), 0))))
    if name == "vecdot":
        out = _linalg.vecdot(moved[0], moved[1])
        if keepdims:
            nd = len(shape_of(out)) + 1
            out = ops.expand_dims(out, np.lib.array_utils.normalize_axis_index(axes[0][0], nd))
        elif len(axes) == 3 and axes[2] != ():
            raise ValueError(f"{name}: the output has no core dimension, got axes {axes[2]!r} for it")
        return out


# -- array functions -------------------------------------------------------------------------------------
def _reshape(a: Any, shape: Any = None, order: str = "C", *, newshape: Any = None, copy: Any = None) -> Any:
    if order != "C":
        raise _unsupported(f"reshape(..., order={order!r})")
    return ops.reshape(a, shape if shape is not None else newshape)


def _ravel(a: Any, order: str = "C") -> Any:
    if order != "C":
        raise _unsupported(f"ravel(..., order={order!r})")
    return ops.ravel(a)


def _clip(a: Any, a_min: Any = None, a_max: Any = None, out: Any = None, *, min: Any = None, max: Any = None) -> Any:  # noqa: A002
    if out is not None:
        raise _unsupported("clip(..., out=...)")
    lo, hi = (a_min if a_min is not None else min), (a_max if a_max is not None else max)
    if lo is None and hi is None:
        return ops.multiply(a, 1)  # NumPy 2: no bound on either side, a copy of the values
    return ops.clip(a, lo, hi)


def _where(condition: Any, *xy: Any) -> Any:
    if len(xy) != 2:
        raise _unsupported("where(condition) with one argument", " on tensors (use np.nonzero(t.numpy()))")
    return ops.where(condition, *xy)


def _round(a: Any, decimals: int = 0, out: Any = None) -> Any:
    if out is not None:
        raise _unsupported("round(..., out=...)")
    # NumPy's own np.round(x, decimals) computes the value; like rounding to integers, it carries no gradient
    return ops.round_(a) if decimals == 0 else ops.round_(a, decimals=decimals)


def _einsum(subscripts: str, *operands: Any, optimize: Any = False) -> Any:
    return ops.einsum(subscripts, *operands)


def _broadcast_to(array: Any, shape: Any, subok: bool = False) -> Any:
    return ops.broadcast_to(array, shape)


def _pad(array: Any, pad_width: Any, mode: str = "constant", **kwargs: Any) -> Any:
    return ops.pad(array, pad_width, mode=mode, **kwargs)


def _cumulative(op: Callable[..., Any]) -> Callable[..., Any]:
    def call(a: Any, axis: Any = None, dtype: Any = None, out: Any = None) -> Any:
        if out is not None:
            raise _unsupported(f"{op.__name__}(..., out=...)")
        return op(a, axis=axis, dtype=dtype)

    return call


def _nan_reduction(op: Callable[..., Any]) -> Callable[..., Any]:
    # NumPy's nansum, nanmean, nanmax, nanmin and ptp pass keepdims=np._NoValue when it is not given
    def call(a: Any, axis: Any = None, keepdims: Any = np._NoValue) -> Any:
        return op(a, axis=axis, keepdims=False if keepdims is np._NoValue else keepdims)

    call.__name__ = op.__name__
    return call


_FUNCTIONS: dict[Any, Callable[..., Any]] = {
    np.sum: ops.sum,
    np.mean: ops.mean,
    np.prod: ops.prod,
    np.max: ops.max,
    np.amax: ops.max,
    np.min: ops.min,
    np.amin: ops.min,
    np.var: ops.var,
    np.std: ops.std,
    np.argmax: ops.argmax,
    np.argmin: ops.argmin,
    np.reshape: _reshape,
    np.ravel: _ravel,
    np.transpose: ops.transpose,
    np.swapaxes: ops.swapaxes,
    np.moveaxis: ops.moveaxis,
    np.expand_dims: ops.expand_dims,
    np.squeeze: ops.squeeze,
    np.broadcast_to: _broadcast_to,
    np.concatenate: ops.concatenate,
    np.stack: ops.stack,
    np.split: ops.split,
    np.array_split: ops.array_split,
    np.pad: _pad,
    np.repeat: ops.repeat,
    np.tile: ops.tile,
    np.take: ops.take,
    np.take_along_axis: ops.take_along_axis,
    np.where: _where,
    np.clip: _clip,
    np.round: _round,
    np.around: _round,
    np.dot: ops.dot,
    np.vdot: ops.vdot,
    np.inner: ops.inner,
    np.outer: ops.outer,
    np.einsum: _einsum,
    np.tensordot: ops.tensordot,
    np.trace: ops.trace,
    np.diagonal: ops.diagonal,
    np.linalg.norm: ops.norm,
    # np.linalg (chainrule.linalg, from ops/inverse.py and ops/decompositions.py) and the composed products
    np.linalg.inv: ops.inv,
    np.linalg.det: ops.det,
    np.linalg.slogdet: ops.slogdet,
    np.linalg.solve: ops.solve,
    np.linalg.pinv: ops.pinv,
    np.linalg.matrix_power: ops.matrix_power,
    np.linalg.cholesky: ops.cholesky,
    np.linalg.eigh: ops.eigh,
    np.linalg.eigvalsh: ops.eigvalsh,
    np.linalg.svd: ops.svd,
    np.linalg.svdvals: ops.svdvals,
    np.linalg.qr: ops.qr,
    np.linalg.multi_dot: ops.multi_dot,
    np.linalg.matmul: _linalg.matmul,
    np.linalg.tensordot: _linalg.tensordot,
    np.linalg.outer: _linalg.outer,
    np.linalg.cross: _linalg.cross,
    np.linalg.trace: _linalg.trace,
    np.linalg.diagonal: _linalg.diagonal,
    np.linalg.matrix_transpose: _linalg.matrix_transpose,
    np.matrix_transpose: _linalg.matrix_transpose,
    np.linalg.vecdot: _linalg.vecdot,
    np.linalg.matrix_norm: _linalg.matrix_norm,
    np.linalg.vector_norm: _linalg.vector_norm,
    np.kron: ops.kron,
    np.cross: ops.cross,
    # cumulative, order-based and NaN-ignoring functions (ops/cumulative.py, ops/order.py, ops/stats.py)
    np.cumsum: _cumulative(ops.cumsum),
    np.cumprod: _cumulative(ops.cumprod),
    np.nancumsum: _cumulative(ops.nancumsum),
    np.nancumprod: _cumulative(ops.nancumprod),
    np.diff: ops.diff,
    np.sort: ops.sort,
    np.flip: ops.flip,
    np.roll: ops.roll,
    np.triu: ops.triu,
    np.tril: ops.tril,
    np.median: ops.median,
    np.quantile: ops.quantile,
    np.percentile: ops.percentile,
    np.nansum: _nan_reduction(ops.nansum),
    np.nanmean: _nan_reduction(ops.nanmean),
    np.nanmax: _nan_reduction(ops.nanmax),
    np.nanmin: _nan_reduction(ops.nanmin),
    np.ptp: _nan_reduction(ops.ptp),
    np.sinc: ops.sinc,
}

# -- 1-D signals, polynomials (ops/signal.py, ops/polynomial.py) -----------------------------------------
_FUNCTIONS.update(
    {
        np.convolve: ops.convolve,
        np.correlate: ops.correlate,
        np.interp: ops.interp,
        np.polyval: ops.polyval,
        np.vander: ops.vander,
    }
)


# -- np.linalg's least squares, condition numbers, tensor inverses (ops/solvers.py); eig refused -------------
def _complex_results(name: str) -> Callable[..., Any]:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise _unsupported(
            f"np.linalg.{name}",
            " (its eigenvalues and eigenvectors are complex in general, and chainrule does not differentiate complex "
            "values; for a symmetric matrix use np.linalg.eigh / eigvalsh, which are supported)",
        )

    return refuse


_FUNCTIONS.update(
    {
        np.linalg.lstsq: ops.lstsq,
        np.linalg.cond: ops.cond,
        np.linalg.tensorinv: ops.tensorinv,
        np.linalg.tensorsolve: ops.tensorsolve,
        np.linalg.eig: _complex_results("eig"),
        np.linalg.eigvals: _complex_results("eigvals"),
    }
)

# -- array manipulation (ops/arrays.py: diag, stacking and splitting, rot90, insert/delete, select, unique ...) --
from .ops import arrays as _arrays  # noqa: E402

_FUNCTIONS.update(
    {
        np.diag: _arrays.diag,
        np.diagflat: _arrays.diagflat,
        np.copy: _arrays.copy,
        np.astype: _arrays.astype_,
        np.atleast_1d: _arrays.atleast_1d,
        np.atleast_2d: _arrays.atleast_2d,
        np.atleast_3d: _arrays.atleast_3d,
        np.hstack: _arrays.hstack,
        np.vstack: _arrays.vstack,
        np.dstack: _arrays.dstack,
        np.column_stack: _arrays.column_stack,
        np.block: _arrays.block,
        np.hsplit: _arrays.hsplit,
        np.vsplit: _arrays.vsplit,
        np.dsplit: _arrays.dsplit,
        np.unstack: _arrays.unstack,
        np.fliplr: _arrays.fliplr,
        np.flipud: _arrays.flipud,
        np.rot90: _arrays.rot90,
        np.broadcast_arrays: _arrays.broadcast_arrays,
        np.meshgrid: _arrays.meshgrid,
        np.append: _arrays.append,
        np.insert: _arrays.insert,
        np.delete: _arrays.delete,
        np.resize: _arrays.resize,
        np.compress: _arrays.compress,
        np.extract: _arrays.extract,
        np.select: _arrays.select,
        np.choose: _arrays.choose,
        np.trim_zeros: _arrays.trim_zeros,
        np.partition: _arrays.partition,
        np.unique: _arrays.unique,
        np.unique_values: _arrays.unique_values,
        np.unique_counts: _arrays.unique_counts,
        np.unique_inverse: _arrays.unique_inverse,
        np.unique_all: _arrays.unique_all,
    }
)
if hasattr(np, "row_stack"):  # deprecated in NumPy 2.0, gone later
    _FUNCTIONS[np.row_stack] = _arrays.row_stack

# functions whose results carry no gradient (shapes, booleans, indices, fresh constants): they run on values
_NO_GRADIENT = {
    np.shape,
    np.ndim,
    np.size,
    np.result_type,
    np.isclose,
    np.allclose,
    np.array_equal,
    np.array_equiv,
    np.count_nonzero,
    np.all,
    np.any,
    np.argsort,
    np.argwhere,
    np.nonzero,
    np.flatnonzero,
    np.searchsorted,
    np.iscomplexobj,
    np.isrealobj,
    np.isreal,
    np.iscomplex,
    np.isneginf,
    np.isposinf,
    np.zeros_like,
    np.ones_like,
    np.empty_like,
    np.full_like,
    np.may_share_memory,
    np.shares_memory,
    np.array2string,
    np.array_repr,
    np.array_str,
    np.linalg.matrix_rank,  # an int (ops/solvers.py's area)
}

# NumPy default values that mean "nothing special": dropped before calling the chainrule operation
_FUNCTION_DEFAULTS = {"out": None, "dtype": None}

# -- reductions and statistics with NumPy's full signatures (dtype=, initial=, where= ...) ------------------
# (ops/reduce_options.py, ops/nanstats.py): NumPy's positional order, so np.sum(t, 0, np.float64) reads the dtype
_NV = np._NoValue


def _no_out(name: str, out: Any) -> None:
    if out is not None:
        raise _unsupported(f"np.{name}(..., out=...)", " (out= would write around the graph; use the returned tensor)")


def _kd(keepdims: Any) -> bool:
    return False if keepdims is _NV else keepdims


def _opt(**kw: Any) -> dict:
    """The options that were given (NumPy's "no value", and dtype=None, left out: a plain call stays plain)."""
    return {k: v for k, v in kw.items() if v is not _NV and not (k == "dtype" and v is None)}


def _np_total(op: Callable[..., Any], name: str) -> Callable[..., Any]:
    """np.sum / np.prod / np.nansum / np.nanprod with NumPy's signature (its positional order, its options)."""

    def call(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: Any = _NV, initial: Any = _NV,
             where: Any = _NV) -> Any:  # fmt: skip
        _no_out(name, out)
        return op(a, axis, _kd(keepdims), **_opt(dtype=dtype, initial=initial, where=where))

    call.__name__ = name
    return call


def _np_mean(op: Callable[..., Any], name: str) -> Callable[..., Any]:
    """np.mean / np.nanmean with NumPy's signature."""

    def call(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: Any = _NV, *,
             where: Any = _NV) -> Any:  # fmt: skip
        _no_out(name, out)
        return op(a, axis, _kd(keepdims), **_opt(dtype=dtype, where=where))

    call.__name__ = name
    return call


def _np_extreme(op: Callable[..., Any], name: str) -> Callable[..., Any]:
    def call(a: Any, axis: Any = None, out: Any = None, keepdims: Any = _NV, initial: Any = _NV,
             where: Any = _NV) -> Any:  # fmt: skip
        _no_out(name, out)
        return op(a, axis, _kd(keepdims), **_opt(initial=initial, where=where))

    call.__name__ = name
    return call


def _np_spread(op: Callable[..., Any], name: str) -> Callable[..., Any]:
    def call(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, ddof: Any = 0, keepdims: Any = _NV, *,
             where: Any = _NV, mean: Any = _NV, correction: Any = _NV) -> Any:  # fmt: skip
        _no_out(name, out)
        return op(a, axis, ddof, _kd(keepdims), **_opt(dtype=dtype, where=where, mean=mean, correction=correction))

    call.__name__ = name
    return call


def _np_ptp(a: Any, axis: Any = None, out: Any = None, keepdims: Any = _NV) -> Any:
    _no_out("ptp", out)
    return ops.ptp(a, axis, _kd(keepdims))


_FUNCTIONS.update(
    {
        np.sum: _np_total(ops.sum, "sum"),
        np.prod: _np_total(ops.prod, "prod"),
        np.mean: _np_mean(ops.mean, "mean"),
        np.max: _np_extreme(ops.max, "max"),
        np.amax: _np_extreme(ops.max, "amax"),
        np.min: _np_extreme(ops.min, "min"),
        np.amin: _np_extreme(ops.min, "amin"),
        np.nanmax: _np_extreme(ops.nanmax, "nanmax"),
        np.nanmin: _np_extreme(ops.nanmin, "nanmin"),
        np.var: _np_spread(ops.var, "var"),
        np.std: _np_spread(ops.std, "std"),
        np.nansum: _np_total(ops.nansum, "nansum"),
        np.nanmean: _np_mean(ops.nanmean, "nanmean"),
        np.ptp: _np_ptp,
        np.average: ops.average,
        np.cov: ops.cov,
        np.corrcoef: ops.corrcoef,
        np.nanprod: _np_total(ops.nanprod, "nanprod"),
        np.nanvar: _np_spread(ops.nanvar, "nanvar"),
        np.nanstd: _np_spread(ops.nanstd, "nanstd"),
        np.nanmedian: ops.nanmedian,
        np.nanquantile: ops.nanquantile,
        np.nanpercentile: ops.nanpercentile,
        np.nanargmax: ops.nanargmax,
        np.nanargmin: ops.nanargmin,
        np.cumulative_sum: ops.cumulative_sum,
        np.cumulative_prod: ops.cumulative_prod,
        np.trapezoid: ops.trapezoid,
        np.ediff1d: ops.ediff1d,
        np.gradient: ops.gradient,
    }
)


def _values(x: Any) -> Any:
    """``x`` with every tensor (also inside lists, tuples and dicts) replaced by its plain array."""
    from .tensor import Tensor

    if isinstance(x, Tensor):
        return x.data
    if isinstance(x, (list, tuple)):
        return type(x)(_values(v) for v in x)
    if isinstance(x, dict):
        return {k: _values(v) for k, v in x.items()}
    return x


def _name(func: Any) -> str:
    module = getattr(func, "__module__", "numpy") or "numpy"
    module = "np" if module == "numpy" else module.replace("numpy", "np")
    return f"{module}.{getattr(func, '__name__', repr(func))}"


def array_function(func: Any, args: tuple, kwargs: dict) -> Any:
    """Run NumPy function ``func`` on arguments that include tensors (see the module docstring)."""
    op = _FUNCTIONS.get(func)
    if op is not None:
        kwargs = {k: v for k, v in kwargs.items() if not (k in _FUNCTION_DEFAULTS and v is _FUNCTION_DEFAULTS[k])}
        try:
            inspect.signature(op).bind(*args, **kwargs)
        except TypeError as e:
            raise _unsupported(f"{_name(func)} with these arguments", f" ({e})") from None
        return op(*args, **kwargs)
    if func in _NO_GRADIENT:
        return func(*_values(args), **_values(kwargs))
    raise _unsupported(_name(func))


# -- NumPy's remaining elementwise functions that are not ufuncs (ops/ufuncs_extra.py) -----------------------------
def _fix(x: Any, out: Any = None) -> Any:
    if out is not None:
        raise _unsupported("fix(..., out=...)")
    return ops.fix(x)


_FUNCTIONS[np.fix] = _fix


# real tensors only (chainrule refuses complex values): np.real is the tensor itself (NumPy returns the array itself,
# a view), np.imag zeros without gradient, np.angle 0 or pi without gradient (piecewise constant)
def _constant_of(value: Any) -> Any:
    from .tensor import Tensor

    return Tensor._wrap(np.asarray(value), None, False)


def _real(val: Any) -> Any:
    return val


def _imag(val: Any) -> Any:
    return _constant_of(np.imag(_values(val)))


def _real_if_close(a: Any, tol: Any = 100) -> Any:
    return a


def _angle(z: Any, deg: bool = False) -> Any:
    return _constant_of(np.angle(_values(z), deg=deg))


_FUNCTIONS.update(
    {
        np.nan_to_num: ops.nan_to_num,
        np.real: _real,
        np.imag: _imag,
        np.real_if_close: _real_if_close,
        np.angle: _angle,
        np.i0: ops.i0,
    }
)


# -- rollaxis, unwrap, evenly spaced ranges (ops/ranges.py); np.poly* helpers (ops/polyutils.py); 1-D set operations
# (ops/setops.py) ---------------------------------------------------------------------------------------------------
from .ops import polyutils as _polyutils  # noqa: E402
from .ops import ranges as _ranges  # noqa: E402
from .ops import setops as _setops  # noqa: E402

_FUNCTIONS.update(
    {
        np.rollaxis: _ranges.rollaxis,
        np.unwrap: _ranges.unwrap,
        np.linspace: _ranges.linspace,
        np.logspace: _ranges.logspace,
        np.geomspace: _ranges.geomspace,
        np.polyadd: _polyutils.polyadd,
        np.polysub: _polyutils.polysub,
        np.polymul: _polyutils.polymul,
        np.polyder: _polyutils.polyder,
        np.polyint: _polyutils.polyint,
        np.polydiv: _polyutils.polydiv,
        np.poly: _polyutils.poly,
        np.roots: _polyutils.roots,
        np.intersect1d: _setops.intersect1d,
        np.union1d: _setops.union1d,
        np.setdiff1d: _setops.setdiff1d,
        np.setxor1d: _setops.setxor1d,
    }
)

# -- helper G: results without gradient (indices, booleans, dtypes), NumPy's integer-only ufuncs (ops/bitwise.py),
# writing values to files, in-place writes (copyto, fill_diagonal), histograms and bincount (ops/histograms.py) ------
_NO_GRADIENT |= {
    np.argpartition,
    np.digitize,
    np.isin,
    np.lexsort,
    np.diag_indices_from,
    np.tril_indices_from,
    np.triu_indices_from,
    np.ravel_multi_index,
    np.unravel_index,
    np.can_cast,
    np.common_type,
    np.min_scalar_type,
    np.einsum_path,
    np.ix_,
    # saving writes the plain values (the same file as for the ndarray); they return None
    np.save,
    np.savez,
    np.savez_compressed,
    np.savetxt,
}
# integer-only ufuncs: on integer and bool tensors a tensor without gradient (as the comparisons), on float tensors
# NumPy's own TypeError. np.bitwise_not, np.bitwise_invert are np.invert; np.bitwise_left_shift is np.left_shift ...
_INTEGER_ONLY_UFUNCS = frozenset(
    (
        "bitwise_and",
        "bitwise_or",
        "bitwise_xor",
        "invert",
        "left_shift",
        "right_shift",
        "bitwise_count",
        "gcd",
        "lcm",
        "isnat",
    )
)
UFUNCS.update({_name: getattr(ops, _name) for _name in _INTEGER_ONLY_UFUNCS})


def _integer_only_on_values(ufunc: Any, method: str, inputs: tuple, kwargs: dict) -> Any:
    """An integer-only ufunc's method (reduce, accumulate, reduceat, outer) or call with options (dtype=, where=,
    out= arrays) on the values: its results never carry a gradient, so nothing is dropped (tensors without
    gradient as results; NumPy's own errors). ``NotImplemented`` where a tensor is among ``out=`` (written in
    place by the usual route)."""
    from .tensor import Tensor

    out = kwargs.get("out")
    if out is not None and any(isinstance(o, Tensor) for o in (out if isinstance(out, tuple) else (out,))):
        return NotImplemented

    def plain(x: Any) -> Any:
        return x._data if isinstance(x, Tensor) else x

    values = tuple(plain(x) for x in inputs)
    kwargs = {
        k: (tuple(plain(o) for o in v) if k == "out" and isinstance(v, tuple) else plain(v)) for k, v in kwargs.items()
    }
    result = getattr(ufunc, method)(*values, **kwargs)
    if out is not None and all(o is None for o in (out if isinstance(out, tuple) else (out,))):
        out = None
    if out is not None:
        return result  # NumPy's own out= arrays
    if isinstance(result, tuple):
        return tuple(Tensor._wrap(np.asarray(r), None, False) for r in result)
    return Tensor._wrap(np.asarray(result), None, False)


from . import _numpy_writes  # noqa: E402

_FUNCTIONS.update({np.copyto: _numpy_writes.copyto, np.fill_diagonal: _numpy_writes.fill_diagonal})
from .ops import histograms as _histograms  # noqa: E402

_FUNCTIONS.update(
    {
        np.bincount: _histograms.bincount,
        np.histogram: _histograms.histogram,
        np.histogram_bin_edges: _histograms.histogram_bin_edges,
        np.histogram2d: _histograms.histogram2d,
        np.histogramdd: _histograms.histogramdd,
    }
)
