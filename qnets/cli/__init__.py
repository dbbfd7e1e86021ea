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
from importlib import import_module

from qnets import __version__
from qnets.cli.commands import HELPS
from qnets.cli.parsing import Parser, UsageError
from qnets.errors import InputError, RunFaultError, Stopped

#: Every command, in the order of ``qnets --help``.
COMMANDS = tuple(HELPS)
#: ``parser(ALL)`` registers every command's options.
ALL = "*"

DESCRIPTION = (
    "Theory checks and simulations for 'Training Quantized Nets: A Deeper Understanding' "
    "(Li et al., NeurIPS 2017). Start with: qnets reproduce"
)


def parser(command: str | None = ALL) -> argparse.ArgumentParser:
    """The argument parser: every command's options (``command=ALL``), or only those of
    ``command`` with the others listed by name and help; ``None`` imports no command module
    (``qnets --help``, ``--version`` and a mistyped command need none of the numerics)."""
    root = Parser(prog="qnets", description=DESCRIPTION)
    root.add_argument("--version", action="version", version=f"qnets {__version__}")
    commands = root.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=Parser)
    for name, text in HELPS.items():
        if command in (ALL, name):
            import_module(f"qnets.cli.{name}").register(commands)
        else:
            commands.add_parser(name, help=text, description=text)
    return root


def _command_in(argv: Sequence[str]) -> str | None:
    """The command that ``argv`` runs: its first word that is not an option, if it names one."""
    word = next((a for a in argv if not a.startswith("-")), None)
    return word if word in HELPS else None


def _parse(argv: Sequence[str]) -> argparse.Namespace:
    """``argv`` parsed; words left over are blamed on the command they follow (not on ``qnets``)."""
    command = _command_in(argv)
    root = parser(command)
    args, extras = root.parse_known_args(argv)
    if extras:
        (commands,) = [a for a in root._actions if isinstance(a, argparse._SubParsersAction)]
        commands.choices[args.command].error(f"unrecognized arguments: {' '.join(extras)}")
    return args


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
                args = _parse(sys.argv[1:] if argv is None else list(argv))
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
