"""Figure 2: the error floor against the grid spacing Delta.

Quadratic ``F = |w - w*|^2/2`` in d = 10 with ``w*`` drawn once off the grid, Gaussian noise.
SR's floor is E1's exact small-step law (``(Delta/4) E||g||_1``, linear in Delta when the
noise dominates).  BC's real weights converge to ``w*`` (C7), so its deployed floor is
``E F(Q_s(w*)) - F* = sum_k (1/2) Delta^2 p_k (1 - p_k)``, ``p_k = frac(w*_k/Delta)``: order
``Delta^2``.  Monte Carlo points at constant a = 0.01: SR's error, and BC's deployment cost
``F(w_deployed) - F(w_real)`` per chain (at constant a the real weights themselves fluctuate
by O(a), which this difference removes).  The fitted log-log slopes of the exact curves are
printed in the legend.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from qnets.figures.spec import Data, FigureSpec
from qnets.figures.style import COLORS, LABELS, legend_outside, new_figure
from qnets.simulate import (
    BinaryConnect,
    Box,
    Estimate,
    GaussianNoise,
    Grid,
    Quadratic,
    StochasticRounding,
    constant,
    run,
)
from qnets.simulate.markov.quadratic import sr_floor_quadratic

from qnets.claims.verdict import SEED


def parameters(quick: bool) -> dict:
    return {
        "d": 10,
        "sigma": 1.0,
        "lr": 0.01,
        "deltas": np.geomspace(0.01, 0.4, 8 if quick else 14).tolist(),
        "mc_deltas": [0.05, 0.1, 0.2, 0.4] if quick else [0.02, 0.04, 0.08, 0.16, 0.32],
        "steps": 3000 if quick else 20_000,
        "chains": 200 if quick else 1000,
        "seed": SEED,
    }


def _w_star(d: int) -> np.ndarray:
    return np.random.default_rng(SEED).uniform(-0.5, 0.5, d)


def compute(p: dict) -> Data:
    w_star = _w_star(p["d"])
    deltas = np.array(p["deltas"])
    sr = np.array([sr_floor_quadratic(1.0, p["sigma"], delta, w_star, p["d"]).gap for delta in deltas])
    fraction = np.array([Grid(delta).round_up_probability(w_star) for delta in deltas])
    bc = np.sum(0.5 * deltas[:, None] ** 2 * fraction * (1 - fraction), axis=1)
    problem = Quadratic(np.ones(p["d"]), w_star=w_star, noise=GaussianNoise(p["sigma"]))
    mc: dict[str, list[tuple[float, float]]] = {"sr": [], "bc": []}
    for delta in p["mc_deltas"]:
        grid = Grid(delta)
        box = Box.around(w_star, 2.0, grid)
        start = grid.nearest(w_star)
        schedule = constant(p["lr"])
        sr_run = run(problem, StochasticRounding(grid), schedule, p["steps"], p["chains"], p["seed"], box, w0=start)
        error = sr_run.final("w.gap")
        mc["sr"].append((error.mean, error.stderr))
        bc_run = run(problem, BinaryConnect(grid), schedule, p["steps"], p["chains"], p["seed"], box, w0=start)
        cost = problem.gap(bc_run.final_weights["deployed"]) - problem.gap(bc_run.final_weights["real"])
        cost_estimate = Estimate.from_samples(cost)
        mc["bc"].append((cost_estimate.mean, cost_estimate.stderr))
    return {
        "deltas": deltas,
        "sr_exact": sr,
        "bc_deployed_exact": bc,
        "mc_deltas": np.array(p["mc_deltas"]),
        "sr_mc": np.array(mc["sr"]),
        "bc_mc": np.array(mc["bc"]),
    }


def slope(x: np.ndarray, y: np.ndarray) -> float:
    """Least-squares slope of ``log y`` against ``log x``."""
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


def draw(data: Data, p: dict) -> Figure:
    figure, (ax,) = new_figure(width=8.8, height=4.4)
    deltas = data["deltas"]
    series = (
        ("sr", "sr_exact", "sr_mc", "SR: Monte Carlo error"),
        ("bc-deployed", "bc_deployed_exact", "bc_mc", "BC: deployed minus real weights, Monte Carlo"),
    )
    for name, exact, mc, mc_label in series:
        fitted = slope(deltas, data[exact])
        ax.plot(
            deltas,
            data[exact],
            color=COLORS[name],
            marker="o",
            ms=3,
            label=f"{LABELS[name]}: exact a -> 0 limit, fitted slope {fitted:.2f}",
        )
        ax.errorbar(
            data["mc_deltas"],
            data[mc][:, 0],
            yerr=2 * data[mc][:, 1],
            color=COLORS[name],
            fmt="s",
            mfc="none",
            capsize=2,
            label=f"{mc_label}, a = {p['lr']}",
        )
    reference = deltas / deltas[0]
    ax.plot(deltas, data["sr_exact"][0] * reference, color="grey", ls=":", lw=1, label=r"slope 1 ($\propto\Delta$)")
    ax.plot(
        deltas,
        data["bc_deployed_exact"][0] * reference**2,
        color="grey",
        ls="--",
        lw=1,
        label=r"slope 2 ($\propto\Delta^2$)",
    )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(r"grid spacing $\Delta$ (units of w)")
    ax.set_ylabel(r"floor of $\mathbb{E}[F(w)] - F^*$")
    ax.set_title(f"Floor against $\\Delta$: quadratic, d = {p['d']}, $\\sigma$ = {p['sigma']}")
    legend_outside(ax, fontsize=6.5)
    return figure


SPEC = FigureSpec(
    "floor-vs-delta",
    "Error floor against the grid spacing",
    "Floors of SR and of BC's deployed weights against Delta (log-log). Theory: SR's floor is "
    "linear in Delta (C3; exactly (Delta/4) E||g||_1, E1) while BC's deployed weights pay only "
    "the rounding of w*, O(Delta^2). The legend gives the fitted slopes of the exact curves; "
    "Monte Carlo points (2 standard errors) confirm them.",
    parameters,
    compute,
    draw,
    full_seconds=27.0,
)
