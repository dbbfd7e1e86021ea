"""E5: the best quantized point ``argmin_{q on the grid} F(q)``, exactly, for small ``d``.

No quantized method (R, SR, BC's deployed weights) can deploy a point better than this.
For a ``mu``-strongly convex ``F``, every grid point ``q`` at least as good as the grid point
``q0`` nearest to ``w*`` satisfies ``(mu/2)||q - w*||^2 <= F(q) - F* <= F(q0) - F*``, so the
search is exhaustive over the grid points of the ball of radius
``r = sqrt(2 (F(q0) - F*) / mu)`` around ``w*``.  For an ill-conditioned quadratic the best
point is often not ``q0``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from qnets.simulate import _validate
from qnets.simulate.grid import Grid
from qnets.simulate.problems.base import StronglyConvexProblem

from qnets.errors import InputError, InputTypeError

#: Enumerations larger than this raise instead of running for a long time.
MAX_CANDIDATES = 2_000_000
_CHUNK = 65_536


@dataclass(frozen=True)
class BestQuantizedPoint:
    """``point`` minimises ``F`` over the grid; ``gap = F(point) - F*``; ``nearest_gap`` is the
    gap of the grid point nearest to ``w*``; ``candidates`` were enumerated."""

    point: np.ndarray
    gap: float
    nearest_gap: float
    candidates: int


def best_quantized_point(
    problem: StronglyConvexProblem, grid: Grid, max_candidates: int = MAX_CANDIDATES
) -> BestQuantizedPoint:
    """The exact minimiser of ``F`` over the grid (claim E5; see the module docstring).

    Parameters
    ----------
    problem
        A ``mu``-strongly convex problem (the search radius needs ``mu``).
    grid
        The grid; bounded grids are searched within their bounds.
    max_candidates
        Largest number of grid points to enumerate.

    Returns
    -------
    BestQuantizedPoint
        The minimiser, its gap ``F(q) - F*``, the gap of the grid point nearest to ``w*`` and
        the number of candidates enumerated.

    Raises
    ------
    InputTypeError
        If ``problem`` is not strongly convex.
    InputError
        If the search ball holds more than ``max_candidates`` grid points.
    """
    if not isinstance(problem, StronglyConvexProblem):
        raise InputTypeError(f"best_quantized_point needs a strongly convex problem, got {type(problem).__name__}")
    max_candidates = _validate.integer("max_candidates", max_candidates, minimum=1)
    w_star = problem.w_star
    nearest = grid.nearest(w_star)
    nearest_gap = float(problem.gap(nearest[None, :])[0])
    radius = math.sqrt(2 * max(nearest_gap, 0.0) / problem.mu)
    lo = grid.nearest(w_star - radius - grid.delta)
    hi = grid.nearest(w_star + radius + grid.delta)
    axes = [np.unique(grid.nearest(np.arange(a, b + grid.delta / 2, grid.delta))) for a, b in zip(lo, hi, strict=True)]
    count = math.prod(axis.size for axis in axes)
    if count > max_candidates:
        raise InputError(
            f"the search box holds {count} grid points, above max_candidates={max_candidates}; "
            "use a larger max_candidates or a smaller problem"
        )
    best_point, best_gap = nearest, nearest_gap
    for start in range(0, count, _CHUNK):
        flat = np.arange(start, min(start + _CHUNK, count))
        index = np.unravel_index(flat, [axis.size for axis in axes])
        points = np.stack([axis[i] for axis, i in zip(axes, index, strict=True)], axis=1)
        gaps = problem.gap(points)
        k = int(np.argmin(gaps))
        if gaps[k] < best_gap:
            best_point, best_gap = points[k], float(gaps[k])
    return BestQuantizedPoint(best_point, best_gap, nearest_gap, count)
