"""M4 (paper): SGD and BC have a greedy (annealing) phase that SR lacks.

Assumptions: the 1-D tilted double well, Gaussian gradient noise, SGD and BC annealed
geometrically from a = 0.5 to the target a.

Statement (derived in :mod:`qnets.theory.markov`): SGD's stationary law is approximately Gibbs,
``exp(-2F/(a sigma^2))``, and concentrates on the global minimizer as ``a -> 0``; BC's real
weights behave the same way; SR's small-gradient law ``exp(-sqrt(2 pi) F/(sigma Delta))`` does
not depend on ``a``.

Check: SGD's and BC's (real weights) mass near ``w*`` (Monte Carlo) rises from a = 0.2 to
a = 0.05 (z = 5), and at a = 0.05 exceeds SR's exact mass (z = 5), while SR's stays at its
a -> 0 level.

Blind spots: the temperatures of the Gibbs laws are not compared (only the direction of the
masses); one toy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qnets.claims.instances import RADIUS
from qnets.claims.record import Claim, SizeTable
from qnets.claims.verdict import SEED, Verdict, Z
from qnets.simulate import SGD, BinaryConnect, annealed, run
from qnets.simulate.estimate import Estimate
from qnets.simulate.markov.summary import near_minimizer, sr_law_against_step
from qnets.simulate.scenarios import double_well
from qnets.theory.markov import derivations


@dataclass(frozen=True)
class Sizes:
    """``chains`` of SGD and BC, annealed for ``anneal`` steps and held for ``hold`` steps."""

    chains: int
    anneal: int
    hold: int


SIZES = SizeTable(Sizes(1000, 10_000, 5000), Sizes(5000, 40_000, 20_000))
DERIVATION = derivations()["M4"]


def _mass_estimate(problem, weights: np.ndarray) -> Estimate:
    return Estimate.from_samples(near_minimizer(problem, weights, RADIUS).astype(float))


def check(sizes: Sizes = SIZES.quick, seed: int = SEED) -> Verdict:
    """M4: annealed SGD and BC concentrate near the global minimizer as a shrinks; SR does not.

    SGD and BC (real weights) are annealed geometrically from a = 0.5 to the target a and held
    there; their mass near ``w*`` is estimated by Monte Carlo.  SR's is its exact stationary
    law at the same a.  Holds when SGD's and BC's mass rises from a = 0.2 to a = 0.05 (z = 5),
    and at a = 0.05 exceeds SR's exact mass (z = 5) while SR's stays at its a -> 0 level."""
    problem, space = double_well()
    chains, anneal, hold = sizes.chains, sizes.anneal, sizes.hold
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
        seed=seed,
    )


CLAIM = Claim(
    "M4",
    "paper",
    "SGD and BC (real weights) concentrate on the global minimizer as a shrinks; SR does not.",
    check,
    SIZES,
    notes="paper_notes/markov.md",
    bound=DERIVATION,
    figures=("toy-1d", "toy-2d", "nets-weights"),
    full_seconds=21.0,
)
