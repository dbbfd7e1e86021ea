"""Every input listed in issue 12 gets a one-line error with exit status 2, or a correct result.

Command-line inputs go through the real entry point, :func:`qnets.cli.main`, in process; API
inputs call the public functions.  Each refusal must name the option the user typed.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from qnets.simulate import Box, Grid
from qnets.simulate.markov import StateSpace, relaxation_time, spectral_gap, total_variation
from qnets.simulate.markov.mixing import PeriodicChainError
from qnets.simulate.markov.stationary import ReducibleChainError

from qnets.claims.verdict import SEED
from qnets.cli import main
from qnets.errors import InputError, InputTypeError

C3_VALUES = ["--set", "G=1", "--set", "mu=1", "--set", "d=10", "--set", "Delta=0.01"]


def strict_json(text: str) -> object:
    """Parse like JavaScript's JSON.parse: NaN and Infinity are syntax errors."""

    def reject(constant: str) -> None:
        raise ValueError(f"non-standard JSON constant {constant}")

    return json.loads(text, parse_constant=reject)


def one_line_error(capsys: pytest.CaptureFixture, argv: list[str]) -> str:
    """Run ``argv``; assert exit status 2 and exactly one line on stderr, which is returned."""
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


#: (argv, text the one-line error must contain): the refused inputs of the issue.
REFUSED = [
    # sizes: refused before allocation, naming the options, the estimate and the limit
    (["simulate", "--d", "10000000"], "--d 10000000 --chains 200 --steps 2000 need about"),
    (["simulate", "--problem", "least-squares", "--d", "100000"], "--problem least-squares --d 100000"),
    (["simulate", "--chains", "1000000000"], "--chains 1000000000 --steps 2000 need about"),
    (["simulate", "--problem", "logistic", "--d", "2000"], "above --max-memory 4 GiB"),
    (["bench", "--d", "10000000"], "--d 10000000 --steps 30 need about"),
    (["markov", "--delta", "1e-12"], "--delta 1e-12 with --half-width 2 gives 4000000000001 states"),
    (["markov", "--problem", "multiwell", "--delta", "0.01"], "gives 160801 states"),
    (
        ["nets", "--seeds", "100000"],
        "--model mlp --width 64 --seeds 100000 --steps 1000 --batch 32 (--study table) need",
    ),
    (["nets", "--model", "cnn", "--steps", "1000000"], "--seeds 8 --steps 1000000 --batch 16 (--study table) are"),
    (["nets", "--study", "lr", "--seeds", "100000", "--max-memory", "unlimited"], "above --max-work 60 minutes"),
    # silent inf and NaN
    (["simulate", "--delta", "1e308"], "--delta 1e+308"),
    (["bound", "C3", *C3_VALUES, "--set", "T=inf"], "--set expects NAME=FINITE_NUMBER, got 'T=inf'"),
    (["bound", "C6", "--set", "mu=inf"], "got 'mu=inf'"),
    (["bound", "C6", "--set", "mu=nan"], "got 'mu=nan'"),
    (["bound", "C6", "--set", "d=2.5"], "--set d=2.5: d is an integer"),
    (["bound", "C6", "--set", "mu=1", "--set", "mu=5"], "--set mu given twice"),
    (["markov", "--radius", "-1"], "argument --radius: must be a finite number > 0"),
    (["simulate", "--noise", "1e308"], "argument --noise: must be a finite number >= 0 and <= 1e+150"),
    # messages that name the option
    (["simulate", "--lr", "0"], "argument --lr: must be a finite number > 0"),
    (["simulate", "--radius", "1e308"], "--radius 1e+308 with --delta 0.01"),
    (["markov", "--half-width", "0"], "argument --half-width: must be a finite number > 0"),
    (["markov", "--delta", "1e308"], "--delta 1e+308 must be at most --half-width 2"),
    (["markov", "--delta", "1e-320"], "--delta 9.99989e-321 with --half-width 2: the grid-aligned box"),
    (["bench", "--d", "0"], "argument --d: must be an integer in [1, "),
    # repeated options, append-style duplicates, non-integers
    (["simulate", "--d", "3", "--d", "4"], "argument --d: given twice"),
    (["markov", "--lr", "0.1", "--lr", "0.1"], "argument --lr: value 0.1 given twice"),
    (["simulate", "--steps", "2.5"], "argument --steps: must be an integer, got '2.5'"),
    # defaults that failed: the command now says in one line what to add
    (["simulate", "--problem", "ill-conditioned", "--d", "1"], "needs --d >= 2"),
    (["simulate", "--problem", "double-well", "--schedule", "inverse-time"], "needs --lr (mu)"),
    (["markov", "--noise-law", "uniform", "--noise", "0.25"], "use a larger --noise or a smaller --half-width"),
    # output paths: before any work
    (["reproduce", "--out", "/dev/null"], "--out /dev/null is a file"),
    (["reproduce", "--out", "/dev/null/report"], "lies below the file /dev/null"),
    (["figures", "batch-size", "--out", "/proc/qnets-out"], "--out /proc/qnets-out is not a writable directory"),
]


