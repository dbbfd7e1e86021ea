"""Mixing of finite chains: spectral gap, relaxation time, and exact propagation of laws.

For a transition matrix ``P`` the (absolute) spectral gap is ``1 - max |lambda|`` over the
eigenvalues other than the eigenvalue 1; for a generator ``A`` it is ``min -Re lambda`` over
the eigenvalues other than 0.  The relaxation time is ``1 / gap`` (in steps for ``P``, in
units of ``a * steps`` for ``A``).  Under claim M2, ``T_a = I + a A`` has eigenvalues
``1 + a lambda_A``, so its gap is ``a`` times the generator's: mixing slows down like ``1/a``.

Birth-death chains are reversible; their spectrum is computed from the symmetrised
tridiagonal matrix (``eigvalsh_tridiagonal``) at any size.  Other chains use dense
eigenvalues, up to ``MAX_DENSE_EIGEN_STATES`` states.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from qnets.simulate import _validate
from qnets.simulate.markov.stationary import _is_tridiagonal, chain_kind
from scipy.linalg import eigvals, eigvalsh_tridiagonal

from qnets.errors import InputError

MAX_DENSE_EIGEN_STATES = 3000


def _extreme_eigenvalues(m: sp.csr_matrix) -> np.ndarray:
    """The smallest and the two largest eigenvalues (all of them for dense chains)."""
    n = m.shape[0]
    if _is_tridiagonal(m):
        off = np.sqrt(m.diagonal(1) * m.diagonal(-1))
        top = eigvalsh_tridiagonal(m.diagonal(), off, select="i", select_range=(n - 2, n - 1))
        bottom = eigvalsh_tridiagonal(m.diagonal(), off, select="i", select_range=(0, 0))
        return np.concatenate([bottom, top]).astype(complex)
    if n > MAX_DENSE_EIGEN_STATES:
        raise InputError(f"spectral gap of a non-birth-death chain needs <= {MAX_DENSE_EIGEN_STATES} states")
    return eigvals(m.toarray())


def spectral_gap(matrix: np.ndarray | sp.spmatrix) -> float:
    """The spectral gap of ``P`` or ``A`` (see the module docstring)."""
    m = sp.csr_matrix(matrix, dtype=float)
    kind = chain_kind(m)
    if m.shape[0] == 1:
        return float("inf")
    values = _extreme_eigenvalues(m)
    if kind == "transition":
        moduli = np.sort(np.abs(values))[::-1]
        return float(1.0 - moduli[1])
    real = np.sort(values.real)[::-1]
    return float(-real[1])


def relaxation_time(matrix: np.ndarray | sp.spmatrix) -> float:
    """``1 / spectral_gap``."""
    return 1.0 / spectral_gap(matrix)


def propagate(p0: np.ndarray, matrix: np.ndarray | sp.spmatrix, steps: int) -> np.ndarray:
    """The law after ``steps`` steps of the transition matrix ``P``: ``p0 P^steps``."""
    steps = _validate.integer("steps", steps, minimum=0)
    p = _validate.finite_array("p0", p0, ndim=1)
    if chain_kind(matrix) != "transition":
        raise InputError("propagate needs a transition matrix, not a generator")
    if p.size != matrix.shape[0] or np.any(p < 0) or not np.isclose(p.sum(), 1.0, rtol=0, atol=1e-9):
        raise InputError(f"p0 must be a probability vector of length {matrix.shape[0]}")
    transposed = matrix.T.tocsr() if sp.issparse(matrix) else np.ascontiguousarray(matrix.T)
    for _ in range(steps):
        p = transposed @ p
    return p


def total_variation(p: np.ndarray, q: np.ndarray) -> float:
    """``||p - q||_1 / 2``."""
    return 0.5 * float(np.abs(np.asarray(p) - np.asarray(q)).sum())
