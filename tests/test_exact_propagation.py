"""E2's compiled exact propagation against a 30-digit reference (mpmath), its laws against the
reference kernel, and the Gaussian ramp against mpmath; each check shown to fail on an injected bug."""

import numpy as np
import pytest
from qnets.simulate import Box, GaussianNoise, Grid, Quadratic, UniformNoise, constant, inverse_time
from qnets.simulate.markov import quadratic as quadratic_module
from qnets.simulate.markov.quadratic import exact_sr_quadratic

mpmath = pytest.importorskip("mpmath")
kernels = pytest.importorskip("qnets.simulate.markov.exact_kernels")

STEPS = 40


def _ramp(c, s, noise):
    """E max(c + s xi, 0) at 30 digits."""
    if isinstance(noise, GaussianNoise):
        width = s * mpmath.mpf(noise.sigma)
        x = -c / width
        return width * (mpmath.npdf(x) - x * mpmath.ncdf(-x))
    h = s * mpmath.mpf(noise.half_width)
    if c >= h:
        return c
    return (c + h) ** 2 / (4 * h) if c > -h else mpmath.mpf(0)


def reference_e2(problem, grid, box, schedule, steps):
    """E F(w_t) - F* and E F(w_bar_t) - F* by the recursions for p, u and v, at 30 digits."""
    with mpmath.workdps(30):
        delta = mpmath.mpf(grid.delta)
        last, averaged = [mpmath.mpf(0)] * steps, [mpmath.mpf(0)] * steps
        for h, w_star, lo, hi in zip(problem.H, problem.w_star, box.lo, box.hi, strict=True):
            size = round((hi - lo) / grid.delta) + 1
            z = [mpmath.mpf(lo) + j * delta - mpmath.mpf(w_star) for j in range(size)]
            p = [mpmath.mpf(1)] + [mpmath.mpf(0)] * (size - 1)
            u, v = [mpmath.mpf(0)] * size, [mpmath.mpf(0)] * size
            law, law_lr = None, None
            for t in range(steps):
                lr = mpmath.mpf(schedule(t))
                if lr != law_lr:
                    s = lr / delta
                    law = []
                    for x in range(size):
                        mean = z[x] * (1 - lr * mpmath.mpf(h))
                        cdf = [
                            _ramp(1 + (z[j] - mean) / delta, s, problem.noise)
                            - _ramp((z[j] - mean) / delta, s, problem.noise)
                            for j in range(size - 1)
                        ] + [mpmath.mpf(1)]
                        law.append([cdf[0]] + [cdf[j] - cdf[j - 1] for j in range(1, size)])
                    law_lr = lr
                mixed_v = [v[x] + 2 * z[x] * u[x] + z[x] ** 2 * p[x] for x in range(size)]
                mixed_u = [u[x] + z[x] * p[x] for x in range(size)]
                p = [mpmath.fsum(p[x] * law[x][y] for x in range(size)) for y in range(size)]
                u = [mpmath.fsum(mixed_u[x] * law[x][y] for x in range(size)) for y in range(size)]
                v = [mpmath.fsum(mixed_v[x] * law[x][y] for x in range(size)) for y in range(size)]
                last[t] += h / 2 * mpmath.fsum(p[y] * z[y] ** 2 for y in range(size))
                averaged[t] += h / 2 * mpmath.fsum(v) / (t + 1) ** 2
        return np.array([float(x) for x in last]), np.array([float(x) for x in averaged])


CASES = {
    "gaussian, centred box, 1/(t+1)": (GaussianNoise(1.0), np.array([0.0, 0.0]), inverse_time(1.0)),
    "gaussian, off-centre, constant": (GaussianNoise(0.7), np.array([0.013, -0.2]), constant(0.05)),
    "uniform, centred box, constant": (UniformNoise(0.8), np.array([0.0, 0.0]), constant(0.1)),
    "uniform, off-centre, 1/(t+1)": (UniformNoise(2.0), np.array([0.013, 0.31]), inverse_time(1.0)),
}
_REFERENCES: dict = {}


def e2_relative_error(case: str) -> float:
    noise, w_star, schedule = CASES[case]
    problem = Quadratic(np.array([1.0, 2.5]), w_star=w_star, noise=noise)
    grid = Grid(0.1)
    box = Box.around(problem.w_star, 1.0, grid)
    if case not in _REFERENCES:
        _REFERENCES[case] = reference_e2(problem, grid, box, schedule, STEPS)
    last, averaged = _REFERENCES[case]
    exact = exact_sr_quadratic(problem, grid, box, schedule, STEPS)
    return float(max(np.max(np.abs(exact.last / last - 1)), np.max(np.abs(exact.averaged / averaged - 1))))


@pytest.mark.parametrize("case", list(CASES))
def test_e2_is_within_1e_14_of_a_30_digit_reference(case):
    assert e2_relative_error(case) <= 1e-14


@pytest.mark.parametrize(
    ("case", "name", "value"),
    [
        ("gaussian, centred box, 1/(t+1)", "Z_TAIL", 2.0),  # Gaussian tails cut at 2 sigma
        ("gaussian, off-centre, constant", "MIRROR_ULPS", 1e15),  # an off-centre box taken for a centred one
    ],
)
def test_the_reference_comparison_catches_an_injected_bug(case, name, value, monkeypatch):
    monkeypatch.setattr(quadratic_module, name, value)
    assert e2_relative_error(case) > 1e-14


