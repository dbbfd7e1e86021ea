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

Generic instance (:mod:`qnets.claims.markov_paths`): curvatures 0.7, 1.3, ``sigma = 0.6``,
``Delta = 0.15``, ``a = 0.045``, a box centred at ``w*`` in one coordinate only.  The same
Monte Carlo parts run on it, with ``P(w = w*)`` against the exact 2-D law at ``t`` (the sparse
kernel propagated), which must equal the product of the two different 1-D laws; and the exact
paths of the Markov core are cross-checked on it: every stationary solver where ``auto`` picks
it, the sparse kernel, and E2's exact propagation (:func:`~qnets.claims.markov_paths.solver_paths`,
:func:`~qnets.claims.markov_paths.propagation_paths`).

Blind spots: d <= 3 by Monte Carlo (the ``dimension`` figure shows larger d exactly).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from qnets.claims import markov_paths
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


def _pairs(W: np.ndarray, spaces: list[StateSpace], label: str) -> list[tuple]:
    """Every coordinate pair of the runs ``W`` (coordinate ``k`` on ``spaces[k]``): the joint law
    against the product of its empirical marginals (:func:`independence_threshold` at tail
    ``TAIL/4``) and the covariance in stderr."""
    chains = W.shape[0]
    states = [space.index(W[:, [k]]) for k, space in enumerate(spaces)]
    found = []
    for i, j in itertools.combinations(range(W.shape[1]), 2):
        sizes = (spaces[i].size, spaces[j].size)
        distance = joint_against_marginals(states[i], states[j], sizes)
        threshold = independence_threshold(sizes, chains, TAIL / 4)
        found.append((label, i, j, distance, threshold, covariance_z(W[:, i], W[:, j])))
    return found


def _point_law(space: StateSpace, w: np.ndarray) -> np.ndarray:
    law = np.zeros(space.size)
    law[space.index(w[None, :])[0]] = 1.0
    return law


def _generic_monte_carlo(chains: int, steps: int, seed: int) -> tuple[list[tuple], float, float, float]:
    """SR on the generic instance from ``w*``: its coordinate pairs; ``P(w = w*)`` in stderr from
    the exact 2-D law at ``steps`` (sparse kernel, sparse propagation); that law's L1 distance from
    the product of the two 1-D laws at ``steps``; and ``P(w = w*)`` under the exact law."""
    problem, space = markov_paths.generic_problem(), markov_paths.generic_space()
    lr = markov_paths.LR
    result = run(
        problem, StochasticRounding(space.grid), constant(lr), steps, chains, seed, space.box, w0=problem.w_star
    )
    W = result.final_weights["w"]
    joint_t = propagate(_point_law(space, problem.w_star), transition_matrix(problem, space, lr, sparse=True), steps)
    marginals, spaces = [], []
    for k in range(problem.d):
        one, one_space = markov_paths.coordinate(problem, space, k)
        spaces.append(one_space)
        marginals.append(propagate(_point_law(one_space, one.w_star), transition_matrix(one, one_space, lr), steps))
    product_error = float(np.abs(joint_t - markov_paths.product(marginals)).sum())
    centre = space.index(problem.w_star[None, :])[0]
    at_w_star = float(joint_t[centre])
    estimate = Estimate.from_samples((space.index(W) == centre).astype(float))
    deviation = abs(estimate.mean - at_w_star) / max(estimate.stderr, 1e-300)
    return _pairs(W, spaces, "generic d = 2"), deviation, product_error, at_w_star


