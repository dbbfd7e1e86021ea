"""Cross-checks of the Markov core's code paths, each at a size where it is the one in use (M6).

The generic instance (issue 18, item 2): the diagonal quadratic ``F(w) = sum_k h_k (w_k - w*_k)^2 / 2``
with ``h = (0.7, 1.3)``, ``w* = (0, 0.45)``, Gaussian noise ``sigma = 0.6`` per coordinate, the grid
``0.15 Z`` and the box ``[-1.2, 1.2] x [-0.75, 1.8]`` (centred at ``w*`` in the first coordinate
only; 17 x 18 = 306 states), step ``a = 0.045``.  The coordinates are independent chains, so
every exact 2-D law is the Kronecker product of 1-D laws (C order: last coordinate fastest);
the 1-D laws come from 1-D chains, solved by another solver than the 2-D chain.

* :func:`solver_paths`: ``stationary(method="auto")`` on chains where it picks each solver:
  birth-death (a 1-D generator) against GTH entry by entry; sparse LU (the 2-D generator on the
  box ``[-1.95, 1.95] x [-1.5, 2.55]``, 27 x 28 = 756 states, 5 entries a row) against the product of
  1-D birth-death laws; GTH for a dense chain (the 2-D kernel on the same box, assembled with
  ``sparse=True``) against the product of 1-D GTH laws, and that sparse kernel against the dense
  one entry by entry.  Each reports the solver ``auto`` used, which must be the intended one.
* :func:`propagation_paths`: :func:`~qnets.simulate.markov.quadratic.exact_sr_quadratic` (the compiled
  kernels of E2) against ``p_t = p_0 T^t`` with the 1-D kernel of :mod:`qnets.simulate.markov.kernel`,
  per coordinate: ``E F(w_t) - F*`` for ``t = 1..60``, for uniform, asymmetric and symmetric
  discrete, and Gaussian noise (narrow bands at ``a = 0.045``, the wide-band recurrence at
  ``a = 0.3``), so both the folded (centred coordinate, symmetric noise) and the full paths run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse

from qnets.simulate import Box, DiscreteNoise, GaussianNoise, Grid, Quadratic, UniformNoise, constant
from qnets.simulate.markov import StateSpace, generator, stationary, transition_matrix
from qnets.simulate.markov.quadratic import exact_sr_quadratic
from qnets.simulate.noise import AdditiveNoise

CURVATURES = np.array([0.7, 1.3])
W_STAR = np.array([0.0, 0.45])
SIGMA = 0.6
DELTA = 0.15
LR = 0.045
#: The generic box (306 states) and the larger one (756 states: GTH's estimated time exceeds
#: its budget, so ``auto`` picks sparse LU for a sparse chain and GTH only for a dense one).
BOX = ((-1.2, -0.75), (1.2, 1.8))
LARGE_BOX = ((-1.95, -1.5), (1.95, 2.55))
#: Exact propagation: its horizon, start, and noise laws (all zero-mean, no two scales equal).
PROPAGATION_STEPS = 60
PROPAGATION_START = np.array([0.6, 1.5])
PROPAGATION_NOISES: dict[str, AdditiveNoise] = {
    "uniform": UniformNoise(0.9),
    "asymmetric discrete": DiscreteNoise(np.array([-0.8, 0.2, 1.2]), np.array([0.5, 0.2, 0.3])),
    "symmetric discrete": DiscreteNoise(np.array([-0.7, 0.0, 0.7]), np.array([0.3, 0.4, 0.3])),
    "gaussian": GaussianNoise(SIGMA),
}
#: Wide bands: ``a sigma / delta >= 1`` uses the compiled Gaussian row recurrence.
WIDE_LR = 0.3
#: Agreement required between two exact computations (round-off is below 1e-13 on all of them).
EXACT_TOLERANCE = 1e-10


@dataclass(frozen=True)
class PathCheck:
    """One path against its independent computation: ``error <= tolerance``, and the solver that
    ``auto`` chose equal to the ``intended`` one (both empty where no solver is chosen)."""

    name: str
    error: float
    tolerance: float = EXACT_TOLERANCE
    used: str = ""
    intended: str = ""

    @property
    def holds(self) -> bool:
        return bool(self.error <= self.tolerance and self.used == self.intended)

    def describe(self) -> str:
        solver = f" [{self.used}, intended {self.intended}]" if self.intended else ""
        return f"{self.name}{solver} {self.error:.1e} <= {self.tolerance:g}"


def generic_problem(noise: AdditiveNoise | None = None) -> Quadratic:
    """The generic diagonal quadratic (module doc), with Gaussian noise ``SIGMA`` unless another law is given."""
    return Quadratic(CURVATURES, w_star=W_STAR, noise=noise or GaussianNoise(SIGMA))


def generic_space(corners: tuple[tuple[float, ...], tuple[float, ...]] = BOX) -> StateSpace:
    """The grid ``DELTA Z^2`` inside the box with corners ``corners``."""
    return StateSpace(Box(np.array(corners[0]), np.array(corners[1])), Grid(DELTA))


def coordinate(problem: Quadratic, space: StateSpace, k: int) -> tuple[Quadratic, StateSpace]:
    """Coordinate ``k`` of a diagonal quadratic and its box, as a 1-D problem and state space."""
    one = Quadratic(problem.H[[k]], w_star=problem.w_star[[k]], noise=problem.noise)
    return one, StateSpace(Box(space.box.lo[[k]], space.box.hi[[k]]), space.grid)


def product(laws: list[np.ndarray]) -> np.ndarray:
    """The law of independent coordinates over C-ordered states."""
    joint = np.ones(1)
    for law in laws:
        joint = np.kron(joint, law)
    return joint


def _relative(x: np.ndarray, y: np.ndarray) -> float:
    return float(np.max(np.abs(x - y) / np.maximum(np.abs(y), np.finfo(float).tiny)))


def solver_paths() -> list[PathCheck]:
    """Birth-death, sparse LU and dense GTH, each where ``auto`` picks it, and the sparse kernel
    (module doc)."""
    problem, space = generic_problem(), generic_space(LARGE_BOX)
    checks, bd_laws, gth_laws = [], [], []
    for k in range(problem.d):
        one, one_space = coordinate(problem, space, k)
        rates = generator(one, one_space)
        auto, gth = stationary(rates), stationary(rates, method="gth")
        bd_laws.append(auto.pi)
        checks.append(
            PathCheck(
                f"birth-death vs GTH (coordinate {k}, max rel.)",
                _relative(auto.pi, gth.pi),
                1e-9,
                auto.method,
                "birth-death",
            )
        )
        gth_laws.append(stationary(transition_matrix(one, one_space, LR)).pi)
    lu = stationary(generator(problem, space))
    checks.append(
        PathCheck(
            f"sparse LU vs product of birth-death laws ({space.size} states, L1)",
            float(np.abs(lu.pi - product(bd_laws)).sum()),
            used=lu.method,
            intended="sparse-lu",
        )
    )
    sparse = transition_matrix(problem, space, LR, sparse=True)
    dense = transition_matrix(problem, space, LR)
    difference = np.abs(scipy.sparse.csr_matrix(sparse).toarray() - dense).max()
    checks.append(PathCheck("sparse kernel vs dense kernel (max abs.)", float(difference)))
    law = stationary(sparse)
    gth_kind = "gth" if law.method == "gth" and law.choice.startswith("dense") else f"{law.method} ({law.choice})"
    checks.append(
        PathCheck(
            f"dense GTH vs product of 1-D GTH laws ({space.size} states, L1)",
            float(np.abs(law.pi - product(gth_laws)).sum()),
            used=gth_kind,
            intended="gth",
        )
    )
    return checks


def _coordinate_propagation(problem: Quadratic, space: StateSpace, lr: float, steps: int, w0: np.ndarray) -> np.ndarray:
    """``E F(w_t) - F*`` for ``t = 1..steps`` from 1-D kernels propagated per coordinate."""
    gap = np.zeros(steps)
    for k in range(problem.d):
        one, one_space = coordinate(problem, space, k)
        matrix = transition_matrix(one, one_space, lr)
        energy = 0.5 * problem.H[k] * (one_space.axes[0] - problem.w_star[k]) ** 2
        p = np.zeros(one_space.size)
        p[one_space.index(w0[[k]][None, :])[0]] = 1.0
        for t in range(steps):
            p = p @ matrix
            gap[t] += p @ energy
    return gap


def propagation_paths() -> list[PathCheck]:
    """Exact propagation (E2's compiled kernels) against 1-D kernel propagation (module doc)."""
    space = generic_space()
    checks = []
    for name, noise in PROPAGATION_NOISES.items():
        problem = generic_problem(noise)
        for lr in (LR, WIDE_LR) if name == "gaussian" else (LR,):
            exact = exact_sr_quadratic(
                problem, space.grid, space.box, constant(lr), PROPAGATION_STEPS, w0=PROPAGATION_START
            )
            reference = _coordinate_propagation(problem, space, lr, PROPAGATION_STEPS, PROPAGATION_START)
            checks.append(PathCheck(f"{name} a = {lr:g} (max rel.)", _relative(exact.last, reference)))
    return checks
