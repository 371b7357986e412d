"""The ``chainrule`` command line: ``train``, ``evaluate`` and ``predict`` (and any registered command).

Commands live in a registry: ``register(name, configure, run, help)`` adds one, where ``configure(parser)``
declares its arguments and ``run(args) -> int`` does the work. Problems with the user's arguments or files
are printed as one line with exit status 2, never as a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

import chainrule as cr
from chainrule.errors import ChainruleError
from chainrule.viz import cli_explain


class CliError(Exception):
    """A problem with the user's arguments or files: printed as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad argument is one line (no usage block) and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


@dataclass
class Command:
    name: str
    configure: Callable[[argparse.ArgumentParser], None] | None
    run: Callable[[argparse.Namespace], int]
    help: str = ""
    description: str | None = None
    add_parser: Callable[[Any], Any] | None = None  # for a command that creates its own subparser


COMMANDS: dict[str, Command] = {}


def register(
    name: str,
    configure: Callable[[argparse.ArgumentParser], None] | None,
    run: Callable[[argparse.Namespace], int],
    help: str = "",  # noqa: A002 - argparse's name
    description: str | None = None,
    *,
    add_parser: Callable[[Any], Any] | None = None,
) -> None:
    """Add the subcommand ``chainrule NAME``: ``configure(parser)`` adds its arguments, ``run(args)`` runs it.

    A command that builds its own subparser passes ``add_parser(subparsers)`` instead of ``configure``.
    """
    COMMANDS[name] = Command(name, configure, run, help, description, add_parser)


# -- argument types ----------------------------------------------------------------------------------------
def _hidden_sizes(text: str) -> list[int]:
    try:
        sizes = [int(s) for s in text.split(",")]  # an empty entry ("128,,64") is an error, not skipped
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--hidden takes comma-separated layer sizes like 128,64, got {text!r}"
        ) from None
    if not sizes or any(s <= 0 for s in sizes):
        raise argparse.ArgumentTypeError(f"--hidden sizes must be positive integers, got {text!r}")
    return sizes


def _number(kind: type, ok: Callable[[float], bool], wanted: str) -> Callable[[str], Any]:
    """An argparse type: parse ``text`` as ``kind`` and accept it when ``ok(value)``, else say what was wanted."""

    def parse(text: str) -> Any:
        try:
            v = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {wanted}, got {text!r}") from None
        if not (np.isfinite(v) and ok(v)):
            raise argparse.ArgumentTypeError(f"expected {wanted}, got {text!r}")
        return v

    return parse


_positive_int = _number(int, lambda v: v > 0, "a positive integer")
_non_negative_int = _number(int, lambda v: v >= 0, "a whole number >= 0")
_positive_float = _number(float, lambda v: v > 0, "a positive number")
_fraction = _number(float, lambda v: 0 <= v < 1, "a number in [0, 1)")
_non_negative_float = _number(float, lambda v: v >= 0, "a number >= 0")


# -- train ---------------------------------------------------------------------------------------------------
# the settings a resumed run takes from its checkpoint (giving one with --resume is an error)
_TRAIN_SETTINGS = [
    "data",
    "label",
    "task",
    "model",
    "hidden",
    "activation",
    "optimizer",
    "lr",
    "momentum",
    "weight_decay",
    "epochs",
    "batch_size",
    "seed",
    "schedule",
    "warmup",
    "clip_norm",
]


