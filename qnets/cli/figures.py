"""``qnets figures``: build figures (PNG, PDF, data, parameters) into a directory."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from qnets.cli._common import add_memory_option, add_parallel_options, add_run_options, backend_of, check_full_work
from qnets.cli.choices import FIGURE_NAMES
from qnets.cli.commands import HELPS
from qnets.cli.parsing import did_you_mean
from qnets.errors import InputError

HELP = HELPS["figures"]


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``figures`` and its options to ``commands`` (the figure names from
    :data:`~qnets.cli.choices.FIGURE_NAMES`, so that ``--help`` imports no figure)."""
    figures = commands.add_parser("figures", help=HELP, description=HELP)
    figures.add_argument("names", nargs="*", help=f"figure names, default all: {', '.join(FIGURE_NAMES)}")
    add_run_options(figures, "under a minute on 2 cores", "several minutes on 2 cores")
    add_parallel_options(figures)
    add_memory_option(figures, full_runs_only=True)
    figures.set_defaults(handler=run_command)


def run_command(args: argparse.Namespace) -> int:
    """Build the named figures; exit status 1 if any fails.  A mistyped name is refused before
    the figures (and matplotlib) are imported."""
    names = args.names or list(FIGURE_NAMES)
    unknown = [n for n in names if n not in FIGURE_NAMES]
    if unknown:
        hints = "".join(did_you_mean(name, FIGURE_NAMES) for name in unknown)
        raise InputError(f"unknown figure(s) {', '.join(unknown)}{hints}; known: {', '.join(FIGURE_NAMES)}")
    from qnets.figures.registry import FIGURES
    from qnets.output import prepare_output_dir
    from qnets.pipeline.cache import Cache
    from qnets.pipeline.reproduce import build_figures, full_wall_seconds

    for name in dict.fromkeys(names):
        if names.count(name) > 1:
            print(f"qnets figures: figure {name} given {names.count(name)} times; it is built once", file=sys.stderr)
    specs = [FIGURES[name] for name in dict.fromkeys(names)]
    check_full_work(full_wall_seconds({}, {spec.name: spec for spec in specs}), args, "figures")
    backend = backend_of(args)  # every option validated, the scheduler reached: then the folder
    out = prepare_output_dir(Path(args.out))
    cache = Cache(out / "cache", enabled=not args.no_cache)
    built, failed = build_figures(specs, out, not args.full, cache, args.quiet, backend)
    for figure in built:
        print(f"{figure.spec.name}: {figure.png} {figure.pdf} {figure.data} {figure.sidecar}")
    for failure in failed:
        print(f"{failure.name}: FAILED: {failure.error}", file=sys.stderr)
    return 1 if failed else 0
