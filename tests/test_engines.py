"""The Monte Carlo engines: the compiled one agrees in law with the numpy one and with E2's exact
values (z = 5, fixed seeds), is reproducible across runs, checkpoints and processes, and is chosen
as documented; the runner takes its backend explicitly and evaluates the schedule in chunks."""

import numpy as np
import pytest
from qnets.simulate import (
    SGD,
    BinaryConnect,
    Box,
    GaussianNoise,
    Grid,
    Logistic,
    Quadratic,
    Rounding,
    StochasticRounding,
    UniformNoise,
    constant,
    engines,
    inverse_time,
    monte_carlo,
    run,
)
from qnets.simulate.markov.quadratic import exact_sr_quadratic

from qnets import parallel
from qnets.claims.verdict import Z
from qnets.errors import InputError

kernels = pytest.importorskip("qnets.simulate.kernels")

GRID = Grid(0.05)
METHODS = {
    "sgd": SGD(),
    "r": Rounding(GRID),
    "sr": StochasticRounding(GRID),
    "bc": BinaryConnect(GRID),
    "bc-deterministic": BinaryConnect(GRID, "deterministic"),
}
NOISES = {"gaussian": GaussianNoise(1.0), "uniform": UniformNoise(1.5)}
MARKS = [3, 30, 200]


def _problem(noise):
    return Quadratic(np.array([1.0, 2.0, 0.5, 4.0]), w_star=np.array([0.013, 0.0, -0.2, 0.31]), noise=noise)


def _run(method, noise, engine, seed=7, chains=10_000):
    problem = _problem(noise)
    box = Box.around(problem.w_star, 1.0, GRID)
    return run(problem, method, inverse_time(1.0), MARKS[-1], chains, seed, box, checkpoints=MARKS, engine=engine)


def worst_z(a, b) -> float:
    """The largest |difference| / (combined standard error) over every series and checkpoint."""
    return max(
        float(np.max(np.abs(a.series[k].mean - b.series[k].mean) / np.hypot(a.series[k].stderr, b.series[k].stderr)))
        for k in a.series
    )


@pytest.mark.parametrize("noise", list(NOISES))
@pytest.mark.parametrize("method", list(METHODS))
def test_compiled_engine_agrees_in_law_with_the_numpy_engine(method, noise):
    compiled = _run(METHODS[method], NOISES[noise], "compiled")
    assert compiled.config["engine"] == "compiled"
    assert worst_z(compiled, _run(METHODS[method], NOISES[noise], "numpy", seed=8)) <= Z


def _with(monkeypatch, **changes):
    """Make every CompiledStepper carry ``changes`` (an injected bug) after its construction."""
    original = engines.CompiledStepper.__post_init__

    def patched(self):
        original(self)
        for name, value in changes.items():
            setattr(self, name, value(self) if callable(value) else value)

    monkeypatch.setattr(engines.CompiledStepper, "__post_init__", patched)


@pytest.mark.parametrize(
    ("method", "bug"),
    [
        ("sr", {"noise": lambda s: (s.noise[0], 1.15 * s.noise[1])}),  # noise 15% too wide
        ("sr", {"rounding": lambda s: kernels.ROUND}),  # SR rounding to nearest
        ("bc", {"grid": lambda s: (s.grid[0], 2 * s.grid[1], s.grid[2] / 2, *s.grid[3:])}),  # a grid twice as coarse
        ("sgd", {"arrays": lambda s: (1.1 * s.arrays[0], *s.arrays[1:])}),  # curvatures 10% too large
    ],
    ids=["wide-noise", "sr-nearest", "bc-coarse-grid", "wrong-curvature"],
)
def test_the_law_comparison_catches_a_wrong_kernel(method, bug, monkeypatch):
    reference = _run(METHODS[method], NOISES["gaussian"], "numpy", seed=8)
    _with(monkeypatch, **bug)
    assert worst_z(_run(METHODS[method], NOISES["gaussian"], "compiled"), reference) > Z


def _against_exact(noise, engine="compiled"):
    problem = _problem(noise)
    box = Box.around(problem.w_star, 1.0, GRID)
    exact = exact_sr_quadratic(problem, GRID, box, inverse_time(1.0), MARKS[-1])
    result = _run(METHODS["sr"], noise, engine)
    z = 0.0
    for key, values in (("w.gap", exact.last), ("w.avg_gap", exact.averaged)):
        estimate = result.series[key]
        z = max(z, float(np.max(np.abs(estimate.mean - values[np.array(MARKS) - 1]) / estimate.stderr)))
    return z


@pytest.mark.parametrize("noise", list(NOISES))
def test_compiled_sr_matches_e2_exact_values(noise):
    assert _against_exact(NOISES[noise]) <= Z


def test_the_exact_comparison_catches_a_wrong_step(monkeypatch):
    original = engines.CompiledStepper.advance

    def slow(self, state, sums, rates):  # every step 20% too small
        original(self, state, sums, 0.8 * rates)

    monkeypatch.setattr(engines.CompiledStepper, "advance", slow)
    assert _against_exact(NOISES["gaussian"]) > Z


def _bytes(result) -> bytes:
    parts = [result.series[k].mean.tobytes() + result.series[k].stderr.tobytes() for k in sorted(result.series)]
    return b"".join(parts + [result.final_weights[k].tobytes() for k in sorted(result.final_weights)])


