"""``qnets bench``: engine throughput and parallel speed-up, exact propagation, stationary solvers."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from qnets.cli._common import add_memory_option, check_cost, options_text, whole
from qnets.cli.commands import HELPS

HELP = HELPS["bench"]


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``bench`` and its options to ``commands``."""
    bench = commands.add_parser("bench", help=HELP, description=HELP)
    bench.add_argument("--chains", type=whole(1), default=10_000, help="chains of the engine workload (default 10000)")
    bench.add_argument("--d", type=whole(1), default=100, help="dimension of the engine workload (default 100)")
    bench.add_argument("--steps", type=whole(1), default=30, help="steps of the engine workload (default 30)")
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
    bench.add_argument(
        "--nets", action="store_true", help="network training throughput, seed-batched against a loop over seeds"
    )
    bench.add_argument("--all", action="store_true", help="the engine, --exact, --markov and --nets together")
    add_memory_option(bench)
    bench.add_argument("--json", action="store_true", help="machine-readable output (strict JSON)")
    bench.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    bench.set_defaults(handler=run_command, size_options=("chains", "d", "steps"))


def _measure(parts: list[tuple[str, float, Callable[[], dict]]], quiet: bool) -> dict:
    """Run each ``(label, expected seconds, measurement)`` in turn, merging their results, with a
    progress line (time left from the expected seconds, rescaled by the measured ones) after each."""
    from qnets.pipeline.progress import Progress

    progress = Progress(len(parts), quiet, {label: cost for label, cost, _ in parts})
    progress.say(
        f"bench: {', '.join(label for label, _, _ in parts)} (about {sum(c for _, c, _ in parts):.0f} s on 2 cores)"
    )
    report: dict = {}
    for label, _, measure in parts:
        started = time.perf_counter()
        report |= measure()
        progress.finish(label, "", time.perf_counter() - started)
    return report


def run_command(args: argparse.Namespace) -> int:
    """Measure and print."""
    from qnets.output import dumps
    from qnets.simulate.bench import REFERENCES, bench, exact_bench, parallel_speedup, spsolve_reference
    from qnets.simulate.budget import bench_cost
    from qnets.simulate.markov.accuracy import large_chain_timings, solver_accuracy

    parts: list[tuple[str, float, Callable[[], dict]]] = []
    if args.all or not (args.exact or args.markov or args.nets):
        check_cost(bench_cost(args.chains, args.d, args.steps), args, options_text(args, ["chains", "d", "steps"]))
        parts.append(("engines", 35.0, lambda: bench(n_chains=args.chains, d=args.d, steps=args.steps)))
        parts.append(("parallel speed-up", 10.0, lambda: {"parallel_speedup": parallel_speedup()}))
    if args.all or args.exact:
        parts.append(("exact propagation", 77.0, exact_bench))
    if args.all or args.markov:
        parts += [("solver accuracy", 17.0, solver_accuracy), ("large chains", 17.0, large_chain_timings)]
        parts.append(("spsolve reference", 17.0, spsolve_reference))
    if args.all or args.nets:
        from qnets.simulate.nets.bench import bench_nets

        parts.append(("networks", 20.0, bench_nets))
    report = _measure(parts, args.quiet)
    if args.json:
        print(dumps(report))
    else:
        for key, value in report.items():
            line = f"{key:>40}  {value:.4g}" if isinstance(value, float) else f"{key:>40}  {value}"
            if key in REFERENCES and REFERENCES[key][1] in report:
                name, reference = REFERENCES[key][0], report[REFERENCES[key][1]]
                line += f"   {name}: {reference:.4g}, ratio {value / reference:.3g}"
            print(line)
    return 0
