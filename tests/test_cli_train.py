"""`chainrule train / evaluate / predict`: run folders, plots, clean stops, exact resumption, one-line errors."""

import json
import os
import signal

import numpy as np
import pytest

pytest.importorskip("sklearn", reason="the datasets come from scikit-learn: pip install 'chainrule[train]'")

import chainrule as cr
from chainrule import data, runs
from chainrule.checkpoint import load_checkpoint
from chainrule.cli import main
from chainrule.training import Trainer

QUICK = ["--quiet", "--data", "iris", "--hidden", "8", "--epochs", "3", "--batch-size", "16"]


def _train(out, *extra):
    return main(["train", *QUICK, "--out", str(out), *extra])


def _interrupt_after(monkeypatch, k, how="raise"):
    """Stop the run after its k-th batch: by raising KeyboardInterrupt, or by a real SIGINT."""
    seen = {"n": 0}

    def after_batch(self):
        seen["n"] += 1
        if seen["n"] == k:
            if how == "raise":
                raise KeyboardInterrupt
            os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(Trainer, "after_batch", after_batch)


def _same_checkpoints(a, b):
    ca, cb = load_checkpoint(a / "checkpoint.npz"), load_checkpoint(b / "checkpoint.npz")
    for section in ("model", "optimizer", "schedule"):
        sa, sb = getattr(ca, section), getattr(cb, section)
        assert sorted(sa) == sorted(sb)
        for k in sa:
            assert sa[k].dtype == sb[k].dtype and np.array_equal(sa[k], sb[k]), f"{section}/{k}"


def _epochs(folder):
    return json.loads((folder / "metrics.json").read_text())["epochs"]


