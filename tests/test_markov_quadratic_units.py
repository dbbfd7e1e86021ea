"""E1 and E2 on diagonal quadratics (simulate/markov/quadratic.py) against independent computations.

Written for the mutation run of simulate/markov/quadratic.py (issue 18): its other killers (the
exact-propagation and Markov tests, claims M1 and M3) take minutes; these take a few seconds.

- E2, ``exact_sr_quadratic``: the first steps by enumeration of every path ``w_0, w_1, ..., w_T``
  of each coordinate (``K^T`` of them), with the one-step laws of ``tests/markov_reference.py``
  (mpmath closed forms for Gaussian noise, rational arithmetic for uniform and discrete noise):
  ``E F(w_t) - F*`` from the law of ``w_t`` and ``E F(w_bar_t) - F*`` from each path's average
  ``(w_0 + ... + w_{t-1}) / t`` directly, not by the module's recursions. Which path the module
  takes (the mirror-symmetric kernels or the full ones) is read from the arguments it gives the
  compiled kernels (a spy), since both give the same numbers where both apply.
- E1, ``sr_floor_quadratic``: the stationary law of the birth-death chain by detailed balance in
  30-digit mpmath, ``pi(k+1) / pi(k) = up(k) / down(k+1)``, with the rates ``E[(-g)^+] / delta`` and
  ``E[g^+] / delta`` in closed form, summed over a lattice wide enough that the rest is below 1e-40.

Constants are generic: delta = 0.375 (3/8: grid points are exact doubles), h, sigma, step sizes and
w* none equal to 1 and no two equal; d = 3 or 4 with two state counts and a repeated coordinate.
"""

import contextlib
import dataclasses
import itertools
import re
import signal

import mpmath
import numpy as np
import pytest
from markov_reference import reference_law
from qnets.simulate.domain import Box
from qnets.simulate.grid import Grid
from qnets.simulate.markov import quadratic as quadratic_module
from qnets.simulate.markov.quadratic import (
    MIRROR_ULPS,
    ExactSRRun,
    SRFloor,
    _noise_arguments,
    exact_sr_quadratic,
    sr_floor_quadratic,
)
from qnets.simulate.noise import DiscreteNoise, GaussianNoise, MinibatchNoise, UniformNoise
from qnets.simulate.problems.quadratic import Quadratic
from qnets.simulate.problems.toys import TiltedDoubleWell

from qnets.errors import InputError, InputTypeError

kernels = pytest.importorskip("qnets.simulate.markov.exact_kernels")

DELTA = 0.375
GRID = Grid(DELTA)
EPS = np.finfo(float).eps


def decaying(t: int) -> float:
    return 0.31 / (t + 1.7)


def constant(t: int) -> float:
    return 0.23


def enumerate_coordinate(h, w_star, lo, hi, w0, schedule, steps, noise):
    """``E z_t^2`` and ``E z_bar_t^2`` (``z = w - w*``, ``z_bar_t`` the mean of ``z_0 .. z_{t-1}``)
    for ``t = 1..steps``, by enumerating every path of one coordinate."""
    points = lo + DELTA * np.arange(round((hi - lo) / DELTA) + 1)
    laws = []
    for t in range(steps):
        lr = schedule(t)
        laws.append(np.array([reference_law(x - lr * h * (x - w_star), points, lr, noise) for x in points]))
    start = round((w0 - lo) / DELTA)
    z = points - w_star
    last, averaged = np.zeros(steps), np.zeros(steps)
    for t in range(1, steps + 1):
        for path in itertools.product(range(points.size), repeat=t):
            states = (start, *path)
            prob = np.prod([laws[s][states[s], states[s + 1]] for s in range(t)])
            last[t - 1] += prob * z[states[t]] ** 2
            averaged[t - 1] += prob * np.mean(z[list(states[:t])]) ** 2
    return last, averaged


