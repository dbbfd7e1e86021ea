"""C2 (reconstructed): the rounding error of one SR step is linear in the step size.

Assumptions: ``w`` on the grid ``Delta Z^d``, a gradient ``g``, a step ``a``; ``r = Q_s(w - a g)
- (w - a g)``.

Statement (derived in :mod:`qnets.theory.convex`): ``E||r||^2 <= Delta a ||g||_1 <= sqrt(d)
Delta a ||g||_2``, so with ``E||g||^2 <= G^2``, ``E||r||^2 <= sqrt(d) Delta a G``.

Check: the exact ``E||r||^2 = sum_i Delta^2 p_i (1 - p_i)`` (no sampling) against the bound on
random ``(w, g, a, Delta, d)``, and on a near-tight instance (``a |g_i| = Delta/100`` for every
``i``, where ``p(1 - p) ~ p`` and ``||g||_1 = sqrt(d) ||g||_2``), whose ratio must exceed 0.9:
the bound is nearly attained, so a bound a few times too small cannot pass.

Blind spots: the exact variance comes from ``Grid.round_up_probability``; a wrong ``Q_s`` that
keeps that probability (C1 sees the rounding itself) is invisible here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qnets.claims.record import Claim, SizeTable
from qnets.claims.verdict import SEED, Verdict
from qnets.simulate import Grid
from qnets.theory.bound import Bound
from qnets.theory.convex import all_bounds


@dataclass(frozen=True)
class Sizes:
    """``draws`` random instances."""

    draws: int


SIZES = SizeTable(Sizes(200), Sizes(5000))
BOUND = all_bounds()["C2"]


def check(sizes: Sizes = SIZES.quick, seed: int = SEED, bound: Bound = BOUND) -> Verdict:
    """C2 on random instances and a near-tight one (the module docstring)."""
    rng = np.random.default_rng(seed)
    draws = sizes.draws
    cases = []
    for _ in range(draws):
        d = int(rng.integers(1, 200))
        delta, a = 10 ** rng.uniform(-3, 0), 10 ** rng.uniform(-3, 0)
        cases.append(
            (delta * rng.integers(-100, 100, size=d), rng.standard_normal(d) * 10 ** rng.uniform(-2, 2), a, delta)
        )
    tight = (np.zeros(4), np.full(4, 0.1), 0.1, 1.0)  # a g_i = Delta/100
    ratios = []
    for w, g, a, delta in [*cases, tight]:
        p = Grid(delta).round_up_probability(w - a * g)
        exact = float(np.sum(delta**2 * p * (1 - p)))
        ratios.append(exact / bound.evaluate(d=w.size, Delta=delta, a=a, G=float(np.linalg.norm(g))))
    worst = max(ratios)
    return Verdict(
        "C2",
        worst <= 1.0 and ratios[-1] > 0.9,
        worst,
        1.0,
        0.0,
        f"max over {draws} random draws and a near-tight instance of exact E||r||^2 / registry C2 bound; "
        f"near-tight ratio {ratios[-1]:.4f} (must exceed 0.9)",
        {"draws": draws},
        seed=seed,
    )


CLAIM = Claim(
    "C2",
    "reconstructed",
    "E||Q_s(w - a g) - (w - a g)||^2 <= sqrt(d) Delta a G for w on the grid.",
    check,
    SIZES,
    notes="paper_notes/convex.md",
    bound=BOUND,
    figures=("tightness",),
)
