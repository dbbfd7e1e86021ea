"""Additive gradient-noise laws: ``g = grad F(w) + xi`` with ``xi`` i.i.d. per coordinate.

Each law states its per-coordinate variance (which enters ``G**2 = sup ||grad F||**2 +
d * variance``) and its supremum ``sup |xi_i|`` (finite only for bounded noise; claim M2
needs ``a * sup |g| <= delta``).

Each law also gives, in closed form, the *expected ramp* ``E max(m + s xi, 0)`` (the small-step
SR rates of :mod:`qnets.simulate.markov`) and the *expected clip* ``E clip(m + s xi, 0, 1)`` (the
probability that SR ends at or below a grid point).

Laws: Gaussian, uniform, any finite discrete law, and the exact law of a minibatch mean of
a finite zero-mean dataset of offsets (``MinibatchNoise``; claim M5).  The least-squares
minibatch noise, whose law depends on ``w``, lives with its problem
(:mod:`qnets.simulate.problems.quadratic`).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np
from qnets.simulate import _validate
from scipy.special import erfc, gammaln

from qnets.errors import InputError

#: Above this ``z`` the Gaussian ramp uses the continued fraction (no cancellation).
_CONTINUED_FRACTION_FROM = 3.0
#: ``(from z, terms)``: the continued fraction converges faster as ``z`` grows.  Each count is
#: about 1.3 times the fewest terms that reproduce a 400-term evaluation to the last bit on
#: 20001 points of its band (80, 60, 30, 20 and 15 terms from z = 3, 4, 6, 10 and 20).
_CONTINUED_FRACTION_TERMS = ((3.0, 100), (4.0, 80), (6.0, 40), (10.0, 25), (20.0, 20))
#: Above this ``z``, ``psi(z) < phi(z) / z**2`` is below the smallest double: exactly 0.
_UNDERFLOW_FROM = 38.5


def gaussian_ramp(z: np.ndarray) -> np.ndarray:
    """``psi(z) = E max(Z - z, 0) = phi(z) - z Phi(-z)`` for ``Z ~ N(0, 1)``, to full relative precision.

    For large ``z`` the direct formula cancels.  There ``psi(z) = phi(z) K / (z + K)`` with
    ``K = 1/(z + 2/(z + 3/(z + ...)))``, which follows from Laplace's continued fraction
    ``Phi(-z)/phi(z) = 1/(z + K)`` of the Mills ratio.
    """
    z = np.asarray(z, dtype=float)
    out = np.full_like(z, np.nan)  # NaN stays NaN: it is in no band below
    phi = np.exp(-0.5 * np.clip(z, -40.0, 40.0) ** 2) / math.sqrt(2 * math.pi)  # 0 beyond |z| = 40 (underflow)
    direct = z <= _CONTINUED_FRACTION_FROM
    zd = z[direct]
    out[direct] = phi[direct] - zd * 0.5 * erfc(zd / math.sqrt(2))
    bounds = [start for start, _ in _CONTINUED_FRACTION_TERMS[1:]] + [_UNDERFLOW_FROM]
    for (start, terms), stop in zip(_CONTINUED_FRACTION_TERMS, bounds, strict=True):
        band = (z > start) & (z <= stop)
        zf = z[band]
        k = np.zeros_like(zf)
        for n in range(terms, 1, -1):  # k = n / (zf + k), in place
            np.add(zf, k, out=k)
            np.divide(n, k, out=k)
        k = 1.0 / (zf + k)
        out[band] = phi[band] * k / (zf + k)
    out[z > _UNDERFLOW_FROM] = 0.0
    return out


def _ramp(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0.0)


@dataclass(frozen=True)
class GaussianNoise:
    """``xi_i ~ N(0, sigma**2)``; variance ``sigma**2``, unbounded."""

    sigma: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "sigma", _validate.non_negative("sigma", self.sigma, _validate.MAX_SCALE))

    @property
    def variance(self) -> float:
        """Per-coordinate variance ``sigma**2``."""
        return self.sigma**2

    @property
    def sup_abs(self) -> float:
        """``sup |xi_i|``: infinite unless ``sigma == 0``."""
        return math.inf if self.sigma > 0 else 0.0

    def add_to(self, g: np.ndarray, rng: np.random.Generator, scratch: np.ndarray | None = None) -> None:
        """Add one draw of the noise to every entry of ``g`` in place (drawn into ``scratch``)."""
        if self.sigma > 0:
            xi = rng.standard_normal(size=g.shape) if scratch is None else rng.standard_normal(out=scratch)
            xi *= self.sigma
            g += xi

    def expected_ramp(self, m: np.ndarray, s: float) -> np.ndarray:
        """``E max(m + s xi, 0) = |s| sigma psi(-m / (|s| sigma))`` (:func:`~qnets.simulate.noise.gaussian_ramp`)."""
        width = abs(s) * self.sigma
        if width == 0:
            return _ramp(np.asarray(m, dtype=float))
        m = np.asarray(m, dtype=float)
        with np.errstate(over="ignore"):
            z = -m / width
        # where |m| / width overflows the noise is negligible against m: the ramp is max(m, 0) exactly
        return np.where(np.isfinite(z), width * gaussian_ramp(np.where(np.isfinite(z), z, 0.0)), _ramp(m))

    def expected_clip(self, m: np.ndarray, s: float) -> np.ndarray:
        """``E clip(m + s xi, 0, 1) = E R(m + s xi) - E R(m - 1 + s xi)`` (accurate for ``m <= 1/2``)."""
        m = np.asarray(m, dtype=float)
        return self.expected_ramp(m, s) - self.expected_ramp(m - 1, s)


@dataclass(frozen=True)
class UniformNoise:
    """``xi_i ~ U[-half_width, half_width]``; variance ``half_width**2 / 3``, bounded."""

    half_width: float

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "half_width", _validate.non_negative("half_width", self.half_width, _validate.MAX_SCALE)
        )

    @property
    def variance(self) -> float:
        """Per-coordinate variance ``half_width**2 / 3``."""
        return self.half_width**2 / 3.0

    @property
    def sup_abs(self) -> float:
        """``sup |xi_i| = half_width``."""
        return self.half_width

    def add_to(self, g: np.ndarray, rng: np.random.Generator, scratch: np.ndarray | None = None) -> None:
        """Add one draw of the noise to every entry of ``g`` in place (drawn into ``scratch``)."""
        if self.half_width > 0:
            xi = rng.random(size=g.shape) if scratch is None else rng.random(out=scratch)
            xi -= 0.5
            xi *= 2.0 * self.half_width
            g += xi

    def expected_ramp(self, m: np.ndarray, s: float) -> np.ndarray:
        """``E max(m + s xi, 0)`` with ``h = |s| half_width``: ``m`` if ``m >= h`` (no kink inside),
        else ``max(m + h, 0)**2 / (4h)``."""
        m = np.asarray(m, dtype=float)
        h = abs(s) * self.half_width
        if h == 0:
            return _ramp(m)
        return np.where(m - h >= 0, m, _ramp(m + h) ** 2 / (4 * h))

    def expected_clip(self, m: np.ndarray, s: float) -> np.ndarray:
        """``E clip(m + s xi, 0, 1)``: the mean of ``clip`` over the interval ``[lo, hi]`` that
        float64 forms for ``[m - h, m + h]``, ``(int_lo^hi clip) / (hi - lo)``, assembled from the
        part above 1 and the part in ``[0, 1]`` without subtracting large numbers.  Each end is
        within half an ulp of the exact one and ``clip`` is 1-Lipschitz, so this is within about
        an ulp of ``m`` of the exact mean (dividing by ``2 h`` instead would be wrong by a factor
        ``(hi - lo) / (2 h)``, far from 1 when ``h`` is a few ulps of ``m``).

        Where ``h`` is below the float64 resolution of ``m`` (``m + h`` and ``m - h`` are less than
        ``h`` apart) the interval cannot be formed; there the noise moves ``clip`` by at most ``h``
        and ``clip(m)`` is returned.
        """
        m = np.asarray(m, dtype=float)
        h = abs(s) * self.half_width
        if h == 0:
            return np.clip(m, 0.0, 1.0)
        lo, hi = m - h, m + h
        above_one = np.maximum(hi - np.maximum(lo, 1.0), 0.0)
        a, b = np.clip(lo, 0.0, 1.0), np.clip(hi, 0.0, 1.0)
        inside = (b - a) * (b + a) / 2
        formed = hi - lo >= h
        return np.where(formed, (above_one + inside) / np.where(formed, hi - lo, 1.0), np.clip(m, 0.0, 1.0))


@dataclass(frozen=True, eq=False)
class DiscreteNoise:
    """``xi_i`` takes ``values[k]`` with probability ``probs[k]`` (a zero-mean finite law)."""

    values: np.ndarray
    probs: np.ndarray

    def __post_init__(self) -> None:
        values = _validate.finite_array("values", self.values, ndim=1)
        probs = _validate.finite_array("probs", self.probs, ndim=1)
        if values.shape != probs.shape or values.size == 0:
            raise InputError(f"values and probs must be non-empty and of one shape, got {values.shape}, {probs.shape}")
        if np.max(np.abs(values)) > _validate.MAX_SCALE:
            raise InputError(
                f"values must lie in [-{_validate.MAX_SCALE:g}, {_validate.MAX_SCALE:g}] (finite variance)"
            )
        if np.any(probs < 0) or not math.isclose(float(probs.sum()), 1.0, rel_tol=0, abs_tol=1e-12):
            raise InputError(f"probs must be >= 0 and sum to 1 (within 1e-12), got sum {float(probs.sum())!r}")
        mean = float(values @ probs)
        if abs(mean) > 1e-12 * max(1.0, float(np.max(np.abs(values)))):
            raise InputError(f"the noise must have mean 0 (gradients stay unbiased), got mean {mean!r}")
        for name, array in (("values", values), ("probs", probs)):
            array.setflags(write=False)
            object.__setattr__(self, name, array)

    @property
    def variance(self) -> float:
        """Per-coordinate variance ``sum_k probs_k values_k**2``."""
        return float(self.probs @ self.values**2)

    @property
    def sup_abs(self) -> float:
        """``max_k |values_k|`` over atoms of positive probability."""
        return float(np.max(np.abs(self.values[self.probs > 0])))

    def add_to(self, g: np.ndarray, rng: np.random.Generator, scratch: np.ndarray | None = None) -> None:
        """Add one draw of the noise to every entry of ``g`` in place."""
        g += rng.choice(self.values, size=g.shape, p=self.probs)

    def expected_ramp(self, m: np.ndarray, s: float) -> np.ndarray:
        """``E max(m + s xi, 0) = sum_k probs_k max(m + s values_k, 0)``."""
        m = np.asarray(m, dtype=float)
        total = np.zeros_like(m)
        for value, prob in zip(self.values, self.probs, strict=True):
            if prob > 0:
                total += prob * _ramp(m + s * value)
        return total

    def expected_clip(self, m: np.ndarray, s: float) -> np.ndarray:
        """``E clip(m + s xi, 0, 1) = sum_k probs_k clip(m + s values_k, 0, 1)``."""
        m = np.asarray(m, dtype=float)
        total = np.zeros_like(m)
        for value, prob in zip(self.values, self.probs, strict=True):
            if prob > 0:
                total += prob * np.clip(m + s * value, 0.0, 1.0)
        return total


#: Largest number of atoms :class:`MinibatchNoise` enumerates for its exact law.
MAX_MINIBATCH_ATOMS = 200_000


@dataclass(frozen=True, eq=False)
class MinibatchNoise:
    """The mean of ``batch_size`` draws, with replacement, from a finite dataset of ``offsets``.

    Per-sample gradients are ``grad F(w) + offsets[k]`` with ``mean(offsets) = 0``; a minibatch
    gradient averages ``batch_size`` of them.  Its noise has variance ``var(offsets) /
    batch_size`` and the exact law ``law`` (a :class:`DiscreteNoise` over multisets, with
    multinomial probabilities), used by the exact SR chains of claim M5.
    """

    offsets: np.ndarray
    batch_size: int
    law: DiscreteNoise = field(init=False, repr=False)

    def __post_init__(self) -> None:
        offsets = _validate.finite_array("offsets", self.offsets, ndim=1)
        batch = _validate.integer("batch_size", self.batch_size, minimum=1)
        if offsets.size == 0:
            raise InputError("offsets must be non-empty")
        if np.max(np.abs(offsets)) > _validate.MAX_SCALE:
            raise InputError(
                f"offsets must lie in [-{_validate.MAX_SCALE:g}, {_validate.MAX_SCALE:g}] (finite variance)"
            )
        offsets = offsets.copy()
        offsets.setflags(write=False)
        object.__setattr__(self, "offsets", offsets)
        object.__setattr__(self, "batch_size", batch)
        object.__setattr__(self, "law", self._exact_law())

    def _exact_law(self) -> DiscreteNoise:
        n, b = self.offsets.size, self.batch_size
        atoms = math.comb(n + b - 1, b)
        if atoms > MAX_MINIBATCH_ATOMS:
            raise InputError(
                f"the exact minibatch law has {atoms} atoms (n={n}, batch_size={b}); "
                f"at most {MAX_MINIBATCH_ATOMS} are enumerated"
            )
        counts = np.array([np.bincount(c, minlength=n) for c in itertools.combinations_with_replacement(range(n), b)])
        log_multinomial = gammaln(b + 1) - gammaln(counts + 1).sum(axis=1) - b * math.log(n)
        values, index = np.unique(counts @ self.offsets / b, return_inverse=True)  # merge equal means
        return DiscreteNoise(values, np.bincount(index, weights=np.exp(log_multinomial)))

    @property
    def variance(self) -> float:
        """``mean(offsets**2) / batch_size``."""
        return float(np.mean(self.offsets**2)) / self.batch_size

    @property
    def sup_abs(self) -> float:
        """``max |offsets|`` (a batch of one repeated sample)."""
        return float(np.max(np.abs(self.offsets)))

    def add_to(self, g: np.ndarray, rng: np.random.Generator, scratch: np.ndarray | None = None) -> None:
        """Add the mean of ``batch_size`` offsets drawn with replacement to every entry of ``g``."""
        rows = rng.integers(0, self.offsets.size, size=(*g.shape, self.batch_size))
        g += self.offsets[rows].mean(axis=-1)

    def expected_ramp(self, m: np.ndarray, s: float) -> np.ndarray:
        """The expected ramp under the exact law (see :class:`DiscreteNoise`)."""
        return self.law.expected_ramp(m, s)

    def expected_clip(self, m: np.ndarray, s: float) -> np.ndarray:
        """The expected clip under the exact law (see :class:`DiscreteNoise`)."""
        return self.law.expected_clip(m, s)


AdditiveNoise = GaussianNoise | UniformNoise | DiscreteNoise | MinibatchNoise

#: The additive laws, for ``isinstance`` checks.
ADDITIVE_NOISES = (GaussianNoise, UniformNoise, DiscreteNoise, MinibatchNoise)
