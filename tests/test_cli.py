"""The ``qnets`` command line and the benchmark's accounting."""

import json
import re
from pathlib import Path

import numpy as np
import pytest
from qnets.simulate.bench import bench

from qnets.claims import CLAIMS
from qnets.cli import main


def test_simulate_json_final_entry_has_mean_and_stderr(capsys):
    code = main(
        [
            "simulate",
            "--problem",
            "quadratic",
            "--d",
            "10",
            "--method",
            "sr",
            "--delta",
            "0.01",
            "--schedule",
            "inverse-time",
            "--steps",
            "300",
            "--chains",
            "50",
            "--seed",
            "0",
            "--json",
        ]
    )
    assert code == 0
    payload = json.loads(capsys.readouterr().out)
    assert list(payload)[-1] == "final"
    assert set(payload["final"]) == {"w.gap", "w.avg_gap", "w.dist2"}
    for entry in payload["final"].values():
        assert set(entry) == {"mean", "stderr"} and entry["stderr"] > 0
    assert payload["checkpoints"][-1] == 300


def test_simulate_table_lists_both_bc_weight_kinds(capsys):
    assert main(["simulate", "--method", "bc", "--steps", "50", "--chains", "10"]) == 0
    out = capsys.readouterr().out
    assert "real.avg_gap" in out and "deployed.avg_gap" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["simulate", "--delta", "0"], "argument --delta: must be a finite number > 0"),
        (["simulate", "--chains", "0"], "argument --chains: must be an integer in [1, "),
        (["simulate", "--problem", "double-well", "--d", "3"], "fixed dimension"),
    ],
)
def test_simulate_reports_bad_input_and_exits_2(capsys, argv, message):
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_bench_reports_its_ratios_and_bounded_memory():
    """Memory (deterministic) is asserted at a size where the O(block) scratch is small next to
    the O(n_chains d) state; speed ratios are only reported, never asserted."""
    report = bench(n_chains=5000, d=100, steps=4, loop_chains=2)
    for key in ("coord_steps_per_s", "rng_limit_ratio", "python_loop_speedup"):
        assert report[key] > 0
    assert report["peak_memory_ratio"] < 4


