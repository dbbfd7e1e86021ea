"""Claim C1 (Q_s unbiased, Var = Delta^2 p(1-p)) and the grid operators."""

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from qnets.simulate import Grid, hard_sigmoid

Z = 5.0  # confidence margin of every statistical assertion in this file
finite = st.floats(-1e3, 1e3, allow_nan=False)
deltas = st.floats(1e-3, 10.0)


class StratifiedUniforms:
    """A stand-in generator whose ``random(size)`` returns the stratified points
    ``(j + 1/2)/n``, ``j = 0..n-1``: driving ``Grid.stochastic`` with them enumerates its
    uniform input, so the fraction rounded up is ``p`` to within ``1/n``, with no sampling error."""

    def random(self, size=None, out=None):
        n = int(np.prod(size if out is None else out.shape))
        values = (np.arange(n) + 0.5) / n
        if out is None:
            return values.reshape(size)
        out[...] = values.reshape(out.shape)
        return out


@given(x=finite, delta=deltas)
@example(x=0.3, delta=0.1)
@example(x=-2.5, delta=1.0)
@example(x=0.0999, delta=0.1)  # p near 1
@example(x=0.0001, delta=0.1)  # p near 0
def test_c1_stochastic_rounding_unbiased_and_variance_exact(x, delta):
    """Grid.stochastic over an enumeration of its uniform input: the outcomes are the two
    neighbours, E Q_s(x) = x and Var Q_s(x) = Delta^2 p(1 - p) <= Delta^2/4 to within Delta/n."""
    n = 10_000
    grid = Grid(delta)
    draws = grid.stochastic(np.full(n, x), StratifiedUniforms())
    lower = delta * np.floor(x / delta)
    p = (x - lower) / delta
    assert np.all(
        np.isclose(draws, lower, atol=1e-9 * delta, rtol=1e-12)
        | np.isclose(draws, lower + delta, atol=1e-9 * delta, rtol=1e-12)
    )
    assert abs(draws.mean() - x) <= delta / n + 1e-9 * max(delta, abs(x))
    assert abs(np.mean((draws - x) ** 2) - delta**2 * p * (1 - p)) <= delta**2 / n + 1e-9 * delta * max(delta, abs(x))
    assert np.mean((draws - x) ** 2) <= delta**2 / 4 + delta**2 / n  # C1's Delta^2/4 on the sampled variance


@pytest.mark.parametrize("x", [0.013, 0.5, -0.987, 3.25])
def test_c1_stochastic_rounding_unbiased_and_variance_statistically(x):
    """Sample mean and variance of Q_s(x) agree with x and Delta^2 p(1-p) within z = 5."""
    delta, n = 0.1, 400_000
    grid = Grid(delta)
    samples = grid.stochastic(np.full(n, x), np.random.default_rng(1))
    p = float(grid.round_up_probability(x))
    sd = delta * np.sqrt(p * (1 - p))
    assert abs(samples.mean() - x) <= Z * sd / np.sqrt(n) + 1e-12
    # (Q - x)^2 takes two values; its exact variance sets the margin for the variance estimate.
    lower_sq, upper_sq = (delta * p) ** 2, (delta * (1 - p)) ** 2
    sq_mean = (1 - p) * lower_sq + p * upper_sq
    sq_var = (1 - p) * lower_sq**2 + p * upper_sq**2 - sq_mean**2
    assert abs(np.mean((samples - x) ** 2) - delta**2 * p * (1 - p)) <= Z * np.sqrt(sq_var / n) + 1e-15


@given(x=st.lists(finite, min_size=1, max_size=20), delta=deltas, seed=st.integers(0, 2**32))
def test_rounding_outputs_are_neighbouring_grid_points(x, delta, seed):
    grid = Grid(delta)
    x = np.array(x)
    for q in (grid.nearest(x), grid.stochastic(x, np.random.default_rng(seed))):
        assert np.all(grid.contains(q))
        assert np.all(np.abs(q - x) <= delta * (1 + 1e-9))
    assert np.all(np.abs(grid.nearest(x) - x) <= delta / 2 * (1 + 1e-9))


