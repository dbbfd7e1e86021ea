"""The compiled kernels of E2 (simulate/markov/exact_kernels.py) against independent computations.

Written for the mutation run of simulate/markov/exact_kernels.py (paper_notes/mutation_markov_solvers.md):
its other killers (the Markov and exact-propagation tests, claims M1 and M3) take minutes. Here the
Gaussian ramp ``psi(z) = phi(z) - z Phi(-z)`` is compared with mpmath across Cody's three intervals
and the underflow cut; each row of SR's transition law with a direct mpmath integration of the
rounding probability (the hat function of the target point against the density of
``y = z_x (1 - a h) - a xi``; for discrete noise the sum over its atoms), for Gaussian, uniform and
discrete noise; the band ends with the documented formula; the mirror kernels with the folding of
the full kernel; and the forward recursion's first steps with the enumeration of every path of a
small chain. Constants are generic: no sigma, step, spacing or curvature of 1 or a power of 2, and
no two equal.

Every test runs twice: first on the module's Python form (the same source with numba's JIT off,
``tests/python_form.py``), then compiled. Under Python semantics a mutant is judged in seconds; the
compiled runs, which compile what each test calls (a mutant then costs up to a minute), see what only
compiled code shows (a decorator's options, numba's integer casts).
"""

import itertools
import math
import sys

import mpmath
import numpy as np
import pytest
from python_form import python_form

compiled_kernels = pytest.importorskip("qnets.simulate.markov.exact_kernels")
kernels = compiled_kernels  # the form under test, set for each test by the fixture below


@pytest.fixture(autouse=True, params=["python", "compiled"])
def form(request, monkeypatch):
    """Each test on the Python form (loaded afresh, so the mutation runner's coverage map credits the
    module's constants to every test), then on the compiled module."""
    module = python_form(compiled_kernels) if request.param == "python" else compiled_kernels
    monkeypatch.setattr(sys.modules[__name__], "kernels", module)
    return module


mpmath.mp.dps = 30
EMPTY = np.zeros(0)
DELTA, LR, H = 0.37, 0.29, 1.3
SIGMA, HALF_WIDTH = 0.83, 0.61
VALUES = np.array([-1.3, 0.4, 2.1])  # mean 0, not symmetric
PROBS = np.array([17.0, 8.0, 9.0]) / 34
#: A lattice not centred at 0 (offsets z = w - w*), 13 points.
Z = -1.93 + DELTA * np.arange(13)


def psi(z) -> mpmath.mpf:
    z = mpmath.mpf(z)
    return mpmath.npdf(z) - z * mpmath.ncdf(-z)


# the Gaussian ramp


@pytest.mark.parametrize(
    "z",
    [0.0, 0.013, 0.31, 0.6629, 0.663, 0.97, 1.7, 2.9, 4.3, 5.6568, 5.66, 6.1, 7.7, 11.3, 17.9, 26.3, 33.1, 37.3],
)
def test_gaussian_ramp_matches_mpmath_across_codys_intervals(z):
    # 0.6629 and 0.663 straddle z / sqrt 2 = 0.46875; 5.6568 and 5.66 straddle z = 4 sqrt 2 (y = 4)
    assert kernels.gaussian_ramp_upper(z) == pytest.approx(float(psi(z)), rel=3e-14, abs=0)
    if z / math.sqrt(2) > 0.46875:
        scaled = psi(z) * mpmath.exp(mpmath.mpf(z) ** 2 / 2)
        assert kernels.scaled_gaussian_ramp(z) == pytest.approx(float(scaled), rel=3e-14)


def test_gaussian_ramp_underflows_to_zero_beyond_38_5_and_is_exact_in_the_subnormals_before():
    assert kernels.gaussian_ramp_upper(38.6) == 0.0
    assert kernels.gaussian_ramp_upper(1e10) == 0.0
    for z in (38.0, 38.1, 38.2, 38.3):  # subnormal: mpmath's value rounded, to the ulp 5e-324
        value = kernels.gaussian_ramp_upper(z)
        assert 0 < value < 2.3e-308 and abs(value - float(psi(z))) <= 5e-324


