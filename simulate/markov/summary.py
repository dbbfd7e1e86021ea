"""SR's stationary law against the step size: the table behind ``qnets markov`` and figure 5.

For each step ``a`` the exact transition matrix ``T_a`` gives the stationary law ``pi_a``, its
mass within ``radius`` of the global minimizer, its distance ``TV(pi_a, pi_0)`` from the
small-step law ``pi_0`` of the generator, and the relaxation time ``1/gap`` in steps; the
time ``a / gap`` in units of ``sum a_t`` shows M2's "only the learning is slowed down".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from qnets.simulate.markov.kernel import StateSpace, generator, transition_matrix
from qnets.simulate.markov.mixing import relaxation_time, total_variation
from qnets.simulate.markov.stationary import stationary
from qnets.simulate.problems.base import Problem


@dataclass(frozen=True)
class StepRow:
    """One step size: its law and summaries (``a = 0`` is the generator's small-step limit)."""

    a: float
    law: np.ndarray
    mass_near_minimizer: float
    tv_from_small_step_law: float
    relaxation_steps: float
    residual: float

    def as_dict(self) -> dict:
        """JSON-ready form."""
        return {
            "a": self.a,
            "mass_near_minimizer": self.mass_near_minimizer,
            "tv_from_small_step_law": self.tv_from_small_step_law,
            "relaxation_steps": self.relaxation_steps,
            "relaxation_time_in_units_of_a": self.a * self.relaxation_steps if self.a else self.relaxation_steps,
            "residual": self.residual,
            "law": self.law.tolist(),
        }


def near_minimizer(problem: Problem, points: np.ndarray, radius: float) -> np.ndarray:
    """Which rows of ``points`` lie within ``radius`` (Euclidean) of the global minimizer ``w*``."""
    return np.linalg.norm(points - problem.w_star, axis=1) <= radius


def sr_law_against_step(problem: Problem, space: StateSpace, rates: list[float], radius: float) -> list[StepRow]:
    """SR's exact stationary law for each step size, then its small-step limit (claims M2, M3).

    Parameters
    ----------
    problem
        A problem with additive gradient noise.
    space
        The grid points of a grid-aligned box: the chain's states.
    rates
        Step sizes ``a > 0``.
    radius
        "Near the minimizer" means within this Euclidean distance of ``w*``.

    Returns
    -------
    list of StepRow
        One row per ``a`` in ``rates`` (law, mass near ``w*``, ``TV(pi_a, pi_0)``, relaxation
        time, solver residual), followed by the generator's row with ``a = 0``.
    """
    near = near_minimizer(problem, space.points(), radius)
    rate_matrix = generator(problem, space)
    small_step = stationary(rate_matrix)
    rows = []
    for a in rates:
        matrix = transition_matrix(problem, space, a)
        law = stationary(matrix)
        rows.append(
            StepRow(
                float(a),
                law.pi,
                float(law.pi[near].sum()),
                total_variation(law.pi, small_step.pi),
                relaxation_time(matrix),
                law.residual,
            )
        )
    rows.append(
        StepRow(
            0.0, small_step.pi, float(small_step.pi[near].sum()), 0.0, relaxation_time(rate_matrix), small_step.residual
        )
    )
    return rows


def sgd_gibbs_law(energy: np.ndarray, lr: float, noise_variance: float) -> np.ndarray:
    """SGD's small-step stationary law ``exp(-2F/(a sigma^2))`` (claim M4), normalised to sum 1.

    Parameters
    ----------
    energy
        ``F`` at the points of a grid.
    lr
        The constant step size ``a``.
    noise_variance
        The per-coordinate gradient-noise variance ``sigma^2``.

    Returns
    -------
    numpy.ndarray
        The Gibbs weights on those points: the contrast every SR law is drawn against.
    """
    weights = np.exp(-2 * (np.asarray(energy) - np.min(energy)) / (lr * noise_variance))
    return weights / weights.sum()
