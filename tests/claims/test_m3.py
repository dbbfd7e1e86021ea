"""M3: its check holds at its seed and at other seeds, and FAILS under each bug of its catalogue."""

from __future__ import annotations

import markov_testing
import pytest
from claim_testing import SEEDS, assert_holds, patch_everywhere, scale_law_width
from qnets.simulate import GaussianNoise
from qnets.simulate.markov import kernel

from qnets.claims import m3


@pytest.mark.parametrize("seed", SEEDS)
def test_m3_check_holds_at_every_seed(seed):
    assert_holds("M3", seed)


def test_m3_check_catches_generator_rates_scaled(monkeypatch):
    """Every generator rate is 1.1 times too large (the stationary law is unchanged: only an
    independent reference for the rates themselves can see this)."""
    original = kernel.generator
    patch_everywhere(monkeypatch, original, lambda problem, space: original(problem, space) * 1.1)
    assert not m3.check().holds


def test_m3_check_catches_gaussian_kernel_law_20_percent_too_narrow(monkeypatch):
    scale_law_width(monkeypatch, GaussianNoise, "expected_clip", 0.8)
    assert not m3.check().holds


@pytest.mark.parametrize("method", ["expected_clip", "expected_ramp"])
def test_m3_check_catches_gaussian_law_using_the_variance(monkeypatch, method):
    """sigma^2 for sigma in the kernel or the generator: the same at sigma = 1, seen by the generic instance."""
    markov_testing.gaussian_law_uses_variance(monkeypatch, method)
    assert m3.check().parts == {"double well": True, "generic double well": False}
