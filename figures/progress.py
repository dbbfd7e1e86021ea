"""Progress lines with an estimate of the time left, on stderr (``--quiet`` silences them)."""

from __future__ import annotations

import sys
import time


class Progress:
    """Counts finished tasks; the time left is the wall time per computed task so far (tasks
    found in the cache take none) times the tasks still to run."""

    def __init__(self, total: int, quiet: bool = False) -> None:
        self.total = total
        self.quiet = quiet
        self.done = 0
        self.cached = 0
        self.started = time.perf_counter()

    def finish(self, label: str, note: str, seconds: float, cached: bool = False) -> None:
        """Record a finished task (it took ``seconds``; ``cached``: it was found in the cache) and
        print its time and the estimate of what is left."""
        self.done += 1
        self.cached += cached
        now = time.perf_counter()
        computed = self.done - self.cached
        left = f"about {(now - self.started) / computed * (self.total - self.done):.0f} s left" if computed else "..."
        tail = f"; {left}" if self.done < self.total else f"; all done in {now - self.started:.0f} s"
        self.say(f"[{self.done}/{self.total}] {label}: {note + ', ' if note else ''}{seconds:.1f} s{tail}")

    def say(self, text: str) -> None:
        """Print a line (unless quiet)."""
        if not self.quiet:
            print(text, file=sys.stderr, flush=True)
