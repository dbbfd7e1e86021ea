"""C1 (paper): stochastic rounding is unbiased, with variance ``Delta^2 p (1 - p) <= Delta^2/4``.

Assumptions: the grid ``Delta Z`` (or a bounded grid, whose end points absorb); ``x`` with
fractional part ``p = frac(x/Delta)``.

Statement: ``Q_s(x) = Delta (floor(x/Delta) + Bernoulli(p))`` has ``E Q_s(x) = x`` and
``E (Q_s(x) - x)^2 = Delta^2 p (1 - p)``, at most ``Delta^2/4``; on a bounded grid a value at or
beyond an end point rounds to it exactly.

Check: at fixed fractions over the whole range ``(0, 1)``, 8 random ones and the two cells at
the end points of a bounded grid, ``n`` draws of ``Q_s(x)`` must be the two neighbours, and
their mean and mean squared error must agree with ``x`` and ``Delta^2 p (1 - p)`` within the
Bonferroni ``z`` of all comparisons, with the exact standard errors of the two-point law.

Blind spots: one grid spacing (``Delta = 0.1``); the check sees the law of one rounding, not
whether draws of different coordinates or steps are independent (M6 and E2 see that).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qnets.claims.record import Claim, SizeTable
from qnets.claims.verdict import SEED, Verdict, bonferroni_z
from qnets.simulate import Grid


@dataclass(frozen=True)
class Sizes:
    """``draws`` of ``Q_s(x)`` at every point."""

    draws: int


SIZES = SizeTable(Sizes(200_000), Sizes(2_000_000))
#: The grid spacing of every point.
DELTA = 0.1
#: C1's fixed fractional parts: the whole range, including near 0 and 1 (``n p >= 100`` at quick sizes).
FRACTIONS = (1e-3, 0.01, 0.05, 0.1, 0.25, 0.4, 0.5, 0.6, 0.75, 0.9, 0.95, 0.99, 0.999)


def points(rng: np.random.Generator, delta: float) -> list[tuple[Grid, float, float, float]]:
    """``(grid, x, lower neighbour, p)`` with ``p`` known by construction: the fixed fractions
    and 8 random ones at random lattice positions of ``delta Z``, and points next to the end
    points of the bounded grid ``Grid.symmetric(2, delta)``."""
    fractions = np.concatenate([FRACTIONS, rng.uniform(1e-3, 1 - 1e-3, 8)])
    chosen = []
    for p in fractions:
        k = int(rng.integers(-50, 50))
        chosen.append((Grid(delta), delta * (k + p), delta * k, float(p)))
    bounded = Grid.symmetric(2, delta)
    ends = bounded.points()
    for lower, p in ((ends[0], 0.2), (ends[-1] - delta, 0.8)):  # the cells at both end points
        chosen.append((bounded, lower + p * delta, lower, p))
    return chosen


def check(sizes: Sizes = SIZES.quick, seed: int = SEED) -> Verdict:
    """C1 over the whole range of p (the module docstring)."""
    delta, n = DELTA, sizes.draws
    rng = np.random.default_rng(seed)
    chosen = points(rng, delta)
    z = bonferroni_z(2 * len(chosen))
    worst, failures = 0.0, []
    for grid, x, lower, p in chosen:
        draws = grid.stochastic(np.full(n, x), rng)
        neighbours = np.isclose(draws, lower, rtol=0, atol=1e-9 * delta) | np.isclose(
            draws, lower + delta, rtol=0, atol=1e-9 * delta
        )
        variance = delta**2 * p * (1 - p)
        low_sq, up_sq = (delta * p) ** 2, (delta * (1 - p)) ** 2
        sq_sd = np.sqrt((1 - p) * low_sq**2 + p * up_sq**2 - variance**2)
        z_mean = abs(draws.mean() - x) / np.sqrt(variance / n)
        # at p = 1/2, (Q - x)^2 is the constant Delta^2/4: then it must agree to round-off
        z_variance = abs(np.mean((draws - x) ** 2) - variance) / max(sq_sd / np.sqrt(n), 1e-12 * variance)
        worst = max(worst, z_mean, z_variance)
        if not neighbours.all() or max(z_mean, z_variance) > z:
            failures.append(f"p={p:.3g}")
    bounded = Grid.symmetric(2, delta)
    lo, hi = bounded.points()[[0, -1]]
    beyond = np.array([lo - 3 * delta, lo, hi, hi + 3 * delta])
    ends = bounded.stochastic(np.tile(beyond, (1000, 1)), rng)
    ends_exact = bool(np.all(ends == np.array([bounded.lo, bounded.lo, bounded.hi, bounded.hi])))
    return Verdict(
        "C1",
        not failures and ends_exact,
        worst,
        z,
        0.0,
        f"largest |z| of mean and variance over {len(chosen)} points (p from {min(p for *_, p in chosen):.3g} "
        f"to {max(p for *_, p in chosen):.3g}, 8 random) against the Bonferroni z = {z:.2f}; "
        f"end points of a bounded grid exact: {ends_exact}" + (f"; failing: {', '.join(failures)}" if failures else ""),
        {"delta": delta, "n": n, "points": len(chosen)},
        seed=seed,
    )


CLAIM = Claim(
    "C1",
    "paper",
    "Q_s is unbiased; Var = Delta^2 p(1-p) <= Delta^2/4.",
    check,
    SIZES,
    notes="paper_notes/convex.md",
)
