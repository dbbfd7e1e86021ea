"""The additive gradient-noise laws of simulate/noise.py against independent computations.

Written for the mutation run of simulate/noise.py (paper_notes/mutation.md): its other killers
(the Markov-chain and exact-propagation tests, claims M2, M4 and M5) take minutes; these take
about a second together. Each quantity is compared with a computation that does not go through
the module: the Gaussian ramp ``psi(z) = phi(z) - z Phi(-z)`` and the Gaussian expectations with
60-digit mpmath closed forms, the uniform ones with the exact antiderivatives
of the ramp and the clip in rational arithmetic, the minibatch law with the enumeration of all
``n**b`` ordered batches in fractions, and the draws with the numpy streams they are documented
to use and with Monte Carlo frequencies at a z = 5 margin (fixed seeds). Constants are generic:
no sigma, half-width, step or width equal to 1 and no two equal, except where a width of exactly
1 is the point (the ``width == 0`` shortcut must not fire at 1).
"""

import dataclasses
import itertools
import math
import re
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from qnets.simulate import noise as noise_module
from qnets.simulate.noise import (
    ADDITIVE_NOISES,
    DiscreteNoise,
    GaussianNoise,
    MinibatchNoise,
    UniformNoise,
    gaussian_ramp,
)

from qnets.errors import InputError, InputTypeError

mpmath.mp.dps = 60

#: Points in every band of gaussian_ramp: the direct formula (z <= 3), each continued-fraction
#: band (3, 4], (4, 6], (6, 10], (10, 20], (20, 38.5] including both of its ends, and far left.
Z = np.concatenate(
    [np.linspace(-8.3, 3.0, 37), [3.0, 4.0, 6.0, 10.0, 20.0], np.linspace(3.013, 36.9, 61), [-41.7, -40.0]]
)
#: The discrete law of tests/test_constants.py plus an atom of probability 0 (mean 0, not symmetric).
VALUES = np.array([-1.3, 0.4, 2.1, 3.7])
PROBS = np.array([17, 8, 9, 0]) / 34
#: Offsets of a minibatch law: mean 0, not symmetric; dyadic, so every batch sum is exact.
DYADIC = np.array([-1.25, -0.5, 0.75, 1.0])
GENERIC = np.array([-1.7, -0.4, 0.6, 1.5])
M = np.array([-2.9, -0.61, -0.05, 0.0, 0.17, 0.5, 0.83, 1.0, 1.34, 2.6])


def psi(z: float) -> float:
    """``phi(z) - z Phi(-z)`` in 60 digits."""
    z = mpmath.mpf(z)
    return float(mpmath.npdf(z) - z * mpmath.ncdf(-z))


def gaussian_ramp_exact(m: float, width: float) -> float:
    """``E max(m + width Z, 0) = m Phi(m / width) + width phi(m / width)`` in 60 digits."""
    m, width = mpmath.mpf(m), mpmath.mpf(width)
    return float(m * mpmath.ncdf(m / width) + width * mpmath.npdf(m / width))


def gaussian_clip_exact(m: float, width: float) -> float:
    """``E clip(m + width Z, 0, 1) = int_0^1 Phi((m - t) / width) dt = width (G(m / width) - G((m - 1) / width))``
    with ``G(u) = u Phi(u) + phi(u)`` (``G' = Phi``), in 60 digits."""
    m, width = mpmath.mpf(m), mpmath.mpf(width)

    def antiderivative(u):
        return u * mpmath.ncdf(u) + mpmath.npdf(u)

    return float(width * (antiderivative(m / width) - antiderivative((m - 1) / width)))


def uniform_mean(antiderivative, m: float, h: float) -> float:
    """``(A(m + h) - A(m - h)) / (2 h)`` in exact rational arithmetic, for the float ``m`` and ``h``."""
    m, h = Fraction(m), Fraction(h)
    return float((antiderivative(m + h) - antiderivative(m - h)) / (2 * h))


def ramp_antiderivative(x: Fraction) -> Fraction:
    return max(x, Fraction(0)) ** 2 / 2


def clip_antiderivative(x: Fraction) -> Fraction:
    return Fraction(0) if x < 0 else x * x / 2 if x <= 1 else x - Fraction(1, 2)


