"""N3 (paper): below some step size SR stops improving while BC does not; tested in its measured form.

Study: :func:`qnets.simulate.nets.studies.rate_study` at the sizes ``QUICK`` or ``FULL`` of
:mod:`qnets.simulate.nets.studies`. Training losses against the step size at an equal horizon
``a T``. Every comparison is a combination of means over independent configurations with a
``Z``-standard-error margin (:func:`~qnets.claims.harness.combination`); ``check``'s docstring
gives the statistic.

Blind spots: test errors (or training losses) only, not the inside of the training loop (the
tests of :mod:`qnets.simulate.nets` see that).
"""

from __future__ import annotations

from qnets.claims.harness import combination
from qnets.claims.record import Claim, SizeTable
from qnets.claims.verdict import SEED, Verdict, Z
from qnets.simulate.nets.studies import FULL, QUICK, Sizes, estimates, rate_study

SIZES = SizeTable(QUICK, FULL)


def check(sizes: Sizes = SIZES.quick, seed: int = SEED) -> Verdict:
    """N3 (paper): below some step size SR stops improving while BC does not; tested as measured.

    The paper predicts that lowering the constant step from ``a_max`` to ``a_min`` lowers BC's
    training loss more than SR's: ``D = (F_BC(a_max) - F_BC(a_min)) - (F_SR(a_max) - F_SR(a_min))
    > 0``.  At this scale, at an equal horizon ``a T``, both curves are flat below ``a = 1``
    (paper_notes/nets.md).  The check tests that finding, an equivalence with power against the
    paper's effect: it holds when ``|D| + Z SE`` is below half of SR's excess loss over BC at
    ``a_min`` (lower confidence limit), i.e. the step size moves BC relative to SR by less than
    half of what the grid costs SR.  It fails if BC gains (or loses) that much relative to SR.
    """
    s = sizes
    study = rate_study(s, seed)
    loss = {str(m): [estimates(row) for row in rows] for m, rows in zip(study["methods"], study["losses"], strict=True)}
    measured, stderr = combination(
        [(1.0, loss["bc"][0]), (-1.0, loss["bc"][-1]), (-1.0, loss["sr"][0]), (1.0, loss["sr"][-1])]
    )
    gap, gap_stderr = combination([(1.0, loss["sr"][-1]), (-1.0, loss["bc"][-1])])
    bound = (gap - Z * gap_stderr) / 2
    detail = (
        f"training loss at a = {s.rates[0]} -> {s.rates[-1]} (equal horizon a T = {s.horizon}): "
        + ", ".join(f"{m.upper()} {float(v[0].mean):.3f} -> {float(v[-1].mean):.3f}" for m, v in loss.items())
        + f"; |BC's gain minus SR's| = |{measured:.3f}| +- {Z * stderr:.3f} vs half the SR-BC gap >= {bound:.3f}"
        + f" ({s.rate_seeds} seeds per rate)"
    )
    equivalent = abs(measured) + Z * stderr < bound
    # the paper's form, as a number: it would hold with D/SE > Z (the finding: it does not)
    parts = {"measured form": equivalent, "paper form: D/SE (holds if > 5)": measured / stderr}
    return Verdict("N3", equivalent, measured, bound, Z * stderr, detail, s.as_dict(), parts=parts, seed=seed)


CLAIM = Claim(
    "N3",
    "paper",
    "Networks: below some step size SR stops improving while BC does not. Measured form: at an "
    "equal horizon a T both are flat below a = 1; the step size explains < 1/2 of the SR-BC gap.",
    check,
    SIZES,
    notes="paper_notes/nets.md",
    figures=("nets-lr",),
    full_seconds=101.0,
    study="nets learning-rate study",
)