def reference_e2(problem, box, schedule, steps, w0=None):
    w0 = box.lo if w0 is None else w0
    last, averaged = np.zeros(steps), np.zeros(steps)
    for h, w_star, lo, hi, start in zip(problem.H, problem.w_star, box.lo, box.hi, w0, strict=True):
        e_last, e_averaged = enumerate_coordinate(h, w_star, lo, hi, start, schedule, steps, problem.noise)
        last += 0.5 * h * e_last
        averaged += 0.5 * h * e_averaged
    return last, averaged


@pytest.fixture
def spy(monkeypatch):
    """Record the ``symmetric`` flag and the noise arguments of each call of the compiled kernels."""
    calls = []
    original = kernels.propagate

    def recording(zs, hs, starts, weights, rates, delta, kind, scale, values, probs, z_tail, symmetric, *rest):
        calls.append({"symmetric": symmetric, "rows": zs.shape[0], "size": zs.shape[1], "rates": rates.copy()})
        return original(zs, hs, starts, weights, rates, delta, kind, scale, values, probs, z_tail, symmetric, *rest)

    monkeypatch.setattr(kernels, "propagate", recording)
    return calls


#: Coordinates: centred at w* = 0.9375 (mirrored, K = 6), off-centre (K = 5), centred again (a repeat
#: of the first: one computation with weight 2), centred at a negative w* with K = 5.
H = np.array([0.83, 1.45, 0.83, 2.2])
W_STAR = np.array([0.9375, 0.21, 0.9375, -0.75])
LO = np.array([0.0, -0.375, 0.0, -1.5])
HI = np.array([1.875, 1.125, 1.875, 0.0])


@pytest.mark.parametrize(
    ("noise", "schedule", "mirrored"),
    [
        (GaussianNoise(0.71), decaying, True),
        (UniformNoise(0.57), constant, True),
        (DiscreteNoise(np.array([0.9, -0.9, 0.0]), np.array([0.3, 0.3, 0.4])), decaying, True),  # unsorted
        (DiscreteNoise(np.array([-1.3, 0.4, 2.1, 3.7]), np.array([17, 8, 9, 0]) / 34), constant, False),
        (DiscreteNoise(np.array([-1.2, -0.5, 0.5, 1.2]), np.array([0.3, 0.06, 0.54, 0.1])), decaying, False),
        (DiscreteNoise(np.array([-1.3, 0.2, 0.9]), np.array([0.25, 0.5, 0.25])), constant, False),
        (MinibatchNoise(np.array([-0.7, -0.2, 0.35, 0.55]), 2), decaying, False),
        (MinibatchNoise(np.array([-0.45, 0.45, -1.15, 1.15]), 2), constant, True),
    ],
    ids=[
        "gaussian",
        "uniform",
        "discrete symmetric unsorted",
        "discrete asymmetric",
        "symmetric values, asymmetric probs",
        "symmetric probs, asymmetric values",
        "minibatch asymmetric",
        "minibatch symmetric",
    ],
)
def test_e2_first_three_steps_match_the_enumeration_of_every_path(noise, schedule, mirrored, spy):
    """rtol 1e-12: the kernels' Gaussian ramp is within 3e-14 of exact and their tails cut at 10
    sigma (1e-23); bounded noise is exact to rounding."""
    problem = Quadratic(H, w_star=W_STAR, noise=noise)
    box = Box(LO, HI)
    run = exact_sr_quadratic(problem, GRID, box, schedule, 3)
    last, averaged = reference_e2(problem, box, schedule, 3)
    np.testing.assert_allclose(run.last, last, rtol=1e-12, atol=0)
    np.testing.assert_allclose(run.averaged, averaged, rtol=1e-12, atol=0)
    np.testing.assert_array_equal(run.t, [1, 2, 3])
    with pytest.raises(dataclasses.FrozenInstanceError):  # here too: a test that reads .t (mutation map)
        run.last = run.averaged
    flags = sorted((call["symmetric"], call["size"], call["rows"]) for call in spy)
    if mirrored:
        assert flags == [(False, 5, 1), (True, 5, 1), (True, 6, 1)]  # the repeat shares one row
    else:
        assert flags == [(False, 5, 2), (False, 6, 1)]
    np.testing.assert_array_equal(spy[0]["rates"], [schedule(t) for t in range(3)])


