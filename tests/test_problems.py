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
