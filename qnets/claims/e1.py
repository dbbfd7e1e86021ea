"""E1 (extension): the exact small-step SR floor of a quadratic, and how loose C3's floor is.

Assumptions: ``F = (mu/2)||w - w*||^2`` with Gaussian gradient noise ``N(0, sigma^2 I)`` on the
unbounded grid, ``a -> 0``.

Statement: each coordinate's small-step law is the stationary law of a birth-death chain
(:func:`~qnets.simulate.markov.quadratic.sr_floor_quadratic`), so the floor
``lim E[F - F*]`` is exact; it equals ``(Delta/4) E||g||_1`` and C3's floor
``sqrt(d) Delta G/2`` is loose by a factor between 2 and about 2.5.

Check: the exact floor (d = 4) matches a long small-step Monte Carlo run within Z standard
errors, and its ratio to C3's floor is reported.  Independent: the floor comes from the
generator's closed-form rates, the run from the simulator.  No allowance is added for the run's
step ``a = 0.01``: with ``Delta = 0.1``, ``T_a = I + a A`` except when ``|a g| > Delta``, i.e.
``|xi| > 7`` inside the box of radius 3 (probability ~3e-12 per step); 3000 steps are 30
relaxation times from ``w*``.

Blind spots: unit curvature and noise; the ratio to C3's floor is reported, not compared.
"""

from __future__ import annotations

from dataclasses import dataclass

from qnets.claims.record import Claim, SizeTable
from qnets.claims.verdict import SEED, Verdict, Z
from qnets.simulate import Box, Grid, Quadratic, StochasticRounding, constant, run
from qnets.simulate.markov.quadratic import sr_floor_quadratic


@dataclass(frozen=True)
class Sizes:
    """``chains`` of SR at the small step."""

    chains: int


SIZES = SizeTable(Sizes(4000), Sizes(20_000))


def check(sizes: Sizes = SIZES.quick, seed: int = SEED) -> Verdict:
    """E1: the exact small-step SR floor of a quadratic (d = 4) matches a long small-step Monte
    Carlo run within Z standard errors, and its ratio to C3's floor is reported.

    Independent: the floor comes from the generator's closed-form rates, the run from the
    simulator.  No allowance is added for the run's step ``a = 0.01``: with ``Delta = 0.1``,
    ``T_a = I + a A`` except when ``|a g| > Delta``, i.e. ``|xi| > 7`` inside the box of radius 3
    (probability ~3e-12 per step); 3000 steps are 30 relaxation times from ``w*``."""
    mu, sigma, delta, d = 1.0, 1.0, 0.1, 4
    floor = sr_floor_quadratic(mu, sigma, delta, 0.0, d)
    problem = Quadratic.isotropic(d, mu, sigma)
    grid = Grid(delta)
    box = Box.around(problem.w_star, 3.0, grid)
    chains = sizes.chains
    result = run(problem, StochasticRounding(grid), constant(0.01), 3000, chains, seed, box, w0=problem.w_star)
    estimate = result.final("w.gap")
    return Verdict(
        "E1",
        abs(estimate.mean - floor.gap) <= Z * estimate.stderr,
        estimate.mean,
        floor.gap,
        Z * estimate.stderr,
        f"Monte Carlo E[F - F*] at a = 0.01 vs exact small-step floor {floor.gap:.5g}; "
        f"exact floor / C3 floor (G = sqrt(E_pi ||g||^2)) = {floor.ratio:.4f} (1/sqrt(2 pi) = 0.3989)",
        {"mu": mu, "sigma": sigma, "delta": delta, "d": d, "chains": chains},
        seed=seed,
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