def test_e2_from_an_interior_start_and_across_schedule_chunks(monkeypatch):
    """``w0`` inside the box (not the default ``box.lo``), with the schedule read in chunks of 2 steps
    (``SCHEDULE_CHUNK`` monkeypatched) over 5 steps: the chunks' step sizes in order."""
    monkeypatch.setattr(quadratic_module, "SCHEDULE_CHUNK", 2)
    problem = Quadratic(H[:2], w_star=W_STAR[:2], noise=GaussianNoise(0.71))
    box = Box(LO[:2], HI[:2])
    w0 = np.array([1.5, 0.0])
    run = exact_sr_quadratic(problem, GRID, box, decaying, 5, w0=w0)
    last, averaged = reference_e2(problem, box, decaying, 5, w0=w0)
    np.testing.assert_allclose(run.last, last, rtol=1e-12, atol=0)
    np.testing.assert_allclose(run.averaged, averaged, rtol=1e-12, atol=0)
    assert run.last.shape == (5,) and run.averaged.shape == (5,)
    np.testing.assert_array_equal(run.t, np.arange(1, 6))
    with pytest.raises(InputError, match=r"^schedule gave step size -0.2 at t=3; it must be finite and > 0$"):
        exact_sr_quadratic(problem, GRID, box, lambda t: -0.2 if t == 3 else 0.1, 5)


@pytest.mark.parametrize("sign", [1.0, -1.0], ids=["positive box", "negative box"])
def test_e2_takes_the_mirror_path_up_to_8_ulps_off_centre_and_not_beyond(sign, spy):
    """Box ``[0, 1.875]`` (or its negative), ``w*`` = 0.9375 + n ulps: ``|lo + hi - 2 w*| = n eps``
    against ``MIRROR_ULPS eps max(|lo|, |hi|, |w*|) = 15 eps``: mirrored at n = 15, not at n = 16."""
    assert MIRROR_ULPS == 8
    for n, mirrored in ((15, True), (16, False), (-15, True), (-16, False)):
        spy.clear()
        w_star = sign * (0.9375 + n * EPS / 2)  # ulp(0.9375) = eps / 2
        problem = Quadratic(np.array([1.45]), w_star=np.array([w_star]), noise=UniformNoise(0.57))
        box = Box(np.array([min(0.0, sign * 1.875)]), np.array([max(0.0, sign * 1.875)]))
        exact_sr_quadratic(problem, GRID, box, constant, 2)
        assert [call["symmetric"] for call in spy] == [mirrored], n


def test_noise_arguments_of_each_law():
    empty = np.zeros(0)
    kind, scale, values, probs, symmetric = _noise_arguments(GaussianNoise(0.71))
    assert (kind, scale, symmetric) == (kernels.GAUSSIAN, 0.71, True) and values.size == probs.size == 0
    np.testing.assert_array_equal(values, empty)
    kind, scale, values, probs, symmetric = _noise_arguments(UniformNoise(0.57))
    assert (kind, scale, symmetric) == (kernels.UNIFORM, 0.57, True) and values.size == probs.size == 0
    law = DiscreteNoise(np.array([2.1, -1.3, 3.7, 0.4]), np.array([9, 17, 0, 8]) / 34)
    kind, scale, values, probs, symmetric = _noise_arguments(law)
    assert (kind, scale, symmetric) == (kernels.DISCRETE, 2.1, False)  # the atom 3.7 has probability 0
    np.testing.assert_array_equal(values, [-1.3, 0.4, 2.1, 3.7])
    np.testing.assert_array_equal(probs, np.array([17, 8, 9, 0]) / 34)
    assert values.flags.c_contiguous and probs.flags.c_contiguous
    kind, scale, values, probs, symmetric = _noise_arguments(
        DiscreteNoise(np.array([0.9, -0.9, 0.0]), np.full(3, 1 / 3))
    )
    assert (kind, scale, symmetric) == (kernels.DISCRETE, 0.9, True)
    minibatch = MinibatchNoise(np.array([-0.45, 0.45, -1.15, 1.15]), 2)
    kind, scale, values, probs, symmetric = _noise_arguments(minibatch)
    assert (kind, scale, symmetric) == (kernels.DISCRETE, 1.15, True)
    np.testing.assert_array_equal(values, np.sort(minibatch.law.values))


