"""What several commands share: the parser, argument types, the memory budget, output helpers.

Arguments are validated at the edge, by argparse, so that every error names the option the
user typed:

* :class:`qnets.cli.parsing.Parser` prints a usage error as one line and refuses an option
  given twice;
* :func:`real` and :func:`whole` parse finite numbers in a range and integers (``2.5`` is not
  an integer); :func:`memory_size` parses ``--max-memory``;
* :func:`check_cost` compares a command's estimates (:class:`qnets.simulate.budget.Cost`) with
  ``--max-memory`` and ``--max-work`` before any large allocation and refuses in one line naming
  the options, the estimate and the limit.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from qnets.errors import InputError
from qnets.units import MAX_EXACT_INTEGER, format_bytes, format_seconds

if TYPE_CHECKING:  # the engines are imported by the commands that run them, not to parse arguments
    from qnets import parallel
    from qnets.simulate.budget import Cost

#: ``--max-memory`` when not given: well below the 24 GiB of the reference machine.
DEFAULT_MAX_MEMORY = "4GiB"
#: ``--max-work`` when not given: about an hour of the reference machine (2 cores).
DEFAULT_MAX_WORK = "1h"
#: Seconds per unit of ``--max-work``.
DURATIONS = {
    "": 1,
    "s": 1,
    "sec": 1,
    "min": 60,
    "m": 60,
    "h": 3600,
    "hour": 3600,
    "hours": 3600,
    "d": 86400,
    "days": 86400,
}
UNITS = {"": 1, "b": 1, "k": 1e3, "m": 1e6, "g": 1e9, "t": 1e12, "ki": 2**10, "mi": 2**20, "gi": 2**30, "ti": 2**40}


def real(
    *, above: float | None = None, at_least: float | None = None, at_most: float | None = None
) -> Callable[[str], float]:
    """An argparse type: a finite float with the given bounds (the message states them)."""
    bounds = [
        f"{sign} {value:g}" for sign, value in ((">", above), (">=", at_least), ("<=", at_most)) if value is not None
    ]
    allowed = " ".join(["a finite number", " and ".join(bounds)]).strip()

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {allowed}, got {text!r}") from None
        if (
            not math.isfinite(value)
            or (above is not None and not value > above)
            or (at_least is not None and not value >= at_least)
            or (at_most is not None and not value <= at_most)
        ):
            raise argparse.ArgumentTypeError(f"must be {allowed}, got {text!r}")
        return value

    return parse


def whole(minimum: int, maximum: int = MAX_EXACT_INTEGER) -> Callable[[str], int]:
    """An argparse type: an integer in ``[minimum, maximum]`` (``2.5`` and ``1e3`` are refused)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be an integer, got {text!r}") from None
        if not minimum <= value <= maximum:
            raise argparse.ArgumentTypeError(f"must be an integer in [{minimum}, {maximum}], got {text}")
        return value

    return parse


def memory_size(text: str) -> float:
    """``--max-memory``: bytes, with an optional unit (``512M``, ``4GiB``, ``1e9``), or ``unlimited``."""
    if text.strip().lower() in ("unlimited", "none"):
        return math.inf
    match = re.fullmatch(r"\s*([0-9.eE+]+)\s*([kKmMgGtT]i?)?[bB]?\s*", text)
    try:
        value = float(match[1]) * UNITS[(match[2] or "").lower()] if match else math.nan
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a size such as 512MiB, 4GiB or 1e9, or 'unlimited'; got {text!r}")
    return value


def duration(text: str) -> float:
    """``--max-work``: seconds of the reference machine, with an optional unit (``90``, ``30min``,
    ``2h``, ``1d``), or ``unlimited``."""
    if text.strip().lower() in ("unlimited", "none"):
        return math.inf
    match = re.fullmatch(r"\s*([0-9.eE+]+)\s*([a-zA-Z]*)\s*", text)
    try:
        value = float(match[1]) * DURATIONS[match[2].lower()] if match else math.nan
    except (ValueError, KeyError):
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(
            f"must be a duration such as 600, 30min, 2h or 1d, or 'unlimited'; got {text!r}"
        )
    return value


