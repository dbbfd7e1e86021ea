"""SR's transition laws and generator (simulate/markov/kernel.py) against independent computations.

Written for the mutation run of simulate/markov/kernel.py (issue 18): its other killers (the Markov
and exact-propagation tests, claims M1 and M3) take minutes; these take a few seconds. The law of
one coordinate is recomputed here from the ramp ``R(a) = E max(y - a, 0)`` of the pre-rounding point
``y = mean - lr xi`` (60-digit mpmath closed form for Gaussian noise, exact rational arithmetic for
uniform and discrete noise): SR sends ``y`` to ``x_j`` with the tent weight
``(relu(y - x_{j-1}) - 2 relu(y - x_j) + relu(y - x_{j+1})) / delta``, the edges taking the mass
beyond, so ``P(x_j) = (R(x_{j-1}) - 2 R(x_j) + R(x_{j+1})) / delta``, ``P(x_0) = 1 - (R(x_0) -
R(x_1)) / delta`` and ``P(x_{K-1}) = (R(x_{K-2}) - R(x_{K-1})) / delta`` (second differences of
the ramp, where the module differences expected clips of the cumulative law). The generator's
rates are ``E[(-g)^+] / delta`` and ``E[g^+] / delta`` by the same closed forms. Constants are
generic: delta = 0.375 (3/8, so that the grid points are exact doubles and the reference sees the
same lattice), sigma, lr, H and w* none equal to 1 and no two equal, d = 2 with two state counts.
"""

import dataclasses
import itertools
import re
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import scipy.sparse as sp
from markov_reference import reference_law
from qnets.simulate import _validate
from qnets.simulate.domain import Box
from qnets.simulate.grid import Grid
from qnets.simulate.markov import kernel as kernel_module
from qnets.simulate.markov.kernel import (
    MAX_DENSE_STATES,
    ROUNDOFF,
    StateSpace,
    additive_noise,
    generator,
    rounding_law,
    transition_matrix,
)
from qnets.simulate.noise import DiscreteNoise, GaussianNoise, MinibatchNoise, UniformNoise
from qnets.simulate.problems.quadratic import Quadratic

from qnets.errors import InputError, InputTypeError
from qnets.units import format_bytes

DELTA = 0.375
GRID = Grid(DELTA)
#: A box of 4 x 3 states, not at the origin.
BOX = Box(np.array([-2 * DELTA, DELTA]), np.array([DELTA, 3 * DELTA]))
#: Non-diagonal H, so each coordinate's law depends on the whole state.
H = np.array([[1.7, 0.45], [0.45, 0.9]])
W_STAR = np.array([0.13, 0.61])
#: Mean 0, not symmetric, with an atom of probability 0 (tests/test_noise.py's law).
VALUES = np.array([-1.3, 0.4, 2.1, 3.7])
PROBS = np.array([17, 8, 9, 0]) / 34


def reference_matrix(problem, lr: float, noise) -> np.ndarray:
    """The d-dimensional kernel as the product of the reference coordinate laws, states in C order."""
    axes = [lo + DELTA * np.arange(round((hi - lo) / DELTA) + 1) for lo, hi in zip(BOX.lo, BOX.hi, strict=True)]
    states = [np.array(state) for state in itertools.product(*axes)]
    rows = []
    for x in states:
        mean = x - lr * (problem.H @ (x - problem.w_star))
        laws = [reference_law(mean[k], axes[k], lr, noise) for k in range(len(axes))]
        rows.append(np.array([np.prod(c) for c in itertools.product(*laws)]))
    return np.array(rows)


def assert_rows_are_laws(law: np.ndarray) -> None:
    """Entries in [0, 1], rows summing to 1 within 4e-16 (a few roundings of terms <= 1)."""
    assert np.all(law >= 0) and np.all(law <= 1)
    np.testing.assert_allclose(law.sum(axis=-1), 1.0, rtol=0, atol=4e-16)


# ----------------------------------------------------------------------------------- StateSpace


def test_state_space_shape_size_axes_points_are_exact_and_in_c_order():
    space = StateSpace(BOX, GRID)
    assert space.shape == (4, 3) and all(type(n) is int for n in space.shape)
    assert space.size == 12 and type(space.size) is int
    axes = space.axes
    np.testing.assert_array_equal(axes[0], [-0.75, -0.375, 0.0, 0.375])
    np.testing.assert_array_equal(axes[1], [0.375, 0.75, 1.125])
    expected = np.array(list(itertools.product(axes[0], axes[1])))  # last coordinate fastest
    np.testing.assert_array_equal(space.points(), expected)
    huge = StateSpace(Box(np.full(16, -8 * DELTA), np.full(16, 7 * DELTA)), GRID)
    assert huge.shape == (16,) * 16 and huge.size == 2**64 and type(huge.size) is int


