"""NumPy's array-manipulation functions called on tensors (ops/arrays.py, and np.pad's copying modes): NumPy's
values, shapes, dtypes and errors, gradients that move ``g`` back (adding up over copies), edge cases."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import chainrule as cr
from helpers import numerical_grad

R = np.random.default_rng(1204)


def leaf(a, dtype="float64"):
    return cr.tensor(a, dtype=dtype, requires_grad=True)


def same(got, expected) -> None:
    """``got`` (a tensor, or a tuple / list of them) has NumPy's values, shapes, dtypes and container type."""
    if isinstance(expected, (tuple, list)):
        assert type(got) is type(expected) and len(got) == len(expected)
        for g, e in zip(got, expected, strict=True):
            same(g, e)
        return
    assert isinstance(got, cr.Tensor), type(got)
    expected = np.asarray(expected)
    assert got.shape == expected.shape and got.dtype == expected.dtype, (got.shape, got.dtype, expected.dtype)
    np.testing.assert_array_equal(got.data, expected)


def check_grad(fn, *arrays, atol=1e-7) -> list[np.ndarray]:
    """Gradients of sum(fn(*tensors) * w) against central differences; returns them."""
    arrays = [np.asarray(a, dtype=np.float64) for a in arrays]
    out = fn(*[cr.tensor(a) for a in arrays])
    w = R.standard_normal(out.shape)
    ts = [leaf(a) for a in arrays]
    (fn(*ts) * w).sum().backward()
    for i, t in enumerate(ts):
        expected = numerical_grad(lambda *a: float(np.sum(fn(*[cr.tensor(x) for x in a]).data * w)), arrays, i)
        np.testing.assert_allclose(t.grad, expected, atol=atol)
    return [t.grad for t in ts]


A = R.standard_normal((3, 4))
V = R.standard_normal(3)