def add_memory_option(parser: argparse.ArgumentParser, full_runs_only: bool = False) -> None:
    """``--max-memory`` and ``--max-work``: the budgets every estimate is checked against
    (``full_runs_only``: the command estimates its time only at ``--full``, from its tasks'
    recorded full-size seconds, see :func:`check_full_work`)."""
    runs, estimate = "runs", ""
    if full_runs_only:
        runs = "--full runs"
        estimate = "; the estimate sums the tasks' recorded full-size times, the quick sizes are not estimated"
    parser.add_argument(
        "--max-memory",
        type=memory_size,
        default=memory_size(DEFAULT_MAX_MEMORY),
        metavar="SIZE",
        help=f"refuse runs estimated to need more memory than this (default {DEFAULT_MAX_MEMORY}; it also caps "
        "--jobs); give a larger size, or 'unlimited', to go past it on purpose",
    )
    parser.add_argument(
        "--max-work",
        type=duration,
        default=duration(DEFAULT_MAX_WORK),
        metavar="TIME",
        help=f"refuse {runs} estimated to take longer than this on a 2-core machine (default {DEFAULT_MAX_WORK}"
        f"{estimate}); give a longer time such as 10h, or 'unlimited', to go past it on purpose",
    )


def check_cost(cost: Cost, args: argparse.Namespace, options: str) -> None:
    """Refuse, in one line, when ``cost`` exceeds ``--max-memory`` or ``--max-work`` of ``args``;
    ``options`` names the options that set the sizes (``"--chains 1000000000 --d 10"``)."""
    if cost.bytes > args.max_memory:
        largest = max(cost.memory, key=cost.memory.__getitem__)
        enough = format_bytes(1.25 * cost.bytes).replace(" ", "")
        raise InputError(
            f"{options} need about {format_bytes(cost.bytes)} of memory (mostly {largest}), above --max-memory "
            f"{format_bytes(args.max_memory)}; use smaller sizes, or pass --max-memory {enough} to go past the "
            "limit on purpose"
        )
    if cost.seconds > args.max_work:
        raise InputError(
            f"{options} are about {cost.work:.3g} {cost.unit}, about {format_seconds(cost.seconds)} on 2 cores, "
            f"above --max-work {format_seconds(args.max_work)}; use smaller sizes, or pass --max-work unlimited "
            "to go past the limit on purpose"
        )


def check_full_work(seconds: float, args: argparse.Namespace, command: str) -> None:
    """Refuse, in one line, a ``--full`` run of ``command`` whose expected wall ``seconds`` on
    2 cores (from its tasks' recorded full-size seconds) exceed ``--max-work``; a quick run
    passes unchecked."""
    if args.full and seconds > args.max_work:
        raise InputError(
            f"qnets {command} --full is expected to take about {format_seconds(seconds)} on 2 cores (its tasks' "
            f"recorded full-size times), above --max-work {format_seconds(args.max_work)}; pass a longer "
            "--max-work, or 'unlimited', to go past the limit on purpose"
        )


def options_text(args: argparse.Namespace, names: Sequence[str]) -> str:
    """``"--chains 1000 --d 10"`` for the attributes ``names`` of ``args``."""
    return " ".join(f"--{name.replace('_', '-')} {getattr(args, name)}" for name in names)


@dataclass
class StepProgress:
    """A learning-rate schedule that also prints progress lines on stderr during long runs.

    The Monte Carlo engine calls the schedule once per step; this wrapper passes the call on
    and, once ``after`` seconds have passed, prints ``step t/steps`` every ``every`` seconds.
    """

    schedule: Callable[[int], float]
    steps: int
    label: str
    after: float = 5.0
    every: float = 10.0
    _started: float = field(default_factory=time.perf_counter)
    _last: float = 0.0

    @property
    def name(self) -> str:
        """The wrapped schedule's name."""
        return str(getattr(self.schedule, "name", repr(self.schedule)))

    def __call__(self, t: int) -> float:
        now = time.perf_counter()
        elapsed = now - self._started
        if t and elapsed >= self.after and now - self._last >= self.every:
            self._last = now
            left = elapsed / t * (self.steps - t)
            print(f"{self.label}: step {t}/{self.steps}, about {left:.0f} s left", file=sys.stderr, flush=True)
        return self.schedule(t)