def configure_train(p: argparse.ArgumentParser) -> None:
    from chainrule.data import DATASETS

    p.add_argument(
        "--data",
        help=f"a dataset ({', '.join(DATASETS)}), a CSV file (see --label) or a folder of MNIST IDX files "
        "(default: digits)",
    )
    p.add_argument("--label", help="the CSV column to predict (default: the last column)")
    p.add_argument("--task", choices=["classification", "regression"], help="for CSV files: override the guess")
    p.add_argument("--model", choices=["mlp", "cnn"], help="dense network, or small CNN for images (default: mlp)")
    p.add_argument(
        "--hidden", type=_hidden_sizes, help="hidden dense layer sizes (default: 128,64 for mlp, 64 for cnn)"
    )
    p.add_argument(
        "--activation",
        choices=["relu", "tanh", "sigmoid", "gelu", "leaky_relu", "softplus"],
        help="activation between the mlp's dense layers (default: relu)",
    )
    p.add_argument("--optimizer", choices=sorted(cr.optim.OPTIMIZERS), help="(default: sgd)")
    p.add_argument("--lr", type=_positive_float, help="learning rate (default: 0.01 for sgd, 0.001 otherwise)")
    p.add_argument("--momentum", type=_fraction, help="momentum for sgd/rmsprop (default: 0.9 for sgd)")
    p.add_argument("--weight-decay", type=_non_negative_float, help="weight decay (default: 0.01 for sgd/adamw)")
    p.add_argument("--epochs", type=_positive_int, help="passes over the training set (default: 20)")
    p.add_argument("--batch-size", type=_positive_int, help="mini-batch size (default: 32)")
    p.add_argument("--seed", type=int, help="seed for the split, the weights and the shuffling (default: 0)")
    p.add_argument(
        "--schedule", choices=["none", "step", "exponential", "cosine"], help="per-epoch lr schedule (default: none)"
    )
    p.add_argument("--warmup", type=_non_negative_int, help="epochs of linear learning-rate warm-up (default: 0)")
    p.add_argument("--clip-norm", type=_positive_float, help="clip gradients to this global norm (default: off)")
    p.add_argument("--out", help="run folder for checkpoint.npz, metrics.json, curves.png (default: runs/DATA)")
    p.add_argument("--resume", metavar="RUN", help="continue the interrupted run in folder RUN with its own settings")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def _progress(total: int, desc: str, quiet: bool) -> Any:
    if quiet:
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, desc=desc, unit="batch", leave=True, dynamic_ncols=True, file=sys.stdout)


def _slug(data: str) -> str:
    stem = Path(data.rstrip("/")).stem if ("/" in data or data.endswith(".csv")) else data
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in stem) or "run"


def _check_same_data(ckpt: Any, data: Any) -> None:
    saved = np.asarray(ckpt.meta["data"]["x_mean"])
    now = np.asarray(data.info["x_mean"], dtype=np.float64)
    if saved.shape != now.shape or not np.array_equal(saved, now):
        raise CliError(
            f"the data {ckpt.meta['config']['data']!r} is not what this run was trained on (its features changed), "
            "so its split and scaling would differ"
        )


