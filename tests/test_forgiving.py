"""Forgiving input and progress on long commands (issue 21): any case for claim ids and method
names, "did you mean" for commands, claims and figures, errors blamed on the right command."""

from __future__ import annotations

import re

import pytest

from qnets.cli import main
from qnets.cli.bench import _measure


def _error(argv: list[str], capsys) -> str:
    assert main(argv) == 2
    return capsys.readouterr().err.strip()


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["reprodce"], "(did you mean reproduce?)"),
        (["check", "c33"], "(did you mean C3?)"),
        (["figures", "tightnes"], "(did you mean tightness?)"),
        (["bound", "C3", "--set", "dd=1"], "--set dd: no such parameter (did you mean d?)"),
        (["bound", "C33"], "argument name: unknown bound 'C33' (did you mean C3?)"),
        (["bound", "c6-limt"], "(did you mean C6-limit?)"),
        (["simulate", "--method", "SRR"], "(did you mean sr?)"),
    ],
)
def test_a_near_miss_is_named(argv, expected, capsys):
    assert expected in _error(argv, capsys)


def test_an_unknown_set_symbol_is_refused_before_the_missing_ones(capsys):
    message = _error(["bound", "C3", "--set", "X=1"], capsys)
    assert "--set X: no such parameter" in message and "needs values" not in message


def test_leftover_words_and_repeated_options_are_blamed_on_their_command(capsys):
    assert _error(["nets", "--method", "sr", "bc"], capsys).startswith("qnets nets: error: unrecognized arguments: bc")
    assert _error(["nets", "--method", "sr", "--method", "SR"], capsys).startswith(
        "qnets nets: error: argument --method: value 'sr' given twice"
    )


def test_claim_ids_bound_names_and_method_names_in_any_case(capsys):
    assert main(["check", "c3", "--where"]) == 0
    assert "claim C3" in capsys.readouterr().out
    for text, name in (("c6-LIMIT", "C6-limit"), ("m2", "M2")):
        assert main(["bound", text]) == 0
        as_typed = capsys.readouterr().out
        assert main(["bound", name]) == 0
        assert as_typed == capsys.readouterr().out
    assert main(["simulate", "--method", "SR", "--steps", "3", "--chains", "4", "--d", "2"]) == 0


@pytest.mark.parametrize("columns", ["200", "50"])
def test_figures_help_lists_exactly_the_figures_whole_at_any_width(columns, capsys, monkeypatch):
    from qnets.figures.registry import FIGURES

    monkeypatch.setenv("COLUMNS", columns)  # argparse wraps help to the terminal's width
    assert main(["figures", "--help"]) == 0
    listed = re.search(r"default all: (.*?) options:", " ".join(capsys.readouterr().out.split()))
    assert listed is not None and tuple(listed[1].split(", ")) == tuple(FIGURES)


def test_full_help_states_a_time(capsys):
    for command in ("reproduce", "check", "nets", "figures"):
        assert main([command, "--help"]) == 0
        text = " ".join(capsys.readouterr().out.split())
        assert "paper-quality sizes, " in text and "tens of minutes" not in text


def test_bench_prints_progress_with_time_left_unless_quiet(capsys):
    parts = [("one", 1.0, lambda: {"a": 1.0}), ("two", 3.0, lambda: {"b": 2.0})]
    assert _measure(parts, quiet=False) == {"a": 1.0, "b": 2.0}
    err = capsys.readouterr().err
    assert "[1/2] one:" in err and "s left" in err and "[2/2] two:" in err and "all done" in err
    _measure(parts, quiet=True)
    assert capsys.readouterr().err == ""
