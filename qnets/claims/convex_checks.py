"""Numerical checks of the convex claims C1-C9 and the extensions E2-E5.

Each check returns a :class:`~qnets.claims.verdict.Verdict`: a Monte Carlo estimate with its
``Z``-standard-error margin, or an exact number, against the derived bound.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize

from qnets.claims.verdict import SEED, Verdict, Z
from qnets.simulate import (
    SGD,
    BinaryConnect,
    Box,
    GaussianNoise,
    Grid,
    Logistic,
    Quadratic,
    Rounding,
    StochasticRounding,
    UniformNoise,
    constant,
    inverse_sqrt,
    inverse_time,
    run,
)
from qnets.simulate.bc_limit import bc_limit_point
from qnets.simulate.best_point import best_quantized_point
from qnets.simulate.markov.quadratic import exact_sr_quadratic, sr_floor_quadratic
from qnets.simulate.reference import constrained_minimum
from qnets.simulate.scenarios import quadratic_setup
from qnets.theory.convex import all_bounds, scaling_consistent


def _monte_carlo_upper(result, key: str) -> tuple[float, float]:
    estimate = result.final(key)
    return estimate.mean, Z * estimate.stderr


def _against_bound(
    claim_id: str, problem, method, schedule, steps: int, chains: int, box: Box, key: str, seed: int
) -> Verdict:
    """Simulate, then compare ``mean + Z stderr`` of ``key`` at ``T = steps`` with the claim's
    derived bound, evaluated at the problem's, grid's and schedule's own constants."""
    bound = all_bounds()[claim_id]
    constants = {
        "G": problem.G(box),
        "D": problem.D(box),
        "mu": problem.mu,
        "L": problem.L,
        "L2": problem.L2,
        "d": problem.d,
        "Delta": method.grid.delta,
        "c": getattr(schedule, "c", None),
    }
    values = {symbol.name: constants[symbol.name] for symbol in bound.expr.free_symbols if symbol.name != "T"}
    result = run(problem, method, schedule, steps, chains, seed, box)
    mean, margin = _monte_carlo_upper(result, key)
    limit = bound.evaluate(T=steps, **values)
    params = {
        "problem": type(problem).__name__,
        "steps": steps,
        "chains": chains,
        "method": method.name,
        "schedule": schedule.name,
        **values,
    }
    return Verdict(
        claim_id,
        mean + margin <= limit,
        mean,
        limit,
        margin,
        f"{key}: mean + {Z:g} stderr <= derived bound at T={steps}",
        params,
    )


def check_c1(quick: bool = True, seed: int = SEED) -> Verdict:
    """C1: sample mean and variance of Q_s(x) at the worst case p = 1/2, z = 5 margins."""
    delta, x, n = 0.1, 0.05, 200_000 if quick else 2_000_000
    draws = Grid(delta).stochastic(np.full(n, x), np.random.default_rng(seed))
    variance = float(np.mean((draws - x) ** 2))
    exact = delta**2 / 4  # p = 1/2: (Q - x)^2 = Delta^2/4 always, so the variance test is exact
    mean_ok = abs(draws.mean() - x) <= Z * np.sqrt(exact / n)
    return Verdict(
        "C1",
        bool(mean_ok and np.isclose(variance, exact, rtol=1e-12)),
        variance,
        exact,
        0.0,
        "E Q_s(x) = x within z = 5; Var at p = 1/2 equals Delta^2/4",
        {"delta": delta, "x": x, "n": n},
    )


def check_c2(quick: bool = True, seed: int = SEED) -> Verdict:
    """C2: exact rounding variance against sqrt(d) Delta a ||g|| on random (w, g, a, Delta, d)."""
    rng = np.random.default_rng(seed)
    worst = 0.0
    for _ in range(200 if quick else 5000):
        d = int(rng.integers(1, 200))
        delta, a = 10 ** rng.uniform(-3, 0), 10 ** rng.uniform(-3, 0)
        w = delta * rng.integers(-100, 100, size=d)
        g = rng.standard_normal(d) * 10 ** rng.uniform(-2, 2)
        p = Grid(delta).round_up_probability(w - a * g)
        exact = float(np.sum(delta**2 * p * (1 - p)))
        bound = np.sqrt(d) * delta * a * np.linalg.norm(g)
        worst = max(worst, exact / bound)
    return Verdict(
        "C2",
        worst <= 1.0,
        worst,
        1.0,
        0.0,
        "max over draws of exact E||r||^2 / (sqrt(d) Delta a ||g||)",
        {"draws": 200 if quick else 5000},
        seed=seed,
    )


