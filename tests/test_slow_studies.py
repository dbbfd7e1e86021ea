"""The large studies: every claim check at its ``--full`` size (marked ``slow``; about 11 CPU-minutes).

Run with ``python -m pytest -m slow``.  The default run checks the same claims at quick size
(``test_quick_claim_checks_all_hold``).
"""

import pytest

from qnets.claims.registry import CLAIMS, run_checks


@pytest.mark.slow
@pytest.mark.parametrize("claim_id", list(CLAIMS))
def test_full_size_claim_check_holds(claim_id):
    (verdict,) = run_checks([claim_id], quick=False)
    assert verdict.holds, verdict.detail
