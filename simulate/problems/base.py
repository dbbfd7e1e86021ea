"""The interface every problem implements, vectorised over a leading chain axis.

``W`` always has shape ``(n_chains, d)``; ``loss`` returns ``(n_chains,)`` and the gradients
return ``(n_chains, d)``.  Constants that do not exist for a problem (``mu`` of a non-convex
toy, say) are ``None``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np
from qnets.simulate.domain import Box

from qnets.errors import InputError, InputTypeError


class Problem(ABC):
    """A stochastic objective ``F(w) = E f(w; xi)`` with its known constants.

    Attributes every subclass provides: ``d``, ``w_star`` (a global minimizer), ``f_star``
    (``F(w_star)``), and ``mu``, ``L``, ``L2`` (strong convexity, gradient Lipschitz and
    Hessian Lipschitz constants, or ``None`` where they do not exist).
    """

    d: int
    mu: float | None
    L: float | None
    L2: float | None
    w_star: np.ndarray
    f_star: float

    @abstractmethod
    def loss(self, W: np.ndarray) -> np.ndarray:
        """``F`` at each row of ``W``."""

    @abstractmethod
    def grad(self, W: np.ndarray) -> np.ndarray:
        """``grad F`` at each row of ``W``."""

    @abstractmethod
    def stochastic_grad(
        self,
        W: np.ndarray,
        rng: np.random.Generator,
        out: np.ndarray | None = None,
        scratch: np.ndarray | None = None,
    ) -> np.ndarray:
        """One unbiased stochastic gradient per row of ``W``, independent across rows.

        ``out`` and ``scratch`` are optional float64 arrays of ``W``'s shape that an
        implementation may use to avoid allocations; the gradient is the return value.
        """

    @abstractmethod
    def G(self, domain: Box) -> float:
        """A number with ``E||g(w)||**2 <= G**2`` for all ``w`` in ``domain``."""

    def D(self, domain: Box) -> float:
        """The domain's Euclidean diameter ``D = ||hi - lo||_2``."""
        self.check_domain(domain)
        return domain.diameter

    def gap(self, W: np.ndarray) -> np.ndarray:
        """Optimality gap ``F(w) - F*`` per row."""
        return self.loss(W) - self.f_star

    def check_domain(self, domain: Box) -> None:
        """Raise unless ``domain`` is a box of dimension ``d`` containing ``w_star``."""
        if not isinstance(domain, Box):
            raise InputTypeError(f"domain must be a Box, got {type(domain).__name__}")
        if domain.d != self.d:
            raise InputError(f"domain must have dimension d={self.d}, got {domain.d}")
        domain.check_contains("w_star", self.w_star)


class StronglyConvexProblem(Problem):
    """A ``mu``-strongly convex problem with ``L``-Lipschitz gradient and ``L2``-Lipschitz Hessian.

    Its constants exist and are numbers (``mu > 0``, ``L >= mu``, ``L2 >= 0``), never ``None``;
    ``w_star`` and ``f_star`` are set at construction.
    """

    mu: float
    L: float
    L2: float


def sample_rows(rng: np.random.Generator, n: int, n_chains: int, batch_size: int) -> np.ndarray:
    """Minibatch indices drawn uniformly with replacement: shape ``(n_chains, batch_size)``."""
    return rng.integers(0, n, size=(n_chains, batch_size))
