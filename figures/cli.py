"""The ``qnets`` command line: ``reproduce``, ``figures``, ``simulate``, ``check``, ``bound``, ``markov``, ``bench``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from simulate import (
    Box,
    GaussianNoise,
    Grid,
    Logistic,
    MultiWell2D,
    Quadratic,
    TiltedDoubleWell,
    UniformNoise,
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


def _print_table(rows: list[list[str]], align: Callable[[str, int], str]) -> None:
    """Print ``rows`` (the first is the header) in columns padded by ``align``."""
    widths = [max(len(row[j]) for row in rows) for j in range(len(rows[0]))]
    for row in rows:
        print("  ".join(align(cell, width) for cell, width in zip(row, widths, strict=True)).rstrip())


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
    _print_table([header, *rows], align=str.rjust)
    return 0


def _bench(args: argparse.Namespace) -> int:
    from simulate.bench import bench
    from simulate.markov.accuracy import solver_accuracy

    report = solver_accuracy() if args.markov else bench(n_chains=args.chains, d=args.d, steps=args.steps)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for key, value in report.items():
            print(f"{key:>28}  {value:.4g}" if isinstance(value, float) else f"{key:>28}  {value}")
    return 0


def _check(args: argparse.Namespace) -> int:
    from theory.claims import CLAIMS, run_checks

    verdicts = run_checks(args.ids, quick=not args.full)
    if args.json:
        print(json.dumps([v.as_dict() for v in verdicts], indent=2, default=float))
    else:
        rows = [["claim", "source", "verdict", "measured", "bound", "margin", "ratio", "detail"]]
        for v in verdicts:
            rows.append(
                [
                    v.claim_id,
                    CLAIMS[v.claim_id].source,
                    "holds" if v.holds else "FAILS",
                    f"{v.measured:.4g}",
                    f"{v.bound:.4g}",
                    f"{v.margin:.2g}",
                    f"{v.ratio:.3g}",
                    v.detail,
                ]
            )
        _print_table(rows, align=str.ljust)
    return 0 if all(v.holds for v in verdicts) else 1


def _parse_settings(items: list[str]) -> dict[str, float]:
    numbers = {}
    for item in items:
        key, _, value = item.partition("=")
        try:
            numbers[key.strip()] = float(value)
        except ValueError:
            raise ValueError(f"--set expects NAME=NUMBER, got {item!r}") from None
    return numbers


def _print_steps(steps: list) -> None:
    for i, (step, ok) in enumerate(steps, 1):
        print(f"  {i:2d}. [{step.check}: {'verified' if ok else 'NOT VERIFIED'}] {step.justification}")
        print(f"      {step.relation}")


def _derivation(args: argparse.Namespace) -> int:
    from theory.markov import derivations

    derivation = derivations()[args.name]
    print(f"{derivation.name} (claim {derivation.claim_id})")
    print("assumptions: " + "; ".join(derivation.assumptions))
    print(f"statement: {derivation.statement}")
    print(f"result: {derivation.latex() if args.latex else derivation.result}")
    if derivation.notes:
        print(f"notes: {derivation.notes}")
    if args.derive:
        _print_steps(derivation.verify())
    if args.set:
        raise ValueError(f"{args.name} is a distributional derivation with no value to evaluate; drop --set")
    return 0


def _bound(args: argparse.Namespace) -> int:
    from theory.claims import all_bounds
    from theory.convex import scaling_consistent
    from theory.markov import derivations

    bounds = all_bounds()
    if args.name in derivations():
        return _derivation(args)
    if args.name not in bounds:
        raise ValueError(f"unknown bound {args.name!r}; known: {', '.join([*bounds, *derivations()])}")
    bound = bounds[args.name]
    print(f"{bound.name} (claim {bound.claim_id})")
    print("assumptions: " + "; ".join(bound.assumptions))
    print(f"derived: {bound.quantity} <= {bound.latex() if args.latex else bound.expr}")
    if bound.paper_form is not None:
        print(f"paper's form: {bound.paper_form}")
    print(
        f"scaling-consistent (E3): derived {scaling_consistent(bound.expr)}"
        + ("" if bound.paper_form is None else f", paper {scaling_consistent(bound.paper_form)}")
    )
    if bound.notes:
        print(f"notes: {bound.notes}")
    if args.derive:
        _print_steps(bound.verify())
    if args.set:
        numbers = _parse_settings(args.set)
        print(f"value: {bound.evaluate(**numbers):.6g}")
        if bound.paper_form is not None:
            print(f"paper's form value: {bound.evaluate_paper_form(**numbers):.6g}")
    return 0


def _markov(args: argparse.Namespace) -> int:
    from simulate.markov import ReducibleChainError, StateSpace
    from simulate.markov.summary import sr_law_against_step

    noise = GaussianNoise(args.noise) if args.noise_law == "gaussian" else UniformNoise(args.noise)
    problem = (
        TiltedDoubleWell(height=0.25, tilt=0.1, noise=noise)
        if args.problem == "double-well"
        else MultiWell2D(noise=noise)
    )
    grid = Grid(args.delta)
    space = StateSpace(Box.around(np.zeros(problem.d), args.half_width, grid), grid)
    rates = sorted(args.lr or [0.2, 0.1, 0.05, 0.02], reverse=True)
    for a in rates:
        if not a > 0:
            raise ValueError(f"--lr must be > 0, got {a}")
    try:
        rows = sr_law_against_step(problem, space, rates, args.radius)
    except ReducibleChainError as error:
        raise ValueError(
            f"{error}. With --noise {args.noise} SR cannot move against the gradient somewhere in the box: "
            "use a larger --noise or a smaller --half-width"
        ) from None
    if args.json:
        payload = {
            "problem": args.problem,
            "noise": {"law": args.noise_law, "scale": args.noise},
            "delta": args.delta,
            "w_star": problem.w_star.tolist(),
            "radius": args.radius,
            "states": space.points().tolist(),
            "rows": [row.as_dict() for row in rows],
        }
        print(json.dumps(payload, indent=2))
        return 0
    print(
        f"SR on {args.problem} ({space.size} states, delta={args.delta}, {args.noise_law} noise {args.noise}); "
        f"w* = {np.round(problem.w_star, 3).tolist()}"
    )
    table = [["a", f"mass |w-w*|<={args.radius}", "TV(pi_a, pi_0)", "relaxation (steps)", "a x relaxation"]]
    for row in rows:
        label = "-> 0 (generator)" if row.a == 0 else f"{row.a:g}"
        scaled = row.relaxation_steps if row.a == 0 else row.a * row.relaxation_steps
        table.append(
            [
                label,
                f"{row.mass_near_minimizer:.4f}",
                f"{row.tv_from_small_step_law:.2e}",
                "-" if row.a == 0 else f"{row.relaxation_steps:.4g}",
                f"{scaled:.4g}",
            ]
        )
    _print_table(table, align=str.rjust)
    if problem.d == 1:
        print("stationary law (columns: a)")
        laws = [["w", *(f"{row.a:g}" if row.a else "->0" for row in rows)]]
        for k, point in enumerate(space.points()[:, 0]):
            laws.append([f"{point:+.3f}", *(f"{row.law[k]:.4f}" for row in rows)])
        _print_table(laws, align=str.rjust)
    return 0


def _figures(args: argparse.Namespace) -> int:
    from figures.cache import Cache
    from figures.progress import Progress
    from figures.registry import FIGURES
    from figures.reproduce import build_figures

    names = args.names or list(FIGURES)
    unknown = [n for n in names if n not in FIGURES]
    if unknown:
        raise ValueError(f"unknown figure(s) {', '.join(unknown)}; known: {', '.join(FIGURES)}")
    out = Path(args.out)
    cache = Cache(out / "cache", enabled=not args.no_cache)
    built, failed = build_figures(
        [FIGURES[n] for n in names], out, not args.full, cache, Progress(len(names), args.quiet)
    )
    for figure in built:
        print(f"{figure.spec.name}: {figure.png} {figure.pdf} {figure.data} {figure.sidecar}")
    for failure in failed:
        print(f"{failure.name}: FAILED: {failure.error}", file=sys.stderr)
    return 1 if failed else 0


def _reproduce(args: argparse.Namespace) -> int:
    from figures.reproduce import reproduce

    out = Path(args.out)
    status = reproduce(out, quick=not args.full, use_cache=not args.no_cache, quiet=args.quiet)
    print(f"report: {out / 'report.html'} and {out / 'report.md'}" + ("" if status == 0 else " (some checks FAILED)"))
    return status


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    speed = parser.add_mutually_exclusive_group()
    speed.add_argument("--quick", action="store_true", help="small sizes, minutes (default)")
    speed.add_argument("--full", action="store_true", help="paper-quality sizes, under an hour")
    parser.add_argument("--out", default="qnets-output", help="output directory (default ./qnets-output)")
    parser.add_argument("--no-cache", action="store_true", help="recompute everything, ignoring OUT/cache")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qnets", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    reproduce = commands.add_parser(
        "reproduce", help="every claim check and figure, then OUT/report.html and OUT/report.md (the main job)"
    )
    _add_run_options(reproduce)
    reproduce.set_defaults(handler=_reproduce)

    figures = commands.add_parser("figures", help="build figures (PNG, PDF, data, parameters) into OUT")
    figures.add_argument("names", nargs="*", help="figure names (default: all)")
    _add_run_options(figures)
    figures.set_defaults(handler=_figures)

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

    check = commands.add_parser("check", help="run claim checks and print verdicts (exit 1 if any fails)")
    check.add_argument("ids", nargs="*", help="claim ids (default: all)")
    speed = check.add_mutually_exclusive_group()
    speed.add_argument("--quick", action="store_true", help="small sizes (default)")
    speed.add_argument("--full", action="store_true", help="larger studies")
    check.add_argument("--json", action="store_true")
    check.set_defaults(handler=_check)

    bound = commands.add_parser("bound", help="show a derived bound, its derivation and its value")
    bound.add_argument(
        "name", help="C2, C3, C4, C5, C6, C6-limit, C7, sgd-strongly-convex, sgd-convex, or the derivations M2, M3, M4"
    )
    bound.add_argument("--derive", action="store_true", help="print and verify every derivation step")
    bound.add_argument("--latex", action="store_true")
    bound.add_argument("--set", action="append", metavar="NAME=VALUE", help="evaluate at these values")
    bound.set_defaults(handler=_bound)

    markov = commands.add_parser("markov", help="SR's exact stationary law, its mass near w* and mixing, against a")
    markov.add_argument("--problem", choices=("double-well", "multiwell"), default="double-well")
    markov.add_argument("--delta", type=float, default=0.25, help="grid spacing (default 0.25)")
    markov.add_argument("--noise-law", choices=("gaussian", "uniform"), default="gaussian")
    markov.add_argument("--noise", type=float, default=1.0, help="sigma (gaussian) or half-width (uniform)")
    markov.add_argument("--lr", type=float, action="append", help="a step size (repeatable; default 0.2 0.1 0.05 0.02)")
    markov.add_argument("--half-width", type=float, default=2.0, help="the box is [-h, h]^d (default 2)")
    markov.add_argument("--radius", type=float, default=0.3, help="'near w*' means within this distance")
    markov.add_argument("--json", action="store_true")
    markov.set_defaults(handler=_markov)

    bench = commands.add_parser("bench", help="throughput of the SR engine against the RNG limit")
    bench.add_argument("--chains", type=int, default=10_000)
    bench.add_argument("--d", type=int, default=100)
    bench.add_argument("--steps", type=int, default=30)
    bench.add_argument("--markov", action="store_true", help="accuracy and time of the stationary solvers instead")
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
    except BrokenPipeError:  # output piped into e.g. `head`, which closed early
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
