"""C8: its check holds at its seed and at other seeds, and FAILS under each bug of its catalogue."""

from __future__ import annotations

import pytest
from claim_testing import SEEDS, assert_holds
from qnets.simulate import Rounding

from qnets.claims import c8


@pytest.mark.parametrize("seed", SEEDS)
def test_c8_check_holds_at_every_seed(seed):
    assert_holds("C8", seed)


def test_c8_check_catches_rounding_that_is_stochastic(monkeypatch):
    def stochastic_round(self, x, rng, out, scratch):
        self.grid.stochastic(x, rng, out=out, scratch=scratch)

    monkeypatch.setattr(Rounding, "_round", stochastic_round)
    verdict = c8.check()
    assert not verdict.holds and not verdict.parts["generic: no chain moves after the stall step"]
    assert not verdict.parts["no chain moves after the stall step"]