# one row of the law


def noise_arguments(kind):
    if kind == "gaussian":
        return kernels.GAUSSIAN, SIGMA, EMPTY, EMPTY
    if kind == "uniform":
        return kernels.UNIFORM, HALF_WIDTH, EMPTY, EMPTY
    return kernels.DISCRETE, float(np.max(np.abs(VALUES))), VALUES, PROBS


def rounding_weight(z, j, y):
    """P(SR(y) = z_j) for a given y on the lattice z, the box's edges taking the mass beyond."""
    n = len(z)
    if j > 0 and y <= z[j - 1]:
        return mpmath.mpf(0)
    if j < n - 1 and y >= z[j + 1]:
        return mpmath.mpf(0)
    if y <= z[j]:
        return mpmath.mpf(1) if j == 0 else (y - z[j - 1]) / (z[j] - z[j - 1])
    return mpmath.mpf(1) if j == n - 1 else (z[j + 1] - y) / (z[j + 1] - z[j])


def exact_row(z, x, lr, h, kind, scale=None):
    """The SR law of row x by direct integration of the rounding weight over the law of y, in mpmath."""
    z = [mpmath.mpf(v) for v in z]
    lr, h = mpmath.mpf(lr), mpmath.mpf(h)
    mean = z[x] * (1 - lr * h)
    n = len(z)
    row = []
    for j in range(n):
        cuts = [z[k] for k in (j - 1, j, j + 1) if 0 <= k < n]
        if kind == "gaussian":
            sd = lr * mpmath.mpf(SIGMA if scale is None else scale)
            value = mpmath.quad(lambda y, j=j, sd=sd: rounding_weight(z, j, y) * mpmath.npdf(y, mean, sd), cuts)
            if j == 0:
                value += mpmath.ncdf(z[0], mean, sd)
            if j == n - 1:
                value += 1 - mpmath.ncdf(z[-1], mean, sd)
        elif kind == "uniform":
            half = lr * mpmath.mpf(HALF_WIDTH if scale is None else scale)
            lo, hi = mean - half, mean + half
            pieces = sorted({max(lo, min(hi, c)) for c in cuts} | {lo, hi})
            value = mpmath.mpf(0)
            for a, b in itertools.pairwise(pieces):  # the weight is linear on each piece
                if b > a:
                    value += (b - a) * rounding_weight(z, j, (a + b) / 2) / (2 * half)
        else:
            value = mpmath.fsum(
                mpmath.mpf(p) * rounding_weight(z, j, mean - lr * mpmath.mpf(v))
                for v, p in zip(VALUES, PROBS, strict=True)
            )
        row.append(value)
    return np.array([float(v) for v in row])


def compiled_row(z, x, lr, h, kind, z_tail=10.0, scale=None, law=None, clear=True):
    code, default_scale, values, probs = noise_arguments(kind)
    n = len(z)
    law = np.zeros(n) if law is None else law
    band = kernels.law_row(
        np.asarray(z, dtype=float), x, 1.0 - lr * h, lr, DELTA, code, default_scale if scale is None else scale,
        values, probs, z_tail, law, np.zeros(n + 1), np.zeros(n + 1), clear,
    )  # fmt: skip
    return law, band


def band_ends(z, x, lr, h, reach):
    """The documented band: the first column with t_j >= -R, the last with t_j <= R + 2 (clipped to the box)."""
    t = 1 + (np.asarray(z) - z[x] * (1 - lr * h)) / DELTA
    n = len(z)
    first = min(max(0, math.ceil(-reach - t[0])), n - 1)
    inside = np.flatnonzero(t <= reach + 2)
    last = max(min(n - 1, int(inside[-1]) if inside.size else 0), first)
    return first, last


