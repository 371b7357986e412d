"""The README's "See the chain rule" section: its code runs, its pictures exist, are small, and are current."""

import pathlib
import re

import pytest

from chainrule.cli import main

ROOT = pathlib.Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


def _section() -> str:
    text = README.read_text()
    start = text.index("## See the chain rule")
    nxt = text.find("\n## ", start + 5)
    return text[start : nxt if nxt != -1 else len(text)]


def test_python_example_runs(tmp_path, monkeypatch, capsys):
    (code,) = re.findall(r"```python\n(.*?)```", _section(), flags=re.S)
    monkeypatch.chdir(tmp_path)
    exec(compile(code, str(README), "exec"), {})
    assert "fan-out, the gradients add up: dL/dx = -0.5 + 1.98 = 1.48" in capsys.readouterr().out
    assert (tmp_path / "graph.svg").read_text().startswith("<svg")
    assert "<script" in (tmp_path / "page.html").read_text()


def test_figures_exist_and_are_small():
    figures = re.findall(r"\]\((docs/figures/[\w.]+\.svg)\)", _section())
    assert len(figures) == 6
    for fig in figures:
        path = ROOT / fig
        assert path.exists(), f"{fig} is missing: run `make figures`"
        assert path.stat().st_size < 20_000


@pytest.mark.parametrize("name", ["composition", "composition3", "multivariable", "gates"])
def test_figures_are_current_and_deterministic(name, tmp_path, capsys):
    out = tmp_path / f"{name}.svg"
    assert main(["explain", "--example", name, "--draw", str(out)]) == 0
    committed = (ROOT / "docs" / "figures" / f"{name}.svg").read_text()
    assert out.read_text() == committed, f"docs/figures/{name}.svg is out of date: run `make figures`"
