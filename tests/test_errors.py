"""Errors: one family under ChainruleError, each also the matching built-in, with messages that say what
went wrong (which operation, which shapes, which rule) and what to do."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import chainrule as cr
from chainrule import errors

BUILTINS = (ValueError, TypeError, RuntimeError, IndexError, NotImplementedError, FloatingPointError, AssertionError)


def test_every_error_is_a_chainrule_error_and_a_builtin() -> None:
    classes = [c for _, c in inspect.getmembers(errors, inspect.isclass) if c.__module__ == errors.__name__]
    assert len(classes) >= 12
    for cls in classes:
        if cls is cr.ChainruleError:
            continue
        assert issubclass(cls, cr.ChainruleError), cls
        assert issubclass(cls, BUILTINS), f"{cls.__name__} is not also a built-in exception type"
        assert cls.__doc__, f"{cls.__name__} needs a docstring"
    assert issubclass(cr.ShapeError, ValueError) and issubclass(cr.DtypeError, TypeError)
    assert issubclass(cr.GraphFreedError, RuntimeError) and issubclass(cr.GradientShapeError, ValueError)
    assert issubclass(cr.AxisError, cr.ShapeError) and issubclass(cr.AxisError, IndexError)  # like NumPy's AxisError


RULE = r"compare dimensions from the right; each pair must be equal or one of them 1"


@pytest.mark.parametrize(
    "op,name",
    [
        (lambda a, b: a + b, "add"),
        (lambda a, b: a - b, "subtract"),
        (lambda a, b: a * b, "multiply"),
        (lambda a, b: a / b, "divide"),
        (lambda a, b: a**b, "power"),
        (cr.maximum, "maximum"),
        (lambda a, b: cr.where(np.ones((2, 1), bool), a, b), "where"),
    ],
    ids=["add", "subtract", "multiply", "divide", "power", "maximum", "where"],
)
def test_broadcast_errors_name_the_op_both_shapes_and_the_rule(op, name: str) -> None:
    a = cr.tensor(np.ones((2, 3)), requires_grad=True)
    b = cr.tensor(np.ones((4, 5)) + 1)
    with pytest.raises(cr.ShapeError) as info:
        op(a, b)
    msg = str(info.value)
    assert msg.startswith(name + ":"), msg
    assert "(2, 3)" in msg and "(4, 5)" in msg and RULE in msg
    assert "reshape" in msg  # what to do


def test_matmul_errors_explain_the_alignment_rule() -> None:
    a = cr.tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(cr.ShapeError, match=r"matmul: shapes \(2, 3\) and \(4, 5\) are not aligned.*\(3\).*\(4\)"):
        a @ np.ones((4, 5))
    with pytest.raises(cr.ShapeError, match=r"matmul: shapes \(2, 3\) and \(2,\).*only dimension"):
        a @ np.ones(2)
    with pytest.raises(cr.ShapeError, match=r"matmul.*batch dimensions.*\(5,\) and \(4,\).*" + RULE):
        cr.tensor(np.ones((5, 2, 3))) @ np.ones((4, 3, 2))
    with pytest.raises(cr.ShapeError, match=r"at least one dimension.*use \* for scalars"):
        cr.matmul(cr.tensor(2.0), a)


@pytest.mark.parametrize(
    "call,pattern",
    [
        (
            lambda a: a.reshape(4, 2),
            r"reshape: cannot reshape an array of shape \(2, 3\) \(6 elements\) into shape \(4, 2\)",
        ),
        (
            lambda a: cr.broadcast_to(a, (3, 3)),
            r"broadcast_to: an array of shape \(2, 3\) cannot be broadcast to shape \(3, 3\)",
        ),
        (lambda a: cr.concatenate([a, np.ones((2, 2))]), r"concatenate: .*\[\(2, 3\), \(2, 2\)\] along axis 0"),
        (lambda a: cr.stack([a, np.ones((2, 2))]), r"stack: all arrays must have the same shape"),
        (lambda a: cr.einsum("ij,jk->ik", a, np.ones((4, 2))), r"einsum 'ij,jk->ik'.*\[\(2, 3\), \(4, 2\)\]"),
        (
            lambda a: cr.einsum("ijk->i", a),
            r"einsum 'ijk->i': subscripts 'ijk' name 3 axes but the operand has shape \(2, 3\)",
        ),
        (lambda a: cr.transpose(a, (0, 0)), r"transpose: axes \(0, 0\) are not a permutation"),
        (lambda a: cr.squeeze(a, 0), r"squeeze: .*shape \(2, 3\)"),
        (
            lambda a: cr.split(a, 2, axis=1),
            r"split: array split does not result in an equal division \(an axis of length 3 cannot be split into 2 equal",
        ),
        (lambda a: cr.mse(a, np.ones(3)), r"mse: prediction \(2, 3\) and target \(3,\)"),
        (
            lambda a: cr.cross_entropy(a, np.array([0, 1, 2])),
            r"cross_entropy: labels of shape \(3,\) do not match logits of shape \(2, 3\)",
        ),
        (lambda a: cr.max(cr.tensor(np.ones((0, 3))), axis=0), r"max: the input of shape \(0, 3\) is empty"),
        (lambda a: cr.diagonal(a[0]), r"diagonal: needs at least 2 dimensions, got shape \(3,\)"),
    ],
    ids=[
        "reshape",
        "broadcast_to",
        "concatenate",
        "stack",
        "einsum",
        "einsum_rank",
        "transpose",
        "squeeze",
        "split",
        "mse",
        "cross_entropy",
        "max_empty",
        "diagonal",
    ],
)
def test_shape_errors_name_the_op_and_shapes(call, pattern: str) -> None:
    a = cr.tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(cr.ShapeError, match=pattern):
        call(a)


@pytest.mark.parametrize(
    "call,name",
    [
        (lambda a: cr.sum(a, axis=2), "sum"),
        (lambda a: a.mean(axis=-3), "mean"),
        (lambda a: cr.max(a, axis=(0, 0)), "max"),
        (lambda a: cr.softmax(a, axis=2), "softmax"),
        (lambda a: cr.logsumexp(a, axis=5), "logsumexp"),
        (lambda a: cr.argmax(a, axis=2), "argmax"),
        (lambda a: cr.norm(a, axis=3), "norm"),
        (lambda a: cr.log_softmax(a, axis=-3), "log_softmax"),
    ],
    ids=["sum", "mean", "max_repeated", "softmax", "logsumexp", "argmax", "norm", "log_softmax"],
)
def test_axis_errors_name_the_op_and_shape(call, name: str) -> None:
    a = cr.tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(cr.AxisError, match=rf"^{name}: .*\(2, 3\).*from 0 to ndim - 1") as info:
        call(a)
    assert isinstance(info.value, IndexError) and isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    "call",
    [
        lambda a: cr.expand_dims(a, 4),
        lambda a: cr.swapaxes(a, 0, 2),
        lambda a: cr.concatenate([a, a], axis=2),
        lambda a: cr.take(a, [0], axis=-3),
        lambda a: cr.trace(a, axis1=0, axis2=5),
        lambda a: cr.stack([a, a], axis=4),
    ],
    ids=["expand_dims", "swapaxes", "concatenate", "take", "trace", "stack"],
)
def test_axis_errors_of_shape_functions_are_shape_errors(call) -> None:
    a = cr.tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(cr.ShapeError, match=r"axis|dimension"):
        call(a)


def test_wrong_seed_gradient_shape() -> None:
    y = cr.tensor(np.ones((2, 3)), requires_grad=True) * 2
    for bad in (np.ones(3), np.ones((3, 2)), np.ones((1, 2, 3)), 1.0):
        with pytest.raises(
            cr.GradientShapeError, match=r"has shape .*but the tensor has shape \(2, 3\).*exactly the output's shape"
        ):
            y.backward(bad, retain_graph=True)
    y.backward(np.ones((2, 3)))  # the right shape works


def test_backward_needs_a_seed_for_non_scalars_and_a_graph() -> None:
    y = cr.tensor([1.0, 2.0], requires_grad=True) * 2
    with pytest.raises(cr.NonScalarBackwardError, match=r"shape \(2,\).*y.sum\(\).backward\(\)"):
        y.backward()
    with pytest.raises(cr.NoGradientError, match="requires_grad=True") as info:
        (cr.tensor([1.0]) * 2).sum().backward()
    assert isinstance(info.value, RuntimeError)
    with pytest.raises(cr.NoGradientError, match="requires_grad"):
        cr.tensor(1.0).register_hook(lambda g: g)


def test_dtype_errors() -> None:
    with pytest.raises(cr.DtypeError, match=r"dtype int64.*cr.tensor\(data, dtype='float64', requires_grad=True\)"):
        cr.tensor([1, 2], requires_grad=True)
    with pytest.raises(cr.DtypeError, match="give numbers"):
        cr.tensor(["a", "b"])
    with pytest.raises(cr.DtypeError, match="integer labels or float probabilities"):
        cr.cross_entropy(cr.tensor(np.ones((2, 3))), np.array(["a", "b"]))
    with pytest.raises(TypeError):
        cr.tensor(np.array([object()]))


def test_graph_freed_error_message() -> None:
    x = cr.tensor(1.0, requires_grad=True)
    y = cr.exp(x) * 2
    y.backward()
    with pytest.raises(cr.GraphFreedError, match=r"multiply a second time.*retain_graph=True.*forward pass again"):
        y.backward()


def test_argument_errors() -> None:
    x = cr.tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(cr.InvalidArgumentError, match=r"labels must lie in \[0, 3\).*from 0 to 7"):
        cr.cross_entropy(x, np.array([0, 7]))
    with pytest.raises(cr.InvalidArgumentError, match="reduction must be 'mean', 'sum' or 'none'"):
        cr.mse(x, x, reduction="avg")
    with pytest.raises(cr.InvalidArgumentError, match="give a_min, a_max or both"):
        cr.clip(x)
    with pytest.raises(cr.InvalidArgumentError, match="approximate must be"):
        cr.gelu(x, approximate="fast")
    with pytest.raises(cr.IndexingError, match=r"index 5 is out of bounds.*shape \(2, 3\)") as info:
        x[5]
    assert isinstance(info.value, IndexError)
    with pytest.raises(cr.UnsupportedArgumentError, match="mode='empty'") as info:
        cr.pad(x, 1, mode="empty")
    assert isinstance(info.value, NotImplementedError)
    with pytest.raises(cr.ShapeError, match=r"no '\.\.\.' to broadcast"):  # NumPy refuses it too
        cr.einsum("...i->i", x)
    with pytest.raises(cr.UnsupportedArgumentError, match="nuc"):
        cr.norm(x, ord="nuc", axis=1)  # the nuclear norm is a matrix norm


def test_inplace_error_message_says_what_to_do() -> None:
    x = cr.tensor([1.0], requires_grad=True)
    with pytest.raises(cr.InplaceError, match=r"add_: in-place change of a tensor that requires a gradient.*no_grad"):
        x.add_(1.0)
    c = cr.tensor([2.0])
    y = (x * c).sum()
    c[0] = 3.0
    with pytest.raises(cr.InplaceError, match=r"multiply: input 1 \(shape \(1,\)\) was modified in place.*a copy"):
        y.backward()


def test_numpy_value_errors_are_restated_as_chainrule_errors() -> None:
    with pytest.raises(cr.ShapeError, match="rectangular"):
        cr.tensor([[1.0, 2.0], [3.0]])
    with pytest.raises(cr.InvalidArgumentError, match="power: Integers to negative integer powers"):
        cr.tensor([1, 2]) ** -1
    with pytest.raises(cr.InvalidArgumentError, match=r"argmax: .*empty.*\(0,\)"):
        cr.argmax(cr.tensor(np.zeros(0)))
    with pytest.raises(cr.AxisError, match="single integer"):
        cr.softmax(cr.tensor(np.ones((2, 2))), axis=(0, 1))
    with pytest.raises(ValueError):  # still the built-in type for code that does not know chainrule
        cr.tensor([1, 2]) ** -1


def test_complex_values_are_refused_rather_than_differentiated_wrongly() -> None:
    # the rules take no conjugates: |z * z| differentiated through them gave -9.36+3.52j at z = 3+4j (PyTorch: 6+8j)
    with pytest.raises(cr.DtypeError, match="complex tensors cannot require gradients"):
        cr.tensor([1 + 2j], requires_grad=True)
    with pytest.raises(cr.DtypeError, match="complex value"):
        cr.grad(lambda z: np.sum(np.abs(z * z)))(np.array([3 + 4j]))
    # a real input whose computation goes through complex numbers: refused where the gradient reaches it
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(cr.DtypeError, match="multiply: a complex gradient reached its real input 0"):
        cr.abs(x * 1j).sum().backward()
    assert x.grad is None
    # complex constants that do not touch the differentiated path are fine
    y = cr.tensor([3.0, 4.0], requires_grad=True)
    ((y * y).sum() + cr.abs(cr.tensor([1j, 2.0])).sum()).backward()
    assert y.grad.tolist() == [6.0, 8.0]
