"""Figure 8: tightness: measured/bound for every convex check that compares with a bound."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from qnets.figures.spec import Data, FigureSpec
from qnets.figures.style import COLORS, new_figure

#: The convex checks whose verdict is a measured value against an upper bound.
BOUND_CHECKS = ("C2", "C3", "C4", "C5", "C6", "C7", "E2")


def parameters(quick: bool) -> dict:
    return {"claims": list(BOUND_CHECKS), "quick": quick}


def compute_from_verdicts(verdicts: list) -> Data:
    """Ratios and verdicts of ``verdicts`` (one per claim of ``BOUND_CHECKS``)."""
    return {
        "claims": np.array([v.claim_id for v in verdicts]),
        "ratios": np.array([v.ratio for v in verdicts]),
        "holds": np.array([v.holds for v in verdicts]),
    }


def draw(data: Data, p: dict) -> Figure:
    figure, (ax,) = new_figure(width=5.6, height=3.6)
    y = np.arange(data["claims"].size)
    colors = [COLORS["sgd"] if ok else "red" for ok in data["holds"]]
    ax.scatter(data["ratios"], y, c=colors, zorder=3)
    for yi, ratio in zip(y, data["ratios"], strict=True):
        ax.annotate(f"{ratio:.2g}", (ratio, yi), textcoords="offset points", xytext=(6, -3), fontsize=7)
    ax.axvline(1.0, color="black", lw=1, label="bound (ratio 1)")
    ax.set_yticks(y, [str(c) for c in data["claims"]])
    ax.set_xscale("log")
    ax.set_xlabel("measured / bound (upper confidence limit below the bound: holds)")
    ax.set_title(f"Tightness of the convex bounds ({'quick' if p['quick'] else 'full'} checks)")
    ax.set_xlim(min(float(np.nanmin(data["ratios"])), 1.0) / 3, 3.0)
    ax.legend(loc="upper left")
    return figure


SPEC = FigureSpec(
    "tightness",
    "Tightness of the convex bounds",
    "measured/bound for each convex claim check (log scale; green holds, red fails). Values far "
    "below 1 show loose bounds: the O(log t / t) terms dominate at these horizons, while C2 "
    "(the rounding-variance lemma) is nearly tight.",
    parameters,
    None,
    draw,
    from_verdicts=compute_from_verdicts,
)
