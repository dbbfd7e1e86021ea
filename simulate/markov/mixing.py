"""Mixing of finite chains: spectral gap, relaxation time, and exact propagation of laws.

For a transition matrix ``P`` the (absolute) spectral gap is ``1 - max |lambda|`` over the
eigenvalues other than the eigenvalue 1; for a generator ``A`` it is ``min -Re lambda`` over
the eigenvalues other than 0.  The relaxation time is ``1 / gap`` (in steps for ``P``, in
units of ``a * steps`` for ``A``).  Under claim M2, ``T_a = I + a A`` has eigenvalues
``1 + a lambda_A``, so its gap is ``a`` times the generator's: mixing slows down like ``1/a``.

Two structures make the gap exactly 0, and they are read off the chain's graph, not its
floating-point spectrum (where ``1 - |-1|`` comes out as ``-2.2e-16``):

* several closed communicating classes (the identity chain, say): the eigenvalue 1 (or 0 of
  a generator) is repeated, the stationary law is not unique;
* a periodic closed class of period ``p > 1`` (``[[0, 1], [1, 0]]``, say): ``P`` has the
  eigenvalues ``exp(2 pi i k / p)`` of modulus 1, and ``p0 P^t`` oscillates forever.

:func:`spectral_gap` returns 0.0 for both; :func:`relaxation_time` raises
:class:`~qnets.simulate.markov.stationary.ReducibleChainError` or :class:`PeriodicChainError`
saying which.  An irreducible aperiodic chain whose computed gap is not positive (a gap below round-off) raises
``ArithmeticError`` rather than returning a negative number.

Birth-death chains are reversible; their spectrum is computed from the symmetrised
tridiagonal matrix (``eigvalsh_tridiagonal``) at any size.  Other chains use dense
eigenvalues, up to ``MAX_DENSE_EIGEN_STATES`` states.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp
from qnets.simulate import _validate
from qnets.simulate.markov.stationary import ReducibleChainError, _is_tridiagonal, chain_kind
from scipy.linalg import eigvals, eigvalsh_tridiagonal
from scipy.sparse.csgraph import breadth_first_order, connected_components

from qnets.errors import InputError

MAX_DENSE_EIGEN_STATES = 3000


class PeriodicChainError(InputError):
    """The chain is periodic: its law oscillates and has no relaxation time."""


def _closed_classes(m: sp.csr_matrix) -> tuple[int, np.ndarray]:
    """The number of closed communicating classes and the states of the first one."""
    graph = (m - sp.diags(m.diagonal())).tocsr()
    graph.eliminate_zeros()
    n_classes, labels = connected_components(graph, directed=True, connection="strong")
    coo = graph.tocoo()
    leaving = np.zeros(n_classes, dtype=bool)
    leaving[labels[coo.row][labels[coo.row] != labels[coo.col]]] = True
    closed = np.flatnonzero(~leaving)
    return int(closed.size), np.flatnonzero(labels == closed[0])


def period(matrix: np.ndarray | sp.spmatrix) -> int:
    """The period of the (first) closed class of a transition matrix: the gcd of its cycle lengths.

    Computed from breadth-first levels: ``gcd`` over the class's edges ``u -> v`` of
    ``level(u) + 1 - level(v)`` (1 when a state keeps mass on itself).
    """
    m = sp.csr_matrix(matrix, dtype=float)
    if chain_kind(m) != "transition":
        raise InputError("period needs a transition matrix, not a generator")
    _, states = _closed_classes(m)
    sub = m[states][:, states].tocsr()
    sub.eliminate_zeros()
    order, predecessors = breadth_first_order(sub, 0, directed=True, return_predecessors=True)
    level = np.zeros(states.size, dtype=np.int64)
    for state in order[1:]:
        level[state] = level[predecessors[state]] + 1
    coo = sub.tocoo()
    return int(np.gcd.reduce(np.abs(level[coo.row] + 1 - level[coo.col]))) if coo.nnz else 1


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
    """The spectral gap of ``P`` or ``A`` (see the module docstring), never negative.

    Returns
    -------
    float
        ``inf`` for a single state, ``0.0`` for a chain with several closed classes or a
        periodic one, otherwise the gap from the eigenvalues.

    Raises
    ------
    InputError
        ``matrix`` is neither a transition matrix nor a generator, or is too large.
    ArithmeticError
        An irreducible aperiodic chain whose gap is below floating-point resolution.
    """
    m = sp.csr_matrix(matrix, dtype=float)
    kind = chain_kind(m)
    if m.shape[0] == 1:
        return math.inf
    if _closed_classes(m)[0] > 1 or (kind == "transition" and period(m) > 1):
        return 0.0
    values = _extreme_eigenvalues(m)
    if kind == "transition":
        gap = float(1.0 - np.sort(np.abs(values))[::-1][1])
    else:
        gap = float(-np.sort(values.real)[::-1][1])
    if not gap > 0:
        raise ArithmeticError(
            f"the spectral gap of this irreducible aperiodic chain is below round-off (computed {gap:.3g}); "
            "its relaxation time exceeds what float64 eigenvalues resolve"
        )
    return gap


def relaxation_time(matrix: np.ndarray | sp.spmatrix) -> float:
    """``1 / spectral_gap``.

    Raises
    ------
    ReducibleChainError
        The chain has several closed classes (the identity, say): no unique limit law.
    PeriodicChainError
        The chain is periodic: its law never converges.
    """
    gap = spectral_gap(matrix)
    if gap > 0:
        return 1.0 / gap
    m = sp.csr_matrix(matrix, dtype=float)
    n_closed = _closed_classes(m)[0]
    if n_closed > 1:
        raise ReducibleChainError(
            f"the chain has {n_closed} closed classes, so its law depends on the start forever: "
            "no relaxation time (spectral gap 0)"
        )
    raise PeriodicChainError(
        f"the chain is periodic with period {period(m)}: its law oscillates and never converges, "
        "so it has no relaxation time (spectral gap 0)"
    )


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
    """``||p - q||_1 / 2`` for two finite vectors of one shape (laws over the same states).

    Raises
    ------
    InputError
        ``p`` and ``q`` are not 1-D, differ in length, or hold NaN or inf.
    """
    p = _validate.finite_array("p", p, ndim=1)
    q = _validate.finite_array("q", q, ndim=1)
    if p.shape != q.shape:
        raise InputError(f"p and q must be laws over the same states, got shapes {p.shape} and {q.shape}")
    return 0.5 * float(np.abs(p - q).sum())
