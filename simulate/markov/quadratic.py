"""Exact SR on diagonal quadratics: the true small-step floor (E1) and exact propagation (E2).

For ``F(w) = f* + sum_k h_k (w_k - w*_k)^2 / 2`` with additive noise independent across
coordinates, SR rounds each coordinate independently and coordinate ``k``'s gradient
depends on ``w_k`` only.  The coordinates are then independent Markov chains, and
``E F(w_t) - f* = sum_k h_k E(w_k,t - w*_k)^2 / 2`` needs only one-dimensional laws.

E1: as ``a -> 0`` each coordinate's law tends to the stationary law of the birth-death
generator with up rate ``E[(-g)^+]/delta`` and down rate ``E[g^+]/delta`` (claim M3); with
``g ~ N(h z, sigma^2)`` these are ``sigma psi(h z / sigma) / delta`` and
``sigma psi(-h z / sigma) / delta`` (``psi`` of :func:`qnets.simulate.noise.gaussian_ramp`).

E2: ``p_{t+1} = p_t T_t`` per coordinate gives ``E F(w_t)`` with no sampling error.  The
averaged iterate ``w_bar_t = (w_0 + ... + w_{t-1}) / t`` of claim C3 needs the second moment
of ``S_t = sum_{s<t} z_s`` (``z = w - w*``), which follows from the forward recursions

    u_{t+1}(y) = sum_x (u_t(x) + z(x) p_t(x)) T_t(x, y),                   u_t(x) = E[S_t; w_t = x]
    v_{t+1}(y) = sum_x (v_t(x) + 2 z(x) u_t(x) + z(x)^2 p_t(x)) T_t(x, y),  v_t(x) = E[S_t^2; w_t = x]

so ``E (z_bar_t)^2 = sum_y v_t(y) / t^2``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from qnets.simulate import _validate
from qnets.simulate.domain import Box
from qnets.simulate.grid import Grid
from qnets.simulate.markov.kernel import additive_noise, rounding_law
from qnets.simulate.markov.stationary import stationary
from qnets.simulate.noise import AdditiveNoise, GaussianNoise
from qnets.simulate.problems.quadratic import Quadratic

from qnets.errors import InputError, InputTypeError

#: The truncated lattice of :func:`sr_floor_quadratic` must hold all but this much mass.
TAIL_MASS = 1e-25
#: Transition entries (float64) per block of coordinates propagated together by
#: :func:`exact_sr_quadratic`: 4 MiB, large enough that per-step Python overhead is small.
LAW_BLOCK_ELEMENTS = 1 << 19


@dataclass(frozen=True)
class SRFloor:
    """E1: the exact small-step SR floor and its comparison with C3's floor.

    ``gap`` is ``lim E[F(w) - F*]`` under SR's small-step stationary law.  ``G`` is
    ``sqrt(E_pi ||g||^2)``, the stationary gradient second moment (the smallest ``G`` that
    C3's argument could use once the chain is stationary), ``c3_floor = sqrt(d) delta G / 2``
    and ``ratio = gap / c3_floor``.
    """

    gap: float
    G: float
    c3_floor: float
    d: int

    @property
    def ratio(self) -> float:
        """``gap / c3_floor``: how much of C3's floor SR actually pays."""
        return self.gap / self.c3_floor


def _coordinate_floor(mu: float, sigma: float, delta: float, w_star: float) -> tuple[float, float]:
    """``E_pi (mu/2) z^2`` and ``E_pi g^2`` for one coordinate.

    The lattice around ``w*`` is cut where a rate underflows to 0 (the mass beyond is then
    below the smallest double) and otherwise grown until each end holds less than
    ``TAIL_MASS / 2``.
    """
    noise = GaussianNoise(sigma)
    half_width = math.sqrt(120 * sigma * delta / (mu * math.sqrt(2 * math.pi))) + 10 * delta
    while True:
        lo = delta * math.floor((w_star - half_width) / delta)
        points = lo + delta * np.arange(math.ceil(2 * half_width / delta) + 2)
        grad = mu * (points - w_star)
        up = noise.expected_ramp(-grad, -1.0) / delta
        down = noise.expected_ramp(grad, 1.0) / delta
        centre = int(np.argmin(np.abs(points - w_star)))
        broken = np.flatnonzero((up[:-1] == 0) | (down[1:] == 0))
        first = int(broken[broken < centre].max()) + 1 if np.any(broken < centre) else 0
        last = int(broken[broken >= centre].min()) if np.any(broken >= centre) else points.size - 1
        sl = slice(first, last + 1)
        rates = sp.diags([up[sl][:-1], down[sl][1:]], [1, -1])
        generator = rates - sp.diags(np.asarray(rates.sum(axis=1)).ravel())
        pi = stationary(generator, method="birth-death").pi
        open_ends = pi[0] * (first == 0) + pi[-1] * (last == points.size - 1)
        if open_ends < TAIL_MASS / 2:
            z = points[sl] - w_star
            return float(pi @ (0.5 * mu * z**2)), float(pi @ (grad[sl] ** 2 + sigma**2))
        half_width *= 2


def sr_floor_quadratic(mu: float, sigma: float, delta: float, w_star: float | np.ndarray = 0.0, d: int = 1) -> SRFloor:
    """E1: the exact small-step SR stationary ``E[F - F*]`` for ``F = (mu/2)||w - w*||^2`` with
    gradient noise ``N(0, sigma^2 I)``, on the unbounded grid ``delta Z^d``.

    ``w_star`` is a scalar (every coordinate) or a vector of length ``d``.
    """
    mu = _validate.positive("mu", mu)
    sigma = _validate.positive("sigma", sigma)
    delta = _validate.positive("delta", delta)
    d = _validate.integer("d", d, minimum=1)
    minimizer = _validate.vector("w_star", w_star, d)
    per_type = {}
    gap = second_moment = 0.0
    for value in minimizer:
        offset = float(value - delta * math.floor(value / delta))  # the law depends on w* mod delta only
        if offset not in per_type:
            per_type[offset] = _coordinate_floor(mu, sigma, delta, offset)
        gap += per_type[offset][0]
        second_moment += per_type[offset][1]
    G = math.sqrt(second_moment)
    return SRFloor(gap, G, math.sqrt(d) * delta * G / 2, d)


@dataclass(frozen=True)
class ExactSRRun:
    """E2: exact ``E[F(w_t)] - F*`` (``last``) and ``E[F(w_bar_t)] - F*`` (``averaged``) for
    ``t = 1..steps`` (index ``t - 1``)."""

    last: np.ndarray
    averaged: np.ndarray

    @property
    def t(self) -> np.ndarray:
        """The step counts ``1..steps``."""
        return np.arange(1, self.last.size + 1)


def _propagate_block(
    h: np.ndarray,
    z_points: np.ndarray,
    start: np.ndarray,
    weight: np.ndarray,
    schedule: Callable[[int], float],
    steps: int,
    noise: AdditiveNoise,
) -> tuple[np.ndarray, np.ndarray]:
    """``sum_k weight_k E z_k,t^2`` and ``sum_k weight_k E z_bar_k,t^2`` for ``t = 1..steps`` over a
    block of ``c`` coordinates with ``K`` states each (``z_points`` of shape ``(c, K)``).

    The laws ``p``, ``u``, ``v`` of the module doc are stacked as ``(c, 3, K)`` and advanced by one
    batched product with the ``(c, K, K)`` transition laws, rebuilt only when the step changes.
    """
    rows = np.arange(h.size)
    state = np.zeros((h.size, 3, z_points.shape[1]))
    state[rows, 0, start] = 1.0
    mixed, scratch = np.empty_like(state), np.empty_like(z_points)
    z_squared, twice_z = z_points**2, 2 * z_points
    weighted_z_squared = weight[:, None] * z_squared
    last, averaged = np.empty(steps), np.empty(steps)
    law, law_lr = np.empty(0), math.nan
    for t in range(steps):
        lr = float(schedule(t))
        if lr != law_lr:
            law, law_lr = rounding_law(z_points * (1 - lr * h[:, None]), z_points, lr, noise), lr
        p, u, v = state[:, 0], state[:, 1], state[:, 2]
        mixed[:, 0] = p  # p, u + z p, v + 2 z u + z^2 p (the recursions of the module doc)
        np.multiply(z_points, p, out=mixed[:, 1])
        mixed[:, 1] += u
        np.multiply(z_squared, p, out=mixed[:, 2])
        mixed[:, 2] += v
        np.multiply(twice_z, u, out=scratch)
        mixed[:, 2] += scratch
        np.matmul(mixed, law, out=state)
        last[t] = np.einsum("ck,ck->", state[:, 0], weighted_z_squared)
        averaged[t] = np.einsum("ck,c->", state[:, 2], weight) / (t + 1) ** 2
    return last, averaged


def exact_sr_quadratic(
    problem: Quadratic,
    grid: Grid,
    box: Box,
    schedule: Callable[[int], float],
    steps: int,
    w0: np.ndarray | None = None,
) -> ExactSRRun:
    """E2: propagate SR's exact per-coordinate laws on a diagonal quadratic with additive noise.

    ``w0`` (default ``box.lo``, as in :func:`qnets.simulate.run`) must be a grid point of the box.
    Coordinates with equal ``(h, w*, lo, hi, w0)`` share one computation.  The distinct
    coordinates are propagated together, in blocks of at most ``LAW_BLOCK_ELEMENTS`` transition
    entries, so memory is ``O(d K)`` plus one block and no Python loop runs over coordinates
    or states; the cost is ``O(d K^2)`` per step (and one evaluation of the laws per block
    whenever the step size changes).

    Parameters
    ----------
    problem : Quadratic
        Diagonal ``H`` (a vector of eigenvalues) and additive noise of :mod:`qnets.simulate.noise`.
    grid, box : Grid, Box
        The grid ``delta Z^d`` and a grid-aligned box that holds ``w*``'s domain.
    schedule : callable
        ``schedule(t)``: the step size of step ``t = 0, 1, ...``.
    steps : int
        Number of steps ``T >= 1``.
    w0 : ndarray, optional
        The start, a grid point of the box (default ``box.lo``).

    Returns
    -------
    ExactSRRun
        ``E F(w_t) - F*`` and ``E F(w_bar_t) - F*`` for ``t = 1..steps``.

    Raises
    ------
    InputTypeError
        If ``problem`` is not a diagonal Quadratic with additive noise.
    InputError
        If ``steps`` or ``w0`` is out of range or the box does not fit the problem or grid.
    """
    if not isinstance(problem, Quadratic) or not problem.is_diagonal:
        raise InputTypeError("exact propagation needs a Quadratic with diagonal H (a vector of eigenvalues)")
    noise = additive_noise(problem)
    steps = _validate.integer("steps", steps, minimum=1)
    problem.check_domain(box)
    box.check_aligned(grid)
    w0 = box.lo.copy() if w0 is None else _validate.vector("w0", w0, problem.d)
    if not np.all(grid.contains(w0)) or np.any(w0 < box.lo) or np.any(w0 > box.hi):
        raise InputError("w0 must be a grid point inside the box")
    keys = np.stack([np.asarray(problem.H, dtype=float), problem.w_star, box.lo, box.hi, w0], axis=1)
    distinct, counts = np.unique(keys, axis=0, return_counts=True)
    h, w_star, lo, hi, start = distinct.T
    sizes = np.rint((hi - lo) / grid.delta).astype(int) + 1
    last, averaged = np.zeros(steps), np.zeros(steps)
    for size in np.unique(sizes):
        members = np.flatnonzero(sizes == size)
        block = max(1, LAW_BLOCK_ELEMENTS // size**2)
        for first in range(0, members.size, block):
            k = members[first : first + block]
            z_points = lo[k, None] + grid.delta * np.arange(size) - w_star[k, None]
            index = np.rint((start[k] - lo[k]) / grid.delta).astype(int)
            block_last, block_averaged = _propagate_block(
                h[k], z_points, index, 0.5 * h[k] * counts[k], schedule, steps, noise
            )
            last += block_last
            averaged += block_averaged
    return ExactSRRun(last, averaged)