def _sweep(quick: bool) -> list[tuple[str, Quadratic, Grid]]:
    """C3/C4 sweep: d in {1, 10, 100}, isotropic and ill-conditioned (kappa = 100; rotated at
    d = 10, diagonal at d = 100), several Delta and sigma (more of them with ``quick=False``)."""
    cases = []
    for delta in (0.01,) if quick else (0.01, 0.1):
        for sigma in (1.0,) if quick else (0.5, 2.0):
            for d in (1, 10, 100):
                cases.append((f"isotropic d={d} Delta={delta} sigma={sigma}", Quadratic.isotropic(d, 1.0, sigma)))
            cases.append(
                (
                    f"rotated kappa=100 d=10 Delta={delta} sigma={sigma}",
                    Quadratic.ill_conditioned(10, 1.0, 100.0, sigma, rotation_seed=1),
                )
            )
            cases.append(
                (
                    f"diagonal kappa=100 d=100 Delta={delta} sigma={sigma}",
                    Quadratic.ill_conditioned(100, 1.0, 100.0, sigma),
                )
            )
            cases[-5:] = [(label, problem, Grid(delta)) for label, problem in cases[-5:]]
    return cases


def _worst(claim_id: str, verdicts: list[tuple[str, Verdict]]) -> Verdict:
    """All cases must hold; the verdict reports the case with the largest measured/bound."""
    label, worst = max(verdicts, key=lambda item: item[1].ratio)
    failing = [name for name, v in verdicts if not v.holds]
    detail = f"{len(verdicts) - len(failing)}/{len(verdicts)} cases hold; worst ratio: {label}; {worst.detail}"
    if failing:
        detail += f"; failing: {', '.join(failing)}"
    return Verdict(claim_id, not failing, worst.measured, worst.bound, worst.margin, detail, worst.params)


def _sr_sweep(claim_id: str, schedule_for, quick: bool, seed: int) -> Verdict:
    steps, chains = (2000, 200) if quick else (20_000, 1000)
    verdicts = []
    for label, problem, grid in _sweep(quick):
        box = Box.around(problem.w_star, 1.0, grid)
        method = StochasticRounding(grid)
        verdict = _against_bound(
            claim_id, problem, method, schedule_for(problem), steps, chains, box, "w.avg_gap", seed
        )
        verdicts.append((label, verdict))
    return _worst(claim_id, verdicts)


def _sr_floor_is_real(quick: bool, seed: int) -> tuple[bool, str]:
    """SR's error stops decreasing: E2's exact E[F(w_t)] - F* (a_t = 1/(mu(t+1))) settles on
    E1's exact small-step floor, a Monte Carlo run agrees with E2 within Z standard errors,
    and the averaged iterate's exact error levels off at a positive extrapolated limit."""
    problem, grid = Quadratic.isotropic(10, 1.0, 1.0), Grid(0.05)
    box = Box.around(problem.w_star, 1.0, grid)
    horizon = 2000 if quick else 8000
    exact = exact_sr_quadratic(problem, grid, box, inverse_time(1.0), horizon)
    floor = sr_floor_quadratic(1.0, 1.0, grid.delta, 0.0, problem.d).gap
    middle, end = horizon // 2, horizon
    last_settled = floor <= exact.last[end - 1] <= exact.last[middle - 1] <= floor * 1.01
    # Richardson extrapolation under a c/T tail: the averaged error's limit is about 2 a(T) - a(T/2).
    averaged_limit = 2 * exact.averaged[end - 1] - exact.averaged[middle - 1]
    averaged_settled = exact.averaged[end - 1] <= exact.averaged[middle - 1] and averaged_limit > 0
    result = run(problem, StochasticRounding(grid), inverse_time(1.0), end, 400, seed, box, checkpoints=[end])
    estimate = result.final("w.gap")
    agrees = abs(estimate.mean - exact.last[end - 1]) <= Z * estimate.stderr
    detail = (
        f"floor is real: E1 floor {floor:.4g} <= exact E F(w_T) - F* = {exact.last[end - 1]:.4g} "
        f"(T={end}; {exact.last[middle - 1]:.4g} at T={middle}); Monte Carlo {estimate.mean:.4g} +- "
        f"{Z:g}x{estimate.stderr:.2g}; averaged iterate {exact.averaged[end - 1]:.4g}, extrapolated limit "
        f"{averaged_limit:.4g} > 0"
    )
    return bool(last_settled and averaged_settled and agrees), detail