def test_compiled_runs_are_reproducible_and_independent_of_checkpoints_and_chunks(monkeypatch):
    problem = _problem(NOISES["gaussian"])
    box = Box.around(problem.w_star, 1.0, GRID)
    args = (problem, BinaryConnect(GRID), constant(0.05), 100, 3000)
    first, again, other = (run(*args, seed, box, engine="compiled") for seed in (1, 1, 2))
    assert _bytes(first) == _bytes(again) and _bytes(first) != _bytes(other)
    monkeypatch.setattr(monte_carlo, "SCHEDULE_CHUNK", 7)
    cut = run(*args, 1, box, checkpoints=[1, 2, 50, 99, 100], engine="compiled")
    for name in first.final_weights:
        np.testing.assert_array_equal(cut.final_weights[name], first.final_weights[name])
        for quantity in monte_carlo.QUANTITIES:
            key = f"{name}.{quantity}"
            assert cut.series[key][-1].mean == first.series[key][-1].mean


@pytest.mark.parametrize("engine", ["numpy", "compiled"])
def test_blocks_on_two_processes_equal_the_serial_run_bit_for_bit(engine, monkeypatch):
    monkeypatch.setattr(monte_carlo, "PARALLEL_MIN_WORK", 1)
    problem = Quadratic(np.geomspace(0.5, 2.0, 300), noise=GaussianNoise(1.0))
    box = Box.around(problem.w_star, 1.0, GRID)
    args = (problem, StochasticRounding(GRID), inverse_time(1.0), 30, 700, 3, box)
    serial = run(*args, engine=engine)
    assert len(monte_carlo.chain_blocks(700, 300)) == 4
    assert _bytes(run(*args, backend=parallel.Backend(jobs=2), engine=engine)) == _bytes(serial)


def test_the_runner_refuses_a_backend_that_is_not_one():
    problem = Quadratic.isotropic(2)
    box = Box.around(problem.w_star, 1.0, GRID)
    with pytest.raises(TypeError, match=r"backend must be a qnets\.parallel\.Backend"):
        run(problem, SGD(), constant(0.1), 5, 3, 0, box, backend=2)


def test_engine_is_chosen_by_argument_then_environment(monkeypatch):
    problem = _problem(NOISES["gaussian"])
    box = Box.around(problem.w_star, 1.0, GRID)
    args = (problem, StochasticRounding(GRID), constant(0.1), 3, 4, 0, box)
    monkeypatch.delenv(engines.ENGINE_ENV, raising=False)
    assert run(*args).config["engine"] == "numpy"
    monkeypatch.setenv(engines.ENGINE_ENV, "auto")
    assert run(*args).config["engine"] == "compiled"
    assert run(*args, engine="numpy").config["engine"] == "numpy"
    monkeypatch.setenv(engines.ENGINE_ENV, "fast")
    with pytest.raises(InputError, match="QNETS_ENGINE='fast': the engine must be one of numpy, compiled, auto"):
        run(*args)
    with pytest.raises(InputError, match="engine='gpu': the engine must be one of"):
        run(*args, engine="gpu")


def test_compiled_engine_refuses_what_it_cannot_run_and_auto_falls_back(monkeypatch):
    logistic = Logistic.synthetic(n=20, d=2, seed=0)
    box = Box.around(logistic.w_star, 1.0, GRID)
    args = (logistic, SGD(), constant(0.1), 3, 4, 0, box)
    with pytest.raises(InputError, match="engine 'compiled' cannot run this: it needs a diagonal Quadratic, got Logis"):
        run(*args, engine="compiled")
    assert run(*args, engine="auto").config["engine"] == "numpy"
    problem = _problem(NOISES["gaussian"])
    monkeypatch.setattr(engines, "numba_available", lambda: False)
    quadratic_args = (problem, SGD(), constant(0.1), 3, 4, 0, Box.around(problem.w_star, 1.0, GRID))
    with pytest.raises(InputError, match="numba is not installed"):
        run(*quadratic_args, engine="compiled")
    assert run(*quadratic_args, engine="auto").config["engine"] == "numpy"


def test_schedule_is_evaluated_in_bounded_chunks_and_a_bad_step_is_named(monkeypatch):
    sizes = []
    original = monte_carlo.step_sizes
    monkeypatch.setattr(monte_carlo, "step_sizes", lambda s, a, b: sizes.append(b - a) or original(s, a, b))
    problem = Quadratic.isotropic(1)
    box = Box.around(problem.w_star, 1.0, GRID)
    steps = 3 * monte_carlo.SCHEDULE_CHUNK + 5
    run(problem, SGD(), constant(0.01), steps, 2, 0, box)
    assert max(sizes) == monte_carlo.SCHEDULE_CHUNK and sum(sizes) == 2 * steps  # checked up front, then run
    with pytest.raises(InputError, match=r"schedule gave step size nan at t=9000; it must be finite and > 0"):
        run(problem, SGD(), lambda t: float("nan") if t == 9000 else 0.1, 10_000, 2, 0, box)


def test_chunked_numpy_run_equals_an_unchunked_one_bit_for_bit(monkeypatch):
    problem = _problem(NOISES["uniform"])
    box = Box.around(problem.w_star, 1.0, GRID)
    args = (problem, BinaryConnect(GRID), inverse_time(1.0), 40, 500, 4, box)
    whole = run(*args)
    monkeypatch.setattr(monte_carlo, "SCHEDULE_CHUNK", 3)
    assert _bytes(run(*args)) == _bytes(whole)