def test_e2_refuses_bad_input_with_exact_messages():
    problem = Quadratic(H[:2], w_star=W_STAR[:2], noise=GaussianNoise(0.71))
    box = Box(LO[:2], HI[:2])
    diagonal_message = r"^exact propagation needs a Quadratic with diagonal H \(a vector of eigenvalues\)$"
    with pytest.raises(InputTypeError, match=diagonal_message):
        exact_sr_quadratic(TiltedDoubleWell(), GRID, Box(np.array([-1.5]), np.array([1.5])), constant, 3)
    full = Quadratic(np.array([[0.83, 0.2], [0.2, 1.45]]), w_star=W_STAR[:2], noise=GaussianNoise(0.71))
    with pytest.raises(InputTypeError, match=diagonal_message):
        exact_sr_quadratic(full, GRID, box, constant, 3)
    rng = np.random.default_rng(5)
    minibatch = Quadratic.least_squares(rng.standard_normal((6, 2)), rng.standard_normal(6), 2)
    diagonal = Quadratic(np.array([0.83, 1.45]), noise=minibatch.noise)
    with pytest.raises(InputTypeError, match=r"^exact SR laws need additive gradient noise"):
        exact_sr_quadratic(diagonal, GRID, box, constant, 3)
    with pytest.raises(InputError, match=r"^steps must be an integer >= 1, got 0$"):
        exact_sr_quadratic(problem, GRID, box, constant, 0)
    with pytest.raises(InputError, match=r"^domain must have dimension d=2, got 3$"):
        exact_sr_quadratic(problem, GRID, Box(LO[:3], HI[:3]), constant, 3)
    with pytest.raises(InputError, match=r"^w_star must lie in the box \[lo, hi\]; it does not$"):
        exact_sr_quadratic(problem, GRID, Box(np.array([0.0, 0.375]), HI[:2]), constant, 3)
    with pytest.raises(InputError, match=r"^box lo\[0\]=-0\.1 is not a point of the grid"):
        exact_sr_quadratic(problem, GRID, Box(np.array([-0.1, -0.375]), HI[:2]), constant, 3)
    with pytest.raises(InputError, match=re.escape("w0 must be a scalar or have shape (2,), got (3,)")):
        exact_sr_quadratic(problem, GRID, box, constant, 3, w0=np.zeros(3))
    for w0 in ([0.1, 0.0], [0.0, -0.75], [0.375, 1.5], [-0.375, 0.0], [2.25, 0.0]):
        with pytest.raises(InputError, match=r"^w0 must be a grid point inside the box$"):
            exact_sr_quadratic(problem, GRID, box, constant, 3, w0=np.array(w0))
    run = exact_sr_quadratic(problem, GRID, box, constant, 2)
    assert isinstance(run, ExactSRRun)
    with pytest.raises(dataclasses.FrozenInstanceError):
        run.last = run.averaged


