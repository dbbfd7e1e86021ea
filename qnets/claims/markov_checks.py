"""Numerical checks of the Markov-chain claims M1-M6 and E1: exact laws against Monte Carlo.

The toy is the tilted double well of :func:`qnets.simulate.scenarios.double_well`
(``F(w) = 0.25 (w^2 - 1)^2 + 0.1 w`` on the grid ``0.25 Z`` inside ``[-2, 2]``): its global
minimum is near -1.05 and a local one near +0.95, 0.2 higher.  "Mass near the minimizer" is the probability of
``|w - w*| <= RADIUS``.

Histogram checks use the concentration bound for the empirical law ``p_hat`` of ``n``
independent draws from ``p`` over ``K`` states: ``E||p_hat - p||_1 <= sum_k sqrt(p_k(1-p_k)/n)``
(Jensen) and, by McDiarmid (one draw moves ``||.||_1`` by at most ``2/n``),
``P(||p_hat - p||_1 >= E + eps) <= exp(-n eps^2/2)``; ``eps`` is set for the tail probability
of a two-sided ``Z = 5`` normal test.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from qnets.claims.verdict import SEED, Verdict, Z
from qnets.simulate import (
    SGD,
    BinaryConnect,
    Box,
    Grid,
    MinibatchNoise,
    Quadratic,
    StochasticRounding,
    UniformNoise,
    annealed,
    constant,
    run,
)
from qnets.simulate.estimate import Estimate
from qnets.simulate.markov import (
    StateSpace,
    generator,
    propagate,
    spectral_gap,
    stationary,
    total_variation,
    transition_matrix,
)
from qnets.simulate.markov.quadratic import sr_floor_quadratic
from qnets.simulate.markov.summary import near_minimizer, sr_law_against_step
from qnets.simulate.scenarios import MINIBATCH_OFFSETS, NEAR_RADIUS, double_well, three_wells

RADIUS = NEAR_RADIUS
#: Distances between stationary laws below this are round-off of the solvers (residuals ~1e-16).
SOLVER_PRECISION = 1e-12
#: Tail probability of a two-sided Z = 5 normal test.
TAIL = math.erfc(Z / math.sqrt(2))


def mass_near_minimizer(problem, points: np.ndarray, law: np.ndarray) -> float:
    """``P(||w - w*|| <= RADIUS)`` under ``law`` over ``points``."""
    return float(law[near_minimizer(problem, points, RADIUS)].sum())


def histogram_threshold(law: np.ndarray, n: int) -> float:
    """``sum_k sqrt(p_k(1-p_k)/n) + sqrt(2 log(1/TAIL)/n)`` (module docstring)."""
    return float(np.sum(np.sqrt(law * (1 - law) / n)) + math.sqrt(2 * math.log(1 / TAIL) / n))


def _histogram_against_stationary(problem, space: StateSpace, lr: float, steps: int, chains: int, seed: int):
    """L1 distance of the Monte Carlo histogram at ``steps`` from the exact stationary law, the
    threshold (concentration plus the exact ``2 TV(p_T, pi)`` of incomplete mixing)."""
    matrix = transition_matrix(problem, space, lr)
    law = stationary(matrix)
    start = np.zeros(space.size)
    w0 = space.box.lo
    start[space.index(w0[None, :])[0]] = 1.0
    at_steps = propagate(start, matrix, steps)
    result = run(problem, StochasticRounding(space.grid), constant(lr), steps, chains, seed, space.box, w0=w0)
    distance = float(np.abs(space.histogram(result.final_weights["w"]) - law.pi).sum())
    threshold = histogram_threshold(at_steps, chains) + 2 * total_variation(at_steps, law.pi)
    return distance, threshold, law.residual


def check_m1(quick: bool = True, seed: int = SEED) -> Verdict:
    """M1: SR histograms after long runs match the exact stationary law (1-D double well and
    the 2-D three-well toy), within the concentration threshold of the module docstring."""
    chains = 20_000 if quick else 100_000
    one_d = double_well()
    two_d = three_wells()
    results = [
        _histogram_against_stationary(*one_d, lr=0.1, steps=5000, chains=chains, seed=seed),
        _histogram_against_stationary(*two_d, lr=0.2, steps=3000, chains=chains, seed=seed),
    ]
    ratios = [distance / threshold for distance, threshold, _ in results]
    worst = int(np.argmax(ratios))
    distance, threshold, _ = results[worst]
    return Verdict(
        "M1",
        all(r <= 1 for r in ratios),
        distance,
        threshold,
        0.0,
        f"||histogram - pi||_1 against the concentration threshold: 1-D {results[0][0]:.3g} <= {results[0][1]:.3g}, "
        f"2-D ({two_d[1].size} states) {results[1][0]:.3g} <= {results[1][1]:.3g}; solver residuals "
        f"{results[0][2]:.1e}, {results[1][2]:.1e}",
        {"chains": chains, "lr": [0.1, 0.2]},
    )


def check_m2(quick: bool = True, seed: int = SEED) -> Verdict:
    """M2: with uniform noise, below ``a* = Delta / sup|g|`` the stationary laws at a*, a*/2, a*/10
    agree to solver precision and the spectral gap is linear in a; above a* they differ."""
    problem, space = double_well(UniformNoise(2.5), half_width=1.5)
    states = space.points()
    sup_g = float(np.max(np.abs(problem.grad(states)))) + problem.noise.sup_abs
    threshold = space.grid.delta / sup_g
    rates = threshold * np.array([1.0, 0.5, 0.1])
    matrices = [transition_matrix(problem, space, a) for a in rates]
    laws = [stationary(m).pi for m in matrices]
    below = max(total_variation(laws[0], law) for law in laws[1:])
    gaps_per_a = np.array([spectral_gap(m) for m in matrices]) / rates
    gap_spread = float(np.ptp(gaps_per_a) / gaps_per_a.mean())
    above = total_variation(stationary(transition_matrix(problem, space, 3 * threshold)).pi, laws[0])
    holds = below <= SOLVER_PRECISION and gap_spread <= 1e-9 and above >= 1e-6
    return Verdict(
        "M2",
        holds,
        below,
        SOLVER_PRECISION,
        0.0,
        f"a* = {threshold:.4g}: TV(pi_a*, pi_a) <= {below:.1e} for a = a*/2, a*/10; spread of gap/a "
        f"{gap_spread:.1e}; at 3a*: TV = {above:.3g} (differs)",
        {"delta": space.grid.delta, "noise_half_width": 2.5, "sup_g": sup_g},
        seed=None,
    )


def check_m3(quick: bool = True, seed: int = SEED) -> Verdict:
    """M3: with Gaussian noise TV(pi_a, pi_0) falls to 0 as a -> 0 (monotonely, down to solver
    precision), and pi_0's mass near the global minimizer stays below 0.95."""
    problem, space = double_well()
    rates = [0.2, 0.1, 0.05, 0.02] if quick else [0.2, 0.1, 0.05, 0.02, 0.01, 0.005]
    *steps, small_step = sr_law_against_step(problem, space, rates, RADIUS)
    distances = [row.tv_from_small_step_law for row in steps]
    mass = small_step.mass_near_minimizer
    # decreasing, until the distance reaches solver precision (round-off of order 1e-15)
    decreasing = all(y <= max(x, SOLVER_PRECISION) for x, y in itertools.pairwise(distances))
    holds = decreasing and distances[-1] <= 1e-6 and mass <= 0.95
    return Verdict(
        "M3",
        holds,
        mass,
        0.95,
        0.0,
        f"TV(pi_a, pi_0) for a = {rates}: {', '.join(f'{x:.2g}' for x in distances)}; "
        f"pi_0 mass within {RADIUS} of w*: {mass:.4f}",
        {"rates": rates},
        seed=None,
    )


