"""The parallel backends: local processes and Dask give the serial results bit for bit."""

import dataclasses
import math
import os
import time

import numpy as np
import pytest
from qnets.figures.registry import FIGURES
from qnets.simulate import (
    BinaryConnect,
    Box,
    GaussianNoise,
    Grid,
    Quadratic,
    StochasticRounding,
    inverse_time,
    monte_carlo,
    run,
)

from qnets import parallel
from qnets.claims.registry import CLAIMS
from qnets.errors import InputError
from qnets.pipeline import progress as progress_module
from qnets.pipeline import reproduce as reproduce_module
from qnets.pipeline import schedule
from qnets.pipeline.cache import Cache
from qnets.pipeline.reproduce import reproduce
from qnets.pipeline.tasks import CheckTask, FigureDataTask, run_cached


def _run_bytes(method_name: str, backend: parallel.Backend | None = None) -> dict[str, bytes]:
    """Every recorded number of a 4-block Monte Carlo run on ``backend``, as bytes."""
    problem = Quadratic(np.geomspace(0.5, 2.0, 300), noise=GaussianNoise(1.0))
    grid = Grid(0.05)
    method = StochasticRounding(grid) if method_name == "sr" else BinaryConnect(grid)
    result = run(problem, method, inverse_time(1.0), 30, 700, 3, Box.around(problem.w_star, 1.0, grid), backend=backend)
    out = {f"{k}.mean": v.mean.tobytes() for k, v in result.series.items()}
    out |= {f"{k}.stderr": v.stderr.tobytes() for k, v in result.series.items()}
    return out | {k: v.tobytes() for k, v in result.final_weights.items()}


@pytest.mark.parametrize("method_name", ["sr", "bc"])
def test_monte_carlo_blocks_on_two_processes_equal_the_serial_run_bit_for_bit(method_name, monkeypatch):
    monkeypatch.setattr(monte_carlo, "PARALLEL_MIN_WORK", 1)
    serial = _run_bytes(method_name)
    assert _run_bytes(method_name, parallel.Backend(jobs=2)) == serial


def test_dask_local_cluster_gives_the_local_results(monkeypatch):
    """Two worker processes on loopback run the Monte Carlo blocks and get the serial numbers."""
    distributed = pytest.importorskip("distributed")
    monkeypatch.setattr(monte_carlo, "PARALLEL_MIN_WORK", 1)
    serial = _run_bytes("sr")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        backend = parallel.Backend(scheduler=cluster.scheduler_address)
        assert backend.map(math.sqrt, [9.0, 4.0, 1.0]) == [3.0, 2.0, 1.0]
        assert _run_bytes("sr", backend) == serial


def test_unreachable_scheduler_is_a_one_line_input_error_naming_the_option():
    started = time.perf_counter()
    with pytest.raises(InputError, match=r"^--scheduler tcp://127\.0\.0\.1:9: no Dask scheduler answered[^\n]*$"):
        parallel.Backend(scheduler="tcp://127.0.0.1:9").map(math.sqrt, [1.0])
    assert time.perf_counter() - started < 10 * parallel.CONNECT_TIMEOUT  # a hang would be the failure
    with pytest.raises(InputError, match="--scheduler 'not an address' is not a Dask scheduler address"):
        parallel.Backend(scheduler="not an address").map(math.sqrt, [1.0])


@pytest.mark.parametrize("jobs", [0, -2, 1.5, True])
def test_jobs_must_be_a_positive_integer(jobs):
    with pytest.raises(InputError, match="--jobs must be an integer >= 1"):
        parallel.Backend(jobs=jobs)


def test_scheduler_comes_from_the_environment_when_not_given(monkeypatch):
    monkeypatch.setenv(parallel.SCHEDULER_ENV, "tcp://10.0.0.1:8786")
    assert parallel.from_options(2, None) == parallel.Backend(2, "tcp://10.0.0.1:8786")
    assert parallel.from_options(2, "tcp://other:1").scheduler == "tcp://other:1"
    monkeypatch.delenv(parallel.SCHEDULER_ENV)
    assert parallel.from_options(None, None) == parallel.Backend(parallel.available_cores())


def test_reproduce_on_two_processes_gives_the_serial_verdicts_and_figure_data(tmp_path):
    """Same seed, --jobs 2 against --jobs 1: verdicts.json byte for byte and every figure's arrays
    (the N2 check and the nets-batch figure share a study, so they run as one group)."""
    claims = {claim_id: CLAIMS[claim_id] for claim_id in ("C1", "E3", "M3", "N2")}
    figures = {name: FIGURES[name] for name in ("batch-size", "nets-batch")}
    for jobs in (1, 2):
        status = reproduce(
            tmp_path / str(jobs), quiet=True, claims=claims, figures=figures, backend=parallel.Backend(jobs=jobs)
        )
        assert status == 0
    serial, pooled = tmp_path / "1", tmp_path / "2"
    assert (serial / "verdicts.json").read_bytes() == (pooled / "verdicts.json").read_bytes()
    for name in figures:
        with np.load(serial / f"{name}.npz") as one, np.load(pooled / f"{name}.npz") as two:
            assert sorted(one.files) == sorted(two.files)
            for key in one.files:
                assert one[key].tobytes() == two[key].tobytes(), (name, key)


