"""M5: its check holds at its seed and at other seeds, and FAILS under each bug of its catalogue."""

from __future__ import annotations

import pytest
from claim_testing import SEEDS, assert_holds, scale_generator_up_rates, scale_simulated_noise
from qnets.simulate import MinibatchNoise

from qnets.claims import m5


@pytest.mark.parametrize("seed", SEEDS)
def test_m5_check_holds_at_every_seed(seed):
    assert_holds("M5", seed)


def test_m5_check_catches_generator_up_rates_scaled(monkeypatch):
    scale_generator_up_rates(monkeypatch, 1.2)
    verdict = m5.check()
    assert not verdict.holds and verdict.parts["generic Delta = 0.3"] is False


def test_m5_check_catches_minibatch_simulation_noise_scaled(monkeypatch):
    scale_simulated_noise(monkeypatch, MinibatchNoise, 1.3)
    assert not m5.check().holds
