"""What several commands share: the table printer, run options and argument types."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from qnets import parallel


def print_table(rows: list[list[str]], align: Callable[[str, int], str]) -> None:
    """Print ``rows`` (the first is the header) in columns padded by ``align``."""
    widths = [max(len(row[j]) for row in rows) for j in range(len(rows[0]))]
    for row in rows:
        print("  ".join(align(cell, width) for cell, width in zip(row, widths, strict=True)).rstrip())


def add_speed_options(parser: argparse.ArgumentParser) -> None:
    """``--quick`` (the default) or ``--full``."""
    speed = parser.add_mutually_exclusive_group()
    speed.add_argument("--quick", action="store_true", help="small sizes, minutes on 2 cores (the default)")
    speed.add_argument("--full", action="store_true", help="paper-quality sizes (tens of minutes)")


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """The options of the commands that write a report or figures into a directory."""
    add_speed_options(parser)
    parser.add_argument("--out", default="qnets-output", help="output directory (default ./qnets-output)")
    parser.add_argument("--no-cache", action="store_true", help="recompute everything, ignoring OUT/cache")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")


def add_parallel_options(parser: argparse.ArgumentParser) -> None:
    """``--jobs N`` (default: all cores) and ``--scheduler ADDRESS`` (a Dask cluster)."""
    parser.add_argument(
        "--jobs",
        type=int,
        default=None,
        metavar="N",
        help="independent tasks (and chain blocks of long Monte Carlo runs) run on N local processes "
        "(default: all cores; 1 runs everything in this process); results do not depend on N",
    )
    parser.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="send the tasks to the Dask scheduler at ADDRESS, e.g. tcp://host:8786 (default: $QNETS_SCHEDULER "
        "if set, else run locally); needs pip install 'qnets[distributed]'",
    )


def backend_of(args: argparse.Namespace) -> parallel.Backend:
    """The backend chosen by ``--jobs`` and ``--scheduler``."""
    return parallel.from_options(args.jobs, args.scheduler)
