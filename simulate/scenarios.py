"""The named problem set-ups shared by the claim checks, the figures and the command line.

Each set-up is defined once here, so that ``qnets simulate --problem double-well``, ``qnets
markov``, the Markov checks (M1-M6) and the toy figures all mean the same double well.

* :func:`double_well`: the tilted double well ``F(w) = 0.25 (w^2 - 1)^2 + 0.1 w`` on the grid
  ``0.25 Z`` inside ``[-h, h]`` (global minimum near -1.05, a local one near +0.95 that is 0.2
  higher), Gaussian noise ``sigma = 1`` unless another law is given;
* :func:`three_wells`: the 2-D toy :class:`~qnets.simulate.problems.MultiWell2D` (three Gaussian
  wells of depths 1, 0.75, 0.5 in a weak bowl) on the grid ``Delta Z^2`` inside ``[-h, h]^2``;
* :func:`quadratic_setup`: ``|w|^2/2`` with Gaussian noise, the grid ``Delta Z`` and the
  grid-aligned box of radius 1 around ``w* = 0``: the quadratic of most convex checks;
* :data:`MINIBATCH_OFFSETS`: the six per-sample gradient offsets of the minibatch toy (M5);
* :func:`named_problem`: the problems of ``qnets simulate --problem NAME``.
"""

from __future__ import annotations

import math

import numpy as np
from qnets.simulate.domain import Box
from qnets.simulate.grid import Grid
from qnets.simulate.markov.kernel import StateSpace
from qnets.simulate.noise import AdditiveNoise, GaussianNoise
from qnets.simulate.problems import Logistic, MultiWell2D, Problem, Quadratic, TiltedDoubleWell

from qnets.errors import InputError

#: The double well's shape: ``height ((w/scale)^2 - 1)^2 + tilt w``.
DOUBLE_WELL_HEIGHT = 0.25
DOUBLE_WELL_TILT = 0.1
#: The grid spacing of the double-well chains.
DOUBLE_WELL_DELTA = 0.25
#: "Near the minimizer" means within this (Euclidean) distance of ``w*``.
NEAR_RADIUS = 0.3

_OFFSET_SHAPE = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5])
#: Per-sample gradient offsets of the minibatch toy (mean 0, variance 3.5).
MINIBATCH_OFFSETS = _OFFSET_SHAPE * math.sqrt(3.5 / np.mean(_OFFSET_SHAPE**2))


def double_well(
    noise: AdditiveNoise | None = None, half_width: float = 2.0, delta: float = DOUBLE_WELL_DELTA
) -> tuple[TiltedDoubleWell, StateSpace]:
    """The tilted double well and its state space: the grid ``delta Z`` inside ``[-half_width, half_width]``."""
    problem = TiltedDoubleWell(height=DOUBLE_WELL_HEIGHT, tilt=DOUBLE_WELL_TILT, noise=noise or GaussianNoise(1.0))
    grid = Grid(delta)
    return problem, StateSpace(Box.around(np.zeros(1), half_width, grid), grid)


def three_wells(
    noise: AdditiveNoise | None = None, delta: float = 0.5, half_width: float = 3.0
) -> tuple[MultiWell2D, StateSpace]:
    """The 2-D three-well toy and its state space: the grid ``delta Z^2`` inside ``[-half_width, half_width]^2``."""
    problem = MultiWell2D(noise=noise or GaussianNoise(1.0))
    grid = Grid(delta)
    return problem, StateSpace(Box.around(np.zeros(2), half_width, grid), grid)


def quadratic_setup(d: int, delta: float, sigma: float = 1.0) -> tuple[Quadratic, Grid, Box]:
    """``|w|^2/2`` in ``d`` dimensions with N(0, sigma^2) gradient noise, the grid ``delta Z`` and
    the grid-aligned box of radius 1 around ``w* = 0``."""
    problem = Quadratic.isotropic(d, mu=1.0, sigma=sigma)
    grid = Grid(delta)
    return problem, grid, Box.around(problem.w_star, 1.0, grid)


#: The problems of ``qnets simulate --problem NAME``, with their fixed dimension (None: any d).
PROBLEMS: dict[str, int | None] = {
    "quadratic": None,
    "ill-conditioned": None,
    "least-squares": None,
    "logistic": None,
    "double-well": 1,
    "multiwell": 2,
}


def named_problem(name: str, d: int, noise: float, batch_size: int, seed: int) -> Problem:
    """The problem called ``name`` on the command line.

    ``quadratic``: ``|w|^2/2`` with N(0, noise^2) gradient noise; ``ill-conditioned``: eigenvalues
    log-spaced in [0.1, 10], rotated by a Haar matrix drawn from ``seed`` (needs ``d >= 2``);
    ``least-squares``: ``(1/2n)||A w - b||^2`` with ``n = 20 d`` Gaussian rows drawn from ``seed``
    and minibatches of ``batch_size``; ``logistic``: l2-regularised logistic regression on
    ``50 d`` synthetic points drawn from ``seed``; ``double-well`` and ``multiwell``: the toys of
    :func:`double_well` and :func:`three_wells` (fixed ``d`` of 1 and 2).
    """
    if name not in PROBLEMS:
        raise InputError(f"unknown problem {name!r}; known: {', '.join(PROBLEMS)}")
    fixed = PROBLEMS[name]
    if fixed is not None and d != fixed:
        raise InputError(f"problem {name!r} has a fixed dimension: use --d {fixed}")
    if name == "quadratic":
        return Quadratic.isotropic(d, mu=1.0, sigma=noise)
    if name == "ill-conditioned":
        if d < 2:
            raise InputError("problem 'ill-conditioned' needs --d >= 2 (one coordinate has no condition number)")
        return Quadratic.ill_conditioned(d, mu=0.1, L=10.0, sigma=noise, rotation_seed=seed)
    if name == "least-squares":
        rng = np.random.default_rng(seed)
        A = rng.standard_normal((20 * d, d))
        b = A @ np.ones(d) + noise * rng.standard_normal(20 * d)
        return Quadratic.least_squares(A, b, batch_size)
    if name == "logistic":
        return Logistic.synthetic(n=50 * d, d=d, lam=0.1, seed=seed, batch_size=batch_size)
    if name == "double-well":
        return double_well(GaussianNoise(noise))[0]
    return three_wells(GaussianNoise(noise))[0]
