"""``qnets sweep``: a grid of Monte Carlo runs, written as a tidy table (CSV, JSON) and a plot."""

from __future__ import annotations

import argparse
import operator
from functools import reduce
from pathlib import Path

from qnets.cli._common import (
    add_memory_option,
    add_parallel_options,
    backend_of,
    check_cost,
    kept_in_cache,
    real,
    whole,
)
from qnets.cli.choices import MAX_SCALE, PROBLEM_NAMES, QUANTITIES, SWEEP_AXES
from qnets.cli.commands import HELPS
from qnets.cli.parsing import RawDescriptionFormatter

HELP = HELPS["sweep"]

EXAMPLE = """example (the SR floor over Delta and sigma, against E1's exact floor and E2's exact value):
  qnets sweep --problem quadratic --method sr --delta 0.05 0.1 0.2 --sigma 0.5 1 2 --lr 0.02 --steps 2000 --x delta
"""


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``sweep`` and its options to ``commands``."""
    sweep = commands.add_parser(
        "sweep", help=HELP, description=HELP, epilog=EXAMPLE, formatter_class=RawDescriptionFormatter
    )
    sweep.add_argument("--problem", choices=PROBLEM_NAMES, default="quadratic", help="objective (default quadratic)")
    grid = sweep.add_argument_group("axes (each takes one or more values; the grid is their product)")
    grid.add_argument(
        "--method", nargs="+", type=str.lower, choices=("sgd", "r", "sr", "bc"), default=["sr"], help="default sr"
    )
    grid.add_argument("--delta", nargs="+", type=real(above=0), default=[0.1], help="grid spacing Delta (default 0.1)")
    grid.add_argument(
        "--schedule",
        nargs="+",
        type=lambda text: text.replace("_", "-"),
        choices=("constant", "inverse-time", "inverse-sqrt"),
        default=["constant"],
        help="default constant",
    )
    grid.add_argument(
        "--lr",
        nargs="+",
        type=real(above=0),
        default=[0.02],
        help="the schedule's parameter: the step a (constant), mu (inverse-time) or c (inverse-sqrt); default 0.02",
    )
    grid.add_argument("--d", nargs="+", type=whole(1), default=None, help="dimension (default 1, or the problem's d)")
    grid.add_argument(
        "--sigma", nargs="+", type=real(at_least=0, at_most=MAX_SCALE), default=[1.0], help="noise sigma (default 1)"
    )
    grid.add_argument("--batch-size", nargs="+", type=whole(1), default=[1], help="minibatch size (default 1)")
    grid.add_argument("--seed", nargs="+", type=whole(0), default=[0], help="root seeds (default 0)")
    sweep.add_argument("--steps", type=whole(1), default=2000, help="steps per chain (default 2000)")
    sweep.add_argument("--chains", type=whole(2), default=1000, help="chains per point (default 1000)")
    sweep.add_argument("--radius", type=real(above=0), default=1.0, help="half-width of the box around w* (default 1)")
    sweep.add_argument("--quantity", choices=QUANTITIES, default="gap", help="recorded at T = steps (default gap)")
    sweep.add_argument(
        "--x", choices=SWEEP_AXES, default=None, help="the plot's x axis (default: the first axis with several values)"
    )
    sweep.add_argument("--out", default="qnets-output/sweep", help="output directory (default ./qnets-output/sweep)")
    sweep.add_argument("--no-cache", action="store_true", help="recompute every point, ignoring OUT/cache")
    sweep.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    sweep.set_defaults(kept=kept_in_cache)
    add_memory_option(sweep)
    add_parallel_options(sweep)
    sweep.set_defaults(handler=run_command, size_options=("chains", "steps"))


def run_command(args: argparse.Namespace) -> int:
    """Run the sweep, write ``sweep.csv``, ``sweep.json`` and ``sweep.png``, print where."""
    from qnets.output import prepare_output_dir
    from qnets.pipeline.cache import Cache
    from qnets.pipeline.progress import Progress
    from qnets.pipeline.sweep import SweepSpec, check_spec, run_sweep
    from qnets.simulate.budget import monte_carlo_cost
    from qnets.simulate.scenarios import PROBLEMS

    d = args.d if args.d is not None else [PROBLEMS[args.problem] or 1]
    axes = {
        "method": args.method,
        "delta": args.delta,
        "schedule": args.schedule,
        "lr": args.lr,
        "d": d,
        "sigma": args.sigma,
        "batch_size": args.batch_size,
        "seed": args.seed,
    }
    spec = SweepSpec(args.problem, axes, args.steps, args.chains, args.radius, args.quantity)
    x_axis = args.x if args.x is not None else (spec.varying or ["delta"])[0]
    points = spec.points()
    costs = [monte_carlo_cost(args.problem, p.d, args.chains, args.steps, p.batch_size, p.method) for p in points]
    check_cost(
        reduce(operator.add, costs), args, f"{len(points)} sweep points of --chains {args.chains} --steps {args.steps}"
    )
    check_spec(spec)
    backend = backend_of(args)  # every option validated, the scheduler reached: then the folder
    out = prepare_output_dir(Path(args.out))
    progress = Progress(len(points), args.quiet)
    rows = run_sweep(spec, out, Cache(out / "cache", enabled=not args.no_cache), backend, progress, x_axis)
    print(f"{len(rows)} points: {out / 'sweep.csv'} {out / 'sweep.json'} {out / 'sweep.png'} {out / 'sweep.pdf'}")
    return 0
