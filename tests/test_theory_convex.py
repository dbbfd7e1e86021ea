"""Derived convex bounds (C2-C7, SGD baselines), E3 scaling, and the claim registry."""

import json
from dataclasses import replace

import numpy as np
import pytest
import sympy as sp
from hypothesis import example, given
from hypothesis import strategies as st
from qnets.simulate import Grid
from qnets.theory.convex import AVERAGED_GAP, TaylorPenaltyCertificate, all_bounds, scaling_consistent, settings
from qnets.theory.symbols import T
from sympy.core.function import AppliedUndef

from qnets.claims.registry import CLAIMS, run_checks
from qnets.claims.verdict import NECESSARY, TIGHTNESS, UPPER, Verdict, Z, bonferroni_z
from qnets.cli import main
from qnets.pipeline.report import ClaimRow, Report, write_html, write_markdown

BOUNDS = all_bounds()
positive = st.floats(1e-3, 1e3)


@pytest.mark.parametrize("name", BOUNDS)
def test_every_derivation_step_verifies(name):
    results = BOUNDS[name].verify()
    assert results and all(ok for _, ok in results), [s.justification for s, ok in results if not ok]


def test_e3_derived_bounds_are_scale_invariant_and_restated_c6_is_not():
    for name, bound in BOUNDS.items():  # F - F* does not change; squared distances change by s^2
        assert scaling_consistent(bound.expr, bound.scaling_power), name
    assert {BOUNDS["C2"].scaling_power, BOUNDS["C7-distance"].scaling_power} == {2}
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


FLOORED = ["C3", "C4", "C5", "C6"]


@pytest.mark.parametrize("name", [n for n in BOUNDS if BOUNDS[n].quantity == AVERAGED_GAP])
def test_every_averaged_bound_tends_to_its_floor(name):
    """The ``floor`` a bound carries is exactly what its expression keeps as T -> infinity
    (the necessity checks remove it, so it must be the whole non-vanishing part)."""
    bound = BOUNDS[name]
    assert sp.simplify(sp.limit(bound.expr, T, sp.oo) - bound.floor) == 0
    assert (bound.floor != 0) == (name in FLOORED)


@pytest.mark.parametrize("name", FLOORED)
@pytest.mark.parametrize("factor", [0, sp.Rational(1, 10), -1], ids=["zero", "a-tenth", "negative"])
def test_verify_rejects_a_wrong_floor_and_names_the_failing_step(name, factor):
    """The floor's input (SR's rounding term X, BC's penalty P) scaled by 0, 1/10 or -1 makes
    a verified step fail: the substituted C2 lemma, or the penalty's derivation."""
    setting, derive = settings()[name]
    field = "rounding_term" if setting.kind == "sr" else "penalty"
    wrong = derive(replace(setting, **{field: factor * getattr(setting, field)}))
    failing = wrong.failing_steps()
    expected = {"sr": "C2 lemma substituted", "bc-lipschitz": "Lipschitz-gradient penalty", "bc-hessian": "penalty"}
    assert failing and all(expected[setting.kind] in text for text in failing), failing
    assert not derive(setting).failing_steps()


def test_the_TaylorPenaltyCertificate_is_numeric_and_rejects_a_tenth():
    """The Lipschitz-Hessian penalty is checked by enumerating SR's outcomes (a numeric step):
    the derived L2 D d Delta^2/8 passes it, a tenth of it does not."""
    setting, _ = settings()["C6"]
    steps = [step for step in BOUNDS["C6"].derivation if step.check == "numeric"]
    assert any("enumerated exactly" in step.justification for step in steps)
    assert TaylorPenaltyCertificate(setting.penalty)()
    assert not TaylorPenaltyCertificate(setting.penalty / 10)()


