"""``qnets markov``: SR's exact stationary law on a toy, its mass near w* and its mixing, against a."""

from __future__ import annotations

import argparse
import json

import numpy as np

from qnets.cli._common import print_table
from qnets.errors import InputError
from qnets.simulate import GaussianNoise, UniformNoise
from qnets.simulate.scenarios import DOUBLE_WELL_DELTA, NEAR_RADIUS, double_well, three_wells

HELP = "SR's exact stationary law, its mass near w* and mixing, against a"
DEFAULT_RATES = (0.2, 0.1, 0.05, 0.02)


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
        "--delta", type=float, default=DOUBLE_WELL_DELTA, help=f"grid spacing (default {DOUBLE_WELL_DELTA})"
    )
    markov.add_argument(
        "--noise-law", choices=("gaussian", "uniform"), default="gaussian", help="gradient-noise law (default gaussian)"
    )
    markov.add_argument(
        "--noise", type=float, default=1.0, help="sigma (gaussian) or half-width (uniform) of the noise (default 1)"
    )
    markov.add_argument(
        "--lr",
        type=float,
        action="append",
        help="a step size (repeatable; default " + " ".join(map(str, DEFAULT_RATES)) + ")",
    )
    markov.add_argument("--half-width", type=float, default=2.0, help="the box is [-h, h]^d (default 2)")
    markov.add_argument(
        "--radius",
        type=float,
        default=NEAR_RADIUS,
        help=f"'near w*' means within this distance (default {NEAR_RADIUS})",
    )
    markov.add_argument("--json", action="store_true", help="machine-readable output")
    markov.set_defaults(handler=run_command)


def run_command(args: argparse.Namespace) -> int:
    """Solve the chains and print the table (or JSON)."""
    from qnets.simulate.markov import ReducibleChainError
    from qnets.simulate.markov.summary import sr_law_against_step

    noise = GaussianNoise(args.noise) if args.noise_law == "gaussian" else UniformNoise(args.noise)
    if args.problem == "double-well":
        problem, space = double_well(noise, args.half_width, args.delta)
    else:
        problem, space = three_wells(noise, args.delta, args.half_width)
    rates = sorted(args.lr or DEFAULT_RATES, reverse=True)
    for a in rates:
        if not a > 0:
            raise InputError(f"--lr must be > 0, got {a}")
    try:
        rows = sr_law_against_step(problem, space, rates, args.radius)
    except ReducibleChainError as error:
        raise InputError(
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
    print_table(table, align=str.rjust)
    if problem.d == 1:
        print("stationary law (columns: a)")
        laws = [["w", *(f"{row.a:g}" if row.a else "->0" for row in rows)]]
        for k, point in enumerate(space.points()[:, 0]):
            laws.append([f"{point:+.3f}", *(f"{row.law[k]:.4f}" for row in rows)])
        print_table(laws, align=str.rjust)
    return 0
