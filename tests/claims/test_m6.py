"""M6: its check holds at its seed and at other seeds, and FAILS under each bug of its catalogue."""

from __future__ import annotations

import markov_testing
import pytest
from claim_testing import SEEDS, assert_holds
from qnets.simulate import GaussianNoise

from qnets.claims import m6, markov_paths


@pytest.mark.parametrize("seed", SEEDS)
def test_m6_check_holds_at_every_seed(seed):
    assert_holds("M6", seed)


def test_m6_check_catches_coordinates_sharing_noise(monkeypatch):
    def shared(self, g, rng, scratch=None):
        g += self.sigma * rng.standard_normal(size=(g.shape[0], 1))

    monkeypatch.setattr(GaussianNoise, "add_to", shared)
    assert not m6.check().holds


def _failing_parts(verdict) -> set[str]:
    return {name for name, value in verdict.parts.items() if value is False}


@pytest.mark.parametrize(
    ("bug", "part"),
    [
        # sigma^2 for sigma: invisible at sigma = 1, seen by the generic instance's P(w = w*)
        (markov_testing.gaussian_law_uses_variance, "P(w = w*) against the exact law"),
        # invisible on square boxes
        (markov_testing.sparse_kernel_with_swapped_widths, "stationary solver paths"),
        (markov_testing.birth_death_drops_last_ratio, "stationary solver paths"),
        (markov_testing.sparse_lu_untransposed, "stationary solver paths"),
    ],
    ids=[
        "gaussian-kernel-variance",
        "sparse-kernel-swapped-widths",
        "birth-death-last-ratio",
        "sparse-lu-untransposed",
    ],
)
def test_m6_check_catches_core_bugs(monkeypatch, bug, part):
    bug(monkeypatch)
    verdict = m6.check()
    assert not verdict.holds and part in _failing_parts(verdict)


def test_m6_check_catches_gth_reading_the_matrix_transposed(monkeypatch):
    markov_testing.gth_reads_transposed(monkeypatch)
    assert not m6.check().holds


@pytest.mark.parametrize(
    "bug", [{"uniform_scale": 2.0}, {"all_symmetric": True}], ids=["uniform-width-doubled", "asymmetric-folded"]
)
def test_m6_check_catches_exact_propagation_noise_bugs(monkeypatch, bug):
    markov_testing.exact_propagation_noise(monkeypatch, **bug)
    verdict = m6.check()
    assert not verdict.holds and _failing_parts(verdict) == {"exact propagation paths"}


@pytest.mark.parametrize(("failing", "fallback"), [("sparse-lu", "gth"), ("gth", "sparse-lu")])
def test_m6_solver_fallbacks_agree_with_the_product_law(monkeypatch, failing, fallback):
    """When the solver ``auto`` picks fails, its fallback runs on the same 756-state chain: the
    path reports the other solver (so it FAILS: the intended path was not cross-checked), and
    the fallback's law agrees with the product of 1-D laws."""
    markov_testing.solver_fails(monkeypatch, failing)
    (path,) = [c for c in markov_paths.solver_paths() if c.intended == failing]
    assert path.used.startswith(fallback) and path.error <= path.tolerance and not path.holds
