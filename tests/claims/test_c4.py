"""C4: its check holds at its seed and at other seeds, and FAILS under each bug of its catalogue."""

from __future__ import annotations

import pytest
from claim_testing import SEEDS, assert_fails_without_floor, assert_holds

from qnets.claims import c4


@pytest.mark.parametrize("seed", SEEDS)
def test_c4_check_holds_at_every_seed(seed):
    assert_holds("C4", seed)


def test_c4_check_catches_the_floor_removed():
    """The exact |w - w*| instance keeps |E w_bar - w*| near 0.3 Delta."""
    assert_fails_without_floor(c4)