def _mass_estimate(problem, weights: np.ndarray) -> Estimate:
    return Estimate.from_samples(near_minimizer(problem, weights, RADIUS).astype(float))


def check_m4(quick: bool = True, seed: int = SEED) -> Verdict:
    """M4: annealed SGD and BC concentrate near the global minimizer as a shrinks; SR does not.

    SGD and BC (real weights) are annealed geometrically from a = 0.5 to the target a and held
    there; their mass near ``w*`` is estimated by Monte Carlo.  SR's is its exact stationary
    law at the same a.  Holds when SGD's and BC's mass rises from a = 0.2 to a = 0.05 (z = 5),
    and at a = 0.05 exceeds SR's exact mass (z = 5) while SR's stays at its a -> 0 level."""
    problem, space = double_well()
    chains, anneal, hold = (1000, 10_000, 5000) if quick else (5000, 40_000, 20_000)
    rates = (0.2, 0.05)
    masses: dict[str, list[Estimate]] = {"sgd": [], "bc": []}
    for a in rates:
        schedule = annealed(0.5, a, anneal)
        sgd = run(problem, SGD(), schedule, anneal + hold, chains, seed, space.box)
        bc = run(problem, BinaryConnect(space.grid), schedule, anneal + hold, chains, seed, space.box)
        masses["sgd"].append(_mass_estimate(problem, sgd.final_weights["w"]))
        masses["bc"].append(_mass_estimate(problem, bc.final_weights["real"]))
    *steps, small_step = sr_law_against_step(problem, space, list(rates), RADIUS)
    sr = [row.mass_near_minimizer for row in steps]
    sr_limit = small_step.mass_near_minimizer
    rises = all(m[1].lower(Z) > m[0].upper(Z) for m in masses.values())
    beats_sr = all(m[1].lower(Z) > sr[1] for m in masses.values())
    sr_flat = abs(sr[1] - sr_limit) <= 1e-3
    detail = (
        f"mass within {RADIUS} of w* at a = {rates}: SGD {masses['sgd'][0].mean:.3f} -> {masses['sgd'][1].mean:.3f}, "
        f"BC {masses['bc'][0].mean:.3f} -> {masses['bc'][1].mean:.3f} (Monte Carlo, annealed); "
        f"SR exact {sr[0]:.3f} -> {sr[1]:.3f} (a -> 0: {sr_limit:.3f})"
    )
    return Verdict(
        "M4",
        bool(rises and beats_sr and sr_flat),
        sr[1],
        min(m[1].lower(Z) for m in masses.values()),
        0.0,
        detail,
        {"chains": chains, "anneal_steps": anneal, "hold_steps": hold, "rates": list(rates)},
    )


