"""Numerical checks of the Markov-chain claims M1-M6 and E1: exact laws against independent references.

The toy is the tilted double well of :func:`qnets.simulate.scenarios.double_well`
(``F(w) = 0.25 (w^2 - 1)^2 + 0.1 w`` on the grid ``0.25 Z`` inside ``[-2, 2]``): its global
minimum is near -1.05 and a local one near +0.95, 0.2 higher.  "Mass near the minimizer" is the
probability of ``|w - w*| <= RADIUS``.

Every exact law (kernel, generator, stationary law) is compared with something that does not
share its code: Monte Carlo runs of the simulator's SR step, or quadrature of the noise density
(:mod:`qnets.claims.markov_references`, which also states the concentration bound behind every
histogram threshold).  Where a part of a check can only compare the code with itself (e.g. two
stationary laws of the same kernel), its detail says so.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from qnets.claims.markov_references import (
    QUADRATURE_TOLERANCE,
    TAIL,
    covariance_z,
    gaussian_ramps_by_quadrature,
    gaussian_sr_row_by_quadrature,
    histogram_threshold,
    independence_threshold,
    joint_against_marginals,
    one_step_frequencies,
    sr_steps,
)
from qnets.claims.verdict import SEED, Verdict, Z
from qnets.simulate import (
    SGD,
    BinaryConnect,
    Box,
    DiscreteNoise,
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
    relaxation_time,
    spectral_gap,
    stationary,
    total_variation,
    transition_matrix,
)
from qnets.simulate.markov.quadratic import sr_floor_quadratic
from qnets.simulate.markov.summary import near_minimizer, sr_law_against_step
from qnets.simulate.noise import AdditiveNoise
from qnets.simulate.scenarios import DOUBLE_WELL_DELTA, MINIBATCH_OFFSETS, NEAR_RADIUS, double_well, three_wells

RADIUS = NEAR_RADIUS
#: Distances between stationary laws below this are round-off of the solvers (residuals ~1e-16).
SOLVER_PRECISION = 1e-12
#: The bounded noises of M2: uniform, and a zero-mean discrete law with three atoms.
M2_NOISES: dict[str, AdditiveNoise] = {
    "uniform": UniformNoise(2.5),
    "discrete": DiscreteNoise(np.array([-2.0, 0.0, 1.0]), np.array([0.25, 0.25, 0.5])),
}


def mass_near_minimizer(problem, points: np.ndarray, law: np.ndarray) -> float:
    """``P(||w - w*|| <= RADIUS)`` under ``law`` over ``points``."""
    return float(law[near_minimizer(problem, points, RADIUS)].sum())


def one_cell_step(problem, space: StateSpace) -> float:
    """M2's threshold ``a* = delta / sup|g|`` over the states (``sup|g| = sup|F'| + sup|xi|``):
    below it every SR step moves each coordinate by at most one grid point."""
    sup_g = float(np.max(np.abs(problem.grad(space.points())))) + problem.noise.sup_abs
    return space.grid.delta / sup_g


def _histogram_against_stationary(
    problem, space: StateSpace, lr: float, steps: int, chains: int, seed: int, tail: float
):
    """L1 distance of the Monte Carlo histogram at ``steps`` from the exact stationary law, the
    threshold (concentration at ``tail`` plus the exact ``2 TV(p_T, pi)`` of incomplete mixing)."""
    matrix = transition_matrix(problem, space, lr)
    law = stationary(matrix)
    start = np.zeros(space.size)
    w0 = space.box.lo
    start[space.index(w0[None, :])[0]] = 1.0
    at_steps = propagate(start, matrix, steps)
    result = run(problem, StochasticRounding(space.grid), constant(lr), steps, chains, seed, space.box, w0=w0)
    distance = float(np.abs(space.histogram(result.final_weights["w"]) - law.pi).sum())
    threshold = histogram_threshold(at_steps, chains, tail) + 2 * total_variation(at_steps, law.pi)
    return distance, threshold, law.residual


def check_m1(quick: bool = True, seed: int = SEED) -> Verdict:
    """M1: SR histograms after long runs match the exact stationary law (1-D double well and
    the 2-D three-well toy), within :func:`histogram_threshold` at tail ``TAIL/2`` (two
    comparisons) plus the exact allowance for incomplete mixing.  Simulator against kernel:
    independent, except that the mixing allowance is computed with the kernel."""
    chains = 20_000 if quick else 100_000
    one_d, one_d_space = double_well()
    two_d, two_d_space = three_wells()
    results = [
        _histogram_against_stationary(one_d, one_d_space, 0.1, 5000, chains, seed, TAIL / 2),
        _histogram_against_stationary(two_d, two_d_space, 0.2, 3000, chains, seed, TAIL / 2),
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
        f"2-D ({two_d_space.size} states) {results[1][0]:.3g} <= {results[1][1]:.3g}; solver residuals "
        f"{results[0][2]:.1e}, {results[1][2]:.1e}",
        {"chains": chains, "lr": [0.1, 0.2]},
    )


def check_m2(quick: bool = True, seed: int = SEED) -> Verdict:
    """M2: with bounded noise (uniform and discrete), below ``a* = Delta / sup|g|`` the stationary
    laws at a*, a*/2, a*/10 agree to solver precision and the spectral gap is linear in a; above
    a* (at 3a*) they differ.

    Those exact parts compare the kernel with itself.  The independent part: from every state the
    simulator takes ``draws`` SR steps at a* and at 3a*, and the summed L1 distance of the
    empirical rows from the kernel's rows must stay below :func:`histogram_threshold` at tail
    ``TAIL/4`` (Bonferroni over two noises and two steps)."""
    draws = 20_000 if quick else 100_000
    rng = np.random.default_rng(seed)
    exact, sampled = [], []
    for name, noise in M2_NOISES.items():
        problem, space = double_well(noise, half_width=1.5)
        a_star = one_cell_step(problem, space)
        rates = a_star * np.array([1.0, 0.5, 0.1])
        matrices = [transition_matrix(problem, space, a) for a in rates]
        laws = [stationary(m).pi for m in matrices]
        below = max(total_variation(laws[0], law) for law in laws[1:])
        gaps_per_a = np.array([spectral_gap(m) for m in matrices]) / rates
        gap_spread = float(np.ptp(gaps_per_a) / gaps_per_a.mean())
        above_matrix = transition_matrix(problem, space, 3 * a_star)
        above = total_variation(stationary(above_matrix).pi, laws[0])
        exact.append((name, a_star, below, gap_spread, above))
        for multiple, matrix in ((1, matrices[0]), (3, above_matrix)):
            frequencies = one_step_frequencies(problem, space, multiple * a_star, draws, rng)
            distance = float(np.abs(frequencies - matrix).sum())
            sampled.append((f"{name} {multiple}a*", distance, histogram_threshold(matrix, draws, TAIL / 4)))
    exact_holds = all(b <= SOLVER_PRECISION and s <= 1e-9 and ab >= 1e-6 for _, _, b, s, ab in exact)
    _, distance, threshold = max(sampled, key=lambda item: item[1] / item[2])
    return Verdict(
        "M2",
        exact_holds and all(d <= t for _, d, t in sampled),
        distance,
        threshold,
        0.0,
        "kernel vs Monte Carlo one-step frequencies from every state (sum of row L1 <= threshold): "
        + ", ".join(f"{label} {d:.3g} <= {t:.3g}" for label, d, t in sampled)
        + "; exact (kernel against itself): "
        + "; ".join(
            f"{name} a* = {a:.4g}: TV(pi_a*, pi_a) <= {b:.1e} for a*/2, a*/10, spread of gap/a {s:.1e}, "
            f"TV at 3a* {ab:.3g} (differs)"
            for name, a, b, s, ab in exact
        ),
        {"delta": DOUBLE_WELL_DELTA, "draws": draws, "noises": {k: repr(v) for k, v in M2_NOISES.items()}},
    )


def _quadrature_errors(problem, space: StateSpace, rates: list[float]) -> tuple[float, float]:
    """Largest relative error of the generator's rates and largest absolute error of the kernels'
    entries at ``rates``, against quadrature of the Gaussian noise density (1-D)."""
    sigma, delta = problem.noise.sigma, space.grid.delta
    (points,) = space.axes
    grads = problem.grad(space.points())[:, 0]
    ramps = np.array([gaussian_ramps_by_quadrature(g, sigma) for g in grads]) / delta
    rate_matrix = generator(problem, space).toarray()
    up, down = np.diag(rate_matrix, 1), np.diag(rate_matrix, -1)
    rate_error = float(max(np.max(np.abs(up / ramps[:-1, 0] - 1)), np.max(np.abs(down / ramps[1:, 1] - 1))))
    kernel_error = 0.0
    for a in rates:
        rows = np.array(
            [gaussian_sr_row_by_quadrature(x - a * g, a * sigma, points) for x, g in zip(points, grads, strict=True)]
        )
        kernel_error = max(kernel_error, float(np.abs(transition_matrix(problem, space, a) - rows).max()))
    return rate_error, kernel_error


def check_m3(quick: bool = True, seed: int = SEED) -> Verdict:
    """M3: with Gaussian noise ``T_a = I + a A + o(a)``, TV(pi_a, pi_0) falls to 0 as a -> 0
    (monotonely, down to solver precision), and pi_0's mass near the global minimizer stays below 0.95.

    Independent references: the generator's rates ``E[(-g)^+]/Delta``, ``E[g^+]/Delta`` and every
    kernel entry at every ``a`` are recomputed by quadrature of the normal density
    (:mod:`qnets.claims.markov_references`) and must agree within ``QUADRATURE_TOLERANCE``.  Given
    that, ``max|(T_a - I)/a - A|`` falling to round-off checks ``T_a = I + a A + o(a)``."""
    problem, space = double_well()
    rates = [0.2, 0.1, 0.05, 0.02] if quick else [0.2, 0.1, 0.05, 0.02, 0.01, 0.005]
    *steps, small_step = sr_law_against_step(problem, space, rates, RADIUS)
    distances = [row.tv_from_small_step_law for row in steps]
    mass = small_step.mass_near_minimizer
    rate_matrix = generator(problem, space).toarray()
    identity = np.eye(space.size)
    quotients = [
        float(np.abs((transition_matrix(problem, space, a) - identity) / a - rate_matrix).max()) for a in rates
    ]
    rate_error, kernel_error = _quadrature_errors(problem, space, rates)

    def falls(values: list[float]) -> bool:  # decreasing, until round-off (of order 1e-15 / a)
        return all(y <= max(x, SOLVER_PRECISION) for x, y in itertools.pairwise(values)) and values[-1] <= 1e-6

    references = rate_error <= QUADRATURE_TOLERANCE and kernel_error <= QUADRATURE_TOLERANCE
    holds = references and falls(distances) and falls(quotients) and mass <= 0.95
    return Verdict(
        "M3",
        holds,
        mass,
        0.95,
        0.0,
        f"against quadrature of the noise density: generator rates rel. error {rate_error:.1e}, kernel entries "
        f"abs. error {kernel_error:.1e} (<= {QUADRATURE_TOLERANCE:g}); for a = {rates}: "
        f"max|(T_a - I)/a - A| {', '.join(f'{x:.2g}' for x in quotients)}, "
        f"TV(pi_a, pi_0) {', '.join(f'{x:.2g}' for x in distances)}; pi_0 mass within {RADIUS} of w*: {mass:.4f}",
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
    from the generator with the exact minibatch-gradient law.

    Independent part, at the smallest and the largest batch: the noise is bounded, so for
    ``a <= a*`` claim M2 makes the generator's law ``pi_0`` exactly stationary for ``T_a`` (no
    O(a) allowance is needed, and adding the computed ``TV(pi_a, pi_0)`` would hide a wrong
    generator).  Chains are drawn from ``pi_0`` and run by the simulator for four relaxation
    times at ``a = 0.05``; if ``pi_0`` is the chain's law their histogram is an i.i.d. sample of
    it, so ``||histogram - pi_0||_1`` must stay below :func:`histogram_threshold` (tail ``TAIL/2``);
    a wrong ``pi_0`` relaxes away from itself."""
    batches = (1, 2, 4, 8) if quick else (1, 2, 4, 8, 16)
    chains = 4000 if quick else 20_000
    lr = 0.05
    rng = np.random.default_rng(seed)
    masses, sampled = [], []
    for batch in batches:
        problem, space = double_well(MinibatchNoise(MINIBATCH_OFFSETS, batch), half_width=1.5)
        rate_matrix = generator(problem, space)
        law = stationary(rate_matrix).pi
        masses.append(mass_near_minimizer(problem, space.points(), law))
        if batch in (batches[0], batches[-1]):
            steps = math.ceil(4 * relaxation_time(rate_matrix) / lr)
            W = space.points()[rng.choice(space.size, chains, p=law)]
            sr_steps(problem, space, lr, W, steps, rng)
            distance = float(np.abs(space.histogram(W) - law).sum())
            sampled.append(
                (batch, one_cell_step(problem, space), steps, distance, histogram_threshold(law, chains, TAIL / 2))
            )
    increasing = all(y > x for x, y in itertools.pairwise(masses))
    below_a_star = all(lr <= a_star for _, a_star, _, _, _ in sampled)
    agrees = all(d <= t for *_, d, t in sampled)
    *_, distance, threshold = max(sampled, key=lambda item: item[3] / item[4])
    return Verdict(
        "M5",
        bool(increasing and below_a_star and agrees),
        distance,
        threshold,
        0.0,
        f"SR pi_0 mass within {RADIUS} of w* for B = {batches}: {', '.join(f'{m:.3f}' for m in masses)}; "
        f"Monte Carlo from pi_0 (a = {lr}) against the generator's law: "
        + ", ".join(
            f"B = {b} (a* = {s:.3g}, {n} steps) ||hist - pi_0||_1 {d:.3g} <= {t:.3g}" for b, s, n, d, t in sampled
        ),
        {"batches": list(batches), "offsets": MINIBATCH_OFFSETS.tolist(), "chains": chains, "lr": lr},
    )


