"""The catalogue of bugs each convex check must catch (claims C1-C9, E2-E5).

Each test injects one plausible bug by monkeypatching a module attribute that the check looks
up when it runs (never by editing source) and asserts that the claim's check FAILS.  That every
check holds without the bug is asserted per claim by
``tests/test_theory_convex.py::test_quick_claim_checks_all_hold``.
"""

from __future__ import annotations

import math
import types
from dataclasses import replace

import numpy as np
import pytest
from qnets.simulate import SGD, BinaryConnect, GaussianNoise, Grid, Logistic, Rounding, StochasticRounding
from qnets.simulate import best_point as best_point_module
from qnets.theory.convex import all_bounds

from qnets.claims import convex_checks as cc

ORIGINAL_BOUNDS = all_bounds()


def _patch_bound(monkeypatch, name: str, change) -> None:
    """Make the checks see the registry with ``bounds[name]`` replaced by ``change(bound)``."""
    patched = {**ORIGINAL_BOUNDS, name: change(ORIGINAL_BOUNDS[name])}
    monkeypatch.setattr(cc, "all_bounds", lambda: patched)


def _biased_stochastic(self, x, rng, out=None, scratch=None):
    """SR that rounds up with probability 3p^2 - 2p^3 (unbiased only at p = 0, 1/2, 1)."""
    x = np.asarray(x, dtype=float)
    out = np.empty_like(x) if out is None else out
    k = self._to_lattice(x, out)
    below = np.floor(k)
    p = k - below
    k[...] = below + (rng.random(size=k.shape) < 3 * p**2 - 2 * p**3)
    return self._from_lattice(k)


@pytest.fixture
def biased_rounding(monkeypatch):
    monkeypatch.setattr(Grid, "stochastic", _biased_stochastic)


def test_c1_check_catches_biased_stochastic_rounding(biased_rounding):
    assert not cc.check_c1(quick=True).holds


def test_e2_check_catches_biased_stochastic_rounding(biased_rounding):
    """Downstream: SR's Monte Carlo runs no longer agree with E2's exact (unbiased) laws."""
    verdict = cc.check_e2(quick=True)
    assert not verdict.holds and not verdict.parts["exact = Monte Carlo"]


def test_c2_check_catches_the_registry_bound_divided_by_4(monkeypatch):
    _patch_bound(monkeypatch, "C2", lambda bound: replace(bound, expr=bound.expr / 4))
    assert not cc.check_c2(quick=True).holds


def _assert_check_fails_without_floor(monkeypatch, claim_id: str) -> None:
    """The claim's check, with the floor deleted from the registry's bound, fails its upper part."""
    _patch_bound(monkeypatch, claim_id, lambda bound: bound.without_floor())
    verdict = getattr(cc, f"check_{claim_id.lower()}")(quick=True)
    assert not verdict.holds and not verdict.parts["upper bound holds"]


def test_c3_check_catches_the_floor_removed(monkeypatch):
    """The exact E2 instance's averaged error stays near half of SR's stationary floor."""
    _assert_check_fails_without_floor(monkeypatch, "C3")


def test_c4_check_catches_the_floor_removed(monkeypatch):
    """The exact |w - w*| instance keeps |E w_bar - w*| near 0.3 Delta."""
    _assert_check_fails_without_floor(monkeypatch, "C4")


def test_c5_check_catches_the_floor_removed(monkeypatch):
    """BC's limit point has a positive gap; the floorless bound's limit is 0."""
    _assert_check_fails_without_floor(monkeypatch, "C5")


def test_c6_check_catches_the_floor_removed(monkeypatch):
    """As for C5, with C6's Lipschitz-Hessian floor."""
    _assert_check_fails_without_floor(monkeypatch, "C6")


def _c7_with_every_bc_quantizer(monkeypatch, quantizer: str):
    """C7's check with BC built with ``quantizer`` whatever quantizer the check asks for."""
    monkeypatch.setattr(cc, "BinaryConnect", lambda grid, asked="stochastic": BinaryConnect(grid, quantizer))
    return cc.check_c7(quick=True)


def test_c7_check_catches_bc_with_nearest_rounding(monkeypatch):
    """BC built with Q_d when Q_s is asked for: the real weights miss w*."""
    verdict = _c7_with_every_bc_quantizer(monkeypatch, "deterministic")
    assert not verdict.holds and not verdict.parts["stochastic rounding reaches w*"]


