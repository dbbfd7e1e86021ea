"""What several commands share: the table printer, run options and argument types."""

from __future__ import annotations

import argparse
from collections.abc import Callable


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
