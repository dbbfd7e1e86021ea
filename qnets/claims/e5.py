"""E5 (extension): the best quantized point ``min_grid F``, exactly for small d.

Assumptions: a quadratic on the grid ``Delta Z^d`` with small d.

Statement: :func:`qnets.simulate.best_point.best_quantized_point` finds the grid point of least
``F``: what R, SR and BC could at best deploy.

Check: on :func:`instance` the exact best point agrees with brute force over a cube of 41^2
grid points (same point and gap), is not the grid point nearest to ``w*`` and lies more than one
cell from ``w*`` (so a search restricted to ``w*``'s cell fails), and is at least as good as
every point SR and BC deploy in a run.

Blind spots: one instance in d = 2; the search radius for larger d is exercised only by the
tests of ``best_point``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qnets.claims.record import Claim, SizeTable
from qnets.claims.verdict import SEED, Verdict
from qnets.simulate import BinaryConnect, Box, GaussianNoise, Grid, Quadratic, StochasticRounding, constant, run
from qnets.simulate.best_point import best_quantized_point


@dataclass(frozen=True)
class Sizes:
    """``chains`` of SR and BC for ``steps`` steps."""

    steps: int
    chains: int


SIZES = SizeTable(Sizes(2000, 100), Sizes(20_000, 500))


def instance() -> tuple[Quadratic, Grid]:
    """A rotated quadratic with condition number 100 whose valley runs along ``(1, 4)``: the
    grid points ``Delta (i, 4 i)`` lie exactly on the valley's axis through ``0``.  With
    ``w* = Delta (0.45, 1.8)`` on that axis, ``(0, 0)`` costs ``(mu/2)|w*|^2 = 1.72 mu Delta^2``
    while every grid point off the axis pays at least ``(L/2) Delta^2/17 = 2.9 mu Delta^2`` in the
    stiff direction: the best grid point is ``(0, 0)``, 1.8 cells from ``w*`` in the second
    coordinate, while the nearest grid point is ``(0, 2) Delta``."""
    soft, stiff = np.array([1.0, 4.0]) / np.sqrt(17), np.array([-4.0, 1.0]) / np.sqrt(17)
    rotation = np.stack([soft, stiff], axis=1)
    hessian = rotation @ np.diag([1.0, 100.0]) @ rotation.T
    grid = Grid(0.1)
    return Quadratic(hessian, w_star=grid.delta * np.array([0.45, 1.8]), noise=GaussianNoise(1.0)), grid


def check(sizes: Sizes = SIZES.quick, seed: int = SEED) -> Verdict:
    """E5: on :func:`instance` the exact best quantized point agrees with brute force over a
    cube of 41^2 grid points (same point and gap), is not the grid point nearest to ``w*`` and lies
    more than one cell from ``w*`` (so a search restricted to ``w*``'s cell fails), and is at
    least as good as every point SR and BC deploy in a run."""
    problem, grid = instance()
    best = best_quantized_point(problem, grid)
    axis = grid.delta * np.arange(-20, 21)
    cube = np.stack([m.ravel() for m in np.meshgrid(axis, axis, indexing="ij")], axis=1)
    cube_gaps = problem.gap(cube)
    brute_point, brute = cube[int(np.argmin(cube_gaps))], float(cube_gaps.min())
    box = Box.around(problem.w_star, 1.0, grid)
    steps, chains = sizes.steps, sizes.chains
    deployed = [
        run(problem, StochasticRounding(grid), constant(0.005), steps, chains, seed, box).final_weights["w"],
        run(problem, BinaryConnect(grid), constant(0.005), steps, chains, seed, box).final_weights["deployed"],
    ]
    visited = min(float(problem.gap(weights).min()) for weights in deployed)
    nearest = grid.nearest(problem.w_star)
    cells_away = float(np.max(np.abs(best.point - problem.w_star)) / grid.delta)
    parts = {
        "agrees with brute force": bool(np.allclose(best.point, brute_point) and abs(best.gap - brute) <= 1e-15),
        "best is not the nearest grid point": bool(not np.allclose(best.point, nearest)),
        "best is more than one cell from w*": cells_away > 1.0,
        "no deployed point is better": best.gap <= visited + 1e-15,
    }
    return Verdict(
        "E5",
        all(parts.values()),
        best.gap,
        best.nearest_gap,
        0.0,
        f"best grid point {np.round(best.point / grid.delta).astype(int).tolist()} Delta, gap {best.gap:.4g} "
        f"({best.candidates} candidates, {cells_away:.2f} cells from w*) vs nearest-to-w* "
        f"{np.round(nearest / grid.delta).astype(int).tolist()} Delta, gap {best.nearest_gap:.4g}; brute force "
        f"{brute:.4g}; best deployed by SR/BC {visited:.4g}",
        {"d": 2, "delta": grid.delta, "kappa": 100.0},
        seed=seed,
        parts=parts,
    )


CLAIM = Claim(
    "E5",
    "extension",
    "The best quantized point min_grid F, exactly for small d.",
    check,
    SIZES,
    notes="paper_notes/convex.md",
)
