"""C9 (paper): as the constant step ``a -> 0``, SR's floor stays while SGD's shrinks like ``a``.

Assumptions: ``|w|^2/2`` in d = 10 with Gaussian gradient noise (sigma = 1), the grid
``Delta = 0.05``; constant steps ``a`` for ``horizon / a`` steps, so ``(1 - a)^{2T} <= e^-40``
and the chains are stationary.

Statement: SGD's stationary error ``d a sigma^2 / (2 (2 - a mu))`` is linear in ``a``; SR's does
not fall with ``a``; R, stuck, stays above SR.

Check:

* SGD's error equals its exact value (:func:`~qnets.claims.exact.sgd_quadratic_gap`) at every
  ``a`` (z-test), and falls with ``a`` (Monte Carlo: the gap at the smallest ``a`` over the
  largest, < 0.5);
* SR's error equals E2's exact propagation at every ``a`` (z-test), and does not fall: at the
  smallest ``a`` it is more than half that at the largest, both in Monte Carlo (confidence
  limits) and exactly;
* R stays above SR.

The z-tests share one Bonferroni level over the ``2 x 4`` comparisons.  The same parts but R's
run again on a generic instance (d = 3, mu = 0.7, sigma = 1.3, Delta = 0.37, a in {0.03,
0.003}, its own Bonferroni level over 4 comparisons), where a variance and a standard deviation,
or ``a`` and ``a mu``, are different numbers.

Blind spots: SGD's exact transient is
below ``e^-40`` at this horizon, so C9 cannot see it (a test of ``sgd_quadratic_gap`` does).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qnets.claims.exact import sgd_quadratic_gap
from qnets.claims.record import Claim, SizeTable
from qnets.claims.verdict import SEED, Verdict, Z, bonferroni_z
from qnets.simulate import SGD, Box, Grid, Quadratic, Rounding, StochasticRounding, constant, run
from qnets.simulate.markov.kernel import additive_noise
from qnets.simulate.markov.quadratic import exact_sr_quadratic
from qnets.simulate.scenarios import quadratic_setup


@dataclass(frozen=True)
class Sizes:
    """``chains`` per method and step size, each run for ``horizon / a`` steps."""

    chains: int
    horizon: int


SIZES = SizeTable(Sizes(200, 20), Sizes(1000, 100))
#: The constant step sizes, largest first.
RATES = (0.03, 0.01, 0.003, 0.001)


#: The generic instance ``(d, mu, sigma, Delta)`` and its step sizes (largest first): no constant
#: 1, none equal, Delta not a power of 2.
GENERIC = (3, 0.7, 1.3, 0.37)
GENERIC_RATES = (0.03, 0.003)


def sweep(problem, grid, box, rates: np.ndarray, methods: tuple, chains: int, horizon: int, seed: int) -> tuple:
    """Monte Carlo gaps of ``methods`` at every constant step of ``rates`` (``horizon / a`` steps),
    and the exact ones of SGD (:func:`~qnets.claims.exact.sgd_quadratic_gap`) and SR (E2)."""
    runs = [(float(a), int(horizon / a)) for a in rates]  # (step size, steps)
    start_offset = float(box.lo[0] - problem.w_star[0])
    gaps = {
        m.name: [run(problem, m, constant(a), t, chains, seed, box).final("w.gap") for a, t in runs] for m in methods
    }
    variance = additive_noise(problem).variance
    exact = {
        "sgd": [sgd_quadratic_gap(problem.mu, variance, problem.d, a, t, start_offset) for a, t in runs],
        "sr": [float(exact_sr_quadratic(problem, grid, box, constant(a), t).last[-1]) for a, t in runs],
    }
    return gaps, exact


def agreement(gaps: dict, exact: dict) -> dict[str, float]:
    """The largest ``|z|`` of SGD's and SR's Monte Carlo gaps against their exact values."""
    return {
        name: max(abs(g.mean - e) / g.stderr for g, e in zip(gaps[name], exact[name], strict=True))
        for name in ("sgd", "sr")
    }


def generic_parts(chains: int, horizon: int, seed: int) -> tuple[dict[str, bool], str]:
    """SGD and SR on :data:`GENERIC` at :data:`GENERIC_RATES`: each equals its exact error
    (Bonferroni over these 4 comparisons), SGD falls with ``a`` (Monte Carlo confidence limits)
    and SR stays (its exact errors, which the z-test has just tied to the simulation)."""
    d, mu, sigma, delta = GENERIC
    problem = Quadratic.isotropic(d, mu, sigma)
    grid = Grid(delta)
    box = Box.around(problem.w_star, 1.0, grid)
    rates = np.array(GENERIC_RATES)
    gaps, exact = sweep(problem, grid, box, rates, (SGD(), StochasticRounding(grid)), chains, horizon, seed)
    z_scores, z_level = agreement(gaps, exact), bonferroni_z(2 * rates.size)
    sgd_ratio = gaps["sgd"][-1].upper(Z) / gaps["sgd"][0].lower(Z)
    sr_ratio = exact["sr"][-1] / exact["sr"][0]
    parts = {
        "generic: SGD = exact": bool(z_scores["sgd"] <= z_level),
        "generic: SR = E2 exact": bool(z_scores["sr"] <= z_level),
        "generic: SGD falls with a": bool(sgd_ratio < 0.5),
        "generic: SR stays": bool(sr_ratio > 0.5),
    }
    detail = (
        f"generic (d={d}, mu={mu:g}, sigma={sigma:g}, Delta={delta:g}, a in {list(GENERIC_RATES)}): max |z| SGD "
        f"{z_scores['sgd']:.2f}, SR {z_scores['sr']:.2f} (Bonferroni z {z_level:.2f}); SGD ratio <= {sgd_ratio:.3g}, "
        f"SR exact ratio {sr_ratio:.3g}"
    )
    return parts, detail


def check(sizes: Sizes = SIZES.quick, seed: int = SEED) -> Verdict:
    """C9: the constant-step sweep, and its generic instance (the module docstring)."""
    problem, grid, box = quadratic_setup(10, 0.05)
    rates = np.array(RATES)
    chains, horizon = sizes.chains, sizes.horizon
    z_level = bonferroni_z(2 * rates.size)
    methods = (SGD(), StochasticRounding(grid), Rounding(grid))
    gaps, exact = sweep(problem, grid, box, rates, methods, chains, horizon, seed)
    z_scores = agreement(gaps, exact)
    sgd_ratio = gaps["sgd"][-1].upper(Z) / gaps["sgd"][0].lower(Z)
    sr_ratio = gaps["sr"][-1].lower(Z) / gaps["sr"][0].upper(Z)
    sr_exact_ratio = exact["sr"][-1] / exact["sr"][0]
    r_gap = gaps["r"][-1].lower(Z)
    generic, generic_detail = generic_parts(chains, horizon, seed)
    parts = {
        "SGD = exact": bool(z_scores["sgd"] <= z_level),
        "SR = E2 exact": bool(z_scores["sr"] <= z_level),
        "SGD falls with a": bool(sgd_ratio < 0.5),
        "SR stays": bool(sr_ratio > 0.5 and sr_exact_ratio > 0.5),
        "R above SR": bool(r_gap > gaps["sr"][-1].upper(Z)),
        **generic,
    }
    detail = (
        f"SGD against its exact error: max |z| {z_scores['sgd']:.2f}; SR against E2: max |z| "
        f"{z_scores['sr']:.2f} (Bonferroni z {z_level:.2f}); SGD gap(a={rates[-1]})/gap(a={rates[0]}) <= "
        f"{sgd_ratio:.3g} (exact {exact['sgd'][-1] / exact['sgd'][0]:.3g}); SR >= {sr_ratio:.3g} (exact "
        f"{sr_exact_ratio:.3g}); "
        f"R gap >= {r_gap:.3g} above SR; {generic_detail}"
    )
    params = {"rates": rates.tolist(), "chains": chains, "horizon": horizon, "z_bonferroni": z_level}
    return Verdict("C9", all(parts.values()), float(sr_ratio), 0.5, 0.0, detail, params, seed=seed, parts=parts)


CLAIM = Claim(
    "C9",
    "paper",
    "As a -> 0, SGD's floor shrinks like a while SR's floor stays.",
    check,
    SIZES,
    notes="paper_notes/convex.md",
    figures=("floor-vs-lr",),
    full_seconds=70.0,
)