@pytest.mark.parametrize(("argv", "message"), REFUSED, ids=[" ".join(argv) for argv, _ in REFUSED])
def test_issue_12_inputs_get_a_one_line_error_naming_the_option(capsys, argv, message):
    assert message in one_line_error(capsys, argv)


def test_markov_multiwell_refusal_no_longer_advises_an_option_the_cli_lacks(capsys):
    err = one_line_error(capsys, ["markov", "--problem", "multiwell", "--delta", "0.01"])
    assert "sparse" not in err and "use --delta >=" in err


def test_figures_checks_the_output_directory_before_computing(capsys, monkeypatch):
    import qnets.pipeline.reproduce

    def must_not_run(*args, **kwargs):
        raise AssertionError("a figure was computed before the output directory was checked")

    monkeypatch.setattr(qnets.pipeline.reproduce, "build_figures", must_not_run)
    one_line_error(capsys, ["figures", "convergence", "--out", "/proc/qnets-out"])


def test_max_memory_can_be_raised_on_purpose(capsys):
    argv = ["simulate", "--chains", "2000", "--d", "10", "--steps", "2"]
    assert "above --max-memory 100 KiB" in one_line_error(capsys, [*argv, "--max-memory", "100KiB"])
    assert main([*argv, "--max-memory", "unlimited"]) == 0
    assert "2000 chains" in capsys.readouterr().out
    assert "above --max-memory 4 GiB" in one_line_error(capsys, ["simulate", "--chains", "300000", "--d", "1000"])


@pytest.mark.parametrize("model", ["mlp", "cnn"])
@pytest.mark.parametrize("study", ["table", "batch", "lr", "flips"])
def test_the_documented_full_network_studies_fit_the_default_budgets(model, study):
    """``qnets nets --full`` (every study, both models) is not refused at the default --max-work and
    --max-memory, while each is estimated at more work than its quick run."""
    from qnets.simulate.budget import nets_cost
    from qnets.simulate.nets.studies import sizes

    from qnets.cli._common import DEFAULT_MAX_MEMORY, DEFAULT_MAX_WORK, duration, memory_size

    full, quick = nets_cost(sizes(False, model), study), nets_cost(sizes(True, model), study)
    assert full.seconds < duration(DEFAULT_MAX_WORK) and full.bytes < memory_size(DEFAULT_MAX_MEMORY)
    assert full.work > quick.work


def test_double_well_runs_with_its_own_defaults(capsys):
    assert main(["simulate", "--problem", "double-well", "--steps", "50", "--chains", "20"]) == 0
    out = capsys.readouterr().out
    assert "on double-well (d=1)" in out and "schedule=constant" in out


def test_markov_uniform_noise_runs_with_its_own_defaults(capsys):
    assert main(["markov", "--noise-law", "uniform", "--lr", "0.1", "--json"]) == 0
    payload = strict_json(capsys.readouterr().out)
    assert payload["noise"] == {"law": "uniform", "scale": 4.0}
    assert all(math.isclose(sum(row["law"]), 1.0, abs_tol=1e-12) for row in payload["rows"])