def test_binary_grid_is_binaryconnect_with_hard_sigmoid():
    grid = Grid.binary()
    np.testing.assert_array_equal(grid.points(), [-1.0, 1.0])
    x = np.linspace(-2, 2, 41)
    np.testing.assert_allclose(grid.round_up_probability(x), hard_sigmoid(x), atol=1e-15)
    n = 200_000
    for value in (-0.6, 0.0, 0.3):
        draws = grid.stochastic(np.full(n, value), np.random.default_rng(2))
        assert set(np.unique(draws)) <= {-1.0, 1.0}
        p = float(hard_sigmoid(value))
        assert abs(np.mean(draws == 1.0) - p) <= Z * np.sqrt(p * (1 - p) / n)


def test_bounded_grids_saturate_at_their_end_points():
    grid = Grid.symmetric(2, 1.0)
    np.testing.assert_array_equal(grid.points(), [-1.5, -0.5, 0.5, 1.5])
    x = np.array([-9.0, -1.6, 0.4, 1.6, 9.0])
    np.testing.assert_array_equal(grid.nearest(x), [-1.5, -1.5, 0.5, 1.5, 1.5])
    draws = grid.stochastic(np.tile(x, (100_000, 1)), np.random.default_rng(3))
    np.testing.assert_array_equal(draws[:, [0, 1, 3, 4]], np.tile([-1.5, -1.5, 1.5, 1.5], (100_000, 1)))
    # 0.4 lies in the cell [-0.5, 0.5] next to the end point: up with probability 0.9
    assert set(np.unique(draws[:, 2])) == {-0.5, 0.5}
    up = np.mean(draws[:, 2] == 0.5)
    assert abs(up - 0.9) <= Z * np.sqrt(0.9 * 0.1 / 100_000)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"delta": 0.0}, "delta must be > 0"),
        ({"delta": -1.0}, "delta must be > 0"),
        ({"delta": float("nan")}, "delta must be finite"),
        ({"delta": float("inf")}, "delta must be finite"),
        ({"delta": 0.1, "lo": 1.0, "hi": 0.0}, "lo < hi"),
        ({"delta": 0.1, "lo": 1.0, "hi": 1.0}, "lo < hi"),
        ({"delta": 0.3, "lo": 0.0, "hi": 1.0}, "multiple of delta"),
    ],
)
def test_grid_rejects_bad_parameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Grid(**kwargs)


def test_grid_rejects_non_numbers():
    with pytest.raises(TypeError, match="delta must be a real number"):
        Grid("0.1")
    with pytest.raises(ValueError, match="bits must be an integer >= 1"):
        Grid.symmetric(0)


# ---- found by mutation testing (.ci/mutation simulate/grid.py): asymmetric, half-bounded and
# ---- b > 2 grids at a spacing that is not a power of 2, the on-lattice tolerance both ways, and
# ---- the exact error messages.
D = 0.3  # generic spacing


def test_asymmetric_bounded_grid_is_anchored_at_lo():
    # hi - lo = 7 D, while hi + lo is no multiple of D
    grid = Grid(D, lo=0.1, hi=2.2)
    np.testing.assert_allclose(grid.points(), 0.1 + D * np.arange(8), rtol=0, atol=1e-12)
    assert grid.contains(grid.points()).all()
    exact = Grid(0.75, lo=-1.5, hi=3.75)  # 0.75 k and 0.75 k / 0.75 are exact in float64
    assert exact.contains(exact.points(), rtol=0.0).all()  # exact lattice points need no tolerance
    assert not grid.contains(np.array([0.1 - D, 2.2 + D, 0.25, 0.0])).any()
    with pytest.raises(ValueError, match=r"^hi - lo must be a multiple of delta=0\.3, got hi - lo=1\.9$"):
        Grid(D, lo=0.1, hi=2.0)  # hi - lo = 6.33 D although hi + lo = 7 D


