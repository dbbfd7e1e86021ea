"""C5: its check holds at its seed and at other seeds, and FAILS under each bug of its catalogue."""

from __future__ import annotations

import pytest
from claim_testing import SEEDS, assert_fails_without_floor, assert_holds, bias_bc_limit_corners, doubled_floor

from qnets.claims import c5


@pytest.mark.parametrize("seed", SEEDS)
def test_c5_check_holds_at_every_seed(seed):
    assert_holds("C5", seed)


def test_c5_check_catches_the_floor_removed():
    """BC's limit point has a positive gap; the floorless bound's limit is 0."""
    assert_fails_without_floor(c5)


def test_c5_check_catches_a_floor_twice_the_derived_one():
    """A looser bound still holds and its floor is still necessary: only the tightness parts fail."""
    verdict = c5.check(bound=doubled_floor(c5.BOUND))
    assert verdict.parts["upper bound holds"] and verdict.parts["floor necessary"]
    assert not verdict.holds and not verdict.parts["tightness = derived"]
    assert not verdict.parts["generic: tightness = derived"]


def test_c5_check_catches_a_biased_limit_point(monkeypatch):
    """BC's limit point from corners weighted by 3p^2 - 2p^3: the independent enumeration disagrees."""
    bias_bc_limit_corners(monkeypatch)
    verdict = c5.check()
    assert not verdict.holds and not verdict.parts["exact = independent"]
    assert not verdict.parts["generic: exact = independent"]
