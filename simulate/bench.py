"""Throughput benchmark of the Monte Carlo engine (``qnets bench``).

Workload: SR (``Q_s`` on ``Grid(delta)``) on a diagonal quadratic with Gaussian gradient noise,
run through :func:`qnets.simulate.monte_carlo.run` with a constant step, so each coordinate-step
costs one normal, one uniform, the update and the running-average update.

Reported, all measured in this process:

* ``coord_steps_per_s``: chains x coordinates x steps per second of wall time;
* ``rng_limit_ratio``: that throughput divided by the throughput of only drawing the same
  normals and uniforms, in the same block shapes, from the same kind of generator;
* ``python_loop_speedup``: time per coordinate-step of a plain Python loop (one chain at a
  time, one coordinate at a time, same draws and same update) over that of the engine;
* ``peak_memory_ratio``: peak traced allocation during a run over the bytes of the state
  arrays (the iterates and their running sums);
* ``parallel_speedup``: wall time of one Monte Carlo run (``PARALLEL_CHAINS`` chains in ten
  blocks, on the serial backend) over the same run on ``PARALLEL_WORKERS`` local processes, pool
  start-up and the transfer of results included (the results are identical); each time is the
  fastest of five alternating runs.

:func:`exact_bench` (``qnets bench --exact``) times E2's exact propagation
(:func:`qnets.simulate.markov.quadratic.exact_sr_quadratic`) on the diagonal quadratic with
curvatures ``geomspace(0.5, 2, d)`` (all distinct), ``N(0, 1)`` noise, ``Delta = 0.05`` and the
radius-1 box (41 states per coordinate): ``d = 10^4`` for ``T = 500`` steps of constant size
``EXACT_STEP``, and the speed-up over the per-coordinate loop (:func:`loop_exact_sr_quadratic`,
the implementation before vectorisation, on the same kernels) at ``d = 100`` and ``T = 50``,
with the constant step and with ``a_t = 1/(t + 1)`` (whose laws change at every step).
``exact_cpu_seconds`` is the CPU time of the ``d = 10^4`` run (all threads of this process):
on a shared machine it tells the work apart from the wait.

References measured in the same process, each beside its figure (:data:`REFERENCES`):

* the compiled engine (``engine="compiled"``, :mod:`qnets.simulate.kernels`) against the numpy engine
  and against numpy's draw-only rate (``compiled_coord_steps_per_s``; compile time excluded);
* E2 at ``d = 10^4``, ``T = 500``, constant and ``a_t = 1/(mu (t+1))`` with ``mu = 0.5``: its
  multiply-add rate (``2 K'^2`` per vector, two vectors, per distinct coordinate and step,
  ``K'`` the folded state count) against one thread's float64 matmul rate of ``512^3`` (the peak)
  and of ``(2 d x K') (K' x K')`` (E2's shape as one product); the decaying step's time per ramp
  point its laws need (those within ``Z_TAIL`` standard deviations, :func:`_ramp_points`) against
  scipy's ``erfc`` per point;
* the stationary solver on the three-well chains against scipy's plain ``spsolve`` (COLAMD,
  partial pivoting) of the same system pinned at the same state (:func:`spsolve_reference`).
"""

from __future__ import annotations

import math
import time
import tracemalloc
from collections.abc import Callable

import numpy as np
import scipy.sparse as sp
from qnets.simulate.domain import Box
from qnets.simulate.grid import Grid
from qnets.simulate.markov import quadratic as exact_module
from qnets.simulate.markov.accuracy import LARGE_CHAIN_SIDES
from qnets.simulate.markov.kernel import additive_noise, generator, rounding_law
from qnets.simulate.markov.quadratic import exact_sr_quadratic
from qnets.simulate.markov.stationary import first_pin
from qnets.simulate.methods import StochasticRounding
from qnets.simulate.monte_carlo import BLOCK_ELEMENTS, block_generators, chain_blocks, run
from qnets.simulate.noise import GaussianNoise
from qnets.simulate.problems.quadratic import Quadratic
from qnets.simulate.scenarios import three_wells
from qnets.simulate.schedules import constant, inverse_time
from scipy.sparse.linalg import spsolve
from scipy.special import erfc
from threadpoolctl import threadpool_limits

