"""N1 (paper): on real data, BC gets close to full precision while SR and R do worse.

Study: :func:`qnets.simulate.nets.studies.table_study` at the sizes ``QUICK`` or ``FULL`` of
:mod:`qnets.simulate.nets.studies`. "Close" is made scale-free: BC is closer to FP than X (SR or
R) is to BC, on binary weights. Every comparison is a combination of means over independent
configurations with a ``Z``-standard-error margin (:func:`~qnets.claims.harness.combination`);
``check``'s docstring gives the statistic.

Blind spots: test errors (or training losses) only, not the inside of the training loop (the
tests of :mod:`qnets.simulate.nets` see that).
"""

from __future__ import annotations

from qnets.claims.harness import combination
from qnets.claims.record import Claim, SizeTable
from qnets.claims.verdict import SEED, Verdict, Z
from qnets.simulate.nets.studies import FULL, QUICK, Sizes, estimates, table_study

SIZES = SizeTable(QUICK, FULL)


def check(sizes: Sizes = SIZES.quick, seed: int = SEED) -> Verdict:
    """N1 (paper): BC is close to FP, while SR and R are worse (binary weights, test error).

    "Close" is made scale-free: BC is closer to FP than X (SR or R) is to BC,
    ``D_X = (e_X - e_BC) - (e_BC - e_FP) > 0`` beyond ``Z SE`` for both X.  Equivalently BC
    recovers more than half of the distance from X to FP.  The b-bit rows are reported in
    ``params`` (the claim is the paper's binary setting).
    """
    s = sizes
    table = table_study(s, seed)
    labels = zip(table["methods"], table["bits"], strict=True)
    rows = {(str(m), int(b)): estimates(e) for (m, b), e in zip(labels, table["errors"], strict=True)}
    fp, bc = rows[("fp", 0)], rows[("bc", 1)]
    differences = {x: combination([(1.0, rows[(x, 1)]), (-2.0, bc), (1.0, fp)]) for x in ("sr", "r")}
    worst = min(differences, key=lambda x: differences[x][0] - Z * differences[x][1])
    measured, stderr = differences[worst]
    holds = all(mean - Z * se > 0 for mean, se in differences.values())
    means = {f"{m}{b}": round(float(e.mean), 4) for (m, b), e in rows.items()}
    detail = (
        f"binary test errors: FP {float(fp.mean):.3f}, BC {float(bc.mean):.3f}, "
        f"SR {float(rows[('sr', 1)].mean):.3f}, R {float(rows[('r', 1)].mean):.3f} ({s.n_seeds} seeds); "
        + "; ".join(f"(e_{x}-e_BC)-(e_BC-e_FP) = {m:.3f} +- {Z * se:.3f}" for x, (m, se) in differences.items())
    )
    return Verdict("N1", holds, measured, 0.0, Z * stderr, detail, {**s.as_dict(), "mean_errors": means}, seed=seed)


CLAIM = Claim(
    "N1",
    "paper",
    "Networks (digits MLP, binary weights): BC is close to FP, SR and R are worse (test error).",
    check,
    SIZES,
    notes="paper_notes/nets.md",
    figures=("nets-table", "nets-weights"),
    full_seconds=37.0,
    study="nets table study",
)
