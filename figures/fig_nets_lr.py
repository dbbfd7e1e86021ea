"""Network figure 3: training loss and test error against the constant step size (claim N3).

The learning-rate study of :mod:`qnets.simulate.nets.studies` (shared with the N3 check):
FP, BC and SR (binary) at an equal horizon ``a T``, i.e. ``T = horizon / a`` steps.
"""

from __future__ import annotations

from matplotlib.figure import Figure
from qnets.figures.fig_nets_table import parameters
from qnets.figures.spec import Data, FigureSpec
from qnets.figures.style import COLORS, new_figure
from qnets.simulate.nets.studies import Sizes, rate_study, summarised

COLOR = {"fp": COLORS["sgd"], "bc": COLORS["bc"], "sr": COLORS["sr"]}


def compute(p: dict) -> Data:
    study = rate_study(Sizes.from_dict(p["sizes"]), p["seed"])
    return {
        "methods": study["methods"],
        "rates": study["rates"],
        **summarised(study["losses"], "loss"),
        **summarised(study["errors"], "error"),
    }


def draw(data: Data, p: dict) -> Figure:
    figure, axes = new_figure(cols=2, width=8.4, height=3.6)
    for ax, key, label in zip(
        axes, ("loss", "error"), ("training loss F at the deployed weights", "test error"), strict=True
    ):
        for i, method in enumerate(data["methods"]):
            ax.errorbar(
                data["rates"],
                data[key][i],
                yerr=data[f"{key}_stderr"][i],
                color=COLOR[str(method)],
                marker="o",
                capsize=2,
                label=str(method).upper() + ("" if method == "fp" else " binary"),
            )
        ax.set_xscale("log", base=2)
        ax.invert_xaxis()
        ax.set_xlabel(f"constant step a (T = {p['sizes']['horizon']:g}/a steps)")
        ax.set_ylabel(f"{label} (mean +- s.e.)")
    axes[0].legend()
    axes[0].set_title("Equal horizon a T: shrinking a")
    return figure


SPEC = FigureSpec(
    "nets-lr",
    "Step size against training loss and test error on real data (N3)",
    "Training loss (left) and test error (right) of FP, BC and SR (binary) MLPs on the digits "
    "against the constant step a, each trained for T = horizon/a steps (equal horizon a T, the "
    "C9 design); mean +- one standard error over seeds. Theory (N3, C9, M2): below some a, SR's "
    "error stops improving (its stationary law no longer depends on a, only mixing slows) while "
    "BC's and FP's keep improving (their noise floor shrinks like a). Seen: at this scale all "
    "three curves are flat below a = 1: SR's plateau is there, but BC and FP do not improve "
    "either, because their remaining error is optimisation and generalisation error, not the "
    "step-size noise floor; what separates SR from BC is the grid, not the step size. The loss "
    "is taken at the deployed weights (BC's and SR's binary weights, not BC's real ones), the "
    "weights the test error is measured at. At the quick sizes BC's loss there sits below FP's "
    "while its test error sits above FP's (a lower training loss of a binary net is not a better "
    "fit); at the full sizes (600/a steps) FP's loss is the lowest of the three.",
    parameters,
    compute,
    draw,
    study="nets learning-rate study",
)
