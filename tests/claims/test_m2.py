"""M2: its check holds at its seed and at other seeds, and FAILS under each bug of its catalogue."""

from __future__ import annotations

import markov_testing
import pytest
from claim_testing import SEEDS, assert_holds, scale_kernel_drift, scale_law_width, scale_simulated_noise
from qnets.simulate import DiscreteNoise, UniformNoise

from qnets.claims import m2


@pytest.mark.parametrize("seed", SEEDS)
def test_m2_check_holds_at_every_seed(seed):
    assert_holds("M2", seed)


def test_m2_check_catches_uniform_law_20_percent_too_narrow(monkeypatch):
    scale_law_width(monkeypatch, UniformNoise, "expected_clip", 0.8)
    assert not m2.check().holds


def test_m2_check_catches_kernel_drift_scaled(monkeypatch):
    scale_kernel_drift(monkeypatch, 1.25)
    assert not m2.check().holds


def test_m2_check_catches_discrete_simulation_noise_scaled(monkeypatch):
    scale_simulated_noise(monkeypatch, DiscreteNoise, 1.2)
    assert not m2.check().holds


def test_m2_check_catches_misaligned_tridiagonal_gap(monkeypatch):
    """A wrong gap that stays positive: the dense eigenvalues see it directly."""
    markov_testing.tridiagonal_gap_misaligned(monkeypatch)
    verdict = m2.check()
    assert not verdict.holds and not verdict.parts["tridiagonal gap = dense eigenvalues"]
