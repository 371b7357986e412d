"""np.average, np.cov and np.corrcoef called on tensors: NumPy's values to the bit in every dtype, gradients in the
data and the weights, and NumPy's errors (the catalogue checks the gradients against finite differences)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import chainrule as cr
from chainrule.errors import ChainruleError, WeightsShapeError, ZeroWeightSumError
from helpers import check_grads

RNG = np.random.default_rng(11)


def _same(got, ref) -> None:
    got = np.asarray(got.data if isinstance(got, cr.Tensor) else got)
    ref = np.asarray(ref)
    assert got.dtype == ref.dtype and got.shape == ref.shape
    np.testing.assert_array_equal(got, ref)


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16])
@pytest.mark.parametrize(
    "shape,axis,wshape",
    [
        ((), None, ()),
        ((0,), None, None),
        ((5,), None, (5,)),
        ((5,), -1, (5,)),
        ((3, 4), 1, (4,)),
        ((3, 4), 0, (3,)),
        ((3, 4), None, (3, 4)),
        ((2, 3, 4), (2, 0), (4, 2)),
        ((2, 3, 4), -1, (2, 3, 4)),
    ],
)
def test_average_values_are_numpys(shape, axis, wshape, dtype) -> None:
    a = RNG.standard_normal(shape).astype(dtype)
    w = None if wshape is None else (RNG.random(wshape) + 0.1).astype(dtype)
    for kw in ({}, {"returned": True}, {"keepdims": True, "returned": True}):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = np.average(a, axis=axis, weights=w, **kw)
            got = np.average(cr.tensor(a), axis=axis, weights=None if w is None else cr.tensor(w), **kw)
        for g, r in zip(
            got if isinstance(got, tuple) else (got,), ref if isinstance(ref, tuple) else (ref,), strict=True
        ):
            _same(g, r)


def test_average_gradients_in_data_and_weights() -> None:
    a, w = RNG.standard_normal((3, 4)), RNG.random(4) + 0.5
    check_grads(lambda a, w: cr.average(a, axis=1, weights=w), a, w)
    avg, scl = None, None
    ta, tw = cr.tensor(a, requires_grad=True), cr.tensor(w, requires_grad=True)
    avg, scl = np.average(ta, axis=1, weights=tw, returned=True)
    assert scl.shape == (3,) and np.all(scl.data == w.sum())
    (avg.sum() + scl.sum()).backward()
    # d avg_i / d w_j = (a_ij - avg_i) / sum(w); d sum(scl) / d w_j = 3
    np.testing.assert_allclose(tw.grad, ((a - avg.data[:, None]) / w.sum()).sum(0) + 3)
    np.testing.assert_allclose(ta.grad, np.broadcast_to(w / w.sum(), (3, 4)))


def test_average_float32_gradient_dtype_and_integer_weights() -> None:
    a = cr.tensor(RNG.standard_normal(4).astype(np.float32), requires_grad=True)
    y = np.average(a, weights=np.array([1, 2, 3, 4]))
    _same(y, np.average(a.data, weights=np.array([1, 2, 3, 4])))
    y.backward()
    assert a.grad.dtype == np.float32
    np.testing.assert_allclose(a.grad, [0.1, 0.2, 0.3, 0.4], rtol=1e-6)


def test_average_errors_as_numpy() -> None:
    a = cr.tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(ZeroDivisionError):
        np.average(a.data, weights=np.array([1.0, -1.0, 0.0]), axis=1)
    with pytest.raises(ZeroWeightSumError) as info:
        np.average(a, weights=np.array([1.0, -1.0, 0.0]), axis=1)
    assert isinstance(info.value, ZeroDivisionError) and isinstance(info.value, ChainruleError)
    with pytest.raises(TypeError):
        np.average(a.data, weights=np.ones(3))
    with pytest.raises(WeightsShapeError) as info:
        np.average(a, weights=np.ones(3))
    assert isinstance(info.value, TypeError)
    with pytest.raises(ValueError):
        np.average(a, weights=np.ones(2), axis=1)
    with pytest.raises(IndexError):
        np.average(a, axis=2)


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16])
@pytest.mark.parametrize("shape", [(5,), (3, 6), (2, 1), (1, 5), (4, 3), ()])
def test_cov_and_corrcoef_values_are_numpys(shape, dtype) -> None:
    m = RNG.standard_normal(shape).astype(dtype)
    y = RNG.standard_normal(shape).astype(dtype)
    n = shape[-1] if shape else 1
    fw, aw = RNG.integers(1, 4, n).astype(float), RNG.random(n) + 0.2
    for kw in (
        {},
        {"rowvar": False},
        {"bias": True},
        {"ddof": 2},
        {"fweights": fw},
        {"aweights": aw},
        {"fweights": fw, "aweights": aw, "ddof": 1},
        {"aweights": aw, "ddof": 0},
        {"dtype": np.float32},
    ):
        for args in ((m,), (m, y)):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                copies = {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in kw.items()}
                try:
                    ref = np.cov(*args, **copies)  # (NumPy writes w * aweights into a float fweights array)
                except ValueError:  # (rowvar=False: a (1, n) m is transposed, a (1, n) y is not)
                    with pytest.raises(ValueError):
                        np.cov(*[cr.tensor(a) for a in args], **kw)
                    continue
                _same(np.cov(*[cr.tensor(a) for a in args], **kw), ref)
                if "rowvar" in kw or not kw:
                    _same(np.corrcoef(*[cr.tensor(a) for a in args], **kw), np.corrcoef(*args, **kw))


def test_cov_does_not_write_into_the_weights() -> None:
    fw = np.array([1.0, 2.0, 1.0])
    cr.cov(cr.tensor([1.0, 2.0, 4.0]), fweights=fw, aweights=np.array([0.5, 0.5, 0.5]))
    assert fw.tolist() == [1.0, 2.0, 1.0]


def test_cov_gradients_in_data_and_weights() -> None:
    m = RNG.standard_normal((2, 5))
    w = RNG.random(5) + 0.5
    check_grads(lambda m, w: cr.cov(m, aweights=w), m, w)
    check_grads(lambda m, w: cr.cov(m, fweights=np.array([1.0, 2.0, 1.0, 1.0, 3.0]), aweights=w, ddof=1), m, w)
    check_grads(lambda x, y: np.corrcoef(x, y), RNG.standard_normal(6), RNG.standard_normal(6))


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")  # NumPy's own, for a sample of nothing
def test_cov_empty_and_errors() -> None:
    _same(np.cov(cr.tensor(np.zeros((0, 3)))), np.cov(np.zeros((0, 3))))
    m = cr.tensor(np.ones((2, 3)))
    with pytest.raises(ValueError):
        np.cov(cr.tensor(np.ones((2, 2, 2))))
    with pytest.raises(TypeError):
        np.cov(m, fweights=np.array([1.0, 1.5, 1.0]))
    with pytest.raises(ValueError):
        np.cov(m, aweights=np.array([1.0, -1.0, 1.0]))
    with pytest.raises(ValueError):
        np.cov(m, ddof=1.5)
    with pytest.warns(RuntimeWarning, match="Degrees of freedom"):
        c = np.cov(cr.tensor([1.0]))
    assert np.isnan(c.item()) or np.isinf(c.item())


def _grads(fn, w, *arrays):
    ts = [cr.tensor(a, requires_grad=True) for a in arrays]
    (fn(*ts) * w).sum().backward()
    return [t.grad for t in ts]


def test_cov_and_corrcoef_gradients_match_pytorch() -> None:
    torch = pytest.importorskip("torch")
    m, aw = RNG.standard_normal((3, 6)), RNG.random(6) + 0.3
    fw = np.array([1, 2, 1, 3, 1, 2])
    w = RNG.standard_normal((3, 3))
    for ours, theirs, arrays in (
        (lambda x: cr.cov(x), lambda x: torch.cov(x), (m,)),
        (
            lambda x, a: cr.cov(x, fweights=fw, aweights=a),
            lambda x, a: torch.cov(x, fweights=torch.tensor(fw), aweights=a),
            (m, aw),
        ),
        (lambda x: cr.corrcoef(x), lambda x: torch.corrcoef(x), (m,)),
    ):
        ts = [torch.tensor(a, requires_grad=True) for a in arrays]
        (theirs(*ts) * torch.tensor(w)).sum().backward()
        for g, t in zip(_grads(ours, w, *arrays), ts, strict=True):
            np.testing.assert_allclose(g, t.grad.numpy(), atol=1e-12)


@pytest.mark.parametrize("shape, axis", [((4, 2, 0), 0), ((0, 1), 1), ((0, 3), 0)])
def test_average_without_weights_of_an_empty_result_is_numpys_zero_division(shape, axis) -> None:
    # np.average(t of shape (4, 2, 0), axis=0): returned an empty tensor, NumPy raises ZeroDivisionError
    # (its a.size / avg.size in Python ints); a non-empty result of an empty input is NumPy's NaNs
    a = np.zeros(shape)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            ref = np.average(a, axis=axis)
        except ZeroDivisionError:
            with pytest.raises(ZeroDivisionError):
                np.average(cr.tensor(a), axis=axis)
            return
        got = np.average(cr.tensor(a), axis=axis)
    assert got.dtype == ref.dtype and np.array_equal(got.data, ref, equal_nan=True)
