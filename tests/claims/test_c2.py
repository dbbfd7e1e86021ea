"""C2: its check holds at its seed and at other seeds, and FAILS under each bug of its catalogue."""

from __future__ import annotations

import pytest
from claim_testing import SEEDS, assert_holds, scaled_bound

from qnets.claims import c2


@pytest.mark.parametrize("seed", SEEDS)
def test_c2_check_holds_at_every_seed(seed):
    assert_holds("C2", seed)


def test_c2_check_catches_the_registry_bound_divided_by_4():
    assert not c2.check(bound=scaled_bound(c2.BOUND, 1 / 4)).holds
