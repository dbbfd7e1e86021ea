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
``O(n_chains d)``: the state and the running sums, plus ``O(BLOCK_ELEMENTS)`` scratch;
trajectories (at checkpoints only) are kept only when asked.

Seeding: chains are processed in blocks of ``max(1, BLOCK_ELEMENTS // d)``; block ``b`` draws
from its own ``PCG64`` stream, the ``b``-th child of ``SeedSequence(seed)``, and the chains of a
block consume disjoint draws of it.  The same arguments give bit-identical results.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from qnets.simulate import _validate
from qnets.simulate.domain import Box
from qnets.simulate.estimate import Estimate
from qnets.simulate.methods import Method, Workspace
from qnets.simulate.problems.base import Problem
from qnets.simulate.schedules import Schedule

from qnets.errors import InputError, InputTypeError

#: Entries per block of chains: about half a MiB of float64, so a block's scratch stays in cache.
BLOCK_ELEMENTS = 1 << 16

QUANTITIES = ("gap", "avg_gap", "dist2")


def log_checkpoints(steps: int, count: int = 25) -> np.ndarray:
    """About ``count`` log-spaced step counts in ``[1, steps]``, always including ``steps``."""
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
    schedule: Schedule,
    steps: int,
    n_chains: int,
    seed: int,
    domain: Box,
    w0: np.ndarray | None = None,
    checkpoints: Sequence[int] | None = None,
    keep_trajectory: bool = False,
) -> RunResult:
    """Run ``n_chains`` independent chains of ``method`` for ``steps`` steps from ``w0``.

    ``w0`` defaults to the box corner ``domain.lo`` (a grid point for aligned boxes);
    ``checkpoints`` defaults to :func:`log_checkpoints`.
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

    state = {name: np.tile(w0, (n_chains, 1)) for name in method.state_names}
    sums = {name: np.zeros_like(array) for name, array in state.items()}
    blocks = chain_blocks(n_chains, problem.d)
    rngs = block_generators(seed, len(blocks))
    workspace = Workspace.for_shape((blocks[0].stop - blocks[0].start, problem.d))
    for block, rng in zip(blocks, rngs, strict=True):
        method.start({name: array[block] for name, array in state.items()}, rng)

    records = {f"{name}.{q}": np.empty((len(marks), n_chains)) for name in state for q in QUANTITIES}
    trajectory = {name: np.empty((len(marks), n_chains, problem.d)) for name in state} if keep_trajectory else None
    next_mark = 0
    for t in range(steps):
        lr = float(schedule(t))
        if not lr > 0 or not np.isfinite(lr):
            raise InputError(f"schedule gave step size {lr} at t={t}; it must be finite and > 0")
        for block, rng in zip(blocks, rngs, strict=True):
            views = {name: array[block] for name, array in state.items()}
            for name, view in views.items():
                sums[name][block] += view
            method.step(views, lr, problem, rng, domain, workspace.rows(block.stop - block.start))
        if next_mark < len(marks) and t + 1 == marks[next_mark]:
            _record(problem, state, sums, t + 1, blocks, records, next_mark)
            if trajectory is not None:
                for name, array in state.items():
                    trajectory[name][next_mark] = array
            next_mark += 1

    series = {key: Estimate.from_samples(values, axis=1) for key, values in records.items()}
    config = {
        "problem": type(problem).__name__,
        "method": method.name,
        "schedule": getattr(schedule, "name", repr(schedule)),
        "steps": steps,
        "n_chains": n_chains,
        "seed": seed,
        "d": problem.d,
    }
    return RunResult(marks, series, state, config, trajectory)


def _checked_checkpoints(checkpoints: Sequence[int], steps: int) -> np.ndarray:
    marks = np.asarray(checkpoints)
    if marks.ndim != 1 or marks.size == 0 or not np.issubdtype(marks.dtype, np.integer):
        raise InputTypeError("checkpoints must be a non-empty sequence of integers")
    if np.any(np.diff(marks) <= 0) or marks[0] < 1 or marks[-1] > steps:
        raise InputError(f"checkpoints must be strictly increasing integers in [1, steps={steps}]")
    return marks.astype(np.int64)


def _record(
    problem: Problem,
    state: dict[str, np.ndarray],
    sums: dict[str, np.ndarray],
    t: int,
    blocks: list[slice],
    records: dict[str, np.ndarray],
    mark: int,
) -> None:
    """Fill column ``mark`` of ``records`` after ``t`` steps; ``sums`` holds ``sum_{s<t} w_s``."""
    for name, array in state.items():
        for block in blocks:
            w = array[block]
            records[f"{name}.gap"][mark, block] = problem.gap(w)
            records[f"{name}.avg_gap"][mark, block] = problem.gap(sums[name][block] / t)
            records[f"{name}.dist2"][mark, block] = np.sum((w - problem.w_star) ** 2, axis=1)
