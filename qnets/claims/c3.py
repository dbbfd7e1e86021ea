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
* tightness: E1's exact floor over C3's floor.

Blind spots: the sweep's upper part has slack (its ``log T / T`` term dominates at these
horizons), so a floor too large by a small factor passes it; the necessity part sees a floor
too small.  ``G`` and ``mu`` come from the problem classes (tested against independent
computations in ``tests/test_problems.py``).
"""

from __future__ import annotations

from qnets.claims.floors import sr_strongly_convex_instance
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
    return two_sided("C3", sweep, sr_strongly_convex_instance(bound, sizes.instance_steps))


CLAIM = Claim(
    "C3",
    "reconstructed",
    "SR, strongly convex, a_t = 1/(mu(t+1)): gap <= (1+log T)G^2/(2 mu T) + sqrt(d) Delta G/2.",
    check,
    SIZES,
    notes="paper_notes/convex.md",
    bound=BOUND,
    figures=("convergence", "floor-vs-delta", "tightness"),
    full_seconds=146.0,
)
