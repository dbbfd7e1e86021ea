"""Network figure 4: first-layer weights during training, and the greedy search phase.

From the table study of :mod:`qnets.simulate.nets.studies` (the same networks as N1):
BC's real weights (binary grid) and SR's quantized weights (4-bit grid, where the levels are
visible) at the snapshots, and the fraction of deployed first-layer weights that change value
per step for BC, SR and R on the binary grid, averaged over windows of steps; dashed, the same
for BC and SR with a decaying step (the decay study).
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from qnets.figures.fig_nets_table import parameters
from qnets.figures.spec import Data, FigureSpec
from qnets.figures.style import COLORS, legend_outside, new_figure
from qnets.simulate.nets.studies import DECAY, Sizes, decay_study, table_study
from qnets.simulate.nets.training import weight_grid

BINS = 40
WINDOWS = 20


def _row(table: Data, method: str, bits: int) -> int:
    return int(np.flatnonzero((table["methods"] == method) & (table["bits"] == bits))[0])


def compute(p: dict) -> Data:
    sizes = Sizes.from_dict(p["sizes"])
    table = table_study(sizes, p["seed"])
    decay = decay_study(sizes, p["seed"])
    edges = np.linspace(-1.0, 1.0, BINS + 1)
    bc = table["latent"][_row(table, "bc", 1)]
    levels = weight_grid(4).points()
    sr = table["deployed"][_row(table, "sr", 4)]
    data: Data = {
        "snapshot_steps": table["snapshot_steps"],
        "edges": edges,
        "bc_density": np.array([np.histogram(w, edges, density=True)[0] for w in bc]),
        "levels": levels,
        "sr_share": np.array([[np.isclose(w, level).mean() for level in levels] for w in sr]),
    }
    steps = table["changes"].shape[1]
    windows = np.array_split(np.arange(steps), WINDOWS)
    data["window_steps"] = np.array([w.mean() for w in windows])
    for method in ("bc", "sr", "r"):
        changes = table["changes"][_row(table, method, 1)]
        data[f"{method}_changes"] = np.array([changes[w].mean() for w in windows])
    for method, changes in zip(decay["methods"], decay["changes"], strict=True):
        data[f"{method}_decay_changes"] = np.array([changes[w].mean() for w in windows])
    return data


def draw(data: Data, p: dict) -> Figure:
    figure, axes = new_figure(cols=3, width=15.0, height=3.4)
    shades = np.linspace(0.35, 1.0, len(data["snapshot_steps"]))
    centres = (data["edges"][1:] + data["edges"][:-1]) / 2
    for shade, step, density in zip(shades, data["snapshot_steps"], data["bc_density"], strict=True):
        axes[0].plot(centres, density, color=COLORS["bc"], alpha=float(shade), label=f"step {int(step)}")
    axes[0].set_xlabel("BC real weight (grid units)")
    axes[0].set_ylabel("density")
    axes[0].set_title("BC binary: real weights")
    legend_outside(axes[0], fontsize=7)
    width = 0.8 * (data["levels"][1] - data["levels"][0]) / len(data["snapshot_steps"])
    for k, (shade, step, share) in enumerate(zip(shades, data["snapshot_steps"], data["sr_share"], strict=True)):
        axes[1].bar(data["levels"] + (k - 1.5) * width, share, width, color=COLORS["sr"], alpha=float(shade))
        axes[1].plot([], [], color=COLORS["sr"], alpha=float(shade), label=f"step {int(step)}")
    axes[1].set_xlabel("SR weight level (grid units)")
    axes[1].set_ylabel("share of weights")
    axes[1].set_title("SR 4-bit: quantized weights")
    legend_outside(axes[1], fontsize=7)
    for method in ("bc", "sr"):
        axes[2].plot(
            data["window_steps"], data[f"{method}_changes"], color=COLORS[method], marker=".", label=method.upper()
        )
    for method in ("bc", "sr"):
        axes[2].plot(
            data["window_steps"],
            data[f"{method}_decay_changes"],
            color=COLORS[method],
            ls="--",
            label=f"{method.upper()}, step x{DECAY:g} every quarter",
        )
    axes[2].set_yscale("log")
    axes[2].set_xlabel("step")
    axes[2].set_ylabel("deployed weights changed per step")
    axes[2].set_title("Binary grid: greedy phase")
    if not np.any(data["r_changes"]):  # zero on a log axis: say it instead of an empty legend entry
        axes[2].text(0.02, 0.02, "R: no change after its start (C8)", transform=axes[2].transAxes, fontsize=7)
    legend_outside(axes[2], fontsize=7)
    return figure


SPEC = FigureSpec(
    "nets-weights",
    "First-layer weights during training and the greedy search phase",
    "Left: BC's real first-layer weights (binary grid) at four steps of the table study's runs. "
    "Middle: the share of SR's first-layer weights on each level of the 4-bit grid at the same "
    "steps. Right: the fraction of deployed first-layer weights that change value per step "
    "(binary grid, averaged over windows; R, which changes nothing, is stated in the panel instead "
    "of drawn on the log axis); solid "
    "at the constant step, dashed with the step quartered at every quarter of the run. Theory "
    "(M4, the abstract): methods with real weights have a greedy search phase, in which weights "
    "settle as the step shrinks, that SR lacks. Seen: at a constant step the greedy phase is "
    "visibly absent: BC's real weights pile up at the clip bounds +-1 but also at 0, where a "
    "group keeps oscillating across the rounding threshold, and BC's flip rate does not fall; "
    "SR's 4-bit weights move to the end levels. With a decaying step SR's flip rate falls in "
    "proportion to the step (it freezes; per unit of a t it explores as before), while BC's "
    "falls far less than the step (its oscillating weights keep flipping). R changes nothing "
    "after its rounded start (C8).",
    parameters,
    compute,
    draw,
    study="nets table study",
)
