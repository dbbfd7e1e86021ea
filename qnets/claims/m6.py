"""M6 (extension): on separable problems SR's law is a product; its mass at ``w*`` decays like ``p1^d``.

Assumptions: a separable (isotropic) quadratic with noise independent across coordinates, a
constant step.

Statement: the coordinates are independent chains, so the law is the product of 1-D laws and
``P(w = w*) = p1^d``, exponentially small in d.

Check, on Monte Carlo runs from ``w*`` for d = 1, 2, 3: (i) for d = 2, 3 and every pair of
coordinates, the joint empirical law against the product of its empirical marginals (tail
``TAIL/4``) and the sample covariance (``Z`` stderr); neither uses an exact law, and both hold
at every ``t`` under independence since the start is a product; (ii) ``P(w = w*)`` against
``p1_t^d`` with ``p1_t`` the exact 1-D law at the same step count (``Z`` stderr).  The exact 2-D
stationary law against the product of 1-D laws compares the kernel with itself (it is
assembled as a product).

Blind spots: d <= 3 by Monte Carlo (the ``dimension`` figure shows larger d exactly).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from qnets.claims.record import Claim, SizeTable
from qnets.claims.references import TAIL, covariance_z, independence_threshold, joint_against_marginals
from qnets.claims.verdict import SEED, Verdict, Z
from qnets.simulate import Box, Grid, Quadratic, StochasticRounding, constant, run
from qnets.simulate.estimate import Estimate
from qnets.simulate.markov import StateSpace, propagate, stationary, total_variation, transition_matrix


@dataclass(frozen=True)
class Sizes:
    """``chains`` of SR per dimension."""

    chains: int


SIZES = SizeTable(Sizes(4000), Sizes(20_000))


def check(sizes: Sizes = SIZES.quick, seed: int = SEED) -> Verdict:
    """M6: on a separable quadratic with independent noise per coordinate SR's law is a product,
    so the mass at w* is ``p1^d``.

    Independent parts, on Monte Carlo runs from ``w*`` for d = 1, 2, 3: (i) for d = 2, 3 and every
    pair of coordinates, the joint empirical law against the product of its empirical marginals
    (:func:`independence_threshold`, tail ``TAIL/4``) and the sample covariance (``Z`` stderr);
    neither uses an exact law, and both hold at every ``t`` under independence since the start is
    a product; (ii) ``P(w = w*)`` against ``p1_t^d`` with
    ``p1_t`` the exact 1-D law at the same step count (``Z`` stderr).  The exact 2-D stationary law
    against the product of 1-D laws compares the kernel with itself (it is assembled as a product)."""
    sigma, delta, lr, steps = 1.0, 0.25, 0.05, 400
    grid = Grid(delta)
    one = Quadratic.isotropic(1, 1.0, sigma)
    one_space = StateSpace(Box.around(one.w_star, 2.0, grid), grid)
    two = Quadratic.isotropic(2, 1.0, sigma)
    two_space = StateSpace(Box.around(two.w_star, 2.0, grid), grid)
    one_matrix = transition_matrix(one, one_space, lr)
    p1_law = stationary(one_matrix).pi
    product_error = total_variation(
        stationary(transition_matrix(two, two_space, lr)).pi, np.outer(p1_law, p1_law).ravel()
    )
    centre = one_space.index(one.w_star[None, :])[0]
    p1_t = float(propagate(np.eye(one_space.size)[centre], one_matrix, steps)[centre])
    chains = sizes.chains
    deviations, dependence = [], []
    size = one_space.size
    for d in (1, 2, 3):
        problem = Quadratic.isotropic(d, 1.0, sigma)
        box = Box.around(problem.w_star, 2.0, grid)
        result = run(problem, StochasticRounding(grid), constant(lr), steps, chains, seed, box, w0=problem.w_star)
        W = result.final_weights["w"]
        estimate = Estimate.from_samples(np.all(W == problem.w_star, axis=1).astype(float))
        deviations.append(abs(estimate.mean - p1_t**d) / max(estimate.stderr, 1e-300))
        states = np.stack([one_space.index(W[:, [k]]) for k in range(d)])
        for i, j in itertools.combinations(range(d), 2):
            distance = joint_against_marginals(states[i], states[j], (size, size))
            threshold = independence_threshold((size, size), chains, TAIL / 4)
            dependence.append((d, i, j, distance, threshold, covariance_z(W[:, i], W[:, j])))
    independent = all(dist <= t and z <= Z for *_, dist, t, z in dependence)
    holds = independent and max(deviations) <= Z and product_error <= 1e-10
    *_, distance, threshold, _ = max(dependence, key=lambda item: item[3] / item[4])
    return Verdict(
        "M6",
        bool(holds),
        distance,
        threshold,
        0.0,
        "coordinate pairs (Monte Carlo): joint law vs product of empirical marginals, and covariance in stderr: "
        + ", ".join(f"d = {d} ({i},{j}) {x:.3g} <= {t:.3g}, z {z:.2f} <= {Z:g}" for d, i, j, x, t, z in dependence)
        + f"; P(w = w*) vs exact p1_t^d with p1_t = {p1_t:.4f} (t = {steps}; stationary {p1_law[centre]:.4f}): "
        f"d = 1, 2, 3 within {max(deviations):.2f} stderr (<= {Z:g}); "
        f"exact 2-D law vs product of 1-D laws (kernel against itself): TV {product_error:.1e}",
        {"sigma": sigma, "delta": delta, "lr": lr, "steps": steps, "chains": chains},
        seed=seed,
    )


CLAIM = Claim(
    "M6",
    "extension",
    "Separable problems: SR's law is a product; the mass at the minimizer decays exponentially in d.",
    check,
    SIZES,
    notes="paper_notes/markov.md",
    figures=("dimension",),
)
