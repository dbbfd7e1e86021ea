"""The claim registry: every claim module's ``CLAIM``, by id, in the order of ``claims.md``.

Each claim lives in its own module ``qnets/claims/<id>.py`` (statement, sizes, check, bound,
figures, notes); this module only collects them.  ``qnets check`` runs :func:`run_checks`.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module

from qnets import parallel
from qnets.claims.record import Claim
from qnets.claims.verdict import SEED, Verdict, crashed
from qnets.errors import InputError

#: Every claim id, in the order of ``claims.md``: convex, Markov chain, extensions, networks.
CLAIM_IDS = (
    *(f"C{i}" for i in range(1, 10)),
    *(f"M{i}" for i in range(1, 7)),
    *(f"E{i}" for i in range(1, 6)),
    *(f"N{i}" for i in range(1, 6)),
)

#: Claim id -> its record (:class:`~qnets.claims.record.Claim`), in the order of :data:`CLAIM_IDS`.
#:
#: :meta hide-value:
CLAIMS: dict[str, Claim] = {claim_id: import_module(f"qnets.claims.{claim_id.lower()}").CLAIM for claim_id in CLAIM_IDS}


def claims_shown_in(figure: str) -> list[str]:
    """The ids of the claims that declare ``figure`` among the figures that show them, in registry order."""
    return [claim_id for claim_id, claim in CLAIMS.items() if figure in claim.figures]


@dataclass(frozen=True)
class _CheckRun:
    """``check(claim)``: the claim's verdict with root seed ``seed`` (a crash is a failing verdict)."""

    quick: bool
    seed: int

    def __call__(self, claim: Claim) -> Verdict:
        try:
            return claim.run(self.quick, self.seed)
        except Exception as error:  # a crashing check is reported as failing, not raised
            return crashed(claim.claim_id, error)


def run_checks(
    ids: list[str] | None = None,
    quick: bool = True,
    claims: dict[str, Claim] | None = None,
    seed: int = SEED,
    backend: parallel.Backend = parallel.SERIAL,
    on_result: parallel.ResultCallback | None = None,
) -> list[Verdict]:
    """Run the checks of ``ids`` (all when None) from ``claims`` (default :data:`CLAIMS`) with the
    root seed ``seed`` of their Monte Carlo runs, as independent tasks on ``backend``; an
    unexpected error becomes a failing verdict.  Each verdict records the seed its check used
    (None for exact checks) and the sizes it ran at.  ``on_result(index, verdict, seconds)`` sees
    each verdict as it arrives (progress lines)."""
    claims = CLAIMS if claims is None else claims
    ids = ids if ids else list(claims)
    unknown = [i for i in ids if i not in claims]
    if unknown:
        raise InputError(f"unknown claim id(s) {', '.join(unknown)}; known: {', '.join(claims)}")
    return backend.map(_CheckRun(quick, seed), [claims[claim_id] for claim_id in ids], on_result)
