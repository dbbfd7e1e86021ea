"""Training methods, each updating whole arrays of chains in place.

With stochastic gradient ``g_t = g(w_t; xi_t)``, step size ``a_t``, projection ``P_W`` onto
the box domain and quantizers ``Q_d`` (nearest) and ``Q_s`` (stochastic) of a :class:`Grid`:

* ``SGD``: ``w <- P_W(w - a_t g(w))``;
* ``Rounding`` (R): ``w <- P_W(Q_d(w - a_t g(w)))``;
* ``StochasticRounding`` (SR): ``w <- P_W(Q_s(w - a_t g(w)))``;
* ``BinaryConnect`` (BC): real weights ``w_r <- P_W(w_r - a_t g(w_b))`` with deployed weights
  ``w_b = Q(w_r)``, ``Q`` stochastic or deterministic; ``w_b`` is drawn afresh after each step.

For R and SR the box is aligned with the grid, so ``P_W`` maps grid points to grid points and
``P_W o Q = Q o P_W``: iterates stay on the grid.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np
from qnets.simulate import _validate
from qnets.simulate.domain import Box
from qnets.simulate.grid import Grid
from qnets.simulate.problems.base import Problem

from qnets.errors import InputError, InputTypeError

State = dict[str, np.ndarray]


@dataclass(frozen=True)
class Workspace:
    """Reusable scratch for one block of chains: the gradient and the random draws.

    Reusing the same (cache-resident) memory every step instead of fresh allocations makes
    the SR step about 1.5x faster on 64k-entry blocks.
    """

    grad: np.ndarray
    draws: np.ndarray

    @classmethod
    def for_shape(cls, shape: tuple[int, int]) -> Workspace:
        """Scratch for blocks of at most ``shape`` (rows = chains)."""
        return cls(np.empty(shape), np.empty(shape))

    def rows(self, n: int) -> Workspace:
        """The leading ``n`` rows (contiguous views)."""
        return Workspace(self.grad[:n], self.draws[:n])


class Method(ABC):
    """A method owns no randomness; ``rng`` is passed to each call.

    ``state_names`` lists the arrays of its state, each of shape ``(n_chains, d)``; every one
    of them is an observable weight vector that the Monte Carlo runner records.
    """

    name: str
    state_names: tuple[str, ...] = ("w",)

    def validate(self, problem: Problem, domain: Box, w0: np.ndarray) -> None:
        """Raise if the method cannot start at ``w0`` on ``domain``."""

    def start(self, state: State, rng: np.random.Generator) -> None:
        """Complete a state whose arrays all hold ``w0`` (e.g. draw BC's deployed weights)."""

    @abstractmethod
    def step(
        self,
        state: State,
        lr: float,
        problem: Problem,
        rng: np.random.Generator,
        domain: Box,
        workspace: Workspace | None = None,
    ) -> None:
        """Advance every chain in ``state`` by one step of size ``lr``, in place."""


class SGD(Method):
    """Full-precision projected SGD."""

    name = "sgd"

    def step(
        self,
        state: State,
        lr: float,
        problem: Problem,
        rng: np.random.Generator,
        domain: Box,
        workspace: Workspace | None = None,
    ) -> None:
        w = state["w"]
        ws = workspace or Workspace.for_shape(w.shape)
        g = problem.stochastic_grad(w, rng, ws.grad, ws.draws)
        g *= lr
        w -= g
        domain.project(w, out=w)


@dataclass(frozen=True)
class _Quantized(Method):
    """A method whose iterates live on ``grid``: ``w <- P_W(round(w - a_t g(w)))``."""

    grid: Grid

    def validate(self, problem: Problem, domain: Box, w0: np.ndarray) -> None:
        if not isinstance(self.grid, Grid):
            raise InputTypeError(f"grid must be a Grid, got {type(self.grid).__name__}")
        domain.check_aligned(self.grid)
        if not np.all(self.grid.contains(w0)):
            raise InputError(f"w0 must lie on the grid (delta={self.grid.delta}) for {self.name}")

    @abstractmethod
    def _round(self, x: np.ndarray, rng: np.random.Generator, out: np.ndarray, scratch: np.ndarray) -> None:
        """Write the rounded ``x`` into ``out`` (``scratch`` is free for random draws)."""

    def step(
        self,
        state: State,
        lr: float,
        problem: Problem,
        rng: np.random.Generator,
        domain: Box,
        workspace: Workspace | None = None,
    ) -> None:
        w = state["w"]
        ws = workspace or Workspace.for_shape(w.shape)
        g = problem.stochastic_grad(w, rng, ws.grad, ws.draws)
        g *= lr
        np.subtract(w, g, out=g)
        self._round(g, rng, out=w, scratch=ws.draws)
        domain.project(w, out=w)


@dataclass(frozen=True)
class Rounding(_Quantized):
    """R: deterministic rounding of the SGD step (claim C8: stalls once ``a_t ||g||_inf < delta/2``)."""

    name = "r"

    def _round(self, x: np.ndarray, rng: np.random.Generator, out: np.ndarray, scratch: np.ndarray) -> None:
        self.grid.nearest(x, out=out)


@dataclass(frozen=True)
class StochasticRounding(_Quantized):
    """SR: unbiased stochastic rounding of the SGD step."""

    name = "sr"

    def _round(self, x: np.ndarray, rng: np.random.Generator, out: np.ndarray, scratch: np.ndarray) -> None:
        self.grid.stochastic(x, rng, out=out, scratch=scratch)


QUANTIZERS = ("stochastic", "deterministic")


@dataclass(frozen=True)
class BinaryConnect(Method):
    """BC: full-precision real weights, gradients taken at the quantized (deployed) weights."""

    grid: Grid
    quantizer: str = "stochastic"
    name = "bc"
    state_names = ("real", "deployed")

    def __post_init__(self) -> None:
        if not isinstance(self.grid, Grid):
            raise InputTypeError(f"grid must be a Grid, got {type(self.grid).__name__}")
        if self.quantizer not in QUANTIZERS:
            raise InputError(f"quantizer must be one of {QUANTIZERS}, got {self.quantizer!r}")

    def validate(self, problem: Problem, domain: Box, w0: np.ndarray) -> None:
        domain.check_aligned(self.grid)

    def _quantize(
        self, real: np.ndarray, rng: np.random.Generator, out: np.ndarray, scratch: np.ndarray | None = None
    ) -> None:
        if self.quantizer == "stochastic":
            self.grid.stochastic(real, rng, out=out, scratch=scratch)
        else:
            self.grid.nearest(real, out=out)

    def start(self, state: State, rng: np.random.Generator) -> None:
        self._quantize(state["real"], rng, out=state["deployed"])

    def step(
        self,
        state: State,
        lr: float,
        problem: Problem,
        rng: np.random.Generator,
        domain: Box,
        workspace: Workspace | None = None,
    ) -> None:
        real, deployed = state["real"], state["deployed"]
        ws = workspace or Workspace.for_shape(real.shape)
        g = problem.stochastic_grad(deployed, rng, ws.grad, ws.draws)
        g *= lr
        real -= g
        domain.project(real, out=real)
        self._quantize(real, rng, out=deployed, scratch=ws.draws)


def method_by_name(name: str, grid: Grid | None = None, quantizer: str = "stochastic") -> Method:
    """The method called ``name``.

    Parameters
    ----------
    name
        ``sgd``, ``r`` (nearest rounding), ``sr`` (stochastic rounding) or ``bc`` (BinaryConnect).
    grid
        The quantization grid (needed by every method but ``sgd``).
    quantizer
        BC's quantizer, ``stochastic`` (``Q_s``) or ``deterministic`` (``Q_d``).

    Returns
    -------
    Method

    Raises
    ------
    InputError
        For an unknown name or a quantized method without a grid.

    Examples
    --------
    >>> from qnets.simulate import Grid, method_by_name
    >>> type(method_by_name("sr", Grid(0.1))).__name__
    'StochasticRounding'
    >>> type(method_by_name("sgd")).__name__
    'SGD'
    """
    name = str(name).lower()
    _validate.choice("method", name, {"sgd": None, "r": None, "sr": None, "bc": None})
    if name == "sgd":
        return SGD()
    if grid is None:
        raise InputError(f"method {name!r} needs a grid")
    if name == "bc":
        return BinaryConnect(grid, quantizer)
    return Rounding(grid) if name == "r" else StochasticRounding(grid)
