"""The engine choice's exact messages, the numba probe, and the compiled engine at generic constants
(sigma, curvatures, spacing and step none of them 1 or a power of 2) against E2's exact values:
the fast killers of ``simulate/engines.py`` in ``.ci/mutation`` (paper_notes/mutation.md)."""

import sys

import numpy as np
import pytest
from qnets.simulate import (
    SGD,
    Box,
    GaussianNoise,
    Grid,
    Logistic,
    Quadratic,
    StochasticRounding,
    UniformNoise,
    constant,
    engines,
    run,
)
from qnets.simulate.markov.quadratic import exact_sr_quadratic
from qnets.simulate.noise import DiscreteNoise

from qnets.claims.verdict import Z
from qnets.errors import InputError

pytest.importorskip("qnets.simulate.kernels")

GRID = Grid(0.03)
SIGMA = 0.62
MARKS = np.array([1, 2, 3, 40, 150])


def _problem(sigma: float = SIGMA) -> Quadratic:
    return Quadratic(np.array([0.7, 1.9, 0.45]), w_star=np.array([0.013, -0.21, 0.31]), noise=GaussianNoise(sigma))


def _message(error: pytest.ExceptionInfo) -> str:
    return str(error.value)


def test_requested_engine_names_the_argument_or_the_variable_exactly(monkeypatch):
    with pytest.raises(InputError) as error:
        engines.requested_engine("gpu")
    assert _message(error) == "engine='gpu': the engine must be one of numpy, compiled, auto"
    monkeypatch.setenv(engines.ENGINE_ENV, " fast ")
    with pytest.raises(InputError) as error:
        engines.requested_engine(None)
    assert _message(error) == "QNETS_ENGINE='fast': the engine must be one of numpy, compiled, auto"
    monkeypatch.setenv(engines.ENGINE_ENV, "  ")
    assert engines.requested_engine(None) == "numpy"


def test_compiled_support_gives_each_reason_exactly():
    grid_method = StochasticRounding(GRID)
    logistic = Logistic.synthetic(n=20, d=2, seed=0)
    assert engines.compiled_support(logistic, SGD()) == "it needs a diagonal Quadratic, got Logistic"
    full = Quadratic(np.array([[1.3, 0.2], [0.2, 0.9]]))
    assert engines.compiled_support(full, SGD()) == "it needs a diagonal Quadratic, got Quadratic"
    discrete = Quadratic(np.array([0.7, 1.9]), noise=DiscreteNoise(np.array([-0.4, 0.4]), np.array([0.5, 0.5])))
    assert engines.compiled_support(discrete, grid_method) == "it needs Gaussian or uniform noise, got DiscreteNoise"

    class Heavy(SGD):
        pass

    assert engines.compiled_support(_problem(), Heavy()) == "it runs SGD, R, SR and BC, got Heavy"
    for noise in (GaussianNoise(SIGMA), UniformNoise(0.83)):
        assert engines.compiled_support(Quadratic(np.array([0.7, 1.9]), noise=noise), grid_method) is None


def test_resolve_engine_without_numba_falls_back_or_names_the_reason_exactly(monkeypatch):
    monkeypatch.setattr(engines, "numba_available", lambda: False)
    problem, method = _problem(), StochasticRounding(GRID)
    assert engines.resolve_engine("auto", problem, method) == "numpy"
    with pytest.raises(InputError) as error:
        engines.resolve_engine("compiled", problem, method)
    assert _message(error) == (
        "engine 'compiled' cannot run this: numba is not installed; use engine 'numpy' or 'auto'"
    )


def test_numba_available_is_false_when_numba_does_not_import(monkeypatch):
    engines.numba_available.cache_clear()
    try:
        monkeypatch.setitem(sys.modules, "numba", None)  # import numba raises ImportError
        assert engines.numba_available() is False
        monkeypatch.undo()
        engines.numba_available.cache_clear()
        assert engines.numba_available() is True
    finally:
        engines.numba_available.cache_clear()


def test_stepper_refuses_an_engine_it_does_not_know_exactly():
    problem = _problem()
    box = Box.around(problem.w_star, 1.0, GRID)
    with pytest.raises(InputError) as error:
        engines.stepper("auto", problem, SGD(), box, 4, np.random.SeedSequence(3))
    assert _message(error) == "unknown engine 'auto'; allowed: compiled, numpy"


def _z_against_exact(problem: Quadratic, chains: int = 20_000) -> float:
    """The largest |z| of the compiled engine's SR gap and averaged gap against E2's exact values."""
    box = Box.around(problem.w_star, 0.6, GRID)
    schedule = constant(0.073)
    steps = int(MARKS[-1])
    exact = exact_sr_quadratic(problem, GRID, box, schedule, steps)
    method = StochasticRounding(GRID)
    result = run(problem, method, schedule, steps, chains, 11, box, checkpoints=MARKS, engine="compiled")
    z = 0.0
    for key, values in (("w.gap", exact.last), ("w.avg_gap", exact.averaged)):
        estimate = result.series[key]
        error = np.abs(estimate.mean - values[MARKS - 1])
        certain = estimate.stderr == 0  # every chain equal (the start): the exact value to rounding
        assert np.all(error[certain] <= 1e-12 * np.abs(values[MARKS - 1][certain])), key
        z = max(z, float(np.max(error[~certain] / estimate.stderr[~certain])))
    return z


def test_compiled_sr_at_generic_constants_matches_e2_exact_values():
    """sigma = 0.62, curvatures 0.7, 1.9, 0.45, spacing 0.03, step 0.073: a variance taken for a
    standard deviation, or a curvature for its square, changes the law here."""
    assert _z_against_exact(_problem()) <= Z


def test_the_generic_comparison_catches_a_variance_taken_for_a_standard_deviation(monkeypatch):
    original = engines.CompiledStepper.__post_init__

    def squared(self):
        original(self)
        self.noise = (self.noise[0], self.noise[1] ** 2)

    monkeypatch.setattr(engines.CompiledStepper, "__post_init__", squared)
    assert _z_against_exact(_problem()) > Z