def test_state_space_index_and_histogram_of_states():
    space = StateSpace(BOX, GRID)
    points = space.points()
    np.testing.assert_array_equal(space.index(points), np.arange(12))
    rows = points[[5, 0, 11, 5, 7]]
    np.testing.assert_array_equal(space.index(rows), [5, 0, 11, 5, 7])
    expected = np.zeros(12)
    expected[[0, 7, 11]] = 0.2
    expected[5] = 0.4
    np.testing.assert_array_equal(space.histogram(rows), expected)


@pytest.mark.parametrize(
    "row",
    [[-3 * DELTA, DELTA], [0.0, 0.0], [2 * DELTA, DELTA], [0.0, 4 * DELTA], [0.1, DELTA]],
    ids=["below lo[0]", "below lo[1]", "above hi[0]", "above hi[1]", "off the grid"],
)
def test_state_space_index_refuses_rows_that_are_not_states(row):
    """Refused with exactly this InputError (any other exception, such as numpy's own index error, fails)."""
    space = StateSpace(BOX, GRID)
    with pytest.raises(Exception) as refusal:
        space.index(np.array([[0.0, DELTA], row]))
    assert refusal.type is InputError and str(refusal.value) == "W has rows that are not grid points of the box"


def test_state_space_is_frozen_and_compared_by_identity():
    space = StateSpace(BOX, GRID)
    with pytest.raises(dataclasses.FrozenInstanceError):
        space.grid = Grid(0.25)
    twin = StateSpace(BOX, GRID)
    assert space != twin and space == space
    assert len({space, twin}) == 2


def test_state_space_refuses_bad_input_with_exact_messages():
    for box, grid in ((BOX, 0.375), ((BOX.lo, BOX.hi), GRID)):
        with pytest.raises(Exception) as refusal:
            StateSpace(box, grid)
        assert refusal.type is InputTypeError and str(refusal.value) == "StateSpace needs a Box and a Grid"
    with pytest.raises(InputError, match=r"^box lo\[1\]=0\.4 is not a point of the grid"):
        StateSpace(Box(np.array([0.0, 0.4]), np.array([0.75, 0.75])), GRID)
    with pytest.raises(InputError, match=re.escape("W must have shape (n_chains, 2), got (1, 3)")):
        StateSpace(BOX, GRID).index(np.zeros((1, 3)))


def test_state_space_refuses_arrays_above_the_allocation_limit(monkeypatch):
    space = StateSpace(BOX, GRID)

    def message(what, count, hint):
        return (
            f"^{re.escape(what)} would allocate {count} entries \\({re.escape(format_bytes(count * 8))}\\), above "
            f"the {re.escape(format_bytes(_validate.MAX_ARRAY_BYTES))} limit of one array{re.escape(hint)}$"
        )

    monkeypatch.setattr(_validate, "MAX_ARRAY_BYTES", 100)  # axes 32 and 24 bytes, indices 96, points 192
    space.axes  # noqa: B018  (fits)
    space.index(space.axes[0][:1, None] * 0 + np.array([[0.0, DELTA]]))
    with pytest.raises(InputError, match=message("StateSpace.points()", 24, "; use a coarser grid")):
        space.points()
    monkeypatch.setattr(_validate, "MAX_ARRAY_BYTES", 90)
    with pytest.raises(InputError, match=message("StateSpace state indices", 12, "; use a coarser grid")):
        space.index(np.array([[0.0, DELTA]]))
    monkeypatch.setattr(_validate, "MAX_ARRAY_BYTES", 31)
    with pytest.raises(InputError, match=message("StateSpace axis", 4, "; use a larger grid spacing or a smaller box")):
        space.axes  # noqa: B018
    monkeypatch.setattr(_validate, "MAX_ARRAY_BYTES", 32)
    assert [axis.size for axis in space.axes] == [4, 3]


def test_additive_noise_returns_the_law_or_refuses_with_its_repr():
    noise = UniformNoise(0.55)
    assert additive_noise(Quadratic(np.array([0.7]), noise=noise)) is noise
    rng = np.random.default_rng(3)
    problem = Quadratic.least_squares(rng.standard_normal((6, 2)), rng.standard_normal(6), 2)
    expected = f"exact SR laws need additive gradient noise (simulate.noise), got {problem.noise!r}"
    with pytest.raises(InputTypeError, match=f"^{re.escape(expected)}$"):
        additive_noise(problem)
    with pytest.raises(
        InputTypeError, match=r"^exact SR laws need additive gradient noise \(simulate.noise\), got None$"
    ):
        additive_noise(object())


