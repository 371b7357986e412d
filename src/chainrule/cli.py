"""The ``chainrule`` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import chainrule as cr
from chainrule.viz import cli_explain


class CliError(Exception):
    """A problem with the user's arguments or files: printed as one line, exit status 2."""


def _hidden_sizes(text: str) -> list[int]:
    try:
        sizes = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--hidden takes comma-separated layer sizes like 128,64, got {text!r}"
        ) from None
    if not sizes or any(s <= 0 for s in sizes):
        raise argparse.ArgumentTypeError(f"--hidden sizes must be positive integers, got {text!r}")
    return sizes


def _positive_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if v <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return v


def _positive_float(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not v > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return v


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="chainrule",
        description="chainrule: the chain rule on computational graphs (reverse-mode autodiff on NumPy).",
    )
    parser.add_argument("--version", action="version", version=f"chainrule {cr.__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    train = sub.add_parser(
        "train",
        help="train the 3-layer dense network f(X) = Dense3(Dense2(Dense1(X))) on the bundled handwritten digits",
        description="Train a dense network (64 -> hidden... -> 10, ReLU, softmax cross-entropy) on scikit-learn's "
        "bundled 8x8 handwritten digits, with a fixed stratified 80/20 split from --seed.",
    )
    train.add_argument("--data", default="digits", help="dataset name (default: digits)")
    train.add_argument("--epochs", type=_positive_int, default=20, help="passes over the training set (default: 20)")
    train.add_argument("--lr", type=_positive_float, default=0.01, help="SGD learning rate (default: 0.01)")
    train.add_argument("--momentum", type=float, default=0.9, help="SGD momentum (default: 0.9)")
    train.add_argument("--weight-decay", type=float, default=0.01, help="L2 weight decay (default: 0.01)")
    train.add_argument("--batch-size", type=_positive_int, default=32, help="mini-batch size (default: 32)")
    train.add_argument(
        "--seed", type=int, default=0, help="seed for the split, the weights and the shuffling (default: 0)"
    )
    train.add_argument("--hidden", type=_hidden_sizes, default=[128, 64], help="hidden layer sizes (default: 128,64)")
    train.add_argument("--out", default="runs/digits", help="folder for metrics.json (default: runs/digits)")
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    cli_explain.add_parser(sub)  # `chainrule explain` lives with the drawings it uses (chainrule.viz)
    return parser


def _progress(total: int, desc: str, quiet: bool) -> Any:
    if quiet:
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, desc=desc, unit="batch", leave=True, dynamic_ncols=True, file=sys.stdout)


def cmd_train(args: argparse.Namespace) -> int:
    from chainrule.data import load
    from chainrule.io import atomic_write_json
    from chainrule.training import fit, summarize

    try:
        data = load(args.data, seed=args.seed)
    except ValueError as e:
        raise CliError(str(e)) from None
    sizes = [data.num_features, *args.hidden, data.num_classes]
    model = cr.nn.MLP(sizes, seed=args.seed)
    optimizer = cr.optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum, weight_decay=args.weight_decay)
    batches = -(-len(data.x_train) // args.batch_size)
    print(
        f"chainrule train: {data.name} ({len(data.x_train)} train / {len(data.x_test)} test), "
        f"network {' -> '.join(map(str, sizes))}, {model.num_parameters():,} parameters, seed {args.seed}"
    )
    bar: Any = None

    def on_batch(epoch: int, i: int, running: float) -> None:
        nonlocal bar
        if i == 0:
            bar = _progress(batches, f"epoch {epoch:>2}/{args.epochs}", args.quiet)
        if bar is not None:
            bar.update(1)
            bar.set_postfix(loss=f"{running:.4f}", refresh=False)

    def on_epoch(m: dict[str, float]) -> None:
        if bar is not None:
            bar.set_postfix(loss=f"{m['train_loss']:.4f}", test_acc=f"{m['test_accuracy']:.3f}")
            bar.close()
        else:
            print(
                f"epoch {int(m['epoch']):>2}/{args.epochs}  loss {m['train_loss']:.4f}  "
                f"train acc {m['train_accuracy']:.4f}  test acc {m['test_accuracy']:.4f}"
            )

    history = fit(
        model,
        optimizer,
        data,
        epochs=args.epochs,
        batch_size=args.batch_size,
        seed=args.seed,
        on_batch=on_batch,
        on_epoch=on_epoch,
    )
    final = summarize(history)
    out = Path(args.out)
    metrics = {
        "dataset": data.name,
        "settings": {
            "epochs": args.epochs,
            "lr": args.lr,
            "momentum": args.momentum,
            "weight_decay": args.weight_decay,
            "batch_size": args.batch_size,
            "hidden": args.hidden,
            "sizes": sizes,
            "optimizer": "sgd",
            "dtype": "float32",
        },
        "seed": args.seed,
        "epochs": history.epochs,
        "final": final,
        "seconds_per_epoch": history.seconds,
    }
    path = atomic_write_json(out / "metrics.json", metrics)
    print(f"train accuracy {final['train_accuracy']:.4f}")
    print(f"test accuracy  {final['test_accuracy']:.4f}")
    print(f"wrote {path}")
    return 0


COMMANDS = {"train": cmd_train, "explain": cli_explain.run}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return COMMANDS[args.command](args)
    except CliError as e:
        print(f"chainrule {args.command}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"chainrule {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