ROWS = {
    # kind, step, curvature: Gaussian with W = a sigma / delta below 1 and above 1 (the recurrence), uniform
    # narrow (a band inside the box) and wide, discrete narrow
    "gaussian narrow": ("gaussian", LR, H),
    "gaussian wide": ("gaussian", 1.13, 0.47),
    "uniform narrow": ("uniform", LR, H),
    "uniform wide": ("uniform", 1.13, 0.47),
    "discrete narrow": ("discrete", 0.23, 1.9),
    "discrete wide": ("discrete", 0.71, 0.53),
}


@pytest.mark.parametrize("case", list(ROWS))
def test_law_rows_match_the_integrated_rounding_probability(case):
    kind, lr, h = ROWS[case]
    for x in (0, 3, 6, 10, 12):
        law, (first, last) = compiled_row(Z, x, lr, h, kind)
        exact = exact_row(Z, x, lr, h, kind)
        # entry by entry, the small ones too (relative), to the Gaussian tail beyond 10 sigma (1e-23); a
        # discrete row's exact zeros between atoms come out as differences of equal sums of atoms at points
        # t_j of up to about 5 in size, so to the rounding of those: a few ulps of 1 (seen: 6.7e-16)
        atol = {"gaussian": 1e-22, "uniform": 0.0, "discrete": 1e-15}[kind]
        np.testing.assert_allclose(law, exact, rtol=1e-12, atol=atol)
        assert abs(law.sum() - 1.0) <= 4e-16
        assert np.all(law[:first] == 0) and np.all(law[last + 1 :] == 0)
        _, scale, _, _ = noise_arguments(kind)
        reach = lr * scale / DELTA * (10.0 if kind == "gaussian" else 1.0)
        assert (first, last) == band_ends(Z, x, lr, h, reach)


def test_bands_cut_at_a_short_gaussian_tail_keep_rows_summing_to_one_and_only_lose_the_tail():
    # z_tail = 3.1: the band is narrower than the row; inside it entries are exact to the tail's mass
    lr, h, z_tail = 0.47, 0.9, 3.1
    width = lr * SIGMA / DELTA
    tail = width * float(psi(z_tail))  # the documented bound on the mass lumped per side
    for x in (2, 6, 11):
        law, (first, last) = compiled_row(Z, x, lr, h, "gaussian", z_tail=z_tail)
        assert (first, last) == band_ends(Z, x, lr, h, z_tail * width)
        assert 0 < last - first < 12
        assert abs(law.sum() - 1.0) <= 4e-16
        exact = exact_row(Z, x, lr, h, "gaussian")
        np.testing.assert_allclose(law, exact, rtol=0, atol=3 * tail)
        assert np.abs(law - exact).max() > 1e-6 * tail  # the cut is real: a 10-sigma band would be exact


def test_a_step_that_overshoots_the_box_puts_the_row_on_the_edge():
    # contraction 1 - a h = -2.1: from the top edge the mean lands far below the box
    lr, h = 0.71, 4.37
    law, band = compiled_row(Z, 12, lr, h, "uniform")
    assert band == (0, 0)
    np.testing.assert_array_equal(law, np.eye(13)[0])
    law, band = compiled_row(Z, 0, lr, h, "discrete")
    assert band == (12, 12)
    np.testing.assert_array_equal(law, np.eye(13)[12])
    np.testing.assert_allclose(law, exact_row(Z, 0, lr, h, "discrete"), atol=0)


def test_law_row_clears_outside_its_band_only_when_asked():
    lr, h = 0.23, 1.9
    before = np.full(13, 7.7)
    law, (first, last) = compiled_row(Z, 6, lr, h, "discrete", law=before.copy(), clear=False)
    assert 0 < first and last < 12
    assert np.all(law[:first] == 7.7) and np.all(law[last + 1 :] == 7.7)
    cleared, band = compiled_row(Z, 6, lr, h, "discrete", law=before.copy(), clear=True)
    assert band == (first, last) and np.all(cleared[:first] == 0) and np.all(cleared[last + 1 :] == 0)
    np.testing.assert_array_equal(cleared[first : last + 1], law[first : last + 1])


