"""Derived convex bounds (C2-C7, SGD baselines), E3 scaling, and the claim registry."""

import json

import numpy as np
import pytest
import sympy as sp
from hypothesis import example, given
from hypothesis import strategies as st
from qnets.simulate import Grid
from qnets.theory.convex import scaling_consistent
from sympy.core.function import AppliedUndef

from qnets.claims import registry as claims
from qnets.claims.registry import CLAIMS, Verdict, all_bounds, run_checks
from qnets.cli import main

BOUNDS = all_bounds()
positive = st.floats(1e-3, 1e3)


@pytest.mark.parametrize("name", BOUNDS)
def test_every_derivation_step_verifies(name):
    results = BOUNDS[name].verify()
    assert results and all(ok for _, ok in results), [s.justification for s, ok in results if not ok]


def test_e3_derived_bounds_are_scale_invariant_and_restated_c6_is_not():
    for name, bound in BOUNDS.items():
        if name != "C2":  # C2 bounds a squared distance in weight space, not F - F*
            assert scaling_consistent(bound.expr), name
    assert not scaling_consistent(BOUNDS["C6"].paper_form)
    assert scaling_consistent(BOUNDS["C3"].paper_form)


def test_scaling_check_can_fail():
    from qnets.theory.symbols import Delta, G, d

    assert not scaling_consistent(sp.sqrt(d) * Delta * G**2)


SYMBOLIC_STEPS = [
    pytest.param(step, id=f"{name}-step{i + 1}")
    for name, bound in BOUNDS.items()
    for i, step in enumerate(bound.derivation)
    if step.check != "numeric" and not (step.lhs.atoms(AppliedUndef) or step.rhs.atoms(AppliedUndef))
]


@pytest.mark.parametrize("step", SYMBOLIC_STEPS)
@given(values=st.lists(st.floats(1e-2, 1e2), min_size=40, max_size=40))
def test_derivation_steps_hold_under_random_admissible_substitution(step, values):
    """Each symbolic step, evaluated at random admissible numbers (positive constants,
    non-negative slacks, integers where the symbol is an integer)."""
    symbols = sorted(step.lhs.free_symbols | step.rhs.free_symbols, key=lambda s: s.name)
    subs = {}
    for symbol, value in zip(symbols, values, strict=False):
        subs[symbol] = int(np.ceil(value)) if symbol.is_integer else value
        if symbol.name in ("p",):  # a rounding probability
            subs[symbol] = value / 100.0
    lhs, rhs = float(step.lhs.subs(subs)), float(step.rhs.subs(subs))
    if step.check == "identity":
        assert lhs == pytest.approx(rhs, rel=1e-9, abs=1e-9)
    else:
        assert lhs <= rhs * (1 + 1e-12) + 1e-12


@given(
    k=st.lists(st.integers(-1000, 1000), min_size=1, max_size=30),
    g=st.lists(st.floats(-100, 100).map(lambda v: 0.0 if abs(v) < 1e-6 else v), min_size=30, max_size=30),
    a=st.floats(1e-4, 1.0),
    delta=st.floats(1e-3, 1.0),
)
@example(k=[0, 1], g=[1.0] * 30, a=0.5, delta=0.5)  # a|g| exactly one grid step: no rounding noise
@example(k=[3], g=[2.0] * 30, a=0.25, delta=0.1)  # a|g| = 5 Delta, a multiple of Delta
def test_c2_rounding_variance_inequality_holds(k, g, a, delta):
    """C2: exact sum Delta^2 p_i (1 - p_i) <= Delta a ||g||_1 <= sqrt(d) Delta a ||g||_2."""
    d = len(k)
    w = delta * np.array(k, dtype=float)
    g = np.array(g[:d])
    p = Grid(delta).round_up_probability(w - a * g)
    exact = float(np.sum(delta**2 * p * (1 - p)))
    l1_bound = delta * a * float(np.sum(np.abs(g)))
    # k * delta is a grid point only up to one ulp of k: p may be ~1e-15 where it is exactly 0.
    representation_error = d * delta**2 * 1e-12
    assert exact <= l1_bound * (1 + 1e-9) + representation_error
    assert l1_bound <= BOUNDS["C2"].evaluate(d=d, Delta=delta, a=a, G=max(np.linalg.norm(g), 1e-12)) * (1 + 1e-12)


