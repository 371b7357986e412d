"""``chainrule.linalg``: NumPy's ``np.linalg``, differentiable, with the same names, arguments and results.

``cr.linalg.inv(t)`` and ``np.linalg.inv(t)`` (through NumPy's dispatch) run the same operation. Results that NumPy
gives as named tuples (``slogdet``, ``eigh``, ``svd``, ``qr``) come as named tuples with the same fields. Errors
are chainrule's, and :class:`LinAlgError` is also NumPy's ``np.linalg.LinAlgError``.

>>> import numpy as np, chainrule as cr
>>> a = cr.tensor([[2.0, 1.0], [1.0, 3.0]], requires_grad=True)
>>> cr.linalg.slogdet(a).logabsdet.backward()     # d log|det a| / da = inv(a).T
>>> np.allclose(a.grad, np.linalg.inv(a.data).T)
True

``lstsq``, ``cond``, ``tensorinv`` and ``tensorsolve`` are here too (ops/solvers.py); ``np.linalg.matrix_rank`` on a
tensor runs on its values (an int). Not here: ``eig``/``eigvals`` (their results are complex in general, and chainrule
does not differentiate complex values); on tensors NumPy's versions raise ``UnsupportedOperationError`` saying so.
"""

from __future__ import annotations

from typing import Any

import numpy as _np

from .errors import AxisError, LinAlgError, MatrixShapeError, ShapeError
from .ops import linalg as _ops_linalg
from .ops import products as _products
from .ops._base import data_of as _data_of
from .ops._base import defprim as _defprim
from .ops._base import shape_of as _shape_of
from .ops._matrices import check_matrix as _check_matrix
from .ops._matrices import mT as _mT
from .ops.decompositions import EighResult, QRResult, SVDResult, cholesky, eigh, eigvalsh, qr, svd, svdvals
from .ops.inverse import SlogdetResult, cofactor, det, inv, matrix_power, pinv, slogdet, solve
from .ops.linalg import norm
from .ops.order import one_axis as _one_axis
from .ops.order import operand as _operand
from .ops.products import multi_dot
from .ops.shape import astype as _astype
from .ops.shape import expand_dims as _expand_dims
from .ops.shape import moveaxis as _moveaxis
from .ops.shape import ravel as _ravel
from .ops.shape import reshape as _reshape
from .ops.shape import transpose as _transpose
from .ops.solvers import cond, lstsq, tensorinv, tensorsolve
from .tensor import Tensor as _Tensor
from .tensor import as_tensor as _as_tensor


def matmul(x1: Any, x2: Any, /) -> Any:
    """The matrix product (as ``np.linalg.matmul``, the ``@`` operator)."""
    return _ops_linalg.matmul(x1, x2)


def matrix_transpose(x: Any, /) -> Any:
    """Each matrix of a stack transposed (as ``np.linalg.matrix_transpose``)."""
    _check_matrix("matrix_transpose", x, square=False, dtype=False)
    return _mT(x)


def trace(x: Any, /, *, offset: int = 0, dtype: Any = None) -> Any:
    """The sum along a diagonal of each matrix of a stack (the last two axes, as ``np.linalg.trace``)."""
    _check_matrix("trace", x, square=False, dtype=False)
    if dtype is not None and _np.dtype(dtype).kind not in "fc":
        # summed in that integer (or boolean) dtype, as NumPy does (a sum of int32 would become int64): a rounded
        # result, so a constant, as every cast to an integer dtype is
        value = _np.linalg.trace(_np.asarray(_data_of(x)), offset=offset, dtype=dtype)
        return _as_tensor(value) if isinstance(x, _Tensor) else value
    return _ops_linalg.trace(x if dtype is None else _astype(x, dtype), offset=offset, axis1=-2, axis2=-1)


def diagonal(x: Any, /, *, offset: int = 0) -> Any:
    """A diagonal of each matrix of a stack (the last two axes, as ``np.linalg.diagonal``)."""
    _check_matrix("diagonal", x, square=False, dtype=False)
    return _ops_linalg.diagonal(x, offset=offset, axis1=-2, axis2=-1)


def outer(x1: Any, x2: Any, /) -> Any:
    """The outer product of two vectors (as ``np.linalg.outer``, which takes 1-D inputs only)."""
    if len(_shape_of(x1)) != 1 or len(_shape_of(x2)) != 1:
        raise ShapeError(f"outer: both inputs must be 1-D, got shapes {_shape_of(x1)} and {_shape_of(x2)}")
    return _ops_linalg.outer(x1, x2)