def check_m5(quick: bool = True, seed: int = SEED) -> Verdict:
    """M5: SR's exact small-step mass near the minimizer increases with the batch size, computed
    with the exact minibatch-gradient law; a Monte Carlo run at B = 4 matches the exact law."""
    batches = (1, 2, 4, 8) if quick else (1, 2, 4, 8, 16)
    masses = []
    for batch in batches:
        problem, space = double_well(MinibatchNoise(MINIBATCH_OFFSETS, batch), half_width=1.5)
        masses.append(mass_near_minimizer(problem, space.points(), stationary(generator(problem, space)).pi))
    increasing = all(y > x for x, y in itertools.pairwise(masses))
    problem, space = double_well(MinibatchNoise(MINIBATCH_OFFSETS, 4), half_width=1.5)
    lr, steps, chains = 0.05, 4000, 4000
    exact = mass_near_minimizer(problem, space.points(), stationary(transition_matrix(problem, space, lr)).pi)
    result = run(problem, StochasticRounding(space.grid), constant(lr), steps, chains, seed, space.box, w0=space.box.lo)
    estimate = _mass_estimate(problem, result.final_weights["w"])
    agrees = abs(estimate.mean - exact) <= Z * estimate.stderr
    return Verdict(
        "M5",
        bool(increasing and agrees),
        masses[-1],
        masses[0],
        0.0,
        f"SR pi_0 mass within {RADIUS} of w* for B = {batches}: {', '.join(f'{m:.3f}' for m in masses)}; "
        f"Monte Carlo at B = 4, a = {lr}: {estimate.mean:.3f} +- {Z:g}x{estimate.stderr:.2g} vs exact {exact:.3f}",
        {"batches": list(batches), "offsets": MINIBATCH_OFFSETS.tolist()},
    )


