"""Throughput benchmark of the Monte Carlo engine (``qnets bench``).

Workload: SR (``Q_s`` on ``Grid(delta)``) on a diagonal quadratic with Gaussian gradient noise,
run through :func:`simulate.monte_carlo.run` with a constant step, so each coordinate-step
costs one normal, one uniform, the update and the running-average update.

Reported, all measured in this process:

* ``coord_steps_per_s``: chains x coordinates x steps per second of wall time;
* ``rng_limit_ratio``: that throughput divided by the throughput of only drawing the same
  normals and uniforms, in the same block shapes, from the same kind of generator;
* ``python_loop_speedup``: time per coordinate-step of a plain Python loop (one chain at a
  time, one coordinate at a time, same draws and same update) over that of the engine;
* ``peak_memory_ratio``: peak traced allocation during a run over the bytes of the state
  arrays (the iterates and their running sums).
"""

from __future__ import annotations

import math
import time
import tracemalloc
from collections.abc import Callable

import numpy as np
from qnets.simulate.domain import Box
from qnets.simulate.grid import Grid
from qnets.simulate.markov.kernel import additive_noise, rounding_law
from qnets.simulate.methods import StochasticRounding
from qnets.simulate.monte_carlo import block_generators, chain_blocks, run
from qnets.simulate.noise import GaussianNoise
from qnets.simulate.problems.quadratic import Quadratic
from qnets.simulate.schedules import constant

DELTA = 0.01
STEP_SIZE = 0.05


def _workload(d: int) -> tuple[Quadratic, StochasticRounding, Box]:
    problem = Quadratic(np.geomspace(0.5, 2.0, d), noise=GaussianNoise(1.0))
    grid = Grid(DELTA)
    return problem, StochasticRounding(grid), Box.around(problem.w_star, 1.0, grid)


def _time_engine(n_chains: int, d: int, steps: int, seed: int) -> float:
    problem, method, box = _workload(d)
    start = time.perf_counter()
    run(problem, method, constant(STEP_SIZE), steps, n_chains, seed, box, checkpoints=[steps])
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


def bench(
    n_chains: int = 10_000,
    d: int = 100,
    steps: int = 30,
    loop_chains: int = 10,
    seed: int = 0,
) -> dict[str, float]:
    """Measure the engine; see the module docstring for the reported quantities."""
    engine_s = _time_engine(n_chains, d, steps, seed)
    rng_s = _time_rng(n_chains, d, steps, seed)
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
