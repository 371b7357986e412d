"""chainrule: reverse-mode automatic differentiation on NumPy arrays that shows its work.

>>> import chainrule as cr
>>> x = cr.tensor(2.0, requires_grad=True)
>>> y = cr.sin(x ** 2)          # g(h(x)) with h(x) = x**2, g(u) = sin(u)
>>> y.backward()
>>> round(float(x.grad), 6)      # dg/dx = cos(x**2) * 2x
-2.614574
"""

from __future__ import annotations

from . import errors
from .tensor import Op, Tensor, as_tensor, tensor  # first: it loads the operations it offers as methods
from .engine import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .errors import (
    AxisError,
    ChainruleError,
    DtypeError,
    GradientShapeError,
    GraphFreedError,
    IndexingError,
    InplaceError,
    InvalidArgumentError,
    MissingRuleError,
    NoGradientError,
    NonScalarBackwardError,
    ShapeError,
    UnsupportedArgumentError,
)
from .ops import *
from .ops import __all__ as _ops_all
from . import checkpoint, data, nn, optim, viz
from .primitive import REGISTRY, JointRules, Primitive, VariadicRules
from .functional import (
    IndependentOutputWarning,
    elementwise_grad,
    grad,
    hessian,
    hvp,
    jacobian,
    jvp,
    value_and_grad,
    vjp,
)
from .gradcheck import GradcheckReport, gradcheck, gradcheck_graph
from .anomaly import detect_anomaly
from .errors import AnomalyError, GradcheckError, NonScalarOutputError, UnsupportedOperationError
from .errors import LinAlgError, MatrixShapeError

from . import linalg  # cr.linalg: np.linalg's namespace (ops exports operations only, never its modules)

__version__ = "0.1.0"

primitive = Op  # define a new differentiable operation: cr.primitive(name, forward, vjp=..., jvp=...)

__all__ = [
    "Tensor",
    "tensor",
    "as_tensor",
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "is_grad_enabled",
    "Primitive",
    "primitive",
    "VariadicRules",
    "JointRules",
    "REGISTRY",
    "errors",
    "ChainruleError",
    "ShapeError",
    "DtypeError",
    "nn",
    "optim",
    "data",
    "viz",
    "GraphFreedError",
    "NonScalarBackwardError",
    "GradientShapeError",
    "InplaceError",
    "AxisError",
    "IndexingError",
    "InvalidArgumentError",
    "MissingRuleError",
    "NoGradientError",
    "UnsupportedArgumentError",
    "grad",
    "value_and_grad",
    "vjp",
    "jvp",
    "jacobian",
    "hessian",
    "hvp",
    "elementwise_grad",
    "IndependentOutputWarning",
    "gradcheck",
    "gradcheck_graph",
    "GradcheckReport",
    "detect_anomaly",
    "AnomalyError",
    "GradcheckError",
    "NonScalarOutputError",
    "UnsupportedOperationError",
    "LinAlgError",
    "MatrixShapeError",
    *_ops_all,
]
