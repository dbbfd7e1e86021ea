"""Problem instances that several checks share, and the quantities derived from them.

* :func:`logistic`: the l2-regularised logistic regression of C5, C6 and E4 (``L2 > 0``,
  ``F*`` by cvxpy); :func:`generic_logistic`, a second one with generic constants;
* :class:`SweepSizes`, :func:`sweep_cases`, :func:`sr_sweep`: the sweep of quadratics on which
  C3 and C4 compare SR with their bounds;
* :data:`RADIUS`, :func:`mass_near_minimizer`, :func:`one_cell_step`: "mass near the
  minimizer" and M2's one-cell threshold on the Markov toys of :mod:`qnets.simulate.scenarios`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from qnets.claims.harness import simulate_against_bound, worst_case
from qnets.claims.verdict import Verdict
from qnets.simulate import Box, Grid, Logistic, Quadratic, StochasticRounding
from qnets.simulate.markov import StateSpace
from qnets.simulate.markov.summary import near_minimizer
from qnets.simulate.problems.base import Problem
from qnets.simulate.scenarios import NEAR_RADIUS
from qnets.simulate.schedules import Schedule
from qnets.theory.bound import Bound


def logistic() -> Logistic:
    """The logistic regression of C5, C6 and E4 (``n = 200``, ``d = 5``, ``lambda = 0.5``;
    ``L2 > 0``; ``F*`` by cvxpy)."""
    return Logistic.synthetic(n=200, d=5, lam=0.5, seed=1, batch_size=1)


def generic_logistic() -> Logistic:
    """The generic logistic regression of C5's and C6's second limit-point instance (``n = 150``,
    ``d = 4``, ``lambda = mu = 0.23``; no constant 1, none equal to another or to its Delta)."""
    return Logistic.synthetic(n=150, d=4, lam=0.23, seed=2, batch_size=1)


@dataclass(frozen=True)
class SweepSizes:
    """The sizes of the C3/C4 sweep: ``steps`` of SR per case, the grid spacings ``deltas`` and
    noise scales ``sigmas`` of its cases, and per case either ``chains`` chains or, when
    ``coordinate_chains`` is set, ``coordinate_chains // d`` chains (:func:`sweep_chains`)."""

    steps: int
    deltas: tuple[float, ...]
    sigmas: tuple[float, ...]
    chains: int | None
    coordinate_chains: int | None


@dataclass(frozen=True)
class SweptSizes:
    """The sizes of a check on the sweep (C3, C4): the ``sweep`` and the horizon
    ``instance_steps`` of its exact necessity instance."""

    sweep: SweepSizes
    instance_steps: int


#: The quick sweep: 5 cases of 200 chains.
QUICK_SWEEP = SweepSizes(2000, (0.01,), (1.0,), 200, None)
#: The full sweep: 20 cases, each with 20,000 chain-coordinates.
FULL_SWEEP = SweepSizes(20_000, (0.01, 0.1), (0.5, 2.0), None, 20_000)


def sweep_cases(sizes: SweepSizes) -> list[tuple[str, Quadratic, Grid]]:
    """C3/C4 sweep: d in {1, 10, 100}, isotropic and ill-conditioned (kappa = 100; rotated at
    d = 10, diagonal at d = 100), for every Delta and sigma of ``sizes``."""
    cases: list = []
    for delta in sizes.deltas:
        for sigma in sizes.sigmas:
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


def sweep_chains(sizes: SweepSizes, d: int) -> int:
    """Chains per case of the C3/C4 sweep: ``sizes.chains``, or ``sizes.coordinate_chains / d``.

    A chain's error at dimension ``d`` is a sum over ``d`` coordinates, so for independent,
    identical coordinates (the isotropic cases) its relative spread falls like ``1/sqrt(d)``: a
    fixed budget of chains x coordinates gives those cases the same relative standard error (1%
    of the mean at 20,000), and every case the same cost (d = 1 gets 20,000 chains, d = 100
    gets 200).  On the rotated (correlated) and diagonal (unequal curvatures) cases it is
    1.4-1.6%."""
    if sizes.coordinate_chains is not None:
        return sizes.coordinate_chains // d
    assert sizes.chains is not None  # one of the two is set (SweepSizes)
    return sizes.chains


def case_seed(seed: int, case: int) -> int:
    """The root seed of case ``case`` of a sweep run with root seed ``seed``: 64 bits of
    ``SeedSequence([seed, case])``.

    Every case gets its own stream: with one seed, isotropic cases of equal chains x d consume
    the same draws and their estimates are exact multiples of each other.  (``seed + case`` would
    not do: case ``k`` of seed ``s`` would reuse case ``k + 1`` of seed ``s - 1``.)"""
    return int(np.random.SeedSequence([seed, case]).generate_state(1, np.uint64)[0])


def sr_sweep(
    claim_id: str, bound: Bound, schedule_for: Callable[[Quadratic], Schedule], sizes: SweepSizes, seed: int
) -> Verdict:
    """SR on every case of the sweep (the box of radius 1 around ``w*``, schedule
    ``schedule_for(problem)``): ``w.avg_gap`` at ``T = sizes.steps`` against ``bound`` with a
    ``Z`` margin, every case on its own seed (:func:`case_seed`); the worst case is reported."""
    verdicts = []
    for case, (label, problem, grid) in enumerate(sweep_cases(sizes)):
        box = Box.around(problem.w_star, 1.0, grid)
        verdict = simulate_against_bound(
            claim_id,
            bound,
            problem,
            StochasticRounding(grid),
            schedule_for(problem),
            sizes.steps,
            sweep_chains(sizes, problem.d),
            box,
            "w.avg_gap",
            case_seed(seed, case),
        )
        verdicts.append((label, verdict))
    return worst_case(claim_id, verdicts, seed)


#: "Near the minimizer" on the Markov toys: ``||w - w*|| <= RADIUS``.
RADIUS = NEAR_RADIUS
#: Distances between stationary laws below this are round-off of the solvers (residuals ~1e-16).
SOLVER_PRECISION = 1e-12


def mass_near_minimizer(problem: Problem, points: np.ndarray, law: np.ndarray) -> float:
    """``P(||w - w*|| <= RADIUS)`` under ``law`` over ``points``."""
    return float(law[near_minimizer(problem, points, RADIUS)].sum())


def one_cell_step(problem, space: StateSpace) -> float:
    """M2's threshold ``a* = delta / sup|g|`` over the states (``sup|g| = sup|F'| + sup|xi|``):
    below it every SR step moves each coordinate by at most one grid point."""
    sup_g = float(np.max(np.abs(problem.grad(space.points())))) + problem.noise.sup_abs
    return space.grid.delta / sup_g
