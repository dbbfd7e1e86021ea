"""The ``qnets`` command line: one module per command.

``reproduce`` (the main job), ``figures``, ``check``, ``bound``, ``simulate``, ``markov``,
``nets``, ``bench`` and ``sweep``.  Exit status: 0 when everything holds, 1 when a claim check
or a figure fails, 2 for bad input (a one-line message naming the option), 130 when
interrupted.  Usage errors (argparse), the toolkit's own input errors
(:class:`qnets.errors.InputError`) and running out of memory become one line and exit status 2;
anything else is a bug and keeps its traceback.  Ctrl-C prints one line and exits with 130;
final outputs are written atomically, so nothing is left half-written, and results already
cached are reused by the next run.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from qnets import __version__
from qnets.cli import bench, bound, check, figures, markov, nets, reproduce, simulate, sweep
from qnets.cli._common import Parser, UsageError
from qnets.errors import InputError

COMMANDS = (reproduce, figures, check, bound, simulate, markov, nets, bench, sweep)

DESCRIPTION = (
    "Theory checks and simulations for 'Training Quantized Nets: A Deeper Understanding' "
    "(Li et al., NeurIPS 2017). Start with: qnets reproduce"
)


def parser() -> argparse.ArgumentParser:
    """The argument parser of every command."""
    root = Parser(prog="qnets", description=DESCRIPTION)
    root.add_argument("--version", action="version", version=f"qnets {__version__}")
    commands = root.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.register(commands)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``qnets`` console script and of ``python -m qnets``; returns the exit status."""
    command = "qnets"
    try:
        try:
            args = parser().parse_args(argv)
        except SystemExit as done:  # --help and --version
            return done.code if isinstance(done.code, int) else 0
        command = f"qnets {args.command}"
        return int(args.handler(args))
    except UsageError as error:
        print(error, file=sys.stderr)
        return 2
    except InputError as error:
        print(f"{command}: error: {error}", file=sys.stderr)
        return 2
    except MemoryError:
        print(f"{command}: error: out of memory; use smaller sizes (or a lower --max-memory)", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{command}: interrupted; re-run to resume from the cache", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into e.g. `head`, which closed early
        sys.stderr.close()
        return 0
