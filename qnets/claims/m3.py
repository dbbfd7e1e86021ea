"""M3 (reconstructed): with unbounded noise, ``T_a = I + a A + o(a)`` and ``pi_a -> pi_0``.

Assumptions: one dimension, Gaussian gradient noise, ``a -> 0``.

Statement (derived in :mod:`qnets.theory.markov`): the generator ``A`` has up rate
``E[(-g)^+]/Delta`` and down rate ``E[g^+]/Delta``, ``pi_a -> pi_0`` with ``pi_0 A = 0``, and
``pi_0`` is not concentrated on the minimizers.

Check: TV(pi_a, pi_0) falls to 0 as a -> 0 (monotonely, down to solver precision), and pi_0's
mass near the global minimizer stays below 0.95.  Independent references: the generator's rates
and every kernel entry at every ``a`` are recomputed by quadrature of the normal density
(:mod:`qnets.claims.references`) and must agree within ``QUADRATURE_TOLERANCE``.  Given that,
``max|(T_a - I)/a - A|`` falling to round-off checks ``T_a = I + a A + o(a)``.

Generic instance: the double well with ``sigma = 0.8``, ``Delta = 0.3`` on ``[-1.8, 1.8]``.

Blind spots: one toy shape and one noise law; the 0.95 threshold is loose (the measured mass is
printed in the verdict).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from qnets.claims.instances import RADIUS, SOLVER_PRECISION
from qnets.claims.record import Claim, SizeTable
from qnets.claims.references import (
    QUADRATURE_TOLERANCE,
    gaussian_ramps_by_quadrature,
    gaussian_sr_row_by_quadrature,
)
from qnets.claims.verdict import SEED, Verdict
from qnets.simulate import GaussianNoise
from qnets.simulate.markov import StateSpace, generator, transition_matrix
from qnets.simulate.markov.summary import sr_law_against_step
from qnets.simulate.scenarios import double_well
from qnets.theory.markov import derivations


@dataclass(frozen=True)
class Sizes:
    """The step sizes ``rates`` at which pi_a is compared with pi_0."""

    rates: tuple[float, ...]


SIZES = SizeTable(Sizes((0.2, 0.1, 0.05, 0.02)), Sizes((0.2, 0.1, 0.05, 0.02, 0.01, 0.005)))
DERIVATION = derivations()["M3"]
#: The generic instance: the double well with noise ``GENERIC_SIGMA`` on the grid ``GENERIC_DELTA Z``
#: inside ``[-GENERIC_HALF_WIDTH, GENERIC_HALF_WIDTH]``.
GENERIC_SIGMA, GENERIC_DELTA, GENERIC_HALF_WIDTH = 0.8, 0.3, 1.8


def _quadrature_errors(problem, space: StateSpace, rates: list[float]) -> tuple[float, float]:
    """Largest relative error of the generator's rates and largest absolute error of the kernels'
    entries at ``rates``, against quadrature of the Gaussian noise density (1-D)."""
    sigma, delta = problem.noise.sigma, space.grid.delta
    (points,) = space.axes
    grads = problem.grad(space.points())[:, 0]
    ramps = np.array([gaussian_ramps_by_quadrature(g, sigma) for g in grads]) / delta
    rate_matrix = generator(problem, space).toarray()
    up, down = np.diag(rate_matrix, 1), np.diag(rate_matrix, -1)
    rate_error = float(max(np.max(np.abs(up / ramps[:-1, 0] - 1)), np.max(np.abs(down / ramps[1:, 1] - 1))))
    kernel_error = 0.0
    for a in rates:
        rows = np.array(
            [gaussian_sr_row_by_quadrature(x - a * g, a * sigma, points) for x, g in zip(points, grads, strict=True)]
        )
        kernel_error = max(kernel_error, float(np.abs(transition_matrix(problem, space, a) - rows).max()))
    return rate_error, kernel_error


def _falls(values: list[float]) -> bool:
    """Decreasing, until round-off (of order 1e-15 / a), and at most 1e-6 at the smallest ``a``."""
    return all(y <= max(x, SOLVER_PRECISION) for x, y in itertools.pairwise(values)) and values[-1] <= 1e-6


def _instance(problem, space: StateSpace, rates: list[float]) -> dict:
    """One toy: TV(pi_a, pi_0) and ``max|(T_a - I)/a - A|`` per ``a``, pi_0's mass near ``w*``, the
    quadrature errors, and whether its parts hold."""
    *steps, small_step = sr_law_against_step(problem, space, rates, RADIUS)
    distances = [row.tv_from_small_step_law for row in steps]
    rate_matrix = generator(problem, space).toarray()
    identity = np.eye(space.size)
    quotients = [
        float(np.abs((transition_matrix(problem, space, a) - identity) / a - rate_matrix).max()) for a in rates
    ]
    rate_error, kernel_error = _quadrature_errors(problem, space, rates)
    mass = small_step.mass_near_minimizer
    references = rate_error <= QUADRATURE_TOLERANCE and kernel_error <= QUADRATURE_TOLERANCE
    return {
        "distances": distances,
        "quotients": quotients,
        "mass": mass,
        "rate_error": rate_error,
        "kernel_error": kernel_error,
        "holds": bool(references and _falls(distances) and _falls(quotients) and mass <= 0.95),
    }


def check(sizes: Sizes = SIZES.quick, seed: int = SEED) -> Verdict:
    """M3: with Gaussian noise ``T_a = I + a A + o(a)``, TV(pi_a, pi_0) falls to 0 as a -> 0
    (monotonely, down to solver precision), and pi_0's mass near the global minimizer stays below
    0.95, on the double well and on the double well at generic constants (``sigma = 0.8``,
    ``Delta = 0.3``, ``[-1.8, 1.8]``).

    Independent references: the generator's rates ``E[(-g)^+]/Delta``, ``E[g^+]/Delta`` and every
    kernel entry at every ``a`` are recomputed by quadrature of the normal density
    (:mod:`qnets.claims.references`) and must agree within ``QUADRATURE_TOLERANCE``.  Given
    that, ``max|(T_a - I)/a - A|`` falling to round-off checks ``T_a = I + a A + o(a)``."""
    rates = list(sizes.rates)
    results = {
        "double well": _instance(*double_well(), rates),
        "generic double well": _instance(
            *double_well(GaussianNoise(GENERIC_SIGMA), GENERIC_HALF_WIDTH, GENERIC_DELTA), rates
        ),
    }
    mass = max(r["mass"] for r in results.values())

    def describe(name: str, r: dict) -> str:
        return (
            f"{name}: against quadrature of the noise density: generator rates rel. error {r['rate_error']:.1e}, "
            f"kernel entries abs. error {r['kernel_error']:.1e} (<= {QUADRATURE_TOLERANCE:g}); "
            f"max|(T_a - I)/a - A| {', '.join(f'{x:.2g}' for x in r['quotients'])}, "
            f"TV(pi_a, pi_0) {', '.join(f'{x:.2g}' for x in r['distances'])}; "
            f"pi_0 mass within {RADIUS} of w*: {r['mass']:.4f}"
        )

    return Verdict(
        "M3",
        all(r["holds"] for r in results.values()),
        mass,
        0.95,
        0.0,
        f"for a = {rates}: " + "; ".join(describe(name, r) for name, r in results.items()),
        {"rates": rates, "generic": {"sigma": GENERIC_SIGMA, "delta": GENERIC_DELTA}},
        seed=None,
        parts={name: r["holds"] for name, r in results.items()},
    )


CLAIM = Claim(
    "M3",
    "reconstructed",
    "Unbounded noise: T_a = I + a A + o(a), pi_a -> pi_0, and pi_0 is not concentrated on minimizers.",
    check,
    SIZES,
    notes="paper_notes/markov.md",
    bound=DERIVATION,
    figures=("markov-chain",),
)
