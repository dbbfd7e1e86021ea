"""``python tests/faults_run.py ARGS...``: ``qnets reproduce`` on slow stand-in claims, for the fault tests.

The registry is replaced by ``CHECKS`` claims whose checks sleep ``SECONDS`` and return a fixed
verdict (so a run is long enough to interrupt at a random moment and its results are known), and
no figures.  Everything else (the cache, the pool, signals, exit statuses) is the real command's.
"""

from __future__ import annotations

import dataclasses
import functools
import sys
import time

import qnets.pipeline.reproduce
from qnets.claims import CLAIMS
from qnets.claims.verdict import Verdict
from qnets.cli import main

CHECKS = ("C1", "C2", "C8", "E3", "E4", "E5", "M3", "M6")
SECONDS = 0.4


def slow_check(claim_id: str, sizes, seed: int) -> Verdict:
    """A stand-in check: sleeps, then holds with a value that depends only on the seed."""
    time.sleep(SECONDS)
    return Verdict(claim_id, True, seed % 7 / 10, 1.0, 0.0, "stand-in for the fault tests", {}, seed=seed)


if __name__ == "__main__":
    qnets.pipeline.reproduce.CLAIMS = {
        claim_id: dataclasses.replace(CLAIMS[claim_id], check=functools.partial(slow_check, claim_id))
        for claim_id in CHECKS
    }
    qnets.pipeline.reproduce.FIGURES = {}
    sys.exit(main(["reproduce", *sys.argv[1:]]))
