"""E2: its check holds at its seed and at other seeds, and FAILS under each bug of its catalogue."""

from __future__ import annotations

import pytest
from claim_testing import SEEDS, assert_holds, bias_stochastic_rounding, scale_simulated_noise
from qnets.simulate import GaussianNoise

from qnets.claims import e2


@pytest.mark.parametrize("seed", SEEDS)
def test_e2_check_holds_at_every_seed(seed):
    assert_holds("E2", seed)


def test_e2_check_catches_biased_stochastic_rounding(monkeypatch):
    """Downstream: SR's Monte Carlo runs no longer agree with E2's exact (unbiased) laws."""
    bias_stochastic_rounding(monkeypatch)
    verdict = e2.check()
    assert not verdict.holds and not verdict.parts["exact = Monte Carlo"]


def test_e2_check_catches_simulation_noise_scaled(monkeypatch):
    """The simulated Gaussian noise 20% wider than the law E2's exact propagation assumes."""
    scale_simulated_noise(monkeypatch, GaussianNoise, 1.2)
    verdict = e2.check()
    assert not verdict.holds and not verdict.parts["exact = Monte Carlo"]
