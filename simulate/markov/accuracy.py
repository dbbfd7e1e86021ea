"""Accuracy and time of the stationary solvers on the two large reference chains (issue figures).

* a 100,000-state birth-death chain: the small-step SR generator of the tilted double well on
  a grid of spacing 3.2e-5, solved in log space and by sparse LU;
* a 200 x 200 grid chain: the small-step SR generator of a separable quadratic, whose exact
  stationary law is the product of one-dimensional birth-death laws (claim M6);

and, for ``qnets bench --markov``, the time and residual of sparse LU on the small-step
generator of the three-well toy (:func:`qnets.simulate.scenarios.three_wells` on ``[-3, 3]^2``) with
``n x n`` grid points, ``n = 500`` (251,001 states) and ``n = 1000`` (1,002,001 states).
"""

from __future__ import annotations

import time

import numpy as np
from qnets.simulate.domain import Box
from qnets.simulate.grid import Grid
from qnets.simulate.markov.kernel import StateSpace, generator
from qnets.simulate.markov.stationary import stationary
from qnets.simulate.noise import GaussianNoise
from qnets.simulate.problems import Quadratic, TiltedDoubleWell
from qnets.simulate.scenarios import three_wells

#: Points per axis of the three-well chains of :func:`large_chain_timings`.
LARGE_CHAIN_SIDES = (500, 1000)


def _timed(matrix, method: str):
    start = time.perf_counter()
    law = stationary(matrix, method=method)
    return law, time.perf_counter() - start


def solver_accuracy() -> dict[str, float]:
    """Residuals, cross-solver and exact errors (L1) and times in seconds."""
    n = 100_000
    delta = 3.2 / (n - 1)
    grid = Grid(delta, lo=-1.6, hi=-1.6 + delta * (n - 1))
    well = TiltedDoubleWell(noise=GaussianNoise(1.0))
    rate = generator(well, StateSpace(Box(np.array([grid.lo]), np.array([grid.hi])), grid))
    log_space, log_time = _timed(rate, "birth-death")
    lu, lu_time = _timed(rate, "sparse-lu")
    fine = Grid(0.02)
    plane = StateSpace(Box(np.full(2, -2.0), np.full(2, 1.98)), fine)
    line = StateSpace(Box(np.full(1, -2.0), np.full(1, 1.98)), fine)
    grid_law, grid_time = _timed(generator(Quadratic.isotropic(2, 1.0, 1.0), plane), "auto")
    exact_1d = stationary(generator(Quadratic.isotropic(1, 1.0, 1.0), line)).pi
    return {
        "birth_death_1e5_residual_log_space": log_space.residual,
        "birth_death_1e5_residual_sparse_lu": lu.residual,
        "birth_death_1e5_l1_between_solvers": float(np.abs(log_space.pi - lu.pi).sum()),
        "birth_death_1e5_seconds_log_space": log_time,
        "birth_death_1e5_seconds_sparse_lu": lu_time,
        "grid_200x200_residual": grid_law.residual,
        "grid_200x200_l1_error_vs_exact_product": float(
            np.abs(grid_law.pi - np.outer(exact_1d, exact_1d).ravel()).sum()
        ),
        "grid_200x200_seconds": grid_time,
    }


def large_chain_timings(sides: tuple[int, ...] = LARGE_CHAIN_SIDES) -> dict[str, float]:
    """Seconds (wall and CPU), residual and smallest entry of :func:`stationary` on the three-well
    generator with ``side + 1`` grid points per axis (the generator's construction is not timed)."""
    report: dict[str, float] = {}
    for side in sides:
        problem, space = three_wells(delta=6.0 / side, half_width=3.0)
        rates = generator(problem, space)
        cpu_started = time.process_time()
        law, seconds = _timed(rates, "auto")
        name = f"three_wells_{side}x{side}"
        report[f"{name}_states"] = space.size
        report[f"{name}_seconds"] = seconds
        report[f"{name}_cpu_seconds"] = time.process_time() - cpu_started
        report[f"{name}_residual"] = law.residual
        report[f"{name}_min_entry"] = float(law.pi.min())
    return report
