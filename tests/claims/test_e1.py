"""E1: its check holds at its seed and at other seeds, and FAILS under each bug of its catalogue."""

from __future__ import annotations

import pytest
from claim_testing import SEEDS, assert_holds, scale_simulated_noise
from qnets.simulate import GaussianNoise

from qnets.claims import e1


@pytest.mark.parametrize("seed", SEEDS)
def test_e1_check_holds_at_every_seed(seed):
    assert_holds("E1", seed)


def test_e1_check_catches_simulation_noise_scaled(monkeypatch):
    scale_simulated_noise(monkeypatch, GaussianNoise, 1.2)
    assert not e1.check().holds


def test_e1_check_catches_generator_up_rates_scaled(monkeypatch):
    """The exact floor's up rates ``E[(-g)^+]/delta`` (the ramp with ``s < 0``) are 1.2 times too large."""
    original = GaussianNoise.expected_ramp

    def scaled(self, m, s):
        return original(self, m, s) * (1.2 if s < 0 else 1.0)

    monkeypatch.setattr(GaussianNoise, "expected_ramp", scaled)
    assert not e1.check().holds
