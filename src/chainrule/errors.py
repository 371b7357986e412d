"""Exceptions raised by chainrule.

Every error is a :class:`ChainruleError` and also a subclass of the matching built-in exception, so
``except ValueError`` keeps working for code that does not know about chainrule. Messages say what went
wrong, where, and what to do about it.
"""

from __future__ import annotations

import numpy as _np


class ChainruleError(Exception):
    """Base class of every error chainrule raises on purpose."""


class ShapeError(ChainruleError, ValueError):
    """Shapes that an operation cannot combine (it names the operation and both shapes)."""


class AxisError(ShapeError, _np.exceptions.AxisError):
    """An ``axis`` that is out of range for the array, or named twice. Also NumPy's ``AxisError`` (a ValueError and
    an IndexError), so ``except np.exceptions.AxisError`` keeps working."""


class IndexingError(ChainruleError, IndexError):
    """An index that does not fit the array being indexed (it names the shape)."""


class InvalidArgumentError(ChainruleError, ValueError):
    """An argument with a value the operation cannot use (a label out of range, an unknown reduction ...)."""


class UnsupportedArgumentError(ChainruleError, NotImplementedError):
    """An option NumPy has but chainrule cannot differentiate (``pad(mode="reflect")``, nuclear norms ...)."""


class NoGradientError(ChainruleError, RuntimeError):
    """``backward()`` (or a hook) on a tensor that does not require a gradient."""


class DtypeError(ChainruleError, TypeError):
    """A dtype that cannot take part, e.g. an integer tensor asked to require a gradient."""


class GraphFreedError(ChainruleError, RuntimeError):
    """A backward pass through a graph whose cached values were already released."""


class NonScalarBackwardError(ChainruleError, RuntimeError):
    """``backward()`` on a tensor with more than one element and no seed gradient."""


class NonScalarOutputError(ChainruleError, TypeError):
    """``cr.grad`` of a function whose output is not a single number (use ``jacobian`` or ``.sum()``)."""


class GradientShapeError(ChainruleError, ValueError):
    """A seed or hook gradient whose shape does not match its tensor."""


class InplaceError(ChainruleError, RuntimeError):
    """A tensor was changed in place after an operation cached it for the backward pass."""


class MissingRuleError(ChainruleError, NotImplementedError):
    """A primitive asked for a gradient rule it does not define."""


class UnsupportedOperationError(ChainruleError, TypeError):
    """A NumPy function chainrule cannot differentiate was applied to a tensor."""


class AnomalyError(ChainruleError, FloatingPointError):
    """Inside ``detect_anomaly()``, a value or gradient became NaN or infinite."""


class GradcheckError(ChainruleError, AssertionError):
    """Analytic and numerical gradients disagree beyond the tolerance."""


class CheckpointError(ChainruleError, ValueError):
    """A model or optimizer file that is truncated, corrupt or does not match."""


class DataError(ChainruleError, ValueError):
    """A dataset name, file or folder that cannot be read as training data (it names the file and the problem)."""


class LinAlgError(ChainruleError, _np.linalg.LinAlgError):
    """NumPy's linear algebra failed: a singular matrix, one that is not positive definite, no convergence (it names
    the operation and the shape). Also NumPy's ``LinAlgError``, so ``except np.linalg.LinAlgError`` keeps working."""


class MatrixShapeError(LinAlgError, ShapeError):
    """An input that is not a matrix (or a stack of them) where one is needed, or not square where it must be.
    Both a :class:`ShapeError` and NumPy's ``LinAlgError`` (which NumPy raises in this case)."""


class WeightsShapeError(ShapeError, TypeError):
    """Weights whose shape does not fit the array they weight (``average``, ``cov``). Both a ValueError and a
    TypeError, so the code catching either of the two NumPy raises for it keeps working."""


class ZeroWeightSumError(InvalidArgumentError, ZeroDivisionError):
    """Weights that sum to zero, which cannot be normalized (``average``): NumPy's ZeroDivisionError, and a
    ValueError as the other invalid arguments are."""
