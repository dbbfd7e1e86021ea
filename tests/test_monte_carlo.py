"""The Monte Carlo runner's own bookkeeping (simulate/monte_carlo.py), against hand computations.

Written for the mutation run of simulate/monte_carlo.py (paper_notes/mutation.md). The claim
checks and tests/test_plumbing.py see the runner through noisy statistics; these tests pin what
can be computed exactly: noiseless SGD on a diagonal quadratic is deterministic, so every chain's
``z_t = w_t - w*`` is ``prod_{s<t} (1 - a_s h) z_0`` per coordinate, and ``gap``, ``avg_gap``
(``F`` at the mean of ``w_0 .. w_{t-1}``) and ``dist2`` at each checkpoint follow in closed form
(written out here from the schedule's formula, not from the schedule object); plus the
checkpoints, the blocks and their streams, the step-size check, the validation messages, the
choice of backend and the records of a run. Constants are generic (curvatures 0.7, 1.35, 2.2,
``w* != 0``, ``F* = 0.41``, rate ``0.23 / (t + 1.5)``).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from qnets.simulate import SGD, BinaryConnect, Box, GaussianNoise, Grid, Quadratic, monte_carlo

from qnets import parallel
from qnets.errors import InputError, InputTypeError

CURVATURES = np.array([0.7, 1.35, 2.2])
W_STAR = np.array([0.31, -0.47, 0.12])
F_STAR = 0.41
NOISELESS = Quadratic(CURVATURES, W_STAR, GaussianNoise(0.0), F_STAR)
BOX = Box.cube(3, 7.5, center=W_STAR)
W0 = W_STAR + np.array([1.9, -2.6, 0.85])


class Rate:
    """``a_t = 0.23 / (t + 1.5)``, with a name (the runner records ``schedule.name``)."""

    name = "rate"

    def __call__(self, t: int) -> float:
        return 0.23 / (t + 1.5)


def rate(t: int) -> float:
    return 0.23 / (t + 1.5)


def noiseless_sgd(marks: list[int], d_curvatures: np.ndarray = CURVATURES, z0: np.ndarray | None = None) -> dict:
    """``gap``, ``avg_gap``, ``dist2`` and ``w`` of noiseless SGD at ``marks``, by the product formula."""
    z0 = W0 - W_STAR if z0 is None else z0
    z = [z0]
    for s in range(max(marks)):
        z.append((1 - rate(s) * d_curvatures) * z[-1])
    out: dict[str, list] = {"gap": [], "avg_gap": [], "dist2": [], "w": []}
    for t in marks:
        mean = np.mean(z[:t], axis=0)
        out["gap"].append(0.5 * np.sum(d_curvatures * z[t] ** 2))
        out["avg_gap"].append(0.5 * np.sum(d_curvatures * mean**2))
        out["dist2"].append(np.sum(z[t] ** 2))
        out["w"].append(z[t])
    return {key: np.array(value) for key, value in out.items()}


def run_noiseless(marks=(1, 3, 4, 7), steps=9, n_chains=5, **options) -> monte_carlo.RunResult:
    return monte_carlo.run(NOISELESS, SGD(), Rate(), steps, n_chains, 17, BOX, w0=W0, checkpoints=marks, **options)


def assert_matches_closed_form(result: monte_carlo.RunResult, marks, n_chains: int, steps: int) -> None:
    """The records at ``marks`` and the final weights (after all ``steps``) of :func:`run_noiseless`."""
    expected = noiseless_sgd(list(marks))
    np.testing.assert_array_equal(result.checkpoints, marks)
    for quantity in monte_carlo.QUANTITIES:
        estimate = result.series[f"w.{quantity}"]
        assert estimate.n == n_chains
        np.testing.assert_allclose(estimate.mean, expected[quantity], rtol=1e-12, atol=0)
        np.testing.assert_allclose(estimate.stderr, 0.0, atol=1e-15)
    final = W_STAR + noiseless_sgd([steps])["w"][0]
    np.testing.assert_allclose(result.final_weights["w"], np.tile(final, (n_chains, 1)), rtol=1e-12)
    np.testing.assert_allclose(result.final("w.gap").mean, expected["gap"][-1], rtol=1e-12)


def test_noiseless_sgd_records_the_closed_form_at_every_checkpoint():
    result = run_noiseless()
    assert_matches_closed_form(result, (1, 3, 4, 7), 5, 9)  # the final weights are those after all 9 steps
    assert result.trajectory is None and result.final_weights["w"].shape == (5, 3)


@pytest.mark.parametrize("chunk", [3, 4])
def test_checkpoints_across_schedule_chunks(chunk, monkeypatch):
    """Chunks of 3 or 4 steps: marks inside, at the end of and past a chunk boundary."""
    monkeypatch.setattr(monte_carlo, "SCHEDULE_CHUNK", chunk)
    marks = (1, 2, 3, 5, 6, 8, 10)
    result = monte_carlo.run(NOISELESS, SGD(), Rate(), 11, 4, 3, BOX, w0=W0, checkpoints=marks, keep_trajectory=True)
    assert_matches_closed_form(result, marks, 4, 11)
    expected = noiseless_sgd(list(marks))["w"]
    np.testing.assert_allclose(result.trajectory["w"], np.tile((W_STAR + expected)[:, None, :], (1, 4, 1)))


def test_a_run_of_several_blocks_keeps_every_chain_in_order():
    """d = 3000: blocks of 2**16 // 3000 = 21 chains, so 50 chains are 3 blocks (21, 21, 8)."""
    d = 3000
    curvatures = np.geomspace(0.45, 2.6, d)
    w_star = np.linspace(-0.8, 0.55, d)
    problem = Quadratic(curvatures, w_star, GaussianNoise(0.0), 0.17)
    z0 = np.linspace(1.3, -0.9, d)
    marks = [1, 2, 5]
    result = monte_carlo.run(
        problem, SGD(), Rate(), 5, 50, 8, Box.cube(d, 4.0), w0=w_star + z0, checkpoints=marks, keep_trajectory=True
    )
    expected = noiseless_sgd(marks, curvatures, z0)
    assert result.final_weights["w"].shape == (50, d) and result.trajectory["w"].shape == (3, 50, d)
    np.testing.assert_allclose(result.series["w.gap"].mean, expected["gap"], rtol=1e-12)
    np.testing.assert_allclose(result.series["w.dist2"].mean, expected["dist2"], rtol=1e-12)
    np.testing.assert_allclose(result.trajectory["w"][:, 49], w_star + expected["w"], rtol=1e-12)


