"""Figure 8: tightness: measured/bound for every convex check that compares with a bound, and for
the bounds with a floor (C3-C6) the exact limit error over the floor (the verdict's ``tightness``)."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from qnets.figures.spec import Data, FigureSpec
from qnets.figures.style import COLORS, new_figure

from qnets.claims.registry import claims_shown_in
from qnets.claims.verdict import TIGHTNESS


def parameters(quick: bool) -> dict:
    """The convex checks whose verdict is a measured value against an upper bound: the claims
    that declare this figure."""
    return {"claims": claims_shown_in("tightness"), "quick": quick}


def compute_from_verdicts(verdicts: list) -> Data:
    """Ratios and verdicts of ``verdicts`` (one per claim of ``parameters``)."""
    return {
        "claims": np.array([v.claim_id for v in verdicts]),
        "ratios": np.array([v.ratio for v in verdicts]),
        "holds": np.array([v.holds for v in verdicts]),
        "floor_tightness": np.array([v.parts.get(TIGHTNESS, np.nan) for v in verdicts], dtype=float),
    }


def draw(data: Data, p: dict) -> Figure:
    figure, (ax,) = new_figure(width=5.6, height=4.2)
    y = np.arange(data["claims"].size)
    holds = np.asarray(data["holds"], dtype=bool)
    for mask, color, label in (
        (holds, COLORS["sgd"], "measured / bound: holds"),
        (~holds, "red", "measured / bound: FAILS"),
    ):
        if mask.any():
            ax.scatter(data["ratios"][mask], y[mask], color=color, zorder=3, label=label)
    if "floor_tightness" in data and np.any(np.isfinite(data["floor_tightness"])):
        ax.scatter(
            data["floor_tightness"],
            y,
            marker="D",
            facecolors="none",
            edgecolors="black",
            zorder=3,
            label="exact limit error / floor",
        )
    ax.axvline(1.0, color="black", lw=1, label="bound (ratio 1)")
    # each check's ratio in its tick label, clear of every marker
    ax.set_yticks(y, [f"{c} ({ratio:.2g})" for c, ratio in zip(data["claims"], data["ratios"], strict=True)])
    ax.set_xscale("log")
    ax.set_xlabel("measured / bound (upper confidence limit below the bound: holds)")
    ax.set_title(f"Tightness of the convex bounds ({'quick' if p['quick'] else 'full'} checks)")
    finite = np.concatenate([data["ratios"], data.get("floor_tightness", np.array([]))])
    ax.set_xlim(min(float(np.nanmin(finite)), 1.0) / 3, 3.0)
    figure.legend(loc="outside lower center", ncol=2, fontsize=7)
    return figure


SPEC = FigureSpec(
    "tightness",
    "Tightness of the convex bounds",
    "measured/bound for each convex claim check (log scale; green holds, red fails; the value is "
    "printed beside the claim id). Values far "
    "below 1 show loose bounds: the O(log t / t) terms dominate at these horizons, while C2 "
    "(the rounding-variance lemma) is nearly tight. Hollow diamonds: for the bounds with a floor, "
    "the exact limit error of the necessity instance over the floor (C3: E1's floor; C4: the "
    "|w - w*| chain; C5, C6: BC's limit point, five orders of magnitude below the floor).",
    parameters,
    None,
    draw,
    from_verdicts=compute_from_verdicts,
)
