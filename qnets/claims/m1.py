"""M1 (paper): SR iterates on a grid form a Markov chain with exactly computable transitions.

Assumptions: a problem on a grid-aligned box, additive gradient noise with a known law, a
constant step ``a``.

Statement: the SR iterates form a Markov chain on the grid points of the box whose transition
matrix :func:`~qnets.simulate.markov.transition_matrix` is computable exactly from the noise law;
its stationary law is what long SR runs settle to.

Check: SR histograms after long runs match the exact stationary law (1-D double well and the
2-D three-well toy, and the double well at generic constants ``sigma = 0.8``, ``Delta = 0.3``,
``a = 0.07`` on ``[-1.8, 1.8]``), within :func:`~qnets.claims.references.histogram_threshold`
at tail ``TAIL/3`` (three comparisons) plus the exact allowance for incomplete mixing.  Simulator against
kernel: independent, except that the mixing allowance is computed with the kernel.

Blind spots: the generic instance is 1-D; a kernel error smaller than the histogram threshold
(M2's one-step frequencies and M3's quadrature see the kernel's entries more sharply).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qnets.claims.record import Claim, SizeTable
from qnets.claims.references import TAIL, histogram_threshold
from qnets.claims.verdict import SEED, Verdict
from qnets.simulate import GaussianNoise, StochasticRounding, constant, run
from qnets.simulate.markov import StateSpace, propagate, stationary, total_variation, transition_matrix
from qnets.simulate.scenarios import double_well, three_wells


@dataclass(frozen=True)
class Sizes:
    """``chains`` of SR per toy."""

    chains: int


SIZES = SizeTable(Sizes(20_000), Sizes(100_000))
#: The generic instance: the double well with noise ``GENERIC_SIGMA`` on the grid ``GENERIC_DELTA Z``
#: inside ``[-GENERIC_HALF_WIDTH, GENERIC_HALF_WIDTH]`` (13 states), step ``GENERIC_LR`` for ``GENERIC_STEPS``.
INSTANCES = ("double well", "three wells", "generic double well")
GENERIC_SIGMA, GENERIC_DELTA, GENERIC_HALF_WIDTH, GENERIC_LR, GENERIC_STEPS = 0.8, 0.3, 1.8, 0.07, 1500


def histogram_against_stationary(
    problem, space: StateSpace, lr: float, steps: int, chains: int, seed: int, tail: float
):
    """L1 distance of the Monte Carlo histogram at ``steps`` from the exact stationary law, the
    threshold (concentration at ``tail`` plus the exact ``2 TV(p_T, pi)`` of incomplete mixing)."""
    matrix = transition_matrix(problem, space, lr)
    law = stationary(matrix)
    start = np.zeros(space.size)
    w0 = space.box.lo
    start[space.index(w0[None, :])[0]] = 1.0
    at_steps = propagate(start, matrix, steps)
    result = run(problem, StochasticRounding(space.grid), constant(lr), steps, chains, seed, space.box, w0=w0)
    distance = float(np.abs(space.histogram(result.final_weights["w"]) - law.pi).sum())
    threshold = histogram_threshold(at_steps, chains, tail) + 2 * total_variation(at_steps, law.pi)
    return distance, threshold, law.residual


def check(sizes: Sizes = SIZES.quick, seed: int = SEED) -> Verdict:
    """M1: SR histograms after long runs match the exact stationary law (1-D double well, the
    2-D three-well toy, and the generic double well), within :func:`histogram_threshold` at
    tail ``TAIL/3`` (three comparisons) plus the exact allowance for incomplete mixing.  Simulator against kernel:
    independent, except that the mixing allowance is computed with the kernel."""
    chains = sizes.chains
    one_d, one_d_space = double_well()
    two_d, two_d_space = three_wells()
    generic, generic_space = double_well(GaussianNoise(GENERIC_SIGMA), GENERIC_HALF_WIDTH, GENERIC_DELTA)
    results = [
        histogram_against_stationary(one_d, one_d_space, 0.1, 5000, chains, seed, TAIL / 3),
        histogram_against_stationary(two_d, two_d_space, 0.2, 3000, chains, seed, TAIL / 3),
        histogram_against_stationary(generic, generic_space, GENERIC_LR, GENERIC_STEPS, chains, seed, TAIL / 3),
    ]
    ratios = [distance / threshold for distance, threshold, _ in results]
    worst = int(np.argmax(ratios))
    distance, threshold, _ = results[worst]
    parts = {name: bool(r <= 1) for name, r in zip(INSTANCES, ratios, strict=True)}
    return Verdict(
        "M1",
        all(r <= 1 for r in ratios),
        distance,
        threshold,
        0.0,
        f"||histogram - pi||_1 against the concentration threshold: 1-D {results[0][0]:.3g} <= {results[0][1]:.3g}, "
        f"2-D ({two_d_space.size} states) {results[1][0]:.3g} <= {results[1][1]:.3g}, generic 1-D (sigma = "
        f"{GENERIC_SIGMA}, Delta = {GENERIC_DELTA}, a = {GENERIC_LR}) {results[2][0]:.3g} <= {results[2][1]:.3g}; "
        f"solver residuals {', '.join(f'{r[2]:.1e}' for r in results)}",
        {"chains": chains, "lr": [0.1, 0.2, GENERIC_LR], "generic": {"sigma": GENERIC_SIGMA, "delta": GENERIC_DELTA}},
        seed=seed,
        parts=parts,
    )


CLAIM = Claim(
    "M1",
    "paper",
    "SR iterates on a grid form a Markov chain with exactly computable transitions; histograms match pi.",
    check,
    SIZES,
    notes="paper_notes/markov.md",
    figures=("toy-1d", "toy-2d"),
    full_seconds=19.0,
)
