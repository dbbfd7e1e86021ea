"""``qnets --help``, ``--version``, a top-level usage error, and every command's ``--help``,
argument errors and mistyped names start at once (issue 21): the command modules are imported only for the command
that runs (:func:`qnets.cli.parser`), and they import numpy, scipy, sympy and matplotlib only in
their handlers, reading the names and limits their parsers show from
:mod:`qnets.cli.choices`, whose copies are checked against their homes here."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from qnets.cli import COMMANDS

#: Every ``qnets X --help`` and ``qnets X --bogus`` measured 1.4x to 1.8x the start of
#: ``python -c pass`` (best of 3, 2 cores at load 1.7; up to 3.6x at load 5.9), and ``--version``
#: and ``--help`` 1.4x, while importing numpy alone costs 9x and sympy with scipy.stats 73x
#: (``qnets figures --help`` took 3.6 s, 90x, when it imported the figure registry). A bound of
#: 20x leaves 5x headroom: load on a shared machine cannot fail it, the sympy/scipy or matplotlib
#: imports cannot pass it. numpy, which sits inside that margin, is caught exactly by the
#: sys.modules test below.
RATIO = 20.0
TOP_LEVEL = [["--version"], ["--help"], ["reprodce"], []]
#: A mistyped name, per command that takes names (each gets a "did you mean").
MISTYPED = {
    "check": ["c33"],
    "figures": ["tightnes"],
    "bound": ["C33"],
    "simulate": ["--method", "SRR"],
    "nets": ["--model", "mlp3"],
}
#: Per command: its ``--help``, an unknown option and, where it takes names, a mistyped one.
OWN = {
    command: [[command, "--help"], [command, "--bogus"]]
    + ([[command, *MISTYPED[command]]] if command in MISTYPED else [])
    for command in COMMANDS
}
ARGVS = TOP_LEVEL + [argv for argvs in OWN.values() for argv in argvs]
HEAVY = ("numpy", "scipy", "sympy", "matplotlib", "qnets.simulate.methods")


def _best_of(command: list[str], runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=False)
        times.append(time.perf_counter() - started)
    return min(times)


@pytest.mark.parametrize("argvs", [TOP_LEVEL, *OWN.values()], ids=["qnets", *OWN])
def test_start_up_costs_a_small_multiple_of_python_itself(argvs):
    bare = _best_of([sys.executable, "-c", "pass"])
    ratios = {" ".join(argv): _best_of([sys.executable, "-m", "qnets", *argv]) / bare for argv in argvs}
    slow = {argv: f"{ratio:.1f} x" for argv, ratio in ratios.items() if not ratio < RATIO}
    assert not slow, f"start-up against python -c pass ({bare:.3f} s): {slow}"


PROBE = """
import sys
from qnets.cli import main
try:
    main({argv!r})
finally:
    print(sorted(m for m in {heavy!r} if m in sys.modules))
"""


@pytest.mark.parametrize("argv", ARGVS, ids=" ".join)
def test_no_numerics_are_imported_before_a_command_runs(argv):
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(argv=argv, heavy=HEAVY)], capture_output=True, text=True, check=False
    )
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout + done.stderr
    command, rest = (argv[0], argv[1:]) if argv else ("", [])
    if rest in (["--bogus"], MISTYPED.get(command)):  # the error still names the command whose argument it is
        assert done.stderr.startswith(f"qnets {command}: error: "), done.stderr
    if rest == MISTYPED.get(command):
        assert "(did you mean " in done.stderr, done.stderr
    if rest == ["--help"]:
        assert done.stdout.startswith(f"usage: qnets {command}"), done.stdout


def test_the_parsers_light_copies_equal_their_homes():
    from qnets.figures.registry import FIGURES
    from qnets.simulate import _validate, monte_carlo, scenarios
    from qnets.simulate.markov import limits
    from qnets.simulate.nets import DATASETS, METHODS, OPTIMIZERS
    from qnets.theory.convex import all_bounds
    from qnets.theory.markov import derivations

    from qnets.claims import registry
    from qnets.cli import choices
    from qnets.pipeline.sweep import AXES

    assert choices.FIGURE_NAMES == tuple(FIGURES)
    assert choices.CLAIM_IDS == registry.CLAIM_IDS
    assert (choices.DATASETS, choices.NET_METHODS, choices.OPTIMIZERS) == (DATASETS, METHODS, OPTIMIZERS)
    assert choices.BOUND_NAMES == tuple(all_bounds())
    assert choices.DERIVATION_NAMES == tuple(derivations())
    assert choices.PROBLEM_NAMES == tuple(scenarios.PROBLEMS)
    assert choices.SWEEP_AXES == AXES
    assert choices.QUANTITIES == monte_carlo.QUANTITIES
    assert choices.MAX_SCALE == _validate.MAX_SCALE
    assert choices.DOUBLE_WELL_DELTA == scenarios.DOUBLE_WELL_DELTA
    assert choices.NEAR_RADIUS == scenarios.NEAR_RADIUS
    assert choices.MAX_STATES == limits.MAX_STATES
    assert choices.MAX_HALF_WIDTH == limits.MAX_HALF_WIDTH
