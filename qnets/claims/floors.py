"""Exact instances behind the two-sided checks of the bounds with a floor (C3, C4, C5, C6).

Each instance is computed without sampling error and gives two numbers: an upper estimate of
the bounded error, which must lie below the registry's bound (the *upper* part), and a lower
estimate, which must exceed the same bound with its floor term removed (the *necessity* part:
without the floor the bound would be false on this instance).  Why each instance is decisive:

* C3 (SR, ``a_t = 1/(mu(t+1))``), :func:`sr_strongly_convex_instance`: a one-dimensional
  quadratic, propagated exactly (E2).  The averaged iterate ``w_bar_T`` weights every step
  equally, and the steps ``t in [T/2, T]`` span only ``sum a_t = log 2 / mu`` of the chain's
  time, so ``w_bar_T`` keeps a fixed fraction (about a half) of SR's stationary variance:
  ``E F(w_bar_T) - F*`` tends to a positive limit, while the floorless bound
  ``(1 + log T) G^2/(2 mu T)`` tends to 0.
* C4 (SR, ``a_t = c/sqrt(t+1)``), :func:`sr_convex_nonsmooth_instance`: here ``w_bar_T``
  averages over ``2 c sqrt T`` units of chain time, so its variance vanishes and only the bias
  of SR's stationary law remains.  For a quadratic that bias is zero (stationarity of
  ``f(w) = w`` gives ``E_pi grad F = 0``, a linear function of ``E_pi w``), so on quadratics the
  floor is *not* needed as ``T -> infinity``.  On ``F(w) = |w - w*|`` with ``w* = theta Delta``
  and small steps the chain settles on ``{0, Delta}`` with equal rates, so
  ``E w_bar_T -> Delta/2`` and, by Jensen, ``E F(w_bar_T) - F* >= |E w_bar_T - w*| ->
  (1/2 - theta) Delta > 0``, while the floorless bound tends to 0.
* C5 and C6 (BC), :func:`bc_limit_instance`: with ``a_t -> 0`` and ``sum a_t = infinity`` BC's
  real weights, and so their average, converge to the root ``w_inf`` of
  ``E grad F(Q_s(w))`` (:mod:`qnets.simulate.bc_limit`); ``E F(w_bar_T) - F* -> F(w_inf) - F*``,
  which is positive when ``L2 > 0`` (logistic regression), while the floorless bound's limit
  as ``T -> infinity`` is 0.  ``F(w_inf) - F*`` is bounded below by ``||grad F(w_inf)||^2/(2L)``
  (L-smoothness), which does not depend on the solver's ``F*``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from qnets.claims.bounds import bound_value, constants_of, floor_only
from qnets.claims.exact import EXACT_RTOL, bc_limit_by_enumeration, isotropic_floor, sr_exact_separable
from qnets.claims.verdict import NECESSARY, TIGHTNESS, UPPER
from qnets.simulate import Box, GaussianNoise, Grid, Logistic, Quadratic, inverse_sqrt, inverse_time
from qnets.simulate.bc_limit import bc_limit_point, mean_quantized_gradient
from qnets.simulate.markov.quadratic import exact_sr_quadratic, sr_floor_quadratic
from qnets.simulate.problems.base import StronglyConvexProblem
from qnets.theory.bound import Bound

#: Round-off allowance of the exact (float64) propagations: far below every compared gap.
EXACT_MARGIN = 1e-9


@dataclass(frozen=True)
class FloorTest:
    """One exact instance: ``upper_estimate <= bound`` (upper part) and ``lower_estimate >
    no_floor + margin`` (necessity part); ``tightness`` is an exact limit error over the floor."""

    label: str
    upper_estimate: float
    bound: float
    lower_estimate: float
    no_floor: float
    margin: float
    tightness: float
    detail: str
    #: The tightness derived independently (closed forms, hand-typed floor), when there is one.
    derived_tightness: float | None = None
    #: The instance's exact error recomputed independently (:mod:`qnets.claims.exact`), when there is one.
    independent: float | None = None

    @property
    def upper_holds(self) -> bool:
        """The instance's error is below the bound."""
        return self.upper_estimate <= self.bound

    @property
    def necessary(self) -> bool:
        """The instance's error exceeds the floorless bound beyond the margin."""
        return self.lower_estimate > self.no_floor + self.margin

    @property
    def checks(self) -> dict[str, bool]:
        """The two-way comparisons: the exact error equals its independent recomputation, and the
        tightness equals the derived one, each to :data:`~qnets.claims.exact.EXACT_RTOL` relative
        (a floor twice the derived one halves the measured tightness)."""
        checks = {}
        if self.independent is not None:
            checks["exact = independent"] = _agree(self.upper_estimate, self.independent)
        if self.derived_tightness is not None:
            checks["tightness = derived"] = _agree(self.tightness, self.derived_tightness)
        return checks

    def parts(self, upper_elsewhere: bool = True) -> dict[str, bool | float]:
        """The verdict parts; ``upper_elsewhere``: the check's other upper-bound comparisons held."""
        return {
            UPPER: upper_elsewhere and self.upper_holds,
            NECESSARY: self.necessary,
            TIGHTNESS: self.tightness,
            **self.checks,
        }

    def boolean_parts(self, prefix: str) -> dict[str, bool]:
        """The instance's own yes/no parts (upper, necessity, two-way comparisons), each name
        prefixed by ``prefix``: for a check's second instance."""
        return {
            f"{prefix}{UPPER}": self.upper_holds,
            f"{prefix}{NECESSARY}": self.necessary,
            **{f"{prefix}{name}": value for name, value in self.checks.items()},
        }

    def summary(self) -> str:
        """One sentence for the verdict's detail."""
        two_way = ""
        if self.independent is not None:
            two_way += f"; independent recomputation {self.independent:.10g} (exact {self.upper_estimate:.10g})"
        if self.derived_tightness is not None:
            two_way += f"; derived tightness {self.derived_tightness:.6g} (measured {self.tightness:.6g})"
        return (
            f"{self.label}: upper {self.upper_estimate:.4g} <= bound {self.bound:.4g}: {self.upper_holds}; "
            f"lower {self.lower_estimate:.4g} > floorless bound {self.no_floor:.4g} + {self.margin:.1g}: "
            f"{self.necessary}; tightness {self.tightness:.3g}; {self.detail}{two_way}"
        )