# (name, function of tensors or arrays, inputs): each must give NumPy's result, float64 and float32
CALLS = [
    ("diag_1d_k1", lambda v: np.diag(v, 1), [V]),
    ("diag_1d_k-3", lambda v: np.diag(v, k=-3), [V]),
    ("diag_2d_k-1", lambda a: np.diag(a, -1), [A]),
    ("diag_2d_k9", lambda a: np.diag(a, 9), [A]),
    ("diag_empty_k2", lambda v: np.diag(v, 2), [np.ones(0)]),
    ("diagflat_0d", lambda v: np.diagflat(v, 1), [np.float64(2.0)]),
    ("copy_0d", np.copy, [np.float64(2.0)]),
    ("astype_float32", lambda a: np.astype(a, np.float32), [A]),
    ("atleast_1d_0d", np.atleast_1d, [np.float64(2.0)]),
    ("atleast_2d_many", lambda a, b, c: np.atleast_2d(a, b, c), [np.float64(1.0), V, A]),
    ("atleast_3d_many", lambda a, b, c: np.atleast_3d(a, b, c), [np.float64(1.0), V, A]),
    ("hstack_0d", lambda a, b: np.hstack([a, b]), [np.float64(1.0), np.float64(2.0)]),
    ("hstack_empty", lambda a, b: np.hstack([a, b]), [np.ones((3, 0)), A]),
    ("vstack_1d", lambda a, b: np.vstack((a, b)), [A[0], A]),
    ("vstack_dtype", lambda a, b: np.vstack((a, b), dtype=np.float32), [A[0], A]),
    ("dstack_1d", lambda a, b: np.dstack([a, b]), [V, V]),
    ("column_stack_0d", lambda a, b: np.column_stack([a, b]), [np.float64(1.0), np.ones((1, 2))]),
    ("block_nested", lambda a, b: np.block([[[a]], [[b]]]), [np.ones((2, 2)), np.zeros((1, 2, 2))]),
    ("block_0d", np.block, [np.float64(3.0)]),
    ("hsplit", lambda a: np.hsplit(a, [1, 3]), [A]),
    ("hsplit_1d", lambda v: np.hsplit(v, 3), [V]),
    ("vsplit_beyond", lambda a: np.vsplit(a, [2, 7]), [A]),
    ("dsplit", lambda a: np.dsplit(a, [-1]), [A.reshape(3, 2, 2)]),
    ("unstack_neg", lambda a: np.unstack(a, axis=-1), [A]),
    ("unstack_empty", np.unstack, [np.ones((0, 3))]),
    ("fliplr", np.fliplr, [A]),
    ("flipud_3d", np.flipud, [A.reshape(3, 2, 2)]),
    ("rot90_k-1", lambda a: np.rot90(a, -1), [A]),
    ("rot90_k0", lambda a: np.rot90(a, 0), [A]),
    ("rot90_axes", lambda a: np.rot90(a, 1, (1, 0)), [A]),
    ("broadcast_arrays", lambda a, b, c: np.broadcast_arrays(a, b, c), [V[:, None], A[0], np.float64(1.0)]),
    ("meshgrid_xy3", lambda a, b, c: np.meshgrid(a, b, c), [V, A[0], A[1, :2]]),
    ("meshgrid_one", lambda a: np.meshgrid(a), [V]),
    ("meshgrid_nocopy", lambda a, b: np.meshgrid(a, b, copy=False, sparse=True), [V, A]),
    ("append_0d", np.append, [np.float64(1.0), A]),
    ("append_axis0", lambda a, b: np.append(a, b, axis=0), [A, A[:1]]),
    ("insert_slice", lambda a, b: np.insert(a, slice(None), b, axis=-1), [A, A[0]]),
    ("insert_neg", lambda a, b: np.insert(a, -1, b, axis=0), [A, A[0]]),
    ("insert_empty", lambda a, b: np.insert(a, [], b), [A, np.ones(0)]),
    ("insert_0d_values", lambda a, b: np.insert(a, [0, 2], b), [V, np.float64(7.0)]),
    ("delete_neg_axis", lambda a: np.delete(a, [0, 2], axis=-2), [A]),
    ("delete_bool", lambda a: np.delete(a, np.array([True, False, True]), axis=0), [A]),
    ("delete_nothing", lambda a: np.delete(a, []), [A]),
    ("resize_grow", lambda a: np.resize(a, (4, 5)), [A]),
    ("resize_shrink", lambda a: np.resize(a, 2), [A]),
    ("resize_empty", lambda a: np.resize(a, (2, 2)), [np.ones(0)]),
    ("compress_short_condition", lambda a: np.compress([True, True], a, axis=-1), [A]),
    ("extract", lambda a: np.extract(A > 0, a), [A]),
    ("select", lambda a, b: np.select([A > 0, A < 0.5], [a, b], default=1.5), [A, V[0]]),
    ("select_int_default", lambda a: np.select([A > 0], [a]), [A]),
    ("choose", lambda a, b: np.choose(np.array([1, 0, 1]), [a, b]), [V, np.float64(2.0)]),
    ("choose_clip", lambda a, b: np.choose(np.array([[5], [-1]]), (a, b), mode="clip"), [V, V]),
    ("trim_zeros_f", lambda a: np.trim_zeros(a, "f"), [np.array([0.0, 0.0, 1.0, 0.0])]),
    ("trim_zeros_all", np.trim_zeros, [np.zeros(3)]),
    ("trim_zeros_axis", lambda a: np.trim_zeros(a, axis=-1), [np.array([[0.0, 1.0, 0.0], [0.0, 2.0, 0.0]])]),
    ("unique", np.unique, [np.array([2.0, 1.0, 2.0, -1.0])]),
    ("unique_0d", np.unique, [np.float64(3.0)]),
    ("unique_empty", np.unique, [np.ones(0)]),
    ("unique_axis", lambda a: np.unique(a, axis=-1), [np.array([[1.0, 0.0, 1.0], [2.0, 0.0, 2.0]])]),
    ("pad_edge", lambda a: np.pad(a, ((0, 2), (3, 1)), mode="edge"), [A]),
    ("pad_reflect_long", lambda v: np.pad(v, (7, 5), mode="reflect"), [V]),
    ("pad_symmetric_long", lambda v: np.pad(v, 8, "symmetric"), [V]),
    ("pad_wrap_long", lambda a: np.pad(a, ((5, 0), (9, 2)), mode="wrap"), [A]),
    ("pad_edge_0d", lambda a: np.pad(a, 2, mode="edge"), [np.float64(2.0)]),
    ("pad_edge_empty_axis_unpadded", lambda a: np.pad(a, ((0, 0), (1, 2)), mode="edge"), [np.ones((0, 2))]),
    ("pad_reflect_odd_long", lambda a: np.pad(a, ((7, 1), (0, 9)), "reflect", reflect_type="odd"), [A]),
    ("pad_symmetric_odd", lambda a: np.pad(a, 2, "symmetric", reflect_type="odd"), [A]),
    ("pad_linear_ramp", lambda a: np.pad(a, ((2, 5), (1, 3)), "linear_ramp", end_values=(1.5, -2)), [A]),
    ("pad_linear_ramp_default", lambda v: np.pad(v, 3, "linear_ramp"), [V]),
    ("pad_mean", lambda a: np.pad(a, ((2, 5), (1, 3)), "mean"), [A]),
    ("pad_mean_stat_length", lambda a: np.pad(a, ((2, 5), (1, 3)), "mean", stat_length=((1, 2), (3, 1))), [A]),
    ("pad_mean_0d", lambda a: np.pad(a, 2, "mean"), [np.float64(2.0)]),
    ("pad_mean_empty_axis_unpadded", lambda a: np.pad(a, ((0, 0), (1, 2)), "mean"), [np.ones((0, 2))]),
    ("pad_maximum", lambda a: np.pad(a, ((2, 5), (1, 3)), "maximum"), [A]),
    ("pad_minimum_stat_length", lambda a: np.pad(a, ((2, 5), (1, 3)), "minimum", stat_length=((1, 2), (3, 9))), [A]),
    ("pad_median", lambda a: np.pad(a, (3, 1), "median"), [A]),
    ("pad_median_stat_length", lambda a: np.pad(a, ((1, 2), (4, 0)), "median", stat_length=2), [A]),
    ("pad_maximum_0d", lambda a: np.pad(a, 2, "maximum"), [np.float64(2.0)]),
]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name, fn, inputs", CALLS, ids=[c[0] for c in CALLS])
def test_numpy_call_matches_numpy(name, fn, inputs, dtype) -> None:
    arrays = [np.asarray(a, dtype=dtype) for a in inputs]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        same(fn(*[leaf(a, dtype) for a in arrays]), fn(*arrays))


