"""E1 (extension): the exact small-step SR floor of a quadratic, and how loose C3's floor is.

Assumptions: ``F = (mu/2)||w - w*||^2`` with Gaussian gradient noise ``N(0, sigma^2 I)`` on the
unbounded grid, ``a -> 0``.

Statement: each coordinate's small-step law is the stationary law of a birth-death chain
(:func:`~qnets.simulate.markov.quadratic.sr_floor_quadratic`), so the floor
``lim E[F - F*]`` is exact; it equals ``(Delta/4) E||g||_1`` and C3's floor
``sqrt(d) Delta G/2`` is loose by a factor between 2 and about 2.5.

Check, on a unit instance (d = 4, mu = sigma = 1, Delta = 0.1) and a generic one (d = 3,
mu = 0.7, sigma = 1.3, Delta = 0.37, ``w*`` off the grid):

* the exact floor matches a long small-step Monte Carlo run within Z standard errors;
* it equals, to 1e-9 relative, the floor computed by detailed balance with scipy's normal law
  (:func:`~qnets.claims.exact.birth_death_floor`: no code of :mod:`qnets.simulate`);
* its ratio to C3's floor (with the stationary ``G``) equals the derived ratio
  ``E||g||_1 / (2 sqrt(d) sqrt(E||g||^2))`` (the identity ``gap = (Delta/4) E_pi ||g||_1``) to
  1e-9 and is at most 1/2, so a C3 floor off by any factor, or a floor off by one, is seen.

Blind spots: Gaussian noise and isotropic curvature only; the detailed-balance form shares
with the exact floor the model of the small-step generator (rates ``E[(-g)^+]``, ``E[g^+]``),
which only the Monte Carlo part tests.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qnets.claims.exact import EXACT_RTOL, isotropic_floor
from qnets.claims.record import Claim, SizeTable
from qnets.claims.verdict import SEED, Verdict, Z
from qnets.simulate import Box, GaussianNoise, Grid, Quadratic, StochasticRounding, constant, run
from qnets.simulate.markov.quadratic import sr_floor_quadratic


@dataclass(frozen=True)
class Sizes:
    """``chains`` of SR at the small step."""

    chains: int


SIZES = SizeTable(Sizes(4000), Sizes(20_000))


#: The instances ``(mu, sigma, Delta, w*)``: unit constants (d = 4, ``w* = 0``) and generic ones
#: (d = 3, no constant 1, none equal, Delta not a power of 2, ``w*`` off the grid).
INSTANCES = (
    (1.0, 1.0, 0.1, (0.0, 0.0, 0.0, 0.0)),
    (0.7, 1.3, 0.37, (0.11, -0.05, 0.2)),
)


def instance_parts(mu: float, sigma: float, delta: float, w_star: np.ndarray, chains: int, seed: int) -> dict:
    """One instance: the exact floor against Monte Carlo (``Z`` standard errors) and against the
    detailed-balance closed form (:func:`~qnets.claims.exact.isotropic_floor`), and its ratio to
    C3's floor against the derived ratio ``E||g||_1 / (2 sqrt(d) sqrt(E||g||^2))``."""
    d = w_star.size
    floor = sr_floor_quadratic(mu, sigma, delta, w_star, d)
    closed_gap, closed_ratio = isotropic_floor(mu, sigma, delta, w_star)
    problem = Quadratic(np.full(d, mu), w_star=w_star, noise=GaussianNoise(sigma))
    grid = Grid(delta)
    box = Box.around(problem.w_star, 3.0, grid)
    w0 = grid.nearest(problem.w_star)
    estimate = run(problem, StochasticRounding(grid), constant(0.01), 3000, chains, seed, box, w0=w0).final("w.gap")
    return {
        "monte carlo": bool(abs(estimate.mean - floor.gap) <= Z * estimate.stderr),
        "closed form": bool(abs(floor.gap - closed_gap) <= EXACT_RTOL * closed_gap),
        "ratio": bool(abs(floor.ratio - closed_ratio) <= EXACT_RTOL * closed_ratio and floor.ratio <= 0.5),
        "mean": estimate.mean,
        "margin": Z * estimate.stderr,
        "gap": floor.gap,
        "closed gap": closed_gap,
        "measured ratio": floor.ratio,
        "derived ratio": closed_ratio,
    }


def check(sizes: Sizes = SIZES.quick, seed: int = SEED) -> Verdict:
    """E1 on :data:`INSTANCES` (the module docstring).

    Independent: the floor comes from the generator's closed-form rates, the run from the
    simulator, the closed form from detailed balance with scipy's normal law.  No allowance is
    added for the run's step ``a = 0.01``: ``T_a = I + a A`` (the same stationary law) except
    when ``|a g| > Delta``, i.e. ``|xi| > 7`` (``> 30`` at the generic instance) inside the box of
    radius 3 (probability ~3e-12 per step); 3000 steps are at least 21 relaxation times."""
    results = [
        instance_parts(mu, sigma, delta, np.array(w_star), sizes.chains, seed) for mu, sigma, delta, w_star in INSTANCES
    ]
    unit, generic = results
    parts = {
        "exact = Monte Carlo": unit["monte carlo"],
        "generic: exact = Monte Carlo": generic["monte carlo"],
        "exact = detailed balance": unit["closed form"] and generic["closed form"],
        "ratio to C3 floor = derived": unit["ratio"] and generic["ratio"],
    }
    detail = "; ".join(
        f"{name}: Monte Carlo E[F - F*] at a = 0.01 {r['mean']:.5g} +- {r['margin']:.2g} vs exact small-step floor "
        f"{r['gap']:.5g} (detailed balance {r['closed gap']:.5g}); exact floor / C3 floor (G = sqrt(E_pi ||g||^2)) "
        f"= {r['measured ratio']:.6f}, derived {r['derived ratio']:.6f} (1/sqrt(2 pi) = 0.398942)"
        for name, r in zip(("unit", "generic"), results, strict=True)
    )
    return Verdict(
        "E1",
        all(parts.values()),
        unit["mean"],
        unit["gap"],
        unit["margin"],
        detail,
        {"instances": [list(map(str, i)) for i in INSTANCES], "chains": sizes.chains},
        seed=seed,
        parts=parts,
    )


CLAIM = Claim(
    "E1",
    "extension",
    "The exact small-step SR floor of a quadratic (birth-death per coordinate), compared with C3's floor.",
    check,
    SIZES,
    notes="paper_notes/markov.md",
    figures=("convergence", "floor-vs-delta", "floor-vs-lr"),
)