def _agree(value: float, reference: float) -> bool:
    """``value`` equals ``reference`` to :data:`~qnets.claims.exact.EXACT_RTOL` relative."""
    return bool(abs(value - reference) <= EXACT_RTOL * abs(reference))


#: C3's generic exact instance ``(mu, sigma, Delta, w*)``: d = 3, no constant 1, none equal,
#: Delta not a power of 2, ``w*`` off the grid.
GENERIC_C3 = (0.7, 1.3, 0.37, (0.11, -0.05, 0.2))


def sr_strongly_convex_instance(
    bound: Bound,
    steps: int,
    mu: float = 1.0,
    sigma: float = 1.0,
    delta: float = 0.5,
    w_star: tuple[float, ...] = (0.0,),
) -> FloorTest:
    """C3 on ``F = (mu/2)||w - w*||^2``, ``N(0, sigma^2 I)`` gradient noise, the grid-aligned box of
    radius 1 around ``w*``, ``a_t = 1/(mu (t+1))``: E2's exact ``E F(w_bar_T) - F*`` at ``T = steps``
    (defaults: the unit instance, d = 1, ``Delta = 0.5``, ``W = [-1, 1]``).

    Both ways: the exact error is recomputed by :func:`~qnets.claims.exact.sr_exact_separable`
    (its own kernels and the steps ``1/(mu (t+1))`` typed here), and the tightness, E1's exact
    small-step floor over the bound's floor, is compared with the derived one: the
    detailed-balance floor (:func:`~qnets.claims.exact.isotropic_floor`) over the hand-typed
    ``sqrt(d) Delta G / 2`` with ``G^2 = sum_k (mu m_k)^2 + d sigma^2``, ``m_k = max(hi_k - w*_k,
    w*_k - lo_k)``."""
    minimizer = np.array(w_star, dtype=float)
    d = minimizer.size
    problem = Quadratic(np.full(d, mu), w_star=minimizer, noise=GaussianNoise(sigma))
    grid = Grid(delta)
    box = Box.around(problem.w_star, 1.0, grid)
    exact = float(exact_sr_quadratic(problem, grid, box, inverse_time(problem.mu), steps).averaged[-1])
    step_sizes = 1 / (mu * np.arange(1, steps + 1))
    _, averaged = sr_exact_separable(np.full(d, mu), minimizer, sigma, box.lo, box.hi, delta, step_sizes, box.lo)
    e1 = sr_floor_quadratic(mu, sigma, delta, minimizer, d).gap
    closed_gap, _ = isotropic_floor(mu, sigma, delta, minimizer)
    reach = np.maximum(box.hi - minimizer, minimizer - box.lo)
    derived_floor = math.sqrt(d) * delta * math.sqrt(float(np.sum((mu * reach) ** 2)) + d * sigma**2) / 2
    label = (
        f"exact E2 instance (d={d}, mu={mu:g}, Delta={delta:g}, sigma={sigma:g}, w*={list(w_star)}, "
        f"W=[{box.lo[0]:g}, {box.hi[0]:g}]..., T={steps})"
    )
    constants = constants_of(problem, box, grid)
    test = _floor_test(bound, constants, steps, label, (exact, exact), ("E1 exact floor", e1))
    return replace(test, derived_tightness=closed_gap / derived_floor, independent=float(averaged[-1]))


