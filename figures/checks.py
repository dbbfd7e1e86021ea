"""Claim verdicts through the cache, so the report and the tightness figure share one run."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
from qnets.figures.cache import Arrays, Cache
from qnets.figures.output import dumps
from qnets.figures.provenance import code_hash

from qnets.claims.registry import run_checks
from qnets.claims.verdict import SEED, Verdict

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


def verdict_from_arrays(arrays: Arrays) -> Verdict:
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


def cached_verdicts(
    ids: list[str], quick: bool, cache: Cache, claims: dict | None = None, seed: int = SEED
) -> list[Verdict]:
    """``run_checks`` one claim at a time with root seed ``seed``, each verdict cached under its id,
    mode, seed and code hash (``claims``: the registry to use, default
    :data:`qnets.claims.registry.CLAIMS`); a cached verdict that fails :func:`verdict_from_arrays`
    is recomputed."""
    verdicts = []
    for claim_id in ids:

        def compute(claim_id: str = claim_id) -> dict[str, np.ndarray]:
            verdict = run_checks([claim_id], quick, claims, seed)[0]
            return {"verdict": np.array(dumps(verdict.as_dict(), indent=None))}

        arrays = cache.get_or_compute(
            f"check-{claim_id}",
            {"quick": quick, "seed": seed, "code": code_hash()},
            compute,
            validate=verdict_from_arrays,
        )
        verdicts.append(verdict_from_arrays(arrays))
    return verdicts