def print_table(rows: list[list[str]], align: Callable[[str, int], str]) -> None:
    """Print ``rows`` (the first is the header) in columns padded by ``align``."""
    widths = [max(len(row[j]) for row in rows) for j in range(len(rows[0]))]
    for row in rows:
        print("  ".join(align(cell, width) for cell, width in zip(row, widths, strict=True)).rstrip())


def add_seed_option(parser: argparse.ArgumentParser, what: str) -> None:
    """``--seed N``: the root seed of ``what`` (an integer >= 0; default the claims' ``SEED``)."""
    from qnets.seed import SEED

    parser.add_argument(
        "--seed",
        type=whole(0),
        default=SEED,
        help=f"root seed of every Monte Carlo run of {what} (an integer >= 0, default {SEED}); "
        "a correct claim holds for any seed",
    )


def add_speed_options(parser: argparse.ArgumentParser, quick: str, full: str) -> None:
    """``--quick`` (the default) or ``--full``; ``quick`` and ``full`` say how long each takes."""
    speed = parser.add_mutually_exclusive_group()
    speed.add_argument("--quick", action="store_true", help=f"small sizes, {quick} (the default)")
    speed.add_argument("--full", action="store_true", help=f"paper-quality sizes, {full}")


def kept_in_cache(args: argparse.Namespace) -> str:
    """What an interrupted command that caches its tasks under ``OUT/cache`` kept."""
    if args.no_cache:
        return "with --no-cache the tasks that finished were not kept"
    return f"the tasks that finished are in {args.out}/cache: re-run the same command to resume"


def add_run_options(parser: argparse.ArgumentParser, quick: str, full: str) -> None:
    """The options of the commands that write a report or figures into a directory (``quick`` and
    ``full``: how long each size takes, see :func:`add_speed_options`)."""
    parser.set_defaults(kept=kept_in_cache)
    add_speed_options(parser, quick, full)
    parser.add_argument(
        "--out", default="qnets-output", help="output directory, checked before any work (default ./qnets-output)"
    )
    parser.add_argument("--no-cache", action="store_true", help="recompute everything, ignoring OUT/cache")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")


def add_parallel_options(parser: argparse.ArgumentParser) -> None:
    """``--jobs N`` (default: all cores), ``--scheduler ADDRESS`` (a Dask cluster) and its TLS files."""
    parser.add_argument(
        "--jobs",
        type=whole(1, 4096),
        default=None,
        metavar="N",
        help="independent tasks (and chain blocks of long Monte Carlo runs) run on N local processes "
        "(default: all cores, at most what --max-memory allows; 1 runs everything in this process); results do "
        "not depend on N",
    )
    parser.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="send the tasks to the Dask scheduler at ADDRESS, tls://host:8786 (with the --tls-* files) or "
        "tcp://host:8786 (default: $QNETS_SCHEDULER if set, else run locally); needs pip install "
        "'qnets[distributed]'. Over tcp:// anyone who reaches the port can run code on the workers",
    )
    for kind, what in (("ca", "the CA certificate"), ("cert", "this client's certificate"), ("key", "its key")):
        parser.add_argument(
            f"--tls-{kind}",
            default=None,
            metavar="FILE",
            help=f"PEM file of {what} for a tls:// --scheduler (default: $QNETS_TLS_{kind.upper()})",
        )


def backend_of(args: argparse.Namespace) -> parallel.Backend:
    """The backend chosen by ``--jobs``, ``--scheduler`` and the TLS files (``--jobs`` capped by
    ``--max-memory``), with the scheduler reached once: call it before creating anything."""
    from qnets import parallel
    from qnets.cluster import tls_files

    tls = tls_files(args.tls_ca, args.tls_cert, args.tls_key)
    backend = parallel.from_options(args.jobs, args.scheduler, tls, args.max_memory)
    backend.probe()
    return backend