@pytest.mark.parametrize("name", [n for n in BOUNDS if n != "C2"])
@given(
    mu=positive,
    G=positive,
    D=positive,
    Delta=positive,
    L=positive,
    L2=positive,
    c=positive,
    d=st.integers(1, 1000),
    T=st.integers(1, 10**6),
)
def test_bounds_are_nonnegative_and_monotone_in_delta_g_and_d(name, mu, G, D, Delta, L, L2, c, d, T):
    bound = BOUNDS[name]
    values = {"mu": mu, "G": G, "D": D, "Delta": Delta, "L": L, "L2": L2, "c": c, "d": d, "T": T}
    values = {k: v for k, v in values.items() if k in {s.name for s in bound.expr.free_symbols}}
    base = bound.evaluate(**values)
    assert base >= 0
    for key in ("Delta", "G", "D"):
        if key in values:
            assert bound.evaluate(**{**values, key: 2 * values[key]}) >= base * (1 - 1e-12)


def test_bound_evaluate_rejects_missing_and_bad_values():
    with pytest.raises(ValueError, match="needs values for"):
        BOUNDS["C3"].evaluate(mu=1.0)
    with pytest.raises(ValueError, match="mu must be > 0"):
        BOUNDS["C3"].evaluate(mu=-1.0, G=1.0, T=10, d=1, Delta=0.1)
    with pytest.raises(ValueError, match="has no parameter"):
        BOUNDS["C3"].evaluate(mu=1.0, G=1.0, T=10, d=1, Delta=0.1, sigma=2.0)


def test_c4_reconstructed_second_term_is_below_the_step_size_sum():
    """Finding: sqrt(T+1) c G^2/(2T) < sum_t a_t G^2 / (2T) for T >= 3 with a_t = c/sqrt(t+1)."""
    for T in (3, 10, 1000):
        exact = sum(1 / np.sqrt(t + 1) for t in range(T)) / (2 * T)
        assert np.sqrt(T + 1) / (2 * T) < exact


def test_quick_claim_checks_all_hold():
    verdicts = run_checks(quick=True)
    assert {v.claim_id for v in verdicts} == set(CLAIMS)
    failing = [(v.claim_id, v.detail) for v in verdicts if not v.holds]
    assert not failing


def test_a_failing_or_crashing_check_is_reported_not_raised(monkeypatch, capsys):
    def broken(quick=True, seed=0):
        raise RuntimeError("injected")

    def failing(quick=True, seed=0):
        return Verdict("C1", False, 2.0, 1.0, 0.0, "injected failure")

    monkeypatch.setitem(CLAIMS, "C1", claims.Claim("C1", "paper", "injected", broken))
    assert not run_checks(["C1"])[0].holds
    monkeypatch.setitem(CLAIMS, "C1", claims.Claim("C1", "paper", "injected", failing))
    assert main(["check", "C1", "--json"]) == 1
    payload = json.loads(capsys.readouterr().out)
    assert payload[0]["holds"] is False and payload[0]["ratio"] == 2.0


def test_bound_command_derives_and_evaluates(capsys):
    code = main(
        [
            "bound",
            "C3",
            "--derive",
            "--set",
            "mu=1",
            "--set",
            "G=2",
            "--set",
            "T=100",
            "--set",
            "d=4",
            "--set",
            "Delta=0.1",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0 and "NOT VERIFIED" not in out and "value:" in out
    expected = (1 + np.log(100)) * 4 / 200 + np.sqrt(4) * 0.1 * 2 / 2
    assert f"value: {expected:.6g}" in out
    assert main(["check", "X9"]) == 2


def test_user_bound_helper_can_fail():
    """check_bound_by_simulation rejects a bound that is too small (the SR floor is real)."""
    from qnets.simulate import Box, Quadratic, StochasticRounding, inverse_time

    from qnets.testing.strategies import check_bound_by_simulation

    problem = Quadratic.isotropic(4, sigma=1.0)
    grid = Grid(0.1)
    box = Box.around(problem.w_star, 1.0, grid)
    verdict = check_bound_by_simulation(
        lambda t: 1e-6, problem, StochasticRounding(grid), inverse_time(1.0), 200, 100, box
    )
    assert not verdict.holds and verdict.ratio > 1


@given(data=st.data())
def test_public_strategies_build_admissible_parameters(data):
    from qnets.testing.strategies import curvatures, quadratics, schedules

    mu, L = data.draw(curvatures())
    assert 0 < mu <= L
    problem = data.draw(quadratics(max_d=6))
    assert 0 < problem.mu <= problem.L
    schedule = data.draw(schedules(problem.mu))
    assert all(0 < schedule(t) < np.inf for t in (0, 1, 100))


def test_verdict_json_keeps_holds_a_boolean():
    verdict = Verdict("C2", np.float64(0.5) <= 1.0, np.float64(0.5), 1.0, 0.0, "numpy scalars in")
    payload = json.loads(json.dumps(verdict.as_dict()))
    assert payload["holds"] is True and isinstance(payload["measured"], float)
