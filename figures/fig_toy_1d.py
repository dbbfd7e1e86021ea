"""Figure 4a: the 1-D toy: iterate histograms of BC (top) and SR (bottom) at several a.

The tilted double well of :func:`qnets.simulate.scenarios.double_well` (global minimum near -1.05, local one
near +0.95).  BC's real weights are annealed geometrically from a = 0.5 to each a and held
there; SR runs at constant a from the left edge.  Overlays: for SR its exact stationary law
``pi_a`` (dots); for BC the Gibbs law ``exp(-2F/(a sigma^2))`` of SGD's diffusion limit,
integrated over each bin (claim M4).
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from qnets.figures.spec import Data, FigureSpec
from qnets.figures.style import COLORS, new_figure
from qnets.simulate import BinaryConnect, StochasticRounding, annealed, constant, run
from qnets.simulate.markov import stationary, transition_matrix
from qnets.simulate.markov.summary import sgd_gibbs_law
from qnets.simulate.scenarios import double_well

from qnets.claims.verdict import SEED


def parameters(quick: bool) -> dict:
    return {
        "rates": [0.2, 0.1, 0.05, 0.02],
        "chains": 2000 if quick else 10_000,
        "anneal": 10_000 if quick else 40_000,
        "hold": 5000 if quick else 20_000,
        "sr_steps": 3000 if quick else 20_000,
        "seed": SEED,
    }


def compute(p: dict) -> Data:
    problem, space = double_well()
    points = space.points()[:, 0]
    edges = np.append(points - space.grid.delta / 2, points[-1] + space.grid.delta / 2)
    fine = np.linspace(edges[0], edges[-1], 4001)
    energy = problem.loss(fine[:, None])
    bins = np.clip(np.searchsorted(edges, fine, side="right") - 1, 0, points.size - 1)
    data: Data = {"points": points, "edges": edges}
    for i, a in enumerate(p["rates"]):
        bc = run(
            problem,
            BinaryConnect(space.grid),
            annealed(0.5, a, p["anneal"]),
            p["anneal"] + p["hold"],
            p["chains"],
            p["seed"],
            space.box,
        )
        sr = run(
            problem,
            StochasticRounding(space.grid),
            constant(a),
            p["sr_steps"],
            p["chains"],
            p["seed"],
            space.box,
            w0=space.box.lo,
        )
        data[f"bc{i}"] = np.histogram(bc.final_weights["real"][:, 0], bins=edges)[0] / p["chains"]
        data[f"sr{i}"] = space.histogram(sr.final_weights["w"])
        data[f"sr_exact{i}"] = stationary(transition_matrix(problem, space, a)).pi
        density = sgd_gibbs_law(energy, a, problem.noise.variance)
        data[f"gibbs{i}"] = np.bincount(bins, weights=density, minlength=points.size)
    data["w_star"] = problem.w_star
    return data


def draw(data: Data, p: dict) -> Figure:
    rates = p["rates"]
    figure, axes = new_figure(2, len(rates), width=10.0, height=4.8)
    points, width = data["points"], np.diff(data["edges"])
    for i, a in enumerate(rates):
        top, bottom = axes[i], axes[len(rates) + i]
        top.bar(points, data[f"bc{i}"], width=width, color=COLORS["bc"], alpha=0.7, label="BC real weights")
        top.step(points, data[f"gibbs{i}"], where="mid", color="black", ls="--", lw=1, label="Gibbs law (SGD limit)")
        bottom.bar(points, data[f"sr{i}"], width=width, color=COLORS["sr"], alpha=0.7, label="SR iterates")
        bottom.plot(points, data[f"sr_exact{i}"], "k.", ms=5, label=r"exact $\pi_a$")
        top.set_title(f"BC, a = {a}")
        bottom.set_title(f"SR, a = {a}")
        for ax in (top, bottom):
            ax.axvline(float(data["w_star"][0]), color="grey", lw=0.8, ls=":")
            ax.set_ylim(0, 1)
            ax.set_xlabel("w")
        top.set_ylabel("probability per grid cell" if i == 0 else "")
        bottom.set_ylabel("probability per grid point" if i == 0 else "")
    axes[0].legend(loc="upper right")
    axes[len(rates)].legend(loc="upper right")
    return figure


SPEC = FigureSpec(
    "toy-1d",
    "1-D toy problem: BC and SR histograms against a",
    "Histograms of BC's real weights (top, annealed to each a) and SR's iterates (bottom) on a "
    "tilted double well whose global minimum (dotted line) is on the left. Theory (M4): as a "
    "shrinks BC concentrates on the global minimizer, like SGD's Gibbs law (dashed); SR's "
    "exact stationary law (dots) stops changing below a ~ 0.05 and keeps mass in the shallow well.",
    parameters,
    compute,
    draw,
    full_seconds=45.0,
)