def batch_law(offsets: np.ndarray, b: int) -> dict[Fraction, Fraction]:
    """The law of the mean of ``b`` draws with replacement, from every ordered batch, in fractions."""
    exact = [Fraction(float(o)) for o in offsets]
    law: dict[Fraction, Fraction] = {}
    for batch in itertools.product(exact, repeat=b):
        mean = sum(batch) / b
        law[mean] = law.get(mean, Fraction(0)) + Fraction(1, len(exact) ** b)
    return law


def test_gaussian_ramp_matches_60_digits_in_every_band_and_is_zero_past_underflow():
    """Relative error at most 1e-13; measured on 1501 points per band: 2.2e-14 on (2, 3] (the direct
    formula's cancellation), 5.7e-14 on (20, 36] (``z**2`` rounded inside ``exp(-z**2 / 2)``)."""
    np.testing.assert_allclose(gaussian_ramp(Z), [psi(z) for z in Z], rtol=1e-13, atol=0)
    far = np.array([38.5, 38.51, 39.2, 40.0, 57.3, 1e6, np.inf])
    assert psi(38.5) == 0.0  # below the smallest double: the exact value rounds to 0 there
    np.testing.assert_array_equal(gaussian_ramp(far), 0.0)
    assert gaussian_ramp(np.array([-np.inf]))[0] == np.inf
    assert np.isnan(gaussian_ramp(np.array([np.nan, 3.5]))[0])  # not an uninitialised entry
    assert gaussian_ramp(np.array([[0.37, -1.2]])).shape == (1, 2)


def test_gaussian_noise_law_constants():
    noise = GaussianNoise(0.43)
    assert noise.variance == pytest.approx(0.1849, rel=1e-15)
    assert noise.sup_abs == math.inf
    assert GaussianNoise(0.0).sup_abs == 0.0 and GaussianNoise(0.0).variance == 0.0
    assert GaussianNoise(0.0032).sup_abs == math.inf
    assert type(GaussianNoise(3).sigma) is float and type(GaussianNoise(np.float32(0.25)).sigma) is float


@pytest.mark.parametrize(("sigma", "s"), [(0.43, -1.9), (0.4, 2.5), (2.7, 0.061)], ids=["generic", "width 1", "narrow"])
def test_gaussian_expected_ramp_and_clip_match_closed_forms(sigma, s):
    """Relative error at most 1e-13: that of :func:`gaussian_ramp`, and at ``z = -m / width = 17.6``
    (narrow) the rounding of ``z`` times the ramp's condition number ``z**2`` (3.4e-14 measured)."""
    noise, width = GaussianNoise(sigma), abs(s) * sigma
    np.testing.assert_allclose(noise.expected_ramp(M, s), [gaussian_ramp_exact(m, width) for m in M], rtol=1e-13)
    low = M[M <= 0.5]  # the documented accuracy range of expected_clip
    np.testing.assert_allclose(noise.expected_clip(low, s), [gaussian_clip_exact(m, width) for m in low], rtol=1e-13)


def test_gaussian_expectations_without_noise_and_where_the_scaled_mean_overflows():
    for noise, s in ((GaussianNoise(0.0), 0.73), (GaussianNoise(0.43), 0.0)):
        np.testing.assert_array_equal(noise.expected_ramp(M, s), np.maximum(M, 0.0))
        np.testing.assert_array_equal(noise.expected_clip(M, s), np.clip(M, 0.0, 1.0))
    far = np.array([3.1e300, -2.2e300, 0.0])  # -m / width overflows to -inf, +inf; 0 stays finite
    expected = [3.1e300, 0.0, 1e-10 * 0.13 / math.sqrt(2 * math.pi)]
    np.testing.assert_allclose(GaussianNoise(0.13).expected_ramp(far, 1e-10), expected, rtol=1e-15)


def test_scale_parameters_are_validated_with_exact_messages():
    cases = [
        (lambda: GaussianNoise(-0.3), InputError, "sigma must be >= 0 and <= 1e+150, got -0.3"),
        (lambda: GaussianNoise("0.3"), InputTypeError, "sigma must be a real number, got str"),
        (lambda: UniformNoise(2e150), InputError, "half_width must be >= 0 and <= 1e+150, got 2e+150"),
        (lambda: UniformNoise(math.nan), InputError, "half_width must be finite, got nan"),
    ]
    for build, kind, message in cases:
        with pytest.raises(kind) as error:
            build()
        assert type(error.value) is kind and str(error.value) == message
    assert GaussianNoise(1e150).sigma == 1e150 and UniformNoise(0.0).half_width == 0.0