def check(sizes: Sizes = SIZES.quick, seed: int = SEED) -> Verdict:
    """M6: on a separable quadratic with independent noise per coordinate SR's law is a product,
    so the mass at w* is ``p1^d``.

    Independent parts, on Monte Carlo runs from ``w*`` for d = 1, 2, 3 and the generic instance:
    (i) for every pair of coordinates, the joint empirical law against the product of its
    empirical marginals (:func:`independence_threshold`, tail ``TAIL/4``) and the sample
    covariance (``Z`` stderr); neither uses an exact law, and both hold at every ``t`` under
    independence since the start is a product; (ii) ``P(w = w*)`` against ``p1_t^d`` with ``p1_t``
    the exact 1-D law at the same step count (``Z`` stderr), and on the generic instance against
    the exact 2-D law at ``t``, itself equal to the product of its two 1-D laws.  The exact 2-D
    stationary law against the product of 1-D laws compares the kernel with itself (it is
    assembled as a product).  Exact paths (:mod:`qnets.claims.markov_paths`): each stationary
    solver where ``auto`` picks it, the sparse kernel, and E2's exact propagation, each against
    an independent exact computation."""
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
    for d in (1, 2, 3):
        problem = Quadratic.isotropic(d, 1.0, sigma)
        box = Box.around(problem.w_star, 2.0, grid)
        result = run(problem, StochasticRounding(grid), constant(lr), steps, chains, seed, box, w0=problem.w_star)
        W = result.final_weights["w"]
        estimate = Estimate.from_samples(np.all(W == problem.w_star, axis=1).astype(float))
        deviations.append(abs(estimate.mean - p1_t**d) / max(estimate.stderr, 1e-300))
        dependence += _pairs(W, [one_space] * d, f"d = {d}")
    generic_pairs, generic_deviation, generic_product, generic_mass = _generic_monte_carlo(chains, steps, seed)
    dependence += generic_pairs
    deviations.append(generic_deviation)
    solvers, propagation = markov_paths.solver_paths(), markov_paths.propagation_paths()
    independent = all(dist <= t and z <= Z for *_, dist, t, z in dependence)
    generic_exact = generic_product <= markov_paths.EXACT_TOLERANCE
    parts = {
        "independence (Monte Carlo)": bool(independent),
        "P(w = w*) against the exact law": bool(max(deviations) <= Z),
        "exact product law": bool(product_error <= 1e-10 and generic_exact),
        "stationary solver paths": all(c.holds for c in solvers),
        "exact propagation paths": all(c.holds for c in propagation),
    }
    *_, distance, threshold, _ = max(dependence, key=lambda item: item[3] / item[4])
    return Verdict(
        "M6",
        all(parts.values()),
        distance,
        threshold,
        0.0,
        "coordinate pairs (Monte Carlo): joint law vs product of empirical marginals, and covariance in stderr: "
        + ", ".join(f"{label} ({i},{j}) {x:.3g} <= {t:.3g}, z {z:.2f} <= {Z:g}" for label, i, j, x, t, z in dependence)
        + f"; P(w = w*) vs exact p1_t^d with p1_t = {p1_t:.4f} (t = {steps}; stationary {p1_law[centre]:.4f}): "
        f"d = 1, 2, 3 within {max(deviations[:3]):.2f} stderr, generic within {generic_deviation:.2f} (exact "
        f"{generic_mass:.4f}; 2-D law at t vs product of 1-D laws L1 {generic_product:.1e}) (<= {Z:g}); "
        f"exact 2-D law vs product of 1-D laws (kernel against itself): TV {product_error:.1e}; "
        "solver paths: " + "; ".join(c.describe() for c in solvers)
        + "; exact propagation vs 1-D kernels: " + "; ".join(c.describe() for c in propagation),
        {"sigma": sigma, "delta": delta, "lr": lr, "steps": steps, "chains": chains,
         "generic": {"curvatures": markov_paths.CURVATURES.tolist(), "sigma": markov_paths.SIGMA,
                     "delta": markov_paths.DELTA, "lr": markov_paths.LR}},
        seed=seed,
        parts=parts,
    )  # fmt: skip


CLAIM = Claim(
    "M6",
    "extension",
    "Separable problems: SR's law is a product; the mass at the minimizer decays exponentially in d.",
    check,
    SIZES,
    notes="paper_notes/markov.md",
    figures=("dimension",),
)
