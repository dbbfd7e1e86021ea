"""The compiled kernels' random streams: xoshiro256++ bit for bit, the ziggurat's tables and the
law of its normals (z = 5 margins, fixed seeds), each check shown to fail on an injected bug."""

import math

import numpy as np
import pytest
from kernels_reference import Stream
from qnets.simulate import engines
from qnets.simulate.engines import chain_states

from qnets.claims.verdict import Z

kernels = pytest.importorskip("qnets.simulate.kernels")


def test_uniforms_are_the_top_53_bits_of_xoshiro256pp_words():
    states = chain_states(np.random.SeedSequence(3), 2)
    expected = [[(stream.word() >> 11) * 2.0**-53 for _ in range(7)] for stream in map(Stream, states)]
    out = np.empty((2, 7))
    kernels.draw(states, kernels.UNIFORM, out, engines._ziggurat())
    np.testing.assert_array_equal(out, expected)


def test_ziggurat_tables_have_layers_of_equal_area():
    """Marsaglia and Tsang's 256-layer constants: r = 3.6541528853610088, v = 0.00492867323399;
    every layer, the base strip (with its tail) and the top layer have area v."""
    k, w, f, r = kernels.ziggurat_tables()
    scale = 2.0**kernels.ABSCISSA_BITS
    x = w * scale
    v = x[0] * f[-1]  # the base strip's width times f(r)
    assert r == pytest.approx(R, rel=1e-15)
    assert v == pytest.approx(0.00492867323399, rel=1e-11)
    base = r * math.exp(-r * r / 2) + math.sqrt(math.pi / 2) * math.erfc(r / math.sqrt(2))
    assert base == pytest.approx(v, rel=1e-14)
    areas = x[1:] * (np.concatenate([[1.0], f[1:-1]]) - f[1:])
    np.testing.assert_allclose(areas, v, rtol=1e-12)
    np.testing.assert_allclose(f[1:], np.exp(-(x[1:] ** 2) / 2), rtol=1e-15)
    assert k[1] == 0 and np.all(k[2:] == np.floor(scale * x[1:-1] / x[2:]))


#: Points at which the empirical law of the normals is compared with Phi: both tails, the base
#: strip's edge r and the wedges in between.
R = 3.6541528853610088
CDF_POINTS = np.array([-5.0, -R, -3.0, -2.0, -1.0, -0.3, 0.0, 0.3, 1.0, 2.0, 3.0, R, 4.0])


def normal_law_z(samples: np.ndarray) -> float:
    """The largest |z| of the empirical CDF at ``CDF_POINTS``, the mean and the variance against
    N(0, 1) (binomial and normal-theory standard errors)."""
    from scipy.special import ndtr

    n = samples.size
    phi = ndtr(CDF_POINTS)
    empirical = np.searchsorted(np.sort(samples), CDF_POINTS) / n
    z_cdf = np.abs(empirical - phi) / np.sqrt(phi * (1 - phi) / n)
    z_mean = abs(samples.mean()) * math.sqrt(n)
    z_var = abs(samples.var() - 1) / math.sqrt(2 / n)
    return float(max(z_cdf.max(), z_mean, z_var))


def _normals(tables, n_rows: int = 400, d: int = 10_000, seed: int = 5) -> np.ndarray:
    states = chain_states(np.random.SeedSequence(seed), n_rows)
    out = np.empty((n_rows, d))
    kernels.draw(states, kernels.GAUSSIAN, out, tables)
    return out.ravel()


def test_ziggurat_normals_follow_the_standard_normal_law():
    assert normal_law_z(_normals(engines._ziggurat())) <= Z


@pytest.mark.parametrize("bug", ["abscissae 1% too wide", "the tail beyond r never taken"])
def test_normal_law_check_catches_a_wrong_table(bug):
    k, w, f, r = engines._ziggurat()
    if bug == "abscissae 1% too wide":
        w = w * 1.01
    else:
        k = k.copy()
        k[0] = 1 << kernels.ABSCISSA_BITS  # every base-strip draw accepted: a uniform piece up to v / f(r)
    assert normal_law_z(_normals((k, w, f, r))) > Z