def check_c3(quick: bool = True, seed: int = SEED) -> Verdict:
    """C3: SR with a_t = 1/(mu(t+1)) stays below the derived C3 bound on every quadratic of the
    sweep, and its floor is real (positive and computed exactly: see :func:`_sr_floor_is_real`)."""
    verdict = _sr_sweep("C3", lambda problem: inverse_time(problem.mu), quick, seed)
    floor_real, floor_detail = _sr_floor_is_real(quick, seed)
    return Verdict(
        "C3",
        verdict.holds and floor_real,
        verdict.measured,
        verdict.bound,
        verdict.margin,
        f"{verdict.detail}; {floor_detail}",
        verdict.params,
    )


def check_c4(quick: bool = True, seed: int = SEED) -> Verdict:
    """C4: SR with a_t = c/sqrt(t+1), c = 0.5, below the derived C4 bound on every quadratic of the sweep."""
    return _sr_sweep("C4", lambda problem: inverse_sqrt(0.5), quick, seed)


def check_c5(quick: bool = True, seed: int = SEED) -> Verdict:
    """C5: BC (stochastic Q) with a_t = c/sqrt(t+1): real weights below the derived C5 bound."""
    problem, grid, box = quadratic_setup(10, 0.05)
    steps, chains, c = (4000, 200, 0.5) if quick else (50_000, 1000, 0.5)
    return _against_bound("C5", problem, BinaryConnect(grid), inverse_sqrt(c), steps, chains, box, "real.avg_gap", seed)


def bc_floor_exponent(problem: Logistic, deltas: np.ndarray) -> tuple[np.ndarray, float, float]:
    """Gaps ``F(w_inf) - F*`` of BC's exact small-step limit at each Delta, and the fitted
    exponent ``p`` of ``gap ~ Delta^p`` with its regression standard error."""
    gaps = np.array([float(problem.gap(bc_limit_point(problem, Grid(float(delta)))[None, :])[0]) for delta in deltas])
    coefficients, covariance = np.polyfit(np.log(deltas), np.log(gaps), 1, cov=True)
    return gaps, float(coefficients[0]), float(np.sqrt(covariance[0, 0]))


