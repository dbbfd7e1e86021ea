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
  (``threadpoolctl``), so ``N`` workers use ``N`` cores and no more.
* ``Backend(scheduler="tls://host:8786", tls=TLSFiles(...))``: the tasks go to a
  ``dask.distributed`` cluster (the extra ``qnets[distributed]``; :mod:`qnets.cluster`: addresses,
  TLS and a lost cluster); each task runs with one BLAS thread.  A scheduler that cannot be
  reached within ``CONNECT_TIMEOUT`` seconds raises :class:`~qnets.errors.InputError` naming
  ``--scheduler``.

Workers never outlive their parent: each local worker asks the kernel for ``SIGKILL`` when its
parent dies (Linux ``prctl(PR_SET_PDEATHSIG)``) and a watchdog thread ends it within
``ORPHAN_POLL_SECONDS`` if its parent changes (any platform), so a ``kill -9`` of the command leaves
no process behind.

The command line builds its backend with :func:`from_options` (``--jobs``, default all cores
and at most what ``--max-memory`` allows at :data:`WORKER_BYTES` a worker; ``--scheduler`` or
the environment variable ``QNETS_SCHEDULER``; the TLS files) and checks it with
:meth:`Backend.probe` before it creates anything.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

from threadpoolctl import threadpool_limits

from qnets import cluster
from qnets.cluster import CONNECT_TIMEOUT, SCHEDULER_ENV, TLSFiles
from qnets.errors import InputError

#: Peak resident memory of one local worker process beyond what it shares with its parent
#: (measured: 140-210 MB for a worker of reproduce), used to cap ``--jobs`` by ``--max-memory``.
WORKER_BYTES = 256 * 2**20
#: Seconds between two looks of a worker's watchdog at its parent.
ORPHAN_POLL_SECONDS = 0.5
#: ``prctl`` option that delivers a signal to a process when its parent dies (Linux).
PR_SET_PDEATHSIG = 1

__all__ = ["CONNECT_TIMEOUT", "SCHEDULER_ENV", "SERIAL", "Backend", "TLSFiles", "from_options"]

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
    tls: TLSFiles | None = None

    def __post_init__(self) -> None:
        if isinstance(self.jobs, bool) or not isinstance(self.jobs, int) or self.jobs < 1:
            raise InputError(f"--jobs must be an integer >= 1, got {self.jobs!r}")
        if self.scheduler is not None:
            cluster.check_address(self.scheduler, self.tls)
        elif self.tls is not None:
            raise InputError("--tls-ca, --tls-cert and --tls-key need a tls:// --scheduler")

    def probe(self) -> None:
        """Reach the scheduler once (an InputError naming ``--scheduler`` if it does not answer or
        refuses the certificate), so that a command fails before it creates anything."""
        if self.scheduler is not None:
            cluster.connect(self.scheduler, self.tls).close(timeout=CONNECT_TIMEOUT)

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
            cluster.map_on_cluster(self.scheduler, self.tls, _Timed(function, one_thread=True), items, collect)
        elif self.jobs == 1 or len(items) <= 1:
            for index, item in enumerate(items):
                collect(index, _Timed(function)(item))
        else:
            _map_on_processes(min(self.jobs, len(items)), _Timed(function), items, collect)
        return results


SERIAL = Backend()


def from_options(
    jobs: int | None, scheduler: str | None, tls: TLSFiles | None = None, max_memory: float = float("inf")
) -> Backend:
    """The backend of ``--jobs`` (None: all cores), capped at ``max_memory // WORKER_BYTES`` local
    workers with a line on stderr saying so, and ``--scheduler`` (None: ``$QNETS_SCHEDULER``, if
    set, else local) with the TLS files ``tls``."""
    address = scheduler if scheduler is not None else os.environ.get(SCHEDULER_ENV) or None
    wanted = available_cores() if jobs is None else jobs
    allowed = max(1, int(min(max_memory / WORKER_BYTES, sys.maxsize)))
    if address is None and isinstance(wanted, int) and not isinstance(wanted, bool) and wanted > allowed:
        print(
            f"qnets: --jobs {wanted} capped at {allowed}: each worker may need {WORKER_BYTES // 2**20} MiB "
            f"and --max-memory allows {allowed} of them",
            file=sys.stderr,
        )
        wanted = allowed
    return Backend(wanted, address, tls)


def _die_with_parent() -> None:
    """End this worker when its parent dies: the kernel's parent-death signal where there is one
    (Linux), and a watchdog thread that exits when the parent changes (everywhere)."""
    parent = os.getppid()
    libc = ctypes.util.find_library("c")
    if sys.platform.startswith("linux") and libc:
        ctypes.CDLL(libc, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the signal was asked for
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(ORPHAN_POLL_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="qnets-orphan-watchdog", daemon=True).start()


def _start_worker() -> None:
    """Process-pool initializer: die with the parent, one BLAS/OpenMP thread, and Ctrl-C, SIGTERM
    and SIGHUP left to the main process (which stops the workers)."""
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C reaches the whole group: the parent acts on it
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's handlers, inherited by fork
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
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
            process.kill()
        for process in processes:
            process.join(timeout=2.0)
        raise
    pool.shutdown()