from qnets import parallel

DELTA = 0.01
STEP_SIZE = 0.05
#: The Monte Carlo work of ``parallel_speedup``: ten full blocks of chains at d = 100 (655 chains
#: each) for 200 steps, 1.3e8 coordinate-steps.  Like the long runs of the checks, each block
#: computes for long against the cost of sending its final state back (0.5 MB).
PARALLEL_D, PARALLEL_STEPS = 100, 200
PARALLEL_CHAINS = 10 * (BLOCK_ELEMENTS // PARALLEL_D)
PARALLEL_WORKERS = 2
#: The exact-propagation workload of :func:`exact_bench`.
EXACT_DELTA, EXACT_STEP = 0.05, 0.05
#: The decaying step of :func:`exact_bench`: ``a_t = 1/(mu (t + 1))`` with the workload's ``mu``.
EXACT_DECAY_MU = 0.5


def _workload(d: int) -> tuple[Quadratic, StochasticRounding, Box]:
    problem = Quadratic(np.geomspace(0.5, 2.0, d), noise=GaussianNoise(1.0))
    grid = Grid(DELTA)
    return problem, StochasticRounding(grid), Box.around(problem.w_star, 1.0, grid)


def _time_engine(n_chains: int, d: int, steps: int, seed: int, engine: str = "numpy") -> float:
    problem, method, box = _workload(d)
    start = time.perf_counter()
    run(problem, method, constant(STEP_SIZE), steps, n_chains, seed, box, checkpoints=[steps], engine=engine)
    return time.perf_counter() - start


def _time_rng(n_chains: int, d: int, steps: int, seed: int) -> float:
    blocks = chain_blocks(n_chains, d)
    rngs = block_generators(seed, len(blocks))
    start = time.perf_counter()
    for _ in range(steps):
        for block, rng in zip(blocks, rngs, strict=True):
            shape = (block.stop - block.start, d)
            rng.standard_normal(size=shape)
            rng.random(size=shape)
    return time.perf_counter() - start


def python_loop_sr(n_chains: int, d: int, steps: int, seed: int) -> np.ndarray:
    """The same SR update and running sum, one chain and one coordinate at a time."""
    problem, _, box = _workload(d)
    assert isinstance(problem.noise, GaussianNoise)  # the workload's noise
    h, w_star, sigma = problem.H.tolist(), problem.w_star.tolist(), problem.noise.sigma
    lo, hi = box.lo.tolist(), box.hi.tolist()
    rng = np.random.default_rng(seed)
    final = np.empty((n_chains, d))
    for chain in range(n_chains):
        w = list(lo)
        running_sum = [0.0] * d
        for _ in range(steps):
            normals = rng.standard_normal(d).tolist()
            uniforms = rng.random(d).tolist()
            for i in range(d):
                running_sum[i] += w[i]
                g = h[i] * (w[i] - w_star[i]) + sigma * normals[i]
                k = math.floor((w[i] - STEP_SIZE * g) / DELTA + uniforms[i])
                w[i] = min(max(k * DELTA, lo[i]), hi[i])
        final[chain] = w
    return final


def _time_python_loop(n_chains: int, d: int, steps: int, seed: int) -> float:
    start = time.perf_counter()
    python_loop_sr(n_chains, d, steps, seed)
    return time.perf_counter() - start


def _peak_memory(n_chains: int, d: int, steps: int, seed: int) -> tuple[int, int]:
    problem, method, box = _workload(d)
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        run(problem, method, constant(STEP_SIZE), steps, n_chains, seed, box, checkpoints=[steps])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    state_bytes = 2 * n_chains * d * 8  # iterates and their running sums, float64
    return peak, state_bytes


def parallel_speedup(workers: int = PARALLEL_WORKERS, seed: int = 0, repeats: int = 5) -> float:
    """Serial wall time over ``workers``-process wall time of the same Monte Carlo run, each the
    fastest of ``repeats`` alternating runs (on a shared machine the fastest run is the one least
    disturbed by other load, as in :mod:`timeit`)."""
    problem, method, box = _workload(PARALLEL_D)
    backends = (parallel.SERIAL, parallel.Backend(jobs=workers))
    best = [math.inf, math.inf]
    for _ in range(repeats):
        for position, backend in enumerate(backends):
            start = time.perf_counter()
            run(
                problem,
                method,
                constant(STEP_SIZE),
                PARALLEL_STEPS,
                PARALLEL_CHAINS,
                seed,
                box,
                checkpoints=[PARALLEL_STEPS],
                backend=backend,
            )
            best[position] = min(best[position], time.perf_counter() - start)
    return best[0] / best[1]


def _exact_workload(d: int) -> tuple[Quadratic, Grid, Box]:
    problem = Quadratic(np.geomspace(0.5, 2.0, d), noise=GaussianNoise(1.0))
    grid = Grid(EXACT_DELTA)
    return problem, grid, Box.around(problem.w_star, 1.0, grid)


def _time_exact(d: int, schedule: Callable[[int], float], steps: int, loop: bool = False) -> float:
    problem, grid, box = _exact_workload(d)
    start = time.perf_counter()
    if loop:
        loop_exact_sr_quadratic(problem, grid, box, schedule, steps)
    else:
        exact_sr_quadratic(problem, grid, box, schedule, steps)
    return time.perf_counter() - start


def _matmul_gflops(rows: int, inner: int, repeats: int = 5) -> float:
    """One thread's float64 rate of ``(rows x inner) @ (inner x inner)``, fastest of ``repeats``."""
    rng = np.random.default_rng(0)
    a, b = rng.random((rows, inner)), rng.random((inner, inner))
    best = math.inf
    with threadpool_limits(limits=1):
        for _ in range(repeats):
            start = time.perf_counter()
            a @ b
            best = min(best, time.perf_counter() - start)
    return 2.0 * rows * inner * inner / best / 1e9


def _ramp_points(problem: Quadratic, grid: Grid, box: Box, schedule: Callable[[int], float], steps: int) -> float:
    """The ramp points E2's laws need: for each distinct coordinate, folded row and step change, the
    points ``t_j = 1 + (z_j - z_x (1 - a h)) / delta``, ``j = -1 .. K-2``, within the noise's
    ``Z_TAIL`` standard deviations (``|t_j| < R``, as in
    :func:`qnets.simulate.markov.exact_kernels.law_row`; at most ``2 R + 1`` a row), counted from
    the lattice's formula (up to the rounding of a point at ``+-R``)."""
    assert isinstance(problem.noise, GaussianNoise)
    size = round(float(box.hi[0] - box.lo[0]) / grid.delta) + 1
    centre = (size - 1) / 2
    rows = np.arange(size // 2, size) - centre  # (x - c) of the folded rows of the centred workload
    rates = np.array([schedule(t) for t in range(steps)])
    changes = np.concatenate([[True], rates[1:] != rates[:-1]])
    h = np.asarray(problem.H, dtype=float)[:, None]
    total = 0.0
    for rate in rates[changes]:
        reach = exact_module.Z_TAIL * rate * problem.noise.sigma / grid.delta
        shift = centre - 1 + rows * (1 - rate * h)  # t_j = j - shift
        lowest = np.maximum(np.floor(shift - reach) + 1, -1)
        highest = np.minimum(np.ceil(shift + reach) - 1, size - 2)
        total += float(np.maximum(highest - lowest + 1, 0).sum())
    return total


def _erfc_seconds_per_point(count: int = 1 << 22) -> float:
    points = np.random.default_rng(0).uniform(0.0, 7.0, count)
    best = math.inf
    for _ in range(3):
        start = time.perf_counter()
        erfc(points)
        best = min(best, time.perf_counter() - start)
    return best / count


def exact_bench(d: int = 10_000, steps: int = 500, loop_d: int = 100, loop_steps: int = 50) -> dict[str, float]:
    """Seconds of E2's exact propagation, its rates against their references and its speed-up over
    the loop (see the module doc)."""
    report: dict[str, float] = {"exact_d": d, "exact_steps": steps}
    _time_exact(2, constant(EXACT_STEP), 2)  # compile (or load the cache) outside the timing
    problem, grid, box = _exact_workload(d)
    size = round(float(box.hi[0] - box.lo[0]) / grid.delta) + 1
    folded = size - size // 2
    cpu_started = time.process_time()
    report["exact_seconds"] = _time_exact(d, constant(EXACT_STEP), steps)
    report["exact_cpu_seconds"] = time.process_time() - cpu_started
    report["exact_gflops"] = 2 * 2 * d * steps * folded**2 / report["exact_seconds"] / 1e9
    report["matmul_peak_gflops"] = _matmul_gflops(512, 512)
    report["matmul_e2_shape_gflops"] = _matmul_gflops(2 * d, folded)
    decaying = inverse_time(EXACT_DECAY_MU)
    report["exact_seconds_inverse_time"] = _time_exact(d, decaying, steps)
    points = _ramp_points(problem, grid, box, decaying, steps)
    report["exact_ns_per_ramp_point_inverse_time"] = report["exact_seconds_inverse_time"] / points * 1e9
    report["erfc_ns_per_point"] = _erfc_seconds_per_point() * 1e9
    report["exact_loop_d"], report["exact_loop_steps"] = loop_d, loop_steps
    for name, schedule in (("constant", constant(EXACT_STEP)), ("inverse_time", inverse_time(1.0))):
        vectorised = _time_exact(loop_d, schedule, loop_steps)
        looped = _time_exact(loop_d, schedule, loop_steps, loop=True)
        report[f"exact_loop_seconds_{name}"] = looped
        report[f"exact_vectorised_seconds_{name}"] = vectorised
        report[f"exact_speedup_{name}"] = looped / vectorised
    return report


def spsolve_reference(sides: tuple[int, ...] = LARGE_CHAIN_SIDES) -> dict[str, float]:
    """Seconds and residual of scipy's plain ``spsolve`` on the three-well generator's system
    ``A^T pi = 0`` pinned at :func:`~qnets.simulate.markov.stationary.first_pin`'s state, the reference of
    ``large_chain_timings``."""
    report: dict[str, float] = {}
    for side in sides:
        problem, space = three_wells(delta=6.0 / side, half_width=3.0)
        rates = sp.csr_matrix(generator(problem, space))
        off = (rates - sp.diags(rates.diagonal())).tocsr()
        system = (off - sp.diags(np.asarray(off.sum(axis=1)).ravel())).T.tocsc()
        pinned = first_pin(off)
        keep = np.delete(np.arange(space.size), pinned)
        start = time.perf_counter()
        solution = spsolve(system[keep][:, keep].tocsc(), -system[keep][:, [pinned]].toarray().ravel())
        seconds = time.perf_counter() - start
        pi = np.insert(solution, pinned, 1.0)
        pi /= pi.sum()
        report[f"three_wells_{side}x{side}_spsolve_seconds"] = seconds
        report[f"three_wells_{side}x{side}_spsolve_residual"] = float(np.abs(rates.T @ pi).sum())
    return report


#: Figure -> (what it is compared with, the reference's key), as ``qnets bench`` prints them.
REFERENCES = {
    "compiled_coord_steps_per_s": ("numpy engine", "coord_steps_per_s"),
    "coord_steps_per_s": ("numpy draw-only", "rng_only_coord_steps_per_s"),
    "exact_gflops": ("one-thread matmul 512^3", "matmul_peak_gflops"),
    "matmul_e2_shape_gflops": ("one-thread matmul 512^3", "matmul_peak_gflops"),
    "exact_ns_per_ramp_point_inverse_time": ("scipy erfc per point", "erfc_ns_per_point"),
    "exact_vectorised_seconds_constant": ("per-coordinate loop", "exact_loop_seconds_constant"),
    "exact_vectorised_seconds_inverse_time": ("per-coordinate loop", "exact_loop_seconds_inverse_time"),
    **{
        f"three_wells_{side}x{side}_seconds": ("scipy spsolve", f"three_wells_{side}x{side}_spsolve_seconds")
        for side in LARGE_CHAIN_SIDES
    },
}


def bench(
    n_chains: int = 10_000,
    d: int = 100,
    steps: int = 30,
    loop_chains: int = 10,
    seed: int = 0,
) -> dict[str, float]:
    """Measure the engine; see the module docstring for the reported quantities."""
    _time_engine(2, d, 1, seed, "compiled")  # compile (or load the cache) outside the timing
    engine_s, rng_s, compiled_s = math.inf, math.inf, math.inf
    for _ in range(3):  # alternating, fastest of three: a shared machine's load hits all three alike
        engine_s = min(engine_s, _time_engine(n_chains, d, steps, seed))
        rng_s = min(rng_s, _time_rng(n_chains, d, steps, seed))
        compiled_s = min(compiled_s, _time_engine(n_chains, d, steps, seed, "compiled"))
    loop_s = _time_python_loop(loop_chains, d, steps, seed)
    peak, state_bytes = _peak_memory(n_chains, d, max(2, steps // 10), seed)
    coord_steps = n_chains * d * steps
    per_coord_step_engine = engine_s / coord_steps
    per_coord_step_loop = loop_s / (loop_chains * d * steps)
    return {
        "n_chains": n_chains,
        "d": d,
        "steps": steps,
        "coord_steps_per_s": coord_steps / engine_s,
        "rng_only_coord_steps_per_s": coord_steps / rng_s,
        "rng_limit_ratio": rng_s / engine_s,
        "compiled_coord_steps_per_s": coord_steps / compiled_s,
        "compiled_over_numpy_engine": engine_s / compiled_s,
        "compiled_over_rng_only": rng_s / compiled_s,
        "python_loop_speedup": per_coord_step_loop / per_coord_step_engine,
        "peak_memory_bytes": peak,
        "state_bytes": state_bytes,
        "peak_memory_ratio": peak / state_bytes,
    }


def loop_exact_sr_quadratic(
    problem: Quadratic, grid: Grid, box: Box, schedule: Callable[[int], float], steps: int
) -> tuple[np.ndarray, np.ndarray]:
    """E2 as it was computed before vectorisation: one coordinate at a time, one step at a time
    (the baseline of ``bench --exact`` and the reference of the tests).  Returns the exact
    ``E F(w_t) - F*`` and ``E F(w_bar_t) - F*`` for ``t = 1..steps``, starting at ``box.lo``."""
    noise = additive_noise(problem)
    last, averaged = np.zeros(steps), np.zeros(steps)
    for h, w_star, lo, hi in zip(problem.H, problem.w_star, box.lo, box.hi, strict=True):
        z_points = lo + grid.delta * np.arange(round((hi - lo) / grid.delta) + 1) - w_star
        p = np.zeros(z_points.size)
        p[0] = 1.0
        u, v = np.zeros_like(p), np.zeros_like(p)
        for t in range(steps):
            lr = float(schedule(t))
            law = rounding_law(z_points - lr * h * z_points, z_points, lr, noise)
            zp = z_points * p
            v = (v + 2 * z_points * u + z_points * zp) @ law
            u = (u + zp) @ law
            p = p @ law
            last[t] += 0.5 * h * (p @ z_points**2)
            averaged[t] += 0.5 * h * v.sum() / (t + 1) ** 2
    return last, averaged
