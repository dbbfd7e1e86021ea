"""The statistical harness of the checks: simulated estimates against bounds through z-margins.

A Monte Carlo estimate ``e`` (mean and standard error over independent chains) stays below a
bound ``b`` when its upper confidence limit ``e.mean + z e.stderr <= b`` (``z = Z = 5`` unless a
Bonferroni level is asked for).  The checks of :mod:`qnets.claims` and the users' helper
:func:`qnets.testing.strategies.check_bound_by_simulation` both go through :func:`tightest_against`.

Combinations of independent estimates (the network claims) have the standard error of a linear
combination: ``SE(sum c_k e_k) = sqrt(sum c_k^2 SE_k^2)`` (:func:`combination`).
"""

from __future__ import annotations

import math

import numpy as np

from qnets.claims.bounds import bound_value, constants_of
from qnets.claims.floors import FloorTest
from qnets.claims.verdict import NECESSARY, UPPER, Verdict, Z
from qnets.simulate import BinaryConnect, Box, StochasticRounding, run
from qnets.simulate.estimate import Estimate
from qnets.simulate.monte_carlo import RunResult
from qnets.simulate.problems.base import StronglyConvexProblem
from qnets.simulate.schedules import Schedule
from qnets.theory.bound import Bound


def tightest_against(series: Estimate, limits: np.ndarray, z: float = Z) -> tuple[bool, int]:
    """Does ``series.mean + z series.stderr <= limits`` hold at every checkpoint, and the index of
    the checkpoint where the upper limit is closest to (or furthest beyond) its bound."""
    upper = np.atleast_1d(series.upper(z))
    limits = np.atleast_1d(limits)
    return bool(np.all(upper <= limits)), int(np.argmax(upper / limits))


def simulate_against_bound(
    claim_id: str,
    bound: Bound,
    problem: StronglyConvexProblem,
    method: StochasticRounding | BinaryConnect,
    schedule: Schedule,
    steps: int,
    chains: int,
    box: Box,
    key: str,
    seed: int,
) -> Verdict:
    """Simulate, then compare ``mean + Z stderr`` of ``key`` at ``T = steps`` with ``bound``
    evaluated at the problem's, grid's and schedule's own constants (:func:`constants_of`)."""
    constants = constants_of(problem, box, method.grid, getattr(schedule, "c", None))
    result = run(problem, method, schedule, steps, chains, seed, box)
    final = result.final(key)
    limit = bound_value(bound, constants, steps)
    holds, _ = tightest_against(final, np.array(limit))
    values = {s.name: constants[s.name] for s in bound.expr.free_symbols if s.name != "T"}
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
        holds,
        final.mean,
        limit,
        Z * final.stderr,
        f"{key}: mean + {Z:g} stderr <= derived bound at T={steps}",
        params,
        seed=seed,
    )


def upper_estimate(result: RunResult, key: str) -> tuple[float, float]:
    """``(mean, Z stderr)`` of ``key`` at the last checkpoint."""
    estimate = result.final(key)
    return estimate.mean, Z * estimate.stderr


def two_sided(
    claim_id: str,
    upper: Verdict,
    instance: FloorTest,
    extra: str = "",
    holds_extra: bool = True,
    extra_parts: dict[str, bool] | None = None,
) -> Verdict:
    """A two-sided verdict: the Monte Carlo upper-bound comparison ``upper`` and the exact
    instance (upper part, necessity of the floor and its two-way comparisons), plus
    ``extra_parts``; holds only if every part holds."""
    parts = {**instance.parts(upper.holds), **(extra_parts or {})}
    return Verdict(
        claim_id,
        bool(parts[UPPER] and parts[NECESSARY] and all(parts[name] for name in instance.checks) and holds_extra)
        and all((extra_parts or {}).values()),
        upper.measured,
        upper.bound,
        upper.margin,
        f"{upper.detail}; {instance.summary()}" + (f"; {extra}" if extra else ""),
        {**upper.params, "instance_upper": instance.upper_estimate, "instance_bound": instance.bound},
        seed=upper.seed,
        parts=parts,
    )


def worst_case(claim_id: str, verdicts: list[tuple[str, Verdict]], seed: int) -> Verdict:
    """All cases must hold; the verdict (root seed ``seed``) reports the case with the largest
    measured/bound."""
    label, worst = max(verdicts, key=lambda item: item[1].ratio)
    failing = [name for name, v in verdicts if not v.holds]
    detail = f"{len(verdicts) - len(failing)}/{len(verdicts)} cases hold; worst ratio: {label}; {worst.detail}"
    if failing:
        detail += f"; failing: {', '.join(failing)}"
    return Verdict(claim_id, not failing, worst.measured, worst.bound, worst.margin, detail, worst.params, seed=seed)


def combination(terms: list[tuple[float, Estimate]]) -> tuple[float, float]:
    """``(sum c_k mean_k, sqrt(sum c_k^2 stderr_k^2))`` of independent estimates ``(c_k, e_k)``."""
    mean = sum(c * float(e.mean) for c, e in terms)
    stderr = math.sqrt(sum((c * float(e.stderr)) ** 2 for c, e in terms))
    return mean, stderr