# where a small change of the values changes the result's shape (trim_zeros, unique), the known-answer tests
# below and the catalogue's cases check the gradients
# below and the catalogue's cases check the gradients; casts to float32 round, finite differences see the rounding
SMOOTH = [c for c in CALLS if not c[0].startswith(("trim_zeros", "unique", "astype_float32", "vstack_dtype"))]


@pytest.mark.parametrize("name, fn, inputs", SMOOTH, ids=[c[0] for c in SMOOTH])
def test_gradients_match_finite_differences(name, fn, inputs) -> None:
    def joined(*ts):
        out = fn(*ts)
        parts = out if isinstance(out, (tuple, list)) else [out]
        return cr.concatenate([cr.ravel(p) * (k + 1) for k, p in enumerate(parts)])

    out = fn(*[cr.tensor(a) for a in inputs])
    if isinstance(out, (tuple, list)) and not out:  # (unstack of an empty axis: nothing to differentiate)
        return
    check_grad(joined, *inputs)


@pytest.mark.parametrize("name, fn, inputs", CALLS, ids=[c[0] for c in CALLS])
def test_float32_gradients_stay_float32(name, fn, inputs) -> None:
    ts = [leaf(np.asarray(a, dtype=np.float32), "float32") for a in inputs]
    out = fn(*ts)
    parts = out if isinstance(out, (tuple, list)) else [out]
    total = sum((cr.sum(p) for p in parts if p.requires_grad), cr.tensor(0.0, dtype="float32"))
    if not total.requires_grad:
        return
    total.backward()
    for t in ts:
        assert t.grad is None or t.grad.dtype == np.float32


# -- errors: NumPy's types and messages --------------------------------------------------------------------
ERRORS = [
    (lambda t: np.diag(t[0, 0]), ValueError, "Input must be 1- or 2-d."),
    (lambda t: np.diag(t.reshape(2, 3, 2)), ValueError, "Input must be 1- or 2-d."),
    (lambda t: np.hstack([]), ValueError, "need at least one array"),
    (lambda t: np.vstack([t, t], dtype=np.int64), TypeError, "Cannot cast"),
    (lambda t: np.block((t, t)), TypeError, "arrays is a tuple"),
    (lambda t: np.block([[t], t]), ValueError, "List depths are mismatched"),
    (lambda t: np.block([[], [t]]), ValueError, "cannot be empty"),
    (lambda t: np.hsplit(t[0, 0], 1), ValueError, "hsplit only works on arrays of 1 or more dimensions"),
    (lambda t: np.vsplit(t[0], 1), ValueError, "vsplit only works on arrays of 2 or more dimensions"),
    (lambda t: np.dsplit(t, 1), ValueError, "dsplit only works on arrays of 3 or more dimensions"),
    (lambda t: np.unstack(t[0, 0]), ValueError, "Input array must be at least 1-d."),
    (lambda t: np.unstack(t, axis=2), np.exceptions.AxisError, "out of bounds"),
    (lambda t: np.fliplr(t[0]), ValueError, "Input must be >= 2-d."),
    (lambda t: np.flipud(t[0, 0]), ValueError, "Input must be >= 1-d."),
    (lambda t: np.rot90(t[0]), ValueError, "Axes must be different."),
    (lambda t: np.rot90(t, axes=(0, 3)), ValueError, r"Axes=\(0, 3\) out of range for array of ndim=2."),
    (lambda t: np.rot90(t, axes=(0,)), ValueError, "len.axes. must be 2."),
    (lambda t: np.broadcast_arrays(t, t[:2, :2]), ValueError, "shape mismatch"),
    (lambda t: np.meshgrid(t[0], indexing="yx"), ValueError, "Valid values for `indexing`"),
    (lambda t: np.insert(t, 13, 1.0), IndexError, "out of bounds"),
    (lambda t: np.delete(t, 7, axis=1), IndexError, "out of bounds"),
    (lambda t: np.resize(t, -1), ValueError, "must be non-negative"),
    (lambda t: np.compress([True] * 5, t, axis=0), IndexError, "out of bounds"),
    (lambda t: np.select([], []), ValueError, "select with an empty condition list is not possible"),
    (lambda t: np.select([t > 0], [t, t]), ValueError, "list of cases must be same length"),
    (lambda t: np.select([np.ones(4, int)], [t]), TypeError, "invalid entry 0 in condlist"),
    (lambda t: np.choose(np.array([0, 2, 0, 0]), [t, t]), ValueError, "invalid entry in choice array"),
    (lambda t: np.trim_zeros(t[0], "x"), ValueError, "unexpected character"),
    (lambda t: np.partition(t, 4), ValueError, "out of bounds"),
    (lambda t: np.partition(t[0, 0], 0), np.exceptions.AxisError, "out of bounds"),
    (lambda t: np.pad(t[:0], 1, mode="edge"), ValueError, "can't extend empty axis"),
    (lambda t: np.pad(t, 1, mode="edge", constant_values=2.0), ValueError, "unsupported keyword arguments"),
    (lambda t: np.pad(t, 1, reflect_type="odd"), ValueError, "unsupported keyword arguments"),
    (lambda t: np.pad(t, 1, "mean", end_values=1.0), ValueError, "unsupported keyword arguments"),
    (lambda t: np.pad(t, 1, "linear_ramp", constant_values=1.0), ValueError, "unsupported keyword arguments"),
    (lambda t: np.pad(t, -1, "mean"), ValueError, "negative"),
    (lambda t: np.pad(t[:0], 1, "mean"), ValueError, "can't extend empty axis"),
    (lambda t: np.pad(t, 1, "maximum", stat_length=0), ValueError, "stat_length of 0 yields no value"),
    (lambda t: np.pad(t, 1, "median", end_values=0), ValueError, "unsupported keyword arguments"),
]


