"""The main job: `chainrule train` on the bundled digits, with the demo's own settings."""

import json
import subprocess
import sys

import pytest

pytest.importorskip("sklearn", reason="the digits come from scikit-learn: pip install 'chainrule[train]'")

from chainrule.cli import main


def test_full_demo_reaches_target_and_is_reproducible(tmp_path, capsys):
    runs = []
    for name in ("a", "b"):
        out = tmp_path / name
        assert main(["train", "--quiet", "--out", str(out)]) == 0
        runs.append(json.loads((out / "metrics.json").read_text()))
    a, b = runs
    assert a["final"]["test_accuracy"] >= 0.96
    assert len(a["epochs"]) == 20
    assert a["epochs"] == b["epochs"]  # same seed, same numbers
    assert a["seed"] == 0 and a["settings"]["hidden"] == [128, 64]
    printed = capsys.readouterr().out
    assert "test accuracy" in printed and "train accuracy" in printed


def test_short_run_beats_chance(tmp_path):
    out = tmp_path / "short"
    assert main(["train", "--quiet", "--epochs", "2", "--seed", "3", "--hidden", "32", "--out", str(out)]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["final"]["test_accuracy"] > 0.8  # chance is 0.1
    assert metrics["settings"]["sizes"] == [64, 32, 10]


@pytest.mark.parametrize("argv", [["-m", "chainrule", "--help"], ["-m", "chainrule", "train", "--help"]])
def test_help(argv):
    out = subprocess.run([sys.executable, *argv], capture_output=True, text=True, check=True).stdout
    if "train" in argv:
        for option in ("--epochs", "--lr", "--batch-size", "--seed", "--hidden", "--out"):
            assert option in out
    else:
        assert "train" in out


def test_bad_hidden_is_a_clean_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["train", "--hidden", "12,abc"])
    assert exc.value.code == 2
    assert "--hidden" in capsys.readouterr().err
