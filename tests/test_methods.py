"""Methods and the Monte Carlo runner: grid invariance, C8 stagnation, C7 convergence, SGD."""

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from qnets.simulate import (
    SGD,
    BinaryConnect,
    Box,
    GaussianNoise,
    Grid,
    Quadratic,
    Rounding,
    StochasticRounding,
    constant,
    inverse_time,
    run,
)

from qnets.claims.verdict import Z


@pytest.mark.parametrize("method_cls", [Rounding, StochasticRounding])
def test_quantized_iterates_stay_on_grid_including_box_edges(method_cls):
    """Large steps push chains into the box walls; every recorded iterate is a grid point in the box."""
    grid = Grid(0.05)
    problem = Quadratic(np.array([1.0, 4.0, 0.5]), noise=GaussianNoise(20.0))
    box = Box.around(problem.w_star, 0.3, grid)
    result = run(problem, method_cls(grid), constant(0.5), 200, 300, 0, box, keep_trajectory=True)
    visits = result.trajectory["w"]
    assert np.all(grid.contains(visits))
    assert np.all(box.contains(visits))
    assert np.any(visits == box.lo) and np.any(visits == box.hi), "the walls were never reached"


@given(
    k=st.lists(st.integers(-(10**6), 10**6), min_size=1, max_size=8),
    fraction=st.lists(st.floats(-0.4999, 0.4999), min_size=8, max_size=8),
    delta=st.floats(1e-4, 10.0),
)
@example(k=[0], fraction=[0.4999] * 8, delta=0.1)
@example(k=[3, -3], fraction=[-0.4999] * 8, delta=0.01)
def test_c8_rounding_returns_w_exactly_when_step_below_half_delta(k, fraction, delta):
    """C8: w on the grid and a_t ||g||_inf < Delta/2 imply Q_d(w - a_t g) = w exactly."""
    grid = Grid(delta)
    w = delta * np.array(k, dtype=float)
    step = delta * np.array(fraction[: len(k)])  # a_t * g with |a_t g_i| < Delta / 2
    np.testing.assert_array_equal(grid.nearest(w - step), w)


def test_c8_rounding_method_stalls_once_step_size_is_small():
    """The R method itself: a noiseless gradient with a ||g||_inf < Delta/2 never moves the chains."""
    grid = Grid(0.1)
    problem = Quadratic(np.array([1.0, 2.0]))
    box = Box.around(problem.w_star, 1.0, grid)
    lr = 0.99 * grid.delta / 2 / float(np.max(np.abs(problem.grad(box.lo[None, :]))))
    result = run(problem, Rounding(grid), constant(lr), 50, 4, 0, box)
    np.testing.assert_array_equal(result.final_weights["w"], np.tile(box.lo, (4, 1)))


def test_sgd_matches_closed_form_on_noiseless_quadratic():
    """Noiseless SGD with constant a: w_t - w* = (1 - a h)^t (w_0 - w*) coordinate-wise."""
    h = np.array([0.5, 1.0, 1.5])
    problem = Quadratic(h, w_star=np.array([0.2, -0.1, 0.3]))
    box = Box(np.full(3, -2.0), np.full(3, 2.0))
    a, steps = 0.3, 40
    result = run(problem, SGD(), constant(a), steps, 2, 0, box)
    expected = problem.w_star + (1 - a * h) ** steps * (box.lo - problem.w_star)
    np.testing.assert_allclose(result.final_weights["w"], np.tile(expected, (2, 1)), rtol=1e-12, atol=1e-15)


def test_sgd_mean_matches_closed_form_with_noise():
    """With Gaussian noise the chain mean still follows the noiseless recursion (z = 5 margin)."""
    h = np.array([0.5, 2.0])
    problem = Quadratic(h, noise=GaussianNoise(0.1))
    box = Box(np.full(2, -50.0), np.full(2, 50.0))  # far walls: projection never acts
    a, steps, n = 0.2, 30, 4000
    result = run(problem, SGD(), constant(a), steps, n, 7, box, w0=np.array([1.0, -1.0]))
    w = result.final_weights["w"]
    expected = (1 - a * h) ** steps * np.array([1.0, -1.0])
    stderr = w.std(axis=0, ddof=1) / np.sqrt(n)
    assert np.all(np.abs(w.mean(axis=0) - expected) <= Z * stderr)


