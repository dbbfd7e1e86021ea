"""Strongly convex quadratics ``F(w) = f* + (1/2) (w - w*)^T H (w - w*)``.

Constants (exact): ``mu = lambda_min(H)``, ``L = lambda_max(H)``, ``L2 = 0`` (the Hessian is
constant).  Two noise models:

* additive noise (:mod:`qnets.simulate.noise`): ``g = H (w - w*) + xi``;
* finite-sum least squares (:meth:`Quadratic.least_squares`): ``F(w) = (1/2n) ||A w - b||^2``
  and ``g = (1/B) sum_{i in batch} a_i (a_i^T w - b_i)`` with ``B`` rows drawn uniformly
  with replacement, so that ``H = A^T A / n`` and ``w* = argmin`` (least squares).

Vouched for independently (finite differences, the sup of ``E||g||^2`` over the box, multi-start
minimisation) by ``tests/test_constants.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from qnets.simulate import _validate
from qnets.simulate.domain import Box
from qnets.simulate.noise import ADDITIVE_NOISES, AdditiveNoise, GaussianNoise
from qnets.simulate.problems.base import StronglyConvexProblem, sample_rows

from qnets.errors import InputError, InputTypeError

#: Eigenvalues at or below ``SPD_RTOL * lambda_max`` count as zero: H is then rejected as not SPD.
SPD_RTOL = 1e-12


@dataclass(frozen=True, eq=False)
class LeastSquaresMinibatch:
    """Finite-sum minibatch noise: rows ``(A, b)`` sampled with replacement, ``batch_size`` at a time."""

    A: np.ndarray
    b: np.ndarray
    batch_size: int

    def __post_init__(self) -> None:
        A = _validate.finite_array("A", self.A, ndim=2)
        b = _validate.finite_array("b", self.b, ndim=1)
        if b.shape[0] != A.shape[0]:
            raise InputError(f"b must have length A.shape[0]={A.shape[0]}, got {b.shape[0]}")
        object.__setattr__(self, "A", A)
        object.__setattr__(self, "b", b)
        object.__setattr__(self, "batch_size", _validate.integer("batch_size", self.batch_size, 1))


@dataclass(frozen=True, eq=False)
class Quadratic(StronglyConvexProblem):
    """``F(w) = f_star + (1/2)(w - w_star)^T H (w - w_star)`` with SPD ``H``.

    Parameters
    ----------
    H:
        A vector of eigenvalues (diagonal ``H``, the fast path) or a symmetric positive
        definite ``d x d`` matrix.
    w_star:
        The minimizer: a vector of length ``d`` or a scalar for every coordinate (default: the
        origin).
    noise:
        An additive noise law or a :class:`LeastSquaresMinibatch`.
    f_star:
        The minimum value.
    """

    H: np.ndarray
    w_star: np.ndarray = 0.0  # type: ignore[assignment]  # a scalar broadcasts; stored as a vector
    noise: AdditiveNoise | LeastSquaresMinibatch = field(default_factory=lambda: GaussianNoise(0.0))
    f_star: float = 0.0

    def __post_init__(self) -> None:
        H = _validate.finite_array("H", self.H)
        if H.ndim == 1:
            eigenvalues = H
        elif H.ndim == 2 and H.shape[0] == H.shape[1]:
            if not np.allclose(H, H.T, rtol=1e-12, atol=0.0):
                raise InputError("H must be symmetric")
            eigenvalues = np.linalg.eigvalsh(H)
        else:
            raise InputError(f"H must be a vector of eigenvalues or a square matrix, got shape {H.shape}")
        if eigenvalues.size == 0:
            raise InputError("H must have dimension d >= 1")
        if np.max(np.abs(H)) > _validate.MAX_SCALE:
            raise InputError(f"H must have entries of magnitude <= {_validate.MAX_SCALE:g} (G and F stay finite)")
        if eigenvalues.min() <= SPD_RTOL * max(eigenvalues.max(), 0.0):
            raise InputError(f"H must be symmetric positive definite; smallest eigenvalue {eigenvalues.min():.3g}")
        d = eigenvalues.size
        w_star = _validate.vector("w_star", self.w_star, d)
        if not isinstance(self.noise, (*ADDITIVE_NOISES, LeastSquaresMinibatch)):
            raise InputTypeError(f"noise must be an additive noise law or LeastSquaresMinibatch, got {self.noise!r}")
        for name, value in (("H", H), ("w_star", w_star)):
            value.setflags(write=False)
            object.__setattr__(self, name, value)
        object.__setattr__(self, "f_star", _validate.real_number("f_star", self.f_star))
        object.__setattr__(self, "d", d)
        object.__setattr__(self, "mu", float(eigenvalues.min()))
        object.__setattr__(self, "L", float(eigenvalues.max()))
        object.__setattr__(self, "L2", 0.0)

    # ------------------------------------------------------------------ constructors
    @classmethod
    def isotropic(cls, d: int, mu: float = 1.0, sigma: float = 1.0) -> Quadratic:
        """``H = mu I``, ``w* = 0``, Gaussian noise of standard deviation ``sigma``."""
        d = _validate.allocation("Quadratic.isotropic(d)", _validate.integer("d", d, 1))
        return cls(np.full(d, _validate.positive("mu", mu, _validate.MAX_SCALE)), noise=GaussianNoise(sigma))

    @classmethod
    def ill_conditioned(
        cls, d: int, mu: float, L: float, sigma: float = 1.0, rotation_seed: int | None = None
    ) -> Quadratic:
        """Eigenvalues log-spaced in ``[mu, L]``; rotated by a Haar-random orthogonal matrix
        drawn from ``rotation_seed`` (diagonal when ``rotation_seed`` is None)."""
        d = _validate.integer("d", d, 1)
        _validate.allocation("Quadratic.ill_conditioned(d)", d * d if rotation_seed is not None else d)
        mu = _validate.positive("mu", mu, _validate.MAX_SCALE)
        L = _validate.positive("L", L, _validate.MAX_SCALE)
        if L < mu:
            raise InputError(f"L must be >= mu={mu}, got {L}")
        eigenvalues = np.geomspace(mu, L, d)
        if rotation_seed is None:
            return cls(eigenvalues, noise=GaussianNoise(sigma))
        q, r = np.linalg.qr(np.random.default_rng(rotation_seed).standard_normal((d, d)))
        q *= np.sign(np.diag(r))
        H = (q * eigenvalues) @ q.T
        return cls((H + H.T) / 2, noise=GaussianNoise(sigma))

    @classmethod
    def least_squares(cls, A: np.ndarray, b: np.ndarray, batch_size: int) -> Quadratic:
        """``F(w) = (1/2n)||A w - b||^2`` with minibatch gradients of ``batch_size`` rows."""
        noise = LeastSquaresMinibatch(A, b, batch_size)
        n = noise.A.shape[0]
        H = noise.A.T @ noise.A / n
        w_star, *_ = np.linalg.lstsq(noise.A, noise.b, rcond=None)
        f_star = 0.5 * float(np.mean((noise.A @ w_star - noise.b) ** 2))
        return cls((H + H.T) / 2, w_star, noise, f_star)

    # ------------------------------------------------------------------ interface
    @property
    def is_diagonal(self) -> bool:
        """True when ``H`` is given by its eigenvalues (axis-aligned)."""
        return self.H.ndim == 1

    def _apply_H(self, V: np.ndarray) -> np.ndarray:
        """``V H`` row-wise; overwrites ``V`` when ``H`` is diagonal."""
        if self.is_diagonal:
            V *= self.H
            return V
        return V @ self.H

    def loss(self, W: np.ndarray) -> np.ndarray:
        """``f* + (1/2)(w - w*)^T H (w - w*)`` per row."""
        V = np.subtract(W, self.w_star, dtype=float)
        return self.f_star + 0.5 * np.einsum("ij,ij->i", V, self._apply_H(V.copy()))

    def grad(self, W: np.ndarray) -> np.ndarray:
        """``H (w - w*)`` per row."""
        return self._apply_H(np.subtract(W, self.w_star, dtype=float))

    def stochastic_grad(
        self,
        W: np.ndarray,
        rng: np.random.Generator,
        out: np.ndarray | None = None,
        scratch: np.ndarray | None = None,
    ) -> np.ndarray:
        """``H (w - w*) + xi`` (additive noise) or a minibatch least-squares gradient."""
        if isinstance(self.noise, LeastSquaresMinibatch):
            A, b, B = self.noise.A, self.noise.b, self.noise.batch_size
            rows = sample_rows(rng, A.shape[0], W.shape[0], B)
            A_batch = A[rows]  # (n_chains, B, d)
            residual = np.einsum("cbd,cd->cb", A_batch, W) - b[rows]
            return np.einsum("cb,cbd->cd", residual, A_batch) / B
        g = self._apply_H(np.subtract(W, self.w_star, out=out))
        self.noise.add_to(g, rng, scratch)
        return g

    def G(self, domain: Box) -> float:
        """``G`` with ``E||g(w)||^2 <= G^2`` on ``domain``.

        With ``m_i = max_{w in W} |w_i - w*_i|``, ``sup ||H (w - w*)||^2 <= || |H| m ||^2``
        (exact for diagonal ``H``).  Additive noise adds ``d * variance`` (so ``G`` is exact for
        diagonal ``H``).  Minibatch noise with replacement has
        ``E||g||^2 = (1 - 1/B) ||grad F||^2 + (1/B) (1/n) sum_i ||grad f_i||^2`` and each
        ``|a_i^T w - b_i|`` is bounded on the box by interval arithmetic.
        """
        self.check_domain(domain)
        m = domain.max_abs_offset(self.w_star)
        full_grad_sq = float(np.sum((np.abs(self.H) * m if self.is_diagonal else np.abs(self.H) @ m) ** 2))
        if not isinstance(self.noise, LeastSquaresMinibatch):
            return float(np.sqrt(full_grad_sq + self.d * self.noise.variance))
        A, b, B = self.noise.A, self.noise.b, self.noise.batch_size
        upper = np.maximum(A * domain.lo, A * domain.hi).sum(axis=1) - b
        lower = np.minimum(A * domain.lo, A * domain.hi).sum(axis=1) - b
        max_residual_sq = np.maximum(upper**2, lower**2)
        per_sample_sq = float(np.mean(np.sum(A**2, axis=1) * max_residual_sq))
        return float(np.sqrt((1 - 1 / B) * full_grad_sq + per_sample_sq / B))