def test_train_writes_run_folder_and_summary(tmp_path, capsys):
    out = tmp_path / "iris"
    assert _train(out) == 0
    printed = capsys.readouterr().out
    assert "accuracy" in printed and "loss" in printed and "3/3" in printed
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["status"] == "completed" and len(metrics["epochs"]) == 3
    assert metrics["settings"]["sizes"] == [4, 8, 3] and metrics["settings"]["optimizer"] == "sgd"
    assert set(metrics["final"]) == {"train_loss", "train_accuracy", "test_loss", "test_accuracy"}
    assert (out / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    ckpt = load_checkpoint(out / "checkpoint.npz")
    assert ckpt.meta["progress"]["epoch"] == 3 and ckpt.meta["config"]["data"] == "iris"
    with np.load(out / "checkpoint.npz", allow_pickle=False) as z:
        assert "model/dense1.weight" in z.files


@pytest.mark.parametrize(
    ("k", "how", "extra"),
    [
        (11, "raise", ["--optimizer", "adam", "--schedule", "cosine"]),  # mid epoch 2 (8 batches an epoch)
        (8, "raise", []),  # exactly at an epoch boundary
        (3, "sigint", ["--optimizer", "rmsprop", "--clip-norm", "1.0", "--warmup", "1"]),
    ],
)
def test_interrupt_then_resume_matches_uninterrupted_run(tmp_path, monkeypatch, capsys, k, how, extra):
    full, part = tmp_path / "full", tmp_path / "part"
    assert _train(full, *extra) == 0
    _interrupt_after(monkeypatch, k, how)
    assert _train(part, *extra) == 130
    err = capsys.readouterr().err
    assert f"chainrule train --resume {part}" in err
    progress = load_checkpoint(part / "checkpoint.npz").meta["progress"]  # a valid checkpoint at batch k
    assert progress["epoch"] * 8 + progress["batch"] == k
    assert json.loads((part / "metrics.json").read_text())["status"] == "interrupted"
    monkeypatch.undo()
    assert main(["train", "--resume", str(part), "--quiet"]) == 0
    assert _epochs(part) == _epochs(full)  # every loss and accuracy, bit for bit
    _same_checkpoints(full, part)
    assert main(["train", "--resume", str(part), "--quiet"]) == 0  # nothing left to do
    assert "already finished" in capsys.readouterr().out


def test_trainer_resume_restores_dropout_generators():
    split = data.load("iris", seed=0)

    def make():
        model = cr.nn.Sequential(
            cr.nn.Dense(4, 16, seed=0), cr.nn.ReLU(), cr.nn.Dropout(0.3, seed=1), cr.nn.Dense(16, 3, seed=2)
        )
        opt = cr.optim.Adam(model.parameters(), lr=0.01)
        return Trainer(model, opt, split, epochs=2, batch_size=16, seed=0)

    full = make()
    assert full.run() == "completed"
    part = make()
    count = {"n": 0}

    def stop(*args):
        count["n"] += 1
        if count["n"] == 5:
            raise KeyboardInterrupt

    assert part.run(on_batch=stop) == "interrupted"
    saved_model, saved_opt, progress = (
        part.model.state_dict(),
        part.optimizer.state_dict(),
        json.loads(json.dumps(part.progress())),
    )
    resumed = make()
    resumed.model.load_state_dict(saved_model)
    resumed.optimizer.load_state_dict(saved_opt)
    resumed.load_progress(progress)
    assert resumed.run() == "completed"
    assert resumed.history.epochs == full.history.epochs
    for (name, a), (_, b) in zip(full.model.state_dict().items(), resumed.model.state_dict().items(), strict=True):
        assert np.array_equal(a, b), name


def test_evaluate_and_predict(tmp_path, capsys):
    out = tmp_path / "iris"
    assert _train(out) == 0
    capsys.readouterr()
    assert main(["evaluate", str(out)]) == 0
    text = capsys.readouterr().out
    assert "accuracy" in text and "setosa" in text and "<- predicted" in text
    assert (out / "confusion.png").stat().st_size > 1000
    metrics = json.loads((out / "metrics.json").read_text())
    assert f"accuracy {metrics['final']['test_accuracy']:.4f}" in text
    split = data.load("iris", seed=0)
    raw = split.x_test * split.info["x_std"] + split.info["x_mean"]  # back to the original units
    csv_in = tmp_path / "rows.csv"
    header = ",".join(split.feature_names)
    csv_in.write_text(header + "\n" + "\n".join(",".join(f"{v:.10g}" for v in row) for row in raw))
    assert main(["predict", str(out), "--input", str(csv_in)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "prediction,p_setosa,p_versicolor,p_virginica"
    predicted = [line.split(",")[0] for line in lines[1:]]
    truth = [split.class_names[i] for i in split.y_test]
    acc = np.mean([p == t for p, t in zip(predicted, truth, strict=True)])
    assert acc == pytest.approx(metrics["final"]["test_accuracy"], abs=1 / 30)
    assert main(["predict", str(out), "--input", str(csv_in), "--output", str(tmp_path / "p.csv")]) == 0
    assert (tmp_path / "p.csv").read_text().strip().splitlines() == lines
    capsys.readouterr()
    # the same rows without a header line: matched by position, and the first row is not lost
    bare = tmp_path / "bare.csv"
    bare.write_text("\n".join(",".join(f"{v:.10g}" for v in row) for row in raw))
    assert main(["predict", str(out), "--input", str(bare)]) == 0
    assert capsys.readouterr().out.strip().splitlines() == lines
    # a header that names a column twice would be matched wrongly: refused
    twice = tmp_path / "twice.csv"
    twice.write_text("a,a,b,c\n" + "\n".join(",".join(f"{v:.10g}" for v in row) for row in raw))
    assert main(["predict", str(out), "--input", str(twice)]) == 2
    assert "more than once" in capsys.readouterr().err


def test_regression_and_binary_runs(tmp_path, capsys):
    out = tmp_path / "diab"
    args = ["train", "--quiet", "--data", "diabetes", "--hidden", "16", "--epochs", "4", "--optimizer", "adam"]
    assert main([*args, "--lr", "0.01", "--out", str(out)]) == 0
    final = json.loads((out / "metrics.json").read_text())["final"]
    assert set(final) == {"train_loss", "train_r2", "test_loss", "test_r2"} and final["test_r2"] > 0.2
    capsys.readouterr()
    assert main(["evaluate", str(out)]) == 0
    assert "R^2" in capsys.readouterr().out
    csv_in = tmp_path / "d.csv"
    csv_in.write_text(",".join(f"f{i}" for i in range(10)) + "\n" + ",".join(["0.01"] * 10) + "\n")
    assert main(["predict", str(out), "--input", str(csv_in)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "prediction" and 25 < float(lines[1]) < 346  # the targets' range, in their units
    moons = tmp_path / "moons"
    assert main(["train", "--quiet", "--data", "moons", "--hidden", "16,16", "--epochs", "3", "--out", str(moons)]) == 0
    metrics = json.loads((moons / "metrics.json").read_text())
    assert metrics["settings"]["sizes"] == [2, 16, 16, 1] and metrics["final"]["test_accuracy"] > 0.8


def test_cnn_on_idx_folder_and_csv_data(tmp_path):
    rng = np.random.default_rng(0)
    folder = tmp_path / "idx"
    folder.mkdir()
    labels = np.arange(60) % 3
    images = np.zeros((60, 8, 8), dtype=np.uint8)
    for i, c in enumerate(labels):  # class c lights up rows 2c .. 2c+2: learnable in an epoch or two
        images[i, 2 * c : 2 * c + 3] = 200
    images = np.clip(images + rng.integers(0, 40, images.shape), 0, 255).astype(np.uint8)
    data.write_idx(folder / "train-images-idx3-ubyte.gz", images)
    data.write_idx(folder / "train-labels-idx1-ubyte.gz", labels)
    out = tmp_path / "cnn"
    argv = ["train", "--quiet", "--data", str(folder), "--model", "cnn", "--optimizer", "adam", "--lr", "0.01"]
    assert main([*argv, "--epochs", "4", "--batch-size", "8", "--out", str(out)]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["final"]["test_accuracy"] >= 0.9
    assert (
        metrics["parameters"]
        == runs.build_model(
            load_checkpoint(out / "checkpoint.npz").meta["config"], data.load(str(folder))
        ).num_parameters()
    )
    csv = tmp_path / "table.csv"
    x = rng.standard_normal((60, 3))
    csv.write_text("u,v,kind,w\n" + "\n".join(f"{a},{b},{'yes' if a + b > 0 else 'no'},{c}" for a, b, c in x))
    out2 = tmp_path / "csv"
    assert main(["train", "--quiet", "--data", str(csv), "--label", "kind", "--epochs", "5", "--out", str(out2)]) == 0
    assert json.loads((out2 / "metrics.json").read_text())["settings"]["sizes"] == [3, 128, 64, 1]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["train", "--data", "mnist"], "unknown dataset 'mnist'"),
        (["train", "--data", "missing.csv"], "missing.csv: no such file"),
        (["train", "--data", "iris", "--model", "cnn"], "--model cnn needs images"),
        (["train", "--epochs", "0"], "expected a positive integer, got '0'"),
        (["train", "--lr", "-1"], "expected a positive number"),
        (["train", "--optimizer", "adagrad"], "invalid choice: 'adagrad'"),
        (["train", "--optimizer", "adam", "--momentum", "0.5"], "--momentum applies to sgd and rmsprop"),
        (["train", "--resume", "nowhere"], "nowhere: no such run folder"),
        (["evaluate", "nowhere"], "nowhere: no such run folder"),
        (["predict", "nowhere"], "the following arguments are required: --input"),
        (["bogus"], "invalid choice: 'bogus'"),
    ],
)
def test_bad_arguments_are_one_line_exit_2(tmp_path, monkeypatch, capsys, argv, message):
    monkeypatch.chdir(tmp_path)
    try:
        code = main(argv)
    except SystemExit as e:  # argparse's own checks
        code = e.code
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_bad_files_are_one_line_exit_2(tmp_path, capsys):
    out = tmp_path / "run"
    assert _train(out) == 0
    cases = []
    ckpt = out / "checkpoint.npz"
    good = ckpt.read_bytes()
    ckpt.write_bytes(good[: len(good) // 2])
    cases.append((["evaluate", str(out)], "is truncated or corrupt"))
    cases.append((["train", "--resume", str(out)], "is truncated or corrupt"))
    bad_csv = tmp_path / "bad.csv"
    bad_csv.write_text("a,b\n1,2\n")
    cases.append((["predict", str(out), "--input", str(bad_csv)], "expected the model's 4 columns"))
    cases.append((["train", "--resume", str(out), "--lr", "0.1"], "drop --lr"))
    not_run = tmp_path / "plain.npz"
    cr.checkpoint.save_checkpoint(not_run, cr.nn.Dense(2, 2))
    cases.append((["evaluate", str(not_run)], "is not a `chainrule train` run"))
    for argv, message in cases:
        capsys.readouterr()
        code = main(argv)
        err = capsys.readouterr().err
        assert code == 2, argv
        assert message in err and len(err.strip().splitlines()) == 1, (argv, err)
        if "predict" not in argv and "--lr" not in argv and "plain.npz" not in " ".join(argv):
            assert str(ckpt) in err  # names the file
        ckpt.write_bytes(good) if argv[0] == "train" and "--lr" not in argv else None


def test_progress_bar_shows_loss_and_accuracy_live(tmp_path, capsys):
    assert main(["train", "--data", "iris", "--hidden", "8", "--epochs", "2", "--out", str(tmp_path / "bar")]) == 0
    out = capsys.readouterr().out
    assert "epoch  1/2" in out and "loss=" in out and "acc=" in out and "test_acc=" in out


def test_trainer_casts_inputs_to_the_model_dtype():
    split = data.load("iris", seed=0, dtype=np.float64)
    assert split.x_train.dtype == np.float64
    model = cr.nn.MLP([4, 8, 3], seed=0)  # float32
    trainer = Trainer(model, cr.optim.SGD(model.parameters()), split, epochs=1, batch_size=16, seed=0)
    assert trainer.loader.x.dtype == np.float32
    seen = []
    original = model.forward
    model.forward = lambda x: seen.append(x.dtype) or original(x)
    trainer.run()
    assert set(seen) == {np.dtype(np.float32)}
    assert {p.dtype for p in model.parameters()} == {np.dtype(np.float32)}
