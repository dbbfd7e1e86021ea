"""Closed forms that the checks compare the simulator with, derived here and not in :mod:`qnets.simulate`.

* :func:`sgd_quadratic_gap`: SGD's exact error on an isotropic quadratic (claim C9);
* :func:`birth_death_floor`, :func:`isotropic_floor`: E1's small-step SR floor by detailed
  balance with scipy's normal law, and its derived ratio to C3's floor (E1, C3);
* :func:`sr_exact_separable`: SR's exact errors on a separable quadratic from closed-form
  kernels (E2, C3);
* :func:`bc_limit_by_enumeration`: BC's limit point and gap on logistic regression (C5, C6).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize, root
from scipy.special import ndtr


def sgd_quadratic_gap(mu: float, variance: float, d: int, a: float, steps: int, start_offset: float) -> float:
    """Exact ``E F(w_T) - F*`` of SGD with a constant step ``a`` on ``(mu/2)||w - w*||^2`` with
    zero-mean gradient noise of per-coordinate variance ``sigma^2 = variance``, independent across
    coordinates and steps, from ``w_0 - w* = start_offset`` in every coordinate.

    Each coordinate follows ``z_{t+1} = (1 - a mu) z_t - a xi_t``, so
    ``E z_T^2 = r^T z_0^2 + a^2 sigma^2 (1 - r^T) / (1 - r)`` with ``r = (1 - a mu)^2``; the gap is
    ``(mu/2) d E z_T^2`` and tends to ``d a sigma^2 / (2 (2 - a mu))`` (C9's SGD floor, linear in
    ``a``).  Projection onto a box is ignored: where the simulated chain starts on the box's face
    it acts in the first steps only, and its effect decays like ``r^t``.
    """
    r = (1 - a * mu) ** 2
    decay = r**steps
    second_moment = decay * start_offset**2 + a**2 * variance * (1 - decay) / (1 - r)
    return 0.5 * mu * d * second_moment


#: Relative agreement of two exact float64 computations of one number (both are accurate to
#: ~1e-13 on the checks' instances).
EXACT_RTOL = 1e-9


def gaussian_ramp_mean(m: np.ndarray | float, s: float) -> np.ndarray:
    """``E[X^+]`` for ``X ~ N(m, s^2)``, ``s > 0``: ``s phi(m/s) + m Phi(m/s)`` (``Phi`` by scipy.special.ndtr)."""
    m = np.asarray(m, dtype=float)
    return s * np.exp(-0.5 * (m / s) ** 2) / math.sqrt(2 * math.pi) + m * ndtr(m / s)


@dataclass(frozen=True)
class BirthDeathFloor:
    """One coordinate's small-step SR law (E1), computed here by detailed balance: ``gap =
    E_pi (mu/2) z^2``, ``abs_grad = E_pi E|g|``, ``sq_grad = E_pi E g^2``."""

    gap: float
    abs_grad: float
    sq_grad: float


def birth_death_floor(mu: float, sigma: float, delta: float, w_star: float) -> BirthDeathFloor:
    """E1's small-step law of one coordinate of SR on ``(mu/2)(w - w*)^2`` with ``N(0, sigma^2)``
    gradient noise on ``delta Z``, derived without :mod:`qnets.simulate`.

    From ``x`` the step ``-a g`` (``g ~ N(mu z, sigma^2)``, ``z = x - w*``) rounds up with
    probability ``a (-g)^+ / delta``, down with ``a g^+ / delta``, so as ``a -> 0`` the law is the
    birth-death chain with rates ``up(x) = E[(-g)^+]``, ``down(x) = E[g^+]`` (a common ``1/delta``
    cancels) and ``pi(x + delta)/pi(x) = up(x)/down(x + delta)`` (detailed balance).  The lattice
    spans ``12 sqrt(sigma delta/mu) + 12 delta`` on each side of ``w*``; its end cells must hold
    less than ``1e-30`` of the mass."""
    half = 12 * math.sqrt(sigma * delta / mu) + 12 * delta
    points = delta * np.arange(math.floor((w_star - half) / delta), math.ceil((w_star + half) / delta) + 1)
    drift = mu * (points - w_star)
    up, down = gaussian_ramp_mean(-drift, sigma), gaussian_ramp_mean(drift, sigma)
    log_pi = np.concatenate([[0.0], np.cumsum(np.log(up[:-1]) - np.log(down[1:]))])
    pi = np.exp(log_pi - log_pi.max())
    pi /= pi.sum()
    if max(pi[0], pi[-1]) > 1e-30:
        raise ArithmeticError(f"birth_death_floor: lattice too short, end mass {max(pi[0], pi[-1]):.3g}")
    absolute = gaussian_ramp_mean(drift, sigma) + gaussian_ramp_mean(-drift, sigma)
    return BirthDeathFloor(
        float(pi @ (0.5 * mu * (points - w_star) ** 2)), float(pi @ absolute), float(pi @ (drift**2 + sigma**2))
    )


def isotropic_floor(mu: float, sigma: float, delta: float, w_star: np.ndarray) -> tuple[float, float]:
    """E1's floor ``sum_k gap_k`` on ``(mu/2)||w - w*||^2`` and its derived ratio to C3's floor
    with the stationary ``G = sqrt(E_pi ||g||^2)``.

    Stationarity of the small-step generator applied to ``z^2`` gives ``gap = (delta/4) E_pi
    ||g||_1``, so the ratio ``gap / (sqrt(d) delta G / 2)`` is ``E_pi ||g||_1 / (2 sqrt(d)
    sqrt(E_pi ||g||^2))``: at most ``1/2`` (Cauchy-Schwarz) and ``1/sqrt(2 pi)`` when the noise
    dominates.  Both come from :func:`birth_death_floor`'s laws, the ratio through the identity."""
    laws = [birth_death_floor(mu, sigma, delta, float(value)) for value in np.atleast_1d(w_star)]
    d = len(laws)
    absolute, square = sum(law.abs_grad for law in laws), sum(law.sq_grad for law in laws)
    return sum(law.gap for law in laws), absolute / (2 * math.sqrt(d) * math.sqrt(square))


