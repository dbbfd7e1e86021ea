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
concentration threshold (tail ``TAIL/2``); a wrong ``pi_0`` relaxes away from itself.

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
from qnets.simulate.scenarios import MINIBATCH_OFFSETS, double_well


@dataclass(frozen=True)
class Sizes:
    """The minibatch sizes ``batches`` and the ``chains`` drawn from pi_0."""

    batches: tuple[int, ...]
    chains: int


SIZES = SizeTable(Sizes((1, 2, 4, 8), 4000), Sizes((1, 2, 4, 8, 16), 20_000))


def check(sizes: Sizes = SIZES.quick, seed: int = SEED) -> Verdict:
    """M5: SR's exact small-step mass near the minimizer increases with the batch size, computed
    from the generator with the exact minibatch-gradient law.

    Independent part, at the smallest and the largest batch: the noise is bounded, so for
    ``a <= a*`` claim M2 makes the generator's law ``pi_0`` exactly stationary for ``T_a`` (no
    O(a) allowance is needed, and adding the computed ``TV(pi_a, pi_0)`` would hide a wrong
    generator).  Chains are drawn from ``pi_0`` and run by the simulator for four relaxation
    times at ``a = 0.05``; if ``pi_0`` is the chain's law their histogram is an i.i.d. sample of
    it, so ``||histogram - pi_0||_1`` must stay below :func:`histogram_threshold` (tail ``TAIL/2``);
    a wrong ``pi_0`` relaxes away from itself."""
    batches, chains = sizes.batches, sizes.chains
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
        seed=seed,
    )


CLAIM = Claim(
    "M5",
    "reconstructed",
    "Larger batches concentrate SR's stationary law near minimizers.",
    check,
    SIZES,
    notes="paper_notes/markov.md",
    figures=("batch-size", "nets-batch"),
    full_seconds=22.0,
)
