"""Convolution and pooling on images laid out as (batch, channels, height, width).

Two primitives do all the work; convolution and pooling are composed from them and ordinary ops:

=====================================  ====================================================================
op                                     gradient (both are linear, so each one's vjp is the other)
=====================================  ====================================================================
im2col(x)  (N,C,H,W) -> (N,OH,OW,C,kh,kw)  col2im(g): each window's gradient added back where it was read
col2im(c)  (N,OH,OW,C,kh,kw) -> (N,C,H,W)  im2col(g): read the gradient's windows
conv2d(x, w, b)                        composed: im2col(x) reshaped to rows, @ w reshaped to columns, + b
max_pool2d(x)                          composed: max over each window (ties share the gradient)
avg_pool2d(x)                          composed: mean over each window
=====================================  ====================================================================

``im2col`` copies every receptive field into a row so a convolution becomes one matrix product (one BLAS
call instead of a Python loop over positions). Windows are read with NumPy's stride tricks (no copy until
the final transpose); ``col2im`` loops over the kh*kw kernel offsets only, each a vectorised strided add.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..errors import ShapeError
from ._base import defprim, shape_of
from .linalg import matmul
from .reduce import max as _max
from .reduce import mean
from .shape import reshape, transpose

Pair = tuple[int, int]


def _pair(v: Any, what: str) -> Pair:
    if isinstance(v, (int, np.integer)):
        return int(v), int(v)
    try:
        a, b = v
        return int(a), int(b)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be an int or a pair of ints, got {v!r}") from None


def _out_size(size: int, k: int, s: int, p: int) -> int:
    return (size + 2 * p - k) // s + 1


def _im2col_forward(x: np.ndarray, kernel: Pair, stride: Pair, padding: Pair) -> np.ndarray:
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
    if ph or pw:
        x = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    win = sliding_window_view(x, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw]  # (N, C, OH, OW, kh, kw), a view
    return np.ascontiguousarray(win.transpose(0, 2, 3, 1, 4, 5))


def _col2im_forward(cols: np.ndarray, shape: tuple[int, ...], kernel: Pair, stride: Pair, padding: Pair) -> np.ndarray:
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
    n, c, h, w = shape
    _, oh, ow = cols.shape[:3]
    out = np.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=cols.dtype)
    per_offset = cols.transpose(0, 3, 4, 5, 1, 2)  # (N, C, kh, kw, OH, OW)
    # NOTE: windows overlap when stride < kernel, so each input pixel collects several gradients: add, never assign
    for i in range(kh):
        for j in range(kw):
            out[:, :, i : i + sh * oh : sh, j : j + sw * ow : sw] += per_offset[:, :, i, j]
    return out[:, :, ph : ph + h, pw : pw + w]


_im2col = defprim(
    "im2col",
    _im2col_forward,
    vjp=lambda g, ans, x, kernel, stride, padding: _col2im(
        g, shape=shape_of(x), kernel=kernel, stride=stride, padding=padding
    ),
    jvp="linear",
)
_col2im = defprim(
    "col2im",
    _col2im_forward,
    vjp=lambda g, ans, cols, shape, kernel, stride, padding: _im2col(g, kernel=kernel, stride=stride, padding=padding),
    jvp="linear",
)


def _check_image(x: Any, op: str) -> tuple[int, int, int, int]:
    shape = shape_of(x)
    if len(shape) != 4:
        raise ShapeError(
            f"{op}: expected images of shape (batch, channels, height, width), got shape {shape}; "
            "a single image needs a batch axis, e.g. x.reshape(1, *x.shape)"
        )
    return shape  # type: ignore[return-value]


def im2col(x: Any, kernel_size: Any, stride: Any = 1, padding: Any = 0) -> Any:
    """Every (kh, kw) window of ``x`` (N, C, H, W) as an array of shape (N, OH, OW, C, kh, kw).

    >>> import numpy as np
    >>> im2col(np.arange(16.0).reshape(1, 1, 4, 4), 2, stride=2).shape
    (1, 2, 2, 1, 2, 2)
    """
    _n, _c, h, w = _check_image(x, "im2col")
    kernel, st, pad = _pair(kernel_size, "kernel_size"), _pair(stride, "stride"), _pair(padding, "padding")
    if min(st) <= 0 or min(kernel) <= 0 or min(pad) < 0:
        raise ValueError(f"im2col: kernel {kernel} and stride {st} must be positive, padding {pad} non-negative")
    if h + 2 * pad[0] < kernel[0] or w + 2 * pad[1] < kernel[1]:
        raise ShapeError(
            f"im2col: a {kernel[0]}x{kernel[1]} kernel does not fit in images of {h}x{w} with padding {pad}"
        )
    return _im2col(x, kernel=kernel, stride=st, padding=pad)


def col2im(cols: Any, shape: Any, kernel_size: Any, stride: Any = 1, padding: Any = 0) -> Any:
    """The adjoint of :func:`im2col`: add each window back into an image of ``shape`` (N, C, H, W)."""
    kernel, st, pad = _pair(kernel_size, "kernel_size"), _pair(stride, "stride"), _pair(padding, "padding")
    return _col2im(cols, shape=tuple(int(s) for s in shape), kernel=kernel, stride=st, padding=pad)


def conv2d(x: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0) -> Any:
    """2-D cross-correlation (what deep learning calls convolution) of ``x`` (N, C, H, W) with ``weight``
    (O, C, kh, kw), plus ``bias`` (O,). Output shape (N, O, OH, OW).

    >>> import numpy as np
    >>> conv2d(np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2))).tolist()
    [[[[4.0, 4.0], [4.0, 4.0]]]]
    """
    n, c, h, w = _check_image(x, "conv2d")
    wshape = shape_of(weight)
    if len(wshape) != 4 or wshape[1] != c:
        raise ShapeError(
            f"conv2d: weight of shape {wshape} does not fit images with {c} channels "
            f"(expected (out_channels, {c}, kh, kw)); input shape {(n, c, h, w)}"
        )
    o, _, kh, kw = wshape
    cols = im2col(x, (kh, kw), stride, padding)
    _, oh, ow = shape_of(cols)[:3]
    rows = reshape(cols, (n * oh * ow, c * kh * kw))
    out = matmul(rows, transpose(reshape(weight, (o, c * kh * kw))))
    out = reshape(out, (n, oh, ow, o))
    if bias is not None:
        if shape_of(bias) != (o,):
            raise ShapeError(f"conv2d: bias of shape {shape_of(bias)} should have shape ({o},)")
        out = out + bias
    return transpose(out, (0, 3, 1, 2))


def _pool(x: Any, kernel_size: Any, stride: Any, reduce: Any, op: str) -> Any:
    n, c, _h, _w = _check_image(x, op)
    kernel = _pair(kernel_size, "kernel_size")
    st = kernel if stride is None else _pair(stride, "stride")
    cols = im2col(x, kernel, st, 0)
    _, oh, ow = shape_of(cols)[:3]
    pooled = reduce(reshape(cols, (n, oh, ow, c, kernel[0] * kernel[1])), axis=-1)
    return transpose(pooled, (0, 3, 1, 2))


def max_pool2d(x: Any, kernel_size: Any, stride: Any = None) -> Any:
    """Largest value of each window (stride defaults to the window size); ties share the gradient.

    >>> import numpy as np
    >>> max_pool2d(np.arange(16.0).reshape(1, 1, 4, 4), 2).tolist()
    [[[[5.0, 7.0], [13.0, 15.0]]]]
    """
    return _pool(x, kernel_size, stride, _max, "max_pool2d")


def avg_pool2d(x: Any, kernel_size: Any, stride: Any = None) -> Any:
    """Mean of each window (stride defaults to the window size)."""
    return _pool(x, kernel_size, stride, mean, "avg_pool2d")


__all__ = ["im2col", "col2im", "conv2d", "max_pool2d", "avg_pool2d"]
