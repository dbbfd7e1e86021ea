"""C5: its check holds at its seed and at other seeds, and FAILS under each bug of its catalogue."""

from __future__ import annotations

import pytest
from claim_testing import SEEDS, assert_fails_without_floor, assert_holds

from qnets.claims import c5


@pytest.mark.parametrize("seed", SEEDS)
def test_c5_check_holds_at_every_seed(seed):
    assert_holds("C5", seed)


def test_c5_check_catches_the_floor_removed():
    """BC's limit point has a positive gap; the floorless bound's limit is 0."""
    assert_fails_without_floor(c5)