def check_c6(quick: bool = True, seed: int = SEED) -> Verdict:
    """C6: BC on logistic regression (L2 > 0, F* by cvxpy) stays below the derived bound; the
    restated form fails the E3 scaling check; and the floor's Delta-exponent, fitted on BC's
    exact small-step limit, is at least the derived 2 and excludes the restated 1 (with ``Z``
    regression standard errors), each limit gap lying below the sharpened bound
    ``L2^2 d^2 Delta^4/(128 mu)``."""
    problem = Logistic.synthetic(n=200, d=5, lam=0.5, seed=1, batch_size=1)
    grid = Grid(0.1)
    box = Box.around(problem.w_star, 1.0, grid)
    steps, chains = (3000, 200) if quick else (50_000, 1000)
    verdict = _against_bound(
        "C6", problem, BinaryConnect(grid), inverse_time(problem.mu), steps, chains, box, "real.avg_gap", seed
    )
    paper_scales = scaling_consistent(all_bounds()["C6"].paper_form)
    deltas = 0.4 * 0.8 ** np.arange(12 if quick else 20)
    gaps, exponent, stderr = bc_floor_exponent(problem, deltas)
    limit = all_bounds()["C6-limit"]
    limit_bounds = np.array(
        [limit.evaluate(L2=problem.L2, d=problem.d, Delta=delta, mu=problem.mu) for delta in deltas]
    )
    exponent_ok = exponent - Z * stderr > 1.0 and exponent + Z * stderr >= 2.0 and bool(np.all(gaps <= limit_bounds))
    detail = (
        f"{verdict.detail}; restated C6 scaling-consistent: {paper_scales} (expected False); "
        f"limit-floor exponent {exponent:.2f} +- {Z:g}x{stderr:.2f} over Delta in [{deltas[-1]:.3g}, {deltas[0]:.3g}] "
        f"(derived bound: 2, sharpened: 4, restated: 1); max limit gap / sharpened bound "
        f"{np.max(gaps / limit_bounds):.2g}"
    )
    return Verdict(
        "C6",
        verdict.holds and not paper_scales and exponent_ok,
        verdict.measured,
        verdict.bound,
        verdict.margin,
        detail,
        {**verdict.params, "exponent": exponent, "exponent_stderr": stderr},
    )


def check_c7(quick: bool = True, seed: int = SEED) -> Verdict:
    """C7: BC's real weights on a quadratic: E||w_T - w*||^2 <= 4 G_bc^2 / (mu^2 (T+1)) -> 0."""
    problem, grid, box = quadratic_setup(4, 0.1, sigma=0.5)
    steps, chains = (4000, 300) if quick else (100_000, 1000)
    result = run(problem, BinaryConnect(grid), inverse_time(problem.mu), steps, chains, seed, box)
    mean, margin = _monte_carlo_upper(result, "real.dist2")
    g_bc_sq = problem.G(box) ** 2 + problem.L**2 * problem.d * grid.delta**2 / 4
    bound = 4 * g_bc_sq / (problem.mu**2 * (steps + 1))
    return Verdict(
        "C7",
        mean + margin <= bound,
        mean,
        bound,
        margin,
        "real.dist2 at T against the SGD rate 4 G_bc^2/(mu^2 (T+1)), G_bc^2 = G^2 + L^2 d Delta^2/4",
        {"d": problem.d, "delta": grid.delta, "steps": steps, "chains": chains},
    )


def check_c8(quick: bool = True, seed: int = SEED) -> Verdict:
    """C8: with bounded noise, R never moves again once a_t sup||g||_inf < Delta/2."""
    noise_width = 0.5
    problem = Quadratic(np.array([1.0, 2.0, 0.5]), noise=UniformNoise(noise_width))
    grid = Grid(0.05)
    box = Box.around(problem.w_star, 1.0, grid)
    sup_g = float(np.max(np.abs(problem.H) * box.max_abs_offset(problem.w_star))) + noise_width
    stall_step = int(np.ceil(2 * sup_g / (grid.delta * problem.mu)))  # first t with a_t sup|g| < Delta/2
    steps = stall_step + (2000 if quick else 20_000)
    result = run(
        problem,
        Rounding(grid),
        inverse_time(problem.mu),
        steps,
        200,
        seed,
        box,
        checkpoints=[stall_step, steps],
        keep_trajectory=True,
    )
    moved = int(np.sum(np.any(result.trajectory["w"][0] != result.trajectory["w"][1], axis=1)))
    return Verdict(
        "C8",
        moved == 0,
        float(moved),
        0.0,
        0.0,
        f"chains that moved after t = {stall_step} (where a_t sup|g| < Delta/2); must be 0",
        {"stall_step": stall_step, "steps": steps, "sup_g": sup_g},
    )


