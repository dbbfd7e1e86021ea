"""``qnets bound``: a derived bound or derivation, its verified steps and its value."""

from __future__ import annotations

import argparse

from qnets.errors import InputError
from qnets.theory.bound import Step

HELP = "show a derived bound, its derivation and its value"


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``bound`` and its options to ``commands``."""
    bound = commands.add_parser("bound", help=HELP, description=HELP)
    bound.add_argument(
        "name",
        help="C2, C3, C4, C5, C6, C6-limit, C7, sgd-strongly-convex, sgd-convex, or the derivations M2, M3, M4",
    )
    bound.add_argument("--derive", action="store_true", help="print and verify every derivation step")
    bound.add_argument("--latex", action="store_true", help="print the result as LaTeX")
    bound.add_argument(
        "--set", action="append", metavar="NAME=VALUE", help="evaluate at these values (repeat for each symbol)"
    )
    bound.set_defaults(handler=run_command)


def parse_settings(items: list[str]) -> dict[str, float]:
    """``["mu=1", "G=2"]`` -> ``{"mu": 1.0, "G": 2.0}``."""
    numbers = {}
    for item in items:
        key, _, value = item.partition("=")
        try:
            numbers[key.strip()] = float(value)
        except ValueError:
            raise InputError(f"--set expects NAME=NUMBER, got {item!r}") from None
    return numbers


def print_steps(steps: list[tuple[Step, bool]]) -> None:
    """Each step with how it was checked and whether it was verified."""
    for i, (step, ok) in enumerate(steps, 1):
        print(f"  {i:2d}. [{step.check}: {'verified' if ok else 'NOT VERIFIED'}] {step.justification}")
        print(f"      {step.relation}")


def _derivation(args: argparse.Namespace) -> int:
    from qnets.theory.markov import derivations

    derivation = derivations()[args.name]
    if args.set:
        raise InputError(f"{args.name} is a distributional derivation with no value to evaluate; drop --set")
    print(f"{derivation.name} (claim {derivation.claim_id})")
    print("assumptions: " + "; ".join(derivation.assumptions))
    print(f"statement: {derivation.statement}")
    print(f"result: {derivation.latex() if args.latex else derivation.result}")
    if derivation.notes:
        print(f"notes: {derivation.notes}")
    if args.derive:
        print_steps(derivation.verify())
    return 0


def run_command(args: argparse.Namespace) -> int:
    """Print the bound (or the Markov derivation) named ``args.name``."""
    from qnets.theory.convex import all_bounds, scaling_consistent
    from qnets.theory.markov import derivations

    bounds = all_bounds()
    if args.name in derivations():
        return _derivation(args)
    if args.name not in bounds:
        raise InputError(f"unknown bound {args.name!r}; known: {', '.join([*bounds, *derivations()])}")
    bound = bounds[args.name]
    numbers = parse_settings(args.set) if args.set else None
    print(f"{bound.name} (claim {bound.claim_id})")
    print("assumptions: " + "; ".join(bound.assumptions))
    print(f"derived: {bound.quantity} <= {bound.latex() if args.latex else bound.expr}")
    if bound.paper_form is not None:
        print(f"paper's form: {bound.paper_form}")
    print(
        f"scaling-consistent (E3): derived {scaling_consistent(bound.expr, bound.scaling_power)}"
        + ("" if bound.paper_form is None else f", paper {scaling_consistent(bound.paper_form, bound.scaling_power)}")
    )
    if bound.notes:
        print(f"notes: {bound.notes}")
    if args.derive:
        print_steps(bound.verify())
    if numbers is not None:
        print(f"value: {bound.evaluate(**numbers):.6g}")
        if bound.paper_form is not None:
            print(f"paper's form value: {bound.evaluate_paper_form(**numbers):.6g}")
    return 0
