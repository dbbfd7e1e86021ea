"""l2-regularised logistic regression, a strongly convex problem with ``L2 > 0``.

``F(w) = (1/n) sum_i log(1 + exp(-y_i x_i^T w)) + (lam/2) ||w||^2`` with labels in {-1, +1}.

Constants (with ``s(z) = log(1 + e^{-z})``, ``s'' = sigma (1 - sigma) in (0, 1/4]`` and
``|s'''| <= 1/(6 sqrt 3)``, ``sigma`` the logistic function):

* ``mu = lam``: the Hessian ``(1/n) sum_i s''(y_i x_i^T w) x_i x_i^T + lam I`` is ``>= lam I``;
* ``L = lam + ||X||_2^2 / (4 n)``: since ``s'' <= 1/4``;
* ``L2 = sum_i ||x_i||_2^3 / (6 sqrt(3) n)``: for any ``w, v``,
  ``||H(w) - H(v)||_2 <= (1/n) sum_i |s''(z_i) - s''(z_i')| ||x_i||^2
  <= (1/n) sum_i (1/(6 sqrt 3)) |x_i^T (w - v)| ||x_i||^2 <= L2 ||w - v||``.

``w_star`` is computed by cvxpy (Clarabel, tolerances 1e-10) and ``f_star = F(w_star)`` is
evaluated with the float64 formula below, so that ``F(w) - F*`` is consistent.
Stochastic gradients use ``batch_size`` samples drawn uniformly with replacement.

Vouched for independently (finite differences, the sup of ``E||g||^2`` over the box, multi-start
minimisation) by ``tests/test_constants.py``; ``mu``, ``L2`` and ``G`` are attained only on
aligned data (``x_i = y_i r u``), and on generic data are loose (there: one-sided tests).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from qnets.simulate import _validate
from qnets.simulate.domain import Box
from qnets.simulate.problems.base import StronglyConvexProblem, sample_rows
from scipy.special import expit

from qnets.errors import InputError

#: ``max_z |d^3/dz^3 log(1 + e^{-z})|``, attained where ``sigma(z) = (3 -+ sqrt 3)/6``.
MAX_THIRD_DERIVATIVE = 1.0 / (6.0 * np.sqrt(3.0))

#: Clarabel's gap and feasibility tolerances for the reference optimum.
SOLVER_TOLERANCE = 1e-10


@dataclass(frozen=True, eq=False)
class Logistic(StronglyConvexProblem):
    """l2-regularised logistic regression on data ``X`` (n x d) with labels ``y`` in {-1, +1}."""

    X: np.ndarray
    y: np.ndarray
    lam: float
    batch_size: int = 1

    def __post_init__(self) -> None:
        X = _validate.finite_array("X", self.X, ndim=2)
        y = _validate.finite_array("y", self.y, ndim=1)
        if y.shape[0] != X.shape[0] or X.shape[0] == 0:
            raise InputError(f"y must have length X.shape[0]={X.shape[0]} >= 1, got {y.shape[0]}")
        if np.max(np.abs(X)) > _validate.MAX_SCALE:
            raise InputError(f"X must have entries of magnitude <= {_validate.MAX_SCALE:g}")
        if not np.all(np.abs(y) == 1):
            raise InputError("y must contain only labels -1 and +1")
        for name, value in (("X", X), ("y", y)):
            value.setflags(write=False)
            object.__setattr__(self, name, value)
        object.__setattr__(self, "lam", _validate.positive("lam", self.lam, _validate.MAX_SCALE))
        object.__setattr__(self, "batch_size", _validate.integer("batch_size", self.batch_size, 1))
        n = X.shape[0]
        object.__setattr__(self, "d", X.shape[1])
        object.__setattr__(self, "mu", self.lam)
        object.__setattr__(self, "L", self.lam + float(np.linalg.norm(X, 2)) ** 2 / (4 * n))
        row_norms = np.linalg.norm(X, axis=1)
        object.__setattr__(self, "L2", float(MAX_THIRD_DERIVATIVE * np.sum(row_norms**3) / n))
        w_star = self._solve_minimizer()
        object.__setattr__(self, "w_star", w_star)
        object.__setattr__(self, "f_star", float(self.loss(w_star[None, :])[0]))

    @classmethod
    def synthetic(
        cls, n: int, d: int, lam: float = 0.1, seed: int = 0, batch_size: int = 1, label_noise: float = 0.1
    ) -> Logistic:
        """Gaussian features, labels ``sign(x^T w_true)`` flipped with probability ``label_noise``."""
        n = _validate.integer("n", n, 1)
        d = _validate.integer("d", d, 1)
        _validate.allocation("Logistic.synthetic(n, d)", n * d)
        label_noise = _validate.real_number("label_noise", label_noise)
        if not 0 <= label_noise <= 0.5:
            raise InputError(f"label_noise must be in [0, 0.5], got {label_noise}")
        rng = np.random.default_rng(seed)
        X = rng.standard_normal((n, d))
        w_true = rng.standard_normal(d)
        y = np.where(X @ w_true >= 0, 1.0, -1.0)
        y[rng.random(n) < label_noise] *= -1
        return cls(X, y, lam, batch_size)

    def _solve_minimizer(self) -> np.ndarray:
        """The minimizer, from cvxpy (Clarabel with tolerances ``SOLVER_TOLERANCE``)."""
        import cvxpy as cp

        n = self.X.shape[0]
        w = cp.Variable(self.d)
        objective = cp.sum(cp.logistic(cp.multiply(-self.y, self.X @ w))) / n + self.lam / 2 * cp.sum_squares(w)
        problem = cp.Problem(cp.Minimize(objective))
        problem.solve(
            solver=cp.CLARABEL,
            tol_gap_abs=SOLVER_TOLERANCE,
            tol_gap_rel=SOLVER_TOLERANCE,
            tol_feas=SOLVER_TOLERANCE,
        )
        if problem.status != cp.OPTIMAL:
            raise RuntimeError(f"cvxpy did not solve the logistic problem: status {problem.status}")
        w_star = np.asarray(w.value, dtype=float)
        w_star.setflags(write=False)
        return w_star

    def loss(self, W: np.ndarray) -> np.ndarray:
        """``(1/n) sum_i log(1 + exp(-y_i x_i^T w)) + (lam/2)||w||^2`` per row."""
        W = np.asarray(W, dtype=float)
        margins = -(W @ self.X.T) * self.y
        return np.logaddexp(0.0, margins).mean(axis=1) + 0.5 * self.lam * np.einsum("ij,ij->i", W, W)

    def grad(self, W: np.ndarray) -> np.ndarray:
        """``-(1/n) sum_i y_i x_i sigma(-y_i x_i^T w) + lam w`` per row."""
        W = np.asarray(W, dtype=float)
        weights = expit(-(W @ self.X.T) * self.y) * self.y
        return -(weights @ self.X) / self.X.shape[0] + self.lam * W

    def stochastic_grad(
        self,
        W: np.ndarray,
        rng: np.random.Generator,
        out: np.ndarray | None = None,
        scratch: np.ndarray | None = None,
    ) -> np.ndarray:
        """The gradient of ``batch_size`` samples drawn with replacement, plus ``lam w``."""
        rows = sample_rows(rng, self.X.shape[0], W.shape[0], self.batch_size)
        X_batch, y_batch = self.X[rows], self.y[rows]
        weights = expit(-np.einsum("cbd,cd->cb", X_batch, W) * y_batch) * y_batch
        return -np.einsum("cb,cbd->cd", weights, X_batch) / self.batch_size + self.lam * W

    def G(self, domain: Box) -> float:
        """``G = max_i ||x_i|| + lam max_{w in W} ||w||``, a bound on ``||g||`` itself."""
        self.check_domain(domain)
        radius = float(np.linalg.norm(np.maximum(np.abs(domain.lo), np.abs(domain.hi))))
        return float(np.max(np.linalg.norm(self.X, axis=1)) + self.lam * radius)
