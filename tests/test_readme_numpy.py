"""The code in the README's "Gradients of NumPy code" section runs as printed."""

from __future__ import annotations

import pathlib
import re

import chainrule as cr

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


def _blocks() -> list[str]:
    text = README.read_text()
    start = text.index("## Gradients of NumPy code")
    end = text.index("## Trusting gradients")
    return re.findall(r"```python\n(.*?)```", text[start:end], flags=re.S)


def test_readme_numpy_section_runs(capsys) -> None:
    blocks = _blocks()
    assert len(blocks) == 4
    try:
        for code in blocks:
            exec(compile(code, str(README), "exec"), {})  # each block asserts its own results
    finally:
        for name in ("my_softplus", "exp_times"):  # the examples register primitives: keep the registry built-in
            cr.REGISTRY.pop(name, None)
    out = capsys.readouterr().out
    assert "1.0000e+03" in out and "0.95257413" in out