# -------------------------------------------------------------------------------- rounding_law

POINTS = -0.75 + DELTA * np.arange(6)  # -0.75 .. 1.125, exact doubles
#: Pre-rounding points inside, on a grid point, near both edges and beyond both.
MEANS = np.array([-1.9, -0.8, -0.41, 0.0, 0.3, 0.52, 1.1, 1.74])


@pytest.mark.parametrize(
    ("noise", "lr", "rtol"),
    [
        (GaussianNoise(0.83), 0.29, 1e-13),
        (GaussianNoise(2.3), 0.61, 1e-13),
        (UniformNoise(0.55), 0.29, 1e-14),
        (UniformNoise(3.1), 0.47, 1e-14),
        (DiscreteNoise(VALUES, PROBS), 0.29, 1e-14),
        (MinibatchNoise(np.array([-0.7, -0.2, 0.35, 0.55]), 2), 0.43, 1e-14),
    ],
    ids=["gaussian", "gaussian wide", "uniform", "uniform wide", "discrete asymmetric", "minibatch"],
)
def test_rounding_law_matches_second_differences_of_the_exact_ramp(noise, lr, rtol):
    """Every entry within ``rtol`` of the reference, relative (absolute 1e-16 for entries the
    reference makes exactly 0 or below it: bounded noise's short rows, computed as differences of
    probabilities of order 1)."""
    law = rounding_law(MEANS, POINTS, lr, noise)
    assert law.shape == (MEANS.size, POINTS.size)
    reference = np.array([reference_law(m, POINTS, lr, noise) for m in MEANS])
    np.testing.assert_allclose(law, reference, rtol=rtol, atol=1e-16)
    assert_rows_are_laws(law)
    if not isinstance(noise, GaussianNoise):
        np.testing.assert_array_equal(law == 0, reference == 0)  # bounded: exact zeros stay exact


@pytest.mark.parametrize("mean", [-0.61, 0.6], ids=["tiny entries above", "tiny entries below"])
def test_rounding_law_keeps_the_relative_precision_of_tiny_entries_in_both_tails(mean):
    """Narrow Gaussian noise (lr sigma / delta = 0.12): the far entries fall to 1e-40 and below on
    the side away from ``mean``; each keeps 12 digits (measured: 6e-14; the lower tail from
    cumulative probabilities, the upper from their complements)."""
    points = POINTS
    noise = GaussianNoise(0.17)
    law = rounding_law(np.array([mean]), points, 0.26, noise)[0]
    reference = reference_law(mean, points, 0.26, noise, dps=340)
    assert reference[reference > 0].min() < 1e-40  # (an entry below the smallest double must be 0)
    np.testing.assert_allclose(law, reference, rtol=1e-12, atol=0)


def test_rounding_law_broadcasts_coordinates_and_handles_two_and_one_points():
    noise = DiscreteNoise(VALUES, PROBS)
    means = np.array([[-0.3, 0.2, 0.9], [0.81, 1.4, 0.05]])
    points = np.array([POINTS[:4], POINTS[2:]])  # two coordinates, one spacing, different ends
    law = rounding_law(means, points, 0.29, noise)
    assert law.shape == (2, 3, 4)
    for c in range(2):
        reference = np.array([reference_law(m, points[c], 0.29, noise) for m in means[c]])
        np.testing.assert_allclose(law[c], reference, rtol=1e-14, atol=1e-16)
    two = rounding_law(np.array([-0.2, 0.1, 0.5]), POINTS[2:4], 0.29, GaussianNoise(0.83))
    reference = np.array([reference_law(m, POINTS[2:4], 0.29, GaussianNoise(0.83)) for m in (-0.2, 0.1, 0.5)])
    np.testing.assert_allclose(two, reference, rtol=1e-13)
    one = rounding_law(means, points[:, :1], 0.29, noise)
    assert one.shape == (2, 3, 1)
    np.testing.assert_array_equal(one, 1.0)
    np.testing.assert_array_equal(rounding_law(np.array([0.3, 2.0]), np.array([0.375]), 0.29, noise), [[1.0], [1.0]])
    # leading axes broadcast: means (2, 2, 3) with points (2, 1) or (2, K); means (2, 3) with points (2, 2, 1)
    assert rounding_law(np.stack([means, means]), points[:, :1], 0.29, noise).shape == (2, 2, 3, 1)
    assert rounding_law(means, np.ones((2, 2, 1)), 0.29, noise).shape == (2, 2, 3, 1)
    stacked = rounding_law(np.stack([means, means[::-1]]), points, 0.29, noise)
    assert stacked.shape == (2, 2, 3, 4)
    np.testing.assert_array_equal(stacked[0], law)
    np.testing.assert_array_equal(stacked[1, 0], rounding_law(means[1], points[0], 0.29, noise))


