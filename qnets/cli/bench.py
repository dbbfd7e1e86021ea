"""``qnets bench``: engine throughput and parallel speed-up, exact propagation, stationary solvers."""

from __future__ import annotations

import argparse
import json

HELP = (
    "throughput of the SR engine against the RNG limit and its parallel speed-up "
    "(or, with --exact / --markov / --all, exact propagation and the stationary solvers)"
)


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``bench`` and its options to ``commands``."""
    bench = commands.add_parser("bench", help=HELP, description=HELP)
    bench.add_argument("--chains", type=int, default=10_000, help="chains of the engine workload (default 10000)")
    bench.add_argument("--d", type=int, default=100, help="dimension of the engine workload (default 100)")
    bench.add_argument("--steps", type=int, default=30, help="steps of the engine workload (default 30)")
    bench.add_argument(
        "--exact",
        action="store_true",
        help="E2's exact propagation at d = 10^4, T = 500, and its speed-up over the per-coordinate loop at d = 100",
    )
    bench.add_argument(
        "--markov",
        action="store_true",
        help="accuracy and time of the stationary solvers, up to the 1000 x 1000 three-well chain",
    )
    bench.add_argument("--all", action="store_true", help="the engine, --exact and --markov together")
    bench.add_argument("--json", action="store_true", help="machine-readable output")
    bench.set_defaults(handler=run_command)


def run_command(args: argparse.Namespace) -> int:
    """Measure and print."""
    from qnets.simulate.bench import bench, exact_bench, parallel_speedup
    from qnets.simulate.markov.accuracy import large_chain_timings, solver_accuracy

    report: dict[str, float] = {}
    if args.all or not (args.exact or args.markov):
        report |= bench(n_chains=args.chains, d=args.d, steps=args.steps)
        report |= {"parallel_speedup": parallel_speedup()}
    if args.all or args.exact:
        report |= exact_bench()
    if args.all or args.markov:
        report |= solver_accuracy() | large_chain_timings()
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for key, value in report.items():
            print(f"{key:>40}  {value:.4g}" if isinstance(value, float) else f"{key:>40}  {value}")
    return 0
