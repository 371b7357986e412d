"""NumPy's in-place writers on tensors: ``np.copyto(t, src)`` and ``np.fill_diagonal(t, val)``.

Both are the tensor's own recorded in-place changes: ``copyto`` is :meth:`Tensor.copy_ <chainrule.tensor.Tensor.copy_>`
(with ``where=``, of ``where(mask, src, t)``), ``fill_diagonal`` an index assignment ``t[diagonal] = val`` on the
flat positions NumPy writes (``val`` repeated cyclically, as ``a.flat[...] = val`` does). So the gradients flow to
``src`` / ``val`` where they were written and to the tensor's old values elsewhere; a leaf that requires a gradient
is refused, as for every in-place change. NumPy checks the arguments first (on copies of the values), so its errors
(shapes, casting, dimensions) come through unchanged. Writing a tensor into a plain ndarray is refused: the array
cannot carry the gradient.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import ops
from .errors import UnsupportedOperationError
from .tensor import Tensor


def _values(x: Any) -> Any:
    return x._data if isinstance(x, Tensor) else x


def _into_array(name: str) -> UnsupportedOperationError:
    return UnsupportedOperationError(
        f"NumPy's {name} of a chainrule tensor into a NumPy array is not supported: the array cannot carry the "
        "tensor's gradient, which would be silently dropped. Write into a tensor instead (np.copyto(tensor, ...), "
        "tensor.copy_(...)), or pass t.numpy() where you need no gradient"
    )


def copyto(dst: Any, src: Any, casting: str = "same_kind", where: Any = True) -> None:
    """``np.copyto(dst, src, casting=, where=)`` with tensors: ``dst`` (a tensor) takes ``src``'s values in place."""
    if not isinstance(dst, Tensor):
        if isinstance(src, Tensor):
            raise _into_array("np.copyto")
        np.copyto(dst, src, casting=casting, where=_values(where))  # only the mask was a tensor: no gradient
        return
    mask = _values(where)
    probe = np.array(dst._data, copy=True)
    np.copyto(probe, _values(src), casting=casting, where=mask)  # NumPy's checks and its errors
    if probe.dtype.kind not in "fc":
        dst.copy_(probe)  # an integer/bool dst holds no gradient: NumPy's values (an unsafe cast of src included)
    elif mask is True:
        dst.copy_(src if isinstance(src, Tensor) else probe)
    elif isinstance(src, Tensor) or dst.requires_grad:
        # the masked-out places keep the tensor's values, and their gradient (probe: NumPy's cast of a plain src)
        keep = np.broadcast_to(np.asarray(mask, dtype=bool), dst.shape)
        dst.copy_(ops.where(keep, src if isinstance(src, Tensor) else probe, dst._current()))
    else:
        dst.copy_(probe)


def fill_diagonal(a: Any, val: Any, wrap: bool = False) -> None:
    """``np.fill_diagonal(a, val, wrap=)`` with tensors: ``a[diagonal] = val``, recorded as an index assignment."""
    if not isinstance(a, Tensor):
        raise _into_array("np.fill_diagonal")
    probe = np.array(a._data, copy=True)
    np.fill_diagonal(probe, _values(val), wrap=wrap)  # NumPy's checks (ndim, equal lengths) and its errors
    shape = a.shape
    if len(shape) == 2:
        step, end = shape[1] + 1, (None if wrap else shape[1] * shape[1])
    else:
        step, end = 1 + int(np.cumprod(shape[:-1]).sum()), None
    flat = np.arange(a.size)[:end:step]
    index = np.unravel_index(flat, shape)
    if isinstance(val, Tensor):
        if val.size == 0:
            return  # NumPy writes nothing
        v = ops.ravel(val)
        value = v if v.shape[0] == flat.size else ops.getitem(v, np.arange(flat.size) % v.shape[0])
        a[index] = value
    else:
        a[index] = probe[index]
