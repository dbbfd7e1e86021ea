"""E2: its check holds at its seed and at other seeds, and FAILS under each bug of its catalogue."""

from __future__ import annotations

import pytest
from claim_testing import (
    SEEDS,
    assert_holds,
    bias_stochastic_rounding,
    scale_simulated_noise,
    square_exact_noise_scale,
)
from qnets.simulate import GaussianNoise, inverse_time

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


def test_e2_check_catches_exact_propagation_with_the_variance_for_sigma(monkeypatch):
    """Invisible at sigma = 1; the generic instances' Monte Carlo runs, independent propagation and
    small-step limit see it."""
    square_exact_noise_scale(monkeypatch)
    verdict = e2.check()
    assert verdict.parts["exact = Monte Carlo"] and verdict.parts["small-step limit = E1 floor"]
    assert not verdict.holds and not verdict.parts["generic: exact = Monte Carlo"]
    assert not verdict.parts["exact = independent"] and not verdict.parts["generic: small-step limit = E1 floor"]


def test_e2_check_catches_a_schedule_of_1_over_mu_squared(monkeypatch):
    """Simulation and exact propagation share the wrong schedule, so Monte Carlo agrees; the
    independent propagation (steps typed by hand) does not."""
    monkeypatch.setattr(e2, "inverse_time", lambda mu: inverse_time(mu**2))
    verdict = e2.check()
    assert verdict.parts["exact = Monte Carlo"]
    assert not verdict.holds and not verdict.parts["exact = independent"]
