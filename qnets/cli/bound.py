"""``qnets bound``: a derived bound or derivation, its verified steps and its value."""

from __future__ import annotations

import argparse
import math
from typing import TYPE_CHECKING

from qnets.cli.choices import BOUND_NAMES, DERIVATION_NAMES
from qnets.cli.commands import HELPS
from qnets.cli.parsing import did_you_mean
from qnets.errors import InputError

if TYPE_CHECKING:  # sympy is imported by the command, not to parse its arguments
    from qnets.theory.bound import Step

HELP = HELPS["bound"]


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``bound`` and its options to ``commands``."""
    bound = commands.add_parser("bound", help=HELP, description=HELP)
    bound.add_argument(
        "name",
        type=bound_name,
        help=f"a bound: {', '.join(BOUND_NAMES)}; or a derivation: {', '.join(DERIVATION_NAMES)} (any case)",
    )
    bound.add_argument("--derive", action="store_true", help="print and verify every derivation step")
    bound.add_argument("--latex", action="store_true", help="print the result as LaTeX")
    bound.add_argument(
        "--set",
        action="append",
        metavar="NAME=VALUE",
        help="evaluate at these values (repeat for each symbol, each once; finite numbers, integers for d and T)",
    )
    bound.set_defaults(handler=run_command)


def bound_name(text: str) -> str:
    """An argparse type: the bound or derivation that ``text`` names, in any case (``c3`` is ``C3``)."""
    known = (*BOUND_NAMES, *DERIVATION_NAMES)
    named = {name.lower(): name for name in known}.get(text.lower())
    if named is None:
        raise argparse.ArgumentTypeError(
            f"unknown bound {text!r}{did_you_mean(text, known)}; known: {', '.join(known)}"
        )
    return named


def parse_settings(items: list[str], symbols: set) -> dict[str, float]:
    """``["mu=1", "d=2"]`` -> ``{"mu": 1.0, "d": 2}``, checked against the bound's ``symbols``.

    Each value must be a finite number, an integer for integer symbols (``d``, ``T``), and each
    name may be given once.  An unknown name is refused first (before any missing one); the range
    (> 0) is checked by ``evaluate``.
    """
    integers = {s.name for s in symbols if s.is_integer}
    names = sorted(s.name for s in symbols)
    numbers: dict[str, float] = {}
    for item in items:
        key, equals, text = (part.strip() for part in item.partition("="))
        if equals and key and key not in names:
            raise InputError(
                f"--set {key}: no such parameter{did_you_mean(key, names)}; parameters: {', '.join(names)}"
            )
        try:
            value = float(text) if equals and key else math.nan
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            raise InputError(f"--set expects NAME=FINITE_NUMBER, got {item!r}")
        if key in numbers:
            raise InputError(f"--set {key} given twice ({key}={numbers[key]:g} and {key}={value:g}); give it once")
        if key in integers and not value.is_integer():
            raise InputError(f"--set {key}={text}: {key} is an integer")
        numbers[key] = int(value) if key in integers else value
    return numbers


def _value_line(label: str, value: float) -> str:
    if not math.isfinite(value):
        raise InputError(f"the {label} overflows float64 at these --set values ({value}); use smaller values")
    return f"{label}: {value:.6g}"


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

    if args.name in DERIVATION_NAMES:
        return _derivation(args)
    bound = all_bounds()[args.name]
    values = []
    if args.set:
        numbers = parse_settings(args.set, bound.all_symbols())
        try:
            values.append(_value_line("value", bound.evaluate(**numbers)))
            if bound.paper_form is not None:
                values.append(_value_line("paper's form value", bound.evaluate_paper_form(**numbers)))
        except InputError as error:
            raise InputError(f"--set: {error}") from None
    print(f"{bound.name} (claim {bound.claim_id})")
    print("assumptions: " + "; ".join(bound.assumptions))
    print(f"derived (LaTeX): {bound.latex()}" if args.latex else f"derived: {bound.quantity} <= {bound.expr}")
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
    for line in values:
        print(line)
    return 0