def test_help_says_what_the_seed_draws(capsys):
    assert main(["simulate", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "problem data of ill-conditioned (the rotation), least-squares (A and b) and logistic (X and y)" in text


def test_bound_latex_prints_the_left_hand_side_once(capsys):
    assert main(["bound", "C6", "--latex"]) == 0
    line = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("derived"))
    assert line.count(r"\mathbb{E}[F(\bar w_T)] - F^*") == 1 and r"\le" in line


def test_bound_value_is_printed_for_finite_integer_settings(capsys):
    assert main(["bound", "C3", *C3_VALUES, "--set", "T=100"]) == 0
    value = float(capsys.readouterr().out.split("value: ")[1].split()[0])
    # C3 at G = mu = 1, d = 10, Delta = 0.01, T = 100: sqrt(d) Delta G / 2 + G^2 (1 + log T) / (2 mu T)
    assert value == pytest.approx(math.sqrt(10) * 0.01 / 2 + (1 + math.log(100)) / 200, rel=1e-6)


def test_simulate_json_is_strict_even_with_undefined_standard_errors(capsys):
    assert main(["simulate", "--chains", "1", "--steps", "3", "--json"]) == 0
    payload = strict_json(capsys.readouterr().out)  # one chain: the standard errors are NaN -> null
    assert payload["final"]["w.gap"]["stderr"] is None and payload["final"]["w.gap"]["mean"] >= 0


def test_check_json_is_strict(capsys, monkeypatch):
    import qnets.claims
    from qnets.claims.verdict import crashed

    monkeypatch.setattr(
        qnets.claims, "run_checks", lambda ids, quick, seed, **options: [crashed("C1", RuntimeError("boom"))]
    )
    assert main(["check", "C1", "--json"]) == 1
    (verdict,) = strict_json(capsys.readouterr().out)
    assert verdict["measured"] is None and verdict["ratio"] is None and verdict["holds"] is False


# ----------------------------------------------------------------------------------- the API


def test_state_space_of_a_16_to_the_16_box_counts_exactly():
    space = StateSpace(Box(np.zeros(16), np.full(16, 15.0)), Grid(1.0))
    assert space.size == 16**16 and isinstance(space.size, int)
    with pytest.raises(InputError, match=r"StateSpace.points\(\) would allocate"):
        space.points()


def test_periodic_chain_has_gap_zero_and_no_relaxation_time():
    flip = np.array([[0.0, 1.0], [1.0, 0.0]])
    assert spectral_gap(flip) == 0.0
    with pytest.raises(PeriodicChainError, match="periodic with period 2"):
        relaxation_time(flip)
    cycle = np.roll(np.eye(3), 1, axis=1)
    with pytest.raises(PeriodicChainError, match="period 3"):
        relaxation_time(cycle)


def test_identity_chain_is_reported_reducible_not_divided_by_zero():
    assert spectral_gap(np.eye(2)) == 0.0
    with pytest.raises(ReducibleChainError, match="2 closed classes"):
        relaxation_time(np.eye(2))


def test_aperiodic_chains_keep_their_gap():
    # eigenvalues 1 and 1 - p - q: gap p + q (here 0.5); a transient state does not make the gap 0
    assert spectral_gap(np.array([[0.7, 0.3], [0.2, 0.8]])) == pytest.approx(0.5)
    assert relaxation_time(np.array([[1.0, 0.0], [0.5, 0.5]])) == pytest.approx(2.0)


def test_total_variation_checks_shapes():
    with pytest.raises(InputError, match="same states"):
        total_variation([0.5, 0.5], [1.0])
    assert total_variation([0.5, 0.5], [1.0, 0.0]) == 0.5


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: Grid.symmetric(2000), InputError, "bits must be an integer >= 1 and <= 53"),
        (lambda: Grid(1e-12, 0, 1).points(), InputError, r"Grid.points\(\) would allocate 1000000000001 entries"),
        (lambda: Grid(0.1).stochastic(np.zeros(3), None), InputTypeError, "rng must be a numpy.random.Generator"),
        (lambda: Box.around(np.zeros(2), 1, "grid"), InputTypeError, "grid must be a Grid"),
        (lambda: Box.around(np.zeros(1), 1e308, Grid(0.01)), InputError, r"radius=1e\+308 and grid delta=0.01"),
    ],
    ids=["symmetric-2000", "points-1e-12", "stochastic-none", "around-str", "around-overflow"],
)
def test_api_inputs_raise_input_errors_naming_the_argument(call, error, message):
    with pytest.raises(error, match=message):
        call()


# ------------------------------------------------------------------ the cache and Ctrl-C


def fake_claims(*ids: str) -> dict:
    """Registry entries whose checks return a fixed holding verdict at once."""
    import dataclasses

    from qnets.claims.registry import CLAIMS
    from qnets.claims.verdict import Verdict

    def check(quick, seed, claim_id):
        return Verdict(claim_id, True, 0.5, 1.0, 0.01, "fake check", {"n": 1})

    return {i: dataclasses.replace(CLAIMS[i], check=lambda quick, seed, i=i: check(quick, seed, i)) for i in ids}


