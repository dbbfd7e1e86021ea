"""M5 (reconstructed): larger batches concentrate SR's stationary law near the minimizers.

Assumptions: the 1-D tilted double well with finite-sum minibatch gradient noise (the exact law
of the minibatch mean), small steps.

Statement: SR's small-step mass near the global minimizer increases with the batch size, while
a smaller learning rate does not raise it (M2, M3).

Check: SR's exact small-step mass, from the generator with the exact minibatch-gradient law,
increases with the batch size.  Independent part, at the smallest and the largest batch: the
noise is bounded, so for ``a <= a*`` claim M2 makes the generator's law ``pi_0`` exactly
stationary for ``T_a`` (no O(a) allowance is needed, and adding the computed
``TV(pi_a, pi_0)`` would hide a wrong generator).  Chains are drawn from ``pi_0`` and run by
the simulator for four relaxation times at ``a = 0.05``; if ``pi_0`` is the chain's law their
histogram is an i.i.d. sample of it, so ``||histogram - pi_0||_1`` must stay below the
concentration threshold (tail ``TAIL/3``); a wrong ``pi_0`` relaxes away from itself.  Both
on the double well's grid ``0.25 Z`` and at generic constants (grid ``0.3 Z``, ``a = 0.045``;
the minibatch variance is 3.5; simulated at the smallest batch only).

Blind spots: the monotonicity part compares exact laws computed by the same code at each batch.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from qnets.claims.instances import RADIUS, mass_near_minimizer, one_cell_step
from qnets.claims.record import Claim, SizeTable
from qnets.claims.references import TAIL, histogram_threshold, sr_steps
from qnets.claims.verdict import SEED, Verdict
from qnets.simulate import MinibatchNoise
from qnets.simulate.markov import generator, relaxation_time, stationary
from qnets.simulate.scenarios import DOUBLE_WELL_DELTA, MINIBATCH_OFFSETS, double_well


@dataclass(frozen=True)
class Sizes:
    """The minibatch sizes ``batches`` and the ``chains`` drawn from pi_0."""

    batches: tuple[int, ...]
    chains: int


SIZES = SizeTable(Sizes((1, 2, 4, 8), 4000), Sizes((1, 2, 4, 8, 16), 20_000))
#: Grid spacing and step of each instance: the double well's, and generic constants.
#: The generic instance is simulated at the smallest batch only (the largest one's relaxation is the slowest).
DYADIC = "Delta = 0.25"
INSTANCES = {DYADIC: (DOUBLE_WELL_DELTA, 0.05), "generic Delta = 0.3": (0.3, 0.045)}


def check(sizes: Sizes = SIZES.quick, seed: int = SEED) -> Verdict:
    """M5: SR's exact small-step mass near the minimizer increases with the batch size, computed
    from the generator with the exact minibatch-gradient law.

    Independent part, at the smallest and the largest batch: the noise is bounded, so for
    ``a <= a*`` claim M2 makes the generator's law ``pi_0`` exactly stationary for ``T_a`` (no
    O(a) allowance is needed, and adding the computed ``TV(pi_a, pi_0)`` would hide a wrong
    generator).  Chains are drawn from ``pi_0`` and run by the simulator for four relaxation
    times at ``a = 0.05``; if ``pi_0`` is the chain's law their histogram is an i.i.d. sample of
    it, so ``||histogram - pi_0||_1`` must stay below :func:`histogram_threshold` (tail ``TAIL/3``,
    three comparisons); a wrong ``pi_0`` relaxes away from itself.  All of it on the double well
    (``Delta = 0.25``, ``a = 0.05``) and at generic constants (``Delta = 0.3``, ``a = 0.045``)."""
    batches, chains = sizes.batches, sizes.chains
    rng = np.random.default_rng(seed)
    masses: dict[str, list[float]] = {name: [] for name in INSTANCES}
    sampled = []
    for name, (delta, lr) in INSTANCES.items():
        for batch in batches:
            problem, space = double_well(MinibatchNoise(MINIBATCH_OFFSETS, batch), half_width=1.5, delta=delta)
            rate_matrix = generator(problem, space)
            law = stationary(rate_matrix).pi
            masses[name].append(mass_near_minimizer(problem, space.points(), law))
            if batch == batches[0] or (batch == batches[-1] and name == DYADIC):
                steps = math.ceil(4 * relaxation_time(rate_matrix) / lr)
                W = space.points()[rng.choice(space.size, chains, p=law)]
                sr_steps(problem, space, lr, W, steps, rng)
                distance = float(np.abs(space.histogram(W) - law).sum())
                threshold = histogram_threshold(law, chains, TAIL / 3)
                sampled.append((name, batch, lr, one_cell_step(problem, space), steps, distance, threshold))
    parts = {
        name: all(y > x for x, y in itertools.pairwise(masses[name]))
        and all(lr <= a_star and d <= t for label, _, lr, a_star, _, d, t in sampled if label == name)
        for name in INSTANCES
    }
    *_, distance, threshold = max(sampled, key=lambda item: item[-2] / item[-1])
    return Verdict(
        "M5",
        all(parts.values()),
        distance,
        threshold,
        0.0,
        f"SR pi_0 mass within {RADIUS} of w* for B = {batches}: "
        + "; ".join(f"{name} {', '.join(f'{m:.3f}' for m in values)}" for name, values in masses.items())
        + "; Monte Carlo from pi_0 against the generator's law: "
        + ", ".join(
            f"{name} B = {b} (a = {lr}, a* = {s:.3g}, {n} steps) ||hist - pi_0||_1 {d:.3g} <= {t:.3g}"
            for name, b, lr, s, n, d, t in sampled
        ),
        {
            "batches": list(batches),
            "offsets": MINIBATCH_OFFSETS.tolist(),
            "chains": chains,
            "instances": {name: {"delta": delta, "lr": lr} for name, (delta, lr) in INSTANCES.items()},
        },
        seed=seed,
        parts=parts,
    )


CLAIM = Claim(
    "M5",
    "reconstructed",
    "Larger batches concentrate SR's stationary law near minimizers.",
    check,
    SIZES,
    notes="paper_notes/markov.md",
    figures=("batch-size", "nets-batch"),
    full_seconds=10.0,
)