@pytest.mark.parametrize("call, error, match", ERRORS)
def test_errors_are_numpys(call, error, match) -> None:
    t = leaf(R.standard_normal((3, 4)))
    with pytest.raises(error, match=match):
        call(t)
    with pytest.raises(error, match=match):  # the same call on the plain array: NumPy's own error
        call(R.standard_normal((3, 4)))


@pytest.mark.parametrize(
    "call",
    [
        lambda t: np.pad(t, 1, mode="empty"),
        lambda t: np.pad(t, 1, mode="empty"),
        lambda t: np.pad(t, 1, mode=lambda v, w, i, k: None),
        lambda t: np.partition(t, 1, order="x"),
        lambda t: np.compress([True], t, out=np.empty(1)),
        lambda t: np.choose([0], [t[0]], out=np.empty(4)),
    ],
)
def test_what_cannot_be_differentiated_is_refused(call) -> None:
    with pytest.raises((cr.UnsupportedArgumentError, cr.UnsupportedOperationError)):
        call(leaf(np.ones((3, 4))))


# -- gradients with a known answer ---------------------------------------------------------------------------
def test_copy_is_a_new_node_with_gradient_one() -> None:
    x = leaf([1.0, 2.0])
    y = np.copy(x)
    assert y is not x and y.node is not None and not np.shares_memory(y.data, x.data)
    (y * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_astype_to_integers_records_nothing_and_copy_false_keeps_the_tensor() -> None:
    x = leaf([1.5, -2.5])
    i = np.astype(x, np.int32)
    assert i.dtype == np.int32 and not i.requires_grad and i.tolist() == [1, -2]
    assert np.astype(x, np.float64, copy=False) is x
    y = np.astype(x, np.float32)
    y.sum().backward()
    assert y.dtype == np.float32 and x.grad.dtype == np.float64 and x.grad.tolist() == [1.0, 1.0]


def test_diag_gradient_is_the_diagonal_and_back() -> None:
    x = leaf(A)
    np.diag(x, 1).sum().backward()
    expected = np.zeros_like(A)
    expected[[0, 1, 2], [1, 2, 3]] = 1
    np.testing.assert_array_equal(x.grad, expected)
    v = leaf(V)
    (np.diag(v, -1) * np.arange(16.0).reshape(4, 4)).sum().backward()
    np.testing.assert_array_equal(v.grad, [4.0, 9.0, 14.0])


def test_resize_and_wrapping_pad_add_the_gradients_of_copies() -> None:
    x = leaf([1.0, 2.0, 3.0])
    np.resize(x, (2, 4)).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0, 2.0]
    x = leaf([1.0, 2.0, 3.0])
    np.pad(x, (4, 3), mode="wrap").sum().backward()  # 10 elements: [3 1 2 3] 1 2 3 [1 2 3]
    assert x.grad.tolist() == [3.0, 3.0, 4.0]
    x = leaf([1.0, 2.0, 3.0])
    np.pad(x, (2, 1), mode="edge").sum().backward()
    assert x.grad.tolist() == [3.0, 1.0, 2.0]


def test_insert_gives_gradients_to_the_array_and_the_values() -> None:
    x, v = leaf(np.zeros((2, 2), dtype=np.float32), "float32"), leaf([10.0, 20.0])
    y = np.insert(x, 1, v, axis=1)  # values cast to x's dtype, as NumPy does
    assert y.dtype == np.float32
    (y * np.arange(6.0).reshape(2, 3)).sum().backward()
    assert x.grad.tolist() == [[0.0, 2.0], [3.0, 5.0]] and x.grad.dtype == np.float32
    assert v.grad.tolist() == [1.0, 4.0] and v.grad.dtype == np.float64
    v = leaf(5.0)  # one value broadcast into several slots: the gradients add up
    np.insert(leaf(np.zeros(3)), [0, 1, 3], v).sum().backward()
    assert float(v.grad) == 3.0


def test_select_first_true_condition_wins_default_gets_the_rest() -> None:
    a, b, d = leaf([1.0, 2.0, 3.0]), leaf([4.0, 5.0, 6.0]), leaf(9.0)
    out = np.select([np.array([True, True, False]), np.array([True, False, False])], [a, b], d)
    assert out.tolist() == [1.0, 2.0, 9.0]
    out.sum().backward()
    assert a.grad.tolist() == [1.0, 1.0, 0.0] and b.grad.tolist() == [0.0, 0.0, 0.0] and float(d.grad) == 1.0


def test_choose_picks_and_routes_gradients() -> None:
    a, b = leaf([1.0, 2.0, 3.0]), leaf(7.0)
    out = np.choose(np.array([1, 0, 1]), [a, b])
    assert out.tolist() == [7.0, 2.0, 7.0]
    out.sum().backward()
    assert a.grad.tolist() == [0.0, 1.0, 0.0] and float(b.grad) == 2.0