def test_c7_bc_real_weights_converge_inside_shrinking_margin():
    """C7: BC's real weights on a quadratic satisfy E||w_T - w*||^2 <= 4 G^2 / (mu^2 (T + 1)).

    With an unbiased quantizer, E[g(Q(w_r)) | w_r] = H (w_r - w*), so BC is SGD with
    E||g||^2 <= G_bc^2 = sup||H(w - w*)||^2 + L^2 d Delta^2/4 + d sigma^2 and the classical
    bound for a_t = 1/(mu t) (Rakhlin, Shamir and Sridharan 2012, Lemma 1) applies.
    The upper z = 5 limit of the estimate must sit below that 1/T curve at every checkpoint.
    """
    grid = Grid(0.1)
    problem = Quadratic(np.array([0.5, 1.0, 2.0, 1.0]), noise=GaussianNoise(0.5))
    box = Box.around(problem.w_star, 1.0, grid)
    result = run(problem, BinaryConnect(grid), inverse_time(problem.mu), 4000, 400, 3, box)
    d, delta = problem.d, grid.delta
    g_bc_sq = problem.G(box) ** 2 + problem.L**2 * d * delta**2 / 4
    t = result.checkpoints
    bound = 4 * g_bc_sq / (problem.mu**2 * (t + 1))
    dist2 = result.series["real.dist2"]
    assert np.all(dist2.upper(Z) <= bound)
    assert dist2.upper(Z)[-1] < dist2.lower(Z)[len(t) // 2], "the error did not keep shrinking"


def test_same_seed_gives_identical_bytes_and_different_seeds_differ():
    grid = Grid(0.01)
    problem = Quadratic.isotropic(50, sigma=1.0)
    box = Box.around(problem.w_star, 1.0, grid)
    args = (problem, StochasticRounding(grid), inverse_time(1.0), 200, 3000)
    first, second, other = run(*args, 11, box), run(*args, 11, box), run(*args, 12, box)
    assert first.final_weights["w"].tobytes() == second.final_weights["w"].tobytes()
    for key in first.series:
        assert first.series[key].mean.tobytes() == second.series[key].mean.tobytes()
    assert first.final_weights["w"].tobytes() != other.final_weights["w"].tobytes()


def test_chains_in_different_blocks_use_different_streams():
    """Blocks draw from distinct spawned streams: no two blocks share a path."""
    grid = Grid(0.01)
    problem = Quadratic.isotropic(8, sigma=1.0)
    box = Box.around(problem.w_star, 1.0, grid)
    result = run(problem, StochasticRounding(grid), constant(0.1), 100, 20_000, 5, box)
    rows = result.final_weights["w"]
    block = 2**16 // 8
    assert not np.array_equal(rows[:block], rows[block : 2 * block])
    assert len(np.unique(rows, axis=0)) > 0.9 * len(rows)


def test_running_average_follows_the_stated_convention():
    """avg_gap at t is F of the mean of w_0 .. w_{t-1} (the points where gradients were taken)."""
    problem = Quadratic(np.array([1.0, 3.0]))
    box = Box(np.full(2, -2.0), np.full(2, 2.0))
    a, steps = 0.1, 6
    result = run(problem, SGD(), constant(a), steps, 1, 0, box, checkpoints=[steps])
    iterates = [(1 - a * problem.H) ** s * box.lo for s in range(steps)]
    expected = problem.gap(np.mean(iterates, axis=0)[None, :])[0]
    assert result.final("w.avg_gap").mean == pytest.approx(expected, rel=1e-12)


def _setup():
    grid = Grid(0.1)
    problem = Quadratic.isotropic(2)
    return grid, problem, Box.around(problem.w_star, 1.0, grid)


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        ({"n_chains": 0}, ValueError, "n_chains must be an integer >= 1"),
        ({"steps": 0}, ValueError, "steps must be an integer >= 1"),
        ({"seed": -1}, ValueError, "seed must be an integer >= 0"),
        ({"w0": np.array([0.05, 0.0])}, ValueError, "w0 must lie on the grid"),
        ({"w0": np.array([5.0, 0.0])}, ValueError, "w0 must lie in the box"),
        ({"w0": np.array([np.nan, 0.0])}, ValueError, "w0 must contain only finite"),
        ({"domain": Box(np.array([-1.05, -1.0]), np.array([1.0, 1.0]))}, ValueError, "not a point of the grid"),
        ({"domain": Box(np.array([0.5, 0.5]), np.array([1.0, 1.0]))}, ValueError, "w_star must lie in the box"),
        ({"checkpoints": [5, 3]}, ValueError, "strictly increasing"),
    ],
)
def test_runner_rejects_bad_input_naming_the_parameter(change, error, message):
    grid, problem, box = _setup()
    kwargs = {
        "problem": problem,
        "method": StochasticRounding(grid),
        "schedule": constant(0.1),
        "steps": 10,
        "n_chains": 2,
        "seed": 0,
        "domain": box,
        **change,
    }
    with pytest.raises(error, match=message):
        run(**kwargs)


