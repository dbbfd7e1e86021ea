"""``qnets check``: run claim checks and print their verdicts."""

from __future__ import annotations

import argparse

from qnets.cli._common import add_parallel_options, add_seed_option, add_speed_options, backend_of, print_table

HELP = "run claim checks and print verdicts (exit 1 if any fails)"


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``check`` and its options to ``commands``."""
    check = commands.add_parser("check", help=HELP, description=HELP)
    check.add_argument("ids", nargs="*", help="claim ids such as C3 M2 E1 (default: all)")
    add_speed_options(check)
    add_seed_option(check, "the checks")
    add_parallel_options(check)
    check.add_argument("--json", action="store_true", help="machine-readable verdicts")
    check.set_defaults(handler=run_command)


def run_command(args: argparse.Namespace) -> int:
    """Run the checks; exit status 1 if any fails."""
    from qnets.claims import CLAIMS, run_checks
    from qnets.figures.output import dumps

    verdicts = run_checks(args.ids, quick=not args.full, seed=args.seed, backend=backend_of(args))
    if args.json:
        print(dumps([v.as_dict() for v in verdicts]))
    else:
        rows = [["claim", "source", "verdict", "measured", "bound", "margin", "ratio", "parts", "detail"]]
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
                    v.parts_text() or "-",
                    v.detail,
                ]
            )
        print_table(rows, align=str.ljust)
    return 0 if all(v.holds for v in verdicts) else 1
