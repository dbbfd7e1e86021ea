"""``qnets nets``: test error of FP, BC, SR and R networks on real data, mean and standard error.

``--study table`` (the default) trains the table's rows (every method on every grid, for every
``--optimizer``); ``batch``, ``lr`` and ``flips`` run the batch-size, learning-rate and
flip-rate (decaying step) studies of :mod:`qnets.simulate.nets.studies`.
"""

from __future__ import annotations

import argparse
import dataclasses
from typing import TYPE_CHECKING, Any

from qnets.cli._common import add_memory_option, add_speed_options, check_cost, print_table, real, whole
from qnets.cli.choices import DATASETS, NET_METHODS, OPTIMIZERS
from qnets.cli.commands import HELPS
from qnets.seed import SEED

if TYPE_CHECKING:
    from qnets.simulate.nets.data import Dataset
    from qnets.simulate.nets.studies import Sizes

HELP = HELPS["nets"]
#: ``--model`` -> (the model of the studies, number of hidden layers of an MLP).
MODELS = {"mlp": ("mlp", 1), "mlp2": ("mlp", 2), "cnn": ("cnn", 3)}
STUDIES = ("table", "batch", "lr", "flips")


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``nets`` and its options to ``commands``."""
    nets = commands.add_parser("nets", help=HELP, description=HELP)
    add_speed_options(nets, "seconds", "about a minute on 2 cores")
    nets.add_argument("--seed", type=whole(0), default=SEED, help=f"root seed of the training runs (default {SEED})")
    nets.add_argument(
        "--dataset",
        choices=DATASETS,
        metavar="DATASET",
        help="digits (scikit-learn's bundled 8x8 digits; the default of the MLPs) or mnist1d "
        "(MNIST-1D, generated locally and cached; the default of the CNN)",
    )
    nets.add_argument(
        "--model",
        default="mlp",
        choices=tuple(MODELS),
        metavar="MODEL",
        help="mlp (one hidden layer, the default), mlp2 (two) or cnn (MNIST-1D's 1-D CNN, 3 convolutions)",
    )
    nets.add_argument("--width", type=whole(1), help="hidden-layer width, or the CNN's channels (default 64; CNN 25)")
    nets.add_argument(
        "--study",
        default="table",
        choices=STUDIES,
        metavar="STUDY",
        help=f"which study to run: {', '.join(STUDIES)} (default table)",
    )
    nets.add_argument(
        "--method",
        action="append",
        type=str.lower,
        choices=NET_METHODS,
        metavar="METHOD",
        help="fp, bc, sr or r, any case (repeatable; default all four, the table's rows)",
    )
    nets.add_argument(
        "--optimizer",
        action="append",
        type=str.lower,
        choices=OPTIMIZERS,
        metavar="OPTIMIZER",
        help="sgd or adam (repeatable; the table's rows; default sgd, and both for the CNN)",
    )
    nets.add_argument(
        "--bits", type=whole(1, 16), action="append", help="bits of a weight grid (repeatable; default 1 2 4)"
    )
    nets.add_argument("--steps", type=whole(1), help="optimiser steps (default 1000 quick, 4000 full; CNN: see notes)")
    nets.add_argument("--batch", type=whole(1), help="minibatch size (default 32; CNN 100)")
    nets.add_argument("--lr", type=real(above=0), help="SGD's step size in grid units (default 1)")
    nets.add_argument("--adam-lr", type=real(above=0), help="ADAM's step size in grid units")
    nets.add_argument(
        "--decays", type=whole(0), help="number of step decays, evenly spaced over a run (default 0: constant)"
    )
    nets.add_argument(
        "--decay", type=real(above=0, at_most=1), help="factor of every step decay (default 1; with --decays)"
    )
    nets.add_argument(
        "--seeds",
        type=whole(2),
        help="networks per configuration (default 8 quick, 16 full; the lr study: 24/32, CNN 8/16)",
    )
    nets.add_argument("--json", action="store_true", help="machine-readable output (strict JSON)")
    add_memory_option(nets)
    nets.set_defaults(handler=run_command)


def table_sizes(args: argparse.Namespace) -> Sizes:
    """The study sizes of ``--quick``/``--full`` for ``--model`` with the options given on the command line."""
    from qnets.simulate.nets.studies import sizes

    model, layers = MODELS[args.model]
    base = sizes(not args.full, model)
    width = base.hidden[0] if args.width is None else args.width
    optimizers = tuple(args.optimizer) if args.optimizer else None
    changes = {
        "dataset": args.dataset,
        "hidden": (width,) * layers,
        "methods": tuple(args.method) if args.method else None,
        "optimizers": optimizers,
        "optimizer": optimizers[0] if optimizers and base.optimizer not in optimizers else None,
        "bits": tuple(args.bits) if args.bits else None,
        "steps": args.steps,
        "batch": args.batch,
        "lr": args.lr,
        "adam_lr": args.adam_lr,
        "decays": args.decays,
        "decay": args.decay,
        "n_seeds": args.seeds,
        "rate_seeds": args.seeds,
    }
    return dataclasses.replace(base, **{k: v for k, v in changes.items() if v is not None})


def size_options(s: Sizes, study: str) -> str:
    """The options (with the values in force) that make up the work of ``study``, for its errors."""
    seeds = s.rate_seeds if study == "lr" else s.n_seeds
    steps = "" if study in ("batch", "lr") else f" --steps {s.steps}"
    batch = "" if study == "batch" else f" --batch {s.batch}"
    return f"--model {s.model} --width {max(s.hidden)} --seeds {seeds}{steps}{batch} (--study {study})"


def describe(s: Sizes, data: Dataset) -> str:
    """One line: the data, the network, the budget and the seeds."""
    if s.model == "cnn":
        network = f"CNN {data.n_features} -> 3 convs of {'/'.join(map(str, s.hidden))} channels -> {data.n_classes}"
    else:
        network = f"MLP {data.n_features}-" + "-".join(map(str, s.hidden)) + f"-{data.n_classes}"
    steps = ", ".join(f"{o} lr {s.step_size(o)}" for o in s.optimizers)
    if s.optimizers == ("sgd",):
        steps = f"lr {s.lr}"
    schedule = f", {s.decays} step decays x{s.decay:g}" if s.decays else ""
    return (
        f"{s.dataset}: {data.n_train} training / {len(data.y_test)} test examples; {network}; "
        f"{s.steps} steps, batch {s.batch}, {steps}{schedule}; {s.n_seeds} seeds"
    )


def _estimate(prefix: str, samples: Any) -> dict[str, Any]:
    from qnets.simulate.nets.studies import estimates

    estimate = estimates(samples)
    return {prefix: float(estimate.mean), f"{prefix}_stderr": float(estimate.stderr), "n_seeds": estimate.n}


def study_rows(s: Sizes, study: str, seed: int) -> list[dict[str, Any]]:
    """The rows of ``study`` (one of :data:`STUDIES`), each with means and standard errors."""
    from qnets.simulate.nets import studies

    if study == "table":
        table = studies.table_study(s, seed)
        names = ("optimizers", "methods", "bits", "errors", "train_errors")
        columns = zip(*(table[name] for name in names), strict=True)
        return [
            {
                "label": studies.row_label(str(m), int(b), str(o)),
                "optimizer": str(o),
                "method": str(m),
                "bits": int(b),
                **_estimate("test_error", test),
                **_estimate("train_error", train),
            }
            for o, m, b, test, train in columns
        ]
    if study == "batch":
        batch = studies.batch_study(s, seed)
        return [
            {"method": str(m), "batch": int(b), **_estimate("test_error", e)}
            for m, errors in zip(batch["methods"], batch["errors"], strict=True)
            for b, e in zip(batch["batches"], errors, strict=True)
        ]
    if study == "lr":
        rate = studies.rate_study(s, seed)
        return [
            {"method": str(m), "lr": float(a), "steps": int(t), **_estimate("test_error", e), **_estimate("loss", f)}
            for m, losses, errors in zip(rate["methods"], rate["losses"], rate["errors"], strict=True)
            for a, t, f, e in zip(rate["rates"], rate["steps"], losses, errors, strict=True)
        ]
    import numpy as np

    decay = studies.decay_study(s, seed)
    per_unit = studies.flips_per_unit_step(decay)
    quarters = np.array_split(np.arange(len(decay["rates"])), 4)
    return [
        {
            "method": str(m),
            "quarter": k + 1,
            "lr": float(decay["rates"][q[0]]),
            **_estimate("flip_rate", decay["flip_rates"][i][q].mean(axis=0)),
            **_estimate("flips_per_unit_lr", per_unit[i, k]),
        }
        for i, m in enumerate(decay["methods"])
        for k, q in enumerate(quarters)
    ]


def run_command(args: argparse.Namespace) -> int:
    """Run the study and print its rows."""
    from qnets.output import dumps
    from qnets.simulate.budget import nets_cost
    from qnets.simulate.nets.data import load

    s = table_sizes(args)
    check_cost(nets_cost(s, args.study), args, size_options(s, args.study))
    data = load(s.dataset)
    rows = study_rows(s, args.study, args.seed)
    setup = describe(s, data)
    if args.json:
        print(dumps({"setup": setup, "study": args.study, "sizes": s.as_dict(), "seed": args.seed, "rows": rows}))
        return 0
    print(setup)
    names = [k for k in rows[0] if k not in ("label", "optimizer", "method", "bits", "n_seeds")]
    if args.study == "table":
        header = ["weights", "test error", "+- s.e.", "train error", "+- s.e."]
        lines = [header] + [[row["label"], *_cells(row, ["test_error", "train_error"])] for row in rows]
    else:
        values = [n for n in names if not n.endswith("_stderr") and n not in ("batch", "lr", "steps", "quarter")]
        keys = [n for n in ("batch", "lr", "steps", "quarter") if n in names]
        header = ["method", *keys, *[c for v in values for c in (v.replace("_", " "), "+- s.e.")]]
        lines = [header] + [
            [row["method"].upper()] + [f"{row[k]:g}" for k in keys] + _cells(row, values) for row in rows
        ]
    print_table(lines, align=str.rjust)
    return 0


def _cells(row: dict[str, Any], names: list[str]) -> list[str]:
    return [cell for name in names for cell in (f"{row[name]:.4f}", f"{row[f'{name}_stderr']:.4f}")]
