"""What each training method keeps, deploys and does with a step (FP, BC, SR, R).

With grid-unit weights, a step ``s`` from the optimiser (:mod:`qnets.simulate.nets.optimizers`)
and a grid ``Q`` spanning [-1, 1] (nearest rounding ``Q_d``, stochastic rounding ``Q_s``):

==========  ======================  ====================  ===============================
method      state ``U`` starts at   deployed weights      update
==========  ======================  ====================  ===============================
``fp``      ``U_0``                 ``U``                 ``U <- U - s``
``bc``      ``U_0`` (real)          ``Q_d(U)``            ``U <- clip(U - s, -1, 1)``
``sr``      ``Q_s(U_0)``            ``U``                 ``U <- Q_s(U - s)``
``r``       ``Q_d(U_0)``            ``U``                 ``U <- Q_d(U - s)``
==========  ======================  ====================  ===============================

The deployed weights are the ones the forward pass uses, so every gradient, and every step
the optimiser forms from it, is taken at them.  BC's state is the full-precision accumulator of
BinaryConnect (deterministic rounding, as in the paper's BC experiments; the clip is
BinaryConnect's); SR and R keep nothing but grid weights.
"""

from __future__ import annotations

import numpy as np
from qnets.simulate.grid import Grid


class Rule:
    """Full precision: the state is the deployed weights, and steps are subtracted."""

    def start(self, u: np.ndarray, grid: Grid, rng: np.random.Generator) -> np.ndarray:
        """The initial state from the initial real weights ``u``."""
        del grid, rng
        return u

    def deploy(self, u: np.ndarray, grid: Grid) -> np.ndarray:
        """The deployed weights of state ``u`` (``u`` itself, not a copy, when they are equal)."""
        del grid
        return u

    def apply(self, u: np.ndarray, step: np.ndarray, grid: Grid, rng: np.random.Generator) -> None:
        """Update the state ``u`` in place with ``step``."""
        del grid, rng
        u -= step


class BinaryConnect(Rule):
    """Real weights, clipped to [-1, 1]; deployed rounded to nearest."""

    def deploy(self, u: np.ndarray, grid: Grid) -> np.ndarray:
        return grid.nearest(u)

    def apply(self, u: np.ndarray, step: np.ndarray, grid: Grid, rng: np.random.Generator) -> None:
        u -= step
        np.clip(u, -1.0, 1.0, out=u)


class StochasticRounding(Rule):
    """Grid weights only; every update rounded stochastically."""

    def start(self, u: np.ndarray, grid: Grid, rng: np.random.Generator) -> np.ndarray:
        return grid.stochastic(u, rng)

    def apply(self, u: np.ndarray, step: np.ndarray, grid: Grid, rng: np.random.Generator) -> None:
        u -= step
        grid.stochastic(u, rng, out=u)


class Rounding(Rule):
    """Grid weights only; every update rounded to nearest."""

    def start(self, u: np.ndarray, grid: Grid, rng: np.random.Generator) -> np.ndarray:
        return grid.nearest(u)

    def apply(self, u: np.ndarray, step: np.ndarray, grid: Grid, rng: np.random.Generator) -> None:
        u -= step
        grid.nearest(u, out=u)


RULES: dict[str, Rule] = {"fp": Rule(), "bc": BinaryConnect(), "sr": StochasticRounding(), "r": Rounding()}
