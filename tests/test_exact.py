"""Exact computations against brute force and Monte Carlo: E1, E2, E5 and BC's limit (C6)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from qnets.simulate import (
    SGD,
    BinaryConnect,
    Box,
    GaussianNoise,
    Grid,
    Logistic,
    Quadratic,
    StochasticRounding,
    UniformNoise,
    constant,
    inverse_sqrt,
    inverse_time,
    run,
)
from qnets.simulate.bc_limit import bc_limit_point, mean_quantized_gradient
from qnets.simulate.bench import loop_exact_sr_quadratic
from qnets.simulate.best_point import best_quantized_point
from qnets.simulate.markov.quadratic import exact_sr_quadratic, sr_floor_quadratic
from qnets.simulate.scenarios import quadratic_setup
from qnets.theory.convex import all_bounds

from qnets.claims.bounds import bound_value, constants_of
from qnets.claims.exact import sgd_quadratic_gap
from qnets.claims.floors import exact_sr_laws
from qnets.claims.verdict import Z


@pytest.mark.parametrize("noise", [GaussianNoise(1.0), UniformNoise(0.8)], ids=["gaussian", "uniform"])
def test_e2_exact_propagation_matches_monte_carlo(noise):
    problem = Quadratic(np.array([1.0, 2.0, 0.5]), w_star=np.array([0.013, 0.0, -0.2]), noise=noise)
    grid = Grid(0.05)
    box = Box.around(problem.w_star, 1.0, grid)
    schedule = inverse_time(problem.mu)
    exact = exact_sr_quadratic(problem, grid, box, schedule, 200)
    checkpoints = [5, 50, 200]
    result = run(problem, StochasticRounding(grid), schedule, 200, 4000, 7, box, checkpoints=checkpoints)
    for key, values in (("w.gap", exact.last), ("w.avg_gap", exact.averaged)):
        for estimate, t in zip(result.series[key], checkpoints, strict=True):
            assert abs(estimate.mean - values[t - 1]) <= Z * estimate.stderr, (key, t)


def test_e2_detects_a_wrong_schedule():
    """The comparison has power: propagating with the wrong step size is rejected."""
    problem = Quadratic(np.array([1.0]), noise=GaussianNoise(1.0))
    grid = Grid(0.05)
    box = Box.around(problem.w_star, 1.0, grid)
    wrong = exact_sr_quadratic(problem, grid, box, constant(0.02), 100)
    estimate = run(problem, StochasticRounding(grid), constant(0.01), 100, 4000, 7, box).final("w.gap")
    assert abs(estimate.mean - wrong.last[-1]) > Z * estimate.stderr


@given(
    mu=st.floats(0.1, 10.0),
    sigma=st.floats(0.01, 10.0),
    delta=st.floats(0.01, 1.0),
    offset=st.floats(0.0, 1.0),
)
def test_e1_floor_is_quarter_delta_times_mean_abs_gradient(mu, sigma, delta, offset):
    """Stationarity of the birth-death generator with f(z) = z^2 gives, exactly,
    mu E z^2 = Delta E|g| / 2, so E[F - F*] = Delta E_pi E|g| / 4 <= Delta G / 4 (C3's floor / 2)."""
    floor = sr_floor_quadratic(mu, sigma, delta, offset * delta)
    assert 0 < floor.ratio <= 0.5 + 1e-9
    assert floor.gap <= floor.c3_floor


def test_e1_ratio_is_one_over_sqrt_two_pi_when_noise_dominates():
    floor = sr_floor_quadratic(1.0, 10.0, 0.01, 0.0, d=5)
    assert floor.ratio == pytest.approx(1 / np.sqrt(2 * np.pi), rel=1e-4)


def test_e1_floor_matches_long_monte_carlo_run():
    mu, sigma, delta = 1.0, 1.0, 0.1
    floor = sr_floor_quadratic(mu, sigma, delta, 0.0, d=4)
    problem = Quadratic.isotropic(4, mu, sigma)
    grid = Grid(delta)
    box = Box.around(problem.w_star, 3.0, grid)  # the law's tails beyond 3 hold < 1e-30
    w0 = np.zeros(4)
    estimate = run(problem, StochasticRounding(grid), constant(0.01), 3000, 4000, 3, box, w0=w0).final("w.gap")
    assert abs(estimate.mean - floor.gap) <= Z * estimate.stderr


def test_sr_floor_rejects_bad_input():
    with pytest.raises(ValueError, match="sigma must be > 0"):
        sr_floor_quadratic(1.0, 0.0, 0.1)
    with pytest.raises(ValueError, match="w_star must be a scalar or have shape"):
        sr_floor_quadratic(1.0, 1.0, 0.1, w_star=np.zeros(3), d=2)


@given(seed=st.integers(0, 10_000), delta=st.sampled_from([0.05, 0.1, 0.3]))
def test_e5_best_quantized_point_matches_brute_force(seed, delta):
    rng = np.random.default_rng(seed)
    base = Quadratic.ill_conditioned(2, 1.0, 50.0, rotation_seed=seed)
    problem = Quadratic(base.H, w_star=rng.uniform(-0.5, 0.5, 2))
    best = best_quantized_point(problem, Grid(delta))
    axis = delta * np.arange(-40, 41)
    cube = np.stack([m.ravel() for m in np.meshgrid(axis, axis, indexing="ij")], axis=1)
    assert best.gap == pytest.approx(float(problem.gap(cube).min()), abs=1e-13)
    assert best.gap <= best.nearest_gap


def test_e5_refuses_an_oversized_search():
    problem = Quadratic(np.geomspace(1e-4, 1.0, 6), w_star=np.full(6, 0.45))
    with pytest.raises(ValueError, match="max_candidates"):
        best_quantized_point(problem, Grid(0.1), max_candidates=1000)


def test_c6_bc_limit_point_solves_the_mean_field_equation_and_meets_the_sharpened_bound():
    problem = Logistic.synthetic(n=100, d=3, lam=0.5, seed=2, batch_size=1)
    bound = all_bounds()["C6-limit"]
    for delta in (0.4, 0.1):
        grid = Grid(delta)
        w_inf = bc_limit_point(problem, grid)
        assert np.max(np.abs(mean_quantized_gradient(problem, grid, w_inf))) <= 1e-12
        gap = float(problem.gap(w_inf[None, :])[0])
        assert 0 <= gap <= bound.evaluate(L2=problem.L2, d=problem.d, Delta=delta, mu=problem.mu)


def test_c6_bc_real_weights_approach_the_limit_point():
    """Monte Carlo: with a small constant step the real weights' mean is w_inf, and not w*."""
    problem = Logistic.synthetic(n=100, d=2, lam=0.5, seed=2, batch_size=100)
    grid = Grid(0.5)
    w_inf = bc_limit_point(problem, grid)
    box = Box.around(problem.w_star, 2.0, grid)
    result = run(problem, BinaryConnect(grid), constant(0.01), 1500, 1000, 5, box, w0=grid.nearest(problem.w_star))
    mean = result.final_weights["real"].mean(axis=0)
    stderr = result.final_weights["real"].std(axis=0, ddof=1) / np.sqrt(1000)
    assert np.all(np.abs(mean - w_inf) <= Z * stderr)
    assert np.any(np.abs(mean - problem.w_star) > Z * stderr)


def test_e4_constrained_minimum_of_a_diagonal_quadratic_is_the_clipped_minimizer():
    from qnets.simulate.reference import constrained_minimum

    problem = Quadratic(np.array([1.0, 4.0, 0.25]), w_star=np.array([2.0, -0.3, -5.0]))
    box = Box.cube(3, 1.0)
    point, value = constrained_minimum(problem, box)
    np.testing.assert_allclose(point, [1.0, -0.3, -1.0], atol=1e-7)
    assert value == pytest.approx(float(problem.loss(np.array([[1.0, -0.3, -1.0]]))[0]), abs=1e-8)


def test_e2_refuses_noise_that_is_not_additive():
    rng = np.random.default_rng(0)
    problem = Quadratic.least_squares(rng.standard_normal((20, 2)), rng.standard_normal(20), 2)
    grid = Grid(0.1)
    with pytest.raises(TypeError, match="diagonal H"):
        exact_sr_quadratic(problem, grid, Box.around(problem.w_star, 1.0, grid), constant(0.1), 5)
    diagonal = Quadratic(np.ones(2), noise=problem.noise)
    with pytest.raises(TypeError, match="additive gradient noise"):
        exact_sr_quadratic(diagonal, grid, Box.around(diagonal.w_star, 1.0, grid), constant(0.1), 5)


def test_c4_exact_sr_laws_match_a_direct_simulation():
    """The exact laws of SR with a deterministic (sub)gradient (C4's |w - w*| instance) against a
    direct simulation of the rounding rule, at several t (z = 5 on each law's entries)."""
    points, w_star, c = np.arange(-1.0, 3.0), 0.2, 2.0
    schedule = inverse_sqrt(c)
    steps, chains = 60, 40_000
    laws = exact_sr_laws(points, lambda w: np.sign(w - w_star), schedule, steps, 0)
    rng = np.random.default_rng(11)
    w = np.full(chains, points[0])
    for t in range(steps):
        if t in (1, 5, 59):
            frequencies = np.array([np.mean(w == x) for x in points])
            stderr = np.sqrt(laws[t] * (1 - laws[t]) / chains)
            assert np.all(np.abs(frequencies - laws[t]) <= Z * stderr + 1e-12), t
        target = np.clip(w - schedule(t) * np.sign(w - w_star), points[0], points[-1])
        w = np.floor(target) + (rng.random(chains) < target - np.floor(target))


def test_c3_averaged_sr_iterate_keeps_half_the_stationary_error():
    """Why C3's floor is necessary: with a_t = 1/(mu(t+1)) the last half of the steps spans a
    fixed chain time, so the averaged iterate keeps about half of the last iterate's error
    (exactly 1/2 for an Ornstein-Uhlenbeck limit), rather than averaging it away."""
    problem = Quadratic(np.array([1.0]), noise=GaussianNoise(1.0))
    grid = Grid(0.5)
    box = Box.around(problem.w_star, 1.0, grid)
    exact = exact_sr_quadratic(problem, grid, box, inverse_time(1.0), 1000)
    assert exact.averaged[-1] / exact.last[-1] == pytest.approx(0.5, abs=0.03)
    assert exact.averaged[-1] == pytest.approx(exact.averaged[499], rel=0.01)


def test_c4_floor_is_not_needed_on_a_quadratic():
    """Finding: with a_t = c/sqrt(t+1) SR's averaged iterate on a quadratic decays like 1/sqrt(T)
    (its stationary mean is w* and the average spans 2 c sqrt T units of chain time), staying far
    below C4's bound with the floor removed: C4's floor is needed only off quadratics (|w - w*|)."""
    problem = Quadratic(np.array([1.0]), noise=GaussianNoise(1.0))
    grid = Grid(0.5)
    box = Box.around(problem.w_star, 1.0, grid)
    exact = exact_sr_quadratic(problem, grid, box, inverse_sqrt(0.5), 2000)
    floorless = all_bounds()["C4"].without_floor()
    constants = constants_of(problem, box, grid, 0.5)
    for steps in (125, 500, 2000):
        assert exact.averaged[steps - 1] <= 0.1 * bound_value(floorless, constants, steps)
    assert 0.4 <= exact.averaged[1999] / exact.averaged[499] <= 0.65  # 1/sqrt(4) = 0.5


@pytest.mark.parametrize("noise", [GaussianNoise(1.0), UniformNoise(0.8)], ids=["gaussian", "uniform"])
@pytest.mark.parametrize("schedule", [inverse_time(1.0), constant(0.05)], ids=["inverse-time", "constant"])
def test_e2_vectorised_propagation_equals_the_per_coordinate_loop(noise, schedule):
    """All coordinates at once (two state counts, repeated coordinates) give the per-coordinate
    loop's numbers (the loop builds its laws with :func:`simulate.markov.kernel.rounding_law` and
    propagates p, u and v): within 1e-12 (measured: 2e-14, the loop's rows summing to 1 within
    about 1e-15)."""
    problem = Quadratic(
        np.array([1.0, 2.0, 0.5, 1.0, 3.0, 0.7, 1.0]),
        w_star=np.array([0.013, 0.0, -0.2, 0.013, 0.1, 0.0, 0.013]),
        noise=noise,
    )
    grid = Grid(0.05)
    wide = Box.around(problem.w_star, 1.0, grid)
    box = Box(wide.lo, np.where(np.arange(problem.d) % 2 == 0, wide.hi, wide.hi - 0.5))  # K = 41 or 31
    exact = exact_sr_quadratic(problem, grid, box, schedule, 30)
    loop_last, loop_averaged = loop_exact_sr_quadratic(problem, grid, box, schedule, 30)
    np.testing.assert_allclose(exact.last, loop_last, rtol=1e-12)
    np.testing.assert_allclose(exact.averaged, loop_averaged, rtol=1e-12)


@pytest.mark.parametrize("steps", [10, 30, 80])
def test_c9_sgd_exact_gap_matches_simulation_in_its_transient(steps):
    """C9's exact SGD error, away from stationarity (start inside the box, where projection never
    acts): Monte Carlo within Z standard errors, while the stationary value alone is far off, so
    a wrong transient term would fail."""
    problem, _, box = quadratic_setup(10, 0.05)
    a, start = 0.02, -0.6
    estimate = run(problem, SGD(), constant(a), steps, 20_000, 7, box, w0=np.full(10, start)).final("w.gap")
    exact = sgd_quadratic_gap(1.0, 1.0, 10, a, steps, start)
    assert abs(estimate.mean - exact) <= Z * estimate.stderr
    stationary_value = 10 * a / (2 * (2 - a))
    assert abs(stationary_value - exact) > 10 * estimate.stderr


def _quadratic_for_bc_limit(d: int) -> Quadratic:
    return Quadratic(np.linspace(0.7, 1.3, d), w_star=np.linspace(0.37, -0.21, d))


def test_bc_mean_gradient_of_a_quadratic_is_its_gradient_at_w_even_just_below_a_far_grid_point():
    """Q_s is unbiased on an unbounded grid, so for a quadratic h(w) = H (E Q_s(w) - w*) = H (w - w*).

    Checked at w one ulp below the grid point nearest -511.8 (delta 0.3), where grid.nearest(w - delta/2)
    rounds up past w and the cell's lower corner must be taken one step down.
    """
    grid = Grid(0.3)
    problem = _quadratic_for_bc_limit(2)
    far = np.nextafter(float(grid.nearest(np.array([-511.8]))[0]), -np.inf)
    assert grid.nearest(np.array([far - 0.15]))[0] > far  # the case the correction is for
    for w in (np.array([far, 0.45]), np.array([0.52, -1.07])):
        expected = problem.H * (w - problem.w_star)
        assert np.allclose(mean_quantized_gradient(problem, grid, w), expected, rtol=1e-9, atol=1e-12)


def test_bc_mean_gradient_enumerates_up_to_14_dimensions_and_refuses_15():
    grid = Grid(0.3)
    problem = _quadratic_for_bc_limit(14)
    w = problem.w_star + np.linspace(-0.4, 0.55, 14)
    assert np.allclose(mean_quantized_gradient(problem, grid, w), problem.H * (w - problem.w_star), rtol=1e-9)
    with pytest.raises(ValueError, match=r"^exact corner sums need d <= 14, got d=15$"):
        mean_quantized_gradient(_quadratic_for_bc_limit(15), grid, np.zeros(15))


def test_bc_limit_point_refuses_a_root_whose_residual_exceeds_1e_12(monkeypatch):
    """The solver is replaced by one returning w* + e_0 r / H_0, whose residual h = H (w - w*) is r (up to rounding)."""
    import types

    from qnets.simulate import bc_limit

    problem = _quadratic_for_bc_limit(2)
    for residual, refused in ((1.5e-12, True), (0.5e-12, False)):
        x = problem.w_star + np.array([residual / problem.H[0], 0.0])
        monkeypatch.setattr(bc_limit, "root", lambda *args, x=x, **kwargs: types.SimpleNamespace(x=x))
        if refused:
            with pytest.raises(ArithmeticError, match=r"^no root of E grad F\(Q_s\(w\)\) found: residual 1\.5e-12$"):
                bc_limit_point(problem, Grid(0.3))
        else:
            assert bc_limit_point(problem, Grid(0.3)) is x


def test_e5_result_is_frozen_and_bad_input_is_refused_with_exact_messages():
    import dataclasses

    problem = Quadratic(np.array([0.3, 1.7]), w_star=np.array([0.37, -0.21]))
    grid = Grid(0.3)
    best = best_quantized_point(problem, grid)
    with pytest.raises(dataclasses.FrozenInstanceError):
        best.gap = 0.0  # type: ignore[misc]
    assert best_quantized_point(problem, grid, max_candidates=best.candidates).candidates == best.candidates
    with pytest.raises(
        ValueError, match=rf"^the search box holds {best.candidates} grid points, above max_candidates=1; "
    ):
        best_quantized_point(problem, grid, max_candidates=1)
    with pytest.raises(ValueError, match=r"max_candidates=\d+; use a larger max_candidates or a smaller problem$"):
        best_quantized_point(problem, grid, max_candidates=best.candidates - 1)
    with pytest.raises(ValueError, match=r"^max_candidates must be an integer >= 1, got 0$"):
        best_quantized_point(problem, grid, max_candidates=0)
    with pytest.raises(TypeError, match=r"^best_quantized_point needs a strongly convex problem, got str$"):
        best_quantized_point("quadratic", grid)  # type: ignore[arg-type]


def test_e5_enumerates_the_grid_points_of_the_box_around_the_ball_of_radius_sqrt_2_gap_over_mu():
    """Count by hand: r = sqrt(2 gap(q0) / mu) with gap(q0) = (1/2) sum H_i (q0_i - w*_i)^2, and per axis
    the integers k with round((w*_i - r - delta)/delta) <= k <= round((w*_i + r + delta)/delta)."""
    H, w_star, delta = np.array([0.3, 1.7]), np.array([0.37, -0.21]), 0.3
    q0 = delta * np.round(w_star / delta)
    r = np.sqrt(2 * 0.5 * float(np.sum(H * (q0 - w_star) ** 2)) / 0.3)
    per_axis = np.round((w_star + r + delta) / delta) - np.round((w_star - r - delta) / delta) + 1
    best = best_quantized_point(Quadratic(H, w_star=w_star), Grid(delta))
    assert best.candidates == int(np.prod(per_axis))