def test_trim_zeros_keeps_the_slice_nonzero_values_decide() -> None:
    x = leaf([0.0, 1.0, 0.0, 2.0, 0.0])
    y = np.trim_zeros(x)
    assert y.tolist() == [1.0, 0.0, 2.0]
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 1.0, 1.0, 0.0]


@pytest.mark.parametrize("axis, kth", [(-1, 2), (0, (0, 3)), (None, -1), (1, [1, 2])])
def test_partition_kth_values_are_numpys_and_gradient_is_a_permutation(axis, kth) -> None:
    a = R.standard_normal((4, 5)).round(1)  # rounded: ties among the values
    x = leaf(a)
    out = np.partition(x, kth, axis=axis)
    ref = np.partition(a, kth, axis=axis)
    ks = np.atleast_1d(kth)
    ax = -1 if axis is None else axis
    np.testing.assert_array_equal(np.take(out.data, ks, axis=ax), np.take(ref, ks, axis=ax))
    np.testing.assert_array_equal(np.sort(out.data, axis=ax), np.sort(ref, axis=ax))
    w = R.standard_normal(out.shape)
    (out * w).sum().backward()
    # each input element gets exactly the weight of the position it went to
    np.testing.assert_array_equal(np.sort(x.grad, axis=None), np.sort(w, axis=None))
    np.testing.assert_allclose(np.sum(x.grad * a), np.sum(w * out.data))


def test_unique_extras_are_numpys_and_gradient_goes_to_first_occurrence() -> None:
    a = np.array([3.0, 1.0, np.nan, 3.0, 1.0, np.nan, 2.0])
    x = leaf(a)
    out = np.unique(x, return_index=True, return_inverse=True, return_counts=True)
    ref = np.unique(a, return_index=True, return_inverse=True, return_counts=True)
    assert isinstance(out, tuple) and len(out) == 4
    np.testing.assert_array_equal(out[0].data, ref[0])
    for got, expected in zip(out[1:], ref[1:], strict=True):
        assert isinstance(got, np.ndarray)
        np.testing.assert_array_equal(got, expected)
    (out[0] * np.array([1.0, 10.0, 100.0, 1000.0])).sum().backward()
    assert x.grad.tolist() == [100.0, 1.0, 1000.0, 0.0, 0.0, 0.0, 10.0]
    for kw in ({"return_inverse": True}, {"return_counts": True}, {"sorted": False}, {"equal_nan": False}):
        got, expected = np.unique(leaf(a), **kw), np.unique(a, **kw)
        got, expected = (got, expected) if isinstance(expected, tuple) else ((got,), (expected,))
        for g, e in zip(got, expected, strict=True):
            np.testing.assert_array_equal(np.asarray(g.data if isinstance(g, cr.Tensor) else g), e)


def test_unique_along_an_axis_sums_nothing_twice() -> None:
    a = np.array([[1.0, 2.0], [0.0, 5.0], [1.0, 2.0]])
    x = leaf(a)
    out, inverse = np.unique(x, axis=0, return_inverse=True)
    np.testing.assert_array_equal(inverse, np.unique(a, axis=0, return_inverse=True)[1])
    np.testing.assert_array_equal(out.data, np.unique(a, axis=0))
    out.sum().backward()
    assert x.grad.tolist() == [[1.0, 1.0], [1.0, 1.0], [0.0, 0.0]]


def test_row_stack_warns_as_numpy_does() -> None:
    if not hasattr(np, "row_stack"):
        pytest.skip("NumPy without row_stack")
    with pytest.warns(DeprecationWarning, match="row_stack"):
        out = np.row_stack([leaf([1.0, 2.0]), leaf([3.0, 4.0])])
    assert out.shape == (2, 2)


def test_plain_arrays_mixed_with_tensors() -> None:
    x = leaf([1.0, 2.0])
    a, b = np.broadcast_arrays(x, np.ones((3, 1)))
    assert isinstance(a, cr.Tensor) and isinstance(b, np.ndarray) and a.shape == b.shape == (3, 2)
    out = np.block([[x, np.array([5.0])]])
    assert out.tolist() == [[1.0, 2.0, 5.0]]
    out.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]


def test_forward_mode_and_second_order_through_the_compositions() -> None:
    f = lambda x: np.sum(np.rot90(np.pad(np.diag(x), 1, mode="reflect")) ** 3)  # noqa: E731
    x = np.array([0.3, -0.7, 1.1])
    g = cr.grad(f)(x)
    _, dy = cr.jvp(f, (x,), (np.ones(3),))
    np.testing.assert_allclose(dy, g.sum())
    h = cr.hessian(f)(x)
    np.testing.assert_allclose(h, numerical_grad_matrix(lambda v: cr.grad(f)(v), x), atol=1e-6)


def numerical_grad_matrix(fn, x, eps=1e-6):
    cols = []
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = eps
        cols.append((fn(x + e) - fn(x - e)) / (2 * eps))
    return np.stack(cols, axis=1)


