"""N3 (paper): below some step size SR stops improving while BC does not; tested in its measured form.

Study: :func:`qnets.simulate.nets.studies.rate_study` on both data sets
(:class:`~qnets.claims.networks.BothSizes`): training losses against the step size at an equal
horizon ``a T``, the digits MLP with SGD and the MNIST-1D CNN with ADAM. Every comparison is a
combination of means over independent configurations with a ``Z``-standard-error margin
(:func:`~qnets.claims.harness.combination`); ``check``'s docstring gives the statistic.

The verdict holds when the digits' measured form and every look-inside part of both data sets'
runs hold (:mod:`qnets.claims.inside`). The paper's form, ``D / SE``, is reported for both data
sets (parts; it would hold above ``Z``): on the digits ``D`` is within about one standard error
of 0; on the CNN with ADAM it points the paper's way at 2-3 standard errors (paper_notes/nets.md).

Blind spots: training losses only at one horizon; the look-inside parts recompute the first
audited steps (:mod:`qnets.claims.inside`).
"""

from __future__ import annotations

from qnets.claims import inside
from qnets.claims.harness import combination
from qnets.claims.networks import BOTH, BothSizes, z_score
from qnets.claims.record import Claim
from qnets.claims.verdict import SEED, Verdict, Z
from qnets.simulate.nets.studies import Sizes, estimates, rate_study, runs

SIZES = BOTH
DIGITS_PART = "digits: measured form"
PAPER_PART = "digits paper form: D/SE (holds if > 5)"
CNN_PART = "mnist1d CNN-ADAM paper form: D/SE (holds if > 5)"


def gain_difference(s: Sizes, seed: int) -> tuple[tuple[float, float], tuple[float, float], dict]:
    """``((D, SE), (gap, SE), losses)``: BC's loss gain minus SR's from ``a_max`` to ``a_min``, and
    SR's excess loss over BC at ``a_min``, of the rate study at ``s``."""
    study = rate_study(s, seed)
    loss = {str(m): [estimates(row) for row in rows] for m, rows in zip(study["methods"], study["losses"], strict=True)}
    difference = combination(
        [(1.0, loss["bc"][0]), (-1.0, loss["bc"][-1]), (-1.0, loss["sr"][0]), (1.0, loss["sr"][-1])]
    )
    gap = combination([(1.0, loss["sr"][-1]), (-1.0, loss["bc"][-1])])
    return difference, gap, loss


def check(sizes: BothSizes = SIZES.quick, seed: int = SEED) -> Verdict:
    """N3 (paper): below some step size SR stops improving while BC does not; tested as measured.

    The paper predicts that lowering the constant step from ``a_max`` to ``a_min`` lowers BC's
    training loss more than SR's: ``D = (F_BC(a_max) - F_BC(a_min)) - (F_SR(a_max) - F_SR(a_min))
    > 0``.  On the digits, at an equal horizon ``a T``, both curves are flat below ``a = 1``
    (paper_notes/nets.md).  The check tests that finding, an equivalence with power against the
    paper's effect: it holds when ``|D| + Z SE`` is below half of SR's excess loss over BC at
    ``a_min`` (lower confidence limit), i.e. the step size moves BC relative to SR by less than
    half of what the grid costs SR.  It fails if BC gains (or loses) that much relative to SR.
    The paper's form ``D / SE`` is reported on both data sets.
    """
    digits, cnn = sizes.digits, sizes.cnn
    (measured, stderr), (gap, gap_stderr), loss = gain_difference(digits, seed)
    (cnn_d, cnn_se), _, cnn_loss = gain_difference(cnn, seed)
    bound = (gap - Z * gap_stderr) / 2
    equivalent = abs(measured) + Z * stderr < bound
    looked = inside.merged(
        inside.parts(runs("lr", digits, seed), digits.dataset, seed),
        inside.parts(runs("lr", cnn, seed), cnn.dataset, seed),
    )
    detail = (
        f"digits training loss at a = {digits.rates[0]} -> {digits.rates[-1]} (a T = {digits.horizon}): "
        + ", ".join(f"{m.upper()} {float(v[0].mean):.3f} -> {float(v[-1].mean):.3f}" for m, v in loss.items())
        + f"; |BC's gain minus SR's| = |{measured:.3f}| +- {Z * stderr:.3f} vs half the SR-BC gap >= {bound:.3f}"
        + f" ({digits.rate_seeds} seeds per rate); CNN-ADAM a = {cnn.rates[0]} -> {cnn.rates[-1]}: "
        + ", ".join(f"{m.upper()} {float(v[0].mean):.3f} -> {float(v[-1].mean):.3f}" for m, v in cnn_loss.items())
        + f", D = {cnn_d:.3f} +- {Z * cnn_se:.3f}; inside: {inside.summary(looked)}"
    )
    parts = {
        DIGITS_PART: equivalent,
        **looked,
        PAPER_PART: z_score(measured, stderr),
        CNN_PART: z_score(cnn_d, cnn_se),
    }
    holds = equivalent and all(looked.values())
    return Verdict("N3", holds, measured, bound, Z * stderr, detail, sizes.as_dict(), parts=parts, seed=seed)


CLAIM = Claim(
    "N3",
    "paper",
    "Networks: below some step size SR stops improving while BC does not. Measured form (digits "
    "MLP): at an equal horizon a T both are flat below a = 1; the step size explains < 1/2 of the "
    "SR-BC gap. The paper's form is reported on the digits and the MNIST-1D CNN (ADAM).",
    check,
    SIZES,
    notes="paper_notes/nets.md",
    figures=("nets-lr", "cnn-lr"),
    full_seconds=200.0,
    study="nets learning-rate study",
)
