"""Fuzz tests: random argument lists through the real entry point, random arguments to constructors.

Hypothesis draws command lines from each command's options with values at the edges (0, -1,
1e-320, 1e308, 1e309, nan, inf, 2.5 for integers, words, empty strings), repeated options and
unknown names, and runs them through :func:`qnets.cli.main` in process.  Every run must end
with exit status 0, 1 or 2, print no traceback, print exactly one line on stderr when the
status is 2, print strict JSON for ``--json``, and stay within a memory bound: the process's
peak resident set (``ru_maxrss``, a high-water mark) may grow by at most ``MEMORY_HEADROOM``
over the whole fuzz, so no single run allocated more.  A hang guard (``signal.alarm``) turns a
run that never ends into a failure; it is not a performance assertion.  Sizes are drawn so
that an accepted run is small: anything large is refused by ``--max-memory`` or by its type,
so the fuzz never launches a long computation (the state-hungry ``markov --problem
multiwell`` is covered by test_inputs.py).

The public constructors get the same treatment: each returns an object or raises
:class:`qnets.errors.InputError` (or ``InputTypeError``) with a message, never an
``OverflowError``, ``MemoryError``, ``AttributeError`` or ``ZeroDivisionError``.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import resource
import signal

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from qnets.simulate import Box, Grid
from qnets.simulate.markov import StateSpace
from qnets.simulate.noise import DiscreteNoise, GaussianNoise, MinibatchNoise, UniformNoise
from qnets.simulate.problems import Logistic, MultiWell2D, Quadratic, TiltedDoubleWell
from qnets.simulate.schedules import annealed, constant, inverse_sqrt, inverse_time, schedule_by_name

from qnets.cli import main
from qnets.errors import InputError

#: How far the process's peak resident set may grow during the fuzz (accepted runs need a few MiB;
#: a refused size would have needed gigabytes).
MEMORY_HEADROOM = 1 * 2**30
#: Seconds after which a single fuzzed call counts as hung.
HANG_GUARD_SECONDS = 120

NUMBERS = ["0", "-0", "-1", "1", "0.5", "2", "1e-320", "1e-12", "1e308", "1e309", "nan", "inf", "-inf", "2.5", "x", ""]
INTEGERS = ["0", "-1", "1", "2", "3", "2.5", "1e3", "x", "", "99999999999999999999", "9007199254740993"]
SIZES = ["1", "2", "0", "-1", "2.5", "x", "99999999999999"]  # chains and dimensions: tiny or refused
FLAG = None
UNKNOWN = {"--nope": ["1"], "-x": FLAG, "--lr=0.1": FLAG, "junk": FLAG, "--": FLAG, "--max-memory": ["1KiB", "0", "x"]}
BAD_OUT = ["/dev/null", "/dev/null/below", "/proc/qnets-fuzz"]  # never "" (the current directory)

OPTIONS: dict[str, dict[str, list[str] | None]] = {
    "simulate": {
        "--problem": ["quadratic", "ill-conditioned", "least-squares", "logistic", "double-well", "multiwell", "nope"],
        "--d": SIZES,
        "--method": ["sgd", "r", "sr", "bc", "nope"],
        "--quantizer": ["stochastic", "deterministic", "x"],
        "--delta": NUMBERS,
        "--schedule": ["constant", "inverse-time", "inverse-sqrt", "x"],
        "--lr": NUMBERS,
        "--chains": SIZES,
        "--seed": INTEGERS,
        "--noise": NUMBERS,
        "--batch-size": SIZES,
        "--radius": NUMBERS,
        "--max-memory": ["64MiB", "1KiB", "0", "x", "-1G"],
        "--json": FLAG,
    },
    "markov": {
        "--problem": ["double-well", "nope"],
        "--delta": ["0", "-1", "nan", "inf", "1e308", "1e-12", "1e-320", "0.25", "0.5", "1", "x"],
        "--noise-law": ["gaussian", "uniform", "x"],
        "--noise": NUMBERS,
        "--lr": ["0", "-1", "1e-320", "0.05", "0.2", "1", "1e308", "nan", "x"],
        "--half-width": ["0", "-1", "1", "2", "1e6", "1e7", "nan", "x"],
        "--radius": NUMBERS,
        "--max-memory": ["64MiB", "1KiB", "x"],
        "--json": FLAG,
    },
    "bound": {
        "name": ["C2", "C3", "C6", "C6-limit", "M2", "sgd-convex", "nope", ""],
        "--set": [
            *["mu=1", "mu=5", "G=2", "T=10", "T=inf", "d=2.5", "d=3", "Delta=0.01", "D=1", "L2=1", "L=2", "c=1"],
            *["x=1", "=1", "mu", "mu=nan", "mu=-1", "G=1e308", "mu=1e-320", "T=1e400"],
        ],
        "--latex": FLAG,
        "--derive": FLAG,
    },
    "bench": {
        "--chains": SIZES,
        "--d": SIZES,
        "--steps": ["1", "2", "0", "x", "99999999999999999999"],
        "--max-memory": ["64MiB", "1KiB"],
        "--json": FLAG,
    },
    "check": {"ids": ["C1", "NOPE", "c1", ""], "--seed": ["-1", "x", "2.5"], "--json": FLAG, "--quick": FLAG},
    # (check always gets an id: without one it runs every claim check, minutes of work)
    "figures": {"names": ["nope", "convergence"], "--out": BAD_OUT, "--no-cache": FLAG, "--quiet": FLAG},
    "reproduce": {"--out": BAD_OUT, "--full": FLAG, "--quick": FLAG, "--no-cache": FLAG},
}
#: Positional arguments (given as values, without an option string).
POSITIONAL = {"name", "ids", "names"}
#: Options every command line of a command gets, so that it never starts long work: a bad value,
#: or a small step count.
ALWAYS = {
    "figures": ("names", ["nope"]),
    "reproduce": ("--out", BAD_OUT),
    "bench": ("--chains", SIZES),
    "check": ("ids", ["C1", "NOPE", "c1", ""]),
    "simulate": ("--steps", ["1", "3", "0", "-1", "2.5", "x", "99999999999999999999"]),
}


@st.composite
def command_lines(draw: st.DrawFn) -> list[str]:
    """A command and a handful of (possibly repeated, possibly unknown) options with edge values."""
    command = draw(st.sampled_from(sorted(OPTIONS)))
    options = {**OPTIONS[command], **UNKNOWN}
    argv = [command]
    if command in ALWAYS:
        option, values = ALWAYS[command]
        value = draw(st.sampled_from(values))
        argv += [value] if option in POSITIONAL else [option, value]
    for name in draw(st.lists(st.sampled_from(sorted(options)), max_size=5)):
        values = options[name]
        if values is FLAG:
            argv.append(name)
        elif name in POSITIONAL:
            argv.append(draw(st.sampled_from(values)))
        else:
            argv += [name, draw(st.sampled_from(values))]
    return argv


class HungError(Exception):
    """Raised by the hang guard."""


def _hang(signum: int, frame: object) -> None:
    raise HungError(f"a fuzzed call ran longer than {HANG_GUARD_SECONDS} s")


@contextlib.contextmanager
def hang_guard():
    previous = signal.signal(signal.SIGALRM, _hang)
    signal.alarm(HANG_GUARD_SECONDS)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def peak_resident_bytes() -> int:
    """The process's peak resident set so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


