"""The Monte Carlo runner: many independent chains of one method, streamed.

Recorded at each checkpoint ``t`` (the number of steps taken) and for each observable weight
vector of the method (``w``; for BC ``real`` and ``deployed``):

* ``gap``: ``F(w_t) - F*``;
* ``avg_gap``: ``F(w_bar_t) - F*`` with ``w_bar_t = (1/t) sum_{s=0}^{t-1} w_s``, the average
  of the ``t`` points at which the stochastic gradients were taken (for BC the
  ``real``/``deployed`` weights *before* each step), which is the average the telescoping
  proofs of C3-C6 bound;
* ``dist2``: ``||w_t - w*||^2``.

Each is an :class:`Estimate` over chains.  ``w_bar_t`` is kept as the running sum
``sum_{s<t} w_s`` (one addition per step) and divided by ``t`` at checkpoints.  Memory is
``O(n_chains d)``: the state and the running sums, plus ``O(BLOCK_ELEMENTS)`` scratch per block;
trajectories (at checkpoints only) are kept only when asked.

Seeding: chains are processed in blocks of ``max(1, BLOCK_ELEMENTS // d)``; block ``b`` draws
from its own stream derived from the ``b``-th child of ``SeedSequence(seed)`` (numpy engine:
``PCG64(child)``, the chains of a block consuming disjoint draws of it; compiled engine: one
xoshiro256++ per chain, see :mod:`qnets.simulate.engines`).  The same arguments give bit-identical results.

Step sizes: the schedule is evaluated in chunks of ``SCHEDULE_CHUNK`` steps, once up front (every
step size must be finite and > 0; the error names the first step that is not) and again by each
block as it goes, so memory does not grow with ``steps``.

Engines: ``engine="numpy"`` (the default, and the reference), ``"compiled"`` (one-pass numba
kernels for diagonal quadratics with Gaussian or uniform noise) or ``"auto"``; None reads the
environment variable ``QNETS_ENGINE`` (:mod:`qnets.simulate.engines`).

Parallel blocks: a block depends only on its own stream, so blocks are independent tasks.  A
run of at least ``PARALLEL_MIN_WORK`` chain-coordinate-steps hands its blocks to ``backend``
(local processes or Dask; None runs them in this process); the results are bit-identical to the
serial run's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from qnets.simulate import _validate, engines
from qnets.simulate.domain import Box
from qnets.simulate.estimate import Estimate
from qnets.simulate.methods import Method
from qnets.simulate.problems.base import Problem

from qnets import parallel
from qnets.errors import InputError, InputTypeError

#: Entries per block of chains: about half a MiB of float64, so a block's scratch stays in cache.
BLOCK_ELEMENTS = 1 << 16

QUANTITIES = ("gap", "avg_gap", "dist2")
#: Runs of at least this many chain-coordinate-steps run their blocks on the current backend
#: (about a second of work: below it, starting workers costs more than it saves).
PARALLEL_MIN_WORK = 1 << 25
#: Step sizes are evaluated this many at a time (32 KiB), so memory does not grow with ``steps``.
SCHEDULE_CHUNK = 4096


def log_checkpoints(steps: int, count: int = 25) -> np.ndarray:
    """About ``count`` log-spaced step counts in ``[1, steps]``, always including ``steps``.

    Parameters
    ----------
    steps : int
        The last step, >= 1.
    count : int
        How many log-spaced points to round (duplicates after rounding are dropped), >= 1.

    Returns
    -------
    numpy.ndarray
        Sorted distinct integers from 1 to ``steps``.

    Raises
    ------
    InputError
        If ``steps`` or ``count`` is not an integer >= 1.

    Examples
    --------
    >>> from qnets.simulate import log_checkpoints
    >>> log_checkpoints(1000, 5).tolist()
    [1, 6, 32, 178, 1000]
    """
    steps = _validate.integer("steps", steps, 1)
    count = _validate.integer("count", count, 1)
    return np.unique(np.rint(np.geomspace(1, steps, count)).astype(np.int64))


def chain_blocks(n_chains: int, d: int) -> list[slice]:
    """The row blocks of the chain axis, each of at most ``max(1, BLOCK_ELEMENTS // d)`` chains."""
    size = max(1, BLOCK_ELEMENTS // d)
    return [slice(start, min(start + size, n_chains)) for start in range(0, n_chains, size)]


def block_generators(seed: int, n_blocks: int) -> list[np.random.Generator]:
    """One independent generator per block, spawned from ``SeedSequence(seed)``."""
    children = np.random.SeedSequence(seed).spawn(n_blocks)
    return [np.random.Generator(np.random.PCG64(child)) for child in children]


def step_sizes(schedule: Callable[[int], float], start: int, stop: int) -> np.ndarray:
    """``[schedule(t) for t in range(start, stop)]`` as an array, each finite and > 0.

    Raises
    ------
    InputError
        Naming the first step ``t`` whose step size is not finite and > 0.
    """
    rates = np.array([float(schedule(t)) for t in range(start, stop)])
    bad = np.flatnonzero(~(np.isfinite(rates) & (rates > 0)))
    if bad.size:
        raise InputError(f"schedule gave step size {rates[bad[0]]} at t={start + bad[0]}; it must be finite and > 0")
    return rates


def _chunks(steps: int) -> range:
    return range(0, steps, SCHEDULE_CHUNK)


@dataclass(frozen=True)
class RunResult:
    """Estimates at checkpoints, keyed ``"<observable>.<quantity>"`` (e.g. ``"real.avg_gap"``)."""

    checkpoints: np.ndarray
    series: dict[str, Estimate]
    final_weights: dict[str, np.ndarray]
    config: dict
    trajectory: dict[str, np.ndarray] | None = field(default=None)

    def final(self, key: str) -> Estimate:
        """The estimate of ``key`` at the last checkpoint."""
        try:
            return self.series[key][-1]
        except KeyError:
            raise KeyError(f"unknown series {key!r}; recorded: {', '.join(self.series)}") from None


def run(
    problem: Problem,
    method: Method,
    schedule: Callable[[int], float],
    steps: int,
    n_chains: int,
    seed: int,
    domain: Box,
    w0: np.ndarray | None = None,
    checkpoints: Sequence[int] | np.ndarray | None = None,
    keep_trajectory: bool = False,
    backend: parallel.Backend | None = None,
    engine: str | None = None,
) -> RunResult:
    """Run ``n_chains`` independent chains of ``method`` for ``steps`` steps from ``w0``.

    Each chain takes ``w_{t+1} = method(w_t, a_t, g_t)`` with ``a_t = schedule(t)`` and a
    stochastic gradient ``g_t`` of ``problem`` drawn from the generator seeded with ``seed``.

    Parameters
    ----------
    problem : Problem
        The objective and its gradient noise.
    method : Method
        SGD, R, SR or BC (:func:`~qnets.simulate.method_by_name`).
    schedule : callable
        ``schedule(t)``: the step size at step ``t``
        (:func:`~qnets.simulate.constant`, :func:`~qnets.simulate.inverse_time`, ...).
    steps : int
        Number of steps, >= 1.
    n_chains : int
        Number of independent chains, >= 1.
    seed : int
        Root seed, >= 0; a run is a function of its arguments.
    domain : Box
        The box the problem is defined on (iterates are projected onto it).
    w0 : numpy.ndarray, optional
        Start, of length ``problem.d``; default the box corner ``domain.lo`` (a grid point for
        aligned boxes).
    checkpoints : sequence of int, optional
        Steps at which the estimates are taken; default :func:`log_checkpoints` of ``steps``.
    keep_trajectory : bool
        Also keep every chain's weights at the checkpoints (``RunResult.trajectory``).
    backend : qnets.parallel.Backend, optional
        Runs the chain blocks of a long run (None: in this process).
    engine : str, optional
        ``numpy``, ``compiled`` or ``auto`` (None: ``$QNETS_ENGINE``, else ``numpy``).

    Returns
    -------
    RunResult
        ``series["<observable>.<quantity>"]``: one :class:`~qnets.simulate.Estimate` (mean, standard error, n)
        per checkpoint.  Observables: ``w`` (the iterate, for SGD, R and SR), or ``real`` (BC's
        real weights) and ``deployed`` (BC's quantized weights).  Quantities: ``gap``
        (``F(w_t) - F*``), ``avg_gap`` (``F`` at the running average of the iterates, minus
        ``F*``) and ``dist2`` (``||w_t - w*||^2``).  ``final(key)`` is the estimate at the last
        checkpoint; ``final_weights`` the chains' last weights per observable.

    Raises
    ------
    InputError
        For a size, seed, start or engine out of range (the message names the parameter), or a
        problem that does not fit ``domain``.
    InputTypeError
        If ``problem``, ``method`` or ``schedule`` has the wrong type.

    Examples
    --------
    >>> from qnets.simulate import StochasticRounding, inverse_time, run
    >>> from qnets.simulate.scenarios import quadratic_setup
    >>> problem, grid, box = quadratic_setup(2, 0.1, 0.5)
    >>> result = run(problem, StochasticRounding(grid), inverse_time(problem.mu), 100, 50, 0, box)
    >>> sorted(result.series)
    ['w.avg_gap', 'w.dist2', 'w.gap']
    >>> estimate = result.final("w.gap")
    >>> estimate.n, bool(estimate.mean >= 0)
    (50, True)
    """
    if not isinstance(problem, Problem):
        raise InputTypeError(f"problem must be a Problem, got {type(problem).__name__}")
    if not isinstance(method, Method):
        raise InputTypeError(f"method must be a Method, got {type(method).__name__}")
    if not callable(schedule):
        raise InputTypeError("schedule must be callable as schedule(t) -> step size")
    steps = _validate.integer("steps", steps, 1)
    n_chains = _validate.integer("n_chains", n_chains, 1)
    seed = _validate.integer("seed", seed, 0)
    problem.check_domain(domain)
    w0 = domain.lo.copy() if w0 is None else _validate.vector("w0", w0, problem.d)
    domain.check_contains("w0", w0)
    method.validate(problem, domain, w0)
    marks = log_checkpoints(steps) if checkpoints is None else _checked_checkpoints(checkpoints, steps)
    if backend is not None and not isinstance(backend, parallel.Backend):
        raise InputTypeError(f"backend must be a qnets.parallel.Backend or None, got {type(backend).__name__}")
    chosen = engines.resolve_engine(engine, problem, method)
    for start in _chunks(steps):
        step_sizes(schedule, start, min(start + SCHEDULE_CHUNK, steps))

    blocks = chain_blocks(n_chains, problem.d)
    task = ChainBlock(problem, method, domain, w0, schedule, steps, marks, keep_trajectory, chosen)
    if backend is None or n_chains * problem.d * steps < PARALLEL_MIN_WORK:
        backend = parallel.SERIAL
    children = np.random.SeedSequence(seed).spawn(len(blocks))
    outcomes = backend.map(task, [(b.stop - b.start, child) for b, child in zip(blocks, children, strict=True)])
    state = {name: np.concatenate([o.state[name] for o in outcomes]) for name in method.state_names}
    records = {key: np.concatenate([o.records[key] for o in outcomes], axis=1) for key in outcomes[0].records}
    trajectory = (
        {name: np.concatenate([o.trajectory[name] for o in outcomes], axis=1) for name in state}
        if keep_trajectory
        else None
    )
    series = {key: Estimate.from_samples(values, axis=1) for key, values in records.items()}
    config = {
        "problem": type(problem).__name__,
        "method": method.name,
        "schedule": getattr(schedule, "name", repr(schedule)),
        "steps": steps,
        "n_chains": n_chains,
        "seed": seed,
        "d": problem.d,
        "engine": chosen,
    }
    return RunResult(marks, series, state, config, trajectory)


def _checked_checkpoints(checkpoints: Sequence[int] | np.ndarray, steps: int) -> np.ndarray:
    marks = np.asarray(checkpoints)
    if marks.ndim != 1 or marks.size == 0 or not np.issubdtype(marks.dtype, np.integer):
        raise InputTypeError("checkpoints must be a non-empty sequence of integers")
    if np.any(np.diff(marks) <= 0) or marks[0] < 1 or marks[-1] > steps:
        raise InputError(f"checkpoints must be strictly increasing integers in [1, steps={steps}]")
    return marks.astype(np.int64)


@dataclass(frozen=True)
class BlockOutcome:
    """One block's final state, records ``(marks, rows)`` and, if kept, trajectory."""

    state: dict[str, np.ndarray]
    records: dict[str, np.ndarray]
    trajectory: dict[str, np.ndarray] | None


@dataclass(frozen=True)
class ChainBlock:
    """The task of one block of chains: ``ChainBlock(...)((rows, seed_sequence))`` runs ``rows``
    chains on the streams of ``seed_sequence`` with the engine ``engine`` (see the module doc)."""

    problem: Problem
    method: Method
    domain: Box
    w0: np.ndarray
    schedule: Callable[[int], float]
    steps: int
    marks: np.ndarray
    keep_trajectory: bool
    engine: str = "numpy"

    def __call__(self, job: tuple[int, np.random.SeedSequence]) -> BlockOutcome:
        rows, seed_sequence = job
        problem, marks = self.problem, self.marks
        stepper = engines.stepper(self.engine, problem, self.method, self.domain, rows, seed_sequence)
        state = {name: np.tile(self.w0, (rows, 1)) for name in self.method.state_names}
        sums = {name: np.zeros_like(array) for name, array in state.items()}
        stepper.start(state)
        records = {f"{name}.{q}": np.empty((len(marks), rows)) for name in state for q in QUANTITIES}
        trajectory = {name: np.empty((len(marks), rows, problem.d)) for name in state} if self.keep_trajectory else None
        next_mark = 0
        for start in _chunks(self.steps):
            rates = step_sizes(self.schedule, start, min(start + SCHEDULE_CHUNK, self.steps))
            done = 0  # steps of this chunk taken
            while done < rates.size:
                stop = rates.size if next_mark == len(marks) else min(rates.size, int(marks[next_mark]) - start)
                stepper.advance(state, sums, rates[done:stop])
                done = stop
                if next_mark < len(marks) and start + done == marks[next_mark]:
                    t = start + done
                    for name, w in state.items():
                        records[f"{name}.gap"][next_mark] = problem.gap(w)
                        records[f"{name}.avg_gap"][next_mark] = problem.gap(sums[name] / t)
                        records[f"{name}.dist2"][next_mark] = np.sum((w - problem.w_star) ** 2, axis=1)
                        if trajectory is not None:
                            trajectory[name][next_mark] = w
                    next_mark += 1
        return BlockOutcome(state, records, trajectory)