def test_markov_json_rows_are_laws_with_summaries(capsys):
    assert main(["markov", "--lr", "0.1", "--lr", "0.02", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert [row["a"] for row in payload["rows"]] == [0.1, 0.02, 0.0]
    for row in payload["rows"]:
        assert sum(row["law"]) == pytest.approx(1.0, abs=1e-12)
        assert 0 < row["mass_near_minimizer"] < 1 and row["residual"] < 1e-12
    assert payload["rows"][1]["tv_from_small_step_law"] < payload["rows"][0]["tv_from_small_step_law"]


def test_markov_table_shows_the_law_against_a(capsys):
    assert main(["markov", "--lr", "0.05"]) == 0
    out = capsys.readouterr().out
    assert "-> 0 (generator)" in out and "stationary law (columns: a)" in out


def test_markov_rejects_a_non_positive_step(capsys):
    assert main(["markov", "--lr", "0"]) == 2
    assert "argument --lr: must be a finite number > 0" in capsys.readouterr().err


def test_bound_shows_markov_derivations(capsys):
    assert main(["bound", "M2", "--derive"]) == 0
    out = capsys.readouterr().out
    assert "M2 linearity" in out and "NOT VERIFIED" not in out and out.count("verified") == 3


def test_markov_solves_a_chain_with_transient_states(capsys):
    """Uniform noise 0.5 leaves the double well's edge states transient: one closed class, one law."""
    assert main(["markov", "--noise-law", "uniform", "--noise", "0.5", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    law = np.array(rows[0]["law"])
    assert law[0] == 0 and law.sum() == pytest.approx(1.0)


def test_markov_explains_a_chain_with_several_closed_classes(capsys):
    assert main(["markov", "--noise-law", "uniform", "--noise", "0.25"]) == 2
    err = capsys.readouterr().err
    assert "2 closed communicating classes" in err and "larger --noise or a smaller --half-width" in err


def test_long_simulations_print_progress_lines(capsys):
    from qnets.simulate.schedules import constant

    from qnets.cli._common import StepProgress

    schedule = StepProgress(constant(0.1), steps=4, label="qnets simulate", after=0.0, every=0.0)
    assert [schedule(t) for t in range(4)] == [0.1] * 4 and schedule.name == "constant"
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].startswith("qnets simulate: step 1/4, about ") and len(lines) == 3


def test_running_out_of_memory_is_one_line_and_exit_2(capsys, monkeypatch):
    import qnets.cli.simulate

    def exhausted(args):
        raise MemoryError

    monkeypatch.setattr(qnets.cli.simulate, "run_command", exhausted)
    assert main(["simulate", "--max-memory", "unlimited", "--chains", "300"]) == 2
    assert (
        capsys.readouterr().err
        == "qnets simulate: error: out of memory with --chains 300 --steps 2000 --batch-size 1; use smaller "
        "values\n"
    )


def test_output_directory_is_created_and_stale_temporaries_removed(tmp_path):
    from qnets.output import prepare_output_dir

    out = prepare_output_dir(tmp_path / "new" / "deeper")
    assert out.is_dir()
    stale = out / ".report.tmp-999999999.md"
    stale.write_text("half")
    prepare_output_dir(out)
    assert not stale.exists()


def test_strict_json_turns_nan_and_infinities_into_null():
    import numpy as np

    from qnets.output import dumps

    text = dumps({"a": float("nan"), "b": [np.inf, -np.inf, 1.5], "c": np.array([np.nan, 2.0]), "d": np.float64(3)})
    assert json.loads(text) == {"a": None, "b": [None, None, 1.5], "c": [None, 2.0], "d": 3.0}


@pytest.mark.parametrize("claim_id", list(CLAIMS))
def test_check_where_lists_existing_files_of_every_claim(claim_id, capsys):
    """``qnets check ID --where --json``: every path exists in the source tree, among them the
    claim's own module and test module, and the notes section is a heading of its file."""
    root = Path(__file__).resolve().parent.parent
    assert main(["check", claim_id.lower(), "--where", "--json"]) == 0
    files = json.loads(capsys.readouterr().out)
    assert files["claim"] == claim_id
    assert files["check"] == files["statement"] == f"qnets/claims/{claim_id.lower()}.py"
    assert files["tests"] == f"tests/claims/test_{claim_id.lower()}.py"
    notes, _, anchor = files["notes"].partition("#")
    assert anchor.startswith(claim_id.lower()), files["notes"]
    paths = [
        files["statement"],
        files["tests"],
        notes,
        *files["figures"],
        *[files[kind] for kind in ("derivation",) if kind in files],
    ]
    missing = [path for path in paths if not (root / path).is_file()]
    assert not missing
    assert len(files["figures"]) == len(CLAIMS[claim_id].figures)


def test_check_where_prints_one_kind_and_path_per_line(capsys):
    assert main(["check", "C3", "M2", "--where"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "claim C3"
    assert "  check: qnets/claims/c3.py" in lines and "  derivation: theory/convex.py" in lines
    assert "  figure: figures/fig_convergence.py" in lines and "  derivation: theory/markov.py" in lines
    assert all(line.startswith("claim ") or re.fullmatch(r"  [a-z]+: \S+", line) for line in lines)


def test_check_accepts_lower_case_ids_runs_a_repeated_id_once_and_suggests_a_close_one(capsys):
    assert main(["check", "e3", "E3", "--json", "--quiet"]) == 0
    captured = capsys.readouterr()
    assert [v["claim_id"] for v in json.loads(captured.out)] == ["E3"]
    assert captured.err == "qnets check: claim E3 given 2 times; it is checked once\n"
    assert main(["check", "C33"]) == 2
    assert "unknown claim id 'C33' (did you mean C3?)" in capsys.readouterr().err


def test_every_claim_module_holds_its_own_claim_and_names_real_figures():
    from qnets.figures.registry import FIGURES

    for claim_id, claim in CLAIMS.items():
        assert claim.claim_id == claim_id and claim.module == f"qnets.claims.{claim_id.lower()}"
        assert claim.check.__module__ == claim.module
        assert set(claim.figures) <= set(FIGURES)
        for name in claim.figures:
            assert claim_id in FIGURES[name].claims
