"""`chainrule explain`: the safe expression parser, its errors with columns, and the command's output."""

import json
import math
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import chainrule as cr
from chainrule.cli import main
from chainrule.viz.expr import MAX_DEPTH, ExprError, evaluate, parse, variables


def _value(source, **values):
    leaves = {k: cr.tensor(float(v), requires_grad=True, name=k) for k, v in values.items()}
    out = evaluate(parse(source), source, leaves)
    return float(out.data if isinstance(out, cr.Tensor) else out), leaves, out


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("-x**2", -9.0),  # ** binds tighter than unary minus, as in Python
        ("2**3**2", 512.0),  # right-associative
        ("x - 1 - 1", 1.0),  # left-associative
        ("x / 3 * 2", 2.0),
        ("(x + 1) * 2", 8.0),
        ("max(x, 4, 1) + min(x, -1)", 3.0),
        ("abs(-x) + sqrt(x*3) + relu(-x) + tanh(0) + sigmoid(0)", 3.0 + 3.0 + 0.5),
        ("exp(log(x)) + pi - pi", 3.0),
        ("1e-3 * 1000 + .5", 1.5),
    ],
)
def test_parser_follows_python_precedence(source, expected):
    assert _value(source, x=3)[0] == pytest.approx(expected)


def test_expression_gradients_match_calculus():
    value, leaves, out = _value("sin(x*y) + x/y", x=1.5, y=-2)
    out.backward()
    assert value == pytest.approx(math.sin(-3.0) - 0.75)
    assert float(leaves["x"].grad) == pytest.approx(-2 * math.cos(-3.0) + 1 / -2)
    assert float(leaves["y"].grad) == pytest.approx(1.5 * math.cos(-3.0) - 1.5 / 4)


@pytest.mark.parametrize(
    ("source", "column", "message"),
    [
        ("sinn(x*y)", 1, "unknown function 'sinn' at column 1; did you mean 'sin'?"),
        ("x + $", 5, "unexpected character '$' at column 5"),
        ("x^2", 2, "write x**2"),
        ("(x + 1", 7, "expected ')'"),
        ("x + 1)", 6, "unmatched ')' at column 6"),
        ("x +", 4, "ends too early at column 4"),
        ("x y", 3, "unexpected 'y' at column 3"),
        ("sin(x, y)", 1, "sin() takes 1 argument, got 2"),
        ("max(x)", 1, "max() takes at least 2 arguments"),
        ("()", 1, "empty parentheses at column 1"),
        ("", 1, "the expression is empty"),
    ],
)
def test_parse_errors_point_at_the_column(source, column, message):
    with pytest.raises(ExprError) as info:
        parse(source)
    assert message in str(info.value)
    assert info.value.column == column


def test_deep_nesting_is_refused_not_a_recursion_error():
    for source in (
        "(" * 4000 + "x" + ")" * 4000,
        "-" * 5000 + "x",
        "sin(" * 1500 + "x" + ")" * 1500,
        "x" + "**x" * 2000,
    ):
        with pytest.raises(ExprError, match="nested too deeply"):
            parse(source)
    # just inside the limit: parsed, evaluated and differentiated without recursion
    for source in (
        "(" * (MAX_DEPTH - 1) + "x" + ")" * (MAX_DEPTH - 1),
        "-" * 998 + "x",
        "sin(" * 900 + "x" + ")" * 900,
    ):
        value, leaves, out = _value(source, x=2)
        out.backward()
        assert np.isfinite(value) and np.isfinite(float(leaves["x"].grad))
    value, leaves, out = _value("x" + "**x" * 900, x=1)  # right-associative chain, 900 deep
    assert value == 1.0


def test_long_flat_expressions_evaluate_iteratively():
    source = "+".join(["x"] * 3000)
    value, leaves, out = _value(source, x=1)
    out.backward()
    assert value == 3000.0 and float(leaves["x"].grad) == 3000.0
    assert list(variables(parse("b + a*b + c"))) == ["b", "a", "c"]


