"""Independent references for the Markov-chain checks M1-M6: Monte Carlo and quadrature.

The exact SR laws of :mod:`qnets.simulate.markov` come from closed forms of the noise (the
expected clip and the expected ramp of :mod:`qnets.simulate.noise`).  The references here do
not use those closed forms:

* **Monte Carlo** runs the simulator's own SR step (:class:`~qnets.simulate.StochasticRounding`,
  which draws the gradient noise and rounds with uniforms) on whole arrays of chains;
* **quadrature** integrates the noise *density* numerically (``scipy.integrate.quad``) against
  SR's rounding weights, which are the linear-interpolation weights of the pre-rounding point
  between its two neighbouring grid points (``np.interp`` of a unit vector; the box's edges
  take everything beyond them).

Concentration (module-wide): for ``R`` rows of empirical laws, each from ``n`` independent
draws of a law ``p_r`` over ``K`` states, ``f = sum_r ||p_hat_r - p_r||_1`` has
``E f <= sum_{r,k} sqrt(p_rk (1 - p_rk)/n)`` (Jensen), and one draw moves ``f`` by at most
``2/n``, so McDiarmid gives ``P(f >= E f + eps) <= exp(-n eps^2 / (2R))``.
:func:`histogram_threshold` is that bound at the tail probability ``tail``.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from scipy import integrate

from qnets.claims.verdict import Z
from qnets.simulate import StochasticRounding
from qnets.simulate.markov import StateSpace
from qnets.simulate.problems.base import Problem

#: Tail probability of a two-sided ``Z = 5`` normal test.
TAIL = math.erfc(Z / math.sqrt(2))
#: Absolute and relative accuracy asked of ``scipy.integrate.quad``.
QUAD_ACCURACY = 1e-13
#: Largest disagreement tolerated between an exact law and its quadrature (absolute for
#: probabilities, relative for rates): far above quadrature error, far below any modelling bug.
QUADRATURE_TOLERANCE = 1e-9


def histogram_threshold(law: np.ndarray, n: int, tail: float = TAIL) -> float:
    """``sum_{r,k} sqrt(p_rk (1 - p_rk)/n) + sqrt(2 R log(1/tail)/n)`` for the ``R`` rows of ``law``
    (a single law is one row): ``sum_r ||p_hat_r - p_r||_1`` exceeds it with probability at most
    ``tail`` (module docstring)."""
    rows = np.atleast_2d(law)
    return float(np.sum(np.sqrt(rows * (1 - rows) / n)) + math.sqrt(2 * rows.shape[0] * math.log(1 / tail) / n))


def sr_steps(problem: Problem, space: StateSpace, lr: float, W: np.ndarray, steps: int, rng) -> np.ndarray:
    """``steps`` steps of the simulator's SR method (constant ``lr``) applied to every row of ``W``, in place."""
    method = StochasticRounding(space.grid)
    state = {"w": W}
    for _ in range(steps):
        method.step(state, lr, problem, rng, space.box)
    return W


def one_step_frequencies(problem: Problem, space: StateSpace, lr: float, draws: int, rng) -> np.ndarray:
    """Empirical transition matrix: ``draws`` simulated SR steps from every state, row-normalised.

    Row ``i`` is the empirical law of the next state from state ``i``: an independent estimate of
    row ``i`` of :func:`~qnets.simulate.markov.transition_matrix`.
    """
    W = sr_steps(problem, space, lr, np.repeat(space.points(), draws, axis=0), 1, rng)
    origin = np.repeat(np.arange(space.size), draws)
    counts = np.bincount(origin * space.size + space.index(W), minlength=space.size**2)
    return counts.reshape(space.size, space.size) / draws