def test_binaryconnect_records_real_and_deployed_weights():
    grid = Grid(0.35)
    box = Box.around(W_STAR, 2.1, grid)
    result = monte_carlo.run(NOISELESS, BinaryConnect(grid), Rate(), 4, 3, 5, box, checkpoints=[2, 4])
    names = [f"{o}.{q}" for o in ("real", "deployed") for q in ("gap", "avg_gap", "dist2")]
    assert list(result.series) == names and set(result.final_weights) == {"real", "deployed"}
    with pytest.raises(KeyError) as error:
        result.final("w.gap")
    assert error.value.args[0] == f"unknown series 'w.gap'; recorded: {', '.join(names)}"


def test_the_records_of_a_run():
    result = monte_carlo.run(NOISELESS, SGD(), Rate(), 3, 2, 0, BOX)  # default start and checkpoints
    assert result.config == {
        "problem": "Quadratic",
        "method": "sgd",
        "schedule": "rate",
        "steps": 3,
        "n_chains": 2,
        "seed": 0,
        "d": 3,
        "engine": "numpy",
    }
    np.testing.assert_array_equal(result.checkpoints, [1, 2, 3])
    expected = noiseless_sgd([1, 2, 3], z0=BOX.lo - W_STAR)
    np.testing.assert_allclose(result.series["w.avg_gap"].mean, expected["avg_gap"], rtol=1e-12)
    assert monte_carlo.run(NOISELESS, SGD(), rate, 1, 1, 0, BOX).config["schedule"] == repr(rate)
    single = monte_carlo.run(NOISELESS, SGD(), Rate(), 1, 1, 0, BOX)  # the smallest run: 1 step, 1 chain, seed 0
    assert single.final("w.gap").n == 1 and math.isnan(single.final("w.gap").stderr)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.config = {}