def test_a_zero_width_gaussian_is_deterministic_rounding():
    # sigma = 0: q is 0, the row is SR of the mean alone (two points)
    law, _ = compiled_row(Z, 9, LR, H, "gaussian", scale=0.0)
    mean = Z[9] * (1 - LR * H)
    below = int(np.floor((mean - Z[0]) / DELTA))
    expected = np.zeros(13)
    expected[below + 1] = (mean - Z[below]) / DELTA
    expected[below] = 1 - expected[below + 1]
    np.testing.assert_allclose(law, expected, rtol=1e-12, atol=1e-15)


# the full and mirrored kernels


def build(z, lr, h, kind, symmetric):
    code, scale, values, probs = noise_arguments(kind)
    n = len(z)
    low = n // 2
    size = n - low if symmetric else n
    even = np.full((size, size), 9.9)
    odd = np.full((size - n % 2, size - n % 2), 9.9) if symmetric else np.zeros((1, 1))
    kernels._build(
        np.asarray(z, dtype=float), h, lr, DELTA, code, scale, values, probs, 10.0, symmetric, even, odd,
        np.zeros(n), np.zeros(n + 2), np.zeros(n + 2),
    )  # fmt: skip
    return even, odd


def test_the_full_kernel_is_the_integrated_law_row_by_row():
    lr, h = 0.47, 0.9
    even, _ = build(Z[:7], lr, h, "uniform", symmetric=False)
    exact = np.array([exact_row(Z[:7], x, lr, h, "uniform") for x in range(7)])
    np.testing.assert_allclose(even, exact, rtol=1e-12, atol=0)


@pytest.mark.parametrize("n", [7, 8])
@pytest.mark.parametrize("kind", ["gaussian", "uniform"])
def test_mirror_kernels_are_the_folded_and_odd_parts_of_the_full_kernel(n, kind):
    z = DELTA * (np.arange(n) - (n - 1) / 2)  # centred: z -> -z maps the lattice onto itself
    lr, h = 0.53, 1.7
    full, _ = build(z, lr, h, kind, symmetric=False)
    even, odd = build(z, lr, h, kind, symmetric=True)
    low, centre = n // 2, n % 2
    folded = np.array(
        [[full[x, y] + (full[x, n - 1 - y] if y != n - 1 - y else 0) for y in range(low, n)] for x in range(low, n)]
    )
    odd_part = np.array(
        [[full[x, y] - full[x, n - 1 - y] for y in range(low + centre, n)] for x in range(low + centre, n)]
    )
    np.testing.assert_allclose(even, folded, rtol=1e-13, atol=1e-17)
    np.testing.assert_allclose(odd, odd_part, rtol=1e-12, atol=1e-16)
    np.testing.assert_allclose(even.sum(axis=1), 1.0, rtol=0, atol=1e-15)


# the forward recursion


def brute_force(z, kernels_by_step, start, weight):
    """E z_t^2 and E (mean of z_0 .. z_{t-1})^2 for t = 1..T by summing over every path of T steps."""
    n, steps = len(z), len(kernels_by_step)
    last, averaged = np.zeros(steps), np.zeros(steps)
    for path in itertools.product(range(n), repeat=steps):
        chance = math.prod(kernels_by_step[t][a, b] for t, (a, b) in enumerate(zip((start, *path), path, strict=False)))
        visited = [z[start]] + [z[y] for y in path]
        for t in range(steps):
            last[t] += chance * visited[t + 1] ** 2
            averaged[t] += chance * (sum(visited[: t + 1]) / (t + 1)) ** 2
    return weight * last, weight * averaged


