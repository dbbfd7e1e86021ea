"""The ``qnets`` command line: ``simulate`` one configuration, ``bench`` the engine."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

import numpy as np

from simulate import (
    Box,
    GaussianNoise,
    Grid,
    Logistic,
    MultiWell2D,
    Quadratic,
    TiltedDoubleWell,
    method_by_name,
    run,
    schedule_by_name,
)
from simulate.problems.base import Problem

PROBLEMS = ("quadratic", "ill-conditioned", "least-squares", "logistic", "double-well", "multiwell")


def build_problem(name: str, d: int, noise: float, batch_size: int, seed: int) -> Problem:
    """The problem named on the command line (see ``qnets simulate --help``)."""
    if name == "quadratic":
        return Quadratic.isotropic(d, mu=1.0, sigma=noise)
    if name == "ill-conditioned":
        return Quadratic.ill_conditioned(d, mu=0.1, L=10.0, sigma=noise, rotation_seed=seed)
    if name == "least-squares":
        rng = np.random.default_rng(seed)
        A = rng.standard_normal((20 * d, d))
        b = A @ np.ones(d) + noise * rng.standard_normal(20 * d)
        return Quadratic.least_squares(A, b, batch_size)
    if name == "logistic":
        return Logistic.synthetic(n=50 * d, d=d, lam=0.1, seed=seed, batch_size=batch_size)
    if d != {"double-well": 1, "multiwell": 2}[name]:
        raise ValueError(f"problem {name!r} has a fixed dimension: use --d {1 if name == 'double-well' else 2}")
    cls = TiltedDoubleWell if name == "double-well" else MultiWell2D
    return cls(noise=GaussianNoise(noise))


def _simulate(args: argparse.Namespace) -> int:
    problem = build_problem(args.problem, args.d, args.noise, args.batch_size, args.seed)
    grid = Grid(args.delta)
    method = method_by_name(args.method, grid, args.quantizer)
    if args.schedule.replace("-", "_") == "inverse_time" and args.lr is None:
        if problem.mu is None:
            raise ValueError(f"--schedule inverse-time needs --lr (mu) for the non-convex problem {args.problem!r}")
        schedule = schedule_by_name(args.schedule, problem.mu)
    else:
        schedule = schedule_by_name(args.schedule, 0.1 if args.lr is None else args.lr)
    domain = Box.around(problem.w_star, args.radius, grid)
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
    header = ["t", *keys]
    rows = [
        [str(t)] + [f"{result.series[k].mean[i]:.4g} ({result.series[k].stderr[i]:.1g})" for k in keys]
        for i, t in enumerate(result.checkpoints)
    ]
    widths = [max(len(r[j]) for r in [header, *rows]) for j in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True)))
    return 0


def _bench(args: argparse.Namespace) -> int:
    from simulate.bench import bench

    report = bench(n_chains=args.chains, d=args.d, steps=args.steps)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for key, value in report.items():
            print(f"{key:>28}  {value:.4g}" if isinstance(value, float) else f"{key:>28}  {value}")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qnets", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    sim = commands.add_parser("simulate", help="run one configuration and print estimates at checkpoints")
    sim.add_argument("--problem", choices=PROBLEMS, default="quadratic")
    sim.add_argument("--d", type=int, default=10, help="dimension (default 10)")
    sim.add_argument("--method", choices=("sgd", "r", "sr", "bc"), default="sr")
    sim.add_argument(
        "--quantizer",
        choices=("stochastic", "deterministic"),
        default="stochastic",
        help="BC's quantizer (default stochastic)",
    )
    sim.add_argument("--delta", type=float, default=0.01, help="grid spacing (default 0.01)")
    sim.add_argument("--schedule", choices=("constant", "inverse-time", "inverse-sqrt"), default="inverse-time")
    sim.add_argument(
        "--lr",
        type=float,
        default=None,
        help="a for constant, c for inverse-sqrt, mu for inverse-time (default: the problem's mu)",
    )
    sim.add_argument("--steps", type=int, default=2000)
    sim.add_argument("--chains", type=int, default=200)
    sim.add_argument("--seed", type=int, default=0)
    sim.add_argument("--noise", type=float, default=1.0, help="gradient-noise standard deviation sigma")
    sim.add_argument("--batch-size", type=int, default=1, help="minibatch size (least-squares, logistic)")
    sim.add_argument("--radius", type=float, default=1.0, help="half-width of the box around w* (default 1)")
    sim.add_argument("--json", action="store_true", help="machine-readable output")
    sim.set_defaults(handler=_simulate)

    bench = commands.add_parser("bench", help="throughput of the SR engine against the RNG limit")
    bench.add_argument("--chains", type=int, default=10_000)
    bench.add_argument("--d", type=int, default=100)
    bench.add_argument("--steps", type=int, default=30)
    bench.add_argument("--json", action="store_true")
    bench.set_defaults(handler=_bench)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``qnets`` console script."""
    args = _parser().parse_args(argv)
    try:
        return args.handler(args)
    except (ValueError, TypeError) as error:
        print(f"qnets {args.command}: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
