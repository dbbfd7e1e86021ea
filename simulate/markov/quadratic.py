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
from qnets.simulate.markov.kernel import additive_noise
from qnets.simulate.markov.stationary import stationary
from qnets.simulate.monte_carlo import SCHEDULE_CHUNK, step_sizes
from qnets.simulate.noise import AdditiveNoise, GaussianNoise, MinibatchNoise, UniformNoise
from qnets.simulate.problems.quadratic import Quadratic

from qnets.errors import InputError, InputTypeError

#: The truncated lattice of :func:`sr_floor_quadratic` must hold all but this much mass.
TAIL_MASS = 1e-25
#: E2 puts the Gaussian mass beyond this many standard deviations of a step's noise (below 1e-23
#: per row) on the ends of each row's band (:mod:`qnets.simulate.markov.exact_kernels`).
Z_TAIL = 10.0
#: A box is centred at ``w*`` (E2 then uses the mirror symmetry) when ``|lo + hi - 2 w*|`` is at
#: most this many ulps of the largest of ``|lo|``, ``|hi|``, ``|w*|``.
MIRROR_ULPS = 8


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


def _noise_arguments(noise: AdditiveNoise) -> tuple[int, float, np.ndarray, np.ndarray, bool]:
    """``(kind, scale, values, probs, symmetric)`` of ``noise`` for :mod:`qnets.simulate.markov.exact_kernels`."""
    from qnets.simulate.markov import exact_kernels as kernels

    empty = np.zeros(0)
    if isinstance(noise, GaussianNoise):
        return kernels.GAUSSIAN, noise.sigma, empty, empty, True
    if isinstance(noise, UniformNoise):
        return kernels.UNIFORM, noise.half_width, empty, empty, True
    law = noise.law if isinstance(noise, MinibatchNoise) else noise
    order = np.argsort(law.values)
    values, probs = law.values[order], law.probs[order]
    symmetric = bool(np.array_equal(values, -values[::-1]) and np.array_equal(probs, probs[::-1]))
    spread = float(np.max(np.abs(values[probs > 0])))
    return kernels.DISCRETE, spread, np.ascontiguousarray(values), np.ascontiguousarray(probs), symmetric


def _mirrored(lo: np.ndarray, hi: np.ndarray, w_star: np.ndarray) -> np.ndarray:
    """Per coordinate: is the box centred at ``w*`` (to ``MIRROR_ULPS`` ulps), so that ``z -> -z``
    maps the lattice onto itself?"""
    size = np.maximum(np.maximum(np.abs(lo), np.abs(hi)), np.abs(w_star))
    return np.abs(lo + hi - 2 * w_star) <= MIRROR_ULPS * np.finfo(float).eps * size


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
    Coordinates with equal ``(h, w*, lo, hi, w0)`` share one computation.  Each distinct one is
    propagated by the compiled kernels of :mod:`qnets.simulate.markov.exact_kernels`: only ``p_t`` and
    ``u_t`` (the rows of ``T_t`` sum to one, so ``sum_y v_{t+1}(y) = sum_y v_t(y) + 2 u_t . z +
    p_t . z^2`` and ``v`` is never formed), on the folded and odd kernels of about ``K/2`` states
    where the box is centred at ``w*`` and the noise symmetric, with the laws rebuilt only when
    the step size changes, from one ramp evaluation per point of each row's band within ``Z_TAIL``
    standard deviations of the noise.  Cost per distinct coordinate and step: ``2 K'^2``
    multiply-adds (``K' = K`` or about ``K/2``), plus at most ``K' (2 R + 1)`` ramp evaluations
    when the step changes (``R = Z_TAIL a sigma / delta``); memory
    ``O(K^2)`` a thread besides the output.  The distinct coordinates run in blocks on the cores
    (``propagate`` of ``qnets.simulate.markov.exact_kernels``), with the same result whatever their
    number.

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
    rates = np.concatenate(
        [step_sizes(schedule, t, min(t + SCHEDULE_CHUNK, steps)) for t in range(0, steps, SCHEDULE_CHUNK)]
    )
    from qnets.simulate.markov import exact_kernels as kernels

    kind, scale, values, probs, symmetric_noise = _noise_arguments(noise)
    keys = np.stack([np.asarray(problem.H, dtype=float), problem.w_star, box.lo, box.hi, w0], axis=1)
    distinct, counts = np.unique(keys, axis=0, return_counts=True)
    h, w_star, lo, hi, start = distinct.T
    delta = grid.delta
    sizes = np.rint((hi - lo) / delta).astype(int) + 1
    mirrored = _mirrored(lo, hi, w_star) & symmetric_noise
    last, averaged = np.zeros(steps), np.zeros(steps)
    for size, symmetric in sorted(set(zip(sizes.tolist(), mirrored.tolist(), strict=True))):
        k = np.flatnonzero((sizes == size) & (mirrored == symmetric))
        if symmetric:  # exactly mirrored offsets
            z_points = np.tile(delta * (np.arange(size) - (size - 1) / 2), (k.size, 1))
        else:
            z_points = lo[k, None] + delta * np.arange(size) - w_star[k, None]
        index = np.rint((start[k] - lo[k]) / delta).astype(np.int64)
        kernels.propagate(
            z_points, h[k], index, 0.5 * h[k] * counts[k], rates, delta, kind, scale, values, probs, Z_TAIL,
            symmetric, last, averaged,
        )  # fmt: skip
    return ExactSRRun(last, averaged)