def test_uniform_noise_law_constants():
    noise = UniformNoise(0.9)
    assert noise.variance == pytest.approx(0.27, rel=1e-15) and noise.sup_abs == 0.9
    assert UniformNoise(0.0).variance == 0.0 and UniformNoise(0.0).sup_abs == 0.0
    assert type(UniformNoise(2).half_width) is float


@pytest.mark.parametrize(("half_width", "s"), [(0.9, -0.37), (0.4, 2.5), (1.6, 0.55)], ids=["generic", "h 1", "wide"])
def test_uniform_expected_ramp_and_clip_match_exact_antiderivatives(half_width, s):
    noise, h = UniformNoise(half_width), abs(s) * half_width
    m = np.concatenate([M, [h, -h, 1 + h, 1 - h, h + 0.7]])  # the kinks, and m >= h with m - h < 1
    ramp = [uniform_mean(ramp_antiderivative, x, h) for x in m]
    np.testing.assert_allclose(noise.expected_ramp(m, s), ramp, rtol=1e-14, atol=1e-300)
    clip = [uniform_mean(clip_antiderivative, x, h) for x in m]
    np.testing.assert_allclose(noise.expected_clip(m, s), clip, rtol=1e-14, atol=1e-300)


def test_uniform_expectations_without_noise():
    for noise, s in ((UniformNoise(0.0), 0.73), (UniformNoise(0.9), 0.0)):
        np.testing.assert_array_equal(noise.expected_ramp(M, s), np.maximum(M, 0.0))
        np.testing.assert_array_equal(noise.expected_clip(M, s), np.clip(M, 0.0, 1.0))


@pytest.mark.parametrize("m", [0.6, 1.37, 0.013, -0.29, 2.3])
def test_uniform_expected_clip_near_the_float64_resolution_of_m(m):
    """With ``h`` a few ulps of ``m`` the interval ``m -+ h`` is formed with rounded ends; the mean
    of ``clip`` stays within ``h`` plus an ulp of the exact one (a ``2 h`` divisor gave 1.09 at
    ``m = 0.6``, ``h = 0.55`` ulp: a probability above 1)."""
    noise, ulp = UniformNoise(0.35), abs(float(np.spacing(m)))
    for ulps in (0.3, 0.55, 0.75, 0.9, 1.2, 1.6, 2.5, 5.0):
        s = ulps * ulp / 0.35
        h = s * 0.35
        got = noise.expected_clip(np.array([m]), s)[0]
        assert abs(got - uniform_mean(clip_antiderivative, m, h)) <= h + ulp, (m, ulps, got)
        assert 0.0 <= got <= 1.0


def test_discrete_noise_law_constants_and_expectations_by_summing_atoms():
    noise = DiscreteNoise(VALUES, PROBS)
    assert noise.variance == pytest.approx((17 * 1.69 + 8 * 0.16 + 9 * 4.41) / 34, rel=1e-14)
    assert noise.sup_abs == 2.1  # the atom 3.7 has probability 0
    for s in (-0.37, 0.81):
        shifted = M[:, None] + s * VALUES[None, :]
        np.testing.assert_allclose(noise.expected_ramp(M, s), np.maximum(shifted, 0) @ PROBS, rtol=1e-14)
        np.testing.assert_allclose(noise.expected_clip(M, s), np.clip(shifted, 0, 1) @ PROBS, rtol=1e-14)
    # an atom of probability 0 contributes nothing, even where its ramp overflows
    spike = DiscreteNoise(np.array([-1e150, 0.0, 1e150]), np.array([0.0, 1.0, 0.0]))
    np.testing.assert_array_equal(spike.expected_ramp(np.array([0.3, -0.2]), 1e160), [0.3, 0.0])
    assert DiscreteNoise(np.array([0.0]), np.array([1.0])).variance == 0.0


