"""Stationary laws of finite Markov chains, from a transition matrix ``P`` or a generator ``A``.

``stationary(M)`` returns the law ``pi`` with ``pi P = pi`` (or ``pi A = 0``) together with
its residual ``||pi P - pi||_1`` (or ``||pi A||_1``).  Three solvers:

* ``birth-death`` (tridiagonal ``M``): detailed balance ``pi_{i+1}/pi_i = M[i, i+1] /
  M[i+1, i]``, summed in log space (in extended precision, where the platform has it), so
  laws spanning hundreds of orders of magnitude are exact to rounding;
* ``gth`` (dense work): Grassmann-Taksar-Heyman elimination, which uses
  only off-diagonal entries and no subtractions, so tiny transition probabilities (1e-14 and
  below) keep their relative accuracy;
* ``sparse-lu`` (any size): ``pi M = 0`` with ``pi`` pinned to 1 at the mode, then normalised,
  factorised in a symmetric fill-reducing order (nested dissection for a 2-D grid chain, else
  minimum degree on ``M + M^T``) with diagonal pivots, so a 10^6-state grid chain takes
  seconds.  Accurate in norm (small residual) but, unlike GTH, not entry by entry when rates span
  many orders of magnitude; when cancellation makes it fail it raises ``ArithmeticError`` instead
  of returning negative entries.

``method="auto"`` chooses by cost and accuracy, and records why in ``StationaryLaw.choice``:

* birth-death for tridiagonal chains (exact to rounding, ``O(n)``);
* GTH (entry-wise accurate) when its ``O(n^3)`` time, estimated as ``GTH_SECONDS_PER_CUBE n^3``
  (measured), is at most ``GTH_BUDGET_SECONDS``, or when the chain is dense (at least
  ``DENSE_FRACTION`` of its entries non-zero: sparse LU then saves nothing) and has at most
  ``GTH_FALLBACK_STATES`` states;
* sparse LU otherwise (a 1,369-state grid chain: 5 ms against GTH's 2.3 s), with an accuracy
  certificate, falling back to GTH (up to ``GTH_FALLBACK_STATES`` states) when sparse LU fails or
  its certificate does.

The certificate of a sparse-LU law (``StationaryLaw.certificate``): the states are cut into at
most ``CERTIFICATE_BLOCKS`` blocks of consecutive indices (a block of computed mass below
``CERTIFIED_MASS``, 0 where masses underflow, merged into a neighbour) and the chain aggregated
with the computed law as weights, ``A_IJ = sum_{i in I, j in J} pi_i A_ij / pi_I``.  For the exact law the
aggregated chain's stationary law is exactly ``(pi_I)`` (block balance), whatever the partition;
GTH solves the small chain entry-wise accurately, and the certificate is the largest relative
difference ``|pi_I - g_I| / g_I``; blocks beyond ``CERTIFICATE_TOLERANCE`` are reported by their
largest mass (on the 251 x 251 three-well chain: a well of mass below 4e-20, off by a factor 150,
which the residual of 2e-15 does not show).  ``auto`` falls back to GTH when a block is not
certified and GTH is affordable; beyond that the law is returned with its certificate.  Unlike
the residual ``||pi A||_1``, which is dominated by the
heavy states, it sees a wrong mass in a block of tiny mass (a metastable well seldom visited).

Reducible chains: the law is computed on the closed (recurrent) communicating classes.  A
chain with one closed class and any number of transient states has a unique stationary law,
supported on that class (0 on the transient states), and gets it.  A chain with several
closed classes has one stationary law per class and every mixture of them; ``stationary``
then raises :class:`ReducibleChainError` listing the closed classes (sizes and first states)
rather than picking one, so the caller restricts the chain to the class it means.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import breadth_first_order, connected_components
from scipy.sparse.linalg import splu

from qnets.errors import InputError

#: GTH's time per ``n^3`` (2.28 s at 1,369 states, measured on a quiet 2-core machine).
GTH_SECONDS_PER_CUBE = 9e-10
#: ``method="auto"`` uses GTH on a sparse chain when its estimated time is at most this.
GTH_BUDGET_SECONDS = 0.25
#: A chain with at least this fraction of non-zero entries is dense: GTH, not sparse LU.
DENSE_FRACTION = 0.1
#: ``method="auto"`` falls back to GTH, when sparse LU fails, up to this many states.
GTH_FALLBACK_STATES = 3000
#: Blocks of the aggregated chain of sparse LU's certificate, and the certificate's tolerance.
CERTIFICATE_BLOCKS = 256
CERTIFICATE_TOLERANCE = 1e-6
#: Blocks of smaller mass (relative to the total) are merged into a neighbour by the certificate.
CERTIFIED_MASS = 1e-280
#: Row sums of a transition matrix (1) or generator (0) must match within this tolerance.
ROW_SUM_TOLERANCE = 1e-9
#: Entries of a sparse-LU solution below ``-NEGATIVE_TOLERANCE`` raise; above it they are
#: round-off, set to 0, and reported as ``clipped``.
NEGATIVE_TOLERANCE = 1e-12
#: Sparse LU solves at most this many times, each pinned at the largest entry of the last, and
#: stops when no entry exceeds the pinned one's 1 by more than a factor ``1 / PIN_MASS`` (the
#: pinned state holds at least this fraction of the mode's mass: a solve pinned there is as
#: accurate, and one near the mode saves the second factorisation).
MODE_SEARCHES = 4
PIN_MASS = 0.1
#: Nested dissection keeps rectangles of at most ``DISSECTION_LEAF^2`` grid points in C order
#: (on the 501 x 501 three-well chain 2 to 4 factorise alike, 16 twice as slow).
DISSECTION_LEAF = 4
METHODS = ("auto", "birth-death", "gth", "sparse-lu")


class ReducibleChainError(InputError):
    """The chain has several closed communicating classes, so its stationary law is not unique."""


@dataclass(frozen=True)
class StationaryLaw:
    """``pi`` with its residual, the solver used, whether ``M`` was a generator, why the solver was
    chosen, and for sparse LU its number of solves, its certificate (NaN for the other solvers) and
    the largest mass of a block it did not certify (0: every block within ``CERTIFICATE_TOLERANCE``)."""

    pi: np.ndarray
    residual: float
    method: str
    kind: str
    clipped: float = 0.0
    choice: str = ""
    certificate: float = math.nan
    solves: int = 0
    uncertified_mass: float = 0.0


def chain_kind(matrix: np.ndarray | sp.spmatrix) -> str:
    """``"transition"`` (non-negative rows summing to 1) or ``"generator"`` (non-negative
    off-diagonal, rows summing to 0); raise for anything else."""
    m = sp.csr_matrix(matrix)
    if m.shape[0] != m.shape[1] or m.shape[0] == 0:
        raise InputError(f"the chain matrix must be square and non-empty, got shape {m.shape}")
    if not np.all(np.isfinite(m.data)):
        raise InputError("the chain matrix has NaN or infinite entries")
    rows = np.asarray(m.sum(axis=1)).ravel()
    off = m - sp.diags(m.diagonal())
    if off.nnz and off.data.min() < 0:
        raise InputError("the chain matrix has negative off-diagonal entries")
    scale = max(1.0, float(abs(m).max()))
    if m.diagonal().min() >= 0 and np.allclose(rows, 1.0, rtol=0, atol=ROW_SUM_TOLERANCE):
        return "transition"
    if np.allclose(rows, 0.0, rtol=0, atol=ROW_SUM_TOLERANCE * scale):
        return "generator"
    raise InputError("the chain matrix is neither a transition matrix (rows sum to 1) nor a generator (rows sum to 0)")


def closed_class(m: sp.csr_matrix) -> np.ndarray:
    """The states of the chain's only closed communicating class (all states if irreducible).

    Raises
    ------
    ReducibleChainError
        If the chain has several closed classes; the message lists them.
    """
    off = (m - sp.diags(m.diagonal())).tocsr()
    off.eliminate_zeros()
    n_classes, labels = connected_components(off, directed=True, connection="strong")
    if n_classes == 1:
        return np.arange(m.shape[0])
    coo = off.tocoo()
    leaving = labels[coo.row] != labels[coo.col]
    is_open = np.zeros(n_classes, dtype=bool)
    is_open[labels[coo.row[leaving]]] = True
    closed = np.flatnonzero(~is_open)
    if closed.size == 1:
        return np.flatnonzero(labels == closed[0])
    listed = [np.flatnonzero(labels == c) for c in closed[:10]]
    described = "; ".join(
        f"{states.size} state(s) from {states[:3].tolist()}{' ...' if states.size > 3 else ''}" for states in listed
    )
    raise ReducibleChainError(
        f"the chain has {closed.size} closed communicating classes, so its stationary law is not unique: "
        f"{described}{' ...' if closed.size > 10 else ''}; restrict it to one closed class"
    )


def _is_tridiagonal(m: sp.csr_matrix) -> bool:
    coo = m.tocoo()
    return bool(np.all(np.abs(coo.row - coo.col) <= 1))


def _birth_death(m: sp.csr_matrix) -> np.ndarray:
    up = m.diagonal(1)
    down = m.diagonal(-1)
    log_ratio = np.log(up.astype(np.longdouble)) - np.log(down.astype(np.longdouble))
    log_pi = np.concatenate([[0.0], np.cumsum(log_ratio)])
    log_pi -= log_pi.max()
    return np.exp((log_pi - np.log(np.sum(np.exp(log_pi)))).astype(float))


def _gth(m: sp.csr_matrix) -> np.ndarray:
    """The stationary law by Grassmann-Taksar-Heyman (GTH) elimination.

    States ``n-1, ..., 1`` are censored out one at a time: eliminating state ``k`` sends each
    of its transitions into ``j < k`` through the others, ``a_ij += a_ik a_kj / sum_{l<k} a_kl``.
    The divisor is the sum of the off-diagonal rates out of ``k`` (towards the states still
    kept) rather than ``1 - a_kk``, so the elimination uses no subtraction and every entry
    keeps its relative accuracy, however small.  Back-substitution
    ``pi_k = sum_{i<k} pi_i a_ik`` then rebuilds the law, normalised at the end.

    Parameters
    ----------
    m : scipy.sparse.csr_matrix
        An irreducible transition matrix or generator of ``n`` states (dense work: ``O(n^2)``
        memory, ``O(n^3)`` time); the diagonal is ignored.

    Returns
    -------
    numpy.ndarray
        The stationary law, non-negative, summing to 1.

    Raises
    ------
    ArithmeticError
        If the elimination overflows (rates near the smallest double), never a NaN law.

    References
    ----------
    W. K. Grassmann, M. I. Taksar and D. P. Heyman (1985), "Regenerative analysis and steady
    state distributions for Markov chains", Operations Research 33(5), 1107-1116.
    """
    a = m.toarray()
    np.fill_diagonal(a, 0.0)
    n = a.shape[0]
    for k in range(n - 1, 0, -1):
        a[:k, k] /= a[k, :k].sum()
        a[:k, :k] += np.outer(a[:k, k], a[k, :k])
    pi = np.zeros(n)
    pi[0] = 1.0
    for k in range(1, n):
        pi[k] = pi[:k] @ a[:k, k]
    if not np.all(np.isfinite(pi)):  # a divisor underflowed (subnormal rates): the law overflowed
        raise ArithmeticError(
            "GTH overflowed: rates near the smallest double make the censored chain's ratios overflow; "
            "use method='sparse-lu'"
        )
    return pi / pi.sum()


def grid_shape(matrix: sp.spmatrix) -> tuple[int, int] | None:
    """``(rows, cols)`` when every off-diagonal entry of ``matrix`` links states ``1`` or ``cols > 1``
    apart and ``n = rows cols`` with ``rows > 1``: the pattern of nearest-neighbour moves on a 2-D grid
    in C order; else None.  Only sparse LU's ordering uses it, and any ordering factorises
    correctly, so a chain that only looks like a grid costs fill, never accuracy."""
    coo = sp.coo_matrix(matrix)
    apart = np.abs(coo.col.astype(np.int64) - coo.row)
    apart = apart[(apart > 0) & (coo.data != 0)]
    if apart.size == 0:
        return None
    cols, n = int(apart.max()), matrix.shape[0]
    if cols < 2 or n % cols or n // cols < 2 or not np.all((apart == 1) | (apart == cols)):
        return None
    return n // cols, cols


def nested_dissection(rows: int, cols: int, leaf: int = DISSECTION_LEAF) -> np.ndarray:
    """An elimination order of the points of a ``rows x cols`` grid (C order) by nested dissection
    (A. George, SIAM J. Numer. Anal. 10 (1973) 345-363): a rectangle is cut by its middle row or
    column (across its longer side); the two halves come first, each ordered the same way, and the
    cut last; rectangles of at most ``leaf^2`` points keep their C order.  With nearest-neighbour
    couplings, eliminating a half fills nothing in the other, so the factors hold ``O(n log n)``
    entries and cost ``O(n^1.5)`` operations (George's bounds), against ``O(n^1.5)`` and ``O(n^2)``
    for the banded natural order."""
    pieces: list[tuple[int, int, int, int]] = []  # rectangles (r0, r1, c0, c1) in elimination order
    pending: list[tuple[bool, int, int, int, int]] = [(False, 0, rows, 0, cols)]
    while pending:
        is_cut, r0, r1, c0, c1 = pending.pop()
        if is_cut or (r1 - r0) * (c1 - c0) <= leaf * leaf:
            pieces.append((r0, r1, c0, c1))
        elif r1 - r0 >= c1 - c0:
            mid = (r0 + r1) // 2
            pending += [(True, mid, mid + 1, c0, c1), (False, mid + 1, r1, c0, c1), (False, r0, mid, c0, c1)]
        else:
            mid = (c0 + c1) // 2
            pending += [(True, r0, r1, mid, mid + 1), (False, r0, r1, mid + 1, c1), (False, r0, r1, c0, mid)]
    r0, r1, c0, c1 = np.array(pieces, dtype=np.int64).T
    widths, areas = c1 - c0, (r1 - r0) * (c1 - c0)
    piece = np.repeat(np.arange(areas.size), areas)  # each point's rectangle, then its place in it
    local = np.arange(rows * cols) - np.repeat(np.cumsum(areas) - areas, areas)
    return (r0[piece] + local // widths[piece]) * cols + c0[piece] + local % widths[piece]


def ordering(matrix: sp.spmatrix) -> str:
    """How sparse LU orders the elimination of ``matrix``'s states (recorded in ``StationaryLaw.choice``)."""
    shape = grid_shape(matrix)
    if shape is None:
        return "minimum degree on M + M^T"
    return f"nested dissection of the {shape[0]} x {shape[1]} grid"


def _sparse_lu_pinned(system: sp.csc_matrix, pinned: int) -> np.ndarray:
    """``pi`` with ``pi[pinned] = 1`` and ``(system pi)_i = 0`` for every other state ``i``, by LU
    with diagonal pivots in a symmetric order: nested dissection when the chain is a 2-D grid
    (:func:`grid_shape`; on the 501 x 501 three-well chain 1.45x faster than minimum degree despite
    30% more fill), else minimum degree on ``M + M^T`` (SuperLU's ``MMD_AT_PLUS_A``)."""
    n = system.shape[0]
    shape = grid_shape(system)
    order = np.arange(n) if shape is None else nested_dissection(*shape)
    keep = order[order != pinned]
    kept_rows = system[keep]
    reduced = kept_rows[:, keep].tocsc()
    try:
        factors = splu(
            reduced,
            permc_spec="MMD_AT_PLUS_A" if shape is None else "NATURAL",
            diag_pivot_thresh=0.0,
            options={"SymmetricMode": True},
        )
    except RuntimeError as error:  # an exactly singular pivot after cancellation
        raise ArithmeticError(
            f"sparse LU failed ({error}); the chain is too ill-conditioned, use method='gth'"
        ) from None
    pi = np.empty(n)
    pi[pinned] = 1.0
    pi[keep] = factors.solve(-kept_rows[:, [pinned]].toarray().ravel())
    return pi


def first_pin(off: sp.csr_matrix) -> int:
    """An estimate of the mode: the maximum of the log-potential ``phi`` built along a
    breadth-first spanning tree from state 0 by ``phi_c = phi_p + log(a_pc / a_cp)`` (``p`` the
    parent of ``c``), exact for a reversible chain (detailed balance ``pi_c / pi_p = a_pc / a_cp``)
    and close to it for SR's grid chains; an edge used one way only counts as balanced.  ``O(nnz)``,
    with the sums to the root by pointer doubling."""
    n = off.shape[0]
    order, parent = breadth_first_order(off, 0, directed=False, return_predecessors=True)  # both directions
    children = order[1:]
    parents = parent[children]
    forward = np.asarray(off[parents, children]).ravel()
    backward = np.asarray(off[children, parents]).ravel()
    with np.errstate(divide="ignore"):
        step = np.where((forward > 0) & (backward > 0), np.log(forward) - np.log(backward), 0.0)
    potential = np.zeros(n)
    potential[children] = step
    ancestor = np.arange(n)
    ancestor[children] = parents
    while np.any(ancestor != ancestor[ancestor]):  # potential[i]: the sum of steps from ancestor[i] to i
        potential += potential[ancestor] * (ancestor != np.arange(n))
        ancestor = ancestor[ancestor]
    potential += potential[ancestor] * (ancestor != np.arange(n))
    return int(np.argmax(potential))


def _largest_entry(solution: np.ndarray) -> int:
    """The state of the largest entry in magnitude: a solve pinned at a state of tiny mass is
    off by orders of magnitude and of either sign, so the signed maximum can point anywhere."""
    return int(np.argmax(np.abs(solution)))


def _sparse_lu(m: sp.csr_matrix) -> tuple[np.ndarray, float, int]:
    """Solve ``(P - I)^T pi = 0`` (or ``A^T pi = 0``) with ``pi_k = 1`` pinned at one state.

    The diagonal is rebuilt as minus the off-diagonal row sums (for ``P`` that is ``P_ii - 1``
    without its cancellation), and deleting state ``k``'s row and column leaves a
    non-singular M-matrix.  It is factorised with diagonal pivots only, after a symmetric
    permutation ``Q^T M Q`` (:func:`_sparse_lu_pinned`: nested dissection or minimum degree): a
    symmetric permutation of an M-matrix is an M-matrix and every Schur complement of an
    M-matrix is again one, so in exact arithmetic the solution is non-negative, while the ordering keeps the
    fill-in far below that of the natural (banded) order.  (Column orderings with partial
    pivoting gave entries of -3e-5 on the 200x200 grid chain of ``tests/test_markov.py``.)
    The solve is only accurate when ``k`` carries much mass.  Pinned at a state of tiny mass (the
    middle state of the three-well toy, 1e-14 of the mode) the solution has entries of +-1e14
    and its signed maximum can point at a state of tiny mass too: pinned there, the 501 x 501
    three-well chain gave entries of -3.7e-9.  So the first solve is pinned at :func:`first_pin`'s
    estimate of the mode (one factorisation when it is near the mode, as on the three-well chains) and
    each next one at the largest entry in magnitude of the last, until the pinned state is the
    largest, up to a factor ``1 / PIN_MASS``; after ``MODE_SEARCHES`` solves without that it
    raises.  Returns the law, the clipped round-off and the number of solves.

    The guard is needed: on the 251 x 251 three-well chain the solution pinned at the mode has
    a block of about 4,300 entries near -1.5e-9 (a metastable well that SR seldom visits gets a
    mass of -5e-6) with a residual of 4e-15.  The residual does not see such errors,
    and an error of the other sign would pass the guard too: for large metastable chains the
    residual is not a certificate of accuracy (paper_notes/markov.md).
    """
    if m.shape[0] == 1:  # one state (an absorbing closed class): nothing to solve, and no tree to pin by
        return np.ones(1), 0.0, 0
    off = (m - sp.diags(m.diagonal())).tocsr()
    off.eliminate_zeros()
    system = (off - sp.diags(np.asarray(off.sum(axis=1)).ravel())).T.tocsc()
    pinned = first_pin(off)
    for solves in range(1, MODE_SEARCHES + 1):  # noqa: B007 (the count is returned)
        pi = _sparse_lu_pinned(system, pinned)
        mode = _largest_entry(pi)
        if abs(pi[mode]) <= 1 / PIN_MASS:  # pi[pinned] is 1: it holds at least PIN_MASS of the largest
            break
        pinned = mode
    else:
        raise ArithmeticError(
            f"sparse LU did not settle on the mode in {MODE_SEARCHES} solves (the last one's largest entry is "
            f"{pi[mode]:.3g}, at state {mode}); the chain is too ill-conditioned, use method='gth'"
        )
    pi /= pi.sum()
    negative = float(-pi.min()) if pi.min() < 0 else 0.0
    if negative > NEGATIVE_TOLERANCE:
        raise ArithmeticError(
            f"sparse LU gave a stationary entry of {-negative:.3g}; the chain is too ill-conditioned, use method='gth'"
        )
    return np.maximum(pi, 0.0), negative, solves


def certificate(pi: np.ndarray, m: sp.csr_matrix, blocks: int = CERTIFICATE_BLOCKS) -> tuple[float, float]:
    """``(worst, uncertified)``: the largest relative difference between the block masses of ``pi``
    and the GTH law of the chain aggregated with ``pi`` as weights (see the module doc), and the
    largest mass of a block that differs by more than ``CERTIFICATE_TOLERANCE`` (0 if none).

    A block whose computed mass is below ``CERTIFIED_MASS`` times the total (0 where its states'
    masses underflow, far from every well) is merged into the next block above it, or the last
    such block before it: the aggregation is exact for any partition, a massless block has no
    aggregated row, and GTH's ratios on the aggregated chain must stay representable.  Inf and 1
    (nothing certified) if no block has mass or GTH overflows on the aggregated chain."""
    n = m.shape[0]
    labels = (np.arange(n) * min(blocks, n)) // n
    block_mass = np.bincount(labels, weights=pi)
    kept = np.flatnonzero(block_mass > CERTIFIED_MASS * block_mass.sum())
    if kept.size == 0:
        return math.inf, 1.0
    # each block to the first kept block at or after it (the last kept one for the tail)
    merged = np.minimum(np.searchsorted(kept, np.arange(block_mass.size)), kept.size - 1)
    labels = merged[labels]
    indicator = sp.csr_matrix((np.ones(n), (np.arange(n), labels)), shape=(n, kept.size))
    mass = indicator.T @ pi
    off = (m - sp.diags(m.diagonal())).tocsr()
    aggregated = sp.csr_matrix(indicator.T @ sp.diags(pi) @ off @ indicator) / mass[:, None]
    try:
        exact = _gth(sp.csr_matrix(aggregated))
    except ArithmeticError:  # the aggregated chain's ratios overflow: nothing is certified
        return math.inf, 1.0
    mass = mass / mass.sum()
    errors = np.abs(mass - exact) / exact
    failing = errors > CERTIFICATE_TOLERANCE
    return float(errors.max()), float(mass[failing].max()) if failing.any() else 0.0


def _auto_choice(m: sp.csr_matrix) -> tuple[str, str]:
    """``(solver, why)`` for ``method="auto"`` (see the module doc)."""
    n = m.shape[0]
    if _is_tridiagonal(m):
        return "birth-death", "tridiagonal"
    gth_seconds = GTH_SECONDS_PER_CUBE * n**3
    fraction = m.nnz / n**2
    if gth_seconds <= GTH_BUDGET_SECONDS:
        return "gth", f"GTH estimated at {gth_seconds:.2g} s <= {GTH_BUDGET_SECONDS} s"
    if fraction >= DENSE_FRACTION and n <= GTH_FALLBACK_STATES:
        return "gth", f"dense ({fraction:.0%} non-zero): sparse LU saves nothing over GTH ({gth_seconds:.2g} s)"
    return "sparse-lu", f"sparse ({m.nnz / n:.3g} entries a row), GTH estimated at {gth_seconds:.2g} s"


def residual(pi: np.ndarray, matrix: np.ndarray | sp.spmatrix, kind: str) -> float:
    """``||pi P - pi||_1`` for a transition matrix, ``||pi A||_1`` for a generator."""
    flow = sp.csr_matrix(matrix).T @ pi
    return float(np.abs(flow - pi).sum() if kind == "transition" else np.abs(flow).sum())


def stationary(matrix: np.ndarray | sp.spmatrix, method: str = "auto") -> StationaryLaw:
    """The stationary law of a chain given by ``P`` or ``A`` (see the module doc).

    Parameters
    ----------
    matrix : array or sparse matrix
        A transition matrix (rows sum to 1) or generator (rows sum to 0), ``n x n``.
    method : {"auto", "birth-death", "gth", "sparse-lu"}
        The solver; ``"auto"`` chooses as the module doc says.

    Returns
    -------
    StationaryLaw
        ``pi`` over all ``n`` states (0 on transient states), its residual and the solver used.

    Raises
    ------
    InputError
        For an unknown method or a matrix that is neither kind of chain.
    ReducibleChainError
        If the chain has several closed classes (the message lists them).
    ArithmeticError
        If sparse LU loses non-negativity and no GTH fallback applies.
    """
    if method not in METHODS:
        raise InputError(f"method must be one of {METHODS}, got {method!r}")
    full = sp.csr_matrix(matrix, dtype=float)
    kind = chain_kind(full)
    states = closed_class(full)
    m = full if states.size == full.shape[0] else full[states][:, states].tocsr()
    n = m.shape[0]
    chosen, why = _auto_choice(m) if method == "auto" else (method, "asked for")
    clipped, score, solves, uncertified = 0.0, math.nan, 0, 0.0
    if chosen == "birth-death":
        if not _is_tridiagonal(m):
            raise InputError("method 'birth-death' needs a tridiagonal chain")
        law = _birth_death(m) if n > 1 else np.ones(1)
    elif chosen == "gth":
        try:
            law = _gth(m)
        except ArithmeticError as gth_error:
            if method != "auto":
                raise
            try:
                law, clipped, solves = _sparse_lu(m)
            except ArithmeticError as lu_error:
                raise ArithmeticError(
                    "neither GTH nor sparse LU resolves this chain in float64 (its rates span beyond the "
                    f"double range: {gth_error.args[0].split(';')[0]}; {lu_error.args[0].split(';')[0]})"
                ) from None
            chosen, why = "sparse-lu", f"{why}; GTH overflowed; ordered by {ordering(m)}"
            score, uncertified = certificate(law, m)
    else:
        try:
            law, clipped, solves = _sparse_lu(m)
            why = f"{why}; ordered by {ordering(m)}"
            score, uncertified = certificate(law, m)
            if method == "auto" and uncertified > 0 and n <= GTH_FALLBACK_STATES:
                raise ArithmeticError(f"sparse LU's certificate is {score:.3g} > {CERTIFICATE_TOLERANCE}")
        except ArithmeticError as error:
            if method != "auto" or n > GTH_FALLBACK_STATES:
                raise
            law, chosen, why = _gth(m), "gth", f"{why}; sparse LU failed ({error.args[0].split(';')[0]})"
            clipped, score, uncertified = 0.0, math.nan, 0.0
    pi = np.zeros(full.shape[0])
    pi[states] = law
    return StationaryLaw(pi, residual(pi, full, kind), chosen, kind, clipped, why, score, solves, uncertified)
