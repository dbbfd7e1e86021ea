"""Progress lines with an estimate of the time left, on stderr (``--quiet`` silences them)."""

from __future__ import annotations

import sys
import time


class Progress:
    """Counts finished tasks; the time left is the mean time per task so far times the rest."""

    def __init__(self, total: int, quiet: bool = False) -> None:
        self.total = total
        self.quiet = quiet
        self.done = 0
        self.started = time.perf_counter()
        self._task_started = self.started

    def start(self, label: str) -> None:
        """Announce a task."""
        self._task_started = time.perf_counter()
        self.say(f"[{self.done + 1}/{self.total}] {label} ...")

    def finish(self, label: str, note: str = "", seconds: float | None = None) -> None:
        """Record a finished task and print its time (``seconds``, by default the time since
        :meth:`start`) and the estimate of what is left."""
        self.done += 1
        now = time.perf_counter()
        seconds = now - self._task_started if seconds is None else seconds
        left = (now - self.started) / self.done * (self.total - self.done)
        tail = f"; about {left:.0f} s left" if self.done < self.total else f"; all done in {now - self.started:.0f} s"
        self.say(f"[{self.done}/{self.total}] {label}: {note + ', ' if note else ''}{seconds:.1f} s{tail}")

    def say(self, text: str) -> None:
        """Print a line (unless quiet)."""
        if not self.quiet:
            print(text, file=sys.stderr, flush=True)