def store_entry(cache, name: str, verdict_text: str, checksum_of_text: str | None = None) -> None:
    """Write the entry ``name`` of ``cache`` under its right key, with a checksum of ``checksum_of_text``."""
    from qnets.output import code_hash
    from qnets.pipeline.cache import CHECKSUM_FIELD, KEY_FIELD, checksum_of, key_of

    key = key_of({"name": name, "quick": True, "seed": SEED, "code": code_hash()})
    signed = verdict_text if checksum_of_text is None else checksum_of_text
    cache.root.mkdir(parents=True, exist_ok=True)
    fields = {KEY_FIELD: np.array(key), CHECKSUM_FIELD: np.array(checksum_of({"verdict": np.array(signed)}))}
    np.savez(cache.path(name, key), **fields, verdict=np.array(verdict_text))


GOOD = '{"claim_id": "C2", "holds": true, "measured": 0.5, "bound": 1.0, "margin": 0.01, "detail": "d", '
GOOD += '"params": {}, "seed": 1, "parts": {}, "ratio": 0.5}'


@pytest.mark.parametrize(
    ("stored", "signed", "reason"),
    [
        ("{not json", None, "content fails its schema: verdict is not JSON"),
        (GOOD.replace(', "ratio": 0.5', ""), None, "content fails its schema: verdict does not have the fields"),
        (GOOD.replace('"holds": true', '"holds": "yes"'), None, "verdict field 'holds' has type str"),
        (GOOD.replace("0.5, ", "0.01, "), GOOD, "checksum does not match its content"),
    ],
    ids=["not-json", "missing-ratio", "wrong-type", "edited-content"],
)
def test_cache_entry_with_valid_key_and_bad_content_is_recomputed_with_a_warning(
    tmp_path, capsys, stored, signed, reason
):
    from qnets.parallel import SERIAL
    from qnets.pipeline.cache import Cache
    from qnets.pipeline.tasks import CheckTask, run_cached, verdict_of

    def cached_verdict():
        (outcome,) = run_cached([CheckTask(fake_claims("C2")["C2"], True)], cache, SERIAL)
        return verdict_of(outcome)

    cache = Cache(tmp_path)
    store_entry(cache, "check-C2", stored, signed)
    verdict = cached_verdict()
    assert verdict.detail == "fake check" and verdict.measured == 0.5  # the recomputed verdict
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and reason in err and err.endswith("; recomputing\n")
    assert cache.events[-1].source == "recomputed" and reason in cache.events[-1].reason
    cached_verdict()  # the entry was rewritten
    assert cache.events[-1].source == "from cache" and capsys.readouterr().err == ""


def test_report_says_which_results_came_from_the_cache(tmp_path, capsys):
    from qnets.pipeline.cache import Cache
    from qnets.pipeline.reproduce import reproduce

    claims = fake_claims("C2", "C3")
    assert reproduce(tmp_path, quiet=True, claims=claims, figures={}) == 0
    assert "- check-C2: computed" in (tmp_path / "report.md").read_text()
    store_entry(Cache(tmp_path / "cache"), "check-C3", "{not json")
    assert reproduce(tmp_path, quiet=True, claims=claims, figures={}) == 0
    report = (tmp_path / "report.md").read_text()
    assert "2 results: 1 from cache, 0 computed, 1 recomputed." in report
    assert "- check-C2: from cache" in report and "- check-C3: recomputed (content fails its schema" in report
    assert "check-C3: recomputed" in (tmp_path / "report.html").read_text()
    verdicts = strict_json((tmp_path / "verdicts.json").read_text())
    assert [v["claim_id"] for v in verdicts] == ["C2", "C3"]


def test_cache_removes_temporaries_of_dead_writers_only(tmp_path):
    import os

    from qnets.pipeline.cache import Cache

    dead = tmp_path / ".check-C2-0123.tmp-999999999.npz"  # above any pid_max: no such process
    alive = tmp_path / f".check-C3-0123.tmp-{os.getpid()}.npz"
    for path in (dead, alive):
        path.write_bytes(b"partial")
    Cache(tmp_path)
    assert not dead.exists() and alive.exists()


