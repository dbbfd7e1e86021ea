"""C6: its check holds at its seed and at other seeds, and FAILS under each bug of its catalogue."""

from __future__ import annotations

import pytest
from claim_testing import SEEDS, assert_fails_without_floor, assert_holds

from qnets.claims import c6


@pytest.mark.parametrize("seed", SEEDS)
def test_c6_check_holds_at_every_seed(seed):
    assert_holds("C6", seed)


def test_c6_check_catches_the_floor_removed():
    """As for C5, with C6's Lipschitz-Hessian floor."""
    assert_fails_without_floor(c6)