@pytest.mark.parametrize("mode, torch_mode", [("reflect", "reflect"), ("edge", "replicate"), ("wrap", "circular")])
def test_pad_modes_agree_with_pytorch(mode, torch_mode) -> None:
    torch = pytest.importorskip("torch")
    a = R.standard_normal((2, 3, 4, 5))
    w = R.standard_normal((2, 3, 7, 9))
    x = leaf(a)
    (np.pad(x, ((0, 0), (0, 0), (1, 2), (3, 1)), mode=mode) * w).sum().backward()
    t = torch.tensor(a, requires_grad=True)
    out = torch.nn.functional.pad(t, (3, 1, 1, 2), mode=torch_mode)
    (out * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(x.grad, t.grad.numpy(), atol=1e-12)


def test_linear_pad_modes_forward_mode_and_hessian() -> None:
    for kw in (
        {"mode": "linear_ramp", "end_values": 2.0},
        {"mode": "mean", "stat_length": 2},
        {"mode": "reflect", "reflect_type": "odd"},
    ):
        f = lambda x, kw=kw: np.sum(np.pad(x, (2, 3), **kw) ** 3)  # noqa: E731
        x = np.array([0.3, -0.7, 1.1])
        g = cr.grad(f)(x)
        _, dy = cr.jvp(f, (x,), (np.ones(3),))
        np.testing.assert_allclose(dy, g.sum())
        np.testing.assert_allclose(cr.hessian(f)(x), numerical_grad_matrix(cr.grad(f), x), atol=1e-6)


def test_integer_pads_are_constants() -> None:
    t = cr.tensor(np.arange(4))
    for kw in ({"mode": "mean"}, {"mode": "edge"}, {"mode": "reflect", "reflect_type": "odd"}):
        out = np.pad(t, 2, **kw)
        assert isinstance(out, cr.Tensor) and not out.requires_grad
        np.testing.assert_array_equal(out.data, np.pad(np.arange(4), 2, **kw))


def test_stat_pad_modes_ties_split_as_the_reductions_do() -> None:
    x = leaf([2.0, 5.0, 5.0, 1.0])
    np.pad(x, (1, 0), mode="maximum").sum().backward()
    assert x.grad.tolist() == [1.0, 1.5, 1.5, 1.0]  # the tie for the maximum splits, as max does
    x = leaf([2.0, 5.0, 4.0, 1.0])
    np.pad(x, (0, 1), mode="median", stat_length=4).sum().backward()  # median of 4: the mean of 2 and 4
    assert x.grad.tolist() == [1.5, 1.0, 1.5, 1.0]
    x = leaf([1.0, 2.0])
    with warnings.catch_warnings():  # NumPy's "Mean of empty slice": NaN padding, a constant
        warnings.simplefilter("ignore", RuntimeWarning)
        y = np.pad(x, 1, mode="mean", stat_length=0)
    assert np.isnan(y.data[[0, 3]]).all()
    y[1:3].sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]


def test_unique_of_integers_is_numpys_constant_also_unsorted() -> None:
    a = np.random.default_rng(0).integers(0, 50, 200)
    for kw in ({}, {"sorted": False}, {"return_counts": True, "sorted": False}):
        got, expected = np.unique(cr.tensor(a), **kw), np.unique(a, **kw)
        got, expected = (got, expected) if isinstance(expected, tuple) else ((got,), (expected,))
        assert isinstance(got[0], cr.Tensor) and not got[0].requires_grad
        for g, e in zip(got, expected, strict=True):
            np.testing.assert_array_equal(np.asarray(g.data if isinstance(g, cr.Tensor) else g), e)


@pytest.mark.parametrize("func", [np.unique_values, np.unique_counts, np.unique_inverse, np.unique_all])
def test_array_api_unique_functions(func) -> None:
    a = np.array([[2.0, np.nan, 1.0], [2.0, np.nan, -1.0]])
    x = leaf(a)
    got, expected = func(x), func(a)
    if isinstance(expected, tuple):
        assert type(got) is type(expected) and got._fields == expected._fields
        values, expected_values = got[0], expected[0]
        for g, e in zip(got[1:], expected[1:], strict=True):
            np.testing.assert_array_equal(g, e)
    else:
        values, expected_values = got, expected
    np.testing.assert_array_equal(values.data, expected_values)
    values.sum().backward()  # NaNs are all distinct here (equal_nan=False): each gets its own gradient
    assert x.grad.tolist() == [[1.0, 1.0, 1.0], [0.0, 1.0, 1.0]]


# -- regressions found by fuzzing against NumPy ------------------------------------------------------------
def _raises_like_numpy(call, a) -> BaseException:
    """``call`` raises on the tensor an exception of the type NumPy raises on the array; returns chainrule's."""
    with pytest.raises(Exception) as expected:
        call(a)
    with pytest.raises(type(expected.value)) as got:
        call(cr.tensor(a, requires_grad=a.dtype.kind == "f"))
    return got.value


@pytest.mark.parametrize(
    "call",
    [
        lambda a: np.hsplit(a, 2),  # unequal sections: ValueError("array split does not result in an equal division")
        lambda a: np.split(a, 2),
        lambda a: np.split(a, 0),  # ZeroDivisionError, as NumPy's n % 0
        lambda a: np.hsplit(a, 0),
        lambda a: np.split(a, -1),  # ValueError: number sections must be larger than 0.
        lambda a: np.array_split(a, 0),
        lambda a: np.split(a, 1, axis=1),  # IndexError (NumPy reads ary.shape[axis])
        lambda a: np.split(a, [1.0]),  # TypeError: float indices
    ],
)
def test_split_errors_are_numpys_types(call) -> None:
    err = _raises_like_numpy(call, np.array([1.0, 2.0, 3.0]))
    assert isinstance(err, (cr.errors.ChainruleError, TypeError))


