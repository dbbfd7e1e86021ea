"""The ``qnets`` command line and the benchmark's accounting."""

import json

import pytest

from figures.cli import main
from simulate.bench import bench


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
        (["simulate", "--delta", "0"], "delta must be > 0"),
        (["simulate", "--chains", "0"], "n_chains must be an integer >= 1"),
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
