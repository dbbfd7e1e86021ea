"""C5 (reconstructed): BC on a convex, L-smooth problem has a floor of order ``sqrt(d) Delta L D``.

Assumptions: ``F`` convex and L-smooth on the grid-aligned box ``W`` of diameter ``D``,
``E||g||^2 <= G^2`` on ``W``, BC with stochastic ``Q``, ``a_t = c / sqrt(t + 1)``, ``w_bar_T``
the average of the real weights.

Statement (derived in :mod:`qnets.theory.convex`): the first two terms of C4 plus the floor
``sqrt(d) Delta L D / 2`` (the paper may have a factor 1/2).

Check, two-sided, on logistic regression (:func:`~qnets.claims.instances.logistic`, ``L2 > 0``):

* upper: BC's real weights below the bound at ``T`` (Monte Carlo, ``Z`` margin), and BC's exact
  limit point below the bound's limit ``T -> infinity``;
* necessity: the limit point's gap is positive while the floorless bound tends to 0.

Blind spots: the Monte Carlo part has a large slack (the ``1/sqrt T`` terms); the limit point
comes from :mod:`qnets.simulate.bc_limit` (C6's exponent fit and the tests of that module
compare it with simulation).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from qnets.claims.floors import GENERIC_BC_DELTA, bc_coarse_limit_instance
from qnets.claims.harness import simulate_against_bound, two_sided
from qnets.claims.instances import generic_logistic, logistic
from qnets.claims.record import Claim, SizeTable
from qnets.claims.verdict import SEED, Verdict
from qnets.simulate import BinaryConnect, Box, Grid, inverse_sqrt
from qnets.theory.bound import Bound
from qnets.theory.convex import all_bounds


@dataclass(frozen=True)
class Sizes:
    """``chains`` of BC for ``steps`` steps."""

    steps: int
    chains: int


SIZES = SizeTable(Sizes(3000, 200), Sizes(50_000, 1000))
BOUND = all_bounds()["C5"]
#: The schedule's constant: ``a_t = C / sqrt(t + 1)``.
C = 0.5
#: The grid spacing of the Monte Carlo part.
DELTA = 0.1


def derived_floor(constants: dict[str, float]) -> float:
    """C5's floor ``L D sqrt(d) Delta / 2``, typed here (not the registry's expression): the
    tightness parts compare the registry's floor with it."""
    return constants["L"] * constants["D"] * math.sqrt(constants["d"]) * constants["Delta"] / 2


def check(sizes: Sizes = SIZES.quick, seed: int = SEED, bound: Bound = BOUND) -> Verdict:
    """C5, two-sided (the module docstring)."""
    problem, grid = logistic(), Grid(DELTA)
    box = Box.around(problem.w_star, 1.0, grid)
    upper = simulate_against_bound(
        "C5", bound, problem, BinaryConnect(grid), inverse_sqrt(C), sizes.steps, sizes.chains, box, "real.avg_gap", seed
    )
    unit = bc_coarse_limit_instance(bound, problem, C, derived_floor)
    generic = bc_coarse_limit_instance(bound, generic_logistic(), C, derived_floor, GENERIC_BC_DELTA)
    return two_sided("C5", upper, unit, generic.summary(), extra_parts=generic.boolean_parts("generic: "))


CLAIM = Claim(
    "C5",
    "reconstructed",
    "BC, convex, L-smooth, a_t = c/sqrt(t): floor of order sqrt(d) Delta L D.",
    check,
    SIZES,
    notes="paper_notes/convex.md",
    bound=BOUND,
    figures=("tightness",),
)
