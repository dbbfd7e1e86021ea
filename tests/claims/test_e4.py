"""E4: its check holds at its seed and at other seeds, and FAILS under each bug of its catalogue."""

from __future__ import annotations

import pytest
from claim_testing import SEEDS, assert_holds
from qnets.simulate import Logistic

from qnets.claims import e4


@pytest.mark.parametrize("seed", SEEDS)
def test_e4_check_holds_at_every_seed(seed):
    assert_holds("E4", seed)


def test_e4_check_catches_an_inaccurate_reference_optimum(monkeypatch):
    """cvxpy's w* off by 1e-3 per coordinate."""
    solve = Logistic._solve_minimizer
    monkeypatch.setattr(Logistic, "_solve_minimizer", lambda self: solve(self) + 1e-3)
    assert not e4.check().holds


def test_e4_check_catches_a_constrained_minimum_that_clips_w_star(monkeypatch):
    """The box-constrained minimum taken as w* projected onto the box (right only for diagonal H)."""

    def clipped(problem, box):
        point = box.project(problem.w_star)
        return point, float(problem.loss(point[None, :])[0])

    monkeypatch.setattr(e4, "constrained_minimum", clipped)
    verdict = e4.check()
    assert not verdict.holds
    assert e4.box_discrepancies("generic ")["generic box projected-gradient residual"] > 1e-6