@pytest.mark.parametrize("symmetric", [False, True])
def test_forward_recursion_matches_the_sum_over_paths(symmetric):
    n = 5
    z = DELTA * (np.arange(n) - 2.0) if symmetric else Z[:n] + 0.41
    rates = np.array([0.53, 0.53, 0.31])  # the law is rebuilt when the step changes
    h = 1.7
    weight = 0.45
    full = {lr: np.array([exact_row(z, x, lr, h, "gaussian") for x in range(n)]) for lr in set(rates.tolist())}
    for start in (0, 1, 4):
        last, averaged = np.zeros(3), np.zeros(3)
        kernels.propagate(
            z[None, :], np.array([h]), np.array([start]), np.array([weight]), rates, DELTA, kernels.GAUSSIAN, SIGMA,
            EMPTY, EMPTY, 10.0, symmetric, last, averaged,
        )  # fmt: skip
        expected_last, expected_averaged = brute_force(z, [full[lr] for lr in rates], start, weight)
        np.testing.assert_allclose(last, expected_last, rtol=1e-12)
        np.testing.assert_allclose(averaged, expected_averaged, rtol=1e-12)


def test_propagate_sums_weighted_coordinates_in_blocks_whatever_the_threads(monkeypatch):
    # 21 coordinates (16 blocks of one or two), each its own curvature, start and weight
    rng = np.random.default_rng(53)
    count, n = 21, 6
    zs = Z[None, :n] + rng.uniform(-0.15, 0.15, (count, 1))
    hs = rng.uniform(0.4, 2.1, count)
    starts = rng.integers(0, n, count)
    weights = rng.uniform(0.2, 0.9, count)
    rates = np.array([0.41, 0.41, 0.27])
    args = (rates, DELTA, kernels.UNIFORM, HALF_WIDTH, EMPTY, EMPTY, 10.0, False)
    single = []
    for k in range(count):
        last, averaged = np.zeros(3), np.zeros(3)
        kernels.propagate(zs[k : k + 1], hs[k : k + 1], starts[k : k + 1], weights[k : k + 1], *args, last, averaged)
        full = {lr: np.array([exact_row(zs[k], x, lr, hs[k], "uniform") for x in range(n)]) for lr in (0.41, 0.27)}
        expected = brute_force(zs[k], [full[lr] for lr in rates], starts[k], weights[k])
        np.testing.assert_allclose(last, expected[0], rtol=1e-12)
        np.testing.assert_allclose(averaged, expected[1], rtol=1e-12)
        single.append((last, averaged))
    results = []
    for workers in (1, 2):
        monkeypatch.setattr(kernels, "threads", lambda workers=workers: workers)
        last, averaged = np.full(3, 0.125), np.full(3, 0.375)  # propagate adds to what is there
        kernels.propagate(zs, hs, starts, weights, *args, last, averaged)
        results.append((last, averaged))
        np.testing.assert_allclose(last, 0.125 + sum(s[0] for s in single), rtol=1e-13)
        np.testing.assert_allclose(averaged, 0.375 + sum(s[1] for s in single), rtol=1e-13)
    np.testing.assert_array_equal(results[0][0], results[1][0])
    np.testing.assert_array_equal(results[0][1], results[1][1])


def test_threads_are_the_cores_capped_by_omp_num_threads(monkeypatch):
    monkeypatch.setattr(kernels.parallel, "available_cores", lambda: 5)
    for value, expected in (("3", 3), ("7", 5), ("5", 5), ("1", 1), ("0", 5), ("", 5), ("two", 5), ("-2", 5)):
        monkeypatch.setenv("OMP_NUM_THREADS", value)
        assert kernels.threads() == expected
    monkeypatch.delenv("OMP_NUM_THREADS")
    assert kernels.threads() == 5


def test_dot_sums_every_entry_for_sizes_around_multiples_of_four():
    for size in range(0, 10):
        x, y = np.arange(1.0, size + 1) * 0.3, np.arange(size, 0, -1) * 0.7
        assert kernels._dot(x, y) == pytest.approx(float(np.dot(x, y)), rel=1e-15, abs=0)
