"""Where independent tasks run: in this process, in a pool of local processes, or on Dask.

Every parallel part of qnets (the checks and figures of ``reproduce``, ``check`` and ``figures``,
the points of ``sweep`` and the chain blocks of long Monte Carlo runs) is a list of
independent tasks ``function(item)`` handed to :meth:`Backend.map`.  A task's result depends
only on its item (each Monte Carlo block carries its own ``SeedSequence`` child), so the
results are the same, bit for bit, whichever backend runs them and in whatever order the
tasks finish; ``map`` returns them in the order of the items.

* ``Backend(jobs=1)``: a plain loop in this process (the default of the Python API).
* ``Backend(jobs=N)``: a ``concurrent.futures`` pool of ``N`` processes.  On Linux the workers
  are forked, so they inherit the imported modules (sympy included) instead of importing
  them again; elsewhere they are spawned.  Each worker limits BLAS and OpenMP to one thread
  (``threadpoolctl``), so ``N`` workers use ``N`` cores and no more, and its own nested maps
  run serially.
* ``Backend(scheduler="tcp://host:8786")``: the tasks go to a ``dask.distributed`` cluster (the
  extra ``qnets[distributed]``); each task runs with one BLAS thread.  A scheduler that cannot
  be reached within ``CONNECT_TIMEOUT`` seconds raises :class:`~qnets.errors.InputError`
  naming ``--scheduler``.

The command line builds its backend with :func:`from_options` (``--jobs``, default all cores;
``--scheduler`` or the environment variable ``QNETS_SCHEDULER``) and installs it with
:func:`using`, so code deep inside (the Monte Carlo runner) finds it with :func:`current`.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import socket
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any

from threadpoolctl import threadpool_limits

from qnets.errors import InputError

#: The environment variable read when ``--scheduler`` is not given.
SCHEDULER_ENV = "QNETS_SCHEDULER"
#: Seconds to wait for a Dask scheduler before giving up.
CONNECT_TIMEOUT = 3.0

#: ``on_result(index, result, seconds)``: called in this process as each task finishes.
ResultCallback = Callable[[int, Any, float], None]


def available_cores() -> int:
    """The cores this process may run on (all of the machine's unless restricted)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


@dataclass(frozen=True)
class _Timed:
    """``function(item)`` and its wall time in seconds, optionally with one BLAS thread."""

    function: Callable[[Any], Any]
    one_thread: bool = False

    def __call__(self, item: Any) -> tuple[Any, float]:
        started = time.perf_counter()
        with threadpool_limits(limits=1) if self.one_thread else nullcontext():
            result = self.function(item)
        return result, time.perf_counter() - started


@dataclass(frozen=True)
class Backend:
    """Runs ``map(function, items)`` serially, on ``jobs`` local processes, or on a Dask scheduler.

    ``function`` and the items must pickle for ``jobs > 1`` and for Dask (module-level
    functions and dataclasses do; lambdas and closures do not).
    """

    jobs: int = 1
    scheduler: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.jobs, bool) or not isinstance(self.jobs, int) or self.jobs < 1:
            raise InputError(f"--jobs must be an integer >= 1, got {self.jobs!r}")
        if self.scheduler is not None and not self.scheduler.strip():
            raise InputError("--scheduler must be a Dask scheduler address such as tcp://host:8786, got ''")

    @property
    def description(self) -> str:
        """``serial``, ``N local processes`` or ``Dask scheduler ADDRESS``."""
        if self.scheduler is not None:
            return f"Dask scheduler {self.scheduler}"
        return "serial" if self.jobs == 1 else f"{self.jobs} local processes"

    def map(
        self, function: Callable[[Any], Any], items: Sequence[Any], on_result: ResultCallback | None = None
    ) -> list:
        """``[function(item) for item in items]``, run by this backend; ``on_result`` sees each
        result as it arrives.  The first task that raises stops the map and its error is raised."""
        items = list(items)
        results: list = [None] * len(items)

        def collect(index: int, outcome: tuple[Any, float]) -> None:
            results[index] = outcome[0]
            if on_result is not None:
                on_result(index, *outcome)

        if self.scheduler is not None:
            _map_on_dask(self.scheduler, _Timed(function, one_thread=True), items, collect)
        elif self.jobs == 1 or len(items) <= 1:
            for index, item in enumerate(items):
                collect(index, _Timed(function)(item))
        else:
            _map_on_processes(min(self.jobs, len(items)), _Timed(function), items, collect)
        return results


