"""C7 (paper): on a quadratic, BC with an unbiased quantizer drives the real weights to ``w*``.

Assumptions: ``F`` a mu-strongly convex quadratic (``L2 = 0``) on the grid-aligned box ``W``,
BC with stochastic ``Q_s``, ``a_t = 1/(mu (t + 1))``.

Statement (derived in :mod:`qnets.theory.convex`, the registry's ``C7-distance``):
``E||w_T - w*||^2 <= 4 G_bc^2 / (mu^2 (T + 1))`` for the real weights.

Check, with BC's quantizers told apart, on the two instances of :func:`instance` (``w*`` off
the grid; unit curvature with sigma = Delta = 0.1, and generic curvatures 0.7, 1.9, 0.55, 1.3
with sigma = 0.07, Delta = 0.23), Monte Carlo with ``Z`` margins:

* stochastic rounding: ``E||w_T - w*||^2`` below the bound: the real weights go to ``w*``;
* nearest rounding (not covered by C7): the mean field ``H (Q_d(w) - w*)`` has, per coordinate,
  the sign of ``w - m`` (``Q_d(w)`` is below ``w*`` exactly when ``w < m``), so the real
  weights slide to the cell boundary ``m``, not to ``w*``: ``E||w_T - m||^2`` must be below
  ``||m - w*||^2/25`` and ``E||w_T - w*||^2`` above the bound.

Blind spots: the bound's slack at ``T`` hides a constant that is a few times too large;
diagonal ``H`` only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qnets.claims.bounds import bound_value, constants_of
from qnets.claims.harness import upper_estimate
from qnets.claims.record import Claim, SizeTable
from qnets.claims.verdict import SEED, Verdict, Z
from qnets.simulate import BinaryConnect, Box, GaussianNoise, Grid, Quadratic, inverse_time, run
from qnets.theory.bound import Bound
from qnets.theory.convex import all_bounds


@dataclass(frozen=True)
class Sizes:
    """``chains`` of BC for ``steps`` steps, with each quantizer."""

    steps: int
    chains: int


SIZES = SizeTable(Sizes(4000, 300), Sizes(100_000, 1000))
BOUND = all_bounds()["C7-distance"]


#: The instances ``(curvatures, sigma, Delta, box radius)``: unit curvature, and generic
#: constants (no 1, none equal, Delta not a power of 2).
INSTANCES = {
    "": ((1.0, 1.0, 1.0, 1.0), 0.1, 0.1, 0.3),
    "generic: ": ((0.7, 1.9, 0.55, 1.3), 0.07, 0.23, 0.5),
}


def instance(name: str = "") -> tuple[Quadratic, Grid, Box, np.ndarray]:
    """``sum_k h_k (w_k - w*_k)^2/2`` in d = 4 with ``w*`` off the grid (fractional parts 0.2,
    0.8, 0.25, 0.75 of Delta), ``N(0, sigma^2)`` gradient noise, the grid-aligned box of the
    instance's radius; and the cell boundaries ``m = Delta (floor(w*/Delta) + 1/2)`` next to
    ``w*`` (:data:`INSTANCES`; the default is the unit instance)."""
    curvatures, sigma, delta, radius = INSTANCES[name]
    grid = Grid(delta)
    w_star = grid.delta * np.array([0.2, 3.8, -1.75, 0.25])
    problem = Quadratic(np.array(curvatures), w_star=w_star, noise=GaussianNoise(sigma))
    boundary = grid.delta * (np.floor(w_star / grid.delta) + 0.5)
    return problem, grid, Box.around(w_star, radius, grid), boundary


def instance_parts(name: str, sizes: Sizes, seed: int, bound: Bound) -> tuple[dict[str, bool], tuple, str]:
    """C7's three parts on :func:`instance` ``name`` (names prefixed by it), ``(mean, limit,
    margin)`` of the stochastic part and a sentence."""
    problem, grid, box, boundary = instance(name)
    steps, chains = sizes.steps, sizes.chains
    limit = bound_value(bound, constants_of(problem, box, grid), steps)
    stochastic = run(problem, BinaryConnect(grid), inverse_time(problem.mu), steps, chains, seed, box)
    mean, margin = upper_estimate(stochastic, "real.dist2")
    nearest = run(problem, BinaryConnect(grid, "deterministic"), inverse_time(problem.mu), steps, chains, seed, box)
    real = nearest.final_weights["real"]
    to_boundary = np.sum((real - boundary) ** 2, axis=1)
    to_w_star = np.sum((real - problem.w_star) ** 2, axis=1)
    sq_gap = float(np.sum((boundary - problem.w_star) ** 2))
    se = np.sqrt(chains)
    settles = to_boundary.mean() + Z * to_boundary.std(ddof=1) / se <= sq_gap / 25
    misses = to_w_star.mean() - Z * to_w_star.std(ddof=1) / se > limit
    parts = {
        f"{name}stochastic rounding reaches w*": bool(mean + margin <= limit),
        f"{name}nearest rounding settles at the cell boundary": bool(settles),
        f"{name}nearest rounding misses w*": bool(misses),
    }
    detail = (
        f"{name or 'unit: '}BC with Q_s: real.dist2 {mean:.3g} + {margin:.2g} at T={steps} against the registry's "
        f"C7-distance bound {limit:.3g}; BC with Q_d: E||w_T - m||^2 = {to_boundary.mean():.3g} (must be <= "
        f"||m - w*||^2/25 = {sq_gap / 25:.3g}), E||w_T - w*||^2 = {to_w_star.mean():.3g} (must exceed the bound)"
    )
    return parts, (mean, limit, margin), detail


def check(sizes: Sizes = SIZES.quick, seed: int = SEED, bound: Bound = BOUND) -> Verdict:
    """C7 with BC's quantizers told apart, on both instances (the module docstring)."""
    results = [instance_parts(name, sizes, seed, bound) for name in INSTANCES]
    parts = {name: value for result in results for name, value in result[0].items()}
    mean, limit, margin = results[0][1]
    return Verdict(
        "C7",
        all(parts.values()),
        mean,
        limit,
        margin,
        "; ".join(result[2] for result in results),
        {"d": 4, "instances": {name or "unit": str(value) for name, value in INSTANCES.items()}, **vars(sizes)},
        seed=seed,
        parts=parts,
    )


CLAIM = Claim(
    "C7",
    "paper",
    "BC on quadratics drives the real weights to w*.",
    check,
    SIZES,
    notes="paper_notes/convex.md",
    bound=BOUND,
    figures=("convergence", "floor-vs-delta", "tightness"),
    full_seconds=19.0,
)
