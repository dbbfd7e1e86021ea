"""The ``qnets`` command line: one module per command.

``reproduce`` (the main job), ``figures``, ``check``, ``bound``, ``simulate``, ``markov``,
``nets``, ``bench`` and ``sweep``.  Exit status: 0 when everything holds, 1 when a claim check
or a figure fails, 2 for bad input (a one-line message naming the option), 130 when
interrupted.  Usage errors (argparse), the toolkit's own input errors
(:class:`qnets.errors.InputError`) and running out of memory become one line and exit status 2;
a fault of the run's environment (:class:`qnets.errors.RunFaultError`: a lost cluster, a full
disk) one line and exit status 1; anything else is a bug and keeps its traceback.  Ctrl-C, SIGTERM
and SIGHUP stop the command (its workers too) with one line saying what was kept, and exit
status 130, 143 or 129; final outputs are written atomically, so nothing is left half-written,
and results already cached are reused by the next run.
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from qnets import __version__
from qnets.cli import bench, bound, check, figures, markov, nets, reproduce, simulate, sweep
from qnets.cli._common import Parser, UsageError
from qnets.errors import InputError, RunFaultError, Stopped

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


@contextmanager
def _stopping_signals() -> Iterator[None]:
    """Inside the block SIGTERM and SIGHUP raise :class:`~qnets.errors.Stopped`, like Ctrl-C raises
    ``KeyboardInterrupt`` (outside the main thread, where handlers cannot be set, nothing changes)."""

    def stop(number: int, frame: object) -> None:
        raise Stopped(number, signal.Signals(number).name)

    previous = {}
    try:
        for number in (signal.SIGTERM, signal.SIGHUP):
            previous[number] = signal.signal(number, stop)
    except ValueError:  # not the main thread
        pass
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _kept(args: argparse.Namespace | None) -> str:
    """What an interrupted command kept: its ``kept(args)`` if it says, else nothing."""
    kept = getattr(args, "kept", None)
    return kept(args) if kept is not None else "nothing was written"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``qnets`` console script and of ``python -m qnets``; returns the exit status."""
    command, args = "qnets", None
    try:
        with _stopping_signals():
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
    except RunFaultError as error:
        print(f"{command}: error: {error}", file=sys.stderr)
        return 1
    except MemoryError:
        sizes = getattr(args, "size_options", ())
        values = {name: getattr(args, name) for name in sizes if getattr(args, name) is not None}
        driven = " ".join(f"--{name.replace('_', '-')} {value}" for name, value in values.items())
        print(
            f"{command}: error: out of memory"
            + (f" with {driven}; use smaller values" if driven else "; use smaller sizes"),
            file=sys.stderr,
        )
        return 2
    except Stopped as stopped:
        print(f"{command}: stopped by {stopped.name}; {_kept(args)}", file=sys.stderr)
        return 128 + stopped.number
    except KeyboardInterrupt:
        print(f"{command}: interrupted; {_kept(args)}", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into e.g. `head`, which closed early
        sys.stderr.close()
        return 0
