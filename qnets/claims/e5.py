"""E5 (extension): the best quantized point ``min_grid F``, exactly for small d.

Assumptions: a quadratic on the grid ``Delta Z^d`` with small d.

Statement: :func:`qnets.simulate.best_point.best_quantized_point` finds the grid point of least
``F``: what R, SR and BC could at best deploy.

Check: on :func:`instance` the exact best point agrees with brute force over a cube of 41^2
grid points (same point and gap), is not the grid point nearest to ``w*`` and lies more than one
cell from ``w*`` (so a search restricted to ``w*``'s cell fails), and is at least as good as
every point SR and BC deploy in a run.

A generic instance (:data:`GENERIC`: d = 3, rotated eigenvalues 0.7, 3.1, 23, ``w*`` off the
grid, Delta = 0.37) is checked against a brute force written here (its own gap ``z^T H z/2``,
its own rounding and a cube that covers the strong-convexity ball).

Blind spots: the search radius ``sqrt(2 gap(q0)/mu)`` is conservative (on the generic instance
the best point lies at 0.68 of it, inside the cube's one-cell slack), so a radius too small by
a factor 1.5, or computed with ``L`` for ``mu``, still finds the best point here and passes;
only the radius-0 search of the d = 2 instance is caught.
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


#: The generic instance: eigenvalues of the Hessian (rotated by the Haar rotation of seed 3), w*,
#: grid spacing; no constant 1, none equal, Delta not a power of 2, d = 3.
GENERIC = ((0.7, 3.1, 23.0), (0.29, -0.53, 0.71), 0.37)


def generic_instance() -> tuple[Quadratic, Grid, np.ndarray]:
    """:data:`GENERIC` as a quadratic, its grid and its Hessian matrix."""
    eigenvalues, w_star, delta = GENERIC
    q, r = np.linalg.qr(np.random.default_rng(3).standard_normal((3, 3)))
    q *= np.sign(np.diag(r))
    hessian = (q * np.array(eigenvalues)) @ q.T
    hessian = (hessian + hessian.T) / 2
    return Quadratic(hessian, w_star=np.array(w_star), noise=GaussianNoise(1.3)), Grid(delta), hessian


def generic_parts() -> tuple[dict[str, bool], str]:
    """The generic instance by brute force, written here: the gap ``(1/2) z^T H z`` of every grid
    point ``Delta k`` with ``|k - w*/Delta|_inf <= R``, where ``R`` cells cover the ball of radius
    ``sqrt(2 gap(q0)/mu)`` (``q0 = Delta round(w*/Delta)``, ``mu`` the least eigenvalue), outside
    which no grid point beats ``q0``; the best point and its gap must equal
    ``best_quantized_point``'s."""
    problem, grid, hessian = generic_instance()
    eigenvalues, w_star_entries, delta = GENERIC
    w_star = np.array(w_star_entries)

    def gaps(points: np.ndarray) -> np.ndarray:
        z = points - w_star
        return 0.5 * np.einsum("ij,jk,ik->i", z, hessian, z)

    nearest = delta * np.round(w_star / delta)
    radius = np.sqrt(2 * gaps(nearest[None, :])[0] / min(eigenvalues))
    cells = int(np.ceil(radius / delta)) + 1
    offsets = np.arange(-cells, cells + 1)
    centre = np.round(w_star / delta)
    cube = delta * (centre + np.stack([m.ravel() for m in np.meshgrid(offsets, offsets, offsets)], axis=1))
    cube_gaps = gaps(cube)
    brute_point, brute = cube[int(np.argmin(cube_gaps))], float(cube_gaps.min())
    best = best_quantized_point(problem, grid)
    parts = {
        "generic: agrees with brute force": bool(
            np.allclose(best.point, brute_point, rtol=0, atol=1e-9 * delta) and abs(best.gap - brute) <= 1e-12 * brute
        )
    }
    best_cells, brute_cells = (np.round(point / delta).astype(int).tolist() for point in (best.point, brute_point))
    detail = (
        f"generic (d=3, eigenvalues {eigenvalues}, Delta={delta:g}): best {best_cells} Delta, gap {best.gap:.6g}; "
        f"brute force over {cube.shape[0]} points {brute_cells} Delta, gap {brute:.6g}"
    )
    return parts, detail


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
    generic, generic_detail = generic_parts()
    parts.update(generic)
    return Verdict(
        "E5",
        all(parts.values()),
        best.gap,
        best.nearest_gap,
        0.0,
        f"best grid point {np.round(best.point / grid.delta).astype(int).tolist()} Delta, gap {best.gap:.4g} "
        f"({best.candidates} candidates, {cells_away:.2f} cells from w*) vs nearest-to-w* "
        f"{np.round(nearest / grid.delta).astype(int).tolist()} Delta, gap {best.nearest_gap:.4g}; brute force "
        f"{brute:.4g}; best deployed by SR/BC {visited:.4g}; {generic_detail}",
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