SPAN = r"^transition probabilities span \[-1.5e-13, {}\] beyond round-off$"


def test_rounding_law_clips_round_off_and_refuses_more(monkeypatch):
    """Cumulative probabilities made non-monotone by ``eps`` (below 1/2, the lower tail) or the
    complement pushed below 0 by ``eps`` (above 1/2): at ``eps = ROUNDOFF / 2`` the entry is clipped
    to 0 or 1, at ``1.5 ROUNDOFF`` refused with the span in the message."""
    points = np.array([0.0, DELTA, 2 * DELTA])

    def patch(below, above):
        def fake(noise, m, s):
            return np.array([below]) if s > 0 else np.array([above])

        monkeypatch.setattr(kernel_module, "_expected_clip", fake)

    for eps, refused in ((0.5 * ROUNDOFF, False), (1.5 * ROUNDOFF, True)):
        # entries below[0], below[1] - below[0] = -eps, above[2] (the last cumulative is above 1/2)
        patch([0.3, 0.3 - eps, 0.8], [1.0, 0.7 + eps, 0.45])
        if refused:
            with pytest.raises(ArithmeticError, match=SPAN.format("0.45")):
                rounding_law(np.array([0.2]), points, 0.3, None)
        else:
            np.testing.assert_array_equal(rounding_law(np.array([0.2]), points, 0.3, None), [[0.3, 0.0, 0.45]])
        # every cumulative above 1/2: entries 1 - above[1] = 1 + eps, above[1] - above[2] = 0, above[2] = -eps
        patch([0.6, 0.8, 0.9], [1.0, -eps, -eps])
        if refused:
            with pytest.raises(ArithmeticError, match=SPAN.format("1")):
                rounding_law(np.array([0.2]), points, 0.3, None)
        else:
            np.testing.assert_array_equal(rounding_law(np.array([0.2]), points, 0.3, None), [[1.0, 0.0, 0.0]])
        # an entry above 1 alone: 1 - above[1] = 1 + eps, below[1] - below[0] = -ROUNDOFF / 2, above[2]
        patch([0.5 + 0.5 * ROUNDOFF, 0.5, 0.9], [1.0, -eps, 0.2])
        if refused:
            alone = r"^transition probabilities span \[-5e-14, 1\] beyond round-off$"
            with pytest.raises(ArithmeticError, match=alone):
                rounding_law(np.array([0.2]), points, 0.3, None)
        else:
            np.testing.assert_array_equal(rounding_law(np.array([0.2]), points, 0.3, None), [[1.0, 0.0, 0.2]])


# ---------------------------------------------------------------------------- transition_matrix

PROBLEM = Quadratic(H, w_star=W_STAR, noise=GaussianNoise(0.83))


@pytest.mark.parametrize(
    ("noise", "lr", "rtol"),
    [
        (GaussianNoise(0.83), 0.29, 1e-12),
        (DiscreteNoise(VALUES, PROBS), 0.23, 1e-13),
        (UniformNoise(0.55), 0.37, 1e-13),
    ],
    ids=["gaussian", "discrete asymmetric", "uniform"],
)
def test_transition_matrix_is_the_product_of_the_coordinate_laws_dense_and_sparse(noise, lr, rtol):
    problem = Quadratic(H, w_star=W_STAR, noise=noise)
    space = StateSpace(BOX, GRID)
    dense = transition_matrix(problem, space, lr)
    assert isinstance(dense, np.ndarray) and dense.shape == (12, 12)
    np.testing.assert_allclose(dense, reference_matrix(problem, lr, noise), rtol=rtol, atol=1e-16)
    assert_rows_are_laws(dense)
    sparse = transition_matrix(problem, space, lr, sparse=True)
    assert sp.issparse(sparse) and sparse.shape == (12, 12)
    np.testing.assert_array_equal(sparse.toarray(), dense)
    assert sparse.nnz == np.count_nonzero(dense)  # only exact zeros left out
    if not isinstance(noise, GaussianNoise):
        assert sparse.nnz < 144


