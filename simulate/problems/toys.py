"""Non-convex toy problems with additive gradient noise, for the Markov-chain claims M1-M6.

Both toys have several local minima of different depths; ``minima`` lists them (points and
values), deepest first, and ``w_star``/``f_star`` are the deepest.  ``mu``, ``L`` and ``L2``
do not exist globally and are ``None``.

``G``, ``D``, ``w_star``, ``f_star`` and ``minima`` are vouched for independently (the sup of
``E||g||^2`` over the box, multi-start minimisation) by ``tests/test_constants.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
from qnets.simulate import _validate
from qnets.simulate.domain import Box
from qnets.simulate.noise import ADDITIVE_NOISES, AdditiveNoise, GaussianNoise
from qnets.simulate.problems.base import Problem
from scipy.optimize import minimize

from qnets.errors import InputError, InputTypeError


class NonConvexToy(Problem):
    """Shared behaviour: additive noise, minima-derived ``w_star``/``f_star``, no global constants."""

    noise: AdditiveNoise
    minima: tuple[tuple[np.ndarray, float], ...]
    mu = None
    L = None
    L2 = None

    def _set_minima(self, candidates: list[np.ndarray]) -> None:
        if not isinstance(self.noise, ADDITIVE_NOISES):
            raise InputTypeError(f"noise must be an additive noise law of simulate.noise, got {self.noise!r}")
        found: list[tuple[np.ndarray, float]] = []
        for point in candidates:
            if not np.all(np.isfinite(point)):
                continue
            if all(np.linalg.norm(point - other) > 1e-6 for other, _ in found):
                found.append((point, float(self.loss(point[None, :])[0])))
        found = [item for item in found if np.isfinite(item[1])]
        if not found:
            raise InputError(
                f"{type(self).__name__}: these parameters give no finite local minimum (they overflow float64); "
                "use moderate values"
            )
        found.sort(key=lambda item: item[1])
        object.__setattr__(self, "minima", tuple(found))
        object.__setattr__(self, "w_star", found[0][0])
        object.__setattr__(self, "f_star", found[0][1])

    def stochastic_grad(
        self,
        W: np.ndarray,
        rng: np.random.Generator,
        out: np.ndarray | None = None,
        scratch: np.ndarray | None = None,
    ) -> np.ndarray:
        """``grad F(w) + xi`` with ``xi`` from the additive noise law."""
        g = self.grad(W)
        self.noise.add_to(g, rng, scratch)
        return g

    def _G_from_gradient_bound(self, sup_grad_norm: float) -> float:
        return float(np.sqrt(sup_grad_norm**2 + self.d * self.noise.variance))


@dataclass(frozen=True, eq=False)
class TiltedDoubleWell(NonConvexToy):
    """``F(w) = height ((w/scale)^2 - 1)^2 + tilt w`` in one dimension.

    ``F'(w) = (4 height / scale^2) w ((w/scale)^2 - 1) + tilt``; the stationary points are the
    real roots of that cubic and the minima are those with ``F'' > 0``.  A small positive
    ``tilt`` makes the well near ``-scale`` the global one and the well near ``+scale`` a
    shallower local one.
    """

    height: float = 1.0
    tilt: float = 0.25
    scale: float = 1.0
    noise: AdditiveNoise = field(default_factory=lambda: GaussianNoise(1.0))

    def __post_init__(self) -> None:
        object.__setattr__(self, "height", _validate.positive("height", self.height))
        object.__setattr__(self, "tilt", _validate.real_number("tilt", self.tilt))
        object.__setattr__(self, "scale", _validate.positive("scale", self.scale))
        object.__setattr__(self, "d", 1)
        h, s = np.float64(self.height), np.float64(self.scale)
        with np.errstate(all="ignore"):
            coefficients = np.array([4 * h / s**4, 0.0, -4 * h / s**2, self.tilt])
            finite = np.all(np.isfinite(coefficients)) and coefficients[0] != 0
            try:
                roots = np.roots(coefficients) if finite else np.array([np.nan])
            except np.linalg.LinAlgError:  # the companion matrix overflowed
                roots = np.array([np.nan])
        if not finite or not np.all(np.isfinite(roots)):
            raise InputError(
                f"height={h:g}, tilt={self.tilt:g}, scale={s:g} overflow F' = (4 height/scale^2) w ((w/scale)^2 - 1) "
                "+ tilt; use moderate values"
            )
        real = roots[np.abs(roots.imag) < 1e-9].real
        curvature = 12 * h / s**4 * real**2 - 4 * h / s**2
        self._set_minima([np.array([r]) for r in real[curvature > 0]])

    def loss(self, W: np.ndarray) -> np.ndarray:
        """``height ((w/scale)^2 - 1)^2 + tilt w``."""
        w = np.asarray(W, dtype=float)[:, 0]
        return self.height * ((w / self.scale) ** 2 - 1) ** 2 + self.tilt * w

    def grad(self, W: np.ndarray) -> np.ndarray:
        """``(4 height/scale^2) w ((w/scale)^2 - 1) + tilt``."""
        W = np.asarray(W, dtype=float)
        return 4 * self.height / self.scale**2 * W * ((W / self.scale) ** 2 - 1) + self.tilt

    def G(self, domain: Box) -> float:
        """Exact: ``sup |F'|`` over the interval (end points and the extrema of ``F'`` at
        ``+-scale/sqrt 3``), combined with the noise variance."""
        self.check_domain(domain)
        lo, hi = domain.lo[0], domain.hi[0]
        candidates = [lo, hi] + [c for c in (-self.scale / np.sqrt(3), self.scale / np.sqrt(3)) if lo < c < hi]
        sup_grad = float(np.max(np.abs(self.grad(np.array(candidates)[:, None]))))
        return self._G_from_gradient_bound(sup_grad)


@dataclass(frozen=True, eq=False)
class MultiWell2D(NonConvexToy):
    """``F(w) = (curvature/2)||w||^2 - sum_k depth_k exp(-||w - c_k||^2 / (2 width_k^2))`` in 2-D.

    A weak quadratic bowl with Gaussian wells of different depths; the default has three
    local minima.  The minima are located by BFGS from every centre and from the origin, the
    bowl's own minimum (which no centre's basin holds when every well is far from it).
    """

    centers: np.ndarray = field(default_factory=lambda: np.array([[-1.5, 0.0], [1.5, 0.0], [0.0, 1.5]]))
    depths: np.ndarray = field(default_factory=lambda: np.array([1.0, 0.75, 0.5]))
    widths: np.ndarray = field(default_factory=lambda: np.array([0.5, 0.5, 0.5]))
    curvature: float = 0.2
    noise: AdditiveNoise = field(default_factory=lambda: GaussianNoise(1.0))

    def __post_init__(self) -> None:
        centers = _validate.finite_array("centers", self.centers, ndim=2)
        if centers.shape[1] != 2 or centers.shape[0] == 0:
            raise InputError(f"centers must have shape (k, 2) with k >= 1, got {centers.shape}")
        k = centers.shape[0]
        depths = _validate.vector("depths", self.depths, k)
        widths = _validate.vector("widths", self.widths, k)
        if np.any(depths <= 0) or np.any(widths <= 0):
            raise InputError("depths and widths must be > 0")
        for name, value in (("centers", centers), ("depths", depths), ("widths", widths)):
            value.setflags(write=False)
            object.__setattr__(self, name, value)
        object.__setattr__(self, "curvature", _validate.positive("curvature", self.curvature))
        object.__setattr__(self, "d", 2)

        def f_and_grad(w: np.ndarray) -> tuple[float, np.ndarray]:
            return float(self.loss(w[None, :])[0]), self.grad(w[None, :])[0]

        with np.errstate(all="ignore"):
            starts = [*centers, np.zeros(2)]
            points = [minimize(f_and_grad, c, jac=True, method="BFGS", options={"gtol": 1e-12}).x for c in starts]
        self._set_minima(points)

    def _wells(self, W: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray, float]]:
        """Per well ``k``: ``w - c_k`` (two columns) and ``depth_k e^{-||w - c_k||^2 / (2 width_k^2)}``.

        One well at a time on whole columns: numpy reduces slowly over an axis of length 2, and
        this is the hot loop of every chain on this toy."""
        x, y = W[:, 0], W[:, 1]
        for (cx, cy), depth, width in zip(self.centers, self.depths, self.widths, strict=True):
            dx, dy = x - cx, y - cy
            yield dx, dy, depth * np.exp(-(dx * dx + dy * dy) / (2 * width**2)), float(width)

    def loss(self, W: np.ndarray) -> np.ndarray:
        """Bowl minus the Gaussian wells."""
        W = np.asarray(W, dtype=float)
        value = 0.5 * self.curvature * (W[:, 0] ** 2 + W[:, 1] ** 2)
        for _, _, weight, _ in self._wells(W):
            value -= weight
        return value

    def grad(self, W: np.ndarray) -> np.ndarray:
        """``curvature w + sum_k depth_k e^{...} (w - c_k) / width_k^2``."""
        W = np.asarray(W, dtype=float)
        g = self.curvature * W
        for dx, dy, weight, width in self._wells(W):
            weight /= width**2
            g[:, 0] += weight * dx
            g[:, 1] += weight * dy
        return g

    def G(self, domain: Box) -> float:
        """Upper bound: ``||grad F|| <= curvature max||w|| + sum_k depth_k e^{-1/2} / width_k``
        (``r e^{-r^2/2s^2}/s^2`` peaks at ``e^{-1/2}/s``), combined with the noise variance."""
        self.check_domain(domain)
        radius = float(np.linalg.norm(np.maximum(np.abs(domain.lo), np.abs(domain.hi))))
        sup_grad = self.curvature * radius + float(np.sum(self.depths * np.exp(-0.5) / self.widths))
        return self._G_from_gradient_bound(sup_grad)
