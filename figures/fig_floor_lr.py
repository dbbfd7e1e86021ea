"""Figure 3: the stationary error against a constant learning rate a (claim C9).

Quadratic ``|w|^2/2`` in d = 10, Gaussian noise, grid spacing 0.05, constant steps, run for
``20/a`` steps (quick) from the box corner.  Theory: SGD's stationary error is
``d a sigma^2 / (2 (2 - a mu))`` (exact for a quadratic: the stationary variance solves
``v = (1 - a mu)^2 v + a^2 sigma^2``), proportional to a; SR's is E1's exact floor for every
small a; R stops moving once ``a |g| < Delta/2`` and keeps the error of wherever it stopped.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from qnets.figures.spec import Data, FigureSpec
from qnets.figures.style import COLORS, LABELS, new_figure
from qnets.simulate import SGD, Rounding, StochasticRounding, constant, run
from qnets.simulate.markov.quadratic import sr_floor_quadratic
from qnets.simulate.scenarios import quadratic_setup

from qnets.claims.verdict import SEED


def parameters(quick: bool) -> dict:
    return {
        "d": 10,
        "delta": 0.05,
        "sigma": 1.0,
        "rates": np.geomspace(0.1, 0.001, 5 if quick else 9).tolist(),
        "horizon": 20 if quick else 100,
        "chains": 200 if quick else 1000,
        "seed": SEED,
    }


def compute(p: dict) -> Data:
    problem, grid, box = quadratic_setup(p["d"], p["delta"], p["sigma"])
    data: Data = {"rates": np.array(p["rates"])}
    for name, method in (("sgd", SGD()), ("sr", StochasticRounding(grid)), ("r", Rounding(grid))):
        values = []
        for a in p["rates"]:
            estimate = run(problem, method, constant(a), int(p["horizon"] / a), p["chains"], p["seed"], box).final(
                "w.gap"
            )
            values.append((estimate.mean, estimate.stderr))
        data[name] = np.array(values)
    rates = data["rates"]
    data["sgd_theory"] = p["d"] * rates * p["sigma"] ** 2 / (2 * (2 - rates))
    data["sr_floor"] = np.array(sr_floor_quadratic(1.0, p["sigma"], p["delta"], 0.0, p["d"]).gap)
    return data


def draw(data: Data, p: dict) -> Figure:
    figure, (ax,) = new_figure(width=8.6, height=4.2)
    rates = data["rates"]
    for name in ("sgd", "sr", "r"):
        ax.errorbar(
            rates,
            data[name][:, 0],
            yerr=2 * data[name][:, 1],
            color=COLORS[name],
            marker="o",
            ms=4,
            capsize=2,
            label=f"{LABELS[name]} (Monte Carlo)",
        )
    ax.plot(rates, data["sgd_theory"], color=COLORS["sgd"], ls="--", label=r"SGD theory $d a\sigma^2/(2(2-a\mu))$")
    ax.axhline(float(data["sr_floor"]), color=COLORS["sr"], ls=":", label="SR: exact small-step floor (E1)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("constant learning rate a")
    ax.set_ylabel(r"stationary $\mathbb{E}[F(w)] - F^*$")
    ax.set_title(f"Floor against a: quadratic, d = {p['d']}, $\\Delta$ = {p['delta']}, $\\sigma$ = {p['sigma']}")
    ax.legend(loc="center left", bbox_to_anchor=(1.02, 0.5))
    return figure


SPEC = FigureSpec(
    "floor-vs-lr",
    "Error floor against a constant learning rate",
    "Stationary error against the constant learning rate a (log-log, 2 standard errors). Theory "
    "(C9): SGD's error is proportional to a and vanishes as a -> 0; SR's stays at its exact floor "
    "(E1) however small a is; R stalls once a |g| < Delta/2 and keeps the error of wherever it "
    "stalled (C8). That is a large error at the smallest a, where R stalls soon after its start; "
    "at intermediate a R can stall closer to w* than SR's floor, since a stalled R carries no "
    "rounding noise, but that point is where the run happened to stop, not a floor that a "
    "smaller a would lower.",
    parameters,
    compute,
    draw,
    full_seconds=190.0,
)