def test_split_unequal_sections_names_numpys_reason_and_the_shapes() -> None:
    with pytest.raises(ValueError, match=r"array split does not result in an equal division.*length 3.*2 equal"):
        np.hsplit(cr.tensor([1.0, 2.0, 3.0]), 2)
    same(np.split(cr.tensor(np.arange(6.0)), 3.0), np.split(np.arange(6.0), 3.0))  # a float count, as NumPy


@pytest.mark.parametrize("call", [lambda a: np.append(a, a, axis=-3), lambda a: np.concatenate([a, a], axis=2)])
def test_out_of_range_axis_is_numpys_axis_error(call) -> None:
    # was chainrule's ShapeError (a ValueError, but not np.exceptions.AxisError, which NumPy raises)
    err = _raises_like_numpy(call, np.ones((2, 3)))
    assert isinstance(err, cr.errors.AxisError) and isinstance(err, np.exceptions.AxisError)


def test_partition_of_float16_has_numpys_order() -> None:
    # NumPy's partition of float16 orders the elements besides the kth unlike its argpartition: a gather by
    # argpartition gave [0.1049, -0.5356, -0.1321, 0.1257, 0.6406], NumPy [-0.5356, -0.1321, 0.1049, 0.1257, 0.6406]
    a = np.array([0.125732421875, -0.132080078125, 0.640625, 0.10491943359375, -0.53564453125], np.float16)
    x = leaf(a, "float16")
    y = np.partition(x, 3)
    same(y, np.partition(a, 3))
    (y * np.arange(5.0, dtype=np.float16)).sum().backward()
    assert x.grad.tolist() == [3.0, 1.0, 4.0, 2.0, 0.0]  # each element's gradient is its weight where it went


def test_resize_of_an_empty_boolean_array_keeps_its_dtype() -> None:
    # was int64 zeros (a sum of booleans), NumPy's are False
    same(np.resize(cr.tensor(np.ones((0, 2), bool)), (2, 1)), np.resize(np.ones((0, 2), bool), (2, 1)))
    same(np.resize(cr.tensor(np.ones((1, 0), np.int32)), 3), np.resize(np.ones((1, 0), np.int32), 3))


@pytest.mark.parametrize(
    "a,call",
    [
        (np.float64(2.0), lambda a: np.pad(a, -2)),  # ValueError: index can't contain negative values
        (np.float64(2.0), lambda a: np.pad(a, ())),  # TypeError: `pad_width` must be of integral type.
        (np.ones((2, 3)), lambda a: np.pad(a, 2.0)),
        (np.ones((2, 3)), lambda a: np.pad(a, ((1, 2), (3, 4), (5, 6)))),  # ValueError: cannot broadcast
        (np.float64(2.0), lambda a: np.pad(a, (2, 0), constant_values=[])),  # ValueError
        (np.ones(3), lambda a: np.pad(a, [], bogus=1)),  # TypeError first, as NumPy
    ],
)
def test_constant_pad_checks_its_arguments_as_numpy(a, call) -> None:
    # a 0-d tensor was returned unpadded whatever the arguments; float widths were truncated
    _raises_like_numpy(call, np.asarray(a))