def test_domain_and_schedule_and_method_validation():
    with pytest.raises(ValueError, match="lo < hi"):
        Box(np.array([1.0]), np.array([1.0]))
    with pytest.raises(ValueError, match="lo < hi"):
        Box(np.array([1.0]), np.array([0.0]))
    with pytest.raises(ValueError, match="non-empty"):
        Box(np.array([]), np.array([]))
    with pytest.raises(ValueError, match="mu must be > 0"):
        inverse_time(0.0)
    with pytest.raises(ValueError, match="unknown schedule 'cosine'"):
        from qnets.simulate import schedule_by_name

        schedule_by_name("cosine", 1.0)
    with pytest.raises(ValueError, match="unknown method 'adam'"):
        from qnets.simulate import method_by_name

        method_by_name("adam", Grid(0.1))
    with pytest.raises(ValueError, match="quantizer must be one of"):
        BinaryConnect(Grid(0.1), quantizer="random")


# ---- found by mutation testing (.ci/mutation simulate/methods.py)
@pytest.mark.parametrize("name", ["sgd", "r", "sr", "bc"])
def test_step_without_a_workspace_is_the_step_with_one(name):
    """The runner always passes scratch; a bare ``step`` call allocates its own and moves the same."""
    from qnets.simulate import method_by_name
    from qnets.simulate.methods import Workspace

    grid = Grid(0.3)
    method = method_by_name(name, grid)
    problem = Quadratic(np.array([0.7, 2.3]), w_star=np.array([0.41, -0.77]), noise=GaussianNoise(1.3))
    box = Box.around(problem.w_star, 2.1, grid)
    start = np.tile(grid.nearest(np.array([1.2, 0.9])), (5, 1))
    moved = []
    for workspace in (None, Workspace.for_shape(start.shape)):
        state = {key: start.copy() for key in method.state_names}
        rng = np.random.default_rng(11)
        method.start(state, rng)
        for _ in range(3):
            method.step(state, 0.37, problem, rng, box, workspace)
        moved.append(state)
    for key in method.state_names:
        np.testing.assert_array_equal(moved[0][key], moved[1][key])
        assert not np.array_equal(moved[0][key], start)


def test_methods_are_named_hashable_immutable_values():
    import dataclasses

    from qnets.simulate import method_by_name
    from qnets.simulate.methods import Method, _Quantized

    grid = Grid(0.3)
    for name, cls in [("sgd", SGD), ("r", Rounding), ("sr", StochasticRounding), ("bc", BinaryConnect)]:
        method = method_by_name(name, grid)
        assert type(method) is cls and method.name == name
    for method in (Rounding(grid), StochasticRounding(grid), BinaryConnect(grid)):
        assert hash(method) == hash(type(method)(Grid(0.3)))  # equal values, equal hashes
        with pytest.raises(dataclasses.FrozenInstanceError):
            method.grid = Grid(0.5)
    with pytest.raises(TypeError, match="abstract"):
        Method()

    class NoRounding(_Quantized):
        name = "none"

    with pytest.raises(TypeError, match="abstract"):
        NoRounding(grid)


def test_deterministic_binaryconnect_deploys_the_nearest_grid_point():
    """Q_d deploys the nearest point of every row; Q_s (the default) deploys an unbiased random
    neighbour, so over 2000 rows it differs from the nearest point and averages to the real weight."""
    grid = Grid(0.3)
    real = np.tile([0.14, 0.16, -0.44, 1.04], (2000, 1))
    nearest = np.tile([0.0, 0.3, -0.3, 0.9], (2000, 1))
    deployed = {}
    for quantizer in ("deterministic", "stochastic"):
        state = {"real": real.copy(), "deployed": real.copy()}
        BinaryConnect(grid, quantizer=quantizer).start(state, np.random.default_rng(0))
        deployed[quantizer] = state["deployed"]
    np.testing.assert_allclose(deployed["deterministic"], nearest, rtol=0, atol=1e-12)
    assert np.mean(np.abs(deployed["stochastic"] - nearest) > 1e-9) > 0.2
    # each entry's SR variance is at most delta^2 / 4: a z = 5 margin on the mean of 2000 draws
    np.testing.assert_allclose(deployed["stochastic"].mean(axis=0), real[0], rtol=0, atol=Z * 0.15 / np.sqrt(2000))


def test_quantized_methods_reject_bad_input_with_exact_messages():
    problem = Quadratic(np.array([0.7, 2.3]))
    grid = Grid(0.3)
    box = Box.around(problem.w_star, 0.9, grid)
    with pytest.raises(TypeError, match=r"^grid must be a Grid, got float$"):
        StochasticRounding(0.3).validate(problem, box, np.zeros(2))
    with pytest.raises(ValueError, match=r"^w0 must lie on the grid \(delta=0\.3\) for sr$"):
        StochasticRounding(grid).validate(problem, box, np.array([0.1, 0.0]))