def check_m6(quick: bool = True, seed: int = SEED) -> Verdict:
    """M6: on a separable quadratic with independent noise per coordinate SR's law is a product,
    so the mass at w* is ``p1^d``.

    Independent parts, on Monte Carlo runs from ``w*`` for d = 1, 2, 3: (i) for d = 2, 3 and every
    pair of coordinates, the joint empirical law against the product of its empirical marginals
    (:func:`independence_threshold`, tail ``TAIL/4``) and the sample covariance (``Z`` stderr);
    neither uses an exact law, and both hold at every ``t`` under independence since the start is
    a product; (ii) ``P(w = w*)`` against ``p1_t^d`` with
    ``p1_t`` the exact 1-D law at the same step count (``Z`` stderr).  The exact 2-D stationary law
    against the product of 1-D laws compares the kernel with itself (it is assembled as a product)."""
    sigma, delta, lr, steps = 1.0, 0.25, 0.05, 400
    grid = Grid(delta)
    one = Quadratic.isotropic(1, 1.0, sigma)
    one_space = StateSpace(Box.around(one.w_star, 2.0, grid), grid)
    two = Quadratic.isotropic(2, 1.0, sigma)
    two_space = StateSpace(Box.around(two.w_star, 2.0, grid), grid)
    one_matrix = transition_matrix(one, one_space, lr)
    p1_law = stationary(one_matrix).pi
    product_error = total_variation(
        stationary(transition_matrix(two, two_space, lr)).pi, np.outer(p1_law, p1_law).ravel()
    )
    centre = one_space.index(one.w_star[None, :])[0]
    p1_t = float(propagate(np.eye(one_space.size)[centre], one_matrix, steps)[centre])
    chains = 4000 if quick else 20_000
    deviations, dependence = [], []
    size = one_space.size
    for d in (1, 2, 3):
        problem = Quadratic.isotropic(d, 1.0, sigma)
        box = Box.around(problem.w_star, 2.0, grid)
        result = run(problem, StochasticRounding(grid), constant(lr), steps, chains, seed, box, w0=problem.w_star)
        W = result.final_weights["w"]
        estimate = Estimate.from_samples(np.all(W == problem.w_star, axis=1).astype(float))
        deviations.append(abs(estimate.mean - p1_t**d) / max(estimate.stderr, 1e-300))
        states = np.stack([one_space.index(W[:, [k]]) for k in range(d)])
        for i, j in itertools.combinations(range(d), 2):
            distance = joint_against_marginals(states[i], states[j], (size, size))
            threshold = independence_threshold((size, size), chains, TAIL / 4)
            dependence.append((d, i, j, distance, threshold, covariance_z(W[:, i], W[:, j])))
    independent = all(dist <= t and z <= Z for *_, dist, t, z in dependence)
    holds = independent and max(deviations) <= Z and product_error <= 1e-10
    *_, distance, threshold, _ = max(dependence, key=lambda item: item[3] / item[4])
    return Verdict(
        "M6",
        bool(holds),
        distance,
        threshold,
        0.0,
        "coordinate pairs (Monte Carlo): joint law vs product of empirical marginals, and covariance in stderr: "
        + ", ".join(f"d = {d} ({i},{j}) {x:.3g} <= {t:.3g}, z {z:.2f} <= {Z:g}" for d, i, j, x, t, z in dependence)
        + f"; P(w = w*) vs exact p1_t^d with p1_t = {p1_t:.4f} (t = {steps}; stationary {p1_law[centre]:.4f}): "
        f"d = 1, 2, 3 within {max(deviations):.2f} stderr (<= {Z:g}); "
        f"exact 2-D law vs product of 1-D laws (kernel against itself): TV {product_error:.1e}",
        {"sigma": sigma, "delta": delta, "lr": lr, "steps": steps, "chains": chains},
    )


def check_e1(quick: bool = True, seed: int = SEED) -> Verdict:
    """E1: the exact small-step SR floor of a quadratic (d = 4) matches a long small-step Monte
    Carlo run within Z standard errors, and its ratio to C3's floor is reported.

    Independent: the floor comes from the generator's closed-form rates, the run from the
    simulator.  No allowance is added for the run's step ``a = 0.01``: with ``Delta = 0.1``,
    ``T_a = I + a A`` except when ``|a g| > Delta``, i.e. ``|xi| > 7`` inside the box of radius 3
    (probability ~3e-12 per step); 3000 steps are 30 relaxation times from ``w*``."""
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
