"""The small-step limit of BinaryConnect's real weights (claim C6, sharpened).

With step sizes ``a_t -> 0`` the real weights of BC with the unbiased quantizer ``Q_s``
follow the mean ODE ``dw/dt = -h(w)``, ``h(w) = E grad F(Q_s(w))``, and converge to the root
``w_inf`` of ``h``.  Given ``w``, ``Q_s(w)`` takes the ``2^d`` corners of the grid cell of ``w``
with product probabilities, so ``h`` is computed exactly for small ``d``.  Theory
(the registry's ``C6-limit`` bound, :mod:`qnets.theory.convex`) gives ``F(w_inf) - F* <= L2^2 d^2 Delta^4/(128 mu)``.
"""

from __future__ import annotations

import itertools

import numpy as np
from qnets.simulate.grid import Grid
from qnets.simulate.problems.base import Problem
from scipy.optimize import root

from qnets.errors import InputError

#: ``2^d`` corners are enumerated; larger ``d`` raises.
MAX_DIMENSION = 14
#: The root must satisfy ``||h(w_inf)||_inf <= ROOT_TOLERANCE``.
ROOT_TOLERANCE = 1e-12


def mean_quantized_gradient(problem: Problem, grid: Grid, w: np.ndarray) -> np.ndarray:
    """``h(w) = E grad F(Q_s(w))``, exactly, by summing over the corners of ``w``'s grid cell.

    Parameters
    ----------
    problem
        Any problem with an exact gradient ``grad``; ``d <= MAX_DIMENSION``.
    grid
        The grid of the stochastic quantizer ``Q_s``.
    w
        Real weights, shape ``(d,)``.

    Returns
    -------
    numpy.ndarray
        ``sum_corners P(corner) grad F(corner)``, shape ``(d,)``.

    Raises
    ------
    InputError
        If ``d > MAX_DIMENSION`` (``2^d`` corners would be enumerated).
    """
    if problem.d > MAX_DIMENSION:
        raise InputError(f"exact corner sums need d <= {MAX_DIMENSION}, got d={problem.d}")
    below = grid.nearest(w - grid.delta / 2)
    below = np.where(below > w, below - grid.delta, below)
    up_probability = np.clip((w - below) / grid.delta, 0.0, 1.0)
    corners = np.array(list(itertools.product((0, 1), repeat=problem.d)), dtype=float)
    weights = np.prod(np.where(corners == 1, up_probability, 1 - up_probability), axis=1)
    return weights @ problem.grad(below + grid.delta * corners)


def bc_limit_point(problem: Problem, grid: Grid) -> np.ndarray:
    """The root ``w_inf`` of ``h(w) = E grad F(Q_s(w))``: where BC's real weights settle as ``a_t -> 0``.

    Found by Powell's hybrid method (``scipy.optimize.root``) started at ``w*``.

    Parameters
    ----------
    problem
        Any problem with an exact gradient; ``d <= MAX_DIMENSION``.
    grid
        The grid of BC's stochastic quantizer.

    Returns
    -------
    numpy.ndarray
        ``w_inf`` with ``||h(w_inf)||_inf <= ROOT_TOLERANCE``.

    Raises
    ------
    ArithmeticError
        If no root is found to ``ROOT_TOLERANCE``.
    """
    solution = root(lambda w: mean_quantized_gradient(problem, grid, w), problem.w_star, method="hybr", tol=1e-14)
    residual = float(np.max(np.abs(mean_quantized_gradient(problem, grid, solution.x))))
    if residual > ROOT_TOLERANCE:
        raise ArithmeticError(f"no root of E grad F(Q_s(w)) found: residual {residual:.3g}")
    return solution.x
