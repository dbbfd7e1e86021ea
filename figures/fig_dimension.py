"""Figure 7: dimension against SR's mass at the minimizer (claim M6).

Isotropic quadratic, sigma = 1, Delta = 0.25, a = 0.05: coordinates are independent chains,
so ``P(w = w*) = p_1^d`` exactly, with ``p_1`` from the 1-D stationary law.  Monte Carlo points
for small d (2 standard errors).
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from qnets.figures.spec import Data, FigureSpec
from qnets.figures.style import COLORS, new_figure
from qnets.simulate import Box, Grid, Quadratic, StochasticRounding, constant, run
from qnets.simulate.markov import StateSpace, stationary, transition_matrix

from qnets.claims.verdict import SEED


def parameters(quick: bool) -> dict:
    return {
        "sigma": 1.0,
        "delta": 0.25,
        "lr": 0.05,
        "dims": list(range(1, 21)),
        "mc_dims": [1, 2, 3, 4] if quick else [1, 2, 3, 4, 5, 6],
        "chains": 4000 if quick else 40_000,
        "steps": 2000,
        "seed": SEED,
    }


def compute(p: dict) -> Data:
    grid = Grid(p["delta"])
    one = Quadratic.isotropic(1, 1.0, p["sigma"])
    space = StateSpace(Box.around(one.w_star, 2.0, grid), grid)
    law = stationary(transition_matrix(one, space, p["lr"])).pi
    p1 = float(law[space.index(one.w_star[None, :])[0]])
    mc = []
    for d in p["mc_dims"]:
        problem = Quadratic.isotropic(d, 1.0, p["sigma"])
        box = Box.around(problem.w_star, 2.0, grid)
        result = run(
            problem,
            StochasticRounding(grid),
            constant(p["lr"]),
            p["steps"],
            p["chains"],
            p["seed"],
            box,
            w0=problem.w_star,
        )
        hits = np.all(result.final_weights["w"] == problem.w_star, axis=1)
        mc.append((hits.mean(), hits.std(ddof=1) / np.sqrt(hits.size)))
    dims = np.array(p["dims"])
    return {"dims": dims, "exact": p1**dims, "p1": np.array(p1), "mc_dims": np.array(p["mc_dims"]), "mc": np.array(mc)}


def draw(data: Data, p: dict) -> Figure:
    figure, (ax,) = new_figure(width=5.6, height=4.0)
    ax.plot(data["dims"], data["exact"], color=COLORS["sr"], label=f"exact $p_1^d$, $p_1$ = {float(data['p1']):.3f}")
    ax.errorbar(
        data["mc_dims"],
        data["mc"][:, 0],
        yerr=2 * data["mc"][:, 1],
        fmt="s",
        color="black",
        mfc="none",
        capsize=2,
        label="Monte Carlo",
    )
    ax.set_yscale("log")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("dimension d")
    ax.set_ylabel(r"$P(w = w^*)$ under SR's stationary law")
    ax.set_title(f"SR's mass at the minimizer decays like $p_1^d$ (a = {p['lr']})")
    ax.legend(loc="lower left")
    return figure


SPEC = FigureSpec(
    "dimension",
    "Dimension against SR's mass at the minimizer",
    "Probability that SR sits exactly at the minimizer of a separable quadratic, against d "
    "(log scale). Theory (M6): the stationary law is a product of 1-D laws, so the mass is p_1^d "
    "and decays exponentially in d; Monte Carlo points for small d agree.",
    parameters,
    compute,
    draw,
    full_seconds=25.0,
)
