"""The parallel backends: local processes and Dask give the serial results bit for bit."""

import math
import time

import numpy as np
import pytest
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
from qnets.errors import InputError


def _run_bytes(method_name: str) -> dict[str, bytes]:
    """Every recorded number of a 4-block Monte Carlo run, as bytes."""
    problem = Quadratic(np.geomspace(0.5, 2.0, 300), noise=GaussianNoise(1.0))
    grid = Grid(0.05)
    method = StochasticRounding(grid) if method_name == "sr" else BinaryConnect(grid)
    result = run(problem, method, inverse_time(1.0), 30, 700, 3, Box.around(problem.w_star, 1.0, grid))
    out = {f"{k}.mean": v.mean.tobytes() for k, v in result.series.items()}
    out |= {f"{k}.stderr": v.stderr.tobytes() for k, v in result.series.items()}
    return out | {k: v.tobytes() for k, v in result.final_weights.items()}


@pytest.mark.parametrize("method_name", ["sr", "bc"])
def test_monte_carlo_blocks_on_two_processes_equal_the_serial_run_bit_for_bit(method_name, monkeypatch):
    monkeypatch.setattr(monte_carlo, "PARALLEL_MIN_WORK", 1)
    serial = _run_bytes(method_name)
    with parallel.using(parallel.Backend(jobs=2)):
        assert _run_bytes(method_name) == serial


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
        with parallel.using(backend):
            assert _run_bytes("sr") == serial


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