def test_an_unwritable_cache_warns_and_the_result_is_still_used(tmp_path, capsys):
    from qnets.pipeline.cache import Cache

    (tmp_path / "cache").write_text("a file where the cache directory should be")
    arrays = Cache(tmp_path / "cache").get_or_compute("demo", {}, lambda: {"x": np.ones(2)})
    assert arrays["x"].tolist() == [1.0, 1.0] and "warning: cache: cannot store" in capsys.readouterr().err


def test_ctrl_c_prints_one_line_exits_130_and_leaves_nothing_half_written(tmp_path, capsys, monkeypatch):
    import qnets.pipeline.reproduce
    from qnets.output import atomic_path

    def interrupted_write(path, value, sort_keys=False):
        with atomic_path(path) as temporary:
            temporary.write_text('[{"claim_id": "C2", "hol')  # half of verdicts.json, then Ctrl-C
            raise KeyboardInterrupt

    monkeypatch.setattr(qnets.pipeline.reproduce, "CLAIMS", fake_claims("C2", "C3"))
    monkeypatch.setattr(qnets.pipeline.reproduce, "FIGURES", {})
    monkeypatch.setattr(qnets.pipeline.reproduce, "write_json", interrupted_write)
    argv = ["reproduce", "--out", str(tmp_path), "--quiet", "--jobs", "1"]  # the fake checks cannot be pickled
    assert main(argv) == 130
    captured = capsys.readouterr()
    assert captured.err == (
        f"qnets reproduce: interrupted; the tasks that finished are in {tmp_path}/cache: re-run the same command to "
        "resume\n"
    )
    assert not list(tmp_path.rglob("*.tmp-*")) and not (tmp_path / "verdicts.json").exists()
    assert not (tmp_path / "report.md").exists() and len(list((tmp_path / "cache").glob("check-*.npz"))) == 2
    monkeypatch.undo()
    monkeypatch.setattr(qnets.pipeline.reproduce, "CLAIMS", fake_claims("C2", "C3"))
    monkeypatch.setattr(qnets.pipeline.reproduce, "FIGURES", {})
    assert main(argv) == 0  # the re-run resumes from the cache
    assert "2 results: 2 from cache" in (tmp_path / "report.md").read_text()
    assert len(strict_json((tmp_path / "verdicts.json").read_text())) == 2


@pytest.mark.parametrize(
    ("argv", "work"),
    [
        (["reproduce", "--full", "--max-work", "10min"], "qnets.pipeline.reproduce.reproduce"),
        (["check", "C3", "--full", "--max-work", "1min"], "qnets.claims.run_checks"),
        (["figures", "nets-table", "--full", "--max-work", "5min"], "qnets.pipeline.reproduce.build_figures"),
    ],
    ids=["reproduce", "check", "figures"],
)
def test_full_runs_above_max_work_are_refused_before_any_work(capsys, monkeypatch, argv, work):
    """``--max-work`` is checked against the --full estimate of reproduce, check and figures (it
    was accepted and ignored); the work itself is replaced so that a missed refusal fails at once."""

    def must_not_run(*args, **kwargs):
        raise AssertionError(f"qnets {argv[0]} --full started its work above --max-work")

    module, name = work.rsplit(".", 1)
    monkeypatch.setattr(module + "." + name, must_not_run)
    err = one_line_error(capsys, argv)
    assert f"qnets {argv[0]} --full is expected to take about" in err and "above --max-work" in err


def test_figures_estimate_counts_the_study_a_figure_computes_alone():
    """``nets-table`` records no cost of its own (N1 carries the table study's), but built alone it
    computes the study: the estimate counts at least N1's recorded seconds."""
    from qnets.figures.registry import FIGURES

    from qnets.claims import CLAIMS
    from qnets.pipeline.reproduce import full_wall_seconds

    assert FIGURES["nets-table"].full_seconds < CLAIMS["N1"].full_seconds / 100
    assert full_wall_seconds({}, {"nets-table": FIGURES["nets-table"]}) >= CLAIMS["N1"].full_seconds


def test_the_readme_full_reproduce_fits_the_default_max_work():
    from qnets.cli._common import DEFAULT_MAX_WORK, duration
    from qnets.pipeline.reproduce import full_wall_seconds

    assert 0 < full_wall_seconds() < duration(DEFAULT_MAX_WORK)


def test_quick_runs_are_not_estimated_against_max_work(capsys):
    assert main(["check", "C1", "--max-work", "1", "--quiet"]) == 0
    assert "C1" in capsys.readouterr().out
