"""Closed forms that the checks compare the simulator with, derived here and not in :mod:`qnets.simulate`.

* :func:`sgd_quadratic_gap`: SGD's exact error on an isotropic quadratic (claim C9).
"""

from __future__ import annotations


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
