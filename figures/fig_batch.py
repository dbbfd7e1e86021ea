"""Figure 6: batch size against SR's mass near the minimizer (claim M5), SGD for contrast.

The 1-D toy with the exact minibatch-gradient law of six zero-mean offsets (variance 3.5),
batch size B.  SR: the exact small-step stationary law.  SGD: the Gibbs law
``exp(-2F/(a sigma_B^2))`` with ``sigma_B^2 = 3.5/B`` at two step sizes.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from qnets.figures.spec import Data, FigureSpec
from qnets.figures.style import COLORS, new_figure
from qnets.simulate import MinibatchNoise
from qnets.simulate.markov import generator, stationary
from qnets.simulate.markov.summary import near_minimizer, sgd_gibbs_law
from qnets.simulate.scenarios import MINIBATCH_OFFSETS, NEAR_RADIUS, double_well


def parameters(quick: bool) -> dict:
    return {"batches": [1, 2, 4, 8, 16] if quick else [1, 2, 3, 4, 6, 8, 12, 16], "sgd_rates": [0.2, 0.05]}


def compute(p: dict) -> Data:
    sr = []
    for batch in p["batches"]:
        problem, space = double_well(MinibatchNoise(MINIBATCH_OFFSETS, batch), half_width=1.5)
        law = stationary(generator(problem, space)).pi
        sr.append(float(law[near_minimizer(problem, space.points(), NEAR_RADIUS)].sum()))
    fine = np.linspace(-1.5, 1.5, 3001)[:, None]
    energy = problem.loss(fine)
    near = near_minimizer(problem, fine, NEAR_RADIUS)
    variance = float(np.mean(MINIBATCH_OFFSETS**2))
    data: Data = {"batches": np.array(p["batches"]), "sr": np.array(sr)}
    for i, a in enumerate(p["sgd_rates"]):
        masses = []
        for batch in p["batches"]:
            masses.append(sgd_gibbs_law(energy, a, variance / batch)[near].sum())
        data[f"sgd{i}"] = np.array(masses)
    return data


def draw(data: Data, p: dict) -> Figure:
    figure, (ax,) = new_figure(width=5.6, height=4.0)
    ax.plot(data["batches"], data["sr"], color=COLORS["sr"], marker="o", label="SR, exact small-step law")
    for i, a in enumerate(p["sgd_rates"]):
        ax.plot(
            data["batches"],
            data[f"sgd{i}"],
            color=COLORS["sgd"],
            ls="--" if i else ":",
            marker="s",
            ms=3,
            label=f"SGD, Gibbs law at a = {a}",
        )
    ax.set_xscale("log", base=2)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("batch size B")
    ax.set_ylabel(f"mass within {NEAR_RADIUS} of the global minimizer")
    ax.set_title("Larger batches concentrate SR")
    ax.legend(loc="lower right")
    return figure


SPEC = FigureSpec(
    "batch-size",
    "Batch size against SR's mass near the minimizer",
    "SR's exact stationary mass near the global minimizer of the 1-D toy against the batch size "
    "(exact minibatch-gradient law). Theory (M5): less gradient noise lowers SR's effective "
    "temperature sigma Delta/sqrt(2 pi), so larger batches help SR where a smaller learning rate "
    "does not; SGD (Gibbs law) is shown for contrast.",
    parameters,
    compute,
    draw,
)