def test_log_checkpoints_are_the_rounded_powers():
    """``round(steps ** (k / (count - 1)))`` for ``k = 0 .. count - 1``, deduplicated."""
    assert monte_carlo.log_checkpoints(1000, 5).tolist() == [1, 6, 32, 178, 1000]
    for steps, count in ((5000, 25), (37, 9), (2, 3)):
        expected = sorted({round(steps ** (k / (count - 1))) for k in range(count)})
        assert monte_carlo.log_checkpoints(steps, count).tolist() == expected
    assert monte_carlo.log_checkpoints(5000).tolist() == monte_carlo.log_checkpoints(5000, 25).tolist()
    assert monte_carlo.log_checkpoints(1).tolist() == [1] and monte_carlo.log_checkpoints(40, 1).tolist() == [1]
    for args, message in (
        ((0,), "steps must be an integer >= 1, got 0"),
        ((9, 0), "count must be an integer >= 1, got 0"),
    ):
        with pytest.raises(InputError, match="^" + message + "$"):
            monte_carlo.log_checkpoints(*args)


def test_chain_blocks_and_their_streams():
    """Blocks of ``max(1, 2**16 // d)`` chains; block ``b`` draws from child ``b`` of ``SeedSequence(seed)``."""
    assert monte_carlo.chain_blocks(100, 3000) == [
        slice(0, 21),
        slice(21, 42),
        slice(42, 63),
        slice(63, 84),
        slice(84, 100),
    ]
    assert monte_carlo.chain_blocks(3, 70_000) == [slice(0, 1), slice(1, 2), slice(2, 3)]
    assert monte_carlo.chain_blocks(7, 1) == [slice(0, 7)]
    generators = monte_carlo.block_generators(29, 3)
    children = np.random.SeedSequence(29).spawn(3)
    for generator, child in zip(generators, children, strict=True):
        assert generator.random(4).tolist() == np.random.Generator(np.random.PCG64(child)).random(4).tolist()


def test_step_sizes_and_the_first_bad_one():
    np.testing.assert_array_equal(monte_carlo.step_sizes(rate, 3, 7), [0.23 / 4.5, 0.23 / 5.5, 0.23 / 6.5, 0.23 / 7.5])
    cases = [
        (lambda t: 0.0 if t >= 5 else 0.2, "schedule gave step size 0.0 at t=5"),
        (lambda t: (math.inf, 0.3, -0.1, 0.0)[t - 3], "schedule gave step size inf at t=3"),
        (lambda t: 0.3 if t < 4 else (math.nan if t == 4 else -0.2), "schedule gave step size nan at t=4"),
        (lambda t: 1.7 if t < 6 else -0.2, "schedule gave step size -0.2 at t=6"),
    ]
    for schedule, message in cases:
        with pytest.raises(InputError, match="^" + message + "; it must be finite and > 0$"):
            monte_carlo.step_sizes(schedule, 3, 7)


def test_a_bad_step_size_is_refused_before_any_block_runs(monkeypatch):
    def no_block(self, job):
        raise AssertionError("a block ran before the schedule was checked")

    monkeypatch.setattr(monte_carlo.ChainBlock, "__call__", no_block)
    with pytest.raises(InputError, match=r"^schedule gave step size -0\.1 at t=4; it must be finite and > 0$"):
        monte_carlo.run(NOISELESS, SGD(), lambda t: 0.2 if t < 4 else -0.1, 6, 2, 0, BOX)


