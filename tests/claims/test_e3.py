"""E3: its check holds at its seed and at other seeds, and FAILS under each bug of its catalogue."""

from __future__ import annotations

from dataclasses import replace

import pytest
from claim_testing import SEEDS, assert_holds
from qnets.theory.convex import all_bounds

from qnets.claims import e3


@pytest.mark.parametrize("seed", SEEDS)
def test_e3_check_holds_at_every_seed(seed):
    assert_holds("E3", seed)


def test_e3_check_catches_the_restated_c6_taken_as_derived():
    bounds = all_bounds()
    restated = {**bounds, "C6": replace(bounds["C6"], expr=bounds["C6"].paper_form)}
    assert not e3.check(bounds=restated).holds
