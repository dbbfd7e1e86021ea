"""Independent computations of the problems' constants (issue 18, item 3), for tests/test_constants.py.

Each problem is first *restated* from its defining parameters (``H, w*, f*`` of a quadratic, the
rows ``A, b`` of least squares, ``X, y, lam`` of logistic regression, the shape parameters of the
toys), with the formulas of the modules' docstrings written out again here; nothing below calls
the problem's ``loss``, ``grad`` or constants, except the stochastic gradient, whose noise is
what ``G`` must bound.  Then, with no use of the stated constants:

* ``mu``, ``L``: extreme eigenvalues of finite-difference Hessians (central differences of the
  restated gradient, step ``FD_STEP``) at points sampled over the box (vertices, centre, uniform
  draws), each extreme refined by a bounded Nelder-Mead search from the best samples;
* ``L2``: the largest ``||H(w) - H(v)||_2 / ||w - v||`` over sampled pairs (close pairs in random
  directions and far pairs);
* ``G``: ``sup`` over the sampled points of ``E||g(w)||^2``: the restated mean-square gradient
  (``||grad F||^2`` for additive noise, the with-replacement minibatch formula
  ``(1 - 1/B)||grad F||^2 + (1/B) mean_i ||g_i||^2`` for finite sums) plus, for additive noise,
  a Monte Carlo estimate of ``E||xi||^2`` from the problem's own sampler, with its standard error;
* ``D``: the largest distance between two vertices of the box (brute force);
* ``w*``, ``F*``: trust-region Newton on the restated objective from many starts (and, for the non-convex toys,
  the set of distinct local minima found).

One-sided logic.  A sup (inf) estimated by sampling is at most (at least) the true one, so a
stated sup must be ``>=`` the sampled sup (a stated inf ``<=`` the sampled inf), up to the finite
difference round-off ``FD_RTOL`` and, for ``G``, ``z`` standard errors of the noise term.  The
other side holds only where the instance is built so that the sup is attained at a point the
sampling contains or the refinement reaches (a box vertex; ``w = 0`` for logistic regression's
``L``; the dense scan of a 1-D interval); there the stated value must also be ``<=`` the sampled
sup times an ``attained`` factor that the construction justifies.  Each :class:`Bracket` holds
these two limits.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from qnets.simulate import Box, Logistic, MultiWell2D, Quadratic, TiltedDoubleWell
from qnets.simulate.problems.base import Problem
from qnets.simulate.problems.quadratic import LeastSquaresMinibatch
from scipy.optimize import minimize
from scipy.special import expit

#: Step of the central differences of the gradient that give Hessians.
FD_STEP = 1e-5
#: Relative (and, times the scale, absolute) error allowed to finite-difference Hessians: their
#: truncation error is ``FD_STEP**2 / 6`` times a third derivative (<= 1e-9 here) and their
#: round-off ``ulp(g) / FD_STEP`` (~1e-11 |g|); 1e-6 is far above both and far below 1.5x.
FD_RTOL = 1e-6
#: Separation of the close pairs of the ``L2`` search, relative to the box's diameter.
PAIR_STEP = 1e-2
#: Boxes of up to this dimension are searched at all their vertices.
MAX_VERTEX_DIMENSION = 10

Rows = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Restated:
    """A problem written out again from its parameters: ``loss`` and ``grad`` on rows and, for
    finite-sum noise, ``per_sample`` gradients ``(rows, n, d)`` averaged over ``batch_size`` draws
    with replacement (``None`` for additive noise)."""

    loss: Rows
    grad: Rows
    per_sample: Rows | None = None
    batch_size: int = 1


def restate(problem: Problem) -> Restated:
    """The objective of ``problem`` from its defining parameters (module docstrings' formulas)."""
    if isinstance(problem, Quadratic) and isinstance(problem.noise, LeastSquaresMinibatch):
        A, b, B = problem.noise.A, problem.noise.b, problem.noise.batch_size
        return Restated(
            lambda W: 0.5 * np.mean((W @ A.T - b) ** 2, axis=1),
            lambda W: (W @ A.T - b) @ A / A.shape[0],
            lambda W: (W @ A.T - b)[:, :, None] * A[None],
            B,
        )
    if isinstance(problem, Quadratic):
        H = np.diag(problem.H) if problem.H.ndim == 1 else np.array(problem.H)
        w_star, f_star = np.array(problem.w_star), problem.f_star
        return Restated(
            lambda W: f_star + 0.5 * np.einsum("ri,ij,rj->r", W - w_star, H, W - w_star),
            lambda W: (W - w_star) @ H,
        )
    if isinstance(problem, Logistic):
        X, y, lam = problem.X, problem.y, problem.lam

        def per_sample(W: np.ndarray) -> np.ndarray:
            weight = expit(-(W @ X.T) * y) * y  # (rows, n)
            return -weight[:, :, None] * X[None] + lam * W[:, None, :]

        return Restated(
            lambda W: np.mean(np.logaddexp(0.0, -(W @ X.T) * y), axis=1) + 0.5 * lam * np.sum(W**2, axis=1),
            lambda W: -(expit(-(W @ X.T) * y) * y) @ X / X.shape[0] + lam * W,  # per_sample's mean
            per_sample,
            problem.batch_size,
        )
    if isinstance(problem, TiltedDoubleWell):
        h, s, tilt = problem.height, problem.scale, problem.tilt
        return Restated(
            lambda W: h * ((W[:, 0] / s) ** 2 - 1) ** 2 + tilt * W[:, 0],
            lambda W: 4 * h * W / s**2 * ((W / s) ** 2 - 1) + tilt,
        )
    if isinstance(problem, MultiWell2D):
        c, depth, width, k = problem.centers, problem.depths, problem.widths, problem.curvature

        def wells(W: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            offset = W[:, None, :] - c[None]  # (rows, wells, 2)
            return offset, depth * np.exp(-np.sum(offset**2, axis=2) / (2 * width**2))

        def loss(W: np.ndarray) -> np.ndarray:
            return 0.5 * k * np.sum(W**2, axis=1) - wells(W)[1].sum(axis=1)

        def grad(W: np.ndarray) -> np.ndarray:
            offset, weight = wells(W)
            return k * W + np.einsum("rk,rkj->rj", weight / width**2, offset)

        return Restated(loss, grad)
    raise TypeError(f"no restatement of {type(problem).__name__}")


# ---------------------------------------------------------------------------- points of a box
def vertices(box: Box) -> np.ndarray:
    """All ``2^d`` vertices of ``box``."""
    return np.array(list(itertools.product(*zip(box.lo, box.hi, strict=True))), dtype=float)


def box_points(box: Box, rng: np.random.Generator, draws: int) -> np.ndarray:
    """Vertices (up to ``MAX_VERTEX_DIMENSION``), the centre, ``draws`` uniform points and, in one
    or two dimensions, a dense lattice over the box (200,001 or 401 x 401 points)."""
    parts = [(box.lo + box.hi)[None] / 2, rng.uniform(box.lo, box.hi, size=(draws, box.d))]
    if box.d <= MAX_VERTEX_DIMENSION:
        parts.append(vertices(box))
    if box.d == 1:
        parts.append(np.linspace(box.lo, box.hi, 200_001))
    if box.d == 2:
        axes = [np.linspace(lo, hi, 401) for lo, hi in zip(box.lo, box.hi, strict=True)]
        parts.append(np.stack(np.meshgrid(*axes), axis=-1).reshape(-1, 2))
    return np.concatenate(parts)


# ---------------------------------------------------------------------------- Hessians: mu, L, L2
def hessians(grad: Rows, W: np.ndarray) -> np.ndarray:
    """Symmetrised central-difference Hessians ``(rows, d, d)`` of ``grad`` at the rows of ``W``."""
    columns = [(grad(W + FD_STEP * e) - grad(W - FD_STEP * e)) / (2 * FD_STEP) for e in np.eye(W.shape[1])]
    H = np.stack(columns, axis=2)
    return (H + np.swapaxes(H, 1, 2)) / 2


def _refined(value: Callable[[np.ndarray], float], starts: np.ndarray, bounds: list[tuple[float, float]]) -> float:
    """The smallest ``value`` found by bounded Nelder-Mead from each of ``starts`` (and the starts)."""
    best = min(value(x) for x in starts)
    for x in starts:
        result = minimize(value, x, method="Nelder-Mead", bounds=bounds, options={"xatol": 1e-9, "fatol": 1e-13})
        best = min(best, float(result.fun))
    return best


@dataclass(frozen=True)
class Curvature:
    """The ``inf`` of the smallest and ``sup`` of the largest Hessian eigenvalue over the box
    (sampled, optionally refined), and the largest sampled ``||H(w) - H(v)|| / ||w - v||``."""

    inf_eigenvalue: float
    sup_eigenvalue: float
    sup_hessian_slope: float
    scale: float  # the largest Hessian entry seen: the scale of the finite-difference round-off


def curvature(restated: Restated, box: Box, rng: np.random.Generator, draws: int, refine: bool) -> Curvature:
    """:class:`Curvature` over ``box`` from ``draws`` sampled points and pairs; ``refine`` runs the
    eigenvalue searches from the best sample (pointless where the Hessian is constant)."""
    points = box_points(box, rng, draws)
    if box.d > 2:  # the dense lattices are for the gradient scans; Hessians need far fewer points
        points = points[: draws + 1 + (2**box.d if box.d <= MAX_VERTEX_DIMENSION else 0)]
    eig = np.linalg.eigvalsh(hessians(restated.grad, points))
    bounds = list(zip(box.lo, box.hi, strict=True))

    def eigen(x: np.ndarray, which: int) -> float:
        return float(np.linalg.eigvalsh(hessians(restated.grad, x[None]))[0][which])

    inf_eig, sup_eig = float(eig[:, 0].min()), float(eig[:, -1].max())
    if refine:
        inf_eig = _refined(lambda x: eigen(x, 0), points[np.argsort(eig[:, 0])[:1]], bounds)
        sup_eig = -_refined(lambda x: -eigen(x, -1), points[np.argsort(-eig[:, -1])[:1]], bounds)

    h = PAIR_STEP * box.diameter
    W = rng.uniform(box.lo, box.hi, size=(draws, box.d))
    directions = rng.standard_normal((draws, box.d))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    V = np.concatenate([box.project(W + h * directions), rng.uniform(box.lo, box.hi, size=(draws, box.d))])
    W = np.concatenate([W, W])
    distance = np.linalg.norm(W - V, axis=1)
    keep = distance > h / 10  # close pairs whose projection collapsed them add nothing
    W, V, distance = W[keep], V[keep], distance[keep]
    slopes = np.linalg.norm(hessians(restated.grad, W) - hessians(restated.grad, V), ord=2, axis=(1, 2)) / distance
    sup_slope = float(slopes.max())
    return Curvature(inf_eig, sup_eig, sup_slope, float(np.max(np.abs(eig))))


# ---------------------------------------------------------------------------- G
def mean_square_gradient(restated: Restated, W: np.ndarray) -> np.ndarray:
    """``E||g(w)||^2`` without the additive noise: ``||grad F||^2``, or for finite sums with ``B``
    draws with replacement ``(1 - 1/B)||grad F||^2 + (1/B) mean_i ||g_i(w)||^2``."""
    if restated.per_sample is None:
        return np.sum(restated.grad(W) ** 2, axis=1)
    out, B = np.empty(W.shape[0]), restated.batch_size
    for start in range(0, W.shape[0], 2048):  # per-sample gradients are (rows, n, d): chunk the rows
        samples = restated.per_sample(W[start : start + 2048])
        out[start : start + 2048] = (1 - 1 / B) * np.sum(samples.mean(axis=1) ** 2, axis=1) + np.mean(
            np.sum(samples**2, axis=2), axis=1
        ) / B
    return out


def noise_second_moment(
    problem: Problem, restated: Restated, rng: np.random.Generator, draws: int
) -> tuple[float, float]:
    """Monte Carlo ``E||xi||^2`` of the additive noise, ``xi = g(w*) - grad F(w*)`` from the problem's
    sampler, and its standard error; ``(0, 0)`` for finite-sum noise (in the restated formula)."""
    if restated.per_sample is not None:
        return 0.0, 0.0
    W = np.tile(np.asarray(problem.w_star, dtype=float), (max(2, draws // problem.d), 1))
    squares = np.sum((problem.stochastic_grad(W.copy(), rng) - restated.grad(W)) ** 2, axis=1)
    return float(squares.mean()), float(squares.std(ddof=1) / np.sqrt(squares.size))


@dataclass(frozen=True)
class SecondMoment:
    """``sup`` over the sampled points of the noiseless ``E||g||^2`` (``gradient``, at ``argmax``)
    and the noise's Monte Carlo ``E||xi||^2`` with its standard error."""

    gradient: float
    argmax: np.ndarray
    noise: float
    noise_stderr: float

    def upper(self, z: float) -> float:
        """The sampled sup of ``E||g||^2`` plus ``z`` standard errors."""
        return self.gradient + self.noise + z * self.noise_stderr

    def lower(self, z: float) -> float:
        """The sampled sup of ``E||g||^2`` minus ``z`` standard errors (at least 0)."""
        return max(self.gradient + self.noise - z * self.noise_stderr, 0.0)


def sup_second_moment(
    problem: Problem, restated: Restated, box: Box, rng: np.random.Generator, draws: int, noise_draws: int
) -> SecondMoment:
    """:class:`SecondMoment` over ``box``.  A diagonal quadratic with additive noise is separable,
    ``sum_k (h_k (w_k - w*_k))^2``, so there each coordinate is scanned alone (any ``d``)."""
    noise, stderr = noise_second_moment(problem, restated, rng, noise_draws)
    if isinstance(problem, Quadratic) and problem.is_diagonal and restated.per_sample is None:
        line = box.lo + np.linspace(0.0, 1.0, 2001)[:, None] * (box.hi - box.lo)  # each column scans one coordinate
        squares = restated.grad(line) ** 2
        best = np.argmax(squares, axis=0)
        argmax = line[best, np.arange(box.d)]
        return SecondMoment(float(squares.max(axis=0).sum()), argmax, noise, stderr)
    points = box_points(box, rng, draws)
    values = mean_square_gradient(restated, points)
    best = int(np.argmax(values))
    return SecondMoment(float(values[best]), points[best], noise, stderr)


def sampled_second_moment(problem: Problem, w: np.ndarray, rng: np.random.Generator, draws: int) -> tuple[float, float]:
    """Monte Carlo ``E||g(w)||^2`` from the problem's sampler at one point, and its standard error."""
    squares = np.sum(problem.stochastic_grad(np.tile(w, (draws, 1)), rng) ** 2, axis=1)
    return float(squares.mean()), float(squares.std(ddof=1) / np.sqrt(draws))


# ---------------------------------------------------------------------------- D, w*, F*
def vertex_diameter(box: Box) -> float:
    """The largest distance between two vertices of ``box`` (brute force over all pairs)."""
    V = vertices(box)
    return float(max(np.max(np.linalg.norm(V - v, axis=1)) for v in V))


@dataclass(frozen=True)
class Minima:
    """The distinct local minima found (points and values, deepest first)."""

    points: np.ndarray
    values: np.ndarray


def local_minima(restated: Restated, starts: np.ndarray) -> Minima:
    """Trust-region Newton (finite-difference Hessians) on the restated objective from every start;
    points within 1e-5 of each other merge, saddles (a Hessian eigenvalue <= 0) are dropped."""
    found: list[tuple[np.ndarray, float]] = []
    for x0 in starts:
        result = minimize(
            lambda w: (float(restated.loss(w[None])[0]), restated.grad(w[None])[0]),
            x0,
            jac=True,
            hess=lambda w: hessians(restated.grad, w[None])[0],
            method="trust-exact",
            options={"gtol": 1e-11},
        )
        point = result.x
        if np.linalg.eigvalsh(hessians(restated.grad, point[None]))[0][0] <= 0:
            continue
        if all(np.linalg.norm(point - other) > 1e-5 for other, _ in found):
            found.append((point, float(restated.loss(point[None])[0])))
    found.sort(key=lambda item: item[1])
    return Minima(np.array([p for p, _ in found]), np.array([v for _, v in found]))


def minimizer_starts(box: Box, rng: np.random.Generator, count: int, widen: float) -> np.ndarray:
    """``count`` uniform starts in the box widened ``widen`` times about its centre, with the box's
    vertices when there are at most ``count`` of them."""
    centre, half = (box.lo + box.hi) / 2, widen * (box.hi - box.lo) / 2
    parts = [rng.uniform(centre - half, centre + half, size=(count, box.d))]
    if 2**box.d <= count:
        parts.append(vertices(box))
    return np.concatenate(parts)


# ---------------------------------------------------------------------------- brackets
@dataclass(frozen=True)
class Bracket:
    """A stated constant against its independent limits: holds when ``low <= stated <= high``.

    ``high = inf`` (or ``low = 0``) where only one side is established: the construction does not
    attain the sup (inf).  ``slack`` is how far the stated value sits from the sampled one on the
    established side (``stated / low`` for a sup, ``high / stated`` for an inf)."""

    name: str
    stated: float
    low: float
    high: float
    sampled: float

    @property
    def holds(self) -> bool:
        return bool(self.low <= self.stated <= self.high)

    @property
    def two_sided(self) -> bool:
        return bool(self.low > 0 and np.isfinite(self.high))

    def __str__(self) -> str:
        limits = f"[{self.low:.10g}, {self.high:.10g}]"
        return f"{self.name}: stated {self.stated:.10g}, sampled {self.sampled:.10g}, must lie in {limits}"


@dataclass(frozen=True)
class Attained:
    """Where an instance attains a sup (inf) at a point its search reaches, the relative error of
    the sampled extreme: ``mu``, ``L``, ``G`` (``None``: not attained, one-sided) and ``L2_fraction``
    (the sampled sup of the Hessian's slope is at least this fraction of the true one)."""

    mu: float | None = 0.0
    L: float | None = 0.0
    L2_fraction: float | None = 1.0
    G: float | None = None


@dataclass(frozen=True)
class Reference:
    """Everything computed independently of the stated constants for one problem on one box."""

    restated: Restated
    curvature: Curvature | None
    second_moment: SecondMoment
    diameter: float | None
    minima: Minima
    pair_step: float


#: ``|w - w*|`` and ``|F - F*| / (1 + |F*|)`` allowed between the stated and the searched minimizer:
#: the Newton search stops at ``||grad F|| <= 1e-11``; the cvxpy optimum of logistic regression is good to about
#: 1e-8 in ``F`` but only to about 1e-6 in ``w`` (Clarabel's tolerances bound the gap, which is quadratic in the
#: error of ``w``: 6.8e-7 on the "logistic-synthetic" case of tests/test_constants.py, 2.6 times inside this
#: allowance); a 1.5x error in either is at least 0.5 |w*| (0.5 |F*|).
MINIMIZER_ATOL = 1e-6
MINIMUM_RTOL = 1e-9
#: Relative round-off allowed between a stated ``G`` and the sampled sup where the two are the same
#: sum in float64 (an attained sup of finite-sum noise, whose ``E||g||^2`` has no Monte Carlo error):
#: the two orders of summation differ by a few ulps (1e-16 relative), a 1.5x error by 0.5.
G_ROUND_OFF = 1e-12


def reference(
    problem: Problem,
    box: Box,
    seed: int,
    *,
    draws: int = 2000,
    noise_draws: int = 400_000,
    starts: int = 40,
    widen: float = 1.0,
    convex: bool = True,
) -> Reference:
    """The independent computations of the module docstring for ``problem`` on ``box``.

    ``convex`` problems get the Hessian searches (refined unless the Hessian is constant, i.e. a
    quadratic) and a minimizer search from 4 starts (the minimizer is unique); the others start
    from ``starts`` points in the box widened ``widen`` times (the toys' minima are global, not
    constrained to the box)."""
    rng = np.random.default_rng(seed)
    restated = restate(problem)
    shape = None
    if convex:
        shape = curvature(restated, box, rng, draws, refine=not isinstance(problem, Quadratic))
    moment = sup_second_moment(problem, restated, box, rng, draws, noise_draws)
    diameter = vertex_diameter(box) if box.d <= MAX_VERTEX_DIMENSION else None
    minima = local_minima(restated, minimizer_starts(box, rng, 4 if convex else starts, widen))
    return Reference(restated, shape, moment, diameter, minima, PAIR_STEP * box.diameter)


def constants_of(ref: Reference) -> tuple[str, ...]:
    """The constants :func:`bracket` can compare for ``ref``: the Hessian ones for convex problems,
    ``D`` where the vertices can be enumerated, and ``G``, ``w*``, ``F*``, ``F(w*)`` always."""
    return (
        *(("mu", "L", "L2") if ref.curvature is not None else ()),
        "G",
        *(("D",) if ref.diameter is not None else ()),
        "w*",
        "F*",
        "F(w*)",
    )


def bracket(constant: str, problem: Problem, box: Box, ref: Reference, attained: Attained, z: float) -> Bracket:
    """The stated ``constant`` of ``problem`` on ``box`` against ``ref`` (module docstring); only
    that constant is read, so a problem whose ``w*`` left the box still has an ``F*``."""
    c, m = ref.curvature, ref.second_moment
    fd = FD_RTOL * c.scale if c is not None else 0.0
    w_found, f_found = ref.minima.points[0], float(ref.minima.values[0])
    f_tol = MINIMUM_RTOL * (1 + abs(f_found))
    if constant == "mu" and c is not None:
        low = c.inf_eigenvalue * (1 - attained.mu) - fd if attained.mu is not None else 0.0
        return Bracket(constant, problem.mu, low, c.inf_eigenvalue + fd, c.inf_eigenvalue)
    if constant == "L" and c is not None:
        high = c.sup_eigenvalue * (1 + attained.L) + fd if attained.L is not None else np.inf
        return Bracket(constant, problem.L, c.sup_eigenvalue - fd, high, c.sup_eigenvalue)
    if constant == "L2" and c is not None:
        slope_tol = 20 * fd / ref.pair_step  # two Hessians' error over the closest pair kept (h/10)
        high = c.sup_hessian_slope / attained.L2_fraction + slope_tol if attained.L2_fraction else np.inf
        return Bracket(constant, problem.L2, c.sup_hessian_slope - slope_tol, high, c.sup_hessian_slope)
    if constant == "G":
        high = np.sqrt(m.upper(z)) * (1 + attained.G) if attained.G is not None else np.inf
        low = np.sqrt(m.lower(z)) * (1 - G_ROUND_OFF)
        return Bracket(constant, problem.G(box), low, high, np.sqrt(m.gradient + m.noise))
    if constant == "D" and ref.diameter is not None:
        return Bracket(constant, problem.D(box), ref.diameter * (1 - 1e-12), ref.diameter * (1 + 1e-12), ref.diameter)
    if constant == "w*":
        distance = float(np.linalg.norm(np.asarray(problem.w_star) - w_found))
        return Bracket(
            "w*: |w* - searched minimizer|", distance, 0.0, MINIMIZER_ATOL * (1 + np.linalg.norm(w_found)), 0.0
        )
    if constant == "F*":
        return Bracket(constant, problem.f_star, f_found - f_tol, f_found + f_tol, f_found)
    if constant == "F(w*)":
        at_w_star = float(ref.restated.loss(np.asarray(problem.w_star, dtype=float)[None])[0])
        return Bracket("F*: F(w*) restated", problem.f_star, at_w_star - f_tol, at_w_star + f_tol, at_w_star)
    raise KeyError(f"no bracket for {constant!r} here (available: {', '.join(constants_of(ref))})")
