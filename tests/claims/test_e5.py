"""E5: its check holds at its seed and at other seeds, and FAILS under each bug of its catalogue."""

from __future__ import annotations

import math
import types

import numpy as np
import pytest
from claim_testing import SEEDS, assert_holds
from qnets.simulate import Quadratic
from qnets.simulate import best_point as best_point_module

from qnets.claims import e5


@pytest.mark.parametrize("seed", SEEDS)
def test_e5_check_holds_at_every_seed(seed):
    assert_holds("E5", seed)


def test_e5_check_catches_a_search_radius_of_zero(monkeypatch):
    """best_quantized_point searching only the cell around w* (its radius forced to 0)."""
    monkeypatch.setattr(best_point_module, "math", types.SimpleNamespace(sqrt=lambda value: 0.0, prod=math.prod))
    verdict = e5.check()
    assert not verdict.holds and not verdict.parts["agrees with brute force"]


def test_e5_check_catches_a_gap_that_ignores_the_off_diagonal_hessian(monkeypatch):
    """Quadratic.gap taking the diagonal path for a full Hessian: best_quantized_point then
    minimises the wrong function; the generic brute force (its own gap) disagrees."""

    def diagonal_gap(self, W):
        H = np.diag(self.H) if self.H.ndim == 2 else self.H
        return 0.5 * np.sum(H * (np.atleast_2d(W) - self.w_star) ** 2, axis=1)

    monkeypatch.setattr(Quadratic, "gap", diagonal_gap)
    verdict = e5.check()
    assert not verdict.holds and not verdict.parts["generic: agrees with brute force"]
