"""Box domains ``W = [lo_1, hi_1] x ... x [lo_d, hi_d]`` and Euclidean projection onto them.

The convex bounds of the paper hold with ``G`` and ``D`` measured on the domain ``W`` because
the projection onto a convex set containing ``w*`` is non-expansive:
``||P_W(z) - w*|| <= ||z - w*||``.  For R and SR the box must be aligned with the grid,
so that projecting a grid point leaves it on the grid.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from qnets.simulate import _validate
from qnets.simulate.grid import Grid

from qnets.errors import InputError, InputTypeError

#: The largest lattice index a grid-aligned box may reach: integers up to it are exact in float64
#: with a fractional part still resolved.
LATTICE_RESOLUTION = 2.0**52


@dataclass(frozen=True, eq=False)
class Box:
    """The box ``{w : lo <= w <= hi}`` in ``R^d`` (``lo < hi`` coordinate-wise)."""

    lo: np.ndarray
    hi: np.ndarray

    def __post_init__(self) -> None:
        lo = _validate.finite_array("lo", self.lo, ndim=1)
        hi = _validate.finite_array("hi", self.hi, ndim=1)
        if lo.shape != hi.shape or lo.size == 0:
            raise InputError(f"lo and hi must be non-empty vectors of one shape, got {lo.shape}, {hi.shape}")
        if np.any(hi <= lo):
            raise InputError("box is empty or inverted: every coordinate needs lo < hi")
        with np.errstate(over="ignore"):
            too_wide = not np.all(np.isfinite(hi - lo))
        if too_wide:
            raise InputError("box is too wide: hi - lo overflows float64")
        lo.setflags(write=False)
        hi.setflags(write=False)
        object.__setattr__(self, "lo", lo)
        object.__setattr__(self, "hi", hi)

    @classmethod
    def cube(cls, d: int, radius: float, center: np.ndarray | float = 0.0) -> Box:
        """The cube ``center + [-radius, radius]^d``."""
        d = _validate.allocation("Box.cube(d)", _validate.integer("d", d, minimum=1))
        radius = _validate.positive("radius", radius)
        center = _validate.vector("center", center, d)
        with np.errstate(over="ignore"):  # an overflow is refused by the constructor, naming lo/hi
            return cls(center - radius, center + radius)

    @classmethod
    def around(cls, w_star: np.ndarray, radius: float, grid: Grid) -> Box:
        """The smallest grid-aligned box containing ``w_star + [-radius, radius]^d``.

        Raises :class:`~qnets.errors.InputError` naming ``radius`` and ``grid`` when the box's bounds would
        overflow float64, when ``radius`` is below float64's resolution at ``w_star`` (``w* + radius
        == w*``), or when the box's lattice indices ``(w* +- radius)/delta`` exceed ``2^52`` (the grid
        spacing is below float64's resolution at the box: rounding to it loses its meaning).
        """
        w_star = _validate.finite_array("w_star", w_star, ndim=1)
        radius = _validate.positive("radius", radius)
        if not isinstance(grid, Grid):
            raise InputTypeError(f"grid must be a Grid, got {type(grid).__name__}")
        a, delta = grid.anchor, grid.delta
        if np.any(w_star + radius == w_star):
            raise InputError(
                f"radius={radius:g} is below float64's resolution at w_star (max |w*| = "
                f"{float(np.max(np.abs(w_star))):g}); use a radius of at least {float(np.max(np.spacing(w_star))):.3g}"
            )
        with np.errstate(over="ignore", invalid="ignore"):
            lo = a + delta * np.floor((w_star - radius - a) / delta)
            hi = a + delta * np.ceil((w_star + radius - a) / delta)
            overflow = not np.all(np.isfinite(hi - lo))
        if overflow:
            raise InputError(
                f"the grid-aligned box around w_star with radius={radius:g} and grid delta={delta:g} "
                "overflows float64; use a smaller radius or delta"
            )
        with np.errstate(over="ignore", invalid="ignore"):
            reach = float(np.max(np.abs(w_star - a) + radius)) / delta
        if not reach <= LATTICE_RESOLUTION:
            raise InputError(
                f"grid delta={delta:g} is below float64's resolution at the box around w_star with radius={radius:g}: "
                f"its lattice indices reach {reach:.3g} > 2^52; use a larger delta or a smaller radius"
            )
        if grid.lo is not None:
            lo = np.maximum(lo, grid.lo)
        if grid.hi is not None:
            hi = np.minimum(hi, grid.hi)
        return cls(lo, hi)

    @property
    def d(self) -> int:
        """Dimension of the box."""
        return self.lo.size

    @property
    def diameter(self) -> float:
        """Euclidean diameter ``D = ||hi - lo||_2``."""
        return float(np.linalg.norm(self.hi - self.lo))

    def contains(self, w: np.ndarray) -> np.ndarray:
        """Row-wise membership for ``w`` of shape ``(..., d)``."""
        w = np.asarray(w, dtype=float)
        return np.all((w >= self.lo) & (w <= self.hi), axis=-1)

    def project(self, w: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Euclidean projection (coordinate-wise clip); ``out`` may alias ``w``.

        Written as ``maximum(minimum(w, hi), lo)``: twice as fast as ``np.clip`` with array bounds.
        """
        out = np.minimum(w, self.hi, out=out)
        return np.maximum(out, self.lo, out=out)

    def max_abs_offset(self, point: np.ndarray) -> np.ndarray:
        """Per coordinate, ``max_{w in W} |w_i - point_i|`` (attained at a vertex)."""
        return np.maximum(np.abs(self.lo - point), np.abs(self.hi - point))

    def check_aligned(self, grid: Grid) -> None:
        """Raise unless every bound is a point of ``grid`` (needed for R and SR)."""
        for name, bound in (("lo", self.lo), ("hi", self.hi)):
            on_grid = grid.contains(bound)
            if not np.all(on_grid):
                i = int(np.argmin(on_grid))
                raise InputError(
                    f"box {name}[{i}]={bound[i]} is not a point of the grid "
                    f"(delta={grid.delta}, anchor={grid.anchor}); use Box.around(...) for an aligned box"
                )

    def check_contains(self, name: str, w: np.ndarray) -> None:
        """Raise unless the point ``w`` (named ``name`` in the message) lies in the box."""
        if not bool(self.contains(w)):
            raise InputError(f"{name} must lie in the box [lo, hi]; it does not")
