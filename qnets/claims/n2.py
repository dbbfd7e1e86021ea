"""N2 (paper): larger batches (at equal steps) help SR more than BC.

Study: :func:`qnets.simulate.nets.studies.batch_study` at the sizes ``QUICK`` or ``FULL`` of
:mod:`qnets.simulate.nets.studies`. The gain of each method from the smallest to the largest
batch, compared between SR and BC. Every comparison is a combination of means over independent
configurations with a ``Z``-standard-error margin (:func:`~qnets.claims.harness.combination`);
``check``'s docstring gives the statistic.

Blind spots: test errors (or training losses) only, not the inside of the training loop (the
tests of :mod:`qnets.simulate.nets` see that).
"""

from __future__ import annotations

from qnets.claims.harness import combination
from qnets.claims.record import Claim, SizeTable
from qnets.claims.verdict import SEED, Verdict, Z
from qnets.simulate.nets.studies import FULL, QUICK, Sizes, batch_study, estimates

SIZES = SizeTable(QUICK, FULL)


def check(sizes: Sizes = SIZES.quick, seed: int = SEED) -> Verdict:
    """N2 (paper): larger batches help SR more than BC (binary weights, equal steps).

    With ``g_X = e_X(B_min) - e_X(B_max)`` the gain of X from the smallest to the largest
    batch, ``D = g_SR - g_BC > 0`` beyond ``Z SE``.
    """
    s = sizes
    study = batch_study(s, seed)
    errors = {str(m): e for m, e in zip(study["methods"], study["errors"], strict=True)}
    gain = {m: [(1.0, estimates(e[0])), (-1.0, estimates(e[-1]))] for m, e in errors.items()}
    measured, stderr = combination(gain["sr"] + [(-c, e) for c, e in gain["bc"]])
    sr_gain, bc_gain = (combination(gain[m])[0] for m in ("sr", "bc"))
    detail = (
        f"batch {s.batches[0]} -> {s.batches[-1]} at {s.batch_steps} steps: SR error falls by {sr_gain:.3f}, "
        f"BC's by {bc_gain:.3f}; difference {measured:.3f} +- {Z * stderr:.3f} ({s.n_seeds} seeds)"
    )
    return Verdict("N2", measured - Z * stderr > 0, measured, 0.0, Z * stderr, detail, s.as_dict(), seed=seed)


CLAIM = Claim(
    "N2",
    "paper",
    "Networks: larger batches (equal steps) help SR more than BC.",
    check,
    SIZES,
    notes="paper_notes/nets.md",
    figures=("nets-batch",),
    full_seconds=28.0,
    study="nets batch study",
)
