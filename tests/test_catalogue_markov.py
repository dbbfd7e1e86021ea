"""The bug catalogue of the Markov claims M1-M6 and E1: each check must FAIL under each injected bug.

Every bug is plausible (a scaled drift, a scaled rate, a noise law of the wrong width, noise
shared between coordinates, the simulator's noise out of line with the law the exact
computations assume) and is injected by monkeypatch, never by editing the source.  Each claim
also has a test that its check holds without any bug, with the same (quick) sizes.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest
import scipy.sparse as sp
from qnets.simulate import DiscreteNoise, GaussianNoise, MinibatchNoise, UniformNoise
from qnets.simulate.markov import kernel

from qnets.claims import markov_checks

CHECKS = {
    "M1": markov_checks.check_m1,
    "M2": markov_checks.check_m2,
    "M3": markov_checks.check_m3,
    "M4": markov_checks.check_m4,
    "M5": markov_checks.check_m5,
    "M6": markov_checks.check_m6,
    "E1": markov_checks.check_e1,
}


def patch_everywhere(monkeypatch, original, replacement) -> None:
    """Replace ``original`` by ``replacement`` in every loaded qnets module that imported it by name."""
    for name, module in list(sys.modules.items()):
        if name.startswith("qnets") and module is not None:
            for attribute, value in list(vars(module).items()):
                if value is original:
                    monkeypatch.setattr(module, attribute, replacement)


class _ScaledDrift:
    """A problem whose gradient (the drift of the chain) is ``factor`` times the real one."""

    def __init__(self, problem, factor: float) -> None:
        self._problem = problem
        self._factor = factor

    def __getattr__(self, name):
        return getattr(self._problem, name)

    def grad(self, W: np.ndarray) -> np.ndarray:
        return self._factor * self._problem.grad(W)


def _scale_kernel_drift(monkeypatch, factor: float) -> None:
    """The exact kernel uses ``factor`` F' where the simulator uses F'."""
    original = kernel._coordinate_laws
    monkeypatch.setattr(
        kernel, "_coordinate_laws", lambda problem, space, lr: original(_ScaledDrift(problem, factor), space, lr)
    )


@pytest.fixture
def kernel_drift_scaled(monkeypatch):
    """The exact kernel's drift is 1.25 times the simulator's."""
    _scale_kernel_drift(monkeypatch, 1.25)


@pytest.fixture
def generator_up_rates_scaled(monkeypatch):
    """The generator's rates towards higher states are 1.2 times too large (diagonal kept consistent)."""
    original = kernel.generator

    def scaled(problem, space):
        rates = original(problem, space)
        off = sp.triu(rates, 1) * 1.2 + sp.tril(rates, -1)
        return (off - sp.diags(np.asarray(off.sum(axis=1)).ravel())).tocsr()

    patch_everywhere(monkeypatch, original, scaled)


@pytest.fixture
def generator_rates_scaled(monkeypatch):
    """Every generator rate is 1.1 times too large (the stationary law is unchanged: only an
    independent reference for the rates themselves can see this)."""
    original = kernel.generator
    patch_everywhere(monkeypatch, original, lambda problem, space: original(problem, space) * 1.1)


def _scale_simulated_noise(monkeypatch, noise_class, factor: float) -> None:
    """The simulator draws ``factor`` times the noise that the exact laws assume."""
    original = noise_class.add_to

    def scaled(self, g, rng, scratch=None):
        before = g.copy()
        original(self, g, rng, scratch)
        g += (factor - 1) * (g - before)

    monkeypatch.setattr(noise_class, "add_to", scaled)


def _scale_law_width(monkeypatch, noise_class, method: str, factor: float) -> None:
    """The exact law's ``method`` (expected clip or ramp) sees the noise ``factor`` times as wide."""
    original = getattr(noise_class, method)
    monkeypatch.setattr(noise_class, method, lambda self, m, s: original(self, m, factor * s))


def _fails(claim_id: str) -> None:
    verdict = CHECKS[claim_id]()
    assert not verdict.holds, f"{claim_id} did not catch the bug: {verdict.detail}"


@pytest.mark.parametrize("claim_id", list(CHECKS))
def test_markov_checks_hold_without_bugs(claim_id):
    verdict = CHECKS[claim_id]()
    assert verdict.holds, verdict.detail


def test_m1_check_catches_kernel_drift_scaled(kernel_drift_scaled):
    _fails("M1")


def test_m1_check_catches_simulation_noise_scaled(monkeypatch):
    _scale_simulated_noise(monkeypatch, GaussianNoise, 1.3)
    _fails("M1")


def test_m2_check_catches_uniform_law_20_percent_too_narrow(monkeypatch):
    _scale_law_width(monkeypatch, UniformNoise, "expected_clip", 0.8)
    _fails("M2")


def test_m2_check_catches_kernel_drift_scaled(kernel_drift_scaled):
    _fails("M2")


def test_m2_check_catches_discrete_simulation_noise_scaled(monkeypatch):
    _scale_simulated_noise(monkeypatch, DiscreteNoise, 1.2)
    _fails("M2")


def test_m3_check_catches_generator_rates_scaled(generator_rates_scaled):
    _fails("M3")


def test_m3_check_catches_gaussian_kernel_law_20_percent_too_narrow(monkeypatch):
    _scale_law_width(monkeypatch, GaussianNoise, "expected_clip", 0.8)
    _fails("M3")


def test_m4_check_catches_simulation_noise_scaled(monkeypatch):
    _scale_simulated_noise(monkeypatch, GaussianNoise, 3.0)
    _fails("M4")


def test_m4_check_catches_kernel_drift_scaled(monkeypatch):
    _scale_kernel_drift(monkeypatch, 3.0)
    _fails("M4")


def test_m5_check_catches_generator_up_rates_scaled(generator_up_rates_scaled):
    _fails("M5")


def test_m5_check_catches_minibatch_simulation_noise_scaled(monkeypatch):
    _scale_simulated_noise(monkeypatch, MinibatchNoise, 1.3)
    _fails("M5")


def test_m6_check_catches_coordinates_sharing_noise(monkeypatch):
    def shared(self, g, rng, scratch=None):
        g += self.sigma * rng.standard_normal(size=(g.shape[0], 1))

    monkeypatch.setattr(GaussianNoise, "add_to", shared)
    _fails("M6")


def test_e1_check_catches_simulation_noise_scaled(monkeypatch):
    _scale_simulated_noise(monkeypatch, GaussianNoise, 1.2)
    _fails("E1")


def test_e1_check_catches_generator_up_rates_scaled(monkeypatch):
    """The exact floor's up rates ``E[(-g)^+]/delta`` (the ramp with ``s < 0``) are 1.2 times too large."""
    original = GaussianNoise.expected_ramp

    def scaled(self, m, s):
        return original(self, m, s) * (1.2 if s < 0 else 1.0)

    monkeypatch.setattr(GaussianNoise, "expected_ramp", scaled)
    _fails("E1")