@pytest.mark.parametrize("mode", ["mean", "median"])
def test_pad_with_stat_length_0_has_a_zero_tangent_where_numpy_pads_nan(mode) -> None:
    # the padding is NaN, a constant: jvp gave NaN there, the vjp 0
    a = np.array([[1.0, 2.0, 4.0], [3.0, 5.0, 9.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        expected = np.pad(a, 1, mode=mode, stat_length=0)
        y, t = cr.jvp(lambda x: np.pad(x, 1, mode=mode, stat_length=0), (a,), (np.ones_like(a),))
    np.testing.assert_array_equal(np.asarray(y), expected)
    t = np.asarray(t)
    assert np.isfinite(t).all() and (t[1:-1, 1:-1] == 1).all() and (t.sum() == a.size)


def test_stacking_with_casting_reports_numpys_first_error() -> None:
    # a dimension mismatch and a forbidden cast: NumPy names the dimensions (ValueError); chainrule named the cast
    a, b = np.ones((0, 1, 3), bool), np.ones((3, 1, 3), bool)
    err = _raises_like_numpy(lambda x: np.vstack([x, [[1, 2, 3]], b], casting="no"), a)
    assert "dimension" in str(err)
    same(np.vstack([leaf(np.ones((1, 3))), np.zeros((2, 3))], casting="no"), np.ones((3, 3)) * [[1], [0], [0]])


def test_concatenate_of_python_scalars_raises_numpys_value_error() -> None:
    # was AttributeError ('float' object has no attribute 'shape') while writing the message
    with pytest.raises(ValueError, match="zero-dimensional arrays cannot be concatenated"):
        np.concatenate([leaf(np.ones(())), 1.0])
    with pytest.raises(ValueError, match="zero-dimensional"):
        cr.concatenate([1.0, 2.0])


def test_pad_constant_values_tensor_gets_its_gradient() -> None:
    # the gradient of a tensor constant_values was dropped silently (0, finite differences: the sum of g over the
    # padding it fills); NumPy's per-axis (before, after) values, corners from the last axis
    a, c = R.standard_normal((2, 3)), np.array([[1.0, 2.0], [3.0, 4.0]])
    check_grad(lambda x, v: np.pad(x, ((1, 2), (2, 1)), constant_values=v), a, c)
    check_grad(lambda x, v: np.pad(x, 1, constant_values=v), a, np.float64(2.5))
    check_grad(lambda x, v: np.pad(x, (0, 2), constant_values=v), a, np.array([1.0, -1.0]))
    _, t = cr.jvp(lambda v: np.pad(cr.tensor(a), 1, constant_values=v), (np.float64(2.0),), (np.float64(1.0),))
    assert np.asarray(t).sum() == 4 * 5 - a.size  # forward mode too


def test_pad_modes_and_options_read_as_numpy() -> None:
    a = np.array([1.0, 2.0, 4.0])
    x = leaf(a)
    same(np.pad(x, 2, mode="reflect", reflect_type="x"), np.pad(a, 2, mode="reflect", reflect_type="x"))  # even
    with pytest.raises(ValueError, match="mode 'bogus' is not supported"):  # was NotImplementedError
        np.pad(x, 1, mode="bogus")
    with pytest.raises(ValueError, match="unsupported keyword arguments for mode 'edge'"):  # was accepted
        np.pad(x, 1, mode="edge", constant_values=0)
    with pytest.raises(cr.UnsupportedArgumentError, match="not differentiable"):
        np.pad(x, 1, mode="empty")


def test_rot90_takes_numpys_k() -> None:
    a = R.standard_normal((2, 3))
    for k in (1.0, 2.0, 1.5, -1.0):  # NumPy computes k % 4: a k other than 0, 1, 2 turns as 3
        same(np.rot90(leaf(a), k), np.rot90(a, k))


def test_linear_ramp_end_values_tensor_gets_its_gradient() -> None:
    # was dropped silently (e.grad None; finite differences: the ramps' weights, 3.0 for np.pad(x, 2, ...) of 3)
    x, e = leaf([1.0, 2.0, 3.0]), leaf(5.0)
    y = np.pad(x, 2, mode="linear_ramp", end_values=e)
    same(y, np.pad(np.array([1.0, 2.0, 3.0]), 2, mode="linear_ramp", end_values=5.0))  # NumPy's values exactly
    y.sum().backward()
    assert e.grad == 3.0 and x.grad.tolist() == [1.5, 1.0, 1.5]
    check_grad(lambda a, v: np.pad(a, ((1, 2), (3, 1)), mode="linear_ramp", end_values=v), R.standard_normal((2, 3)),
               np.array([[1.0, -2.0], [0.5, 3.0]]))  # fmt: skip


def test_select_default_list_of_tensors_keeps_their_gradients() -> None:
    # np.asarray(default) dropped the gradients of the tensors in a list default silently (t.grad None)
    x, t = leaf([1.0, 2.0, 3.0]), leaf(5.0)
    y = cr.select([np.array([False, True, False])], [x], [t, t, 2.0 * t])
    same(y, np.array([5.0, 2.0, 10.0]))
    y.sum().backward()
    assert t.grad == 3.0 and x.grad.tolist() == [0.0, 1.0, 0.0]


def test_linear_ramp_end_values_tensor_on_an_empty_array_as_numpy() -> None:
    # NumPy returns an empty x unread (even with end_values that fit no axis); the gradient term raised ShapeError
    a, e = np.ones((2, 0), np.float32), np.array([1.0, 2.0, 3.0], np.float32)
    same(
        np.pad(leaf(a, "float32"), 0, mode="linear_ramp", end_values=leaf(e)), np.pad(a, 0, "linear_ramp", end_values=e)
    )


def test_tensor_copy_and_astype_take_ndarrays_arguments() -> None:
    # t.copy() was an AttributeError; t.astype(dtype, copy=False) / casting= a TypeError (unexpected keyword)
    x = leaf([1.0, 2.0])
    y = x.copy()
    assert y is not x and y.requires_grad
    (3 * y).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]
    assert x.astype(np.float64, copy=False) is x
    assert x.astype(np.float32, copy=False).dtype == np.float32
    with pytest.raises(TypeError, match="according to the rule 'safe'"):
        x.astype(np.float32, casting="safe")
    same(cr.tensor([1, 2]).copy(), np.array([1, 2]))


def test_unique_keeps_numpys_signed_zero_and_sends_the_gradient_to_an_element_holding_it() -> None:
    # without return_index NumPy sorts unstably: of 0.0 and -0.0 it may keep either; found by a fuzzing helper
    a = np.array([0.0, 1.0, 1.0, 0.0, -0.0, -0.0, 1.0, 0.0, -0.0, 0.0, 1.0])  # np.unique(a)[0] is -0.0 here
    t = cr.tensor(a, requires_grad=True)
    got = np.unique(t)
    assert got.numpy().tobytes() == np.unique(a).tobytes()
    (got * np.array([3.0, 5.0])).sum().backward()
    zero = np.unique(a)[0]
    holder = int(np.flatnonzero(np.signbit(a) == np.signbit(zero))[0])  # the first element with those bits
    expected = np.zeros_like(a)
    expected[holder] = 3.0
    expected[1] = 5.0
    np.testing.assert_array_equal(t.grad, expected)
