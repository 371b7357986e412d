"""Every differentiable operation, by family. ``chainrule`` re-exports them at the top level."""

from types import ModuleType as _ModuleType

from .elementwise import (
    absolute,
    add,
    arccos,
    arcsin,
    arctan,
    ceil,
    clip,
    cos,
    cosh,
    divide,
    equal,
    erf,
    exp,
    exp2,
    expm1,
    floor,
    floor_divide,
    gelu,
    greater,
    greater_equal,
    isfinite,
    isinf,
    isnan,
    leaky_relu,
    less,
    less_equal,
    log,
    log1p,
    log2,
    log10,
    logaddexp,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    maximum,
    minimum,
    multiply,
    negative,
    not_equal,
    power,
    reciprocal,
    relu,
    remainder,
    round_,
    sigmoid,
    sign,
    sin,
    sinh,
    softplus,
    sqrt,
    square,
    subtract,
    tan,
    tanh,
    trunc,
    where,
)
from .conv import avg_pool2d, col2im, conv2d, im2col, max_pool2d
from .fused import affine, affine_relu, linear, relu_mlp, softmax_cross_entropy
from .linalg import diagonal, dot, einsum, inner, matmul, norm, outer, tensordot, trace, vdot
from .inverse import cofactor, det, inv, matrix_power, pinv, slogdet, solve
from .decompositions import cholesky, eigh, eigvalsh, qr, svd, svdvals
from .products import cross, kron, multi_dot
from .nn_functional import binary_cross_entropy_with_logits, cross_entropy, log_softmax, mse, nll, softmax
from .reduce import argmax, argmin, logsumexp
from .shape import (
    array_split,
    astype,
    broadcast_to,
    concatenate,
    expand_dims,
    flatten,
    getitem,
    index_put,
    moveaxis,
    pad,
    ravel,
    repeat,
    reshape,
    scatter_add,
    split,
    squeeze,
    stack,
    swapaxes,
    take,
    take_along_axis,
    tile,
    transpose,
)
from .cumulative import cumprod, cumsum, diff, nancumprod, nancumsum
from .order import flip, roll, sort, tril, triu
from .stats import median, percentile, ptp, quantile

# -- reductions with NumPy's dtype=, initial=, where=; NaN-ignoring statistics; average, cov, corrcoef; cumulative_*,
# trapezoid, ediff1d, gradient (reduce_options.py, nanstats.py, averages.py, differences.py) ----------------------
from .reduce_options import amax, amin, max, mean, min, prod, std, sum, var
from .nanstats import (
    nanargmax,
    nanargmin,
    nanmax,
    nanmean,
    nanmedian,
    nanmin,
    nanpercentile,
    nanprod,
    nanquantile,
    nanstd,
    nansum,
    nanvar,
)
from .averages import average, corrcoef, cov
from .differences import cumulative_prod, cumulative_sum, ediff1d, gradient, trapezoid
from .ufuncs import (
    arctan2,
    cbrt,
    copysign,
    deg2rad,
    degrees,
    fabs,
    fmax,
    fmin,
    hypot,
    logaddexp2,
    positive,
    rad2deg,
    radians,
    sinc,
)

# NumPy's remaining elementwise functions (ops/ufuncs_extra.py), np.i0 and its derivative i1 (ops/bessel.py)
from .ufuncs_extra import (
    arccosh,
    arcsinh,
    arctanh,
    divmod,
    fix,
    float_power,
    fmod,
    frexp,
    heaviside,
    ldexp,
    modf,
    nan_to_num,
    nextafter,
    signbit,
    spacing,
)
from .bessel import i0, i1

# 1-D signals and polynomials (ops/signal.py, ops/polynomial.py)
from .signal import convolve, correlate, interp
from .polynomial import polyval, vander
from .vecproducts import matvec, vecmat
from .solvers import cond, lstsq, tensorinv, tensorsolve

# NumPy's array-manipulation functions, composed from the shape primitives (ops/arrays.py)
from .arrays import (
    append,
    atleast_1d,
    atleast_2d,
    atleast_3d,
    block,
    broadcast_arrays,
    choose,
    column_stack,
    compress,
    copy,
    delete,
    diag,
    diagflat,
    dsplit,
    dstack,
    extract,
    fliplr,
    flipud,
    hsplit,
    hstack,
    insert,
    meshgrid,
    partition,
    resize,
    rot90,
    select,
    trim_zeros,
    unique,
    unique_all,
    unique_counts,
    unique_inverse,
    unique_values,
    unstack,
    vsplit,
    vstack,
)

# -- rollaxis, unwrap, linspace/logspace/geomspace (ranges.py); np.poly* helpers (polyutils.py); 1-D set
# operations (setops.py) -----------------------------------------------------------------------------------------
from .ranges import geomspace, linspace, logspace, rollaxis, unwrap
from .polyutils import poly, polyadd, polyder, polydiv, polyint, polymul, polysub
from .setops import intersect1d, setdiff1d, setxor1d, union1d

# NumPy's integer-only ufuncs and isnat, without gradient (ops/bitwise.py); histograms and bincount (ops/histograms.py)
from .bitwise import (
    bitwise_and,
    bitwise_count,
    bitwise_not,
    bitwise_or,
    bitwise_xor,
    gcd,
    invert,
    isnat,
    lcm,
    left_shift,
    right_shift,
)
from .histograms import bincount, histogram, histogram2d, histogram_bin_edges, histogramdd

abs = absolute
neg = negative
true_divide = divide
pow = power
round = round_
concat = concatenate
# the array API's names, as NumPy 2 has them (np.asin is np.arcsin)
asin, acos, atan, atan2 = arcsin, arccos, arctan, arctan2
asinh, acosh, atanh = arcsinh, arccosh, arctanh

# (the operations, not the family modules that importing them binds here: cr.shape is no module)
__all__ = [name for name, value in globals().items() if not name.startswith("_") and not isinstance(value, _ModuleType)]
