"""``qnets reproduce``: every claim check and figure, then the report (the main job)."""

from __future__ import annotations

import argparse
from pathlib import Path

from qnets.cli._common import (
    add_memory_option,
    add_parallel_options,
    add_run_options,
    add_seed_option,
    backend_of,
    check_full_work,
)
from qnets.cli.commands import HELPS

HELP = HELPS["reproduce"]


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``reproduce`` and its options to ``commands``."""
    reproduce = commands.add_parser("reproduce", help=HELP, description=HELP)
    add_run_options(
        reproduce,
        "about a minute on 2 cores",
        "about 19 minutes on 2 cores (37 CPU-minutes) by its tasks' recorded times",
    )
    add_seed_option(reproduce, "the checks and figures")
    add_parallel_options(reproduce)
    add_memory_option(reproduce, full_runs_only=True)
    reproduce.set_defaults(handler=run_command)


def run_command(args: argparse.Namespace) -> int:
    """Run everything and write the report; exit status 1 if a check or figure failed."""
    from qnets.pipeline.reproduce import full_wall_seconds, reproduce

    check_full_work(full_wall_seconds(), args, "reproduce")
    backend = backend_of(args)  # every option validated, the scheduler reached: then the folder
    out = Path(args.out)
    status = reproduce(
        out,
        quick=not args.full,
        use_cache=not args.no_cache,
        quiet=args.quiet,
        seed=args.seed,
        backend=backend,
    )
    print(f"report: {out / 'report.html'} and {out / 'report.md'}" + ("" if status == 0 else " (some checks FAILED)"))
    return status