def test_discrete_noise_validation_both_ways():
    v, half = np.array([-0.7, 0.7]), np.array([0.5, 0.5])
    assert DiscreteNoise(np.array([-1e150, 1e150]), half).sup_abs == 1e150
    DiscreteNoise(v, half + 0.25e-12)  # sum 1 + 0.5e-12: accepted
    DiscreteNoise(np.array([-0.6, 0.6 + 1e-12]), half)  # mean 0.5e-12: accepted
    DiscreteNoise(np.array([-40.0, 40.0 + 4e-11]), half)  # mean 2e-11 <= 1e-12 * 40: accepted
    sums = "probs must be >= 0 and sum to 1 (within 1e-12), got sum "
    negative = np.array([0.6, -0.2, 0.6])
    cases = [
        ((v, np.array([0.5, 0.25, 0.25])), "values and probs must be non-empty and of one shape, got (2,), (3,)"),
        ((np.array([]), np.array([])), "values and probs must be non-empty and of one shape, got (0,), (0,)"),
        ((np.array([-1.5e150, 1.5e150]), half), "values must lie in [-1e+150, 1e+150] (finite variance)"),
        ((np.array([-0.5, 0.0, 0.5]), negative), sums + repr(float(negative.sum()))),
        ((v, half + 0.75e-12), sums + "1.0000000000015"),
        ((v, np.array([0.5, 0.7])), sums + "1.2"),
        (
            (np.array([-0.6, 0.6 + 3e-12]), half),
            "the noise must have mean 0 (gradients stay unbiased), got mean 1.5",
        ),
        ((np.array([[-0.7, 0.7]]), half), "values must have 1 dimension(s), got shape (1, 2)"),
        ((v, np.array([[0.5, 0.5]])), "probs must have 1 dimension(s), got shape (1, 2)"),
        ((v, np.array([0.5, np.nan])), "probs must contain only finite entries (no NaN or inf)"),
    ]
    for args, message in cases:
        with pytest.raises(InputError, match="^" + re.escape(message)):
            DiscreteNoise(*args)


def test_minibatch_law_is_the_enumeration_of_ordered_batches():
    noise = MinibatchNoise(DYADIC, 3)
    law = batch_law(DYADIC, 3)
    means = sorted(law)
    np.testing.assert_array_equal(noise.law.values, [float(mean) for mean in means])  # equal means merged
    np.testing.assert_allclose(noise.law.probs, [float(law[mean]) for mean in means], rtol=1e-13)
    assert noise.variance == float(sum(p * mean**2 for mean, p in law.items()))
    assert noise.sup_abs == 1.25
    generic = MinibatchNoise(GENERIC, 2)
    law = batch_law(GENERIC, 2)
    values, probs = np.array([float(v) for v in law]), np.array([float(p) for p in law.values()])
    assert generic.variance == pytest.approx(float(sum(p * v**2 for v, p in law.items())), rel=1e-14)
    shifted = M[:, None] - 0.47 * values[None, :]
    np.testing.assert_allclose(generic.expected_ramp(M, -0.47), np.maximum(shifted, 0) @ probs, rtol=1e-13)
    np.testing.assert_allclose(generic.expected_clip(M, -0.47), np.clip(shifted, 0, 1) @ probs, rtol=1e-13)
    single = MinibatchNoise(np.array([-0.8, 0.3, 0.5]), 1)  # batch 1: the offsets themselves
    np.testing.assert_allclose(single.law.probs, [1 / 3] * 3, rtol=1e-15)
    assert MinibatchNoise(np.array([0.0]), 2).variance == 0.0
    assert MinibatchNoise(np.array([-1e150, 1e150]), 1).sup_abs == 1e150


def test_minibatch_validation_and_the_atom_limit(monkeypatch):
    limit = "the exact minibatch law has 657800 atoms (n=20, batch_size=7); at most 200000 are enumerated"
    cases = [
        ((np.array([[-0.3, 0.3]]), 2), "offsets must have 1 dimension(s), got shape (1, 2)"),
        ((np.array([]), 2), "offsets must be non-empty"),
        ((np.array([-1.5e150, 1.5e150]), 2), "offsets must lie in [-1e+150, 1e+150] (finite variance)"),
        ((DYADIC, 0), "batch_size must be an integer >= 1, got 0"),
        ((np.linspace(-1, 1, 20), 7), limit),
    ]
    for args, message in cases:
        with pytest.raises(InputError, match="^" + re.escape(message) + "$"):
            MinibatchNoise(*args)
    offsets = np.array([-1.1, -0.2, 0.05, 0.4, 0.85])
    monkeypatch.setattr(noise_module, "MAX_MINIBATCH_ATOMS", 35)
    assert MinibatchNoise(offsets, 3).law.values.size == 35  # comb(7, 3) atoms: the limit is inclusive
    with pytest.raises(InputError, match=r"has 56 atoms \(n=6, batch_size=3\); at most 35 are enumerated$"):
        MinibatchNoise(np.append(offsets, -0.0), 3)