@pytest.mark.parametrize("w0", [[0.0, -0.375], [1.875, 1.125], [0.0, 1.125]], ids=["lo", "hi", "lo and hi"])
def test_e2_accepts_a_start_on_the_box_edges_and_a_single_step(w0):
    problem = Quadratic(H[:2], w_star=W_STAR[:2], noise=UniformNoise(0.57))
    box = Box(LO[:2], HI[:2])
    try:
        run = exact_sr_quadratic(problem, GRID, box, constant, 1, w0=np.array(w0))
    except InputError as error:
        pytest.fail(f"a start on the box's edges, one step, refused: {error}")
    last, averaged = reference_e2(problem, box, constant, 1, w0=np.array(w0))
    assert run.last.shape == run.averaged.shape == (1,)
    np.testing.assert_allclose(run.last, last, rtol=1e-12, atol=0)
    np.testing.assert_allclose(run.averaged, averaged, rtol=1e-12, atol=0)


# --------------------------------------------------------------------------------------------- E1


@contextlib.contextmanager
def deadline(seconds: float):
    """Fail (a check, not a hang) if the block takes longer than ``seconds``: each floor here takes
    well under a second, so a lattice that never stops growing (or shrinks) is a failure."""

    def expire(signum, frame):
        pytest.fail(f"sr_floor_quadratic did not return within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def reference_floor(mu: float, sigma: float, delta: float, w_star: float) -> tuple[float, float]:
    """``E_pi (mu/2) z^2`` and ``E_pi g^2`` of one coordinate on ``delta Z`` (30 digits)."""
    with mpmath.workdps(30):
        mu_, sigma_, delta_ = mpmath.mpf(mu), mpmath.mpf(sigma), mpmath.mpf(delta)

        def positive_part(m):  # E max(X, 0), X ~ N(m, sigma^2)
            return m * mpmath.ncdf(m / sigma_) + sigma_ * mpmath.npdf(m / sigma_)

        centre = round(w_star / delta)
        span = int(40 * (1 + np.sqrt(sigma / (mu * delta))))  # the law's width is ~ sqrt(sigma delta / mu)
        ks = range(centre - span, centre + span + 1)
        z = [k * delta_ - mpmath.mpf(w_star) for k in ks]
        up = [positive_part(-mu_ * x) / delta_ for x in z]
        down = [positive_part(mu_ * x) / delta_ for x in z]
        log_pi = [mpmath.mpf(0)]
        for j in range(1, len(z)):
            log_pi.append(log_pi[-1] + mpmath.log(up[j - 1]) - mpmath.log(down[j]))
        top = max(log_pi)
        pi = [mpmath.exp(x - top) for x in log_pi]
        assert pi[0] < 1e-40 * sum(pi) and pi[-1] < 1e-40 * sum(pi)  # the lattice holds the law
        total = mpmath.fsum(pi)
        gap = mpmath.fsum(p * mu_ / 2 * x**2 for p, x in zip(pi, z, strict=True)) / total
        second = mpmath.fsum(p * (mu_**2 * x**2 + sigma_**2) for p, x in zip(pi, z, strict=True)) / total
        return float(gap), float(second)


@pytest.mark.parametrize(
    ("mu", "sigma", "delta", "w_star"),
    [
        (0.7, 1.3, DELTA, [0.1, 0.47, -0.61]),
        (2.3, 0.013, DELTA, [0.0, 0.19, 0.31]),  # rates underflow within the first lattice: cut there
        (0.021, 0.46, DELTA, [0.3]),  # noise dominates: a wide law
        (2.3, 1e-3, DELTA, [0.19, -0.19]),  # the up rate of the point nearest w* underflows: two points left
        (5.0, 0.2, 0.05, [0.013]),
    ],
    ids=["generic", "narrow noise", "wide law", "two-point law", "fine grid"],
)
def test_e1_floor_matches_detailed_balance_in_30_digits(mu, sigma, delta, w_star):
    """rtol 1e-14: measured at most 9e-16 (the birth-death solve is a product of rate ratios)."""
    with deadline(20):
        floor = sr_floor_quadratic(mu, sigma, delta, np.array(w_star), d=len(w_star))
    gaps, seconds = zip(*(reference_floor(mu, sigma, delta, w) for w in w_star), strict=True)
    G = float(np.sqrt(sum(seconds)))
    assert isinstance(floor, SRFloor) and floor.d == len(w_star)
    assert floor.gap == pytest.approx(sum(gaps), rel=1e-14)
    assert floor.G == pytest.approx(G, rel=1e-14)
    assert floor.c3_floor == pytest.approx(np.sqrt(len(w_star)) * delta * G / 2, rel=1e-14)
    assert floor.ratio == pytest.approx(sum(gaps) / (np.sqrt(len(w_star)) * delta * G / 2), rel=1e-14)
    with pytest.raises(dataclasses.FrozenInstanceError):  # here too: a test that reads .ratio (mutation map)
        floor.gap = 0.0


def test_e1_floor_depends_on_w_star_modulo_delta_and_broadcasts_a_scalar():
    reference = reference_floor(0.7, 1.3, DELTA, 0.1)
    for w_star in (0.1 + 3 * DELTA, 0.1 - 2 * DELTA):
        floor = sr_floor_quadratic(0.7, 1.3, DELTA, w_star, d=2)
        assert floor.gap == pytest.approx(2 * reference[0], rel=1e-14)
        assert floor.G == pytest.approx(np.sqrt(2 * reference[1]), rel=1e-14)
    default = sr_floor_quadratic(0.7, 1.3, DELTA)
    assert default.d == 1 and default.gap == pytest.approx(reference_floor(0.7, 1.3, DELTA, 0.0)[0], rel=1e-14)


@pytest.mark.parametrize("tail_mass", [1e-25, 1e-250], ids=["default", "lowered"])
def test_e1_floor_grows_its_lattice_until_the_tails_hold_less_than_tail_mass(tail_mass, monkeypatch):
    """Each lattice the floor solves on (seen by a spy on its stationary solver) is kept only if both
    of its open ends hold less than ``TAIL_MASS / 2``, and grown otherwise; with ``TAIL_MASS`` lowered
    to 1e-250 the first lattice is too small and is grown (the floor is the same: the law is tiny
    beyond the first one)."""
    monkeypatch.setattr(quadratic_module, "TAIL_MASS", tail_mass)
    solved = []
    original = quadratic_module.stationary

    def spy(generator, method):
        law = original(generator, method=method)
        solved.append((generator.shape[0], max(law.pi[0], law.pi[-1])))
        return law

    monkeypatch.setattr(quadratic_module, "stationary", spy)
    with deadline(20):
        floor = sr_floor_quadratic(0.7, 1.3, DELTA, 0.1)
    assert floor.gap == pytest.approx(reference_floor(0.7, 1.3, DELTA, 0.1)[0], rel=1e-14)
    assert solved[-1][1] < tail_mass / 2
    assert all(end >= tail_mass / 2 for _, end in solved[:-1])
    assert len(solved) == (1 if tail_mass == 1e-25 else 2)
    sizes = [size for size, _ in solved]
    assert sizes == sorted(sizes)


def test_e1_refuses_bad_input_with_exact_messages():
    with pytest.raises(InputError, match=r"^mu must be > 0, got -0.7$"):
        sr_floor_quadratic(-0.7, 1.3, DELTA)
    with pytest.raises(InputError, match=r"^sigma must be > 0, got 0.0$"):
        sr_floor_quadratic(0.7, 0.0, DELTA)
    with pytest.raises(InputError, match=r"^delta must be > 0, got -0.375$"):
        sr_floor_quadratic(0.7, 1.3, -DELTA)
    with pytest.raises(InputError, match=r"^d must be an integer >= 1, got 0$"):
        sr_floor_quadratic(0.7, 1.3, DELTA, d=0)
    with pytest.raises(InputError, match=re.escape("w_star must be a scalar or have shape (2,), got (3,)")):
        sr_floor_quadratic(0.7, 1.3, DELTA, np.zeros(3), d=2)
    floor = sr_floor_quadratic(0.7, 1.3, DELTA)
    with pytest.raises(dataclasses.FrozenInstanceError):
        floor.gap = 0.0