def test_schedule_plan_partitions_groups_shared_studies_and_starts_the_longest_first():
    tasks = [CheckTask(claim, False) for claim in CLAIMS.values()]
    tasks += [FigureDataTask(spec, {}) for spec in FIGURES.values() if spec.from_verdicts is None]
    groups = schedule.plan(tasks)
    assert sorted(index for group in groups for index in group) == list(range(len(tasks)))
    named = [[tasks[index].label for index in group] for group in groups]
    studies = {task.study for task in tasks} - {None}
    assert len(studies) == 3  # the table, batch and learning-rate studies of the networks
    for study in studies:
        assert [task.label for task in tasks if task.study == study] in named
    table_group = ["check N1", "check N4", "check N5", "figure nets-table", "figure nets-weights"]
    assert [*table_group, "figure cnn-table", "figure cnn-weights"] in named
    expected = [sum(tasks[index].expected_seconds for index in group) for group in groups]
    assert expected == sorted(expected, reverse=True)
    assert max(tasks, key=lambda task: task.expected_seconds).label in named[0]


def test_progress_estimates_the_time_left_from_the_expected_costs(monkeypatch, capsys):
    """Longest first: after a 100 s task of cost 100 with cost 20 left the estimate is 20 s, where a
    per-task average would say 200 s; a cached task takes no time and leaves no cost."""
    clock = iter([0.0, 100.0, 100.0, 110.0, 130.0])
    monkeypatch.setattr(progress_module.time, "perf_counter", lambda: next(clock))
    progress = progress_module.Progress(4, costs={"long": 100.0, "mid": 10.0, "cached": 5.0, "short": 5.0})
    progress.finish("long", "", 100.0)
    progress.finish("cached", "", 0.0, cached=True)
    progress.finish("mid", "", 10.0)
    progress.finish("short", "", 5.0)
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].endswith("about 20 s left")  # 100 s per 100 cost units; 20 units left
    assert lines[1].endswith("about 15 s left")  # the cached task removed 5 units, took no time
    assert lines[2].endswith("about 5 s left")  # 110 s per 110 units; 5 left
    assert lines[3].endswith("all done in 130 s")


@dataclasses.dataclass(frozen=True)
class _ProcessTask:
    """A task whose result is the id of the process that ran it."""

    name: str

    @property
    def description(self) -> dict:
        return {"name": self.name}

    def __call__(self) -> dict[str, np.ndarray]:
        return {"pid": np.array(os.getpid())}


def test_run_cached_runs_a_group_in_one_process_and_caches_each_task(tmp_path):
    tasks = [_ProcessTask(f"t{i}") for i in range(4)]
    cache = Cache(tmp_path)
    outcomes = run_cached(tasks, cache, parallel.Backend(jobs=2), groups=[[2, 0], [1], [3]])
    pids = [int(outcome["pid"]) for outcome in outcomes]
    assert pids[0] == pids[2] and os.getpid() not in pids
    again = run_cached(tasks, cache, parallel.SERIAL)  # every task was stored on its own
    assert [int(outcome["pid"]) for outcome in again] == pids


def test_reproduce_passes_the_schedule_s_groups(monkeypatch, tmp_path):
    seen = []
    real_run_tasks = reproduce_module.run_tasks

    def recording(tasks, labels, cache, backend, progress, describe, groups=None):
        seen.append([[labels[index] for index in group] for group in groups])
        return real_run_tasks(tasks, labels, cache, backend, progress, describe, groups)

    monkeypatch.setattr(reproduce_module, "run_tasks", recording)
    claims = {claim_id: CLAIMS[claim_id] for claim_id in ("E3", "N2")}
    assert reproduce(tmp_path, quiet=True, claims=claims, figures={"nets-batch": FIGURES["nets-batch"]}) == 0
    assert ["check N2", "figure nets-batch"] in seen[0]


def test_run_cached_refuses_groups_that_do_not_partition_the_tasks(tmp_path):
    tasks = [CheckTask(CLAIMS["E3"], True), CheckTask(CLAIMS["E4"], True)]
    for groups in ([[0]], [[0, 1], [1]], [[0, 2], [1]]):
        with pytest.raises(ValueError, match=r"groups must partition the task indices 0\.\.1"):
            run_cached(tasks, Cache(tmp_path, enabled=False), parallel.SERIAL, groups=groups)


def test_schedule_wall_seconds_is_list_scheduling_on_the_freest_worker():
    """Hand-scheduled: loads 5, 4, 3, 3, 3 on 2 workers go 5 | 4, 3 -> second (7), 3 -> first (8),
    3 -> second (10); on 3 workers 5 | 4 | 3, then 3 -> third (6), 3 -> second (7); on 1, the sum."""
    loads = [5.0, 4.0, 3.0, 3.0, 3.0]
    assert schedule.wall_seconds(loads, 2) == 10.0
    assert schedule.wall_seconds(loads, 3) == 7.0
    assert schedule.wall_seconds(loads, 1) == 18.0
    with pytest.raises(ValueError, match="workers must be >= 1"):
        schedule.wall_seconds(loads, 0)
