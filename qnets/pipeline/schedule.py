"""How ``reproduce`` orders and groups its tasks: longest first, and tasks that share work together.

Neither changes a result (each task depends only on its own parameters and seed); both only
shorten the wall time on a pool of workers.  Both read what they need from the tasks
(:class:`ScheduledTask`): a claim's or figure's ``full_seconds`` and ``study``, declared in its
own module.

* Longest first: the tasks start in decreasing order of their expected seconds, so that no long
  task starts late and runs alone at the end while the other workers idle.  The same numbers
  weight the estimate of the time left (:class:`qnets.pipeline.progress.Progress`).
* The estimate of a run's wall time (:func:`wall_seconds`), which ``--max-work`` is checked
  against before a ``--full`` run starts: the groups handed, in this order, to the worker that
  frees first, as a process pool does.
* Shared work: tasks that name the same ``study`` call the same memoised study of
  :mod:`qnets.simulate.nets.studies`, which each process computes once per ``(sizes, seed)``
  (``functools.cache``).  Run in one process, one after another, they pay for the study once;
  on separate workers each would compute it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class ScheduledTask(Protocol):
    """What the schedule reads of a task."""

    @property
    def expected_seconds(self) -> float: ...

    @property
    def study(self) -> str | None: ...


def plan(tasks: Sequence[ScheduledTask]) -> list[list[int]]:
    """The tasks as groups of indices: each group runs in one process, in order, and the groups
    are listed longest first (a group's expected seconds are its members' sum).

    Every index appears exactly once; tasks naming the same study form one group, in task order,
    and every other task is a group of one."""
    by_study: dict[str, list[int]] = {}
    groups: list[list[int]] = []
    for index, task in enumerate(tasks):
        if task.study is None:
            groups.append([index])
        elif task.study in by_study:
            by_study[task.study].append(index)
        else:
            by_study[task.study] = [index]
            groups.append(by_study[task.study])
    seconds = group_seconds(tasks, groups)
    by_length = sorted(range(len(groups)), key=lambda g: (-seconds[g], min(groups[g])))
    return [groups[g] for g in by_length]


def group_seconds(tasks: Sequence[ScheduledTask], groups: Sequence[Sequence[int]]) -> list[float]:
    """Each group's expected seconds: the sum of its members' ``expected_seconds``."""
    return [sum(tasks[index].expected_seconds for index in group) for group in groups]


def wall_seconds(loads: Sequence[float], workers: int) -> float:
    """The expected wall seconds of running groups of expected seconds ``loads``, handed out in
    this order, on ``workers`` processes.

    List scheduling: each group in turn goes to the worker whose load is smallest (the one that
    frees first); the result is the largest load, ``max_w sum_{g -> w} s_g``.  It is an estimate
    from scheduling hints, never a measurement."""
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    totals = [0.0] * workers
    for load in loads:
        totals[totals.index(min(totals))] += load
    return max(totals)
