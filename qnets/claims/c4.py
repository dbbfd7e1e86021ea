"""C4 (reconstructed): SR on a convex problem with ``a_t = c / sqrt(t)`` keeps the floor.

Assumptions: ``F`` convex on the grid-aligned box ``W`` of diameter ``D``, ``E||g||^2 <= G^2``
on ``W``, SR with ``a_t = c / sqrt(t + 1)``, ``w_bar_T = (1/T) sum_{t<T} w_t``.

Statement (derived in :mod:`qnets.theory.convex`):
``E F(w_bar_T) - F* <= D^2 / (2 c sqrt T) + (sqrt(T+1)/(2T)) c G^2 + sqrt(d) Delta G / 2``.

Check, two-sided:

* upper: SR with ``c = 0.5`` below the bound on every quadratic of the sweep (Monte Carlo, ``Z``
  margin), and on the exact ``|w - w*|`` instance of
  :func:`~qnets.claims.floors.sr_convex_nonsmooth_instance`;
* necessity: on that instance the exact (Jensen) lower estimate exceeds the bound without its
  floor.  On quadratics the floor is not needed as ``T -> infinity`` (paper_notes/convex.md);
* tightness: the limit over the registry's floor equals the derived ``1 - 2 theta``;
* the same parts on a generic instance (:data:`~qnets.claims.floors.GENERIC_C4`: slope 1.3,
  Delta = 0.37, theta = 0.2).

Blind spots: as C3's, the sweep's upper part has slack; the necessity instance is
one-dimensional, so a floor with a wrong power of ``d`` is seen only by the sweep.
"""

from __future__ import annotations

from qnets.claims.floors import GENERIC_C4, sr_convex_nonsmooth_instance
from qnets.claims.harness import two_sided
from qnets.claims.instances import FULL_SWEEP, QUICK_SWEEP, SweptSizes, sr_sweep
from qnets.claims.record import Claim, SizeTable
from qnets.claims.verdict import SEED, Verdict
from qnets.simulate import inverse_sqrt
from qnets.theory.bound import Bound
from qnets.theory.convex import all_bounds

SIZES = SizeTable(SweptSizes(QUICK_SWEEP, 10_000), SweptSizes(FULL_SWEEP, 100_000))
BOUND = all_bounds()["C4"]
#: The schedule's constant: ``a_t = C / sqrt(t + 1)``.
C = 0.5


def check(sizes: SweptSizes = SIZES.quick, seed: int = SEED, bound: Bound = BOUND) -> Verdict:
    """C4, two-sided (the module docstring)."""
    sweep = sr_sweep("C4", bound, lambda problem: inverse_sqrt(C), sizes.sweep, seed)
    unit = sr_convex_nonsmooth_instance(bound, sizes.instance_steps)
    generic = sr_convex_nonsmooth_instance(bound, sizes.instance_steps, *GENERIC_C4)
    return two_sided("C4", sweep, unit, generic.summary(), extra_parts=generic.boolean_parts("generic: "))


CLAIM = Claim(
    "C4",
    "reconstructed",
    "SR, convex, a_t = c/sqrt(t): gap <= D^2/(2c sqrt T) + O(c G^2/sqrt T) + sqrt(d) Delta G/2.",
    check,
    SIZES,
    notes="paper_notes/convex.md",
    bound=BOUND,
    figures=("tightness",),
    full_seconds=125.0,
)
