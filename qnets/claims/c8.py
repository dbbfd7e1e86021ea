"""C8 (extension): deterministic rounding stagnates once its steps are below half a cell.

Assumptions: bounded gradient noise, so ``sup ||g||_inf`` over the box is finite; R with
``a_t = 1/(mu (t + 1))``.

Statement: if ``a_t ||g||_inf < Delta/2`` then ``Q_d(w - a_t g) = w`` exactly, so once
``a_t sup||g||_inf < Delta/2`` R never moves again.

Check: uniform noise on a diagonal quadratic (curvatures 1, 2, 0.5, half-width 0.5,
Delta = 0.05; and generic curvatures 0.7, 1.9, 0.45, half-width 0.37, Delta = 0.037); every
chain's iterate at the first step where ``a_t sup|g| < Delta/2`` (``sup|xi|`` from the noise
law) must equal its iterate after a further 2,000 (20,000) steps.

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


#: The instances ``(curvatures, noise half-width, Delta)``: the unit-curvature one, and generic
#: constants (no 1, none equal, Delta not a power of 2).
INSTANCES = {"": ((1.0, 2.0, 0.5), 0.5, 0.05), "generic: ": ((0.7, 1.9, 0.45), 0.37, 0.037)}


def moved_chains(name: str, sizes: Sizes, seed: int) -> tuple[int, dict]:
    """Chains of R on instance ``name`` that move after the first step with ``a_t sup|g| < Delta/2``
    (``sup|g| = max_k h_k m_k + sup|xi|`` over the box of radius 1), and the run's parameters."""
    curvatures, width, delta = INSTANCES[name]
    noise = UniformNoise(width)
    problem = Quadratic(np.array(curvatures), noise=noise)
    grid = Grid(delta)
    box = Box.around(problem.w_star, 1.0, grid)
    sup_g = float(np.max(np.abs(problem.H) * box.max_abs_offset(problem.w_star))) + noise.sup_abs
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
    return moved, {f"{name}stall_step": stall_step, f"{name}steps": steps, f"{name}sup_g": sup_g}


def check(sizes: Sizes = SIZES.quick, seed: int = SEED) -> Verdict:
    """C8: with bounded noise, R never moves again once a_t sup||g||_inf < Delta/2 (both instances)."""
    results = {name: moved_chains(name, sizes, seed) for name in INSTANCES}
    parts = {f"{name}no chain moves after the stall step": moved == 0 for name, (moved, _) in results.items()}
    moved = sum(count for count, _ in results.values())
    params = {key: value for _, extra in results.values() for key, value in extra.items()}
    return Verdict(
        "C8",
        all(parts.values()),
        float(moved),
        0.0,
        0.0,
        "; ".join(
            f"{name or 'unit: '}chains that moved after t = {extra[name + 'stall_step']} (where a_t sup|g| < "
            f"Delta/2): {count}; must be 0"
            for name, (count, extra) in results.items()
        ),
        params,
        seed=seed,
        parts=parts,
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
