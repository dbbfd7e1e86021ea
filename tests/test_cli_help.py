"""Every command and option of ``qnets`` explains itself in ``--help``, in plain text."""

from __future__ import annotations

import argparse
import re

import pytest

from qnets.cli import main, parser


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    root = parser()
    (commands,) = [a for a in root._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(commands.choices)


@pytest.mark.parametrize("command", list(_subparsers()))
def test_every_option_has_help_text_without_rest_markup(command, capsys):
    sub = _subparsers()[command]
    undocumented = [a.dest for a in sub._actions if not isinstance(a, argparse._HelpAction) and not a.help]
    assert not undocumented, f"qnets {command}: options without help: {undocumented}"
    assert main([command, "--help"]) == 0
    text = capsys.readouterr().out
    assert "``" not in text and ":func:" not in text and ":mod:" not in text


def test_top_level_help_lists_every_command(capsys):
    assert main(["--help"]) == 0
    text = capsys.readouterr().out
    assert all(name in text for name in _subparsers())
    assert "``" not in text


@pytest.mark.parametrize(("command", "claims"), [("reproduce", None), ("check", "all")])
def test_full_help_states_the_estimate_the_max_work_check_uses(command, claims, capsys):
    """The minutes that ``--full``'s help promises are the estimate ``--max-work`` is checked
    against (within 10%), so the text cannot drift from the recorded task times."""
    from qnets.claims import CLAIMS
    from qnets.cli.check import _full_wall_seconds
    from qnets.pipeline.reproduce import full_wall_seconds

    assert main([command, "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    stated = float(re.search(r"--full paper-quality sizes, about (\d+) minutes", text)[1])
    estimate = (full_wall_seconds() if claims is None else _full_wall_seconds(list(CLAIMS))) / 60
    assert abs(stated - estimate) <= 0.1 * estimate, (stated, estimate)
