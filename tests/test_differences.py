"""np.cumulative_sum, np.cumulative_prod, np.trapezoid, np.ediff1d and np.gradient called on tensors: NumPy's values
to the bit in every dtype (0-d, empty, axes), gradients in every differentiable argument, and what is refused."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule.errors import DtypeError, InvalidArgumentError, UnsupportedArgumentError
from helpers import check_grads

RNG = np.random.default_rng(9)
SHAPES = [(), (0,), (1,), (2,), (5,), (3, 4), (2, 3, 4), (3, 0)]


def _same(got, ref) -> None:
    got = np.asarray(got.data if isinstance(got, cr.Tensor) else got)
    ref = np.asarray(ref)
    assert got.dtype == ref.dtype and got.shape == ref.shape
    np.testing.assert_array_equal(got, ref)


def _both(f, *args, **kw) -> None:
    """f on arrays and on tensors: the same values, or the same kind of error."""
    try:
        ref = f(*args, **kw)
    except (ValueError, IndexError, TypeError) as e:
        with pytest.raises(type(e).__mro__[1] if type(e).__name__ == "AxisError" else type(e)):
            f(*[cr.tensor(a) if isinstance(a, np.ndarray) else a for a in args], **kw)
        return
    got = f(*[cr.tensor(a) if isinstance(a, np.ndarray) else a for a in args], **kw)
    if isinstance(ref, tuple):
        assert isinstance(got, tuple) and len(got) == len(ref)
        for g, r in zip(got, ref, strict=True):
            _same(g, r)
    else:
        _same(got, ref)


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16])
@pytest.mark.parametrize("shape", SHAPES)
def test_values_are_numpys(shape, dtype) -> None:
    x = RNG.standard_normal(shape).astype(dtype)
    for f in (np.cumulative_sum, np.cumulative_prod):
        for axis in (None, 0, -1):
            for kw in ({}, {"include_initial": True}, {"dtype": np.float64}, {"dtype": np.int64}):
                _both(f, x, axis=axis, **kw)
    for axis in (-1, 0):
        for kw in ({}, {"dx": 0.5}, {"dx": np.float32(0.3)}):
            _both(np.trapezoid, x, axis=axis, **kw)
        if shape and shape[axis]:
            _both(np.trapezoid, x, np.cumsum(RNG.random(shape[axis])).astype(dtype), axis=axis)
            _both(np.trapezoid, x, np.cumsum(RNG.random(shape), axis=axis).astype(dtype), axis=axis)
    for kw in ({}, {"to_begin": -1.0}, {"to_end": np.array([1.0, 2.0], dtype), "to_begin": 3}):
        _both(np.ediff1d, x, **kw)
    for kw in ({}, {"edge_order": 2}, {"axis": 0}, {"axis": (0, -1)}):
        _both(np.gradient, x, **kw)
        _both(np.gradient, x, 0.7, **kw)
        if x.ndim == 1:
            _both(np.gradient, x, np.cumsum(RNG.random(shape) + 0.1), **kw)
            _both(np.gradient, x, np.arange(shape[0]) * 2, **kw)


def test_cumulative_needs_an_axis_beyond_one_dimension() -> None:
    with pytest.raises(ValueError):
        np.cumulative_sum(np.ones((2, 2)))
    with pytest.raises(InvalidArgumentError, match="axis"):
        np.cumulative_sum(cr.tensor(np.ones((2, 2))))


def test_cumulative_include_initial_gradient() -> None:
    x = cr.tensor(np.array([[2.0, 3.0], [0.5, 4.0]]), requires_grad=True)
    y = np.cumulative_prod(x, axis=1, include_initial=True)
    _same(y, np.cumulative_prod(x.data, axis=1, include_initial=True))
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [[1 + 3, 2], [1 + 4, 0.5]])
    check_grads(lambda t: np.cumulative_sum(t, axis=0, include_initial=True), RNG.standard_normal((3, 2)))


def test_trapezoid_gradients_in_y_and_x() -> None:
    y, x = RNG.standard_normal((2, 5)), np.cumsum(RNG.random(5))
    check_grads(lambda y, x: np.trapezoid(y, x), y, x)
    check_grads(lambda y, x: np.trapezoid(y, x, axis=0), y, np.cumsum(RNG.random((2, 5)), axis=0))
    t = cr.tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    np.trapezoid(t, dx=2.0).backward()
    np.testing.assert_array_equal(t.grad, [1.0, 2.0, 1.0])


def test_ediff1d_gradients_and_dtype_rule() -> None:
    check_grads(
        lambda a, b, e: cr.ediff1d(a, to_end=e, to_begin=b), RNG.standard_normal(4), 1.5, RNG.standard_normal(2)
    )
    a = cr.tensor(np.array([1, 2, 4]))
    with pytest.raises(TypeError):
        np.ediff1d(np.array([1, 2, 4]), to_begin=0.5)
    with pytest.raises(DtypeError):
        np.ediff1d(a, to_begin=0.5)
    y = np.ediff1d(cr.tensor(np.array([1.0, 2.0, 4.0], np.float32)), to_begin=np.array([7.0]))
    assert y.dtype == np.float32


def test_gradient_is_differentiable_in_f() -> None:
    coords = np.array([0.0, 0.3, 1.0, 1.2, 2.0])
    for kw in ({}, {"edge_order": 2}):
        check_grads(lambda f, _k=kw: np.gradient(f, coords, **_k), RNG.standard_normal(5))
        check_grads(lambda f, _k=kw: cr.stack(np.gradient(f, 0.5, 2.0, **_k)), RNG.standard_normal((3, 4)))


def test_gradient_refuses_spacing_tensors_that_need_a_gradient() -> None:
    f = cr.tensor(RNG.standard_normal(4), requires_grad=True)
    with pytest.raises(UnsupportedArgumentError, match="constants"):
        np.gradient(f, cr.tensor(np.array([0.0, 1.0, 3.0, 4.0]), requires_grad=True))
    _same(np.gradient(f, cr.tensor(np.array([0.0, 1.0, 3.0, 4.0]))), np.gradient(f.data, [0.0, 1.0, 3.0, 4.0]))
    with pytest.raises(ValueError, match="edge_order"):
        np.gradient(f, edge_order=3)
    with pytest.raises(ValueError, match="too small"):
        np.gradient(cr.tensor([1.0, 2.0]), edge_order=2)


def test_gradients_match_pytorch() -> None:
    torch = pytest.importorskip("torch")
    y, x, f = RNG.standard_normal((2, 5)), np.cumsum(RNG.random(5)), RNG.standard_normal((4, 5))
    for ours, theirs, arrays in (
        (lambda y, x: cr.trapezoid(y, x), lambda y, x: torch.trapezoid(y, x), (y, x)),
        (
            lambda f: cr.stack(cr.gradient(f, 0.5, 2.0, edge_order=2)),
            lambda f: torch.stack(torch.gradient(f, spacing=(0.5, 2.0), edge_order=2)),
            (f,),
        ),
        (lambda f: cr.cumulative_prod(f, axis=1), lambda f: torch.cumprod(f, 1), (f,)),
    ):
        out = ours(*[cr.tensor(a) for a in arrays])
        w = RNG.standard_normal(out.shape)
        ts = [cr.tensor(a, requires_grad=True) for a in arrays]
        (ours(*ts) * w).sum().backward()
        tt = [torch.tensor(a, requires_grad=True) for a in arrays]
        (theirs(*tt) * torch.tensor(w)).sum().backward()
        for a, b in zip(ts, tt, strict=True):
            np.testing.assert_allclose(a.grad, b.grad.numpy(), atol=1e-12)


@pytest.mark.parametrize("spacings, axis", [((1.0, 2.0), None), ((1.0, 2.0, 3.0, 4.0), 0), ((1.0, 2.0), (0,))])
def test_gradient_wrong_number_of_spacings_is_numpys_type_error(spacings, axis) -> None:
    # np.gradient(t of shape (3,), 1.0, 2.0): got UnsupportedArgumentError (a NotImplementedError), NumPy TypeError
    x = np.array([1.0, 2.0, 4.0])
    with pytest.raises(TypeError):
        np.gradient(x, *spacings, axis=axis)
    with pytest.raises(TypeError, match="invalid number of arguments"):
        np.gradient(cr.tensor(x), *spacings, axis=axis)