def _sr_kernel(points: np.ndarray, drift: np.ndarray, a: float, sigma: float) -> np.ndarray:
    """SR's one-step kernel on the consecutive grid points ``points`` (the box's grid) for the
    gradient ``drift(x) + N(0, sigma^2)``: ``u = x - a g ~ N(m, s^2)``, ``m = x - a drift``,
    ``s = a sigma``, projected onto ``[lo, hi]`` and rounded stochastically.

    With ``r(c) = E[(u - c)^+]`` the probability of an interior point ``y`` is the expected tent
    ``(r(y - Delta) - 2 r(y) + r(y + Delta)) / Delta``; ``lo`` gets ``1 - (r(lo) - r(lo + Delta))
    / Delta`` (all of ``u <= lo``), ``hi`` gets ``(r(hi - Delta) - r(hi)) / Delta``."""
    delta = float(points[1] - points[0])
    m = (points - a * drift)[:, None]
    s = a * sigma

    def r(c: np.ndarray) -> np.ndarray:
        return gaussian_ramp_mean(m - c[None, :], s)

    kernel = (r(points - delta) - 2 * r(points) + r(points + delta)) / delta
    kernel[:, 0] = 1 - (r(points[:1]) - r(points[:1] + delta))[:, 0] / delta
    kernel[:, -1] = (r(points[-1:] - delta) - r(points[-1:]))[:, 0] / delta
    return kernel