def test_c7_check_catches_bc_with_stochastic_rounding_everywhere(monkeypatch):
    """BC built with Q_s when Q_d is asked for: 'nearest' no longer settles at the cell boundary."""
    verdict = _c7_with_every_bc_quantizer(monkeypatch, "stochastic")
    assert not verdict.holds and not verdict.parts["nearest rounding settles at the cell boundary"]


def test_c7_check_catches_the_registry_bound_divided_by_100(monkeypatch):
    _patch_bound(monkeypatch, "C7-distance", lambda bound: replace(bound, expr=bound.expr / 100))
    assert not cc.check_c7(quick=True).holds


def test_c8_check_catches_rounding_that_is_stochastic(monkeypatch):
    def stochastic_round(self, x, rng, out, scratch):
        self.grid.stochastic(x, rng, out=out, scratch=scratch)

    monkeypatch.setattr(Rounding, "_round", stochastic_round)
    assert not cc.check_c8(quick=True).holds


def test_c9_check_catches_sr_that_does_not_round(monkeypatch):
    """SR without its rounding is SGD: its floor then shrinks with the step size."""

    def no_rounding(self, x, rng, out, scratch):
        out[...] = x

    monkeypatch.setattr(StochasticRounding, "_round", no_rounding)
    assert not cc.check_c9(quick=True).holds


def _widen_gaussian_noise(monkeypatch, fraction: float) -> None:
    """The injected bug: every simulated Gaussian draw ``fraction`` wider than the noise law says."""
    original = GaussianNoise.add_to

    def wider(self, g, rng, scratch=None):
        before = g.copy()
        original(self, g, rng, scratch)
        g += fraction * (g - before)

    monkeypatch.setattr(GaussianNoise, "add_to", wider)


def test_c9_check_catches_simulation_noise_scaled(monkeypatch):
    """Gaussian noise 20% wider than the law of SGD's exact error and of E2: the old C9, which only
    compared ratios across step sizes, passed this bug."""
    _widen_gaussian_noise(monkeypatch, 0.2)
    verdict = cc.check_c9(quick=True)
    assert not verdict.holds and not verdict.parts["SGD = exact"] and not verdict.parts["SR = E2 exact"]


def test_c9_check_catches_sgd_with_a_doubled_gradient(monkeypatch):
    """SGD stepping along twice the stochastic gradient (the loss's 1/2 dropped): its floor still
    falls like ``a``, which is all the old C9 compared, but it sits at twice the exact level."""
    original = SGD.step

    def doubled(self, state, lr, *args, **kwargs):
        original(self, state, 2 * lr, *args, **kwargs)

    monkeypatch.setattr(SGD, "step", doubled)
    verdict = cc.check_c9(quick=True)
    assert not verdict.holds and not verdict.parts["SGD = exact"] and verdict.parts["SGD falls with a"]


def test_e2_check_catches_simulation_noise_scaled(monkeypatch):
    """The simulated Gaussian noise 20% wider than the law E2's exact propagation assumes."""
    _widen_gaussian_noise(monkeypatch, 0.2)
    verdict = cc.check_e2(quick=True)
    assert not verdict.holds and not verdict.parts["exact = Monte Carlo"]


def test_e3_check_catches_the_restated_c6_taken_as_derived(monkeypatch):
    _patch_bound(monkeypatch, "C6", lambda bound: replace(bound, expr=bound.paper_form))
    assert not cc.check_e3(quick=True).holds


def test_e4_check_catches_an_inaccurate_reference_optimum(monkeypatch):
    """cvxpy's w* off by 1e-3 per coordinate."""
    solve = Logistic._solve_minimizer
    monkeypatch.setattr(Logistic, "_solve_minimizer", lambda self: solve(self) + 1e-3)
    assert not cc.check_e4(quick=True).holds


def test_e5_check_catches_a_search_radius_of_zero(monkeypatch):
    """best_quantized_point searching only the cell around w* (its radius forced to 0)."""
    monkeypatch.setattr(best_point_module, "math", types.SimpleNamespace(sqrt=lambda value: 0.0, prod=math.prod))
    verdict = cc.check_e5(quick=True)
    assert not verdict.holds and not verdict.parts["agrees with brute force"]