def _floor_test(
    bound: Bound,
    constants: dict[str, float],
    steps: int | None,
    label: str,
    estimates: tuple[float, float],
    limit: tuple[str, float],
    margin: float = EXACT_MARGIN,
) -> FloorTest:
    """The :class:`FloorTest` of an instance with ``(upper, lower)`` estimates of its error and an
    exact limit error ``limit = (name, value)``, against ``bound`` at ``constants`` and ``T = steps``
    (``None``: the limit ``T -> infinity``); tightness is the limit error over the floor."""
    floor = bound_value(floor_only(bound), constants, steps)
    name, value = limit
    return FloorTest(
        label,
        estimates[0],
        bound_value(bound, constants, steps),
        estimates[1],
        bound_value(bound.without_floor(), constants, steps),
        margin,
        value / floor if floor > 0 else math.inf,
        f"{name} {value:.4g} against the bound's floor {floor:.4g}",
    )


def exact_sr_laws(
    points: np.ndarray, grad: Callable[[np.ndarray], np.ndarray], schedule, steps: int, start: int
) -> np.ndarray:
    """Laws of SR's iterates ``w_0 .. w_{steps-1}`` (rows) on the consecutive grid points
    ``points`` (the box's grid), for a deterministic gradient ``grad``: from ``x`` the step goes
    to ``y = P_W(x - a_t grad(x))`` and rounds up with probability ``frac((y - lo)/Delta)``."""
    delta = float(points[1] - points[0])
    size = points.size
    laws = np.zeros((steps, size))
    law = np.zeros(size)
    law[start] = 1.0
    rows = np.arange(size)
    for t in range(steps):
        laws[t] = law
        target = np.clip(points - float(schedule(t)) * grad(points), points[0], points[-1])
        position = (target - points[0]) / delta
        below = np.minimum(np.floor(position).astype(int), size - 1)
        up = position - below
        kernel = np.zeros((size, size))
        np.add.at(kernel, (rows, below), 1 - up)
        np.add.at(kernel, (rows, np.minimum(below + 1, size - 1)), up)
        law = law @ kernel
    return laws


#: C4's generic exact instance ``(theta, Delta, slope)``: no constant 1, none equal, Delta not a
#: power of 2.
GENERIC_C4 = (0.2, 0.37, 1.3)


def sr_convex_nonsmooth_instance(
    bound: Bound, steps: int, theta: float = 0.2, delta: float = 1.0, slope: float = 1.0
) -> FloorTest:
    """C4 on ``F(w) = k |w - w*|`` (convex, ``G = k = slope``), ``w* = theta Delta``, the box
    ``[-Delta, 2 Delta]`` (``D = 3 Delta``), ``w_0 = -Delta``, ``a_t = c/sqrt(t+1)`` with
    ``c = D/(G sqrt 2)`` (defaults: the unit instance, ``Delta = k = 1``).

    Exact laws of ``w_t`` give the upper estimate ``(1/T) sum_t E F(w_t) - F* >= E F(w_bar_T) - F*``
    and the lower estimate ``k |E w_bar_T - w*| <= E F(w_bar_T) - F*`` (Jensen).  Tightness: the
    limit ``k (1/2 - theta) Delta`` over the registry's floor, compared with the derived
    ``(1 - 2 theta)`` (the floor ``sqrt(d) Delta G/2 = k Delta/2``, typed here)."""
    w_star = theta * delta
    points = delta * np.arange(-1, 3, dtype=float)
    diameter = float(points[-1] - points[0])
    c = diameter / (slope * math.sqrt(2))
    laws = exact_sr_laws(points, lambda w: slope * np.sign(w - w_star), inverse_sqrt(c), steps, 0)
    upper = slope * float(np.mean(laws @ np.abs(points - w_star)))
    lower = slope * abs(float(np.mean(laws @ points)) - w_star)
    constants = {"G": slope, "D": diameter, "d": 1, "Delta": delta, "c": c}
    label = (
        f"exact k|w - w*| instance (d=1, k={slope:g}, Delta={delta:g}, w*={w_star:g}, W=[{points[0]:g}, "
        f"{points[-1]:g}], c={c:.3g}, T={steps})"
    )
    limit = ("limit k |E w_bar - w*| = k (1/2 - theta) Delta =", slope * (0.5 - theta) * delta)
    test = _floor_test(bound, constants, steps, label, (upper, lower), limit)
    return replace(test, derived_tightness=1 - 2 * theta)