def check_c9(quick: bool = True, seed: int = SEED) -> Verdict:
    """C9: constant-step sweep: SGD's stationary error falls like a, SR's does not, R is stuck."""
    problem, grid, box = quadratic_setup(10, 0.05)
    rates = np.array([0.03, 0.01, 0.003, 0.001])
    chains = 200 if quick else 1000
    gaps = {}
    for method in (SGD(), StochasticRounding(grid), Rounding(grid)):
        values = []
        for a in rates:
            steps = int(20 / a) if quick else int(100 / a)
            values.append(run(problem, method, constant(a), steps, chains, seed, box).final("w.gap"))
        gaps[method.name] = values
    sgd_ratio = gaps["sgd"][-1].upper(Z) / gaps["sgd"][0].lower(Z)
    sr_ratio = gaps["sr"][-1].lower(Z) / gaps["sr"][0].upper(Z)
    r_gap = gaps["r"][-1].lower(Z)
    holds = sgd_ratio < 0.5 and sr_ratio > 0.5 and r_gap > gaps["sr"][-1].upper(Z)
    detail = (
        f"SGD gap(a={rates[-1]})/gap(a={rates[0]}) <= {sgd_ratio:.3g} (a ratio {rates[-1] / rates[0]:.2g}); "
        f"SR >= {sr_ratio:.3g}; R gap >= {r_gap:.3g} above SR"
    )
    return Verdict("C9", bool(holds), float(sr_ratio), 0.5, 0.0, detail, {"rates": rates.tolist(), "chains": chains})


def check_e2(quick: bool = True, seed: int = SEED) -> Verdict:
    """E2: exact SR propagation on a separable quadratic with d = 1000 (curvatures 0.5, 1, 2
    and minimizers at 0, 0.3 Delta and 0.5 Delta off the grid): C3's bound holds at every t,
    with no sampling error."""
    d, delta, sigma = 1000, 0.05, 1.0
    curvatures = np.resize([0.5, 1.0, 2.0], d)
    offsets = np.resize([0.0, 0.3 * delta, 0.5 * delta], d)[np.argsort(np.arange(d) % 7, kind="stable")]
    problem = Quadratic(curvatures, w_star=offsets, noise=GaussianNoise(sigma))
    grid = Grid(delta)
    box = Box.around(problem.w_star, 1.0, grid)
    steps = 500 if quick else 4000
    exact = exact_sr_quadratic(problem, grid, box, inverse_time(problem.mu), steps)
    c3 = all_bounds()["C3"]
    values = {"G": problem.G(box), "mu": problem.mu, "d": d, "Delta": delta}
    limits = np.array([c3.evaluate(T=int(t), **values) for t in exact.t])
    ratios = exact.averaged / limits
    worst = int(np.argmax(ratios))
    return Verdict(
        "E2",
        bool(np.all(ratios <= 1.0)),
        float(exact.averaged[worst]),
        float(limits[worst]),
        0.0,
        f"exact E F(w_bar_t) - F* <= C3 bound for every t = 1..{steps} (d = {d}); worst at t = {worst + 1}",
        {"d": d, "delta": delta, "sigma": sigma, "steps": steps},
        seed=None,
    )


