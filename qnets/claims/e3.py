"""E3 (extension): every bound on ``F - F*`` is invariant under the weight rescaling.

Assumptions: the rescaling ``w -> s w``, ``Delta -> s Delta``, ``D -> s D``, ``G -> G/s``,
``mu -> mu/s^2``, ``L -> L/s^2``, ``L2 -> L2/s^3`` (:mod:`qnets.theory.symbols`) maps a problem
and its grid onto an equivalent one, so a true bound on ``F - F*`` cannot change, and a bound on
a squared distance changes by ``s^2``.

Statement: every derived bound of the registry changes by ``s^scaling_power``; of the paper's
forms, only the restated C6 fails.

Check: symbolic (sympy), on every bound of ``bounds`` (default: the registry's).

Blind spots: a bound with the right units but a wrong numeric constant passes (the numerical
checks of C2-C7 see constants).
"""

from __future__ import annotations

from collections.abc import Mapping

from qnets.claims.record import NO_SIZES, Claim, NoSizes
from qnets.claims.verdict import SEED, Verdict
from qnets.theory.bound import Bound
from qnets.theory.convex import all_bounds, scaling_consistent

SIZES = NO_SIZES


def check(sizes: NoSizes = SIZES.quick, seed: int = SEED, bounds: Mapping[str, Bound] | None = None) -> Verdict:
    """E3 on every bound of ``bounds`` (the registry's when None); exact, so the seed is unused."""
    bounds = all_bounds() if bounds is None else bounds
    derived = {name: scaling_consistent(b.expr, b.scaling_power) for name, b in bounds.items()}
    paper = {
        name: scaling_consistent(b.paper_form, b.scaling_power)
        for name, b in bounds.items()
        if b.paper_form is not None
    }
    inconsistent = sorted(name for name, ok in paper.items() if not ok)
    failing = sorted(name for name, ok in derived.items() if not ok)
    holds = not failing and inconsistent == ["C6"]
    return Verdict(
        "E3",
        holds,
        float(sum(derived.values())),
        float(len(derived)),
        0.0,
        f"derived bounds invariant: {sum(derived.values())}/{len(derived)}"
        + (f" (failing: {', '.join(failing)})" if failing else "")
        + f"; paper forms failing the scaling check: {inconsistent}",
        seed=None,
    )


CLAIM = Claim(
    "E3",
    "extension",
    "Every bound on F - F* is invariant under the weight rescaling.",
    check,
    SIZES,
    notes="paper_notes/convex.md",
    derivation_module="qnets.theory.convex",
)
