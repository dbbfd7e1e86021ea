"""``qnets simulate``: one configuration, estimates with standard errors at checkpoints."""

from __future__ import annotations

import argparse
import math
import sys
from typing import TYPE_CHECKING

from qnets.cli._common import (
    StepProgress,
    add_memory_option,
    add_parallel_options,
    backend_of,
    check_cost,
    options_text,
    print_table,
    real,
    whole,
)
from qnets.cli.choices import MAX_SCALE, PROBLEM_NAMES
from qnets.cli.commands import HELPS
from qnets.cli.parsing import given
from qnets.errors import InputError

if TYPE_CHECKING:  # the engines are imported by the command, not to parse its arguments
    from qnets.simulate.schedules import Schedule

HELP = HELPS["simulate"]
#: Logistic problems whose data has more entries than this take cvxpy more than a few seconds.
LONG_SOLVE_ENTRIES = 1_000_000


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``simulate`` and its options to ``commands``."""
    sim = commands.add_parser("simulate", help=HELP, description=HELP)
    sim.add_argument(
        "--problem",
        choices=PROBLEM_NAMES,
        default="quadratic",
        help="objective (default quadratic); double-well has d = 1, multiwell d = 2",
    )
    sim.add_argument(
        "--d", type=whole(1), default=None, help="dimension (default 10, or the problem's fixed dimension)"
    )
    sim.add_argument(
        "--method",
        type=str.lower,
        choices=("sgd", "r", "sr", "bc"),
        default="sr",
        help="SGD, R (nearest rounding), SR (stochastic rounding) or BC (BinaryConnect); default sr; any case",
    )
    sim.add_argument(
        "--quantizer",
        choices=("stochastic", "deterministic"),
        default="stochastic",
        help="BC's quantizer (default stochastic)",
    )
    sim.add_argument("--delta", type=real(above=0), default=0.01, help="grid spacing Delta (default 0.01)")
    sim.add_argument(
        "--schedule",
        choices=("constant", "inverse-time", "inverse-sqrt"),
        default=None,
        help="learning rates a_t: constant a, inverse-time 1/(mu (t+1)), inverse-sqrt c/sqrt(t+1) "
        "(default inverse-time for the convex problems, constant for the non-convex double-well and multiwell)",
    )
    sim.add_argument(
        "--lr",
        type=real(above=0),
        default=None,
        help="a for constant, c for inverse-sqrt, mu for inverse-time (default: the problem's mu, or 0.1)",
    )
    sim.add_argument("--steps", type=whole(1), default=2000, help="steps per chain (default 2000)")
    sim.add_argument("--chains", type=whole(1), default=200, help="independent chains (default 200)")
    sim.add_argument(
        "--seed",
        type=whole(0),
        default=0,
        help="root seed of the chains' gradient noise and rounding; it also draws the problem data of "
        "ill-conditioned (the rotation), least-squares (A and b) and logistic (X and y) (default 0)",
    )
    sim.add_argument(
        "--noise",
        type=real(at_least=0, at_most=MAX_SCALE),
        default=1.0,
        help="gradient-noise standard deviation sigma (default 1)",
    )
    sim.add_argument(
        "--batch-size", type=whole(1), default=1, help="minibatch size (least-squares, logistic; default 1)"
    )
    sim.add_argument("--radius", type=real(above=0), default=1.0, help="half-width of the box around w* (default 1)")
    add_memory_option(sim)
    add_parallel_options(sim)
    sim.add_argument("--json", action="store_true", help="machine-readable output (strict JSON: NaN as null)")
    sim.set_defaults(handler=run_command, size_options=("d", "chains", "steps", "batch_size"))


def run_command(args: argparse.Namespace) -> int:
    """Simulate and print the table (or JSON)."""
    import numpy as np

    from qnets.output import dumps
    from qnets.simulate import Box, Grid, method_by_name, run
    from qnets.simulate.budget import monte_carlo_cost
    from qnets.simulate.scenarios import PROBLEMS, named_problem

    fixed = PROBLEMS[args.problem]
    d = args.d if args.d is not None else (fixed or 10)
    if fixed is not None and d != fixed:
        raise InputError(f"--problem {args.problem} has the fixed dimension {fixed}: use --d {fixed} or omit --d")
    if given(args, "quantizer") and args.method != "bc":
        raise InputError(f"--quantizer is BC's quantizer; it means nothing for --method {args.method}")
    sizes = ["d", "chains", "steps"] + (["batch_size"] if args.problem in ("least-squares", "logistic") else [])
    check_cost(
        monte_carlo_cost(args.problem, d, args.chains, args.steps, args.batch_size, args.method),
        args,
        f"--problem {args.problem} --d {d} " + options_text(args, sizes[1:]),
    )
    backend = backend_of(args)
    if args.problem == "logistic" and 50 * d * d > LONG_SOLVE_ENTRIES:
        print(
            f"qnets simulate: solving for w* with cvxpy ({50 * d} points, d = {d}); this can take minutes",
            file=sys.stderr,
        )
    problem = named_problem(args.problem, d, args.noise, args.batch_size, args.seed)
    grid = Grid(args.delta)
    method = method_by_name(args.method, grid, args.quantizer)
    schedule = _schedule(args, problem.mu)
    if args.radius < args.delta:
        raise InputError(
            f"--radius {args.radius:g} is below --delta {args.delta:g}: the box is grid-aligned, so it would be the "
            "box of radius --delta; give a --radius of at least --delta"
        )
    try:
        domain = Box.around(problem.w_star, args.radius, grid)
    except InputError as error:
        raise InputError(f"--radius {args.radius} with --delta {args.delta}: {error}") from None
    constants = {"G": problem.G(domain), "D": problem.D(domain), "mu": problem.mu, "L": problem.L, "L2": problem.L2}
    if not all(math.isfinite(v) for v in constants.values() if v is not None):
        raise InputError(
            f"--delta {args.delta}, --radius {args.radius} and --noise {args.noise} overflow the problem's constants "
            f"(G = {constants['G']:.3g}, D = {constants['D']:.3g}); use smaller values"
        )
    first, last = schedule(0), schedule(args.steps - 1)
    if not (math.isfinite(first) and last > 0):
        raise InputError(
            f"--schedule {schedule.name.replace('_', '-')} --lr {args.lr} gives step sizes from {first:.3g} to "
            f"{last:.3g} over --steps {args.steps}; they must be finite and > 0 in float64"
        )
    if not first * problem.G(domain) <= MAX_SCALE:
        raise InputError(
            f"--lr {args.lr} with --noise {args.noise} makes the first step a_0 G = {first * problem.G(domain):.3g} "
            f"(a_0 = {first:.3g}), beyond what float64 arithmetic on the iterates can carry ({MAX_SCALE:g}); "
            "use a smaller --lr or --noise"
        )
    label = f"qnets simulate ({args.chains} chains x {args.steps} steps)"
    progress = StepProgress(schedule, args.steps, label)
    with np.errstate(all="ignore"):
        result = run(problem, method, progress, args.steps, args.chains, args.seed, domain, backend=backend)
    overflowed = [key for key, series in result.series.items() if not np.all(np.isfinite(series.mean))]
    if overflowed:
        raise InputError(
            f"{overflowed[0]} overflowed float64 during the run (--lr {args.lr}, --noise {args.noise}, --delta "
            f"{args.delta}, --radius {args.radius}); use smaller values"
        )
    if args.json:
        payload = {
            "config": {**result.config, "problem": args.problem, "delta": args.delta, "noise": args.noise},
            "constants": constants,
            "checkpoints": result.checkpoints,
            "series": {k: {"mean": v.mean, "stderr": v.stderr} for k, v in result.series.items()},
            "final": {k: {"mean": result.final(k).mean, "stderr": result.final(k).stderr} for k in result.series},
        }
        print(dumps(payload))
        return 0
    print(
        f"{method.name.upper()} on {args.problem} (d={problem.d}), delta={args.delta}, "
        f"schedule={schedule.name}, {args.chains} chains, seed={args.seed}"
    )
    print("constants: " + ", ".join(f"{k}={v:.4g}" for k, v in constants.items() if v is not None))
    print("each cell: mean (standard error) over chains")
    keys = list(result.series)
    rows = [
        [str(t)] + [f"{result.series[k].mean[i]:.4g} ({result.series[k].stderr[i]:.1g})" for k in keys]
        for i, t in enumerate(result.checkpoints)
    ]
    print_table([["t", *keys], *rows], align=str.rjust)
    return 0


def _schedule(args: argparse.Namespace, mu: float | None) -> Schedule:
    """The schedule of ``--schedule`` and ``--lr``, with the defaults of ``--help``."""
    from qnets.simulate import schedule_by_name

    name = args.schedule or ("inverse-time" if mu is not None else "constant")
    if name == "inverse-time" and args.lr is None:
        if mu is None:
            raise InputError(f"--schedule inverse-time needs --lr (mu) for the non-convex problem {args.problem!r}")
        value = mu
    else:
        value = 0.1 if args.lr is None else args.lr
    if name == "inverse-time" and not math.isfinite(1.0 / value):
        raise InputError(f"--lr {value:g} is too small for inverse-time: the first step 1/mu overflows")
    return schedule_by_name(name, value)