def test_symmetric_grid_levels_beyond_two_bits():
    grid = Grid.symmetric(3, D)
    np.testing.assert_allclose(grid.points(), (np.arange(8) - 3.5) * D, rtol=0, atol=1e-12)
    assert Grid.symmetric(3) == Grid.symmetric(3, 1.0)  # the documented default spacing
    assert Grid.symmetric(53, D).is_bounded
    with pytest.raises(ValueError, match=r"^bits must be an integer >= 1 and <= 53, got 54$"):
        Grid.symmetric(54, D)
    with pytest.raises(ValueError, match=r"^delta must be > 0, got -0\.3$"):
        Grid.symmetric(2, -D)


@pytest.mark.parametrize(
    ("grid", "x", "nearest", "projected"),
    [
        (Grid(D, lo=0.1), [-5.0, 0.26, 1.0, 9.05], [0.1, 0.4, 1.0, 9.1], [0.1, 0.26, 1.0, 9.05]),
        (Grid(D, hi=2.2), [9.0, 2.0, -0.5], [2.2, 1.9, -0.5], [2.2, 2.0, -0.5]),
    ],
)
def test_half_bounded_grids_saturate_at_their_one_end(grid, x, nearest, projected):
    x = np.array(x)
    assert not grid.is_bounded
    np.testing.assert_allclose(grid.nearest(x), nearest, rtol=0, atol=1e-12)
    np.testing.assert_allclose(grid.stochastic(x[:1], np.random.default_rng(1)), nearest[:1], rtol=0, atol=1e-12)
    np.testing.assert_array_equal(grid.project(x), projected)
    assert grid.contains(np.array(nearest)).all()
    with pytest.raises(ValueError, match=r"^points\(\) needs a bounded grid: set both lo and hi$"):
        grid.points()


def test_lattice_tolerance_is_on_grid_rtol_both_ways():
    # relative to max(1, steps): 0.5e-9 is on the lattice, 1.5e-9 is not, near 1 step and at 1000
    for steps in (1, 1000):
        Grid(0.7, lo=0.0, hi=0.7 * steps * (1 + 0.5e-9))
        with pytest.raises(ValueError, match="multiple of delta"):
            Grid(0.7, lo=0.0, hi=0.7 * steps * (1 + 1.5e-9))
    grid = Grid(D, lo=0.1)
    assert grid.contains(np.array([0.1 + D * (1 + 0.5e-9)])).all()
    assert not grid.contains(np.array([0.1 + D * (1 + 1.5e-9)])).any()
    # the largest exact lattice index is 2**53 steps, and 0.75 * 2**53 / 0.75 is exactly 2**53
    Grid(0.75, lo=0.0, hi=0.75 * 2.0**53)
    with pytest.raises(ValueError, match=r"^\(hi - lo\) / delta must be at most 2\*\*53 grid steps"):
        Grid(0.75, lo=0.0, hi=0.75 * 2.0**54)


def test_grid_is_an_immutable_value_with_float_fields():
    import dataclasses

    grid = Grid(3, lo=1, hi=7)
    assert [type(v) for v in (grid.delta, grid.lo, grid.hi)] == [float, float, float]
    with pytest.raises(dataclasses.FrozenInstanceError):
        grid.delta = 0.5
    with pytest.raises(TypeError, match=r"^lo must be a real number, got str$"):
        Grid(D, lo="0")
    with pytest.raises(ValueError, match=r"^grid bounds must satisfy lo < hi, got lo=1\.0, hi=0\.0$"):
        Grid(D, lo=1.0, hi=0.0)
    with pytest.raises(TypeError, match=r"^rng must be a numpy.random.Generator, got NoneType$"):
        grid.stochastic(np.zeros(2), None)
    with pytest.raises(ValueError, match=r"^Grid.points\(\) would allocate .* use a larger delta$"):
        Grid(1e-12, lo=0.0, hi=1.0).points()