def cmd_train(args: argparse.Namespace) -> int:
    from chainrule import runs

    if args.resume:
        given = [f"--{k.replace('_', '-')}" for k in _TRAIN_SETTINGS if getattr(args, k) is not None]
        if given:
            raise CliError(f"--resume continues a run with its saved settings; drop {' '.join(given)}")
        ckpt = runs.open_run(args.resume)
        config = ckpt.meta["config"]
        data = _load_data(runs, config)
        _check_same_data(ckpt, data)
        trainer, config = runs.restore_trainer(ckpt, data)
        out = Path(args.out) if args.out else Path(args.resume)
        if trainer.finished:
            print(f"chainrule train: the run in {args.resume} already finished all {trainer.epochs} epochs")
            _summary(trainer, data, out)
            return 0
        print(f"chainrule train: resuming {args.resume} at epoch {trainer.epoch + 1}, batch {trainer.batch + 1}")
    else:
        try:
            config = runs.resolve_config(vars(args))
        except ValueError as e:
            raise CliError(str(e)) from None
        data = _load_data(runs, config)
        try:
            model = runs.build_model(config, data)
        except ValueError as e:
            raise CliError(str(e)) from None
        optimizer = runs.build_optimizer(config, model)
        trainer = runs.make_trainer(config, model, optimizer, runs.build_schedule(config, optimizer), data)
        out = Path(args.out) if args.out else Path("runs") / _slug(config["data"])
    sizes = runs.model_sizes(config, data)
    arch = " -> ".join(map(str, sizes)) if config["model"] == "mlp" else f"cnn, dense {' -> '.join(map(str, sizes))}"
    print(
        f"chainrule train: {data.name} ({len(data.x_train)} train / {len(data.x_test)} test, {data.task}), "
        f"network {arch}, {trainer.model.num_parameters():,} parameters, {config['optimizer']} lr {config['lr']}, "
        f"seed {config['seed']}"
    )
    batches = len(trainer.loader)
    bar: Any = None
    epochs = trainer.epochs

    def on_batch(epoch: int, i: int, loss: float, acc: float | None) -> None:
        nonlocal bar
        if bar is None:
            bar = _progress(batches, f"epoch {epoch:>2}/{epochs}", args.quiet)
            if bar is not None and i:
                bar.update(i)  # resumed mid-epoch
        if bar is not None:
            bar.update(1)
            post = {"loss": f"{loss:.4f}"} | ({"acc": f"{acc:.3f}"} if acc is not None else {})
            bar.set_postfix(post, refresh=False)

    def on_epoch(m: dict[str, float]) -> None:
        nonlocal bar
        metric = "accuracy" if "test_accuracy" in m else "r2"
        if bar is not None:
            bar.set_postfix({"loss": f"{m['train_loss']:.4f}", f"test_{metric[:3]}": f"{m[f'test_{metric}']:.3f}"})
            bar.close()
            bar = None
        elif args.quiet:
            print(
                f"epoch {int(m['epoch']):>2}/{epochs}  loss {m['train_loss']:.4f}  "
                f"train {metric} {m[f'train_{metric}']:.4f}  test {metric} {m[f'test_{metric}']:.4f}"
            )

    status = trainer.run(on_batch, on_epoch, save=lambda t: runs.save_run(out, t, config, data))
    if bar is not None:
        bar.close()
    path = runs.write_metrics(out, trainer, config, data, status)
    if trainer.history.epochs:
        _plot_curves(
            trainer.history.epochs, out / "curves.png", f"{data.name}: {config['model']}, {config['optimizer']}"
        )
    _summary(trainer, data, out)
    print(f"wrote {path}, {out / runs.CHECKPOINT}")
    if status == "interrupted":
        print(
            f"chainrule train: stopped after epoch {trainer.epoch + (1 if trainer.batch else 0)} batch {trainer.batch} "
            f"(the checkpoint is complete); continue with: chainrule train --resume {out}",
            file=sys.stderr,
        )
        return 130
    return 0


def _load_data(runs: Any, config: dict[str, Any]) -> Any:
    try:
        return runs.load_data(config)
    except ImportError as e:
        raise CliError(str(e)) from None


def _plot_curves(history: list, path: Path, title: str) -> None:
    try:
        from chainrule.plots import plot_curves

        plot_curves(history, path, title)
    except ImportError as e:  # matplotlib is optional: say so, the run itself is fine
        print(f"(no {path.name}: {e})")


def _summary(trainer: Any, data: Any, out: Path) -> None:
    """The final table: loss and score on both splits, and the run's size and time."""
    last = trainer.history.last()
    if not last:
        print("no epoch finished yet")
        return
    metric = "accuracy" if "test_accuracy" in last else "r2"
    label = "accuracy" if metric == "accuracy" else "R^2"
    rows = [("", "train", "test"), ("loss", last["train_loss"], last["test_loss"])]
    rows.append((label, last[f"train_{metric}"], last[f"test_{metric}"]))
    print()
    for name, a, b in rows:
        fa = a if isinstance(a, str) else f"{a:.4f}"
        fb = b if isinstance(b, str) else f"{b:.4f}"
        print(f"  {name:<10}{fa:>10}{fb:>10}")
    seconds = sum(trainer.history.seconds)
    print(
        f"  epochs {int(last['epoch'])}/{trainer.epochs}, {trainer.model.num_parameters():,} parameters, "
        f"{seconds:.1f} s of training, run folder {out}"
    )
    # the demo's familiar lines (and what scripts grep for)
    print(f"train {label} {last[f'train_{metric}']:.4f}")
    print(f"test {label}  {last[f'test_{metric}']:.4f}")