def test_dense_transition_matrix_state_limit_is_inclusive(monkeypatch):
    monkeypatch.setattr(kernel_module, "MAX_DENSE_STATES", 12)
    space = StateSpace(BOX, GRID)
    assert transition_matrix(PROBLEM, space, 0.29).shape == (12, 12)
    monkeypatch.setattr(kernel_module, "MAX_DENSE_STATES", 11)
    expected = (
        "space has 12 states; dense transition matrices allow at most 11 "
        "(use sparse=True, or generator() for the small-step chain)"
    )
    with pytest.raises(InputError, match=f"^{re.escape(expected)}$"):
        transition_matrix(PROBLEM, space, 0.29)
    assert transition_matrix(PROBLEM, space, 0.29, sparse=True).shape == (12, 12)
    assert MAX_DENSE_STATES == 5000


def test_transition_matrix_and_generator_refuse_bad_input_with_exact_messages():
    space = StateSpace(BOX, GRID)
    with pytest.raises(InputError, match=r"^lr must be > 0, got -0.29$"):
        transition_matrix(PROBLEM, space, -0.29)
    three = Quadratic(np.array([0.7, 1.3, 2.2]), noise=GaussianNoise(0.83))
    with pytest.raises(InputError, match=r"^space has dimension 2, the problem 3$"):
        transition_matrix(three, space, 0.29)
    with pytest.raises(InputError, match=r"^space has dimension 2, the problem 3$"):
        generator(three, space)
    rng = np.random.default_rng(5)
    minibatch = Quadratic.least_squares(rng.standard_normal((6, 2)), rng.standard_normal(6), 2)
    for build in (lambda: transition_matrix(minibatch, space, 0.29), lambda: generator(minibatch, space)):
        with pytest.raises(InputTypeError, match=r"^exact SR laws need additive gradient noise"):
            build()


# ------------------------------------------------------------------------------------ generator


def gaussian_positive_part(mean: float, sigma: float) -> float:
    """``E max(X, 0)`` for ``X ~ N(mean, sigma^2)``, 60 digits."""
    with mpmath.workdps(60):
        m, s = mpmath.mpf(mean), mpmath.mpf(sigma)
        return float(m * mpmath.ncdf(m / s) + s * mpmath.npdf(m / s))


def discrete_positive_part(mean: float, values, probs) -> float:
    return float(
        sum(
            Fraction(float(p)) * max(Fraction(mean) + Fraction(float(v)), Fraction(0))
            for v, p in zip(values, probs, strict=True)
        )
    )


@pytest.mark.parametrize(
    "noise", [GaussianNoise(0.83), DiscreteNoise(VALUES, PROBS)], ids=["gaussian", "discrete asymmetric"]
)
def test_generator_rates_are_the_expected_positive_parts_of_the_gradient(noise):
    """Up one grid point at ``E[(-g_k)^+] / delta``, down at ``E[g_k^+] / delta``, ``g = H (x - w*) +
    xi``; none across the box's edges; the diagonal makes every row sum to 0."""
    problem = Quadratic(H, w_star=W_STAR, noise=noise)
    space = StateSpace(BOX, GRID)
    A = generator(problem, space)
    assert sp.issparse(A) and A.format == "csr" and A.shape == (12, 12)
    dense = A.toarray()
    expected = np.zeros((12, 12))
    shape = space.shape
    for i, state in enumerate(space.points()):
        position = np.unravel_index(i, shape)
        grad = H @ (state - W_STAR)
        for k in range(2):
            if isinstance(noise, GaussianNoise):
                up = gaussian_positive_part(-grad[k], noise.sigma)
                down = gaussian_positive_part(grad[k], noise.sigma)
            else:  # -g = -grad - xi has atoms -grad - v
                up = discrete_positive_part(-grad[k], -noise.values, noise.probs)
                down = discrete_positive_part(grad[k], noise.values, noise.probs)
            for rate, shift in ((up, 1), (down, -1)):
                moved = list(position)
                moved[k] += shift
                if 0 <= moved[k] < shape[k]:
                    expected[i, np.ravel_multi_index(tuple(moved), shape)] = rate / DELTA
        expected[i, i] = -expected[i].sum()
    np.testing.assert_allclose(dense, expected, rtol=1e-13, atol=0)
    np.testing.assert_allclose(dense.sum(axis=1), 0.0, atol=1e-14)
    assert A.nnz == np.count_nonzero(expected)