def law_rows_error(law_row=kernels.law_row) -> float:
    """The largest |entry - exact entry| (mpmath, 30 digits) and |row sum - 1| over rows of the laws
    of a decaying schedule (from noise 40 grid points wide to 0.08) on an off-centre lattice."""
    delta, h, sigma = 0.05, 1.7, GaussianNoise(1.0)
    z = -0.987 + delta * np.arange(41)
    worst = 0.0
    law, ts, qs = np.empty(41), np.empty(43), np.empty(43)
    empty = np.zeros(0)
    with mpmath.workdps(30):
        for lr in (2.0, 0.5, 0.05, 0.004):
            s = mpmath.mpf(lr) / delta
            for x in (0, 7, 20, 33, 40):
                law_row(z, x, 1 - lr * h, lr, delta, kernels.GAUSSIAN, 1.0, empty, empty, 10.0, law, ts, qs)
                mean = mpmath.mpf(z[x]) * (1 - mpmath.mpf(lr) * h)
                offsets = [(mpmath.mpf(zj) - mean) / delta for zj in z[:-1]]
                cdf = [_ramp(1 + c, s, sigma) - _ramp(c, s, sigma) for c in offsets] + [mpmath.mpf(1)]
                exact = np.array([float(cdf[0])] + [float(cdf[j] - cdf[j - 1]) for j in range(1, 41)])
                worst = max(worst, float(np.max(np.abs(law - exact))) / 1e-14, abs(float(law.sum()) - 1) / 4e-16)
    return worst


def test_law_rows_are_within_1e_14_of_exact_and_sum_to_one_within_4e_16():
    """(rounding_law, the kernel of the Markov claims, is off by up to 1e-14 on the same rows.)"""
    assert law_rows_error() <= 1


def test_the_law_check_catches_a_ramp_without_its_upper_branch(monkeypatch):
    """Injected bug: the small branch of the ramp for t > 0 forgets to subtract t."""
    small = kernels._small_ramp
    monkeypatch.setattr(kernels, "_small_ramp", lambda t, *args: small(t, *args) + max(t, 0.0))
    monkeypatch.setattr(kernels, "_gaussian_row", lambda ts, count, width, qs: None)  # use _small_ramp
    assert law_rows_error(kernels.law_row.py_func) > 1


def ramp_relative_error(ramp=kernels.gaussian_ramp_upper) -> float:
    """Largest relative error of psi(z) = phi(z) - z Phi(-z) against mpmath on [0, 30] (psi stays a
    normal double), Cody's interval ends included, in units of ``max(3e-14, z^2 eps / 2)`` (beyond
    z = 10 the rounding of the argument z^2/2 of exp dominates)."""
    points = np.concatenate([np.linspace(0.0, 12.0, 241), [0.66, 0.6629, 0.663, 5.65, 5.657, 5.66, 20.0, 30.0]])
    worst = 0.0
    for z in points:
        exact = mpmath.npdf(z) - z * mpmath.ncdf(-z)
        allowed = max(3e-14, z * z * np.finfo(float).eps / 2)
        worst = max(worst, abs(float((mpmath.mpf(ramp(float(z))) - exact) / exact)) / allowed)
    return worst


def test_gaussian_ramp_has_relative_error_below_3e_14_up_to_z_10():
    assert ramp_relative_error() <= 1


def test_the_ramp_check_catches_a_wrong_coefficient(monkeypatch):
    monkeypatch.setattr(kernels, "CODY_C", kernels.CODY_C * np.r_[np.ones(8), 1.001])  # a mistyped last digit
    monkeypatch.setattr(kernels, "scaled_gaussian_ramp", kernels.scaled_gaussian_ramp.py_func)
    assert ramp_relative_error(kernels.gaussian_ramp_upper.py_func) > 1


def test_e2_gives_the_same_bits_on_one_thread_and_on_two(monkeypatch):
    """The blocks of coordinates and the order of their sums do not depend on the thread count."""
    problem = Quadratic(np.geomspace(0.5, 2.0, 40), noise=GaussianNoise(1.0))
    grid = Grid(0.05)
    box = Box.around(problem.w_star, 1.0, grid)
    runs = []
    for count in (1, 2):
        monkeypatch.setattr(kernels, "threads", lambda count=count: count)
        runs.append(exact_sr_quadratic(problem, grid, box, inverse_time(0.5), 30))
    assert kernels.BLOCKS < problem.d  # several blocks, so two threads share them
    assert np.array_equal(runs[0].last, runs[1].last) and np.array_equal(runs[0].averaged, runs[1].averaged)


def test_e2_threads_follow_the_cores_and_a_workers_one_thread_limit(monkeypatch):
    from qnets import parallel

    monkeypatch.setattr(parallel, "available_cores", lambda: 2)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    assert kernels.threads() == 2
    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # as in a worker of qnets.parallel
    assert kernels.threads() == 1
    monkeypatch.setenv("OMP_NUM_THREADS", "8")
    assert kernels.threads() == 2
