"""E1: its check holds at its seed and at other seeds, and FAILS under each bug of its catalogue."""

from __future__ import annotations

from dataclasses import replace

import pytest
from claim_testing import SEEDS, assert_holds, scale_simulated_noise
from qnets.simulate import GaussianNoise
from qnets.simulate.markov import quadratic as markov_quadratic

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


def test_e1_check_catches_the_floor_given_the_variance_for_the_standard_deviation(monkeypatch):
    """The exact floor built with noise of standard deviation sigma^2: invisible at sigma = 1, seen by
    the generic instance's Monte Carlo run and by the detailed-balance closed form."""
    monkeypatch.setattr(markov_quadratic, "GaussianNoise", lambda sigma: GaussianNoise(sigma**2))
    verdict = e1.check()
    assert verdict.parts["exact = Monte Carlo"]
    assert not verdict.holds and not verdict.parts["generic: exact = Monte Carlo"]
    assert not verdict.parts["exact = detailed balance"]


def test_e1_check_catches_a_c3_floor_twice_the_derived_one(monkeypatch):
    """SRFloor's C3 floor doubled: the ratio no longer equals the derived one."""
    original = e1.sr_floor_quadratic

    def doubled(*args):
        floor = original(*args)
        return replace(floor, c3_floor=2 * floor.c3_floor)

    monkeypatch.setattr(e1, "sr_floor_quadratic", doubled)
    verdict = e1.check()
    assert not verdict.holds and not verdict.parts["ratio to C3 floor = derived"]


def test_e1_check_catches_a_floor_off_by_a_factor_1_5(monkeypatch):
    """The exact floor's gap 1.5 times too large: the Monte Carlo parts and the closed form see it."""
    original = e1.sr_floor_quadratic
    monkeypatch.setattr(e1, "sr_floor_quadratic", lambda *args: replace(original(*args), gap=1.5 * original(*args).gap))
    verdict = e1.check()
    assert not verdict.holds and not verdict.parts["exact = detailed balance"]
    assert not verdict.parts["generic: exact = Monte Carlo"]
