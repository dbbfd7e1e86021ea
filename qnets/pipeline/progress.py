"""Progress lines with an estimate of the time left, on stderr (``--quiet`` silences them)."""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping


class Progress:
    """Counts finished tasks and estimates the time left.

    Each task has an expected relative cost (``costs[label]``; 1 for a label not given, and for
    every task when ``costs`` is None).  The time left is the wall time so far per unit of cost
    computed (tasks found in the cache take no time) times the cost of the tasks still to run,
    so a run that starts with its longest tasks is not told it has hours left."""

    def __init__(self, total: int, quiet: bool = False, costs: Mapping[str, float] | None = None) -> None:
        self.total = total
        self.quiet = quiet
        self.costs = dict(costs or {})
        self.done = 0
        self.cached = 0
        self.cost_left = sum(self.costs.values()) + (total - len(self.costs))
        self.cost_computed = 0.0
        self.started = time.perf_counter()

    def finish(self, label: str, note: str, seconds: float, cached: bool = False) -> None:
        """Record a finished task (it took ``seconds``; ``cached``: it was found in the cache) and
        print its time and the estimate of what is left."""
        cost = self.costs.get(label, 1.0)
        self.done += 1
        self.cached += cached
        self.cost_left -= cost
        self.cost_computed += 0.0 if cached else cost
        now = time.perf_counter()
        if self.done == self.total:
            tail = f"; all done in {now - self.started:.0f} s"
        elif self.cost_computed:
            tail = f"; about {(now - self.started) / self.cost_computed * max(self.cost_left, 0.0):.0f} s left"
        else:
            tail = "; ..."
        self.say(f"[{self.done}/{self.total}] {label}: {note + ', ' if note else ''}{seconds:.1f} s{tail}")

    def say(self, text: str) -> None:
        """Print a line (unless quiet)."""
        if not self.quiet:
            print(text, file=sys.stderr, flush=True)