# -- evaluate -------------------------------------------------------------------------------------------------
def configure_evaluate(p: argparse.ArgumentParser) -> None:
    p.add_argument("run", help="a run folder written by `chainrule train` (e.g. runs/digits)")
    p.add_argument("--split", choices=["test", "train"], default="test", help="which split to score (default: test)")
    p.add_argument("--no-plot", action="store_true", help="do not write confusion.png")


def _open(run: str) -> tuple[Any, Any, Any, Any]:
    from chainrule import runs

    ckpt = runs.open_run(run)
    config = ckpt.meta["config"]
    data = _load_data(runs, config)
    _check_same_data(ckpt, data)
    model = runs.build_model(config, data)
    ckpt.restore(model)
    model.eval()
    return ckpt, config, data, model


def cmd_evaluate(args: argparse.Namespace) -> int:
    from chainrule.training import evaluate, objective_for

    ckpt, _config, data, model = _open(args.run)
    x, y = (data.x_test, data.y_test) if args.split == "test" else (data.x_train, data.y_train)
    objective = objective_for(data)
    result = evaluate(model, x, y, objective)
    run = Path(args.run) if Path(args.run).is_dir() else Path(args.run).parent
    print(f"chainrule evaluate: {run} — {data.name} {args.split} split, {len(y)} rows")
    if data.task == "regression":
        scale = float(ckpt.meta["data"].get("y_std", 1.0))
        err = (result["pred"] - y) * scale
        print(f"R^2  {result['score']:.4f}")
        print(f"RMSE {float(np.sqrt(np.mean(err**2))):.4f}   MAE {float(np.mean(np.abs(err))):.4f}  (target units)")
        return 0
    from chainrule.plots import confusion_matrix, format_confusion

    k = data.num_classes
    labels = data.class_names or [str(i) for i in range(k)]
    matrix = confusion_matrix(y, result["pred"], k)
    print(f"accuracy {result['score']:.4f}   loss {result['loss']:.4f}")
    print("confusion matrix (rows: true class, columns: predicted):")
    print(format_confusion(matrix, labels))
    if not args.no_plot:
        try:
            from chainrule.plots import plot_confusion

            path = plot_confusion(
                matrix, labels, run / "confusion.png", f"{data.name} ({args.split}): accuracy {result['score']:.3f}"
            )
            print(f"wrote {path}")
        except ImportError as e:
            print(f"(no confusion.png: {e})")
    return 0


# -- predict --------------------------------------------------------------------------------------------------
def configure_predict(p: argparse.ArgumentParser) -> None:
    p.add_argument("run", help="a run folder written by `chainrule train`")
    p.add_argument(
        "--input",
        required=True,
        help="CSV file of rows to predict: raw feature values, one row per line; with a header line the columns are "
        "matched by name, without one by position",
    )
    p.add_argument("--output", help="write the predictions to this CSV file instead of printing them")


def _input_features(path: str, meta: dict[str, Any]) -> np.ndarray:
    from chainrule.data import read_csv_table
    from chainrule.data.files import features_from_rows

    header, rows = read_csv_table(path)
    names = meta.get("feature_names")
    if names and all(n in header for n in names):
        return features_from_rows(path, header, rows, names)
    if len(header) == meta["num_features"]:
        return features_from_rows(path, header, rows, header)
    want = f"columns {', '.join(names[:6])}{' ...' if len(names) > 6 else ''}" if names else "features"
    raise CliError(f"{path}: expected the model's {meta['num_features']} {want}, found {len(header)} columns")


