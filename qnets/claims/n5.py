"""N5 (paper, measured form): the greedy phase, as the flip rate of deployed weights under a decaying step.

The paper explains BC's advantage by a greedy search phase (M4): as the step shrinks, BC's
real weights settle and its deployed weights stop flipping, while SR, whose law does not depend
on the step (M2), keeps exploring at the same rate per unit of ``a t``.  Measured on the
MNIST-1D CNN with ADAM by the decay study (:func:`qnets.simulate.nets.studies.decay_study`:
BC-ADAM and SR-ADAM binary, the step quartered at every quarter of the run) as
``L_X = log fbar_X(Q1) - log fbar_X(Q4)``, the e-folds by which X's mean per-step flip rate
falls from the first to the last quarter (:func:`~qnets.simulate.nets.studies.log_flip_fall`,
delta-method standard error with the seeds' covariance); the two methods' configurations are
independent, so ``SE(L_SR - L_BC)^2 = SE_SR^2 + SE_BC^2``.

* The paper's direction, BC's flip rate falling faster than SR's, ``L_BC - L_SR > Z SE``, is
  reported as a z-score (part ``"paper direction: (L_BC - L_SR)/SE (holds if > 5)"``).
* The check tests what we measure (paper_notes/nets.md): SR's flip rate falls with the step
  and BC's falls by less, ``L_SR - L_BC > Z SE``.  It fails if BC settled at least as fast as
  SR, or if the two methods were the same rule.

The look-inside parts of the decay runs must hold too (:mod:`qnets.claims.inside`).

Finding: the greedy phase is absent at this scale. BC's real weights that sit at the rounding
threshold move by about ``a`` per ADAM step whatever ``a`` is and keep crossing it, so BC's
per-step flip rate barely falls (not at all at the full sizes) while SR's falls with the step.

Blind spots: flips of deployed weights only (not which weights flip, nor the loss they cost);
one decay schedule.
"""

from __future__ import annotations

import math

from qnets.claims import inside
from qnets.claims.networks import CNN_ONLY, z_score
from qnets.claims.record import Claim
from qnets.claims.verdict import SEED, Verdict, Z
from qnets.simulate.nets.studies import Sizes, decay_study, log_flip_fall, runs

SIZES = CNN_ONLY
MEASURED_PART = "SR's flip rate falls faster than BC's"
PAPER_PART = "paper direction: (L_BC - L_SR)/SE (holds if > 5)"


def check(sizes: Sizes = SIZES.quick, seed: int = SEED) -> Verdict:
    """N5: ``D = L_SR - L_BC > Z SE`` (measured form; module docstring) and every look-inside part."""
    study = decay_study(sizes, seed)
    (bc, bc_se), (sr, sr_se) = (log_flip_fall(study, m) for m in ("bc", "sr"))
    measured, stderr = sr - bc, math.hypot(bc_se, sr_se)
    falls_faster = measured - Z * stderr > 0
    looked = inside.parts(runs("decay", sizes, seed), sizes.dataset, seed)
    step_fall = math.log(float(study["rates"][0]) / float(study["rates"][-1]))
    detail = (
        f"e-folds of the per-step flip rate from the first to the last quarter (step falls {step_fall:.2f}): "
        f"BC {bc:.2f} +- {Z * bc_se:.2f}, SR {sr:.2f} +- {Z * sr_se:.2f}; SR's minus BC's {measured:.2f} +- "
        f"{Z * stderr:.2f} ({sizes.steps} steps of {sizes.batch}, {sizes.n_seeds} seeds); "
        f"inside: {inside.summary(looked)}"
    )
    parts = {MEASURED_PART: falls_faster, **looked, PAPER_PART: z_score(-measured, stderr)}
    holds = falls_faster and all(looked.values())
    return Verdict("N5", holds, measured, 0.0, Z * stderr, detail, sizes.as_dict(), parts=parts, seed=seed)


CLAIM = Claim(
    "N5",
    "paper (restated)",
    "Networks (MNIST-1D CNN, ADAM, decaying step): the greedy phase as flip rates. Measured form: "
    "SR's per-step flip rate falls faster than BC's; the paper's direction (BC settles) is reported.",
    check,
    SIZES,
    notes="paper_notes/nets.md",
    figures=("cnn-weights",),
    full_seconds=220.0,
    study="nets table study",
)