def check_m6(quick: bool = True, seed: int = SEED) -> Verdict:
    """M6: on a separable quadratic SR's law is a product: the exact 2-D stationary law equals the
    product of 1-D laws, so the mass at w* is p1^d; Monte Carlo for d = 1, 2, 3 agrees."""
    sigma, delta, lr = 1.0, 0.25, 0.05
    grid = Grid(delta)
    one = Quadratic.isotropic(1, 1.0, sigma)
    one_space = StateSpace(Box.around(one.w_star, 2.0, grid), grid)
    two = Quadratic.isotropic(2, 1.0, sigma)
    two_space = StateSpace(Box.around(two.w_star, 2.0, grid), grid)
    p1_law = stationary(transition_matrix(one, one_space, lr)).pi
    product = np.outer(p1_law, p1_law).ravel()
    product_error = total_variation(stationary(transition_matrix(two, two_space, lr)).pi, product)
    p1 = float(p1_law[one_space.index(one.w_star[None, :])[0]])
    chains = 4000 if quick else 20_000
    deviations = []
    for d in (1, 2, 3):
        problem = Quadratic.isotropic(d, 1.0, sigma)
        box = Box.around(problem.w_star, 2.0, grid)
        result = run(problem, StochasticRounding(grid), constant(lr), 3000, chains, seed, box, w0=problem.w_star)
        at_minimizer = np.all(result.final_weights["w"] == problem.w_star, axis=1).astype(float)
        estimate = Estimate.from_samples(at_minimizer)
        deviations.append(abs(estimate.mean - p1**d) / max(estimate.stderr, 1e-300))
    holds = product_error <= 1e-10 and max(deviations) <= Z
    return Verdict(
        "M6",
        bool(holds),
        p1**3,
        p1,
        0.0,
        f"P(w = w*) = p1^d with p1 = {p1:.4f} (d = 3: {p1**3:.4f}); exact 2-D law vs product: TV {product_error:.1e}; "
        f"Monte Carlo d = 1, 2, 3 within {max(deviations):.2f} stderr (<= {Z:g})",
        {"sigma": sigma, "delta": delta, "lr": lr, "chains": chains},
    )


def check_e1(quick: bool = True, seed: int = SEED) -> Verdict:
    """E1: the exact small-step SR floor of a quadratic (d = 4) matches a long small-step Monte
    Carlo run within Z standard errors, and its ratio to C3's floor is reported."""
    mu, sigma, delta, d = 1.0, 1.0, 0.1, 4
    floor = sr_floor_quadratic(mu, sigma, delta, 0.0, d)
    problem = Quadratic.isotropic(d, mu, sigma)
    grid = Grid(delta)
    box = Box.around(problem.w_star, 3.0, grid)
    chains = 4000 if quick else 20_000
    result = run(problem, StochasticRounding(grid), constant(0.01), 3000, chains, seed, box, w0=problem.w_star)
    estimate = result.final("w.gap")
    return Verdict(
        "E1",
        abs(estimate.mean - floor.gap) <= Z * estimate.stderr,
        estimate.mean,
        floor.gap,
        Z * estimate.stderr,
        f"Monte Carlo E[F - F*] at a = 0.01 vs exact small-step floor {floor.gap:.5g}; "
        f"exact floor / C3 floor (G = sqrt(E_pi ||g||^2)) = {floor.ratio:.4f} (1/sqrt(2 pi) = 0.3989)",
        {"mu": mu, "sigma": sigma, "delta": delta, "d": d, "chains": chains},
    )
