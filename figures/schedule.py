"""How ``reproduce`` orders and groups its tasks: longest first, and tasks that share work together.

Neither changes a result (each task depends only on its own parameters and seed); both only
shorten the wall time on a pool of workers.

* Longest first: the tasks of :data:`LONGEST_TASKS` start first, in that order, so that no long
  task starts late and runs alone at the end while the other workers idle.
* Shared work: the tasks of one entry of :data:`SHARED_WORK` call the same study of
  :mod:`qnets.simulate.nets.studies`, which each process computes once per ``(sizes, seed)``
  (``functools.cache``).  Run in one process, one after another, they pay for the study once;
  on separate workers each would compute it.
"""

from __future__ import annotations

#: The tasks (labels ``check ID`` and ``figure NAME``) that take longest at full size, longest
#: first: measured with ``qnets reproduce --full`` on 2 cores (paper_notes/README.md).
LONGEST_TASKS = (
    "check C3",
    "check C4",
    "figure floor-vs-lr",
    "figure toy-2d",
    "check N3",
    "check C9",
    "figure toy-1d",
    "check N1",
    "figure floor-vs-delta",
    "figure convergence",
    "figure dimension",
    "check N2",
    "check E2",
    "check M1",
    "check M4",
    "check M5",
    "check C7",
)

#: Tasks that compute the same memoised study, by study.
SHARED_WORK = {
    "nets table study": ("check N1", "figure nets-table", "figure nets-weights"),
    "nets batch study": ("check N2", "figure nets-batch"),
    "nets learning-rate study": ("check N3", "figure nets-lr"),
}


def plan(labels: list[str]) -> list[list[int]]:
    """The tasks ``labels`` as groups of indices: each group runs in one process, in order, and
    the groups are listed longest first (a group ranks as its longest member).

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
    rank = {label: order for order, label in enumerate(LONGEST_TASKS)}

    def first_start(group: list[int]) -> tuple[int, int]:
        return min(rank.get(labels[index], len(rank)) for index in group), min(group)

    return sorted(groups, key=first_start)
