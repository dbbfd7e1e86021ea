"""Additive gradient-noise laws: ``g = grad F(w) + xi`` with ``xi`` i.i.d. per coordinate.

Each law states its per-coordinate variance (which enters ``G**2 = sup ||grad F||**2 +
d * variance``) and its supremum ``sup |xi_i|`` (finite only for bounded noise; claim M2
needs ``a * sup |g| <= delta``).  Finite-sum minibatch noise is not additive; it lives with
the problems that own the data (:mod:`simulate.problems`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from simulate import _validate


@dataclass(frozen=True)
class GaussianNoise:
    """``xi_i ~ N(0, sigma**2)``; variance ``sigma**2``, unbounded."""

    sigma: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "sigma", _validate.non_negative("sigma", self.sigma))

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


@dataclass(frozen=True)
class UniformNoise:
    """``xi_i ~ U[-half_width, half_width]``; variance ``half_width**2 / 3``, bounded."""

    half_width: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "half_width", _validate.non_negative("half_width", self.half_width))

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


AdditiveNoise = GaussianNoise | UniformNoise
