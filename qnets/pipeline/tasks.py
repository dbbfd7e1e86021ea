"""The independent, cached tasks of ``reproduce``, ``check``, ``figures`` and ``sweep``.

A task is a picklable object with a cache ``name``, a ``description`` (everything that
determines its result: the cache key) and ``__call__() -> dict of arrays``; it may have a
``validate(arrays)`` schema check, which the cache applies to stored entries (an entry that fails
it is recomputed with a warning line).  :func:`run_cached`
looks every task up in the cache in this process, sends only the missing ones to a
:class:`qnets.parallel.Backend` and stores their results here, so workers (local processes or
Dask workers on other machines) need no access to the output directory, an interrupted run
resumes from what was stored, and results come back in task order whatever the backend.
"""

from __future__ import annotations

import dataclasses
import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from qnets import parallel
from qnets.claims.registry import Claim, run_checks
from qnets.claims.verdict import SEED, Verdict
from qnets.figures.spec import FigureSpec
from qnets.output import code_hash, dumps
from qnets.pipeline.cache import Arrays, Cache
from qnets.pipeline.progress import Progress


class Task(Protocol):
    """What :func:`run_cached` runs."""

    @property
    def name(self) -> str: ...

    @property
    def description(self) -> dict: ...

    def __call__(self) -> dict[str, np.ndarray]: ...


@dataclass(frozen=True)
class Failure:
    """A task that raised: ``TypeName: message`` (reported, never cached)."""

    error: str


#: ``on_done(index, outcome, seconds, cached)``: called in this process as each task finishes.
DoneCallback = Callable[[int, "dict[str, np.ndarray] | Failure", float, bool], None]


def _call(task: Task) -> dict[str, np.ndarray] | Failure:
    try:
        return {k: np.asarray(v) for k, v in task().items()}
    except Exception as error:  # reported by the caller (a failed figure or sweep point), not raised
        return Failure(f"{type(error).__name__}: {error}")


def _call_group(tasks: list[Task]) -> list[tuple[dict[str, np.ndarray] | Failure, float]]:
    """Each task's outcome and seconds, run one after another in this process."""
    timed = []
    for task in tasks:
        started = time.perf_counter()
        timed.append((_call(task), time.perf_counter() - started))
    return timed


def run_cached(
    tasks: Sequence[Task],
    cache: Cache,
    backend: parallel.Backend,
    on_done: DoneCallback | None = None,
    groups: Sequence[Sequence[int]] | None = None,
) -> list[dict[str, np.ndarray] | Failure]:
    """Each task's arrays, from the cache or computed on ``backend`` (then stored), in task order.

    ``groups`` (default: one group per task) partitions the task indices: the missing tasks of a
    group run in one backend call, in the group's order, and the groups are submitted in the
    order given (see :mod:`qnets.pipeline.schedule`).  A group's results come back, and are stored,
    when its last task finishes: an interrupted group is computed again on the next run."""
    descriptions = [task.description for task in tasks]  # once: the key must not change mid-run
    validators = [getattr(task, "validate", None) for task in tasks]  # a task's optional schema check
    groups = [[index] for index in range(len(tasks))] if groups is None else [list(group) for group in groups]
    if sorted(index for group in groups for index in group) != list(range(len(tasks))):
        raise ValueError(f"groups must partition the task indices 0..{len(tasks) - 1}, got {groups}")
    outcomes: list[dict[str, np.ndarray] | Failure | None] = []
    for index, task in enumerate(tasks):
        started = time.perf_counter()
        outcomes.append(cache.lookup(task.name, descriptions[index], validators[index]))
        if outcomes[-1] is not None and on_done is not None:
            on_done(index, outcomes[-1], time.perf_counter() - started, True)
    batches = [[index for index in group if outcomes[index] is None] for group in groups]
    batches = [batch for batch in batches if batch]

    def finished(position: int, timed: list[tuple[dict[str, np.ndarray] | Failure, float]], _: float) -> None:
        for index, (outcome, seconds) in zip(batches[position], timed, strict=True):
            if not isinstance(outcome, Failure):
                outcome = cache.store(tasks[index].name, descriptions[index], outcome, validators[index])
            outcomes[index] = outcome
            if on_done is not None:
                on_done(index, outcome, seconds, False)

    backend.map(_call_group, [[tasks[index] for index in batch] for batch in batches], finished)
    return [outcome for outcome in outcomes if outcome is not None]


