"""How ``reproduce`` orders and groups its tasks: longest first, and tasks that share work together.

Neither changes a result (each task depends only on its own parameters and seed); both only
shorten the wall time on a pool of workers.

* Longest first: the tasks start in decreasing order of their expected seconds
  (:func:`expected_seconds`, from :data:`FULL_RUN_SECONDS`), so that no long task starts late
  and runs alone at the end while the other workers idle.  The same numbers weight the
  estimate of the time left (:class:`figures.progress.Progress`).
* Shared work: the tasks of one entry of :data:`SHARED_WORK` call the same study of
  :mod:`qnets.simulate.nets.studies`, which each process computes once per ``(sizes, seed)``
  (``functools.cache``).  Run in one process, one after another, they pay for the study once;
  on separate workers each would compute it.
"""

from __future__ import annotations

#: Seconds each long task took in ``qnets reproduce --full --no-cache`` on 2 cores (its progress
#: lines, 2026-11-27), by label (``check ID`` or ``figure NAME``); a figure that reuses its group's
#: study is not listed.
#: Used only to order the tasks and to estimate the time left, never as a result.
FULL_RUN_SECONDS = {
    "check C3": 146.0,
    "check C4": 137.0,
    "figure toy-2d": 113.0,
    "figure floor-vs-lr": 109.0,
    "check N3": 101.0,
    "check C9": 70.0,
    "figure toy-1d": 58.0,
    "check N1": 37.0,
    "figure floor-vs-delta": 37.0,
    "figure convergence": 33.0,
    "figure dimension": 33.0,
    "check N2": 28.0,
    "check E2": 27.0,
    "check M1": 26.0,
    "check M5": 22.0,
    "check M4": 21.0,
    "check C7": 17.0,
}
#: The expected seconds of any other task (the rest took 0 to 8 s).
SHORT_TASK_SECONDS = 2.0


def expected_seconds(label: str) -> float:
    """The expected full-size seconds of the task ``label``: a scheduling hint."""
    return FULL_RUN_SECONDS.get(label, SHORT_TASK_SECONDS)


#: Tasks that compute the same memoised study, by study.
SHARED_WORK = {
    "nets table study": ("check N1", "figure nets-table", "figure nets-weights"),
    "nets batch study": ("check N2", "figure nets-batch"),
    "nets learning-rate study": ("check N3", "figure nets-lr"),
}


def plan(labels: list[str]) -> list[list[int]]:
    """The tasks ``labels`` as groups of indices: each group runs in one process, in order, and
    the groups are listed longest first (a group's expected seconds are its members' sum).

    Every index appears exactly once; tasks of :data:`SHARED_WORK` that are present form one
    group, in the order they are listed there, and every other task is a group of one."""
    position = {label: index for index, label in enumerate(labels)}
    grouped: list[list[int]] = []
    for members in SHARED_WORK.values():
        group = [position[label] for label in members if label in position]
        if group:
            grouped.append(group)
    taken = {index for group in grouped for index in group}
    groups = grouped + [[index] for index in range(len(labels)) if index not in taken]
    return sorted(groups, key=lambda group: (-sum(expected_seconds(labels[index]) for index in group), min(group)))
