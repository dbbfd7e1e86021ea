"""Independent reference laws of one SR step on one coordinate (for tests/test_markov_*_units.py).

SR sends the pre-rounding point ``y = mean - lr xi`` to the grid point ``x_j`` with the tent weight
``(relu(y - x_{j-1}) - 2 relu(y - x_j) + relu(y - x_{j+1})) / delta``, the edges taking the mass
beyond, so with the ramp ``R(a) = E max(y - a, 0)``: ``P(x_j) = (R(x_{j-1}) - 2 R(x_j) + R(x_{j+1})) /
delta``, ``P(x_0) = 1 - (R(x_0) - R(x_1)) / delta`` and ``P(x_{K-1}) = (R(x_{K-2}) - R(x_{K-1})) /
delta``. ``R`` is a closed form in mpmath for Gaussian noise and exact rational arithmetic for
uniform and discrete noise (by enumeration of the atoms); none of it goes through qnets' kernels.
"""

from fractions import Fraction

import mpmath
import numpy as np
from qnets.simulate.noise import GaussianNoise, MinibatchNoise, UniformNoise


def gaussian_ramp_of_y(a: float, mean: float, lr: float, sigma: float) -> mpmath.mpf:
    """``E max(y - a, 0)`` for ``y ~ N(mean, (lr sigma)^2)``: ``m Phi(m/w) + w phi(m/w)`` (mpmath, at
    the working precision of the caller)."""
    m, w = mpmath.mpf(mean) - mpmath.mpf(a), mpmath.mpf(lr) * mpmath.mpf(sigma)
    return m * mpmath.ncdf(m / w) + w * mpmath.npdf(m / w)


def uniform_ramp_of_y(a: float, mean: float, lr: float, half_width: float) -> Fraction:
    """``E max(y - a, 0)`` for ``y`` uniform on ``mean +- lr b``, in exact rationals."""
    m, h = Fraction(mean) - Fraction(a), Fraction(lr) * Fraction(half_width)
    if m >= h:
        return m
    return Fraction(0) if m <= -h else (m + h) ** 2 / (4 * h)


def discrete_ramp_of_y(a: float, mean: float, lr: float, values, probs) -> Fraction:
    """``E max(y - a, 0)`` for ``y = mean - lr xi``, ``xi`` discrete, by enumeration in rationals."""
    total = Fraction(0)
    for value, prob in zip(values, probs, strict=True):
        y = Fraction(mean) - Fraction(lr) * Fraction(float(value))
        total += Fraction(float(prob)) * max(y - Fraction(a), Fraction(0))
    return total


def ramp_of(noise):
    if isinstance(noise, GaussianNoise):
        return lambda a, mean, lr: gaussian_ramp_of_y(a, mean, lr, noise.sigma)
    if isinstance(noise, UniformNoise):
        return lambda a, mean, lr: uniform_ramp_of_y(a, mean, lr, noise.half_width)
    law = noise.law if isinstance(noise, MinibatchNoise) else noise
    return lambda a, mean, lr: discrete_ramp_of_y(a, mean, lr, law.values, law.probs)


def reference_law(mean: float, points: np.ndarray, lr: float, noise, dps: int = 60) -> np.ndarray:
    """``P(next = points_j)`` from second differences of the ramp of ``y`` (module docstring), at
    ``dps`` digits for Gaussian noise (an entry ``p`` needs about ``-log10 p + 16`` of them: the
    differences cancel); a discrete law's total mass is the exact sum of its (rounded)
    probabilities, not 1."""
    ramp = ramp_of(noise)
    mass = 1
    size = points.size
    if size == 1:
        return np.ones(1)
    delta = Fraction(float(points[1])) - Fraction(float(points[0]))
    with mpmath.workdps(dps):
        r = [ramp(float(x), float(mean), lr) for x in points]
        if not isinstance(r[0], Fraction):
            delta = mpmath.mpf(delta.numerator) / delta.denominator
        elif not isinstance(noise, UniformNoise):
            law = noise.law if isinstance(noise, MinibatchNoise) else noise
            mass = sum(Fraction(float(p)) for p in law.probs)
        law = [mass - (r[0] - r[1]) / delta]
        law += [(r[j - 1] - 2 * r[j] + r[j + 1]) / delta for j in range(1, size - 1)]
        law += [(r[size - 2] - r[size - 1]) / delta]
        return np.array([float(p) for p in law])