def sr_exact_separable(
    curvatures: np.ndarray,
    w_star: np.ndarray,
    sigma: float,
    lo: np.ndarray,
    hi: np.ndarray,
    delta: float,
    step_sizes: np.ndarray,
    w0: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """``E F(w_t) - F*`` and ``E F(w_bar_t) - F*`` (``t = 1..T``, ``w_bar_t`` the mean of
    ``w_0..w_{t-1}``) of SR with steps ``step_sizes`` on ``sum_k h_k (w_k - w*_k)^2 / 2`` with
    ``N(0, sigma^2)`` noise per coordinate on the grid-aligned box ``[lo, hi]``, from ``w0``.

    Derived here, not in :mod:`qnets.simulate`: the coordinates are independent chains with the
    kernels of :func:`_sr_kernel`; with ``S_t = z_0 + ... + z_{t-1}`` (``z = w - w*``),
    ``E S_{t+1}^2 = E S_t^2 + 2 E[S_t z_t] + E z_t^2`` and ``E[S_t z_t] = u_t . z`` with
    ``u_t(x) = E[S_t; w_t = x]``, ``u_{t+1} = (u_t + z p_t) K_t``."""
    steps = len(step_sizes)
    last, averaged = np.zeros(steps), np.zeros(steps)
    for h, target, low, high, start in zip(curvatures, w_star, lo, hi, w0, strict=True):
        points = low + delta * np.arange(round((high - low) / delta) + 1)
        z = points - target
        law = np.zeros(points.size)
        law[int(np.argmin(np.abs(points - start)))] = 1.0
        u, second = np.zeros(points.size), 0.0
        for t, a in enumerate(step_sizes):
            second += 2 * float(u @ z) + float(law @ z**2)
            averaged[t] += 0.5 * h * second / (t + 1) ** 2
            kernel = _sr_kernel(points, h * z, float(a), sigma)
            u, law = (u + z * law) @ kernel, law @ kernel
            last[t] += 0.5 * h * float(law @ z**2)
    return last, averaged


def logistic_loss(X: np.ndarray, y: np.ndarray, lam: float, w: np.ndarray) -> float:
    """``(1/n) sum_i log(1 + exp(-y_i x_i^T w)) + (lam/2)||w||^2``."""
    return float(np.mean(np.logaddexp(0.0, -y * (X @ w))) + 0.5 * lam * w @ w)


def logistic_gradient(X: np.ndarray, y: np.ndarray, lam: float, W: np.ndarray) -> np.ndarray:
    """The gradient of :func:`logistic_loss` at every row of ``W``: ``-(1/n) sum_i y_i x_i
    sigmoid(-y_i x_i^T w) + lam w``."""
    weights = y / (1 + np.exp(y * (W @ X.T)))
    return -(weights @ X) / X.shape[0] + lam * W


def bc_limit_by_enumeration(X: np.ndarray, y: np.ndarray, lam: float, delta: float) -> tuple[np.ndarray, float]:
    """BC's small-step limit point ``w_inf`` on l2-regularised logistic regression and its gap
    ``F(w_inf) - F*``, derived here without :mod:`qnets.simulate`.

    ``h(w) = E grad F(Q_s(w))`` sums the ``2^d`` corners ``c`` of ``w``'s cell ``[b, b + delta]``
    (``b = delta floor(w/delta)``) with probabilities ``prod_k p_k^{c_k} (1 - p_k)^{1 - c_k}``,
    ``p = (w - b)/delta``; the root is found by Levenberg-Marquardt from the minimizer, and ``F*``
    by BFGS on :func:`logistic_loss`."""
    d = X.shape[1]
    corners = np.array(list(itertools.product((0.0, 1.0), repeat=d)))

    def h(w: np.ndarray) -> np.ndarray:
        below = delta * np.floor(w / delta)
        p = (w - below) / delta
        weights = np.prod(np.where(corners == 1, p, 1 - p), axis=1)
        return weights @ logistic_gradient(X, y, lam, below + delta * corners)

    minimum = minimize(
        lambda w: (logistic_loss(X, y, lam, w), logistic_gradient(X, y, lam, w[None, :])[0]),
        np.zeros(d),
        jac=True,
        method="BFGS",
        options={"gtol": 1e-13},
    )
    solution = root(h, minimum.x, method="lm", tol=1e-15)
    return solution.x, logistic_loss(X, y, lam, solution.x) - logistic_loss(X, y, lam, minimum.x)
