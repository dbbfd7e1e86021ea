"""The limits of the exact chains of ``qnets markov``: states, memory and float64 resolution.

* The chains are dense (a transition matrix, its stationary law and its spectrum), so they have
  at most :data:`MAX_STATES` states and hold :data:`DENSE_COPIES` dense matrices at their peak.
* The toys' gradients grow like ``w^3``: beyond :data:`MAX_HALF_WIDTH` the laws lose all meaning.
* One SR step may jump at most :data:`MAX_REACH` grid points: beyond it the lattice coordinates
  ``(x_j - y)/delta`` of the exact laws lose their integer resolution in float64 (Gaussian noise
  is taken to reach :data:`MAX_NOISE_MULTIPLE` standard deviations, where its density falls
  below the smallest double).
"""

from __future__ import annotations

import numpy as np
from qnets.simulate.budget import Cost, dense_chain_cost
from qnets.simulate.markov.kernel import MAX_DENSE_STATES, StateSpace
from qnets.simulate.markov.mixing import MAX_DENSE_EIGEN_STATES
from qnets.simulate.problems.base import Problem

#: The most states of a chain: what the dense stationary solve and the dense spectrum both allow.
MAX_STATES = min(MAX_DENSE_STATES, MAX_DENSE_EIGEN_STATES)
#: Peak memory of one step size, in dense ``states x states`` float64 matrices (the matrix, its
#: sparse copy, the solver's and the eigenvalue routine's working copies; 1001 states measured
#: ~9.6 matrices of peak resident set growth with /usr/bin/time).
DENSE_COPIES = 12
#: The widest box ``[-h, h]^d`` of the toys' chains (their gradients grow like ``w^3``).
MAX_HALF_WIDTH = 1e6
#: Standard deviations Gaussian noise is taken to reach (its density below the smallest double beyond).
MAX_NOISE_MULTIPLE = 40
#: The most grid points one SR step may jump (float64 keeps the lattice coordinates integer up to it).
MAX_REACH = 1e12


def chain_cost(states: int, step_sizes: int) -> Cost:
    """The memory and work of solving ``step_sizes`` dense chains of ``states`` states."""
    return dense_chain_cost(states, step_sizes, DENSE_COPIES)


def one_step_reach(problem: Problem, space: StateSpace, lr: float, noise_scale: float) -> float:
    """The largest jump, in grid points, of one SR step of size ``lr`` from a state of ``space``:
    ``lr (sup|F'| + MAX_NOISE_MULTIPLE noise_scale) / delta``."""
    sup_gradient = float(np.max(np.abs(problem.grad(space.points()))))
    return lr * (sup_gradient + MAX_NOISE_MULTIPLE * noise_scale) / space.grid.delta
