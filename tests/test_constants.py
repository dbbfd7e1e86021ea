"""Issue 18, item 3: every problem's ``mu, L, L2, G(box), D(box), w*, F*`` against an independent
computation (:mod:`independent_constants`: finite-difference Hessians over the box, the sup of the
restated ``E||g||^2`` over sampled points with the noise's Monte Carlo second moment, vertex
brute force, multi-start Newton searches), and a 1.5x error in each one caught.

The instances are generic (no ``sigma``, ``mu``, curvature or step equal to 1, no two constants
equal, ``w*`` and ``F*`` not 0, boxes not centred at ``w*``), plus the instances the claim checks
use (``instances.sweep_cases``, ``instances.logistic``, ``scenarios``).  A sup or inf that the
sampling can only approach is checked one-sided (stated sup >= sampled sup, stated inf <= sampled
inf); where an instance is built so that the sup is attained at a point the search reaches, the
other side is checked too, with the relative error :class:`Attained` states and the case's
docstring justifies:

* quadratics: the Hessian is constant (``mu``, ``L`` exact, ``L2 = 0``); for a diagonal ``H`` with
  additive noise ``E||g||^2`` is separable and convex, so its sup is at the scanned end points of
  each coordinate (``G`` exact); a non-diagonal ``H`` with entries >= 0 and ``w*`` nearer ``lo`` in
  every coordinate has ``|H| m = H (hi - w*)``, the gradient at the vertex ``hi`` (``G`` exact);
  least squares with rows ``a_i > 0`` whose residuals are largest at ``hi`` likewise;
* logistic regression: ``L`` is attained at ``w = 0`` whenever the box holds it (``s'' <= 1/4 =
  s''(0)``); rows ``x_i = y_i r u`` (all margins equal) make ``mu = lam`` (directions orthogonal to
  ``u``), ``L2 = r^3 max|s'''|`` (along ``u``) and, with ``u`` along the box's diagonal, ``G`` (at
  the corner ``-R(1, ..., 1)``, up to ``r e^{-r R sqrt d}``) attained;
* the toys: ``G`` of the double well is the sup of ``|F'|`` over a densely scanned interval; the
  2-D toy's bound ``curvature max||w|| + sum_k depth_k e^{-1/2}/width_k`` is attained at the far
  corner when every well's centre lies ``width_k`` inside it on the ray to that corner.

Elsewhere the comparison is one-sided and the test reports the slack (stated / sampled).
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest
from independent_constants import (
    MAX_VERTEX_DIMENSION,
    Attained,
    Bracket,
    Reference,
    bracket,
    constants_of,
    mean_square_gradient,
    reference,
    restate,
    sampled_second_moment,
    vertices,
)
from qnets.simulate import (
    Box,
    DiscreteNoise,
    GaussianNoise,
    Grid,
    Logistic,
    MinibatchNoise,
    MultiWell2D,
    Quadratic,
    TiltedDoubleWell,
    UniformNoise,
)
from qnets.simulate.problems.base import Problem
from qnets.simulate.scenarios import MINIBATCH_OFFSETS, double_well, quadratic_setup, three_wells

from qnets.claims import instances
from qnets.claims.verdict import Z, bonferroni_z

BOTH = (1.5, 1 / 1.5)
TOO_LARGE = (1.5,)
TOO_SMALL = (1 / 1.5,)
#: Constants of a quadratic whose 1.5x errors are caught in both directions (``L2 = 0`` scales to 0).
QUADRATIC = {"mu": BOTH, "L": BOTH, "D": BOTH}
#: ... and of one with ``w* != 0`` and ``F* != 0`` (the direct constructor).
QUADRATIC_AT = {**QUADRATIC, "w*": BOTH, "F*": BOTH}


@dataclass(frozen=True)
class Case:
    """A problem on a box, what its construction attains, and the 1.5x errors it must catch
    (constant name -> factors)."""

    name: str
    build: Callable[[], tuple[Problem, Box]]
    attained: Attained
    catches: dict[str, tuple[float, ...]]
    convex: bool = True
    widen: float = 1.0
    draws: int = 1000


def _box(lo: list[float], hi: list[float]) -> Box:
    return Box(np.array(lo), np.array(hi))


def _sign_consistent_quadratic() -> tuple[Problem, Box]:
    """Non-diagonal SPD ``H`` with entries > 0; ``w*`` nearer ``lo`` in every coordinate."""
    H = np.array([[2.3, 0.7, 0.4], [0.7, 1.6, 0.55], [0.4, 0.55, 1.1]])
    w_star = np.array([0.3, -0.2, 0.45])
    problem = Quadratic(H, w_star=w_star, noise=GaussianNoise(0.58), f_star=-0.6)
    return problem, Box(w_star - np.array([0.25, 0.4, 0.15]), w_star + np.array([1.05, 0.9, 1.2]))


def _least_squares(positive: bool) -> tuple[Problem, Box]:
    """Gaussian rows (generic), or rows in ``[0.2, 1.4]^3`` with ``w*`` near ``lo``, where every
    residual is largest in magnitude at the vertex ``hi`` (asserted)."""
    rng = np.random.default_rng(11 if positive else 12)
    n = 25 if positive else 30
    A = rng.uniform(0.2, 1.4, size=(n, 3)) if positive else rng.standard_normal((n, 3))
    b = A @ np.array([0.45, 0.8, -0.3]) + (0.05 if positive else 0.4) * rng.standard_normal(n)
    problem = Quadratic.least_squares(A, b, batch_size=3 if positive else 4)
    if not positive:
        return problem, Box.around(problem.w_star, 0.8, Grid(0.2))
    box = Box(problem.w_star - np.array([0.1, 0.15, 0.12]), problem.w_star + np.array([0.9, 1.2, 0.75]))
    assert np.all(np.abs(A @ box.hi - b) >= np.abs(A @ box.lo - b)), "construction: residuals largest at hi"
    return problem, box


def _least_squares_sign_pattern() -> tuple[Problem, Box]:
    """Rows ``a_i = s * |u_i|`` of one sign pattern ``s = (+, -, +)``, and a box reaching far from
    ``w*`` against ``s``: every residual ``a_i^T w - b_i`` is smallest at the vertex ``v = w* - s * far``,
    negative there and larger in magnitude than anywhere else (asserted), and ``|H| m = |H (v - w*)|``
    (``H_jk = s_j s_k |.|``), so ``G`` is attained at ``v``, where ``lo`` and ``hi`` both matter."""
    rng = np.random.default_rng(13)
    sign = np.array([1.0, -1.0, 1.0])
    A = sign * rng.uniform(0.3, 1.3, size=(20, 3))
    b = A @ np.array([0.35, -0.55, 0.2]) + 0.05 * rng.standard_normal(20)
    problem = Quadratic.least_squares(A, b, batch_size=4)
    far, near = np.array([0.95, 1.1, 0.7]), np.array([0.2, 0.15, 0.25])
    lo = problem.w_star - np.where(sign > 0, far, near)
    hi = problem.w_star + np.where(sign > 0, near, far)
    box = Box(lo, hi)
    vertex = problem.w_star - sign * far
    residuals = [A @ corner - b for corner in vertices(box)]
    assert np.all(A @ vertex - b < 0), "construction: residuals negative at the far vertex"
    assert np.all(np.abs(A @ vertex - b) >= np.max(np.abs(residuals), axis=0)), "construction: largest there"
    return problem, box


#: The aligned logistic regression: ``x_i = y_i r u``, ``u`` along the cube's diagonal.
ALIGNED_R, ALIGNED_LAM, ALIGNED_RADIUS, ALIGNED_D = 1.7, 0.37, 3.1, 3


def _aligned_logistic() -> tuple[Problem, Box]:
    y = np.array([1.0, -1.0, 1.0, 1.0, -1.0])
    u = np.ones(ALIGNED_D) / np.sqrt(ALIGNED_D)
    return Logistic((y[:, None] * ALIGNED_R) * u, y, ALIGNED_LAM, batch_size=2), Box.cube(ALIGNED_D, ALIGNED_RADIUS)


def _aligned_logistic_G_error() -> float:
    """At the corner ``-R(1,...,1)`` every sample's gradient is ``-(r s(r R sqrt d) + lam R sqrt d) u``,
    short of the stated ``r + lam R sqrt d`` by ``r (1 - s) <= r e^{-r R sqrt d}``: relative to G."""
    corner = ALIGNED_RADIUS * np.sqrt(ALIGNED_D)
    return ALIGNED_R * np.exp(-ALIGNED_R * corner) / (ALIGNED_LAM * corner)


def _aligned_multiwell() -> tuple[Problem, Box]:
    """Two wells whose centres lie ``width_k`` inside the far corner on the ray to it."""
    box = _box([-2.3, -1.7], [2.9, 2.6])
    corner = np.maximum(np.abs(box.lo), np.abs(box.hi))
    u = corner / np.linalg.norm(corner)
    widths = np.array([0.45, 0.8])
    problem = MultiWell2D(
        centers=corner - widths[:, None] * u,
        depths=np.array([0.7, 1.1]),
        widths=widths,
        curvature=0.21,
        noise=UniformNoise(0.9),
    )
    return problem, box


def _sweep_case(index: int) -> tuple[Problem, Box]:
    _, problem, grid = instances.sweep_cases(instances.QUICK_SWEEP)[index]
    return problem, Box.around(problem.w_star, 1.0, grid)


def _on_space(setup: Callable[[], tuple]) -> Callable[[], tuple[Problem, Box]]:
    def build() -> tuple[Problem, Box]:
        problem, space = setup()
        return problem, space.box

    return build


def _checks_logistic() -> tuple[Problem, Box]:
    problem = instances.logistic()
    return problem, Box.around(problem.w_star, 1.0, Grid(0.1))


def _c9_quadratic() -> tuple[Problem, Box]:
    problem, _, box = quadratic_setup(10, 0.05)
    return problem, box


EXACT = Attained(G=1e-9)  # quadratics with G at a scanned vertex
ONE_SIDED_G = Attained(G=None)
DISCRETE = DiscreteNoise(np.array([-1.3, 0.4, 2.1]), np.array([17, 8, 9]) / 34)

CASES = [
    Case(
        "diagonal-gaussian",
        lambda: (
            Quadratic(np.array([0.37, 1.9, 5.3]), np.array([0.21, -0.43, 0.67]), GaussianNoise(0.63), 0.83),
            _box([-1.3, -0.9, -0.2], [0.8, 1.7, 1.1]),
        ),
        EXACT,
        {**QUADRATIC_AT, "G": BOTH},
    ),
    Case(
        "diagonal-uniform",
        lambda: (
            Quadratic(np.array([2.7, 0.44, 1.3]), np.array([-0.35, 0.52, 0.08]), UniformNoise(0.81), -0.29),
            _box([-1.1, 0.1, -0.7], [0.3, 1.6, 1.4]),
        ),
        EXACT,
        {**QUADRATIC_AT, "G": BOTH},
    ),
    Case(
        "diagonal-discrete",
        lambda: (
            Quadratic(np.array([0.61, 3.4]), np.array([0.9, -0.15]), DISCRETE, 1.7),
            _box([-0.35, -1.2], [1.45, 0.65]),
        ),
        EXACT,
        {**QUADRATIC_AT, "G": BOTH},
    ),
    Case(
        "diagonal-minibatch-offsets",
        lambda: (
            Quadratic(
                np.array([1.45, 0.23, 0.88, 4.1]),
                np.array([0.12, -0.64, 0.33, 0.05]),
                MinibatchNoise(np.array([-1.7, -0.4, 0.6, 1.5]), 3),
                0.41,
            ),
            _box([-0.6, -1.5, -0.2, -0.45], [0.95, 0.3, 1.25, 0.7]),
        ),
        EXACT,
        {**QUADRATIC_AT, "G": BOTH},
    ),
    Case(
        "isotropic",
        lambda: (Quadratic.isotropic(4, mu=0.73, sigma=1.37), Box.around(np.zeros(4), 1.3, Grid(0.3))),
        EXACT,
        {**QUADRATIC, "G": BOTH},
    ),
    Case(
        "ill-conditioned-diagonal",
        lambda: (Quadratic.ill_conditioned(5, 0.29, 7.1, 0.47), Box.around(np.zeros(5), 0.9, Grid(0.15))),
        EXACT,
        {**QUADRATIC, "G": BOTH},
    ),
    Case(
        "ill-conditioned-rotated",
        lambda: (
            Quadratic.ill_conditioned(4, 0.29, 7.1, 0.47, rotation_seed=3),
            _box([-0.7, -1.1, -0.6, -0.95], [1.2, 0.8, 1.3, 0.55]),
        ),
        ONE_SIDED_G,
        {**QUADRATIC, "G": TOO_SMALL},
    ),
    Case("rotated-sign-consistent", _sign_consistent_quadratic, EXACT, {**QUADRATIC_AT, "G": BOTH}),
    Case("least-squares-gaussian", lambda: _least_squares(False), ONE_SIDED_G, {**QUADRATIC_AT, "G": TOO_SMALL}),
    Case("least-squares-positive", lambda: _least_squares(True), EXACT, {**QUADRATIC_AT, "G": BOTH}),
    Case("least-squares-sign-pattern", _least_squares_sign_pattern, EXACT, {**QUADRATIC_AT, "G": BOTH}),
    Case(
        "logistic-synthetic",
        lambda: (lambda p: (p, Box.around(p.w_star, 1.1, Grid(0.13))))(Logistic.synthetic(60, 3, 0.23, 5, 3)),
        Attained(mu=None, L=1e-6, L2_fraction=None, G=None),
        {"L": BOTH, "mu": TOO_LARGE, "D": BOTH, "w*": BOTH, "F*": BOTH},
    ),
    Case(
        "logistic-aligned",
        _aligned_logistic,
        Attained(mu=0.0, L=1e-6, L2_fraction=0.9, G=_aligned_logistic_G_error()),
        {"mu": BOTH, "L": BOTH, "L2": BOTH, "G": BOTH, "D": BOTH, "w*": BOTH, "F*": BOTH},
    ),
    Case(
        "double-well",
        lambda: (TiltedDoubleWell(0.83, 0.19, 1.27, UniformNoise(0.71)), _box([-2.1], [1.9])),
        Attained(G=1e-8),
        {"G": BOTH, "D": BOTH, "w*": BOTH, "F*": BOTH},
        convex=False,
        widen=3.0,
    ),
    *[
        Case(  # |F'| peaks inside the interval, at -+scale/sqrt 3 (the sign of -tilt), not at an end point
            f"double-well-interior-sup, tilt {tilt:+}",
            functools.partial(
                lambda t: (
                    TiltedDoubleWell(0.21, t, 1.6, GaussianNoise(0.36)),
                    _box([-1.6 - t / 0.3], [1.6 - t / 0.3]),
                ),
                tilt,
            ),
            Attained(G=1e-8),
            {"G": BOTH, "D": BOTH, "w*": BOTH, "F*": BOTH},
            convex=False,
            widen=3.0,
        )
        for tilt in (0.05, -0.05)
    ],
    Case(
        "multiwell",
        lambda: (
            MultiWell2D(
                centers=np.array([[-1.4, 0.3], [1.2, -0.5], [0.2, 1.6]]),
                depths=np.array([0.9, 0.6, 0.45]),
                widths=np.array([0.55, 0.4, 0.7]),
                curvature=0.17,
                noise=GaussianNoise(0.77),
            ),
            _box([-3.1, -2.7], [2.9, 3.3]),
        ),
        ONE_SIDED_G,
        {"D": BOTH, "w*": BOTH, "F*": BOTH},
        convex=False,
        widen=3.0,
    ),
    Case(
        "multiwell-aligned",
        _aligned_multiwell,
        Attained(G=1e-9),
        {"G": BOTH, "D": BOTH, "w*": BOTH, "F*": BOTH},
        convex=False,
        widen=3.0,
    ),
    # the instances of the claim checks
    *[
        Case(f"C3/C4 sweep: {label}", functools.partial(_sweep_case, k), attained, catches, draws=draws)
        for k, (label, attained, catches, draws) in enumerate(
            [
                ("isotropic d=1", EXACT, {**QUADRATIC, "G": BOTH}, 200),
                ("isotropic d=10", EXACT, {"G": BOTH}, 50),
                ("isotropic d=100", EXACT, {"G": BOTH}, 4),
                ("rotated kappa=100 d=10", ONE_SIDED_G, {"G": TOO_SMALL}, 50),
                ("diagonal kappa=100 d=100", EXACT, {"G": BOTH}, 4),
            ]
        )
    ],
    Case(
        "C5/C6/E4 logistic",
        _checks_logistic,
        Attained(mu=None, L=1e-6, L2_fraction=None, G=None),
        {"L": BOTH, "mu": TOO_LARGE, "D": BOTH, "w*": BOTH, "F*": BOTH},
    ),
    Case("C9 quadratic d=10", _c9_quadratic, EXACT, {"G": BOTH}, draws=50),
    Case(
        "M1-M5 double well", _on_space(double_well), Attained(G=1e-8), {"G": BOTH, "w*": BOTH, "F*": BOTH}, False, 3.0
    ),
    Case(
        "M5 double well, minibatch noise",
        _on_space(lambda: double_well(MinibatchNoise(MINIBATCH_OFFSETS, 3), half_width=1.5)),
        Attained(G=1e-8),
        {"G": BOTH},
        False,
        3.0,
    ),
    Case("M1 three wells", _on_space(three_wells), ONE_SIDED_G, {"w*": BOTH, "F*": BOTH}, False, 3.0),
]
BY_NAME = {case.name: case for case in CASES}
IDS = list(BY_NAME)


@functools.cache
def problem_and_box(name: str) -> tuple[Problem, Box]:
    return BY_NAME[name].build()


@functools.cache
def reference_of(name: str) -> Reference:
    """The independent computation for one case (computed once per process, before any bug)."""
    case = BY_NAME[name]
    problem, box = problem_and_box(name)
    return reference(problem, box, seed=18, draws=case.draws, convex=case.convex, widen=case.widen)


def bracket_of(name: str, constant: str, problem: Problem | None = None) -> Bracket:
    """The stated ``constant`` of ``problem`` (default: the case's own) against the case's reference."""
    original, box = problem_and_box(name)
    return bracket(constant, problem or original, box, reference_of(name), BY_NAME[name].attained, Z)


# ---------------------------------------------------------------------------- the constants hold
@pytest.mark.parametrize("name", IDS)
def test_the_problem_is_its_restated_objective(name):
    """``loss`` and ``grad`` equal the formulas restated from the parameters (so the searches below,
    which use the restatement, are about this problem), at vertices and uniform points."""
    problem, box = problem_and_box(name)
    restated = restate(problem)
    W = np.random.default_rng(1).uniform(box.lo, box.hi, size=(64, problem.d))
    scale = 1 + np.max(np.abs(restated.loss(W)))
    np.testing.assert_allclose(problem.loss(W), restated.loss(W), rtol=1e-12, atol=1e-12 * scale)
    grads = restated.grad(W)
    np.testing.assert_allclose(problem.grad(W), grads, rtol=1e-10, atol=1e-12 * (1 + np.max(np.abs(grads))))


@pytest.mark.parametrize("name", IDS)
def test_constants_agree_with_the_independent_computation(name):
    """Every stated constant lies in its bracket: one-sided (stated sup >= sampled sup, stated inf
    <= sampled inf) everywhere, two-sided where the case attains the extreme (module docstring)."""
    brackets = [bracket_of(name, constant) for constant in constants_of(reference_of(name))]
    failing = [str(b) for b in brackets if not b.holds]
    assert not failing, "; ".join(failing)


def _finite_sum_cases() -> list[str]:
    return [name for name in IDS if restate(problem_and_box(name)[0]).per_sample is not None]


@pytest.mark.parametrize("name", _finite_sum_cases())
def test_sampler_second_moment_is_the_restated_one(name):
    """For finite-sum noise the restated ``E||g||^2`` (with-replacement formula) is what the
    problem's sampler draws: Monte Carlo at the sup point and at the box's centre, two-sided,
    Bonferroni over the two points."""
    problem, box = problem_and_box(name)
    restated = restate(problem)
    rng = np.random.default_rng(7)
    z = bonferroni_z(2)
    for w in (reference_of(name).second_moment.argmax, (box.lo + box.hi) / 2):
        mean, stderr = sampled_second_moment(problem, w, rng, 200_000)
        exact = float(mean_square_gradient(restated, w[None])[0])
        # at the aligned case's centre every sample has one gradient: stderr 0, round-off only
        assert abs(mean - exact) <= z * stderr + 1e-12 * exact, f"at {w}: sampled {mean} +- {stderr}, restated {exact}"


def _toys() -> list[str]:
    return [name for name in IDS if not BY_NAME[name].convex]


@pytest.mark.parametrize("name", _toys())
def test_toy_minima_are_the_local_minima_found_from_many_starts(name):
    """Every listed minimum of a toy is a local minimum the search finds (from starts over the box widened
    three times), with its value, and none is missing; ``w*`` is the deepest (bracketed above)."""
    problem, _ = problem_and_box(name)
    found = reference_of(name).minima
    assert len(problem.minima) == len(found.values), f"listed {len(problem.minima)}, found {len(found.values)}"
    for (point, value), found_point, found_value in zip(problem.minima, found.points, found.values, strict=True):
        assert np.linalg.norm(point - found_point) <= 1e-6
        assert abs(value - found_value) <= 1e-9 * (1 + abs(found_value))


def test_multiwell_w_star_is_the_global_minimizer_when_the_wells_are_far():
    """One well of depth 0.6 at distance 2.5 in a bowl of curvature 0.3 keeps a local minimum
    (F = 0.26 there: the bowl has risen by 0.94), while the bowl's own minimum near 0 has F ~ 0:
    the stated ``w*`` is the well's, the global one is at the origin."""
    problem = MultiWell2D(
        centers=np.array([[2.5, 0.0]]),
        depths=np.array([0.6]),
        widths=np.array([0.4]),
        curvature=0.3,
        noise=GaussianNoise(0.7),
    )
    box = _box([-1.3, -1.1], [3.4, 1.2])
    ref = reference(problem, box, seed=18, convex=False, widen=3.0)
    for constant in ("w*", "F*"):
        compared = bracket(constant, problem, box, ref, ONE_SIDED_G, Z)
        assert compared.holds, str(compared)


def test_box_diameter_is_checked_at_every_dimension_it_can_enumerate():
    """``D`` is bracketed by vertex brute force on every case up to ``MAX_VERTEX_DIMENSION``."""
    checked = [name for name in IDS if "D" in constants_of(reference_of(name))]
    assert len(checked) == sum(problem_and_box(name)[0].d <= MAX_VERTEX_DIMENSION for name in IDS)


# ---------------------------------------------------------------------------- a 1.5x error fails
def _bugged(problem: Problem, constant: str, factor: float, monkeypatch: pytest.MonkeyPatch) -> Problem:
    """``problem`` with one stated constant off by ``factor``: ``G``/``D`` through the class's method,
    the others as a copy with the attribute scaled (the objective is unchanged)."""
    if constant in ("G", "D"):
        method = getattr(type(problem), constant)
        monkeypatch.setattr(type(problem), constant, lambda self, box: factor * method(self, box))
        return problem
    bugged = copy.copy(problem)
    attribute = {"w*": "w_star", "F*": "f_star"}.get(constant, constant)
    object.__setattr__(bugged, attribute, factor * getattr(problem, attribute))
    return bugged


CATCHES = [
    (name, constant, factor)
    for name in IDS
    for constant, factors in BY_NAME[name].catches.items()
    for factor in factors
]


@pytest.mark.parametrize(("name", "constant", "factor"), CATCHES, ids=[f"{n}-{c}-x{f:.3g}" for n, c, f in CATCHES])
def test_a_constant_off_by_1_5_fails(name, constant, factor, monkeypatch):
    """The constant's bracket holds as stated and fails with the constant times ``factor``."""
    problem, _ = problem_and_box(name)
    assert bracket_of(name, constant).holds
    caught = bracket_of(name, constant, _bugged(problem, constant, factor, monkeypatch))
    assert not caught.holds, str(caught)


# ---------------------------------------------------------------------------- the noise's sup |xi|
#: ``sup |xi|`` (M2's one-cell threshold ``a* = Delta / (sup|F'| + sup|xi|)``): sampled from the law.
#: A uniform law's largest of ``n = 10^6`` draws is below ``h (1 - 5e-5)`` with probability
#: ``(1 - 5e-5)^n = e^{-50}``; the finite laws attain their largest atom (probability >= 1% a draw).
SUP_DRAWS, SUP_RTOL = 1_000_000, 5e-5
BOUNDED_NOISES = {
    "uniform": UniformNoise(0.71),
    "discrete": DISCRETE,
    "minibatch (M5 offsets)": MinibatchNoise(MINIBATCH_OFFSETS, 3),
}


def _sup_abs_bracket(noise) -> Bracket:
    draws = np.zeros((SUP_DRAWS, 1))
    noise.add_to(draws, np.random.default_rng(3))
    largest = float(np.max(np.abs(draws)))
    return Bracket("sup |xi|", noise.sup_abs, largest, largest * (1 + SUP_RTOL), largest)


@pytest.mark.parametrize("law", list(BOUNDED_NOISES))
def test_noise_sup_abs_is_the_largest_draw(law):
    compared = _sup_abs_bracket(BOUNDED_NOISES[law])
    assert compared.holds, str(compared)


@pytest.mark.parametrize("factor", BOTH)
@pytest.mark.parametrize("law", list(BOUNDED_NOISES))
def test_noise_sup_abs_off_by_1_5_fails(law, factor, monkeypatch):
    noise = BOUNDED_NOISES[law]
    stated = type(noise).sup_abs.fget
    monkeypatch.setattr(type(noise), "sup_abs", property(lambda self: factor * stated(self)))
    assert not _sup_abs_bracket(noise).holds


def test_gaussian_noise_is_unbounded():
    assert GaussianNoise(0.63).sup_abs == np.inf and GaussianNoise(0.0).sup_abs == 0.0


def test_every_constant_has_a_case_catching_both_directions():
    """Each of the seven constants (and each code path of ``G``: diagonal and matrix quadratics,
    least squares, logistic, both toys) is caught in both directions on at least one case;
    ``L2`` of a quadratic is 0 and scales to itself, so its two-sided case is logistic."""
    both = {(type(problem_and_box(n)[0]).__name__, c) for n in IDS for c, f in BY_NAME[n].catches.items() if f == BOTH}
    assert {c for _, c in both} == {"mu", "L", "L2", "G", "D", "w*", "F*"}
    assert {kind for kind, c in both if c == "G"} == {"Quadratic", "Logistic", "TiltedDoubleWell", "MultiWell2D"}
    paths = {n for n in IDS if BY_NAME[n].catches.get("G") == BOTH}
    assert {"rotated-sign-consistent", "least-squares-positive", "diagonal-gaussian"} <= paths
