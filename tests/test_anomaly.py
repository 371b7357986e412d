"""detect_anomaly: the first NaN/inf names the operation, its input shapes and the user's line."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr


def test_forward_nan_names_log_and_the_line() -> None:
    x = cr.tensor([0.0, 1.0, 2.0], requires_grad=True)
    with pytest.raises(cr.AnomalyError) as info, cr.detect_anomaly(), np.errstate(all="ignore"):
        y = x * cr.log(x)  # 0 * log(0): the marker line
    msg = str(info.value)
    assert "'log'" in msg and "-inf" in msg and "(3,)" in msg
    assert "test_anomaly.py" in msg and "y = x * cr.log(x)  # 0 * log(0): the marker line" in msg
    assert "y" not in locals()


def test_backward_inf_names_the_op_created_on_an_earlier_line() -> None:
    x = cr.tensor([0.0, 4.0], requires_grad=True)
    with pytest.raises(cr.AnomalyError) as info, cr.detect_anomaly(), np.errstate(all="ignore"):
        r = cr.sqrt(x)  # the node is made here
        loss = cr.sum(r * 3.0)
        loss.backward()  # ... and its rule divides by 2 sqrt(0) = 0 here
    msg = str(info.value)
    assert "backward pass of 'sqrt'" in msg and "inf" in msg and "input 0" in msg
    assert "r = cr.sqrt(x)  # the node is made here" in msg


def test_where_trap_zero_times_inf_in_backward() -> None:
    # where() hides sqrt(0)'s infinite slope in the forward pass, but the backward multiplies the zero
    # gradient of the unselected branch by it: 0 * inf = NaN, made by sqrt's rule
    x = cr.tensor([0.0, 4.0], requires_grad=True)
    with pytest.raises(cr.AnomalyError) as info, cr.detect_anomaly(), np.errstate(all="ignore"):
        y = cr.sum(cr.where(x.data > 0, cr.sqrt(x), 0.0))
        y.backward()
    assert "backward pass of 'sqrt'" in str(info.value) and "NaN" in str(info.value)
    # the fix: keep the hidden branch away from the singular point
    with cr.detect_anomaly():
        x2 = cr.tensor([0.0, 4.0], requires_grad=True)
        safe = cr.where(x2.data > 0, x2, 1.0)
        cr.sum(cr.where(x2.data > 0, cr.sqrt(safe), 0.0)).backward()
    np.testing.assert_allclose(x2.grad, [0.0, 0.25])


def test_existing_infinities_are_not_blamed_and_mode_is_off_outside() -> None:
    with cr.detect_anomaly():
        logits = cr.tensor([0.0, -np.inf, 1.0], requires_grad=True)  # a mask of -inf is legitimate
        out = cr.log_softmax(logits)
        assert np.isneginf(out.data[1])
    with np.errstate(all="ignore"):
        y = cr.log(cr.tensor([0.0], requires_grad=True))  # outside: no error, NumPy's -inf
    assert np.isneginf(y.data[0])


def test_decorator_form_and_nested_use() -> None:
    @cr.detect_anomaly()
    def f(x):
        return cr.sum(1.0 / x)

    with pytest.raises(cr.AnomalyError, match="'divide'"), np.errstate(all="ignore"):
        f(cr.tensor([1.0, 0.0], requires_grad=True))
    from chainrule.engine import STATE

    assert STATE.extras is None