def independence_threshold(sizes: tuple[int, int], n: int, tail: float) -> float:
    """A level-``tail`` threshold for ``||J_hat - P_hat (x) Q_hat||_1``, the L1 distance of the
    empirical joint law of ``n`` independent pairs from the product of its empirical marginals.

    Under independence (``J = P (x) Q``) the triangle inequality and
    ``||P (x) Q - P_hat (x) Q_hat||_1 <= ||P - P_hat||_1 + ||Q - Q_hat||_1`` bound the distance by
    three histogram errors.  Each has ``E <= sqrt((K - 1)/n)`` over ``K`` states (Cauchy-Schwarz on
    ``sum_k sqrt(p_k (1 - p_k))``, whatever the unknown law) plus a McDiarmid term at ``tail/3``.
    """
    k1, k2 = sizes
    deviation = math.sqrt(2 * math.log(3 / tail) / n)
    return sum(math.sqrt((k - 1) / n) + deviation for k in (k1 * k2, k1, k2))


def joint_against_marginals(first: np.ndarray, second: np.ndarray, sizes: tuple[int, int]) -> float:
    """``||J_hat - P_hat (x) Q_hat||_1`` for paired state indices ``first``, ``second`` (``sizes`` states each)."""
    joint = np.bincount(first * sizes[1] + second, minlength=sizes[0] * sizes[1]).reshape(sizes) / first.size
    return float(np.abs(joint - np.outer(joint.sum(axis=1), joint.sum(axis=0))).sum())


def covariance_z(x: np.ndarray, y: np.ndarray) -> float:
    """``|cov_hat(x, y)| / stderr``: the sample covariance of ``n`` independent pairs in standard
    errors (the mean of the centred products ``(x_i - x_bar)(y_i - y_bar)``, whose expectation is 0
    when ``x`` and ``y`` are independent).  Sees linear dependence far more sharply than
    :func:`joint_against_marginals`, whose threshold holds for any law."""
    products = (x - x.mean()) * (y - y.mean())
    return float(abs(products.mean()) / (products.std(ddof=1) / math.sqrt(products.size)))


def _normal_density(mean: float, sd: float):
    return lambda y: math.exp(-0.5 * ((y - mean) / sd) ** 2) / (sd * math.sqrt(2 * math.pi))


def _quad(f, lo: float, hi: float) -> float:
    return integrate.quad(f, lo, hi, epsabs=QUAD_ACCURACY, epsrel=QUAD_ACCURACY, limit=200)[0]


def gaussian_sr_row_by_quadrature(pre_rounding_mean: float, sd: float, points: np.ndarray) -> np.ndarray:
    """One-coordinate SR law from pre-rounding points ``y ~ N(pre_rounding_mean, sd^2)``, by quadrature.

    SR sends ``y`` to the grid point ``x_j`` with weight ``interp(y, points, e_j)`` (linear between
    neighbours, everything beyond an end point to that end point), so per cell ``[x_i, x_{i+1}]``
    the masses are ``int (1 - u) N dy`` to ``x_i`` and ``int u N dy`` to ``x_{i+1}`` with
    ``u = (y - x_i)/delta``; the two tails go to the end points.
    """
    density = _normal_density(pre_rounding_mean, sd)
    law = np.zeros(points.size)
    law[0] += _quad(density, -math.inf, points[0])
    law[-1] += _quad(density, points[-1], math.inf)
    for i, (lo, hi) in enumerate(itertools.pairwise(points)):
        mass = _quad(density, lo, hi)
        upper = _quad(lambda y, lo=lo, hi=hi: density(y) * (y - lo) / (hi - lo), lo, hi)
        law[i] += mass - upper
        law[i + 1] += upper
    return law


def gaussian_ramps_by_quadrature(mean: float, sd: float) -> tuple[float, float]:
    """``(E[(-g)^+], E[g^+])`` for ``g ~ N(mean, sd^2)``, by quadrature of the density: SR's
    small-step up and down rates times ``delta`` (claim M3)."""
    density = _normal_density(mean, sd)
    return _quad(lambda g: -g * density(g), -math.inf, 0.0), _quad(lambda g: g * density(g), 0.0, math.inf)
