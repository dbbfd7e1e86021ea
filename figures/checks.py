"""Claim verdicts through the cache, so the report and the tightness figure share one run."""

from __future__ import annotations

from qnets.figures.cache import Cache
from qnets.figures.tasks import CheckTask, DoneCallback, run_cached, verdict_of

from qnets import parallel
from qnets.claims.registry import CLAIMS, Claim
from qnets.claims.verdict import Verdict


def cached_verdicts(
    ids: list[str],
    quick: bool,
    cache: Cache,
    claims: dict[str, Claim] | None = None,
    backend: parallel.Backend = parallel.SERIAL,
    on_done: DoneCallback | None = None,
) -> list[Verdict]:
    """The verdicts of ``ids`` from ``claims`` (default :data:`qnets.claims.registry.CLAIMS`), each
    cached under its id, mode and code hash; the missing ones run on ``backend``."""
    claims = CLAIMS if claims is None else claims
    tasks = [CheckTask(claims[claim_id], quick) for claim_id in ids]
    return [verdict_of(arrays) for arrays in run_cached(tasks, cache, backend, on_done)]  # type: ignore[arg-type]