def bc_limit_instance(
    bound: Bound,
    problem: StronglyConvexProblem,
    grid: Grid,
    box: Box,
    c: float | None = None,
    derived_floor: Callable[[dict[str, float]], float] | None = None,
) -> FloorTest:
    """C5/C6 in the limit ``T -> infinity``: BC's limit point ``w_inf`` (exact corner sums) on
    ``problem`` (``L2 > 0``).  Upper estimate ``F(w_inf) - F*``; lower estimate
    ``||grad F(w_inf)||^2/(2L)``.  The margin covers the root's residual ``r = ||h(w_inf)||``
    (``h(w) = E grad F(Q_s(w))``): the true root is within ``r / s_min`` of the computed one
    (to first order, ``s_min`` the smallest singular value of ``h``'s Jacobian there, by central
    differences), which moves the lower estimate by at most ``||grad F|| r / s_min``.
    Tightness: ``F(w_inf) - F*`` over the bound's floor.

    Both ways, on logistic regression: the gap is recomputed by
    :func:`~qnets.claims.exact.bc_limit_by_enumeration` (its own loss, gradient, corner sums,
    root and ``F*`` solvers), and the tightness is compared with that gap over
    ``derived_floor(constants)``, the floor typed by hand (when given)."""
    w_inf = bc_limit_point(problem, grid)
    gap = float(problem.gap(w_inf[None, :])[0])
    gradient = problem.grad(w_inf[None, :])[0]
    residual = float(np.linalg.norm(mean_quantized_gradient(problem, grid, w_inf)))
    step = 1e-6 * grid.delta
    jacobian = np.stack(
        [
            mean_quantized_gradient(problem, grid, w_inf + step * e)
            - mean_quantized_gradient(problem, grid, w_inf - step * e)
            for e in np.eye(problem.d)
        ],
        axis=1,
    ) / (2 * step)
    smallest_singular_value = float(np.linalg.svd(jacobian, compute_uv=False).min())
    lower = float(gradient @ gradient) / (2 * problem.L)
    margin = max(float(np.linalg.norm(gradient)) * residual / smallest_singular_value, 1e-15)
    constants = constants_of(problem, box, grid, c)
    label = f"BC limit point (T -> infinity, d={problem.d}, mu={problem.mu:g}, Delta={grid.delta:g})"
    test = _floor_test(bound, constants, None, label, (gap, lower), ("F(w_inf) - F* =", gap), margin)
    if not isinstance(problem, Logistic):
        return test
    _, independent = bc_limit_by_enumeration(problem.X, problem.y, problem.lam, grid.delta)
    derived = None if derived_floor is None else independent / derived_floor(constants)
    return replace(test, independent=independent, derived_tightness=derived)


#: The grid spacing of C5's and C6's limit-point instance: coarse, so that BC's limit gap is far
#: above the root solver's residual.
BC_LIMIT_DELTA = 0.4


def bc_coarse_limit_instance(
    bound: Bound,
    problem: StronglyConvexProblem,
    c: float | None = None,
    derived_floor: Callable[[dict[str, float]], float] | None = None,
    delta: float = BC_LIMIT_DELTA,
) -> FloorTest:
    """C5/C6's necessity instance: :func:`bc_limit_instance` at ``Delta = delta`` on the
    grid-aligned box of radius 1 around ``w*``."""
    grid = Grid(delta)
    return bc_limit_instance(bound, problem, grid, Box.around(problem.w_star, 1.0, grid), c, derived_floor)


#: The grid spacing of C5's and C6's generic limit-point instance (on
#: :func:`~qnets.claims.instances.generic_logistic`).
GENERIC_BC_DELTA = 0.37
