"""N2 (paper): larger batches (at equal steps) help SR more than BC.

Study: :func:`qnets.simulate.nets.studies.batch_study` on both data sets
(:class:`~qnets.claims.networks.BothSizes`): the digits MLP with SGD and the MNIST-1D CNN with
ADAM. The gain of each method from the smallest to the largest batch,
``g_X = e_X(B_min) - e_X(B_max)``, compared between SR and BC: ``D = g_SR - g_BC > 0`` beyond
``Z SE`` (a combination of means over independent configurations,
:func:`~qnets.claims.harness.combination`).

The verdict holds when the digits statement and every look-inside part of both data sets'
runs hold (:mod:`qnets.claims.inside`; the batch study has no FP run, so BC is told from FP by
its deployed weights lying on the grid). On the CNN, ``D / SE`` is reported (a part; it would
hold above ``Z``): with ADAM's normalised steps a larger batch helps BC at least as much as SR
there, a finding of paper_notes/nets.md.

Blind spots: the difference of the two methods' gains only, not the level of either; the
look-inside parts recompute the first audited steps (:mod:`qnets.claims.inside`).
"""

from __future__ import annotations

from qnets.claims import inside
from qnets.claims.harness import combination
from qnets.claims.networks import BOTH, BothSizes, z_score
from qnets.claims.record import Claim
from qnets.claims.verdict import SEED, Verdict, Z
from qnets.simulate.nets.studies import Sizes, batch_study, estimates, runs

SIZES = BOTH
DIGITS_PART = "digits: larger batches help SR more than BC"
CNN_PART = "mnist1d CNN-ADAM: D / SE (holds if > 5)"


def gains(s: Sizes, seed: int) -> tuple[tuple[float, float], dict[str, float]]:
    """``((D, SE), {method: g_method})`` of the batch study at ``s``."""
    study = batch_study(s, seed)
    errors = {str(m): e for m, e in zip(study["methods"], study["errors"], strict=True)}
    gain = {m: [(1.0, estimates(e[0])), (-1.0, estimates(e[-1]))] for m, e in errors.items()}
    difference = combination(gain["sr"] + [(-c, e) for c, e in gain["bc"]])
    return difference, {m: combination(gain[m])[0] for m in ("sr", "bc")}


def check(sizes: BothSizes = SIZES.quick, seed: int = SEED) -> Verdict:
    """N2 (paper): larger batches help SR more than BC (binary weights, equal steps).

    On the digits ``D = g_SR - g_BC > 0`` beyond ``Z SE``, with ``g_X = e_X(B_min) -
    e_X(B_max)``; on the CNN ``D / SE`` is reported.  The look-inside parts of both must hold.
    """
    digits, cnn = sizes.digits, sizes.cnn
    (measured, stderr), gain = gains(digits, seed)
    (cnn_d, cnn_se), cnn_gain = gains(cnn, seed)
    digits_holds = measured - Z * stderr > 0
    looked = inside.merged(
        inside.parts(runs("batch", digits, seed), digits.dataset, seed),
        inside.parts(runs("batch", cnn, seed), cnn.dataset, seed),
    )
    detail = (
        f"digits batch {digits.batches[0]} -> {digits.batches[-1]} at {digits.batch_steps} steps: SR error falls "
        f"by {gain['sr']:.3f}, BC's by {gain['bc']:.3f}; difference {measured:.3f} +- {Z * stderr:.3f} "
        f"({digits.n_seeds} seeds); CNN-ADAM batch {cnn.batches[0]} -> {cnn.batches[-1]}: SR {cnn_gain['sr']:.3f}, "
        f"BC {cnn_gain['bc']:.3f}, difference {cnn_d:.3f} +- {Z * cnn_se:.3f}; inside: {inside.summary(looked)}"
    )
    parts = {DIGITS_PART: digits_holds, **looked, CNN_PART: z_score(cnn_d, cnn_se)}
    holds = digits_holds and all(looked.values())
    return Verdict("N2", holds, measured, 0.0, Z * stderr, detail, sizes.as_dict(), parts=parts, seed=seed)


CLAIM = Claim(
    "N2",
    "paper",
    "Networks: larger batches (equal steps) help SR more than BC; checked on the digits MLP, "
    "reported on the MNIST-1D CNN (ADAM), with the training looked into on both.",
    check,
    SIZES,
    notes="paper_notes/nets.md",
    figures=("nets-batch", "cnn-batch"),
    full_seconds=180.0,
    study="nets batch study",
)