def test_explain_prints_value_partials_and_the_backward_pass(capsys):
    assert main(["explain", "sin(x*y) + x/y", "--at", "x=1.5", "--at", "y=-2"]) == 0
    out = capsys.readouterr().out
    assert "value:  f = -0.8911200081" in out
    assert "df/dx = 1.479984993" in out and "df/dy = -1.859988745" in out
    assert "df/dx = df/d(x*y) * d(x*y)/dx = -0.99 * -2 = 1.98" in out
    assert "fan-out, the gradients add up: df/dx = -0.5 + 1.98 = 1.48" in out
    assert "multiply swaps" in out and "add distributes" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["sinn(x*y)", "--at", "x=1"], "unknown function 'sinn' at column 1; did you mean 'sin'?"),
        (["sin(x*y)", "--at", "x=1"], "missing value for y"),
        (["x", "--at", "x=1", "--at", "z=2"], "has no variable z"),
        (["x", "--at", "x1.5"], "--at expects NAME=NUMBER"),
        (["x", "--at", "x=abc"], "is not a number"),
        (["sin + 1"], "'sin' at column 1 is a function"),
        ([], "give an expression"),
        (["x", "--example", "gates"], "not both"),
    ],
)
def test_bad_input_exits_2_with_a_message(argv, message, capsys):
    assert main(["explain", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_error_caret_and_no_traceback_in_a_real_process():
    res = subprocess.run(
        [sys.executable, "-m", "chainrule", "explain", "x + sinn(y)", "--at", "x=1", "--at", "y=2"],
        capture_output=True,
        text=True,
    )
    assert res.returncode == 2
    assert "unknown function 'sinn' at column 5; did you mean 'sin'?" in res.stderr
    assert "  x + sinn(y)\n      ^" in res.stderr
    assert "Traceback" not in res.stderr


def test_draw_html_and_json_outputs(tmp_path, capsys):
    svg, page = tmp_path / "g.svg", tmp_path / "p.html"
    assert main(["explain", "x*x + 1", "--at", "x=3", "--draw", str(svg), "--html", str(page)]) == 0
    capsys.readouterr()
    assert "dL/dx" not in svg.read_text() and "df/dx = 3 + 3 = 6" in svg.read_text()
    html = page.read_text()
    assert "<script" in html and "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert main(["explain", "x*x + 1", "--at", "x=3", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["value"] == 10.0 and doc["gradients"] == {"x": 6.0}
    assert doc["steps"][0]["kind"] == "seed" and doc["steps"][-1]["grad"] == 6.0
    assert main(["explain", "x", "--at", "x=1", "--draw", str(tmp_path / "g.gif")]) == 2
    assert "unknown drawing format" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("name", "expect"),
    [
        ("composition", [f"df/dx = {math.cos(2.25) * 3:.10g}", "cos(x**2) * 2x"]),
        ("composition3", ["df/dx = -4.103", "exp gate", "sin gate", "power gate"]),
        ("multivariable", ["df/dm = 21", "df/dn = 16", "df/dm = 6 + 15 = 21"]),
        ("gates", ["df/dx = -8", "df/dz = 2", "df/dw = 0", "max routes"]),
    ],
)
def test_examples(name, expect, capsys):
    assert main(["explain", "--example", name]) == 0
    out = capsys.readouterr().out
    for text in expect:
        assert text in out


def test_dense3_example_is_drawn_per_layer(tmp_path, capsys):
    pytest.importorskip("sklearn", reason="the digits come from scikit-learn: pip install 'chainrule[train]'")
    svg = tmp_path / "dense3.svg"
    assert main(["explain", "--example", "dense3", "--draw", str(svg)]) == 0
    out = capsys.readouterr().out
    assert "dloss/d(dense1.weight) = (64, 128) |g|" in out
    text = svg.read_text()
    titles = [t.text for t in ET.fromstring(text).iter("{http://www.w3.org/2000/svg}text") if t.get("class") == "title"]
    for title in (
        "dense1: Dense(64 -> 128)",
        "dense2: Dense(128 -> 64)",
        "dense3: Dense(64 -> 10)",
        "CrossEntropyLoss()",
    ):
        assert title in titles
    assert ">matmul</text>" not in text
    assert np.isfinite(float(out.split("value:  loss = ")[1].split()[0]))


def test_bad_draw_path_is_reported_before_any_output(tmp_path, capsys):
    assert main(["explain", "x*x", "--at", "x=1", "--draw", str(tmp_path / "missing" / "g.svg")]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "does not exist" in captured.err


def test_domain_errors_give_nan_without_numpy_warnings(capsys):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a NumPy RuntimeWarning would fail here
        assert main(["explain", "log(x) + sqrt(y)", "--at", "x=-1", "--at", "y=0"]) == 0
    assert "nan" in capsys.readouterr().out


def test_parenthesised_groups_keep_their_parentheses_in_the_narration(capsys):
    assert main(["explain", "2*(x*y + z) - (x-y)/(x+y)**2", "--at", "x=1", "--at", "y=2", "--at", "z=3"]) == 0
    out = capsys.readouterr().out
    assert "2 * (x*y + z)" in out
    assert "(x-y) / (x+y)**2" in out and "(x+y) ** 2" in out
    assert "1 chain-rule steps" not in out
