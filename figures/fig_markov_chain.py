"""Figure 5: the SR Markov chain on the 1-D toy (claims M2, M3).

(a) From one grid point, SR's probabilities of moving up and down against a: exactly linear
below the threshold ``a* = Delta / sup|g|`` with bounded (uniform) noise, curved beyond it.
(b) Stationary laws: identical for every ``a <= a*``, different above.  (c) Relaxation time
``1/gap`` in steps against a: slope -1 (mixing slows like 1/a) while the law stays put.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from qnets.figures.spec import Data, FigureSpec
from qnets.figures.style import COLORS, legend_outside, new_figure
from qnets.simulate import GaussianNoise, UniformNoise
from qnets.simulate.markov import relaxation_time, stationary, transition_matrix
from qnets.simulate.scenarios import double_well

HALF_WIDTH = 2.5  # uniform noise, so that the chain on [-1.5, 1.5] is irreducible


def parameters(quick: bool) -> dict:
    return {
        "rates": np.geomspace(0.005, 0.5, 15 if quick else 40).tolist(),
        "move_rates": np.linspace(0.005, 0.3, 25 if quick else 60).tolist(),
        "state": 0.5,
    }


def compute(p: dict) -> Data:
    uniform, space = double_well(UniformNoise(HALF_WIDTH), half_width=1.5)
    gaussian, _ = double_well(GaussianNoise(1.0), half_width=1.5)
    points = space.points()
    threshold = space.grid.delta / (float(np.max(np.abs(uniform.grad(points)))) + HALF_WIDTH)
    start = int(space.index(np.array([[p["state"]]]))[0])
    data: Data = {
        "rates": np.array(p["rates"]),
        "move_rates": np.array(p["move_rates"]),
        "threshold": np.array(threshold),
        "points": points[:, 0],
    }
    for name, problem in (("uniform", uniform), ("gaussian", gaussian)):
        rows = [transition_matrix(problem, space, a)[start] for a in p["move_rates"]]
        data[f"{name}_moves"] = np.array([(row[start + 1], row[start - 1]) for row in rows])
        data[f"{name}_relaxation"] = np.array(
            [relaxation_time(transition_matrix(problem, space, a)) for a in p["rates"]]
        )
    laws = [threshold, threshold / 2, threshold / 10, 3 * threshold]
    data["law_rates"] = np.array(laws)
    data["laws"] = np.array([stationary(transition_matrix(uniform, space, a)).pi for a in laws])
    return data


def draw(data: Data, p: dict) -> Figure:
    figure, (moves, laws, mixing) = new_figure(1, 3, width=14.0, height=3.6)
    rates, threshold, move_rates = data["rates"], float(data["threshold"]), data["move_rates"]
    for name, style in (("uniform", "-"), ("gaussian", "--")):
        moves.plot(move_rates, data[f"{name}_moves"][:, 0], color=COLORS["sr"], ls=style, label=f"up, {name} noise")
        moves.plot(move_rates, data[f"{name}_moves"][:, 1], color=COLORS["bc"], ls=style, label=f"down, {name} noise")
        mixing.plot(rates, data[f"{name}_relaxation"], color=COLORS["sr"], ls=style, label=f"{name} noise")
    for ax in (moves, mixing):
        ax.axvline(threshold, color="grey", ls=":", lw=1, label=r"$a^* = \Delta/\sup|g|$")
        ax.set_xlabel("learning rate a")
    moves.set_ylabel(f"P(move) from w = {p['state']}")
    moves.set_title("(a) transition probabilities")
    legend_outside(moves, fontsize=7)
    reference = data["uniform_relaxation"][0] * rates[0] / rates
    mixing.plot(rates, reference, color="black", lw=0.8, ls=":", label="slope -1")
    mixing.set_xscale("log")
    mixing.set_yscale("log")
    mixing.set_ylabel("relaxation time 1/gap (steps)")
    mixing.set_title("(c) mixing slows like 1/a")
    legend_outside(mixing, fontsize=7)
    labels = [r"$a^*$", r"$a^*/2$", r"$a^*/10$", r"$3a^*$"]
    for law, label, style in zip(data["laws"], labels, ("-", "--", ":", "-"), strict=True):
        laws.plot(
            data["points"],
            law,
            ls=style,
            marker="o",
            ms=3,
            label=label,
            color="black" if "3" not in label else COLORS["r"],
        )
    laws.set_xlabel("w")
    laws.set_ylabel(r"stationary probability $\pi_a(w)$")
    laws.set_title("(b) stationary law (uniform noise)")
    legend_outside(laws, fontsize=7)
    return figure


SPEC = FigureSpec(
    "markov-chain",
    "The SR Markov chain: transitions, stationary law and mixing against a",
    "SR on the 1-D toy as an exact Markov chain. (a) Move probabilities are linear in a below "
    "a* = Delta/sup|g| (bounded noise), as M2 derives (T_a = I + a A). (b) Hence the stationary "
    "law is the same for every a <= a* and changes only above it. (c) The relaxation time grows "
    "like 1/a: a smaller learning rate only slows SR down.",
    parameters,
    compute,
    draw,
)
