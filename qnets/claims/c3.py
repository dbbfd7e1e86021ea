"""C3 (reconstructed): SR on a strongly convex problem has a floor ``sqrt(d) Delta G / 2``.

Assumptions: ``F`` mu-strongly convex on the grid-aligned box ``W``, ``E||g||^2 <= G^2`` on
``W``, SR with ``a_t = 1/(mu (t + 1))``, ``w_bar_T = (1/T) sum_{t<T} w_t``.

Statement (derived in :mod:`qnets.theory.convex`):
``E F(w_bar_T) - F* <= (1 + log T) G^2 / (2 mu T) + sqrt(d) Delta G / 2``.

Check, two-sided:

* upper: SR below the bound on every quadratic of the sweep (:func:`~qnets.claims.instances.sr_sweep`,
  Monte Carlo with a ``Z`` margin) and on the exact E2 instance of
  :func:`~qnets.claims.floors.sr_strongly_convex_instance`;
* necessity: on that instance the exact error exceeds the bound without its floor
  (:mod:`qnets.claims.floors` says why the instance is decisive);
* tightness: E1's exact floor over C3's floor, equal (to 1e-9) to the derived ratio (a
  detailed-balance floor over a hand-typed ``sqrt(d) Delta G/2``), so a floor off by any factor
  fails it;
* the same parts on a generic instance (:data:`~qnets.claims.floors.GENERIC_C3`: d = 3,
  mu = 0.7, sigma = 1.3, Delta = 0.37, ``w*`` off the grid), whose exact error must also equal
  an independent propagation (:func:`~qnets.claims.exact.sr_exact_separable`).

Blind spots: the sweep's upper part has slack (its ``log T / T`` term dominates at these
horizons), so a ``G^2/(mu T)`` term too large by a small factor passes it; the necessity part
sees a floor too small, the tightness part a floor off by any factor.  ``G`` and ``mu`` come
from the problem classes (tested against independent computations in ``tests/test_problems.py``);
the derived tightness uses the problem's box, so a wrong ``G(box)`` is seen there only.
"""

from __future__ import annotations

from qnets.claims.floors import GENERIC_C3, sr_strongly_convex_instance
from qnets.claims.harness import two_sided
from qnets.claims.instances import FULL_SWEEP, QUICK_SWEEP, SweptSizes, sr_sweep
from qnets.claims.record import Claim, SizeTable
from qnets.claims.verdict import SEED, Verdict
from qnets.simulate import inverse_time
from qnets.theory.bound import Bound
from qnets.theory.convex import all_bounds

SIZES = SizeTable(SweptSizes(QUICK_SWEEP, 1000), SweptSizes(FULL_SWEEP, 4000))
BOUND = all_bounds()["C3"]


def check(sizes: SweptSizes = SIZES.quick, seed: int = SEED, bound: Bound = BOUND) -> Verdict:
    """C3, two-sided (the module docstring)."""
    sweep = sr_sweep("C3", bound, lambda problem: inverse_time(problem.mu), sizes.sweep, seed)
    generic = sr_strongly_convex_instance(bound, sizes.instance_steps, *GENERIC_C3)
    unit = sr_strongly_convex_instance(bound, sizes.instance_steps)
    return two_sided("C3", sweep, unit, generic.summary(), extra_parts=generic.boolean_parts("generic: "))


CLAIM = Claim(
    "C3",
    "reconstructed",
    "SR, strongly convex, a_t = 1/(mu(t+1)): gap <= (1+log T)G^2/(2 mu T) + sqrt(d) Delta G/2.",
    check,
    SIZES,
    notes="paper_notes/convex.md",
    bound=BOUND,
    figures=("convergence", "floor-vs-delta", "tightness"),
    full_seconds=115.0,
)
