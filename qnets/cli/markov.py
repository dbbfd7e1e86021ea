"""``qnets markov``: SR's exact stationary law on a toy, its mass near w* and its mixing, against a."""

from __future__ import annotations

import argparse
import math
import time
from typing import TYPE_CHECKING

from qnets.cli._common import add_memory_option, check_cost, print_table, real
from qnets.cli.choices import DOUBLE_WELL_DELTA, MAX_HALF_WIDTH, MAX_SCALE, MAX_STATES, NEAR_RADIUS
from qnets.cli.commands import HELPS
from qnets.errors import InputError

if TYPE_CHECKING:  # the chains are imported by the command, not to parse its arguments
    from qnets.simulate import Problem

HELP = HELPS["markov"]
DEFAULT_RATES = (0.2, 0.1, 0.05, 0.02)
#: ``--noise`` when not given, per law: uniform noise must outweigh the gradient everywhere in
#: the default box (|F'| reaches 3.7 one grid step inside [-2, 2]) or the chain is reducible.
DEFAULT_NOISE = {"gaussian": 1.0, "uniform": 4.0}
#: From this many states on, each step size's solve is announced on stderr.
PROGRESS_FROM_STATES = 1000


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``markov`` and its options to ``commands``."""
    markov = commands.add_parser("markov", help=HELP, description=HELP)
    markov.add_argument(
        "--problem",
        choices=("double-well", "multiwell"),
        default="double-well",
        help="the 1-D tilted double well or the 2-D three-well toy (default double-well)",
    )
    markov.add_argument(
        "--delta",
        type=real(above=0),
        default=DOUBLE_WELL_DELTA,
        help=f"grid spacing, at most --half-width (default {DOUBLE_WELL_DELTA}); the chain may have at most "
        f"{MAX_STATES} states",
    )
    markov.add_argument(
        "--noise-law", choices=("gaussian", "uniform"), default="gaussian", help="gradient-noise law (default gaussian)"
    )
    markov.add_argument(
        "--noise",
        type=real(above=0, at_most=MAX_SCALE),
        default=None,
        help="sigma (gaussian, default 1) or half-width (uniform, default 4) of the noise",
    )
    markov.add_argument(
        "--lr",
        type=real(above=0),
        action="append",
        help="a step size (repeatable; default " + " ".join(map(str, DEFAULT_RATES)) + ")",
    )
    markov.add_argument(
        "--half-width",
        type=real(above=0, at_most=MAX_HALF_WIDTH),
        default=2.0,
        help="the box is [-h, h]^d (default 2, at most 1e6)",
    )
    markov.add_argument(
        "--radius",
        type=real(above=0),
        default=NEAR_RADIUS,
        help=f"'near w*' means within this distance (default {NEAR_RADIUS})",
    )
    add_memory_option(markov)
    markov.add_argument("--json", action="store_true", help="machine-readable output (strict JSON)")
    markov.set_defaults(handler=run_command, size_options=("delta", "half_width", "lr"))


def run_command(args: argparse.Namespace) -> int:
    """Solve the chains and print the table (or JSON)."""
    import numpy as np

    from qnets.output import dumps
    from qnets.pipeline.progress import Progress
    from qnets.simulate import GaussianNoise, UniformNoise
    from qnets.simulate.markov import ReducibleChainError
    from qnets.simulate.markov.limits import MAX_REACH, chain_cost, one_step_reach
    from qnets.simulate.markov.summary import sr_law_against_step
    from qnets.simulate.scenarios import double_well, three_wells

    if args.noise is None:
        args.noise = DEFAULT_NOISE[args.noise_law]
    if args.delta > args.half_width:
        raise InputError(f"--delta {args.delta:g} must be at most --half-width {args.half_width:g}")
    noise = GaussianNoise(args.noise) if args.noise_law == "gaussian" else UniformNoise(args.noise)
    problem: Problem
    try:
        if args.problem == "double-well":
            problem, space = double_well(noise, args.half_width, args.delta)
        else:
            problem, space = three_wells(noise, args.delta, args.half_width)
    except InputError as error:
        raise InputError(f"--delta {args.delta:g} with --half-width {args.half_width:g}: {error}") from None
    if space.size > MAX_STATES:
        per_axis = math.floor(MAX_STATES ** (1 / problem.d))
        smallest = args.half_width / ((per_axis - 1) // 2)
        raise InputError(
            f"--delta {args.delta:g} with --half-width {args.half_width:g} gives {space.size} states; the exact "
            f"(dense) chains of qnets markov allow at most {MAX_STATES}: use --delta >= {smallest:.3g}"
        )
    rates = sorted(args.lr or DEFAULT_RATES, reverse=True)
    check_cost(
        chain_cost(space.size, len(rates) + 1),
        args,
        f"--delta {args.delta:g} --half-width {args.half_width:g} ({space.size} states) with {len(rates)} --lr",
    )
    reach = one_step_reach(problem, space, rates[0], args.noise)
    if not reach <= MAX_REACH:
        raise InputError(
            f"--lr {rates[0]:g} moves SR up to {reach:.3g} grid points in one step (--delta {args.delta:g}, "
            f"--noise {args.noise:g}); the exact laws resolve at most {MAX_REACH:g}: use a smaller --lr or --noise"
        )
    progress = Progress(len(rates), quiet=space.size < PROGRESS_FROM_STATES)
    rows = []
    for a in rates:
        started = time.perf_counter()
        try:
            row, limit = sr_law_against_step(problem, space, [a], args.radius)
        except ReducibleChainError as error:
            raise InputError(f"--lr {a:g}: {error}. {_reducible_advice(args, a)}") from None
        except ArithmeticError as error:
            raise InputError(f"--lr {a:g}: {error}; use a larger --lr") from None
        rows.append(row)
        progress.finish(f"step size {a:g} ({space.size} states)", "solved", time.perf_counter() - started)
    rows.append(limit)
    if args.json:
        payload = {
            "problem": args.problem,
            "noise": {"law": args.noise_law, "scale": args.noise},
            "delta": args.delta,
            "w_star": problem.w_star,
            "radius": args.radius,
            "states": space.points(),
            "rows": [row.as_dict() for row in rows],
        }
        print(dumps(payload))
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
    print_table(table, align=str.rjust)
    if problem.d == 1:
        print("stationary law (columns: a)")
        laws = [["w", *(f"{row.a:g}" if row.a else "->0" for row in rows)]]
        for k, point in enumerate(space.points()[:, 0]):
            laws.append([f"{point:+.3f}", *(f"{row.law[k]:.4f}" for row in rows)])
        print_table(laws, align=str.rjust)
    return 0


def _reducible_advice(args: argparse.Namespace, a: float) -> str:
    """What to change when SR's chain at step ``a`` is reducible."""
    if a * args.noise > 2 * args.half_width:
        return (
            f"With --noise {args.noise:g} nearly every step lands on an edge of the box, so the states inside "
            "no longer communicate: use a smaller --noise or --lr"
        )
    return (
        f"With --noise {args.noise:g} SR cannot move against the gradient somewhere in the box: "
        "use a larger --noise or a smaller --half-width"
    )
