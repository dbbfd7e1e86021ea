"""Plausible bugs in the Markov core for the M1-M6 catalogues (issue 18), injected by monkeypatch.

Each function patches public objects at run time (never the source) so that one code path
computes something wrong while staying a valid chain (rows still sum to one, laws still sum
to one): a crash would not count as caught.
"""

from __future__ import annotations

import importlib

import numpy as np
import scipy.sparse as sp
from claim_testing import patch_everywhere
from qnets.simulate import GaussianNoise
from qnets.simulate.markov import kernel, mixing, quadratic
from scipy.linalg import eigvalsh_tridiagonal

#: The solver module (the package's ``stationary`` is the function of that name).
stationary_module = importlib.import_module("qnets.simulate.markov.stationary")


def gaussian_law_uses_variance(monkeypatch, method: str = "expected_clip") -> None:
    """The Gaussian law's ``method`` (the kernel's expected clip, or the generator's expected ramp)
    spreads the noise by ``sigma^2`` instead of ``sigma`` (the same number at ``sigma = 1``)."""
    original = getattr(GaussianNoise, method)
    monkeypatch.setattr(GaussianNoise, method, lambda self, m, s: original(self, m, s * self.sigma))


def sparse_kernel_with_swapped_widths(monkeypatch) -> None:
    """The sparse 2-D kernel flattens the target state with the first coordinate's width instead
    of the last one's (``col = i0 K0 + i1``; the same on square boxes)."""
    original = kernel.transition_matrix

    def buggy(problem, space, lr, sparse=False):
        matrix = original(problem, space, lr, sparse)
        if not sparse or len(space.shape) != 2:
            return matrix
        coo = matrix.tocoo()
        first, last = np.divmod(coo.col, space.shape[1])
        cols = np.minimum(first * space.shape[0] + last, space.size - 1)
        return sp.csr_matrix((coo.data, (coo.row, cols)), shape=matrix.shape)

    patch_everywhere(monkeypatch, original, buggy)


def birth_death_drops_last_ratio(monkeypatch) -> None:
    """The birth-death solver's cumulative sum stops one ratio short: the last state gets the
    mass of the one before it."""
    original = stationary_module._birth_death

    def buggy(m):
        law = original(m)
        law[-1] = law[-2]
        return law / law.sum()

    monkeypatch.setattr(stationary_module, "_birth_death", buggy)


def sparse_lu_untransposed(monkeypatch) -> None:
    """Sparse LU solves ``M pi = 0`` instead of ``M^T pi = 0`` (the right null vector)."""
    original = stationary_module._sparse_lu_pinned
    monkeypatch.setattr(
        stationary_module, "_sparse_lu_pinned", lambda system, pinned: original(system.T.tocsc(), pinned)
    )


def gth_reads_transposed(monkeypatch) -> None:
    """GTH eliminates the transposed matrix (a row/column convention mix-up)."""
    original = stationary_module._gth
    monkeypatch.setattr(stationary_module, "_gth", lambda m: original(sp.csr_matrix(m.T)))


def exact_propagation_noise(monkeypatch, uniform_scale: float = 1.0, all_symmetric: bool = False) -> None:
    """E2's exact propagation takes the uniform noise ``uniform_scale`` times as wide, or (with
    ``all_symmetric``) treats every discrete law as symmetric (folding the lattice)."""
    original = quadratic._noise_arguments

    def buggy(noise):
        kind, scale, values, probs, symmetric = original(noise)
        if type(noise).__name__ == "UniformNoise":
            scale *= uniform_scale
        return kind, scale, values, probs, symmetric or all_symmetric

    monkeypatch.setattr(quadratic, "_noise_arguments", buggy)


def tridiagonal_gap_misaligned(monkeypatch) -> None:
    """The symmetrised birth-death matrix pairs each up rate with the previous state's down rate,
    ``sqrt(up_i down_{i-1})`` instead of ``sqrt(up_i down_i)``; the gap stays positive and linear in ``a``."""
    original = mixing._extreme_eigenvalues

    def buggy(m):
        if not mixing._is_tridiagonal(m):
            return original(m)
        n, off = m.shape[0], np.sqrt(m.diagonal(1) * np.roll(m.diagonal(-1), 1))
        top = eigvalsh_tridiagonal(m.diagonal(), off, select="i", select_range=(n - 2, n - 1))
        bottom = eigvalsh_tridiagonal(m.diagonal(), off, select="i", select_range=(0, 0))
        return np.concatenate([bottom, top]).astype(complex)

    monkeypatch.setattr(mixing, "_extreme_eigenvalues", buggy)


def solver_fails(monkeypatch, solver: str) -> None:
    """``_sparse_lu`` (``solver="sparse-lu"``) or ``_gth`` on chains above ``CERTIFICATE_BLOCKS``
    states (``solver="gth"``; the certificate's aggregated chain still gets GTH) raises the
    ``ArithmeticError`` it raises on ill-conditioned chains, so ``auto`` takes its fallback."""
    name = "_sparse_lu" if solver == "sparse-lu" else "_gth"
    original = getattr(stationary_module, name)

    def failing(m):
        if solver == "sparse-lu" or m.shape[0] > stationary_module.CERTIFICATE_BLOCKS:
            raise ArithmeticError(f"{solver} failed (injected)")
        return original(m)

    monkeypatch.setattr(stationary_module, name, failing)
