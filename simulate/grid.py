"""Quantization grids and the rounding operators R (nearest) and SR (stochastic).

A :class:`Grid` is the one-dimensional lattice ``anchor + delta * Z`` intersected with
``[lo, hi]``; it is applied coordinate-wise.  The anchor is ``lo`` when a lower bound is
given, otherwise ``hi``, otherwise 0, so that

* ``Grid(delta)`` is the unbounded grid ``delta * Z`` of the paper;
* ``Grid.symmetric(bits, delta)`` is the symmetric b-bit (mid-rise) grid with ``2**bits``
  levels ``(k - (2**bits - 1) / 2) * delta``;
* ``Grid.binary()`` is BinaryConnect's set {-1, +1} (``symmetric(1, 2.0)``).

Claim C1 (paper): for ``x`` with lattice coordinate ``y = (x - anchor) / delta`` and
``p = frac(y)``, stochastic rounding ``Q_s(x) = anchor + delta * (floor(y) + Bernoulli(p))``
is unbiased, ``E Q_s(x) = x``, and ``Var Q_s(x) = delta**2 p (1 - p) <= delta**2 / 4``.
It is sampled as ``floor(y + u)`` with ``u ~ U[0, 1)``, which rounds up exactly when
``u >= 1 - p``, an event of probability ``p``.

On a bounded grid both operators saturate: values beyond ``[lo, hi]`` go to the nearest
end point, which equals rounding after projecting onto ``[lo, hi]``.  On the binary grid
``Q_s`` is therefore BinaryConnect's stochastic binarisation: +1 with probability
``hard_sigmoid(x) = clip((x + 1) / 2, 0, 1)``.

Floating point: a grid value is always produced as ``anchor + delta * k`` with integral
``k``.  Re-rounding such a value recovers ``k`` exactly for R; for SR ``y`` may differ from
``k`` by one ulp, which changes the outcome with probability below 1e-15 per coordinate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from qnets.simulate import _validate

from qnets.errors import InputError
from qnets.units import MAX_EXACT_INTEGER

#: Relative tolerance used to decide whether a bound or a point lies on the lattice.
ON_GRID_RTOL = 1e-9


def hard_sigmoid(x: np.ndarray) -> np.ndarray:
    """BinaryConnect's hard sigmoid ``clip((x + 1) / 2, 0, 1)``: P(binarised x = +1).

    Parameters
    ----------
    x : numpy.ndarray
        Real weights (any shape; anything ``numpy.asarray`` converts to floats).

    Returns
    -------
    numpy.ndarray
        The probabilities, of the shape of ``x``, in ``[0, 1]``.

    Raises
    ------
    ValueError
        If ``x`` cannot be converted to floats.

    Examples
    --------
    >>> import numpy as np
    >>> from qnets.simulate import hard_sigmoid
    >>> hard_sigmoid(np.array([-2.0, 0.0, 0.5])).tolist()
    [0.0, 0.5, 0.75]
    """
    return np.clip((np.asarray(x, dtype=float) + 1.0) / 2.0, 0.0, 1.0)


@dataclass(frozen=True)
class Grid:
    """The lattice ``anchor + delta * Z`` restricted to ``[lo, hi]`` (bounds optional).

    Parameters
    ----------
    delta:
        Spacing, a finite number > 0.
    lo, hi:
        Optional bounds.  With both given, ``hi - lo`` must be a positive multiple of
        ``delta``; the grid then has ``(hi - lo) / delta + 1`` points.
    """

    delta: float
    lo: float | None = None
    hi: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "delta", _validate.positive("delta", self.delta))
        for name in ("lo", "hi"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, _validate.real_number(name, value))
        if self.lo is not None and self.hi is not None:
            if self.hi <= self.lo:
                raise InputError(f"grid bounds must satisfy lo < hi, got lo={self.lo}, hi={self.hi}")
            steps = (self.hi - self.lo) / self.delta
            if not steps <= MAX_EXACT_INTEGER:
                raise InputError(
                    f"(hi - lo) / delta must be at most 2**53 grid steps (exact lattice indices), got {steps:.3g}"
                )
            if abs(steps - round(steps)) > ON_GRID_RTOL * max(1.0, steps):
                raise InputError(f"hi - lo must be a multiple of delta={self.delta}, got hi - lo={self.hi - self.lo}")

    # ----------------------------------------------------------------- constructors
    @classmethod
    def symmetric(cls, bits: int, delta: float = 1.0) -> Grid:
        """Symmetric mid-rise b-bit grid: ``2**bits`` levels ``(k - (2**bits - 1)/2) delta``.

        ``bits`` is at most 53: beyond that float64 cannot index the levels exactly.
        """
        bits = _validate.integer("bits", bits, minimum=1, maximum=53)
        delta = _validate.positive("delta", delta)
        half_span = (2**bits - 1) / 2 * delta
        return cls(delta, -half_span, half_span)

    @classmethod
    def binary(cls) -> Grid:
        """BinaryConnect's set {-1, +1}."""
        return cls.symmetric(1, 2.0)

    # ----------------------------------------------------------------- geometry
    @property
    def anchor(self) -> float:
        """The lattice origin: ``lo``, else ``hi``, else 0."""
        if self.lo is not None:
            return self.lo
        return self.hi if self.hi is not None else 0.0

    @property
    def is_bounded(self) -> bool:
        """True when both bounds are set, so that the grid is finite."""
        return self.lo is not None and self.hi is not None

    def index_bounds(self) -> tuple[float, float]:
        """Lattice coordinates ``(k_min, k_max)`` of the bounds (±inf where unbounded)."""
        k_min = 0.0 if self.lo is not None else -math.inf
        k_max = math.inf if self.hi is None else round((self.hi - self.anchor) / self.delta)
        return k_min, float(k_max)

    def points(self) -> np.ndarray:
        """All grid points, in increasing order (bounded grids only)."""
        if not self.is_bounded:
            raise InputError("points() needs a bounded grid: set both lo and hi")
        _, k_max = self.index_bounds()
        count = _validate.allocation("Grid.points()", int(k_max) + 1, hint="; use a larger delta")
        return self.anchor + self.delta * np.arange(count)

    def contains(self, x: np.ndarray, rtol: float = ON_GRID_RTOL) -> np.ndarray:
        """Element-wise: is ``x`` a grid point (within ``rtol`` of the spacing)?"""
        x = np.asarray(x, dtype=float)
        with np.errstate(over="ignore", invalid="ignore"):  # beyond float64 is not on the lattice
            y = (x - self.anchor) / self.delta
        on_lattice = np.abs(y - np.rint(y)) <= rtol * np.maximum(1.0, np.abs(y))
        k_min, k_max = self.index_bounds()
        return on_lattice & (np.rint(y) >= k_min) & (np.rint(y) <= k_max)

    # ----------------------------------------------------------------- rounding
    def _to_lattice(self, x: np.ndarray, out: np.ndarray) -> np.ndarray:
        if self.anchor:
            np.subtract(x, self.anchor, out=out)
            out /= self.delta
        else:
            np.divide(x, self.delta, out=out)
        return out

    def _from_lattice(self, k: np.ndarray) -> np.ndarray:
        if self.lo is not None or self.hi is not None:
            k_min, k_max = self.index_bounds()
            np.clip(k, k_min, k_max, out=k)
        k *= self.delta
        if self.anchor:
            k += self.anchor
        return k

    def nearest(self, x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Deterministic rounding ``Q_d``: the nearest grid point (ties to even index)."""
        x = np.asarray(x, dtype=float)
        out = np.empty_like(x) if out is None else out
        k = self._to_lattice(x, out)
        np.rint(k, out=k)
        return self._from_lattice(k)

    def stochastic(
        self,
        x: np.ndarray,
        rng: np.random.Generator,
        out: np.ndarray | None = None,
        scratch: np.ndarray | None = None,
    ) -> np.ndarray:
        """Unbiased stochastic rounding ``Q_s`` (claim C1), drawing one uniform per entry.

        ``out`` (may alias ``x``) receives the result; ``scratch``, an optional float64 array of
        ``x``'s shape, receives the uniforms (saves an allocation in hot loops).
        """
        _validate.generator("rng", rng)
        x = np.asarray(x, dtype=float)
        out = np.empty_like(x) if out is None else out
        k = self._to_lattice(x, out)
        k += rng.random(size=k.shape) if scratch is None else rng.random(out=scratch)
        np.floor(k, out=k)
        return self._from_lattice(k)

    def round_up_probability(self, x: np.ndarray) -> np.ndarray:
        """P(Q_s(x) is the upper neighbour), i.e. ``frac((x - anchor)/delta)``, saturated.

        On the binary grid this is BinaryConnect's :func:`hard_sigmoid`.
        """
        x = np.asarray(x, dtype=float)
        y = (x - self.anchor) / self.delta
        k_min, k_max = self.index_bounds()
        p = y - np.floor(y)
        p = np.where(y <= k_min, 0.0, p)
        return np.where(y >= k_max, 1.0, p)

    def project(self, x: np.ndarray) -> np.ndarray:
        """Clip ``x`` onto ``[lo, hi]`` (identity where unbounded)."""
        return np.clip(x, self.lo, self.hi) if (self.lo is not None or self.hi is not None) else x