def run_tasks(
    tasks: Sequence[Task],
    labels: Sequence[str],
    cache: Cache,
    backend: parallel.Backend,
    progress: Progress,
    describe: Callable[[dict[str, np.ndarray]], str],
    groups: Sequence[Sequence[int]] | None = None,
) -> list[dict[str, np.ndarray] | Failure]:
    """:func:`run_cached` with one progress line per finished task: its label, ``describe(outcome)``
    (and whether it came from the cache), its time and the estimated time left."""
    later = progress.total - len(tasks)
    drawn = f", then {later} drawn from their verdicts" if later > 0 else ""
    progress.say(f"{progress.total} steps: {len(tasks)} tasks on {backend.description}{drawn}")

    def report(index: int, outcome: dict[str, np.ndarray] | Failure, seconds: float, cached: bool) -> None:
        note = describe(outcome) if not isinstance(outcome, Failure) else f"FAILED ({outcome.error})"
        if cached:  # "computed (cached)" would contradict itself
            note = "from the cache" if note == "computed" else f"{note}, from the cache"
        progress.finish(labels[index], note, seconds, cached)

    return run_cached(tasks, cache, backend, report, groups)


@dataclass(frozen=True)
class CheckTask:
    """The verdict of one claim check, as the JSON of :meth:`Verdict.as_dict` in one array."""

    claim: Claim
    quick: bool
    seed: int = SEED

    @property
    def name(self) -> str:
        return f"check-{self.claim.claim_id}"

    @property
    def label(self) -> str:
        """How progress lines name the task."""
        return f"check {self.claim.claim_id}"

    @property
    def expected_seconds(self) -> float:
        """The claim's full-size seconds: a scheduling hint (:mod:`qnets.pipeline.schedule`)."""
        return self.claim.full_seconds

    @property
    def study(self) -> str | None:
        """The memoised study the check shares with figures."""
        return self.claim.study

    @property
    def description(self) -> dict:
        return {"quick": self.quick, "seed": self.seed, "code": code_hash()}

    def __call__(self) -> dict[str, np.ndarray]:
        claims = {self.claim.claim_id: self.claim}
        (verdict,) = run_checks([self.claim.claim_id], self.quick, claims, self.seed)
        return {"verdict": np.array(dumps(verdict.as_dict(), indent=None))}

    @staticmethod
    def validate(arrays: Arrays) -> Verdict:
        """The stored verdict, or ``ValueError`` naming what is wrong with it (:func:`verdict_of`)."""
        return verdict_of(arrays)


#: JSON types of the core fields of a stored verdict (``null`` stands for NaN); every other field of
#: :class:`Verdict`, and ``ratio``, must be present with any type.
VERDICT_TYPES: dict[str, tuple[type, ...]] = {
    "claim_id": (str,),
    "holds": (bool,),
    "measured": (int, float, type(None)),
    "bound": (int, float, type(None)),
    "margin": (int, float, type(None)),
    "detail": (str,),
    "params": (dict,),
    "ratio": (int, float, type(None)),
}
VERDICT_FIELDS = frozenset({f.name for f in dataclasses.fields(Verdict)} | {"ratio"})


def verdict_of(arrays: Arrays) -> Verdict:
    """The verdict stored in a cache entry, or ``ValueError`` naming what is wrong with it."""
    if set(arrays) != {"verdict"}:
        raise ValueError(f"expected one array 'verdict', got {sorted(arrays)}")
    try:
        fields = json.loads(str(arrays["verdict"]))
    except json.JSONDecodeError as error:
        raise ValueError(f"verdict is not JSON ({error.msg})") from None
    if not isinstance(fields, dict) or set(fields) != VERDICT_FIELDS:
        raise ValueError("verdict does not have the fields " + ", ".join(sorted(VERDICT_FIELDS)))
    for name, types in VERDICT_TYPES.items():
        if not isinstance(fields[name], types) or (name != "holds" and isinstance(fields[name], bool)):
            raise ValueError(f"verdict field {name!r} has type {type(fields[name]).__name__}")
    fields.pop("ratio")
    for name in ("measured", "bound", "margin"):
        fields[name] = math.nan if fields[name] is None else fields[name]
    return Verdict(**fields)


@dataclass(frozen=True)
class FigureDataTask:
    """The data arrays of one figure (``spec.compute(params)``)."""

    spec: FigureSpec
    params: dict

    @property
    def name(self) -> str:
        return f"figure-{self.spec.name}"

    @property
    def label(self) -> str:
        """How progress lines name the task."""
        return f"figure {self.spec.name}"

    @property
    def expected_seconds(self) -> float:
        """The figure's full-size seconds: a scheduling hint (:mod:`qnets.pipeline.schedule`)."""
        return self.spec.full_seconds

    @property
    def study(self) -> str | None:
        """The memoised study the computation shares with claim checks."""
        return self.spec.study

    @property
    def description(self) -> dict:
        return {"params": self.params, "code": code_hash()}

    def __call__(self) -> dict[str, np.ndarray]:
        if self.spec.compute is None:
            raise TypeError(f"figure {self.spec.name} is made from verdicts, not computed")
        return self.spec.compute(self.params)