def test_run_rejects_bad_arguments_with_exact_messages():
    good = {"problem": NOISELESS, "method": SGD(), "schedule": Rate(), "steps": 4, "n_chains": 3, "seed": 1}
    cases = [
        ({"problem": "quadratic"}, InputTypeError, "problem must be a Problem, got str"),
        ({"method": "sgd"}, InputTypeError, "method must be a Method, got str"),
        ({"schedule": 0.2}, InputTypeError, "schedule must be callable as schedule(t) -> step size"),
        ({"steps": 0}, InputError, "steps must be an integer >= 1, got 0"),
        ({"n_chains": 0}, InputError, "n_chains must be an integer >= 1, got 0"),
        ({"seed": -1}, InputError, "seed must be an integer >= 0, got -1"),
        ({"w0": np.zeros(2)}, InputError, "w0 must be a scalar or have shape (3,), got (2,)"),
        ({"w0": W_STAR + 8.0}, InputError, "w0 must lie in the box [lo, hi]; it does not"),
        ({"backend": "two"}, InputTypeError, "backend must be a qnets.parallel.Backend or None, got str"),
        ({"checkpoints": [[1, 2]]}, InputTypeError, "checkpoints must be a non-empty sequence of integers"),
        ({"checkpoints": []}, InputTypeError, "checkpoints must be a non-empty sequence of integers"),
        ({"checkpoints": [1.0, 2.0]}, InputTypeError, "checkpoints must be a non-empty sequence of integers"),
    ]
    increasing = "checkpoints must be strictly increasing integers in [1, steps=4]"
    cases += [({"checkpoints": marks}, InputError, increasing) for marks in ([2, 2], [3, 2], [0, 3], [2, 5], [1, 3, 5])]
    for change, kind, message in cases:
        with pytest.raises(kind) as error:
            monte_carlo.run(**(good | change), domain=BOX)
        assert type(error.value) is kind and str(error.value) == message, (change, str(error.value))
    for marks in ([1, 4], [4], [2, 3], [1]):  # the ends are allowed, one mark is enough, marks may be adjacent
        result = monte_carlo.run(**good, domain=BOX, checkpoints=marks)
        np.testing.assert_array_equal(result.checkpoints, marks)
        assert result.checkpoints.dtype == np.int64


class HandedError(Exception):
    pass


class Refusing(parallel.Backend):
    """A backend that says it was asked (before any block runs)."""

    def map(self, function, items, on_result=None):
        raise HandedError(self.jobs)


@pytest.mark.parametrize(("n_chains", "handed_to"), [(2**14, 2), (2**14 - 1, 1), (2**14 + 1, 2)])
def test_runs_of_at_least_parallel_min_work_go_to_the_backend(n_chains, handed_to, monkeypatch):
    """Work ``n_chains * d * steps`` with ``d = 2``, 1024 steps: ``2**25`` (the threshold) and one
    chain either side; below it the run stays in this process (``parallel.SERIAL``)."""
    monkeypatch.setattr(parallel, "SERIAL", Refusing(jobs=1))
    problem = Quadratic(CURVATURES[:2], W_STAR[:2], GaussianNoise(0.0), F_STAR)
    with pytest.raises(HandedError) as error:
        monte_carlo.run(problem, SGD(), Rate(), 1024, n_chains, 0, Box.cube(2, 3.0), backend=Refusing(jobs=2))
    assert error.value.args == (handed_to,)
    with pytest.raises(HandedError) as error:  # no backend: always this process
        monte_carlo.run(problem, SGD(), Rate(), 1024, 2**14, 0, Box.cube(2, 3.0))
    assert error.value.args == (1,)


def test_a_block_is_a_task_of_its_own():
    """``ChainBlock`` (engine ``numpy`` by default) on one block's seed gives that block's numbers."""
    marks = np.array([1, 3, 4])
    block = monte_carlo.ChainBlock(NOISELESS, SGD(), BOX, W0, Rate(), 6, marks, True)
    outcome = block((4, np.random.SeedSequence(3).spawn(1)[0]))
    expected = noiseless_sgd([1, 3, 4])
    np.testing.assert_allclose(outcome.records["w.avg_gap"], np.tile(expected["avg_gap"][:, None], (1, 4)))
    np.testing.assert_allclose(outcome.trajectory["w"][2], np.tile(W_STAR + expected["w"][2], (4, 1)))
    for value, name in ((block, "steps"), (outcome, "state")):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(value, name, None)