def test_laws_are_immutable_values_with_read_only_arrays():
    for noise, name in ((GaussianNoise(0.43), "sigma"), (UniformNoise(0.9), "half_width")):
        assert noise == dataclasses.replace(noise) and hash(noise) == hash(dataclasses.replace(noise))
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(noise, name, 0.2)
    offsets = np.array([-1.7, -0.4, 0.6, 1.5])
    batch = MinibatchNoise(offsets, np.int64(2))
    discrete = DiscreteNoise([-1.3, 0.4, 2.1, 3.7], list(PROBS))
    assert type(batch.batch_size) is int and batch.batch_size == 2
    for noise, arrays in ((discrete, ("values", "probs")), (batch, ("offsets",))):
        assert {noise: 1}[noise] == 1 and noise == noise  # hashable, compared by identity
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(noise, arrays[0], np.zeros(2))
        for name in arrays:
            array = getattr(noise, name)
            assert isinstance(array, np.ndarray) and array.dtype == float and not array.flags.writeable
    assert discrete != DiscreteNoise([-1.3, 0.4, 2.1, 3.7], list(PROBS))
    assert batch != MinibatchNoise(offsets, 2) and offsets.flags.writeable  # a copy: the caller's stays writable
    assert "law" not in repr(batch) and not {f.name: f for f in dataclasses.fields(batch)}["law"].init
    assert all(isinstance(noise, ADDITIVE_NOISES) for noise in (GaussianNoise(0.4), UniformNoise(0.4), discrete, batch))


G0 = np.array([[0.31, -2.2, 5.7], [1.1, 0.0, -0.6]])


@pytest.mark.parametrize(
    ("noise", "draw"),
    [
        (GaussianNoise(0.43), lambda rng, shape: rng.standard_normal(shape) * 0.43),
        (UniformNoise(0.9), lambda rng, shape: (rng.random(shape) - 0.5) * (2.0 * 0.9)),
        (DiscreteNoise(VALUES, PROBS), lambda rng, shape: rng.choice(VALUES, size=shape, p=PROBS)),
    ],
    ids=["gaussian", "uniform", "discrete"],
)
def test_draws_are_the_documented_transforms_of_numpys_streams(noise, draw):
    expected = G0 + draw(np.random.default_rng(2718), G0.shape)
    g = G0.copy()
    noise.add_to(g, np.random.default_rng(2718))
    np.testing.assert_array_equal(g, expected)
    g, scratch = G0.copy(), np.empty_like(G0)
    noise.add_to(g, np.random.default_rng(2718), scratch)
    np.testing.assert_array_equal(g, expected)
    if not isinstance(noise, DiscreteNoise):  # drawn into scratch
        np.testing.assert_array_equal(scratch, draw(np.random.default_rng(2718), G0.shape))


def test_zero_noise_adds_nothing_and_draws_nothing():
    for noise in (GaussianNoise(0.0), UniformNoise(0.0)):
        rng, g = np.random.default_rng(31), G0.copy()
        noise.add_to(g, rng, np.empty_like(g))
        noise.add_to(g, rng)
        np.testing.assert_array_equal(g, G0)
        assert rng.random() == np.random.default_rng(31).random()


def test_minibatch_draws_follow_the_exact_law_at_z_5():
    """Frequencies of each atom of the mean of 3 offsets in 60000 draws (shape 2 x 7500 x 4, the
    last axis not the batch's length; offsets not symmetric): each within 5 binomial standard
    deviations of its exact probability."""
    noise = MinibatchNoise(DYADIC, 3)
    g = np.full((2, 7_500, 4), 0.37)
    noise.add_to(g, np.random.default_rng(5))
    xi = (g - 0.37).ravel()
    law = batch_law(DYADIC, 3)
    atoms = np.array([float(mean) for mean in sorted(law)])
    p = np.array([float(law[mean]) for mean in sorted(law)])
    nearest = np.abs(xi[:, None] - atoms[None, :]).argmin(axis=1)
    assert np.abs(xi - atoms[nearest]).max() < 1e-14
    counts = np.bincount(nearest, minlength=atoms.size)
    n = xi.size
    z = (counts - n * p) / np.sqrt(n * p * (1 - p))
    assert np.abs(z).max() < 5, z
