"""M4: its check holds at its seed and at other seeds, and FAILS under each bug of its catalogue."""

from __future__ import annotations

import pytest
from claim_testing import SEEDS, assert_holds, scale_kernel_drift, scale_simulated_noise
from qnets.simulate import GaussianNoise

from qnets.claims import m4


@pytest.mark.parametrize("seed", SEEDS)
def test_m4_check_holds_at_every_seed(seed):
    assert_holds("M4", seed)


def test_m4_check_catches_simulation_noise_scaled(monkeypatch):
    scale_simulated_noise(monkeypatch, GaussianNoise, 3.0)
    assert not m4.check().holds


def test_m4_check_catches_kernel_drift_scaled(monkeypatch):
    scale_kernel_drift(monkeypatch, 3.0)
    assert not m4.check().holds
