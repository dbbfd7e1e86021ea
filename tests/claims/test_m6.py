"""M6: its check holds at its seed and at other seeds, and FAILS under each bug of its catalogue."""

from __future__ import annotations

import pytest
from claim_testing import SEEDS, assert_holds
from qnets.simulate import GaussianNoise

from qnets.claims import m6


@pytest.mark.parametrize("seed", SEEDS)
def test_m6_check_holds_at_every_seed(seed):
    assert_holds("M6", seed)


def test_m6_check_catches_coordinates_sharing_noise(monkeypatch):
    def shared(self, g, rng, scratch=None):
        g += self.sigma * rng.standard_normal(size=(g.shape[0], 1))

    monkeypatch.setattr(GaussianNoise, "add_to", shared)
    assert not m6.check().holds