def test_bound_evaluate_rejects_missing_and_bad_values():
    with pytest.raises(ValueError, match="needs values for"):
        BOUNDS["C3"].evaluate(mu=1.0)
    with pytest.raises(ValueError, match="mu must be > 0"):
        BOUNDS["C3"].evaluate(mu=-1.0, G=1.0, T=10, d=1, Delta=0.1)
    with pytest.raises(ValueError, match="has no parameter"):
        BOUNDS["C3"].evaluate(mu=1.0, G=1.0, T=10, d=1, Delta=0.1, sigma=2.0)


def test_c4_reconstructed_second_term_is_below_the_derived_one():
    """Finding: the reconstructed sqrt(T+1) c G^2/(2T) is below the derived (2 sqrt T - 1) c G^2/(2T)
    (which bounds sum_t a_t G^2/(2T)) for T >= 3: the registry's two forms differ by exactly that."""
    numbers = {"D": 1.0, "c": 0.5, "G": 2.0, "d": 4, "Delta": 0.1}
    for steps in (3, 10, 1000):
        derived = BOUNDS["C4"].evaluate(T=steps, **numbers)
        paper = BOUNDS["C4"].evaluate_paper_form(T=steps, **numbers)
        second_terms = ((2 * np.sqrt(steps) - 1) - np.sqrt(steps + 1)) * 0.5 * 4.0 / (2 * steps)
        assert derived - paper == pytest.approx(second_terms, rel=1e-12) and second_terms > 0


def test_a_failing_or_crashing_check_is_reported_not_raised(monkeypatch, capsys):
    def broken(sizes, seed):
        raise RuntimeError("injected")

    def failing(sizes, seed):
        return Verdict("C1", False, 2.0, 1.0, 0.0, "injected failure")

    monkeypatch.setitem(CLAIMS, "C1", replace(CLAIMS["C1"], check=broken))
    assert not run_checks(["C1"])[0].holds
    monkeypatch.setitem(CLAIMS, "C1", replace(CLAIMS["C1"], check=failing))
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
    expected = BOUNDS["C3"].evaluate(mu=1, G=2, T=100, d=4, Delta=0.1)
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


def test_verdict_keeps_positional_construction_and_carries_parts():
    """``Verdict(claim_id, holds, measured, bound, margin, detail, params, seed)`` still works;
    ``parts`` is optional, typed (bools stay bools) and in the JSON."""
    plain = Verdict("C1", True, 1.0, 2.0, 0.0, "detail", {"n": 1}, 7)
    assert plain.parts == {} and plain.seed == 7 and plain.parts_text() == ""
    two_sided = Verdict(
        "C3", True, 1.0, 2.0, 0.0, "d", parts={UPPER: np.bool_(True), NECESSARY: False, TIGHTNESS: 0.25}
    )
    payload = json.loads(json.dumps(two_sided.as_dict()))
    assert payload["parts"] == {UPPER: True, NECESSARY: False, TIGHTNESS: 0.25}
    assert two_sided.parts_text() == "upper bound holds: yes; floor necessary: NO; tightness: 0.25"


def test_bonferroni_z_is_z_for_one_comparison_and_grows():
    assert bonferroni_z(1) == pytest.approx(Z)
    assert Z < bonferroni_z(10) < bonferroni_z(100)


def test_report_claims_table_shows_the_parts(tmp_path):
    from qnets.claims.verdict import NECESSARY, TIGHTNESS, UPPER

    verdict = Verdict("C3", True, 1.0, 2.0, 0.0, "d", parts={UPPER: True, NECESSARY: True, TIGHTNESS: 0.31})
    rows = [ClaimRow("C3", "reconstructed", "statement", verdict, "qnets check C3")]
    report = Report("quick", rows, [], [], {"packages": {}}, 1.0)
    write_markdown(tmp_path / "report.md", report)
    text = (tmp_path / "report.md").read_text()
    assert "| upper | floor needed | tightness |" in text and "| yes | yes | 0.31 |" in text
    write_html(tmp_path / "report.html", report)
    assert "<th>floor needed</th>" in (tmp_path / "report.html").read_text()


def test_check_command_prints_the_parts(capsys):
    assert main(["check", "E3"]) == 0
    assert "parts" in capsys.readouterr().out
