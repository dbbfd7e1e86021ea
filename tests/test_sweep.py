"""``qnets sweep``: the tidy table against E2's exact values, strict JSON, resuming, bad input."""

import csv
import json

import pytest

from qnets import parallel
from qnets.claims.verdict import Z
from qnets.cli import main
from qnets.pipeline import sweep as sweep_module
from qnets.pipeline.cache import Cache
from qnets.pipeline.progress import Progress
from qnets.pipeline.sweep import SweepSpec, run_sweep

AXES = {
    "method": ["sr", "bc"],
    "delta": [0.1, 0.2],
    "schedule": ["constant"],
    "lr": [0.05],
    "d": [2],
    "sigma": [1.0],
    "batch_size": [1],
    "seed": [0],
}


def _sweep(tmp_path, **changes):
    spec = SweepSpec("quadratic", {**AXES, **changes}, steps=300, chains=2000, radius=1.0, quantity="gap")
    return run_sweep(spec, tmp_path, Cache(tmp_path / "cache"), parallel.SERIAL, Progress(1, quiet=True), "delta")


def test_e2_sweep_estimates_of_sr_agree_with_the_exact_values_in_its_table(tmp_path):
    rows = _sweep(tmp_path)
    assert [(r["method"], r["delta"]) for r in rows] == [("sr", 0.1), ("sr", 0.2), ("bc", 0.1), ("bc", 0.2)]
    for row in rows:
        if row["method"] == "sr":
            assert abs(row["estimate"] - row["exact"]) <= Z * row["stderr"]
            assert row["floor"] > 0
        else:  # no exact law for BC: null in JSON, empty in CSV
            assert row["exact"] is None and row["floor"] is None
    payload = json.loads((tmp_path / "sweep.json").read_text())
    assert payload["rows"] == rows and payload["settings"]["steps"] == 300
    with (tmp_path / "sweep.csv").open() as stream:
        table = list(csv.DictReader(stream))
    assert len(table) == 4 and table[2]["exact"] == "" and float(table[0]["exact"]) == rows[0]["exact"]
    assert (tmp_path / "sweep.png").stat().st_size > 0


def test_sweep_resumes_from_the_cache_after_an_interrupt(tmp_path, monkeypatch):
    calls = []
    original = sweep_module.SweepPoint.__call__

    def interrupted_after_two(point):
        if len(calls) == 2:
            raise KeyboardInterrupt
        calls.append(point)
        return original(point)

    monkeypatch.setattr(sweep_module.SweepPoint, "__call__", interrupted_after_two)
    with pytest.raises(KeyboardInterrupt):
        _sweep(tmp_path)
    monkeypatch.setattr(sweep_module.SweepPoint, "__call__", lambda point: calls.append(point) or original(point))
    rows = _sweep(tmp_path)
    assert len(calls) == 4  # two before the interrupt, the other two after it; none twice
    assert len({(p.method, p.delta) for p in calls}) == 4
    assert rows == _sweep(tmp_path / "again")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--delta", "-0.1"], "argument --delta: must be a finite number > 0, got '-0.1'"),
        (["--chains", "1"], "argument --chains: must be an integer in [2, "),
        (["--method", "adam"], "method"),
        (["--quantity", "loss"], "argument --quantity: invalid choice: 'loss'"),
        (["--x", "colour"], "argument --x: invalid choice: 'colour'"),
        (["--problem", "double-well", "--d", "2"], "fixed dimension"),
        (["--jobs", "0"], "argument --jobs: must be an integer in [1, 4096], got 0"),
    ],
)
def test_sweep_reports_bad_input_in_one_line_and_exits_2(capsys, tmp_path, argv, message):
    chains = [] if "--chains" in argv else ["--chains", "4"]  # an option may be given once
    assert main(["sweep", "--out", str(tmp_path), "--steps", "5", *chains, *argv]) == 2
    error = capsys.readouterr().err
    assert message in error and error.count("\n") == 1
