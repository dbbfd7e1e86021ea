"""Hypothesis strategies for admissible parameters, and a helper to test a bound by simulation.

The helper compares through the claims' own harness (:func:`qnets.claims.harness.tightest_against`).

Users write their own bound tests with these (needs the ``test`` extra).  Parameters are built
directly (``mu <= L`` by construction, grid-aligned boxes), never filtered with ``assume``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from hypothesis import strategies as st

from qnets.claims.harness import tightest_against
from qnets.claims.verdict import SEED, Verdict, Z
from qnets.simulate import Box, GaussianNoise, Grid, Method, Problem, Quadratic, run
from qnets.simulate.schedules import Schedule, constant, inverse_sqrt, inverse_time


@st.composite
def curvatures(draw: st.DrawFn, max_condition: float = 100.0) -> tuple[float, float]:
    """``(mu, L)`` with ``0 < mu <= L <= max_condition * mu``."""
    mu = draw(st.floats(1e-2, 10.0))
    return mu, mu * draw(st.floats(1.0, max_condition))


def grids(min_delta: float = 1e-3, max_delta: float = 0.5) -> st.SearchStrategy[Grid]:
    """Unbounded grids ``delta Z``."""
    return st.builds(Grid, st.floats(min_delta, max_delta))


@st.composite
def quadratics(draw: st.DrawFn, max_d: int = 20, max_sigma: float = 2.0) -> Quadratic:
    """Diagonal quadratics with eigenvalues in ``[mu, L]`` and Gaussian noise."""
    d = draw(st.integers(1, max_d))
    mu, L = draw(curvatures())
    eigenvalues = np.concatenate([[mu, L], draw(st.lists(st.floats(mu, L), min_size=d, max_size=d))])[:d]
    return Quadratic(eigenvalues, noise=GaussianNoise(draw(st.floats(0.0, max_sigma))))


@st.composite
def schedules(draw: st.DrawFn, mu: float) -> Schedule:
    """One of ``constant(a)``, ``inverse_time(mu)``, ``inverse_sqrt(c)`` with stable step sizes."""
    kind = draw(st.sampled_from(["constant", "inverse_time", "inverse_sqrt"]))
    if kind == "inverse_time":
        return inverse_time(mu)
    size = draw(st.floats(1e-3, 0.5))
    return constant(size) if kind == "constant" else inverse_sqrt(size)


def check_bound_by_simulation(
    bound: Callable[[int], float],
    problem: Problem,
    method: Method,
    schedule: Schedule,
    steps: int,
    n_chains: int,
    domain: Box,
    key: str = "w.avg_gap",
    seed: int = SEED,
    z: float = Z,
) -> Verdict:
    """Simulate and compare ``mean + z stderr`` of ``key`` with ``bound(t)`` at every checkpoint.

    The verdict reports the checkpoint with the largest ``(mean + z stderr) / bound``.
    """
    result = run(problem, method, schedule, steps, n_chains, seed, domain)
    series = result.series[key]
    limits = np.array([bound(int(t)) for t in result.checkpoints])
    holds, worst = tightest_against(series, limits, z)
    return Verdict(
        "user",
        holds,
        float(series.mean[worst]),
        float(limits[worst]),
        z * float(series.stderr[worst]),
        f"{key} at t = {result.checkpoints[worst]} (tightest checkpoint)",
        {"steps": steps, "n_chains": n_chains, "method": method.name},
        seed=seed,
    )
