"""Seeds: every quick claim check holds for seeds other than the default (claims must not hang on one seed).

One test per (seed, claim), so the run can be split across workers.  A failure here means the
check's statistics are wrong (its margin does not cover the seed-to-seed spread), not that the
seed was unlucky.  About three times the quick registry's cost (about 3 CPU-minutes): it runs
in the default suite, spread over the cores by pytest-xdist.
"""

import dataclasses
import json

import pytest
from qnets.figures.registry import FIGURES
from qnets.figures.reproduce import reproduce

from qnets.claims.registry import CLAIMS, run_checks
from qnets.claims.verdict import SEED, Verdict
from qnets.cli import main

OTHER_SEEDS = (1, 2, 3)


@pytest.mark.parametrize("claim_id", list(CLAIMS))
@pytest.mark.parametrize("seed", OTHER_SEEDS)
def test_quick_claim_check_holds_for_another_seed(seed, claim_id):
    assert seed != SEED
    (verdict,) = run_checks([claim_id], quick=True, seed=seed)
    assert verdict.holds, verdict.detail
    assert verdict.seed in (seed, None)  # exact checks record no seed


def test_reproduce_seed_reaches_the_checks_the_figures_and_the_cache_keys(tmp_path):
    seen = []

    def recording_check(quick, seed):
        seen.append(seed)
        return Verdict("M6", True, 0.5, 1.0, 0.0, "recording check", {})

    claims = {"M6": dataclasses.replace(CLAIMS["M6"], check=recording_check)}
    spec = FIGURES["dimension"]
    small = {"dims": [1, 2], "mc_dims": [1], "chains": 20, "steps": 20}
    figures = {"dimension": dataclasses.replace(spec, parameters=lambda quick: {**spec.parameters(True), **small})}
    for seed in (7, 8, 7):  # the third run is served from the cache of the first
        assert reproduce(tmp_path, quiet=True, claims=claims, figures=figures, seed=seed) == 0
        assert json.loads((tmp_path / "verdicts.json").read_text())[0]["seed"] == seed
        assert json.loads((tmp_path / "dimension.json").read_text())["seed"] == seed
        assert f"qnets check M6 --seed {seed}" in (tmp_path / "report.md").read_text()
    assert seen == [7, 8]


def test_reproduce_rejects_a_negative_seed(tmp_path, capsys):
    assert main(["reproduce", "--seed", "-1", "--out", str(tmp_path), "--quiet"]) == 2
    assert "argument --seed: must be an integer in [0, " in capsys.readouterr().err


@pytest.mark.parametrize("quick", [True, False])
def test_c3_c4_sweep_cases_draw_independent_streams_and_full_cases_share_one_budget(monkeypatch, quick):
    """Each sweep case gets its own seed, and at full size chains x d is the same for every case."""
    from qnets.claims import convex_checks

    calls = []

    def recording(claim_id, problem, method, schedule, steps, chains, box, key, seed):
        calls.append((problem.d, chains, seed))
        return Verdict(claim_id, True, 0.0, 1.0, 0.0, "recorded", {})

    monkeypatch.setattr(convex_checks, "_against_bound", recording)
    convex_checks._sr_sweep("C3", lambda problem: None, quick, SEED)
    seeds = [seed for _, _, seed in calls]
    assert len(set(seeds)) == len(seeds) == len(convex_checks._sweep(quick))
    # and no case of one root seed reuses a stream of another root seed's cases
    neighbours = {convex_checks.case_seed(root, case) for root in (SEED - 1, SEED + 1) for case in range(len(seeds))}
    assert not neighbours & set(seeds)
    budgets = {d * chains for d, chains, _ in calls}
    expected = {200 * d for d, _, _ in calls} if quick else {convex_checks.FULL_SWEEP_COORDINATE_CHAINS}
    assert budgets == expected
