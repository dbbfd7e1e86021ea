"""Problem constants, gradients and reference optima (E4: cvxpy against scipy)."""

import numpy as np
import pytest
from qnets.simulate import Box, GaussianNoise, Grid, Logistic, MultiWell2D, Quadratic, TiltedDoubleWell, UniformNoise
from qnets.simulate.problems.base import Problem
from scipy.optimize import minimize

Z = 5.0


def _problems():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((40, 3))
    return {
        "diagonal": Quadratic(np.array([0.5, 1.0, 4.0]), w_star=np.array([0.1, -0.2, 0.3]), noise=GaussianNoise(0.7)),
        "rotated": Quadratic.ill_conditioned(4, mu=0.1, L=10.0, sigma=0.3, rotation_seed=1),
        "least_squares": Quadratic.least_squares(A, A @ np.ones(3) + rng.standard_normal(40), batch_size=3),
        "logistic": Logistic.synthetic(n=120, d=3, lam=0.1, seed=2, batch_size=2),
        "double_well": TiltedDoubleWell(noise=UniformNoise(0.5)),
        "multiwell": MultiWell2D(),
    }


PROBLEMS = _problems()


@pytest.mark.parametrize("name", PROBLEMS)
def test_gradient_matches_finite_differences(name):
    problem = PROBLEMS[name]
    W = np.random.default_rng(1).uniform(-1, 1, size=(5, problem.d))
    eps = 1e-6
    numeric = np.stack(
        [(problem.loss(W + eps * e) - problem.loss(W - eps * e)) / (2 * eps) for e in np.eye(problem.d)], axis=1
    )
    np.testing.assert_allclose(problem.grad(W), numeric, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name", PROBLEMS)
def test_stochastic_gradient_is_unbiased(name):
    """Mean of n stochastic gradients at a fixed point is within z = 5 standard errors of grad F."""
    problem = PROBLEMS[name]
    n = 40_000
    W = np.tile(np.linspace(-0.5, 0.5, problem.d), (n, 1))
    g = problem.stochastic_grad(W, np.random.default_rng(4))
    stderr = g.std(axis=0, ddof=1) / np.sqrt(n)
    assert np.all(np.abs(g.mean(axis=0) - problem.grad(W[:1])[0]) <= Z * stderr + 1e-12)


@pytest.mark.parametrize("name", PROBLEMS)
def test_G_bounds_the_second_moment_at_every_vertex(name):
    """E||g||^2 <= G^2 at the box vertices, where the gradient is largest (z = 5 margin)."""
    problem = PROBLEMS[name]
    grid = Grid(0.25)
    box = Box.around(problem.w_star, 1.0, grid)
    G = problem.G(box)
    corners = np.array(np.meshgrid(*zip(box.lo, box.hi, strict=True))).reshape(problem.d, -1).T
    n = 20_000
    rng = np.random.default_rng(5)
    for corner in corners:
        sq = np.sum(problem.stochastic_grad(np.tile(corner, (n, 1)), rng) ** 2, axis=1)
        assert sq.mean() - Z * sq.std(ddof=1) / np.sqrt(n) <= G**2


@pytest.mark.parametrize("name", ["diagonal", "rotated", "least_squares", "logistic"])
def test_convex_constants_bracket_the_hessian(name):
    """mu I <= Hessian <= L I at random points (finite-difference Hessian for logistic)."""
    problem = PROBLEMS[name]
    rng = np.random.default_rng(6)
    eps = 1e-5
    for w in rng.uniform(-2, 2, size=(5, problem.d)):
        hessian = np.stack(
            [
                (problem.grad((w + eps * e)[None]) - problem.grad((w - eps * e)[None]))[0] / (2 * eps)
                for e in np.eye(problem.d)
            ]
        )
        eig = np.linalg.eigvalsh((hessian + hessian.T) / 2)
        assert eig.min() >= problem.mu - 1e-6
        assert eig.max() <= problem.L + 1e-6


def test_logistic_hessian_lipschitz_constant_L2_holds():
    """||H(w) - H(v)||_2 <= L2 ||w - v|| on random pairs, with the exact logistic Hessian."""
    problem = PROBLEMS["logistic"]
    X, n = problem.X, problem.X.shape[0]

    def hessian(w):
        s = 1 / (1 + np.exp(-(X @ w) * problem.y))
        return (X.T * (s * (1 - s))) @ X / n + problem.lam * np.eye(problem.d)

    rng = np.random.default_rng(7)
    ratios = []
    for _ in range(200):
        w, v = rng.normal(scale=2.0, size=(2, problem.d))
        ratios.append(np.linalg.norm(hessian(w) - hessian(v), 2) / np.linalg.norm(w - v))
    assert max(ratios) <= problem.L2
    assert problem.L2 > 0


def test_G_is_exact_for_a_diagonal_quadratic_with_additive_noise():
    """Two-sided: G^2 = max over the box's vertices of ||H (v - w*)||^2 + d sigma^2 (the closed
    form, computed here from H, w* and sigma), and a Monte Carlo E||g||^2 at the worst vertex
    agrees with G^2 within z = 5 standard errors on both sides: a G three times too large fails."""
    problem = PROBLEMS["diagonal"]
    box = Box.around(problem.w_star, 1.0, Grid(0.25))
    corners = np.array(np.meshgrid(*zip(box.lo, box.hi, strict=True))).reshape(problem.d, -1).T
    second_moments = np.sum((problem.H * (corners - problem.w_star)) ** 2, axis=1) + problem.d * 0.7**2
    G = problem.G(box)
    assert G**2 == pytest.approx(second_moments.max(), rel=1e-12)
    worst = corners[int(np.argmax(second_moments))]
    n = 200_000
    sq = np.sum(problem.stochastic_grad(np.tile(worst, (n, 1)), np.random.default_rng(8)) ** 2, axis=1)
    assert abs(sq.mean() - G**2) <= Z * sq.std(ddof=1) / np.sqrt(n)


def test_logistic_L_is_attained_at_zero():
    """Two-sided: the Hessian at w = 0 is X^T X/(4n) + lam I, whose largest eigenvalue is L."""
    problem = PROBLEMS["logistic"]
    X, n = problem.X, problem.X.shape[0]
    eps = 1e-5
    hessian = np.stack(
        [(problem.grad((eps * e)[None]) - problem.grad((-eps * e)[None]))[0] / (2 * eps) for e in np.eye(problem.d)]
    )
    assert np.linalg.eigvalsh((hessian + hessian.T) / 2).max() == pytest.approx(problem.L, rel=1e-6)
    assert problem.L == pytest.approx(np.linalg.eigvalsh(X.T @ X / (4 * n)).max() + problem.lam, rel=1e-12)


def test_logistic_L2_is_attained_in_one_dimension():
    """Two-sided: with one feature and equal |y x| = 1.5, the Hessian is 1.5^2 sigma'(1.5 w) + lam,
    whose steepest slope is 1.5^3 max|sigma''| = 1.5^3/(6 sqrt 3) = L2 (finite differences)."""
    problem = Logistic(np.array([[1.5], [-1.5]]), np.array([1.0, -1.0]), 0.1)
    w = np.linspace(-3, 3, 60_001)[:, None]
    eps = 1e-5
    hessian = (problem.grad(w + eps) - problem.grad(w - eps))[:, 0] / (2 * eps)
    slopes = np.abs(np.diff(hessian)) / (w[1, 0] - w[0, 0])
    assert slopes.max() == pytest.approx(problem.L2, rel=1e-4)


def test_e4_cvxpy_optimum_agrees_with_scipy():
    """E4: cvxpy's F* for logistic regression agrees with scipy.optimize to 1e-6 relative."""
    problem = Logistic.synthetic(n=300, d=5, lam=0.05, seed=3)
    result = minimize(
        lambda w: (problem.loss(w[None])[0], problem.grad(w[None])[0]),
        np.zeros(problem.d),
        jac=True,
        method="L-BFGS-B",
        options={"gtol": 1e-12, "ftol": 1e-15},
    )
    assert problem.f_star == pytest.approx(result.fun, rel=1e-6)
    np.testing.assert_allclose(problem.w_star, result.x, atol=1e-5)
    assert np.linalg.norm(problem.grad(problem.w_star[None])) < 1e-6


def test_least_squares_minimizer_solves_normal_equations():
    problem = PROBLEMS["least_squares"]
    A, b = problem.noise.A, problem.noise.b
    np.testing.assert_allclose(A.T @ (A @ problem.w_star - b), 0.0, atol=1e-10)
    assert problem.f_star == pytest.approx(0.5 * np.mean((A @ problem.w_star - b) ** 2))


def test_toys_have_several_minima_of_different_depths():
    for problem in (PROBLEMS["double_well"], PROBLEMS["multiwell"]):
        values = [value for _, value in problem.minima]
        assert len(values) >= 2 and len(set(np.round(values, 6))) == len(values)
        for point, _ in problem.minima:
            assert np.linalg.norm(problem.grad(point[None])) < 1e-8
        assert problem.f_star == min(values)


def test_multiwell_loss_is_the_bowl_minus_the_gaussian_wells():
    """The documented formula, written out one point and one well at a time."""
    problem = MultiWell2D()
    W = np.random.default_rng(3).uniform(-3, 3, size=(7, 2))
    expected = [
        0.5 * problem.curvature * (w @ w)
        - sum(
            depth * np.exp(-((w - centre) @ (w - centre)) / (2 * width**2))
            for centre, depth, width in zip(problem.centers, problem.depths, problem.widths, strict=True)
        )
        for w in W
    ]
    np.testing.assert_allclose(problem.loss(W), expected, rtol=1e-14)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Quadratic(np.array([1.0, 0.0])), "positive definite"),
        (lambda: Quadratic(np.array([1.0, -2.0])), "positive definite"),
        (lambda: Quadratic(np.array([[1.0, 2.0], [2.0, 1.0]])), "positive definite"),
        (lambda: Quadratic(np.array([[1.0, 0.5], [0.0, 1.0]])), "symmetric"),
        (lambda: Quadratic(np.array([1.0, np.nan])), "H must contain only finite"),
        (lambda: Quadratic(np.array([1.0, np.inf])), "H must contain only finite"),
        (lambda: Quadratic.isotropic(3, mu=0.0), "mu must be > 0"),
        (lambda: Quadratic.isotropic(3, mu=-1.0), "mu must be > 0"),
        (lambda: Quadratic.ill_conditioned(3, mu=2.0, L=1.0), "L must be >= mu"),
        (lambda: Quadratic(np.ones(2), noise=GaussianNoise(-1.0)), "sigma must be >= 0"),
        (lambda: Logistic(np.ones((3, 2)), np.array([1.0, 0.0, 1.0]), 0.1), "labels -1 and \\+1"),
        (lambda: Logistic(np.ones((3, 2)), np.ones(3), 0.0), "lam must be > 0"),
        (lambda: TiltedDoubleWell(height=0.0), "height must be > 0"),
    ],
)
def test_problems_reject_bad_parameters(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_domain_must_match_problem():
    """The exact messages: a box of the wrong dimension, one without ``w*``, and no box at all."""
    problem = PROBLEMS["diagonal"]
    with pytest.raises(ValueError, match=r"^domain must have dimension d=3, got 2$"):
        problem.G(Box.cube(2, 1.0))
    with pytest.raises(ValueError, match="w_star must lie in the box"):
        problem.G(Box(np.full(3, 0.5), np.full(3, 1.0)))
    with pytest.raises(TypeError, match=r"^domain must be a Box, got tuple$"):
        problem.D((np.zeros(3), np.ones(3)))


ABSTRACT_METHODS = ("loss", "grad", "stochastic_grad", "G")


def _minimal_problem(missing: str | None = None) -> type[Problem]:
    """A subclass of :class:`Problem` defining the abstract methods except ``missing``:
    ``F(w) = f* + c ||w - w*||^2`` (``d = 2``); gradient, noise and ``G`` are never called."""
    methods = {
        "d": 2,
        "w_star": np.array([0.4, -0.3]),
        "f_star": 1.7,
        "loss": lambda self, W: self.f_star + 0.65 * np.sum((W - self.w_star) ** 2, axis=1),
        "grad": lambda self, W: None,
        "stochastic_grad": lambda self, W, rng, out=None, scratch=None: None,
        "G": lambda self, domain: None,
    }
    methods.pop(missing or "", None)
    return type("Minimal", (Problem,), methods)


def test_base_class_gap_and_diameter_on_a_minimal_problem():
    """``gap = F - F*`` and ``D = ||hi - lo||_2``, from the base class, against the formulas by hand."""
    problem = _minimal_problem()()
    W = np.array([[0.4, -0.3], [1.1, 0.2], [-0.6, 0.9]])
    np.testing.assert_allclose(problem.gap(W), [0.0, 0.65 * (0.7**2 + 0.5**2), 0.65 * (1.0**2 + 1.2**2)], rtol=1e-14)
    box = Box(np.array([-0.5, -1.25]), np.array([1.3, 0.75]))
    assert problem.D(box) == pytest.approx(np.hypot(1.8, 2.0), rel=1e-14)


@pytest.mark.parametrize("missing", ABSTRACT_METHODS)
def test_a_problem_without_its_whole_interface_cannot_be_built(missing):
    """``loss``, ``grad``, ``stochastic_grad`` and ``G`` are abstract: a subclass lacking any one of
    them is refused at construction (Python's ABC rule); one defining all four is built, and its
    shared methods run (so that this test is among those the mutation map gives the base class)."""
    assert _minimal_problem()().gap(np.array([[0.4, -0.3]]))[0] == 0.0
    with pytest.raises(TypeError, match=rf"\b{missing}\b"):
        _minimal_problem(missing)()


# ---------------------------------------------------------------------------- Quadratic: building it
def test_quadratic_defaults_are_the_documented_ones():
    """``Quadratic(H)`` is ``(1/2) w^T H w`` (``w* = 0``, ``F* = 0``) with no noise (stochastic gradient
    = gradient, bit for bit); ``isotropic(d)`` has ``mu = 1``, ``sigma = 1``; ``ill_conditioned``
    without a seed is diagonal with log-spaced eigenvalues and ``sigma = 1``; ``w*`` is a read-only
    vector of length ``d``. The values by hand."""
    h = np.array([0.37, 1.9, 5.3])
    problem = Quadratic(h.tolist())
    W = np.array([[0.4, -1.2, 0.75], [-0.3, 0.2, 1.1]])
    np.testing.assert_allclose(problem.loss(W), 0.5 * np.sum(h * W**2, axis=1), rtol=1e-15)
    np.testing.assert_array_equal(problem.stochastic_grad(W, np.random.default_rng(0)), h * W)
    assert problem.f_star == 0.0 and problem.w_star.shape == (3,) and not problem.w_star.any()
    for array in (problem.H, problem.w_star):
        with pytest.raises(ValueError, match="read-only"):
            array[0] = 2.5
    isotropic = Quadratic.isotropic(2)
    np.testing.assert_array_equal(isotropic.H, [1.0, 1.0])
    assert isotropic.noise == GaussianNoise(1.0)
    conditioned = Quadratic.ill_conditioned(3, 0.2, 1.8)
    np.testing.assert_allclose(conditioned.H, [0.2, 0.6, 1.8], rtol=1e-14)  # geometric: ratio 3
    assert conditioned.is_diagonal and conditioned.noise == GaussianNoise(1.0)
    assert Quadratic.ill_conditioned(3, 0.2, 1.8, rotation_seed=4).noise == GaussianNoise(1.0)


@pytest.mark.parametrize("rotation_seed", [None, 4])
def test_constructors_build_the_spectrum_they_document(rotation_seed):
    """``ill_conditioned(d, mu, L)``: the eigenvalues of ``H`` are ``mu (L/mu)^(k/(d-1))``, k = 0..d-1
    (by hand), and ``mu``, ``L`` are the arguments; a rotation makes ``H`` a full symmetric matrix,
    another seed another one. ``isotropic(d, mu)``: ``H = mu I``. (The problems' constants are
    derived from the ``H`` they hold, so only this compares that ``H`` with the arguments.)"""
    d, mu, L = 4, 0.3, 6.5
    problem = Quadratic.ill_conditioned(d, mu, L, sigma=0.45, rotation_seed=rotation_seed)
    expected = mu * (L / mu) ** (np.arange(d) / (d - 1))
    H = problem.H if problem.is_diagonal else np.linalg.eigvalsh(problem.H)
    np.testing.assert_allclose(H, expected, rtol=1e-13)
    assert problem.mu == pytest.approx(mu, rel=1e-13) and problem.L == pytest.approx(L, rel=1e-13)
    assert problem.noise == GaussianNoise(0.45)
    if rotation_seed is not None:
        assert problem.H.shape == (d, d) and np.abs(problem.H - np.diag(np.diag(problem.H))).max() > 0.1
        other = Quadratic.ill_conditioned(d, mu, L, rotation_seed=rotation_seed + 1).H
        assert np.abs(other - problem.H).max() > 0.1
    isotropic = Quadratic.isotropic(3, mu=0.73, sigma=1.37)
    np.testing.assert_array_equal(isotropic.H, [0.73, 0.73, 0.73])
    assert isotropic.noise == GaussianNoise(1.37)


def test_ill_conditioned_accepts_equal_extreme_eigenvalues():
    """``L = mu`` is allowed (``H = mu I``); only ``L < mu`` is refused, with the exact message."""
    problem = Quadratic.ill_conditioned(3, 0.7, 0.7, sigma=0.4)
    np.testing.assert_array_equal(problem.H, [0.7, 0.7, 0.7])
    with pytest.raises(ValueError, match=r"^L must be >= mu=0.7, got 0.65$"):
        Quadratic.ill_conditioned(3, 0.7, 0.65)


def test_quadratic_positive_definiteness_threshold_both_ways():
    """An eigenvalue at or below ``SPD_RTOL * lambda_max`` (1e-12 relative) is refused; one 1.2 times
    above it is accepted, and is then ``mu`` (``lambda_max = 0.5``: below 1, so the threshold is
    relative, not absolute)."""
    assert Quadratic(np.array([0.5, 0.6e-12])).mu == 0.6e-12
    with pytest.raises(ValueError, match=r"^H must be symmetric positive definite; smallest eigenvalue 5e-13$"):
        Quadratic(np.array([0.5, 0.5e-12]))


def test_quadratic_symmetry_tolerance_both_ways():
    """``H`` counts as symmetric when ``|H_ij - H_ji| <= 1e-12 |H_ji|``: an asymmetry of 0.5e-12
    relative is accepted, one of 1.5e-12 refused."""

    def matrix(asymmetry: float) -> np.ndarray:
        return np.array([[2.3, 0.7 * (1 + asymmetry)], [0.7, 1.6]])

    assert Quadratic(matrix(0.5e-12)).d == 2
    with pytest.raises(ValueError, match=r"^H must be symmetric$"):
        Quadratic(matrix(1.5e-12))


QUADRATIC_REFUSALS = [
    (
        lambda: Quadratic(np.ones((2, 3))),
        r"^H must be a vector of eigenvalues or a square matrix, got shape \(2, 3\)$",
    ),
    (
        lambda: Quadratic(np.ones((2, 2, 2))),
        r"^H must be a vector of eigenvalues or a square matrix, got shape \(2, 2, 2\)$",
    ),
    (lambda: Quadratic(np.array([])), r"^H must have dimension d >= 1$"),
    (
        lambda: Quadratic(np.array([2e150, 0.3])),
        r"^H must have entries of magnitude <= 1e\+150 \(G and F stay finite\)$",
    ),
    (
        lambda: Quadratic(np.array([0.3, 0.8]), noise=0.3),
        r"^noise must be an additive noise law or LeastSquaresMinibatch, got 0.3$",
    ),
    (lambda: Quadratic(np.array([0.3, 0.8]), f_star=np.nan), r"^f_star must be finite, got nan$"),
    (lambda: Quadratic(np.array([[np.nan]])), r"^H must contain only finite"),
    (lambda: Quadratic(np.array([0.3, 0.8]), w_star=np.zeros(3)), r"^w_star must be a scalar or have shape \(2,\)"),
    (lambda: Quadratic.isotropic(0), r"^d must be an integer >= 1, got 0$"),
    (lambda: Quadratic.isotropic(2, mu=-0.3), r"^mu must be > 0"),
    (lambda: Quadratic.ill_conditioned(0, 0.2, 1.8), r"^d must be an integer >= 1, got 0$"),
    (lambda: Quadratic.ill_conditioned(2, -0.2, 1.8), r"^mu must be > 0"),
    (lambda: Quadratic.ill_conditioned(2, 0.2, -1.8), r"^L must be > 0"),
    (
        lambda: Quadratic.least_squares(np.ones(3), np.ones(3), 2),
        r"^A must have 2 dimension\(s\), got shape \(3,\)$",
    ),
    (
        lambda: Quadratic.least_squares(np.ones((3, 2)), np.ones((3, 1)), 2),
        r"^b must have 1 dimension\(s\), got shape \(3, 1\)$",
    ),
    (
        lambda: Quadratic.least_squares(np.ones((4, 2)), np.ones(3), 2),
        r"^b must have length A.shape\[0\]=4, got 3$",
    ),
    (
        lambda: Quadratic.least_squares(np.ones((4, 2)), np.ones(4), 0),
        r"^batch_size must be an integer >= 1, got 0$",
    ),
]


def test_quadratic_accepts_the_largest_scale_and_one_row_batches():
    """Entries of magnitude exactly ``MAX_SCALE`` = 1e150 are accepted; so is a minibatch of one row,
    whose gradient is then one row's ``a_i (a_i^T w - b_i)`` (checked against all rows by hand)."""
    assert Quadratic(np.array([1e150, 3e140])).L == 1e150
    A = np.array([[0.8, -0.3], [0.2, 1.1], [-0.5, 0.4]])
    b = np.array([0.3, -0.7, 0.9])
    problem = Quadratic.least_squares(A, b, 1)
    w = np.array([0.35, -0.6])
    g = problem.stochastic_grad(np.tile(w, (50, 1)), np.random.default_rng(2))
    rows = A * (A @ w - b)[:, None]
    assert all(np.any(np.all(np.isclose(rows, gi, rtol=1e-14, atol=0.0), axis=1)) for gi in g)
    assert len({tuple(gi) for gi in g}) == 3  # each of the 3 rows is drawn


def test_quadratic_constructors_refuse_too_large_allocations(monkeypatch):
    """With the limit of one array lowered to 100 doubles: ``isotropic`` refuses ``d = 101`` (one
    vector), ``ill_conditioned`` with a rotation refuses ``d = 11`` (a 121-entry matrix) but not
    ``d = 10``, and without one accepts ``d = 11`` (a vector of 11)."""
    from qnets.simulate import _validate

    monkeypatch.setattr(_validate, "MAX_ARRAY_BYTES", 800)
    assert Quadratic.isotropic(100).d == 100
    with pytest.raises(ValueError, match=r"^Quadratic\.isotropic\(d\) would allocate 101 entries"):
        Quadratic.isotropic(101)
    assert Quadratic.ill_conditioned(10, 0.2, 1.8, rotation_seed=1).d == 10
    assert Quadratic.ill_conditioned(11, 0.2, 1.8).d == 11
    with pytest.raises(ValueError, match=r"^Quadratic\.ill_conditioned\(d\) would allocate 121 entries"):
        Quadratic.ill_conditioned(11, 0.2, 1.8, rotation_seed=1)


def test_problems_are_frozen_and_compared_by_identity():
    """Every problem (and the least-squares noise) is a frozen dataclass with identity equality: two
    built from the same parameters differ and both hash (their array fields are not compared)."""
    A = np.array([[0.8, -0.3], [0.2, 1.1], [-0.5, 0.4]])
    b = np.array([0.3, -0.7, 0.9])
    builds = [
        lambda: Quadratic(np.array([0.3, 0.8])),
        lambda: Quadratic.least_squares(A, b, 2),
        lambda: Quadratic.least_squares(A, b, 2).noise,
        lambda: Logistic(np.array([[1.2, -0.4], [0.3, 0.9]]), np.array([1.0, -1.0]), 0.3),
        lambda: TiltedDoubleWell(0.83, 0.19, 1.27),
        lambda: MultiWell2D(),
    ]
    for build in builds:
        first, second = build(), build()
        params = type(first).__dataclass_params__  # type: ignore[attr-defined]
        assert params.frozen and not params.eq
        assert first != second and first == first and len({first, second}) == 2
        with pytest.raises(AttributeError, match="cannot assign to field"):
            first.batch_size = 3


def test_parameters_are_stored_normalised():
    """Built from lists, integers and numpy scalars, every problem stores float64 arrays (read-only
    where the problem owns them), Python floats and ints, equal to what was given."""
    A, b = [[1, -2], [3, 1], [0, 2]], [1, 0, -1]
    least_squares = Quadratic.least_squares(np.array(A), np.array(b), np.int64(2))
    quadratic = Quadratic([2, 5], w_star=[1, -1], f_star=2)
    logistic = Logistic([[1, -2], [3, 1]], [1, -1], 2, batch_size=np.int64(2))
    well = TiltedDoubleWell(height=2, tilt=np.float32(0.25), scale=3)
    wells = MultiWell2D(centers=[[-2, 0], [2, 1]], depths=[1, 2], widths=[1, 3], curvature=np.float32(0.25))
    arrays = [
        (least_squares.noise.A, A, False),
        (least_squares.noise.b, b, False),
        (quadratic.H, [2, 5], True),
        (quadratic.w_star, [1, -1], True),
        (logistic.X, [[1, -2], [3, 1]], True),
        (logistic.y, [1, -1], True),
        (wells.centers, [[-2, 0], [2, 1]], True),
        (wells.depths, [1, 2], True),
        (wells.widths, [1, 3], True),
    ]
    for array, given, read_only in arrays:
        assert isinstance(array, np.ndarray) and array.dtype == np.float64
        np.testing.assert_array_equal(array, given)
        assert array.flags.writeable is not read_only
    scalars = [
        (least_squares.noise.batch_size, int, 2),
        (quadratic.f_star, float, 2),
        (logistic.lam, float, 2),
        (logistic.batch_size, int, 2),
        (well.height, float, 2),
        (well.tilt, float, 0.25),
        (well.scale, float, 3),
        (wells.curvature, float, 0.25),
    ]
    for value, kind, given in scalars:
        assert type(value) is kind and value == given


# ---------------------------------------------------------------------------- Logistic: building it
def test_logistic_synthetic_follows_its_documented_law():
    """``synthetic(n, d)`` uses ``lam = 0.1``, ``seed = 0``, ``batch_size = 1``, ``label_noise = 0.1``;
    with ``label_noise = 0`` the labels are ``sign(x^T w)`` for some ``w`` (a linear program finds
    ``w`` with every margin ``y_i x_i^T w >= 1``), and at ``label_noise = 0.3`` a binomial share
    0.3 of them is flipped (the same seed draws the same ``X`` and ``w_true``; z = 5 margin)."""
    from scipy.optimize import linprog

    default = Logistic.synthetic(50, 3)
    explicit = Logistic.synthetic(50, 3, lam=0.1, seed=0, batch_size=1, label_noise=0.1)
    np.testing.assert_array_equal(default.X, explicit.X)
    np.testing.assert_array_equal(default.y, explicit.y)
    assert (default.lam, default.batch_size) == (0.1, 1)
    n = 2000
    clean = Logistic.synthetic(n, 3, lam=0.2, seed=5, label_noise=0.0)
    noisy = Logistic.synthetic(n, 3, lam=0.2, seed=5, label_noise=0.3)
    np.testing.assert_array_equal(clean.X, noisy.X)
    separable = linprog(np.zeros(3), A_ub=-(clean.y[:, None] * clean.X), b_ub=-np.ones(n), bounds=[(None, None)] * 3)
    assert separable.status == 0
    flipped = np.mean(clean.y != noisy.y)
    assert abs(flipped - 0.3) <= Z * np.sqrt(0.3 * 0.7 / n)
    assert np.all(noisy.y[clean.y != noisy.y] == -clean.y[clean.y != noisy.y])
    for label_noise in (0.0, 0.5):
        assert Logistic.synthetic(20, 2, seed=1, label_noise=label_noise).X.shape == (20, 2)
    assert Logistic.synthetic(1, 1).X.shape == (1, 1)


def test_logistic_one_row_batches_are_single_sample_gradients():
    """The default ``batch_size = 1``: each stochastic gradient is one sample's
    ``-y_i x_i sigma(-y_i x_i^T w) + lam w`` (by hand), and every sample is drawn."""
    X = np.array([[0.8, -0.3], [0.2, 1.1], [-0.5, 0.4]])
    y = np.array([1.0, -1.0, -1.0])
    problem = Logistic(X, y, 0.35)
    w = np.array([0.45, -0.7])
    g = problem.stochastic_grad(np.tile(w, (60, 1)), np.random.default_rng(3))
    samples = -(y / (1 + np.exp(y * (X @ w))))[:, None] * X + 0.35 * w
    matches = np.all(np.isclose(g[:, None, :], samples[None], rtol=1e-13, atol=1e-15), axis=2)
    assert np.all(matches.sum(axis=1) == 1) and np.all(matches.any(axis=0))


LOGISTIC_REFUSALS = [
    (lambda: Logistic(np.ones((3, 2)), np.ones(2), 0.3), r"^y must have length X.shape\[0\]=3 >= 1, got 2$"),
    (lambda: Logistic(np.ones((0, 2)), np.ones(0), 0.3), r"^y must have length X.shape\[0\]=0 >= 1, got 0$"),
    (lambda: Logistic(np.ones(3), np.ones(3), 0.3), r"^X must have 2 dimension\(s\), got shape \(3,\)$"),
    (
        lambda: Logistic(np.ones((3, 2)), np.ones((3, 1)), 0.3),
        r"^y must have 1 dimension\(s\), got shape \(3, 1\)$",
    ),
    (lambda: Logistic(np.array([[2e150, 0.3]]), np.ones(1), 0.3), r"^X must have entries of magnitude <= 1e\+150$"),
    (lambda: Logistic(np.ones((2, 2)), np.array([1.0, 0.5]), 0.3), r"^y must contain only labels -1 and \+1$"),
    (lambda: Logistic(np.ones((2, 2)), np.ones(2), -0.3), r"^lam must be > 0"),
    (lambda: Logistic(np.ones((2, 2)), np.ones(2), 0.3, 0), r"^batch_size must be an integer >= 1, got 0$"),
    (lambda: Logistic.synthetic(0, 2), r"^n must be an integer >= 1, got 0$"),
    (lambda: Logistic.synthetic(2, 0), r"^d must be an integer >= 1, got 0$"),
    (lambda: Logistic.synthetic(20, 2, label_noise="a"), r"^label_noise must be a real number, got str$"),
    (lambda: Logistic.synthetic(20, 2, label_noise=0.7), r"^label_noise must be in \[0, 0.5\], got 0.7$"),
    (lambda: Logistic.synthetic(20, 2, label_noise=-0.1), r"^label_noise must be in \[0, 0.5\], got -0.1$"),
]


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")  # L2 ~ |x|^3 overflows (notes)
def test_logistic_accepts_entries_of_magnitude_max_scale(monkeypatch):
    """``|x| = 1e150`` exactly is accepted (the next double up is refused above); the minimizer is
    stubbed, since no solver handles that scale."""
    monkeypatch.setattr(Logistic, "_solve_minimizer", lambda self: np.zeros(self.d))
    assert Logistic(np.array([[1e150, 0.3]]), np.ones(1), 0.3).X[0, 0] == 1e150
    with pytest.raises(ValueError, match="magnitude"):
        Logistic(np.array([[np.nextafter(1e150, np.inf), 0.3]]), np.ones(1), 0.3)


def test_logistic_synthetic_refuses_too_large_allocations(monkeypatch):
    """With the limit of one array lowered to 100 doubles, ``n d = 120`` features are refused, 100 not."""
    from qnets.simulate import _validate

    monkeypatch.setattr(_validate, "MAX_ARRAY_BYTES", 800)
    assert Logistic.synthetic(20, 5).X.shape == (20, 5)
    with pytest.raises(ValueError, match=r"^Logistic\.synthetic\(n, d\) would allocate 120 entries"):
        Logistic.synthetic(20, 6)


def test_logistic_refuses_an_unsolved_reference_optimum(monkeypatch):
    """When cvxpy returns without an optimum (its solve stubbed to do nothing), construction fails
    with the status, rather than keeping a wrong ``w*``."""
    import cvxpy

    monkeypatch.setattr(cvxpy.Problem, "solve", lambda self, **options: None)
    with pytest.raises(RuntimeError, match=r"^cvxpy did not solve the logistic problem: status None$"):
        Logistic(np.array([[0.8, -0.3], [0.2, 1.1]]), np.array([1.0, -1.0]), 0.35)


def test_logistic_w_star_is_read_only():
    problem = Logistic(np.array([[0.8, -0.3], [0.2, 1.1]]), np.array([1.0, -1.0]), 0.35)
    with pytest.raises(ValueError, match="read-only"):
        problem.w_star[0] = 0.5


# ---------------------------------------------------------------------------- the toys: building them
def _scanned_minima(loss, lo: float, hi: float) -> np.ndarray:
    """The strict local minima of a 1-D ``loss`` on a dense scan of ``[lo, hi]`` (2,000,001 points)."""
    w = np.linspace(lo, hi, 2_000_001)
    f = loss(w)
    inner = np.flatnonzero((f[1:-1] < f[:-2]) & (f[1:-1] < f[2:])) + 1
    return w[inner]


@pytest.mark.parametrize(
    ("height", "tilt", "scale"),
    [(4.0, 0.3, 2.0), (0.21, 0.05, 1.6), (0.83, 0.0, 1.27), (0.62, 0.9, 1.1), (0.83, 1.005, 1.27)],
    ids=[
        "leading coefficient 4h/s^4 = 1",
        "shallow: F'' = 0.66 at the minima",
        "untilted: minima +-scale",
        "one well",
        "near the critical tilt: the maximum and the shallow minimum within 0.02 scale of scale/sqrt 3",
    ],
)
def test_double_well_minima_are_those_of_a_dense_scan(height, tilt, scale):
    """The listed minima (deepest first) are the local minima of ``F`` restated, found on a dense scan of
    ``[-3 scale, 3 scale]`` (to the scan's spacing), with their values; the untilted well's minima are
    exactly ``+-scale`` with ``F = 0``, and a tilt beyond ``8 height / (3 sqrt 3 scale)`` leaves one."""
    problem = TiltedDoubleWell(height, tilt, scale, GaussianNoise(0.4))
    scan = _scanned_minima(lambda w: height * ((w / scale) ** 2 - 1) ** 2 + tilt * w, -3 * scale, 3 * scale)
    points = np.array([point[0] for point, _ in problem.minima])
    values = [value for _, value in problem.minima]
    assert len(points) == len(scan) == (1 if tilt > 8 * height / (3 * np.sqrt(3) * scale) else 2)
    order = np.argsort([height * ((w / scale) ** 2 - 1) ** 2 + tilt * w for w in scan])
    np.testing.assert_allclose(points, scan[order], atol=6 * scale / 2e6)
    np.testing.assert_allclose(
        values, height * ((points / scale) ** 2 - 1) ** 2 + tilt * points, rtol=1e-14, atol=1e-15
    )
    if tilt == 0:
        np.testing.assert_allclose(sorted(points), [-scale, scale], rtol=1e-12)
        np.testing.assert_allclose(values, 0.0, atol=1e-15)


def test_toy_defaults_are_the_documented_instances():
    """``TiltedDoubleWell()`` is ``(w^2 - 1)^2 + w/4`` with N(0, 1) noise; ``MultiWell2D()`` is the bowl of
    curvature 0.2 with wells of depths 1, 0.75, 0.5 and widths 0.5 at (-1.5, 0), (1.5, 0), (0, 1.5),
    with N(0, 1) noise, and has three minima; neither has a global ``mu``, ``L`` or ``L2``."""
    well = TiltedDoubleWell()
    w = np.linspace(-2, 2, 9)[:, None]
    np.testing.assert_allclose(well.loss(w), (w[:, 0] ** 2 - 1) ** 2 + w[:, 0] / 4, rtol=1e-15)
    assert well.noise == GaussianNoise(1.0)
    wells = MultiWell2D()
    np.testing.assert_array_equal(wells.centers, [[-1.5, 0.0], [1.5, 0.0], [0.0, 1.5]])
    np.testing.assert_array_equal(wells.depths, [1.0, 0.75, 0.5])
    np.testing.assert_array_equal(wells.widths, [0.5, 0.5, 0.5])
    assert wells.curvature == 0.2 and wells.noise == GaussianNoise(1.0) and len(wells.minima) == 3
    for problem in (well, wells):
        assert problem.mu is None and problem.L is None and problem.L2 is None


def test_toy_minima_skip_non_finite_candidates_and_merge_duplicates():
    """Candidates that are not finite are skipped (the later ones still count), a point within 1e-6
    of a kept one merges into it, points apart are kept (``-w`` too, however close ``w + (-w)`` is to
    0), and they are sorted by ``F`` (by hand), the deepest being ``w*``, ``F*``."""
    height, tilt, scale = 0.83, 0.19, 1.27
    problem = TiltedDoubleWell(height, tilt, scale)
    (deep, _), (shallow, _) = problem.minima
    problem._set_minima([np.array([np.nan]), shallow, deep, deep + 5e-7, -deep])
    kept = [shallow[0], deep[0], -deep[0]]
    values = [height * ((w / scale) ** 2 - 1) ** 2 + tilt * w for w in kept]
    order = np.argsort(values)
    np.testing.assert_array_equal([point[0] for point, _ in problem.minima], np.array(kept)[order])
    np.testing.assert_allclose([value for _, value in problem.minima], np.array(values)[order], rtol=1e-14)
    assert problem.w_star[0] == kept[order[0]] and problem.f_star == problem.minima[0][1]


TOY_REFUSALS = [
    (lambda: TiltedDoubleWell(noise=0.3), r"^noise must be an additive noise law of simulate.noise, got 0.3$"),
    (lambda: MultiWell2D(noise=0.3), r"^noise must be an additive noise law of simulate.noise, got 0.3$"),
    (lambda: TiltedDoubleWell(tilt="a"), r"^tilt must be a real number, got str$"),
    (lambda: TiltedDoubleWell(scale=-1.3), r"^scale must be > 0"),
    (
        lambda: TiltedDoubleWell(height=1e300, scale=1e-10),  # the coefficients overflow
        r"^height=1e\+300, tilt=0.25, scale=1e-10 overflow F' = \(4 height/scale\^2\) w \(\(w/scale\)\^2 - 1\) "
        r"\+ tilt; use moderate values$",
    ),
    (
        lambda: TiltedDoubleWell(height=1e-300, scale=1e10),  # the leading coefficient underflows to 0
        r"^height=1e-300, tilt=0.25, scale=1e\+10 overflow F'",
    ),
    (
        lambda: TiltedDoubleWell(height=1e-200, scale=1e40),  # ... while the linear one's root is finite
        r"^height=1e-200, tilt=0.25, scale=1e\+40 overflow F'",
    ),
    (
        lambda: TiltedDoubleWell(height=1e-100, tilt=1e10, scale=1e50),  # the companion matrix overflows
        r"^height=1e-100, tilt=1e\+10, scale=1e\+50 overflow F'",
    ),
    (
        lambda: TiltedDoubleWell(height=1e200, tilt=1e300, scale=1e-5),  # F overflows at the minima
        r"^TiltedDoubleWell: these parameters give no finite local minimum \(they overflow float64\); "
        r"use moderate values$",
    ),
    (lambda: MultiWell2D(centers=np.ones(3)), r"^centers must have 2 dimension\(s\), got shape \(3,\)$"),
    (lambda: MultiWell2D(centers=np.ones((3, 3))), r"^centers must have shape \(k, 2\) with k >= 1, got \(3, 3\)$"),
    (lambda: MultiWell2D(centers=np.ones((0, 2))), r"^centers must have shape \(k, 2\) with k >= 1, got \(0, 2\)$"),
    (lambda: MultiWell2D(depths=np.ones(2)), r"^depths must be a scalar or have shape \(3,\)"),
    (lambda: MultiWell2D(widths=np.ones(2)), r"^widths must be a scalar or have shape \(3,\)"),
    (lambda: MultiWell2D(depths=np.array([0.7, 0.0, 0.4])), r"^depths and widths must be > 0$"),
    (lambda: MultiWell2D(widths=np.array([0.7, 0.0, 0.4])), r"^depths and widths must be > 0$"),
    (lambda: MultiWell2D(curvature=-0.2), r"^curvature must be > 0"),
]


@pytest.mark.parametrize(("build", "message"), QUADRATIC_REFUSALS + LOGISTIC_REFUSALS + TOY_REFUSALS)
@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the overflowing toy instances overflow
def test_refusals_have_their_exact_messages(build, message):
    """Each refusal raises a ``ValueError`` (``InputError``) whose message begins as given, and is all of
    it where the pattern ends in ``$``."""
    with pytest.raises(ValueError, match=message):
        build()
