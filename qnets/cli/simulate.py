"""``qnets simulate``: one configuration, estimates with standard errors at checkpoints."""

from __future__ import annotations

import argparse
import json

import numpy as np

from qnets import parallel
from qnets.cli._common import add_parallel_options, backend_of, print_table
from qnets.errors import InputError
from qnets.simulate import Box, Grid, method_by_name, run, schedule_by_name
from qnets.simulate.scenarios import PROBLEMS, named_problem

HELP = "run one configuration and print estimates at checkpoints"


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``simulate`` and its options to ``commands``."""
    sim = commands.add_parser("simulate", help=HELP, description=HELP)
    sim.add_argument(
        "--problem",
        choices=tuple(PROBLEMS),
        default="quadratic",
        help="objective (default quadratic); double-well needs --d 1, multiwell --d 2",
    )
    sim.add_argument("--d", type=int, default=None, help="dimension (default 10, or the problem's fixed dimension)")
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
    sim.add_argument("--delta", type=float, default=0.01, help="grid spacing Delta (default 0.01)")
    sim.add_argument(
        "--schedule",
        choices=("constant", "inverse-time", "inverse-sqrt"),
        default="inverse-time",
        help="learning rates a_t: constant a, inverse-time 1/(mu (t+1)), inverse-sqrt c/sqrt(t+1) "
        "(default inverse-time)",
    )
    sim.add_argument(
        "--lr",
        type=float,
        default=None,
        help="a for constant, c for inverse-sqrt, mu for inverse-time (default: the problem's mu, or 0.1)",
    )
    sim.add_argument("--steps", type=int, default=2000, help="steps per chain (default 2000)")
    sim.add_argument("--chains", type=int, default=200, help="independent chains (default 200)")
    sim.add_argument(
        "--seed",
        type=int,
        default=0,
        help="root seed of the chains' noise, and of the problem data of ill-conditioned, least-squares "
        "and logistic (default 0)",
    )
    sim.add_argument("--noise", type=float, default=1.0, help="gradient-noise standard deviation sigma (default 1)")
    sim.add_argument("--batch-size", type=int, default=1, help="minibatch size (least-squares, logistic; default 1)")
    sim.add_argument("--radius", type=float, default=1.0, help="half-width of the box around w* (default 1)")
    add_parallel_options(sim)
    sim.add_argument("--json", action="store_true", help="machine-readable output")
    sim.set_defaults(handler=run_command)


def run_command(args: argparse.Namespace) -> int:
    """Simulate and print the table (or JSON)."""
    fixed = PROBLEMS[args.problem]
    d = args.d if args.d is not None else (fixed or 10)
    problem = named_problem(args.problem, d, args.noise, args.batch_size, args.seed)
    grid = Grid(args.delta)
    method = method_by_name(args.method, grid, args.quantizer)
    if args.schedule == "inverse-time" and args.lr is None:
        if problem.mu is None:
            raise InputError(f"--schedule inverse-time needs --lr (mu) for the non-convex problem {args.problem!r}")
        schedule = schedule_by_name(args.schedule, problem.mu)
    else:
        schedule = schedule_by_name(args.schedule, 0.1 if args.lr is None else args.lr)
    domain = Box.around(problem.w_star, args.radius, grid)
    with parallel.using(backend_of(args)):
        result = run(problem, method, schedule, args.steps, args.chains, args.seed, domain)
    constants = {"G": problem.G(domain), "D": problem.D(domain), "mu": problem.mu, "L": problem.L, "L2": problem.L2}
    if args.json:
        payload = {
            "config": {**result.config, "problem": args.problem, "delta": args.delta, "noise": args.noise},
            "constants": constants,
            "checkpoints": result.checkpoints.tolist(),
            "series": {
                k: {"mean": np.asarray(v.mean).tolist(), "stderr": np.asarray(v.stderr).tolist()}
                for k, v in result.series.items()
            },
            "final": {k: {"mean": result.final(k).mean, "stderr": result.final(k).stderr} for k in result.series},
        }
        print(json.dumps(payload, indent=2))
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
