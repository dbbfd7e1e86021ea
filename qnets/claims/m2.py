"""M2 (paper): below the one-cell threshold, SR's law does not depend on ``a``; only mixing slows.

Assumptions: one dimension, bounded gradient noise, ``a sup|g| <= Delta``.

Statement (derived in :mod:`qnets.theory.markov`): ``T_a = I + (a/Delta) A`` exactly, so the
stationary law does not depend on ``a`` below the threshold and the spectral gap is linear in
``a`` (mixing slows like ``1/a``).

Check: with uniform and discrete noise on the grid ``0.25 Z``, and uniform noise of half-width
2.3 on the grid ``0.3 Z`` (generic constants), below ``a* = Delta / sup|g|`` the stationary laws at
a*, a*/2, a*/10 agree to solver precision and the spectral gap is linear in a; above a* (at 3a*)
they differ.  Those exact parts compare the kernel with itself.  The independent part: from
every state the simulator takes ``draws`` SR steps at a* and at 3a*, and the summed L1 distance
of the empirical rows from the kernel's rows must stay below the concentration threshold at
tail ``TAIL/6`` (Bonferroni over three instances and two steps).  The spectral gap of the
tridiagonal ``T_a*`` (the symmetrised tridiagonal eigenvalue path of :func:`spectral_gap`) must
equal ``1 - |lambda_2|`` from ``numpy.linalg.eigvals`` of the dense matrix (relative ``1e-9``).

Blind spots: the exact parts cannot see a kernel wrong in the same way at every ``a``; the
simulator comparison sees it only above the threshold of the histogram bound.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qnets.claims.instances import SOLVER_PRECISION, one_cell_step
from qnets.claims.record import Claim, SizeTable
from qnets.claims.references import TAIL, histogram_threshold, one_step_frequencies
from qnets.claims.verdict import SEED, Verdict
from qnets.simulate import DiscreteNoise, UniformNoise
from qnets.simulate.markov import spectral_gap, stationary, total_variation, transition_matrix
from qnets.simulate.noise import AdditiveNoise
from qnets.simulate.scenarios import DOUBLE_WELL_DELTA, double_well
from qnets.theory.markov import derivations


@dataclass(frozen=True)
class Sizes:
    """``draws`` simulated SR steps from every state."""

    draws: int


SIZES = SizeTable(Sizes(20_000), Sizes(100_000))
DERIVATION = derivations()["M2"]
#: The bounded noises of M2 and their grid spacings: uniform, a zero-mean discrete law with three
#: atoms, and the generic instance (uniform half-width 2.3 on a grid of spacing 0.3).
NOISES: dict[str, tuple[AdditiveNoise, float]] = {
    "uniform": (UniformNoise(2.5), DOUBLE_WELL_DELTA),
    "discrete": (DiscreteNoise(np.array([-2.0, 0.0, 1.0]), np.array([0.25, 0.25, 0.5])), DOUBLE_WELL_DELTA),
    "generic uniform": (UniformNoise(2.3), 0.3),
}
#: Relative agreement of the tridiagonal spectral gap with dense eigenvalues.
GAP_TOLERANCE = 1e-9


def dense_gap(matrix: np.ndarray) -> float:
    """``1 - |lambda_2|`` from all eigenvalues of the dense matrix (numpy)."""
    return float(1 - np.sort(np.abs(np.linalg.eigvals(matrix)))[-2])


def check(sizes: Sizes = SIZES.quick, seed: int = SEED) -> Verdict:
    """M2: with bounded noise (uniform and discrete), below ``a* = Delta / sup|g|`` the stationary
    laws at a*, a*/2, a*/10 agree to solver precision and the spectral gap is linear in a; above
    a* (at 3a*) they differ.

    Those exact parts compare the kernel with itself.  The independent part: from every state the
    simulator takes ``draws`` SR steps at a* and at 3a*, and the summed L1 distance of the
    empirical rows from the kernel's rows must stay below :func:`histogram_threshold` at tail
    ``TAIL/6`` (Bonferroni over three instances and two steps); the tridiagonal spectral gap at
    a* must equal the dense eigenvalues' (relative ``GAP_TOLERANCE``)."""
    draws = sizes.draws
    rng = np.random.default_rng(seed)
    exact, sampled, gap_errors = [], [], []
    for name, (noise, delta) in NOISES.items():
        problem, space = double_well(noise, half_width=1.5, delta=delta)
        a_star = one_cell_step(problem, space)
        rates = a_star * np.array([1.0, 0.5, 0.1])
        matrices = [transition_matrix(problem, space, a) for a in rates]
        laws = [stationary(m).pi for m in matrices]
        below = max(total_variation(laws[0], law) for law in laws[1:])
        gaps_per_a = np.array([spectral_gap(m) for m in matrices]) / rates
        gap_errors.append(abs(gaps_per_a[0] * a_star / dense_gap(matrices[0]) - 1))
        gap_spread = float(np.ptp(gaps_per_a) / gaps_per_a.mean())
        above_matrix = transition_matrix(problem, space, 3 * a_star)
        above = total_variation(stationary(above_matrix).pi, laws[0])
        exact.append((name, a_star, below, gap_spread, above))
        for multiple, matrix in ((1, matrices[0]), (3, above_matrix)):
            frequencies = one_step_frequencies(problem, space, multiple * a_star, draws, rng)
            distance = float(np.abs(frequencies - matrix).sum())
            sampled.append((f"{name} {multiple}a*", distance, histogram_threshold(matrix, draws, TAIL / 6)))
    exact_holds = all(b <= SOLVER_PRECISION and s <= 1e-9 and ab >= 1e-6 for _, _, b, s, ab in exact)
    _, distance, threshold = max(sampled, key=lambda item: item[1] / item[2])
    parts = {
        "laws and gaps (kernel against itself)": bool(exact_holds),
        "one-step rows (Monte Carlo)": all(d <= t for _, d, t in sampled),
        "tridiagonal gap = dense eigenvalues": bool(max(gap_errors) <= GAP_TOLERANCE),
    }
    return Verdict(
        "M2",
        all(parts.values()),
        distance,
        threshold,
        0.0,
        "kernel vs Monte Carlo one-step frequencies from every state (sum of row L1 <= threshold): "
        + ", ".join(f"{label} {d:.3g} <= {t:.3g}" for label, d, t in sampled)
        + "; exact (kernel against itself): "
        + "; ".join(
            f"{name} a* = {a:.4g}: TV(pi_a*, pi_a) <= {b:.1e} for a*/2, a*/10, spread of gap/a {s:.1e}, "
            f"TV at 3a* {ab:.3g} (differs)"
            for name, a, b, s, ab in exact
        )
        + f"; tridiagonal gap at a* vs dense eigenvalues: max rel. error {max(gap_errors):.1e} (<= {GAP_TOLERANCE:g})",
        {"draws": draws, "noises": {k: [repr(v), delta] for k, (v, delta) in NOISES.items()}},
        seed=seed,
        parts=parts,
    )


CLAIM = Claim(
    "M2",
    "paper",
    "For a sup|g| <= Delta (1-D): T_a = I + a A, pi does not depend on a, mixing slows like 1/a.",
    check,
    SIZES,
    notes="paper_notes/markov.md",
    bound=DERIVATION,
    figures=("markov-chain",),
)
