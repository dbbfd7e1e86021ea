"""C8 (extension): deterministic rounding stagnates once its steps are below half a cell.

Assumptions: bounded gradient noise, so ``sup ||g||_inf`` over the box is finite; R with
``a_t = 1/(mu (t + 1))``.

Statement: if ``a_t ||g||_inf < Delta/2`` then ``Q_d(w - a_t g) = w`` exactly, so once
``a_t sup||g||_inf < Delta/2`` R never moves again.

Check: uniform noise of half-width 0.5 on a diagonal quadratic; every chain's iterate at the
first step where ``a_t sup|g| < Delta/2`` must equal its iterate after a further 2,000 (20,000)
steps.

Blind spots: exact equality of iterates, so it sees any move; it does not see a stall that
starts too early (R stuck from the start also passes; the ``convergence`` figure shows R's
transient).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qnets.claims.record import Claim, SizeTable
from qnets.claims.verdict import SEED, Verdict
from qnets.simulate import Box, Grid, Quadratic, Rounding, UniformNoise, inverse_time, run


@dataclass(frozen=True)
class Sizes:
    """R's ``extra_steps`` after the stall step, over ``chains`` chains."""

    extra_steps: int
    chains: int


SIZES = SizeTable(Sizes(2000, 200), Sizes(20_000, 200))


def check(sizes: Sizes = SIZES.quick, seed: int = SEED) -> Verdict:
    """C8: with bounded noise, R never moves again once a_t sup||g||_inf < Delta/2."""
    noise_width = 0.5
    problem = Quadratic(np.array([1.0, 2.0, 0.5]), noise=UniformNoise(noise_width))
    grid = Grid(0.05)
    box = Box.around(problem.w_star, 1.0, grid)
    sup_g = float(np.max(np.abs(problem.H) * box.max_abs_offset(problem.w_star))) + noise_width
    stall_step = int(np.ceil(2 * sup_g / (grid.delta * problem.mu)))  # first t with a_t sup|g| < Delta/2
    steps = stall_step + sizes.extra_steps
    result = run(
        problem,
        Rounding(grid),
        inverse_time(problem.mu),
        steps,
        sizes.chains,
        seed,
        box,
        checkpoints=[stall_step, steps],
        keep_trajectory=True,
    )
    assert result.trajectory is not None  # asked for with keep_trajectory
    moved = int(np.sum(np.any(result.trajectory["w"][0] != result.trajectory["w"][1], axis=1)))
    return Verdict(
        "C8",
        moved == 0,
        float(moved),
        0.0,
        0.0,
        f"chains that moved after t = {stall_step} (where a_t sup|g| < Delta/2); must be 0",
        {"stall_step": stall_step, "steps": steps, "sup_g": sup_g},
        seed=seed,
    )


CLAIM = Claim(
    "C8",
    "extension",
    "R stagnates once a_t ||g||_inf < Delta/2.",
    check,
    SIZES,
    notes="paper_notes/convex.md",
    figures=("convergence",),
)
