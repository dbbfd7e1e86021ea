"""The two Monte Carlo engines behind :func:`qnets.simulate.monte_carlo.run`, and which one runs.

* ``numpy`` (the default and the reference): whole-array steps of :mod:`qnets.simulate.methods` on a
  block of chains, drawing from the block's ``PCG64(SeedSequence child)``.
* ``compiled``: the one-pass numba kernels of :mod:`qnets.simulate.kernels` (noise, rounding uniform and
  update in one pass over memory), for a diagonal :class:`~qnets.simulate.problems.Quadratic`
  with Gaussian or uniform noise and the methods SGD, R, SR and BC.  Its stream is not numpy's, so
  its results differ from the numpy engine's draw by draw but agree in law; they are as
  reproducible: chain ``c`` of a block draws from xoshiro256++ seeded with words ``4c .. 4c+3`` of
  ``child.generate_state(4 rows, uint64)``, ``child`` being the block's ``SeedSequence`` child,
  so results do not depend on ``--jobs`` or on where a block runs.
* ``auto``: ``compiled`` where it applies and numba imports, else ``numpy``.

The engine is the ``engine=`` argument of ``run``, else the environment variable
``QNETS_ENGINE``, else ``numpy``.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
from qnets.simulate import _validate
from qnets.simulate.domain import Box
from qnets.simulate.methods import SGD, BinaryConnect, Method, Rounding, StochasticRounding, Workspace
from qnets.simulate.noise import GaussianNoise, UniformNoise
from qnets.simulate.problems.base import Problem
from qnets.simulate.problems.quadratic import Quadratic

from qnets.errors import InputError

ENGINE_ENV = "QNETS_ENGINE"
ENGINES = ("numpy", "compiled", "auto")
DEFAULT_ENGINE = "numpy"

State = dict[str, np.ndarray]


def requested_engine(engine: str | None) -> str:
    """``engine``, else ``$QNETS_ENGINE``, else ``numpy``; an InputError for anything but ``ENGINES``."""
    if engine is None:
        value = os.environ.get(ENGINE_ENV, "").strip() or DEFAULT_ENGINE
        name = f"{ENGINE_ENV}={value!r}"
    else:
        value, name = engine, f"engine={engine!r}"
    if value not in ENGINES:
        raise InputError(f"{name}: the engine must be one of {', '.join(ENGINES)}")
    return value


def compiled_support(problem: Problem, method: Method) -> str | None:
    """None if the compiled kernels run ``method`` on ``problem``, else the reason they do not."""
    if type(problem) is not Quadratic or not problem.is_diagonal:
        return f"it needs a diagonal Quadratic, got {type(problem).__name__}"
    if type(problem.noise) not in (GaussianNoise, UniformNoise):
        return f"it needs Gaussian or uniform noise, got {type(problem.noise).__name__}"
    if type(method) not in (SGD, Rounding, StochasticRounding, BinaryConnect):
        return f"it runs SGD, R, SR and BC, got {type(method).__name__}"
    return None


def resolve_engine(engine: str | None, problem: Problem, method: Method) -> str:
    """The engine that runs: ``numpy`` or ``compiled`` (see the module doc).

    Raises
    ------
    InputError
        For an unknown engine, or ``compiled`` where it does not apply or numba is missing.
    """
    wanted = requested_engine(engine)
    if wanted == "numpy":
        return "numpy"
    reason = compiled_support(problem, method)
    if reason is None and not numba_available():
        reason = "numba is not installed"
    if reason is None:
        return "compiled"
    if wanted == "compiled":
        raise InputError(f"engine 'compiled' cannot run this: {reason}; use engine 'numpy' or 'auto'")
    return "numpy"


@cache
def numba_available() -> bool:
    """True if numba imports (checked once per process)."""
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


class NumpyStepper:
    """The reference engine: ``method.step`` on whole arrays, one step at a time."""

    def __init__(self, problem: Problem, method: Method, domain: Box, rows: int, seed: np.random.SeedSequence):
        self.problem, self.method, self.domain = problem, method, domain
        self.rng = np.random.Generator(np.random.PCG64(seed))
        self.workspace = Workspace.for_shape((rows, problem.d))

    def start(self, state: State) -> None:
        """Complete the initial state (BC's first deployed weights)."""
        self.method.start(state, self.rng)

    def advance(self, state: State, sums: State, rates: np.ndarray) -> None:
        """One step per entry of ``rates``: the running sums take the current weights first."""
        for lr in rates:
            for name, array in state.items():
                sums[name] += array
            self.method.step(state, float(lr), self.problem, self.rng, self.domain, self.workspace)


@cache
def _ziggurat() -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    from qnets.simulate import kernels

    return kernels.ziggurat_tables()


def chain_states(seed: np.random.SeedSequence, rows: int) -> np.ndarray:
    """The ``(rows, 4)`` xoshiro256++ states of a block's chains (see the module doc)."""
    return seed.generate_state(4 * rows, np.uint64).reshape(rows, 4)


@dataclass
class CompiledStepper:
    """The one-pass engine: :mod:`qnets.simulate.kernels` on a block of chains, one generator per chain."""

    problem: Quadratic
    method: Method
    domain: Box
    rows: int
    seed: np.random.SeedSequence

    def __post_init__(self) -> None:
        from qnets.simulate import kernels

        self.kernels = kernels
        self.states = chain_states(self.seed, self.rows)
        noise = self.problem.noise
        if isinstance(noise, GaussianNoise):
            self.noise: tuple[int, float] = (kernels.GAUSSIAN, noise.sigma)
        else:
            assert isinstance(noise, UniformNoise)  # compiled_support admits these two
            self.noise = (kernels.UNIFORM, noise.half_width)
        method = self.method
        if isinstance(method, SGD):
            self.rounding, grid = kernels.SGD, None
        elif isinstance(method, BinaryConnect):
            self.rounding = kernels.STOCHASTIC if method.quantizer == "stochastic" else kernels.ROUND
            grid = method.grid
        else:
            assert isinstance(method, (Rounding, StochasticRounding))
            self.rounding = kernels.ROUND if isinstance(method, Rounding) else kernels.STOCHASTIC
            grid = method.grid
        if grid is None:
            self.grid: tuple[float, ...] = (0.0, 1.0, 1.0, -math.inf, math.inf)
        else:
            k_min, k_max = grid.index_bounds()
            self.grid = (grid.anchor, grid.delta, 1.0 / grid.delta, k_min, k_max)
        self.arrays = (
            np.ascontiguousarray(self.problem.H, dtype=float),
            np.ascontiguousarray(self.problem.w_star, dtype=float),
            np.ascontiguousarray(self.domain.lo, dtype=float),
            np.ascontiguousarray(self.domain.hi, dtype=float),
        )

    def start(self, state: State) -> None:
        """BC's first deployed weights, drawn with each chain's own generator."""
        if isinstance(self.method, BinaryConnect):
            self.kernels.quantize_rows(state["real"], state["deployed"], self.states, self.rounding, self.grid)

    def advance(self, state: State, sums: State, rates: np.ndarray) -> None:
        """``rates.size`` steps in one call of the kernel."""
        rates = np.ascontiguousarray(rates, dtype=float)
        tail: tuple[Any, ...] = (self.states, rates, *self.arrays, *self.noise, self.rounding, self.grid, _ziggurat())
        if isinstance(self.method, BinaryConnect):
            self.kernels.advance_bc(state["real"], state["deployed"], sums["real"], sums["deployed"], *tail)
        else:
            self.kernels.advance(state["w"], sums["w"], *tail)


def stepper(
    engine: str, problem: Problem, method: Method, domain: Box, rows: int, seed: np.random.SeedSequence
) -> NumpyStepper | CompiledStepper:
    """The stepper of ``engine`` (``numpy`` or ``compiled``, as :func:`resolve_engine` returns)."""
    _validate.choice("engine", engine, {"numpy": None, "compiled": None})
    if engine == "compiled":
        assert isinstance(problem, Quadratic)  # resolve_engine checked compiled_support
        return CompiledStepper(problem, method, domain, rows, seed)
    return NumpyStepper(problem, method, domain, rows, seed)