SERIAL = Backend()
_current = SERIAL


def current() -> Backend:
    """The backend installed by :func:`using` (serial unless a command installed another)."""
    return _current


@contextmanager
def using(backend: Backend) -> Iterator[Backend]:
    """Make ``backend`` the :func:`current` one inside the ``with`` block."""
    global _current
    previous, _current = _current, backend
    try:
        yield backend
    finally:
        _current = previous


def from_options(jobs: int | None, scheduler: str | None) -> Backend:
    """The backend of ``--jobs`` (None: all cores) and ``--scheduler`` (None: ``$QNETS_SCHEDULER``,
    if set, else local)."""
    address = scheduler if scheduler is not None else os.environ.get(SCHEDULER_ENV) or None
    return Backend(available_cores() if jobs is None else jobs, address)


def _start_worker() -> None:
    """Process-pool initializer: one BLAS/OpenMP thread, nested maps run serially, and Ctrl-C is
    left to the main process (which stops the workers)."""
    global _current
    _current = SERIAL
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[variable] = "1"
    threadpool_limits(limits=1)


def _map_on_processes(
    workers: int, task: _Timed, items: list, collect: Callable[[int, tuple[Any, float]], None]
) -> None:
    """Run the tasks on a pool; on an error or Ctrl-C (which only this process handles) the
    queued tasks are dropped and the workers stopped at once, so what finished stays collected."""
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    pool = ProcessPoolExecutor(workers, multiprocessing.get_context(method), initializer=_start_worker)
    try:
        pending = {pool.submit(task, item): index for index, item in enumerate(items)}
        for future in as_completed(pending):
            collect(pending[future], future.result())
    except BaseException:
        processes = list((pool._processes or {}).values())  # the executor has no public way to stop them
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.terminate()
        raise
    pool.shutdown()


def _connect(address: str) -> Any:
    """A ``distributed.Client`` of the scheduler at ``address``, or an InputError naming ``--scheduler``.

    A TCP address is first probed with a plain socket, so a refused or unreachable scheduler is
    reported within ``CONNECT_TIMEOUT`` seconds.
    """
    try:
        from distributed import Client
        from distributed.comm.addressing import parse_address, parse_host_port
    except ImportError:
        raise InputError(
            "--scheduler needs dask.distributed: install the extra with pip install 'qnets[distributed]'"
        ) from None
    try:
        scheme, location = parse_address(address)
        host, port = parse_host_port(location) if scheme in ("tcp", "tls") else (None, None)
    except ValueError as error:
        raise InputError(
            f"--scheduler {address!r} is not a Dask scheduler address such as tcp://host:8786 ({error})"
        ) from None
    unreachable = (
        f"--scheduler {address}: no Dask scheduler answered within {CONNECT_TIMEOUT:.0f} s; start one with "
        f"`dask scheduler`, or drop --scheduler (and unset {SCHEDULER_ENV}) to run locally"
    )
    if host is not None and port is not None:
        try:
            socket.create_connection((host, port), timeout=CONNECT_TIMEOUT).close()
        except OSError:
            raise InputError(unreachable) from None
    try:
        return Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except Exception as error:  # whatever answered is not a usable scheduler
        raise InputError(f"{unreachable} ({type(error).__name__})") from None


def _map_on_dask(address: str, task: _Timed, items: list, collect: Callable[[int, tuple[Any, float]], None]) -> None:
    from distributed import as_completed

    with _connect(address) as client, client.as_current():
        futures = client.map(task, items, pure=False)
        index = {future.key: position for position, future in enumerate(futures)}
        try:
            for future in as_completed(futures):
                collect(index[future.key], future.result())
        except BaseException:
            client.cancel(futures)
            raise