def cross(x1: Any, x2: Any, /, *, axis: int = -1) -> Any:
    """The cross product of (arrays of) 3-element vectors (as ``np.linalg.cross``, which refuses 2 elements)."""
    n1, n2 = (_shape_of(x)[_one_axis(axis, len(_shape_of(x)), "cross")] if len(_shape_of(x)) else 0 for x in (x1, x2))
    if n1 != 3 or n2 != 3:
        raise ShapeError(f"cross: both inputs must hold 3-element vectors along axis {axis}, got {n1} and {n2}")
    return _products.cross(x1, x2, axis=axis)


def tensordot(x1: Any, x2: Any, /, *, axes: Any = 2) -> Any:
    """Sums of products over the given axes (as ``np.linalg.tensordot``)."""
    return _ops_linalg.tensordot(x1, x2, axes=axes)


def _vecdot_forward(x1: Any, x2: Any) -> Any:
    return _np.linalg.vecdot(x1, x2, axis=-1)


def _vecdot_rule(g: Any, ans: Any, mine: Any, other: Any) -> Any:
    # d (sum_i x1_i x2_i) / d x1 = x2, times g spread over the vector axis (the engine sums broadcast axes back)
    return _expand_dims(g, -1) * other


# NumPy's own gufunc computes the value (its dtype rules: booleans give a boolean, float16 is accumulated in float32,
# which a product rounded to float16 and then summed is not); linear in each input
_vecdot = _defprim(
    "vecdot",
    _vecdot_forward,
    vjp=(lambda g, ans, x1, x2: _vecdot_rule(g, ans, x1, x2), lambda g, ans, x1, x2: _vecdot_rule(g, ans, x2, x1)),
    jvp="linear",
)


def vecdot(x1: Any, x2: Any, /, *, axis: int = -1) -> Any:
    """The dot products of the vectors along ``axis``, broadcast over the rest (as ``np.linalg.vecdot``: ``axis``
    counts in each input's own dimensions, and the other dimensions broadcast)."""
    x1, x2 = _operand(x1), _operand(x2)
    x1 = _moveaxis(x1, _one_axis(axis, len(_shape_of(x1)), "vecdot"), -1)
    x2 = _moveaxis(x2, _one_axis(axis, len(_shape_of(x2)), "vecdot"), -1)
    return _vecdot(x1, x2)


def matrix_norm(x: Any, /, *, keepdims: bool = False, ord: Any = "fro") -> Any:  # noqa: A002 - NumPy's name
    """A norm of each matrix of a stack (as ``np.linalg.matrix_norm``)."""
    _check_matrix("matrix_norm", x, square=False, dtype=False)
    return norm(x, axis=(-2, -1), keepdims=keepdims, ord=ord)


def vector_norm(x: Any, /, *, axis: Any = None, keepdims: bool = False, ord: Any = 2) -> Any:  # noqa: A002
    """A vector norm over ``axis`` (None: all elements; a tuple: those axes taken as one vector), as
    ``np.linalg.vector_norm``."""
    shape = _shape_of(x)
    nd = len(shape)
    if axis is not None and not isinstance(axis, (tuple, int, _np.integer)):
        # (a list went on to norm, which read two axes as a matrix: the spectral norm instead of the vector norm)
        raise TypeError(f"vector_norm: 'axis' must be None, an integer or a tuple of integers, got {axis!r}")
    if axis is not None:  # out of range or repeated: NumPy's error, naming the operation (never wrapped around)
        try:
            checked = _np.lib.array_utils.normalize_axis_tuple(axis, nd)
        except (_np.exceptions.AxisError, ValueError) as e:
            raise AxisError(f"vector_norm: {e} (input shape {shape}, axis {axis!r})") from None
    if axis is None:
        out = norm(_ravel(x), ord=ord, axis=0)
        axes = tuple(range(nd))
    elif isinstance(axis, tuple):
        axes = checked
        rest = tuple(i for i in range(nd) if i not in axes)
        moved = _transpose(x, axes + rest)
        size = 1
        for a in axes:
            size *= shape[a]
        out = norm(_reshape(moved, (size, *[shape[i] for i in rest])), ord=ord, axis=0)
    else:
        axes = checked
        out = norm(x, ord=ord, axis=axis)
    if keepdims:
        out = _reshape(out, tuple(1 if i in axes else d for i, d in enumerate(shape)))
    return out


__all__ = [
    "LinAlgError",
    "MatrixShapeError",
    "inv",
    "solve",
    "det",
    "slogdet",
    "cofactor",
    "pinv",
    "matrix_power",
    "cholesky",
    "eigh",
    "eigvalsh",
    "svd",
    "svdvals",
    "qr",
    "norm",
    "matrix_norm",
    "vector_norm",
    "multi_dot",
    "matmul",
    "tensordot",
    "vecdot",
    "outer",
    "cross",
    "trace",
    "diagonal",
    "matrix_transpose",
    "lstsq",
    "cond",
    "tensorinv",
    "tensorsolve",
    "SlogdetResult",
    "EighResult",
    "SVDResult",
    "QRResult",
]
