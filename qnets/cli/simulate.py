"""``qnets simulate``: one configuration, estimates with standard errors at checkpoints."""

from __future__ import annotations

import argparse
import math
import sys

from qnets.cli._common import (
    StepProgress,
    add_memory_option,
    add_parallel_options,
    backend_of,
    check_memory,
    options_text,
    print_table,
    real,
    whole,
)
from qnets.errors import InputError
from qnets.simulate import Box, Grid, method_by_name, run, schedule_by_name
from qnets.simulate._validate import MAX_SCALE
from qnets.simulate.monte_carlo import BLOCK_ELEMENTS
from qnets.simulate.scenarios import PROBLEMS, named_problem
from qnets.simulate.schedules import Schedule

HELP = "run one configuration and print estimates at checkpoints"
#: Checkpoints recorded per run (``log_checkpoints``' default count, an upper bound).
CHECKPOINTS = 25
#: Peak memory of building a problem, in multiples of its data (copies, solver workspaces), measured
#: as peak resident set growth with /usr/bin/time: ill-conditioned d=2000 ~6x its d x d matrix,
#: least-squares d=400 ~4x its A, logistic (cvxpy) d=150..300 ~30-35x its X.
PROBLEM_DATA_COPIES = {"ill-conditioned": 8, "least-squares": 6, "logistic": 40}
#: What importing and running cvxpy costs on top (logistic d=2 grows the resident set by ~43 MB).
CVXPY_BYTES = 64 * 2**20
#: Logistic problems whose data has more entries than this take cvxpy more than a few seconds.
LONG_SOLVE_ENTRIES = 1_000_000


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``simulate`` and its options to ``commands``."""
    sim = commands.add_parser("simulate", help=HELP, description=HELP)
    sim.add_argument(
        "--problem",
        choices=tuple(PROBLEMS),
        default="quadratic",
        help="objective (default quadratic); double-well has d = 1, multiwell d = 2",
    )
    sim.add_argument(
        "--d", type=whole(1), default=None, help="dimension (default 10, or the problem's fixed dimension)"
    )
    sim.add_argument(
        "--method",
        choices=("sgd", "r", "sr", "bc"),
        default="sr",
        help="SGD, R (nearest rounding), SR (stochastic rounding) or BC (BinaryConnect); default sr",
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
    sim.set_defaults(handler=run_command)


def memory_estimate(problem: str, d: int, chains: int, batch_size: int, method: str) -> dict[str, float]:
    """Bytes the run will hold at its peak, by what holds them (see ``--max-memory``)."""
    weights = 2 if method == "bc" else 1
    block_chains = max(1, BLOCK_ELEMENTS // d)
    data = {"ill-conditioned": d * d, "least-squares": 20 * d * d + d * d, "logistic": 50 * d * d}.get(problem, d)
    batch = block_chains * batch_size * d * 3 if problem in ("least-squares", "logistic") else 0
    return {
        "the problem data": 8.0 * data * PROBLEM_DATA_COPIES.get(problem, 4)
        + (CVXPY_BYTES if problem == "logistic" else 0),
        "the chains and their running sums": 8.0 * 2 * weights * chains * d,
        "the recorded estimates": 8.0 * CHECKPOINTS * 3 * weights * chains,
        "the minibatch gradients": 8.0 * batch + 8.0 * 2 * BLOCK_ELEMENTS,
    }


def run_command(args: argparse.Namespace) -> int:
    """Simulate and print the table (or JSON)."""
    from qnets.figures.output import dumps

    fixed = PROBLEMS[args.problem]
    d = args.d if args.d is not None else (fixed or 10)
    if fixed is not None and d != fixed:
        raise InputError(f"--problem {args.problem} has the fixed dimension {fixed}: use --d {fixed} or omit --d")
    sizes = ["d", "chains"] + (["batch_size"] if args.problem in ("least-squares", "logistic") else [])
    check_memory(
        memory_estimate(args.problem, d, args.chains, args.batch_size, args.method),
        args.max_memory,
        f"--problem {args.problem} --d {d} " + options_text(args, sizes[1:]),
    )
    if args.problem == "logistic" and 50 * d * d > LONG_SOLVE_ENTRIES:
        print(
            f"qnets simulate: solving for w* with cvxpy ({50 * d} points, d = {d}); this can take minutes",
            file=sys.stderr,
        )
    problem = named_problem(args.problem, d, args.noise, args.batch_size, args.seed)
    grid = Grid(args.delta)
    method = method_by_name(args.method, grid, args.quantizer)
    schedule = _schedule(args, problem.mu)
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
    label = f"qnets simulate ({args.chains} chains x {args.steps} steps)"
    progress = StepProgress(schedule, args.steps, label)
    result = run(problem, method, progress, args.steps, args.chains, args.seed, domain, backend=backend_of(args))
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
