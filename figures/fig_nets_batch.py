"""Network figure 2: test error of SR and BC against the batch size (claim N2).

The batch study of :mod:`qnets.simulate.nets.studies` (shared with the N2 check): binary
weights, one constant step, an equal number of steps for every batch size.
"""

from __future__ import annotations

from matplotlib.figure import Figure
from qnets.figures.fig_nets_table import parameters
from qnets.figures.spec import Data, FigureSpec
from qnets.figures.style import COLORS, new_figure
from qnets.simulate.nets.studies import Sizes, batch_study, summarised


def compute(p: dict) -> Data:
    study = batch_study(Sizes.from_dict(p["sizes"]), p["seed"])
    return {"methods": study["methods"], "batches": study["batches"], **summarised(study["errors"], "error")}


def draw(data: Data, p: dict) -> Figure:
    figure, (ax,) = new_figure(width=5.6, height=3.8)
    for i, method in enumerate(data["methods"]):
        ax.errorbar(
            data["batches"],
            data["error"][i],
            yerr=data["error_stderr"][i],
            color=COLORS[str(method)],
            marker="o",
            capsize=2,
            label=f"{str(method).upper()} binary",
        )
    ax.set_xscale("log", base=2)
    ax.set_xlabel(f"batch size B ({p['sizes']['batch_steps']} steps each)")
    ax.set_ylabel("test error (mean +- s.e.)")
    ax.set_title("Larger batches help SR, hardly BC")
    ax.legend()
    return figure


SPEC = FigureSpec(
    "nets-batch",
    "Batch size against SR's and BC's test error on real data (N2)",
    "Test error of binary-weight MLPs on the digits against the batch size, at an equal number of "
    "steps and one constant step size (mean +- one standard error over seeds). Theory (N2, M5): "
    "SR's stationary law is set by the gradient noise, so larger batches concentrate it, while BC "
    "averages the noise in its real weights and gains little. Seen: SR's error falls steeply from "
    "B = 8 to B = 128 and more slowly beyond (the full run goes to B = 512); BC's is flat.",
    parameters,
    compute,
    draw,
    study="nets batch study",
)
