"""C7: its check holds at its seed and at other seeds, and FAILS under each bug of its catalogue."""

from __future__ import annotations

import pytest
from claim_testing import SEEDS, assert_holds, scaled_bound
from qnets.simulate import BinaryConnect, Quadratic

from qnets.claims import c7


@pytest.mark.parametrize("seed", SEEDS)
def test_c7_check_holds_at_every_seed(seed):
    assert_holds("C7", seed)


def _c7_with_every_bc_quantizer(monkeypatch, quantizer: str):
    """C7's check with BC built with ``quantizer`` whatever quantizer the check asks for."""
    monkeypatch.setattr(c7, "BinaryConnect", lambda grid, asked="stochastic": BinaryConnect(grid, quantizer))
    return c7.check()


def test_c7_check_catches_bc_with_nearest_rounding(monkeypatch):
    """BC built with Q_d when Q_s is asked for: the real weights miss w*."""
    verdict = _c7_with_every_bc_quantizer(monkeypatch, "deterministic")
    assert not verdict.holds and not verdict.parts["stochastic rounding reaches w*"]


def test_c7_check_catches_bc_with_stochastic_rounding_everywhere(monkeypatch):
    """BC built with Q_s when Q_d is asked for: 'nearest' no longer settles at the cell boundary."""
    verdict = _c7_with_every_bc_quantizer(monkeypatch, "stochastic")
    assert not verdict.holds and not verdict.parts["nearest rounding settles at the cell boundary"]


def test_c7_check_catches_the_registry_bound_divided_by_100():
    assert not c7.check(bound=scaled_bound(c7.BOUND, 1 / 100)).holds


def test_c7_check_catches_a_problem_reporting_L_as_mu(monkeypatch):
    """A quadratic whose ``mu`` is its largest curvature: invisible at unit curvature; on the
    generic instance the schedule 1/(mu(t+1)) is then too short for the flat coordinates."""

    def swapped(*args, **kwargs):
        problem = Quadratic(*args, **kwargs)
        object.__setattr__(problem, "mu", problem.L)
        return problem

    monkeypatch.setattr(c7, "Quadratic", swapped)
    verdict = c7.check()
    assert verdict.parts["stochastic rounding reaches w*"]
    assert not verdict.holds and not verdict.parts["generic: stochastic rounding reaches w*"]
