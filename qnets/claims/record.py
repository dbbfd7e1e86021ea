"""What a claim is: its statement, sizes, bound, check, figures and notes, in one record.

Every claim module ``qnets/claims/<id>.py`` defines ``CLAIM = Claim(...)``; the registry
(:mod:`qnets.claims.registry`) collects them.  A claim's run sizes are data
(:class:`SizeTable`: one frozen dataclass for quick runs and one for full runs), and its check
is called as ``check(sizes, seed)`` with the claim's bound as a keyword argument whose default
is the registry's object, so a test can hand it a wrong bound instead of patching a module.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from qnets.claims.verdict import Verdict
from qnets.theory.bound import Bound
from qnets.theory.markov import Derivation

#: A claim's sizes: a frozen dataclass of plain numbers and tuples.
S = TypeVar("S")

#: The source tags of ``claims.md``.
SOURCES = ("paper", "paper (restated)", "reconstructed", "extension")


@dataclass(frozen=True)
class NoSizes:
    """The sizes of a check that does not depend on the run mode (an exact or symbolic check)."""


@dataclass(frozen=True)
class SizeTable(Generic[S]):
    """A claim's sizes for quick runs (``qnets check``) and full runs (``qnets check --full``)."""

    quick: S
    full: S

    def pick(self, quick: bool) -> S:
        """:attr:`quick` or :attr:`full`."""
        return self.quick if quick else self.full


#: The size table of the checks that do not depend on the run mode.
NO_SIZES: SizeTable[NoSizes] = SizeTable(NoSizes(), NoSizes())


def sizes_dict(sizes: Any) -> dict:
    """The JSON-ready fields of a sizes dataclass (recorded in every verdict's parameters)."""
    return dataclasses.asdict(sizes)


@dataclass(frozen=True)
class Claim:
    """A claim of ``claims.md``.

    ``check(sizes, seed)`` returns its :class:`~qnets.claims.verdict.Verdict`; ``bound`` is the derived bound (or, for
    a distributional claim, the derivation) that the check compares with, passed to it as its
    default; ``figures`` names the figures that show the claim (:mod:`qnets.figures.registry`);
    ``notes`` is the ``paper_notes/`` file whose section headed by the claim id records it.
    ``full_seconds`` is the expected seconds of the full-size check in its process in ``qnets
    reproduce --full``, after the tasks before it in its study group (N4 after N1 reuses the
    table study); a scheduling hint and the ``--max-work`` estimate, never a result.  Recorded on
    2 December 2026 from one full run that shared the machine: each task's progress time scaled
    by the run's CPU time over the sum of the task times (2,213 CPU-s / 10,083 s).  ``study``
    names the memoised study the check shares with figures (tasks sharing a study run in one
    process).
    """

    claim_id: str
    source: str
    statement: str
    check: Callable[..., Verdict]
    sizes: SizeTable
    notes: str
    bound: Bound | Derivation | None = None
    figures: tuple[str, ...] = ()
    full_seconds: float = 2.0
    study: str | None = None
    #: The theory module of the derivation, when it is not the one of ``bound``.
    derivation_module: str | None = None

    def __post_init__(self) -> None:
        if self.source not in SOURCES:
            raise ValueError(f"source of {self.claim_id} must be one of {SOURCES}, got {self.source!r}")

    def run(self, quick: bool, seed: int) -> Verdict:
        """The check at the quick or full sizes with root seed ``seed``; the sizes are recorded in
        the verdict's parameters."""
        sizes = self.sizes.pick(quick)
        verdict = self.check(sizes, seed)
        return dataclasses.replace(verdict, params={**verdict.params, "sizes": sizes_dict(sizes)})

    @property
    def module(self) -> str:
        """The claim's own module, ``qnets.claims.<id>``."""
        return f"qnets.claims.{self.claim_id.lower()}"

    @property
    def derivation(self) -> str | None:
        """The theory module that derives the claim's bound, if it has one."""
        if self.derivation_module is not None:
            return self.derivation_module
        if isinstance(self.bound, Bound):
            return "qnets.theory.convex"
        if isinstance(self.bound, Derivation):
            return "qnets.theory.markov"
        return None

    def test_file(self) -> Path:
        """The claim's test module, relative to the source tree: ``tests/claims/test_<id>.py``."""
        return Path("tests") / "claims" / f"test_{self.claim_id.lower()}.py"