@pytest.fixture(scope="module")
def memory_ceiling() -> int:
    """The peak resident set the fuzzed runs must stay below."""
    return peak_resident_bytes() + MEMORY_HEADROOM


def run_in_process(argv: list[str]) -> tuple[int, str, str]:
    """``main(argv)`` with captured output: (status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with hang_guard(), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(argv)
    return status, out.getvalue(), err.getvalue()


def reject_constant(constant: str) -> None:
    raise ValueError(f"non-standard JSON constant {constant}")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(argv=command_lines())
def test_fuzzed_command_lines_end_cleanly(memory_ceiling, argv):
    status, out, err = run_in_process(argv)
    assert status in (0, 1, 2), (argv, status, err)
    assert "Traceback" not in err, (argv, err)
    if status == 2:
        assert err.count("\n") == 1 and err.strip(), (argv, err)
    if status == 0 and "--json" in argv:
        json.loads(out, parse_constant=reject_constant)
    assert peak_resident_bytes() < memory_ceiling, argv


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["nope"],
        ["--nope"],
        ["simulate", "--d"],
        ["simulate", "--lr", "-inf"],
        ["bound"],
        ["markov", "--lr", "0.2", "--lr", "0.1", "--lr", "0.2"],
    ],
    ids=repr,
)
def test_malformed_command_lines_get_one_line(argv):
    status, _, err = run_in_process(argv)
    assert status == 2 and err.count("\n") == 1 and "Traceback" not in err


def test_help_and_version_exit_0():
    for argv in (["--help"], ["--version"], ["simulate", "--help"], ["markov", "--help"]):
        assert run_in_process(argv)[0] == 0


# ------------------------------------------------------------------------- constructors

EDGE_VALUES = [
    0,
    -1,
    1,
    2,
    0.5,
    2.5,
    1e-320,
    1e308,
    math.inf,
    -math.inf,
    math.nan,
    True,
    None,
    "x",
    2**63,
    10**30,
    np.float64(0.25),
    np.int64(3),
    [1.0, 2.0],
    [[1.0, 0.0], [0.0, 2.0]],
    np.array([1.0, np.nan]),
    [],
    Grid(0.25),
    Box(np.zeros(1), np.ones(1)),
]

CONSTRUCTORS = {
    "Grid": lambda a, b, c: Grid(a, b, c),
    "Grid.symmetric": lambda a, b, c: Grid.symmetric(a, b),
    "Grid.points": lambda a, b, c: Grid(a, b, c).points(),
    "Box": lambda a, b, c: Box(a, b),
    "Box.cube": lambda a, b, c: Box.cube(a, b, c),
    "Box.around": lambda a, b, c: Box.around(a, b, c),
    "StateSpace": lambda a, b, c: StateSpace(a, b),
    "StateSpace.points": lambda a, b, c: StateSpace(Box.cube(a, 1.0), Grid(b)).points(),
    "Quadratic": lambda a, b, c: Quadratic(a, b),
    "Quadratic.isotropic": lambda a, b, c: Quadratic.isotropic(a, b, c),
    "Quadratic.ill_conditioned": lambda a, b, c: Quadratic.ill_conditioned(a, b, c, rotation_seed=0),
    "Logistic.synthetic": lambda a, b, c: Logistic.synthetic(a, b, c),
    "TiltedDoubleWell": lambda a, b, c: TiltedDoubleWell(a, b, c),
    "MultiWell2D": lambda a, b, c: MultiWell2D(curvature=a),
    "GaussianNoise": lambda a, b, c: GaussianNoise(a),
    "UniformNoise": lambda a, b, c: UniformNoise(a),
    "DiscreteNoise": lambda a, b, c: DiscreteNoise(a, b),
    "MinibatchNoise": lambda a, b, c: MinibatchNoise(a, b),
    "constant": lambda a, b, c: constant(a),
    "inverse_time": lambda a, b, c: inverse_time(a),
    "inverse_sqrt": lambda a, b, c: inverse_sqrt(a),
    "annealed": lambda a, b, c: annealed(a, b, c),
    "schedule_by_name": lambda a, b, c: schedule_by_name(a, b),
}


@settings(max_examples=300, deadline=None)
@given(
    name=st.sampled_from(sorted(CONSTRUCTORS)),
    a=st.sampled_from(EDGE_VALUES),
    b=st.sampled_from(EDGE_VALUES),
    c=st.sampled_from(EDGE_VALUES),
)
def test_fuzzed_constructors_build_or_raise_input_errors(memory_ceiling, name, a, b, c):
    try:
        with hang_guard():
            CONSTRUCTORS[name](a, b, c)
    except InputError as error:
        assert str(error), name
    assert peak_resident_bytes() < memory_ceiling, name


def test_small_valid_command_lines_run():
    """Two small valid command lines through the same in-process runner exit 0 (the runner can
    report success, so the fuzz's statuses are not all refusals by construction)."""
    for argv in (["simulate", "--d", "2", "--steps", "3", "--chains", "2", "--json"], ["markov", "--lr", "0.2"]):
        assert run_in_process(argv)[0] == 0
