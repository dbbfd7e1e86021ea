"""``qnets nets``: test error of FP, BC, SR and R networks on real data, mean and standard error."""

from __future__ import annotations

import argparse
import dataclasses
from typing import TYPE_CHECKING, Any

from qnets.claims.verdict import SEED
from qnets.cli._common import add_speed_options, print_table, real, whole
from qnets.errors import InputError
from qnets.output import dumps

if TYPE_CHECKING:
    from qnets.simulate.nets.studies import Sizes

HELP = "test error of quantized networks (FP, BC, SR, R) on the digits, mean +- standard error over seeds"
MODELS = {"mlp": 1, "mlp2": 2}


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``nets`` and its options to ``commands``."""
    nets = commands.add_parser("nets", help=HELP, description=HELP)
    add_speed_options(nets)
    nets.add_argument("--seed", type=whole(0), default=SEED, help=f"root seed of the training runs (default {SEED})")
    nets.add_argument(
        "--dataset", default="digits", help="data set (default digits: scikit-learn's bundled 8x8 digits)"
    )
    nets.add_argument("--model", default="mlp", help="mlp (one hidden layer, the default) or mlp2 (two)")
    nets.add_argument("--width", type=whole(1), help="hidden-layer width (default 64)")
    nets.add_argument(
        "--method", action="append", help="fp, bc, sr or r (repeatable; default all four, the table's rows)"
    )
    nets.add_argument(
        "--bits", type=whole(1, 16), action="append", help="bits of a weight grid (repeatable; default 1 2 4)"
    )
    nets.add_argument("--steps", type=whole(1), help="SGD steps (default 1000 quick, 4000 full)")
    nets.add_argument("--batch", type=whole(1), help="minibatch size (default 32)")
    nets.add_argument("--lr", type=real(above=0), help="constant step size in grid units (default 1)")
    nets.add_argument("--seeds", type=whole(2), help="networks per configuration (default 8 quick, 16 full)")
    nets.add_argument("--json", action="store_true", help="machine-readable output (strict JSON)")
    nets.set_defaults(handler=run_command)


def table_sizes(args: argparse.Namespace) -> Sizes:
    """The study sizes of ``--quick``/``--full`` with the options given on the command line."""
    from qnets.simulate.nets.studies import sizes
    from qnets.simulate.nets.training import METHODS

    base = sizes(not args.full)
    if args.model not in MODELS:
        raise InputError(f"--model must be one of {', '.join(MODELS)}, got {args.model!r}")
    width = base.hidden[0] if args.width is None else args.width
    methods = tuple(args.method) if args.method else base.methods
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise InputError(f"--method must be one of {', '.join(METHODS)}, got {', '.join(unknown)}")
    changes = {
        "dataset": args.dataset,
        "hidden": (width,) * MODELS[args.model],
        "methods": methods,
        "bits": tuple(args.bits) if args.bits else base.bits,
        "steps": args.steps,
        "batch": args.batch,
        "lr": args.lr,
        "n_seeds": args.seeds,
    }
    return dataclasses.replace(base, **{k: v for k, v in changes.items() if v is not None})


def run_command(args: argparse.Namespace) -> int:
    """Train the table's networks and print their test errors."""
    from qnets.simulate.nets.data import load
    from qnets.simulate.nets.studies import estimates, row_label, table_study

    s = table_sizes(args)
    data = load(s.dataset)
    table = table_study(s, args.seed)
    rows: list[dict[str, Any]] = []
    for method, bits, errors, train_errors in zip(
        table["methods"], table["bits"], table["errors"], table["train_errors"], strict=True
    ):
        test, train = estimates(errors), estimates(train_errors)
        rows.append(
            {
                "label": row_label(str(method), int(bits)),
                "method": str(method),
                "bits": int(bits),
                "test_error": float(test.mean),
                "test_error_stderr": float(test.stderr),
                "train_error": float(train.mean),
                "train_error_stderr": float(train.stderr),
                "n_seeds": test.n,
            }
        )
    setup = (
        f"{s.dataset}: {data.n_train} training / {len(data.y_test)} test examples; MLP {data.n_features}-"
        + "-".join(map(str, s.hidden))
        + f"-{data.n_classes}; {s.steps} steps, batch {s.batch}, lr {s.lr}; {s.n_seeds} seeds"
    )
    if args.json:
        print(dumps({"setup": setup, "sizes": s.as_dict(), "seed": args.seed, "rows": rows}))
        return 0
    print(setup)
    lines = [["weights", "test error", "+- s.e.", "train error", "+- s.e."]]
    for row in rows:
        lines.append(
            [
                row["label"],
                f"{row['test_error']:.4f}",
                f"{row['test_error_stderr']:.4f}",
                f"{row['train_error']:.4f}",
                f"{row['train_error_stderr']:.4f}",
            ]
        )
    print_table(lines, align=str.rjust)
    return 0
