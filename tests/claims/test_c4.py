"""C4: its check holds at its seed and at other seeds, and FAILS under each bug of its catalogue."""

from __future__ import annotations

from dataclasses import replace

import pytest
import sympy as sp
from claim_testing import SEEDS, assert_fails_without_floor, assert_holds, doubled_floor

from qnets.claims import c4, floors


@pytest.mark.parametrize("seed", SEEDS)
def test_c4_check_holds_at_every_seed(seed):
    assert_holds("C4", seed)


def test_c4_check_catches_the_floor_removed():
    """The exact |w - w*| instance keeps |E w_bar - w*| near 0.3 Delta."""
    assert_fails_without_floor(c4)


def test_c4_check_catches_a_floor_twice_the_derived_one():
    """A looser bound still holds and its floor is still necessary: only the tightness parts fail."""
    verdict = c4.check(bound=doubled_floor(c4.BOUND))
    assert verdict.parts["upper bound holds"] and verdict.parts["floor necessary"]
    assert not verdict.holds and not verdict.parts["tightness = derived"]
    assert not verdict.parts["generic: tightness = derived"]


def test_c4_check_catches_a_floor_without_its_gradient_bound():
    """The floor sqrt(d) Delta / 2 (G dropped): invisible where G = 1, seen at the generic slope 1.3."""
    bound = c4.BOUND
    floor = bound.floor.subs(sp.Symbol("G", positive=True), 1)
    assert floor != bound.floor
    wrong = replace(bound, expr=bound.expr - bound.floor + floor, floor=floor)
    # the exact instances as c4.check builds them (its Monte Carlo sweep does not see the floor's G)
    steps = c4.SIZES.quick.instance_steps
    assert floors.sr_convex_nonsmooth_instance(wrong, steps).checks["tightness = derived"]
    assert not floors.sr_convex_nonsmooth_instance(wrong, steps, *floors.GENERIC_C4).checks["tightness = derived"]
