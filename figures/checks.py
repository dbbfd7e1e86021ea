"""Claim verdicts through the cache, so the report and the tightness figure share one run."""

from __future__ import annotations

import json

import numpy as np
from qnets.figures.cache import Cache
from qnets.figures.provenance import code_hash

from qnets.claims.registry import run_checks
from qnets.claims.verdict import SEED, Verdict


def cached_verdicts(
    ids: list[str], quick: bool, cache: Cache, claims: dict | None = None, seed: int = SEED
) -> list[Verdict]:
    """``run_checks`` one claim at a time with root seed ``seed``, each verdict cached under its id,
    mode, seed and code hash (``claims``: the registry to use, default
    :data:`qnets.claims.registry.CLAIMS`)."""
    verdicts = []
    for claim_id in ids:

        def compute(claim_id: str = claim_id) -> dict[str, np.ndarray]:
            verdict = run_checks([claim_id], quick, claims, seed)[0]
            return {"verdict": np.array(json.dumps(verdict.as_dict(), default=float))}

        arrays = cache.get_or_compute(f"check-{claim_id}", {"quick": quick, "seed": seed, "code": code_hash()}, compute)
        fields = json.loads(str(arrays["verdict"]))
        fields.pop("ratio")
        verdicts.append(Verdict(**fields))
    return verdicts