def cmd_predict(args: argparse.Namespace) -> int:
    import csv
    import io

    from chainrule import runs
    from chainrule.io import atomic_write_bytes
    from chainrule.training import outputs

    ckpt = runs.open_run(args.run)
    config, meta = ckpt.meta["config"], ckpt.meta["data"]
    x = _input_features(args.input, meta)
    x = (x - np.asarray(meta["x_mean"])) / np.asarray(meta["x_std"])
    model = runs.build_model(config, _shape_only(meta))
    ckpt.restore(model)
    model.eval()
    out = outputs(model, x.astype(config["dtype"]))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    if meta["task"] == "regression":
        writer.writerow([config.get("label") or "prediction"])
        values = out.reshape(-1).astype(np.float64) * meta["y_std"] + meta["y_mean"]
        writer.writerows([[f"{v:.6g}"] for v in values])
    else:
        names = meta["class_names"] or [str(i) for i in range(meta["num_classes"])]
        if meta["num_outputs"] == 1:
            p1 = 1.0 / (1.0 + np.exp(-out.reshape(-1).astype(np.float64)))
            probs = np.stack([1 - p1, p1], axis=1)
        else:
            probs = np.asarray(cr.softmax(out.astype(np.float64), axis=-1))
        writer.writerow(["prediction", *[f"p_{n}" for n in names]])
        for row in probs:
            writer.writerow([names[int(np.argmax(row))], *[f"{p:.4f}" for p in row]])
    if args.output:
        atomic_write_bytes(args.output, buf.getvalue().encode())
        print(f"wrote {len(x)} predictions to {args.output}")
    else:
        sys.stdout.write(buf.getvalue())
    return 0


def _shape_only(meta: dict[str, Any]) -> Any:
    """A stand-in for the dataset with just the sizes that building the model needs."""
    from chainrule.data import Split

    empty = np.zeros((0, meta["num_features"]), dtype=np.float32)
    return Split(
        meta["name"],
        empty,
        np.zeros(0),
        empty,
        np.zeros(0),
        num_classes=meta["num_classes"],
        task=meta["task"],
        image_shape=tuple(meta["image_shape"]) if meta["image_shape"] else None,
    )


register(
    "train",
    configure_train,
    cmd_train,
    help="train a network (default: the 3-layer dense network on the bundled handwritten digits)",
    description="Train a dense network or a small CNN on a bundled dataset, a CSV file or MNIST IDX files. "
    "With no options: 64 -> 128 -> 64 -> 10 ReLU network, SGD (lr 0.01, momentum 0.9, weight decay 0.01), "
    "20 epochs on scikit-learn's 8x8 digits with a stratified 80/20 split from --seed. Writes checkpoint.npz, "
    "metrics.json and curves.png to the run folder. Ctrl-C stops after the current batch; --resume continues.",
)
register("evaluate", configure_evaluate, cmd_evaluate, help="score a trained run: accuracy and confusion matrix")
register("predict", configure_predict, cmd_predict, help="predict the rows of a CSV file with a trained run")
# `chainrule explain` lives with the drawings it uses (chainrule.viz)
register("explain", None, cli_explain.run, add_parser=cli_explain.add_parser)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="chainrule",
        description="chainrule: the chain rule on computational graphs (reverse-mode autodiff on NumPy).",
    )
    parser.add_argument("--version", action="version", version=f"chainrule {cr.__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for c in COMMANDS.values():
        if c.add_parser is not None:
            c.add_parser(sub)
        elif c.configure is not None:
            c.configure(sub.add_parser(c.name, help=c.help, description=c.description or c.help))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return COMMANDS[args.command].run(args)
    except (CliError, ChainruleError, OSError) as e:
        # the user's arguments or files: one line, no traceback
        text = str(e) if not isinstance(e, OSError) or not e.filename else f"{e.filename}: {e.strerror}"
        print(f"chainrule {args.command}: error: {text}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"chainrule {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