def check_e4(quick: bool = True, seed: int = SEED) -> Verdict:
    """E4: the cvxpy reference optima agree with an independent solver and satisfy optimality.

    Logistic regression (``Logistic.w_star`` by cvxpy) against SciPy's BFGS, with
    ``||grad F(w*)||_inf``; a box-constrained rotated quadratic (``constrained_minimum`` by
    cvxpy) against SciPy's L-BFGS-B, with the projected-gradient residual
    ``||w - P_W(w - grad F(w))||_inf``.  All must be below 1e-6."""
    logistic = Logistic.synthetic(n=200, d=5, lam=0.5, seed=1, batch_size=1)

    def loss_and_grad(problem):
        return lambda w: (float(problem.loss(w[None, :])[0]), problem.grad(w[None, :])[0])

    scipy_logistic = minimize(loss_and_grad(logistic), np.zeros(5), jac=True, method="BFGS", options={"gtol": 1e-12})
    base = Quadratic.ill_conditioned(5, 1.0, 100.0, sigma=0.0, rotation_seed=4)
    quadratic = Quadratic(base.H, w_star=np.full(5, 2.0))
    box = Box.cube(5, 1.0)
    point, value = constrained_minimum(quadratic, box)
    scipy_box = minimize(
        loss_and_grad(quadratic),
        np.zeros(5),
        jac=True,
        method="L-BFGS-B",
        bounds=list(zip(box.lo, box.hi, strict=True)),
        options={"ftol": 1e-15, "gtol": 1e-12},
    )
    projected = box.project(point - quadratic.grad(point[None, :])[0])
    discrepancies = {
        "logistic |F_cvxpy - F_scipy|": abs(logistic.f_star - scipy_logistic.fun),
        "logistic ||grad F(w*)||_inf": float(np.max(np.abs(logistic.grad(logistic.w_star[None, :])))),
        "box |F_cvxpy - F_scipy|": abs(value - scipy_box.fun),
        "box projected-gradient residual": float(np.max(np.abs(point - projected))),
    }
    worst = max(discrepancies, key=discrepancies.get)
    tolerance = 1e-6
    return Verdict(
        "E4",
        all(v <= tolerance for v in discrepancies.values()) and logistic.f_star <= scipy_logistic.fun + tolerance,
        discrepancies[worst],
        tolerance,
        0.0,
        "; ".join(f"{k} = {v:.1e}" for k, v in discrepancies.items()) + f" (largest: {worst})",
        {"logistic": "n=200, d=5, lam=0.5", "box_quadratic": "kappa=100, d=5, w*=2, W=[-1,1]^5"},
        seed=None,
    )


def check_e5(quick: bool = True, seed: int = SEED) -> Verdict:
    """E5: the exact best quantized point of a rotated ill-conditioned quadratic (d = 3) is at
    least as good as every grid point of a cube twice the search radius (brute force) and
    every point SR and BC deploy in a run; it beats rounding w* to the nearest grid point."""
    base = Quadratic.ill_conditioned(3, 1.0, 100.0, sigma=1.0, rotation_seed=3)
    grid = Grid(0.1)
    problem = Quadratic(base.H, w_star=np.array([0.037, -0.052, 0.018]), noise=base.noise)
    best = best_quantized_point(problem, grid)
    axis = grid.delta * np.arange(-12, 13)
    cube = np.stack([m.ravel() for m in np.meshgrid(axis, axis, axis, indexing="ij")], axis=1)
    brute = float(problem.gap(cube).min())
    box = Box.around(problem.w_star, 1.0, grid)
    steps, chains = (2000, 100) if quick else (20_000, 500)
    deployed = [
        run(problem, StochasticRounding(grid), constant(0.005), steps, chains, seed, box).final_weights["w"],
        run(problem, BinaryConnect(grid), constant(0.005), steps, chains, seed, box).final_weights["deployed"],
    ]
    visited = min(float(problem.gap(weights).min()) for weights in deployed)
    holds = best.gap <= brute + 1e-15 and best.gap <= visited + 1e-15 and best.gap <= best.nearest_gap
    return Verdict(
        "E5",
        bool(holds),
        best.gap,
        best.nearest_gap,
        0.0,
        f"best grid point gap {best.gap:.4g} ({best.candidates} candidates) vs nearest-to-w* {best.nearest_gap:.4g}; "
        f"brute force {brute:.4g}; best deployed by SR/BC {visited:.4g}",
        {"d": 3, "delta": grid.delta, "kappa": 100.0},
    )


def check_e3(quick: bool = True, seed: int = SEED) -> Verdict:
    """E3: every derived bound is invariant under the weight rescaling; restated C6 is not."""
    derived = {name: scaling_consistent(b.expr) for name, b in all_bounds().items() if name != "C2"}
    paper = {name: scaling_consistent(b.paper_form) for name, b in all_bounds().items() if b.paper_form is not None}
    inconsistent = sorted(name for name, ok in paper.items() if not ok)
    holds = all(derived.values()) and inconsistent == ["C6"]
    return Verdict(
        "E3",
        holds,
        float(sum(derived.values())),
        float(len(derived)),
        0.0,
        f"derived bounds invariant: {sum(derived.values())}/{len(derived)}; "
        f"paper forms failing the scaling check: {inconsistent}",
        seed=None,
    )
