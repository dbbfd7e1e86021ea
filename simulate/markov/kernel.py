"""Exact transition laws of stochastic rounding (SR) on a grid: claims M1, M2, M3.

SR with step ``a`` maps a grid point ``x`` to ``Q_s(P_W(x - a g))`` with ``g = grad F(x) +
xi``, coordinate by coordinate, the noise ``xi`` independent across coordinates.  For one
coordinate with pre-rounding point ``y``, the chance of ending at or below the grid point
``x_j`` is ``clip(1 + (x_j - y)/delta, 0, 1)``.  Taking the expectation over ``xi`` needs only
the noise's expected clip ``E clip(m + s xi, 0, 1)``, which every law of
:mod:`qnets.simulate.noise` gives in closed form (claim M1).  Given ``x``, the coordinates are
rounded independently, so the d-dimensional law is the product of the one-dimensional ones.

Grid edges: the box ``W`` is aligned with the grid, so ``P_W`` after rounding equals rounding
after ``P_W``.  All mass that SR would send beyond an edge lands on the edge point; the
cumulative law is set to 1 at the top point and 0 below the bottom one.

Round-off: each entry is a difference of two cumulative probabilities, taken from the lower
tail where that is below 1/2 and from the upper tail otherwise, so entries of order 1e-14
or smaller keep their relative precision.  Differences that come out negative by round-off
(or above 1) by at most ``ROUNDOFF`` are clipped to [0, 1]; anything larger raises.

Small steps (claims M2, M3): for ``a sup|g| <= delta`` each coordinate moves at most one
grid point, with probability ``a E[(-g)^+]/delta`` up and ``a E[g^+]/delta`` down, so
``T_a = I + a A`` exactly in one dimension; in general ``T_a = I + a A + o(a)``.
:func:`generator` builds ``A``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from qnets.simulate import _validate
from qnets.simulate.domain import Box
from qnets.simulate.grid import Grid
from qnets.simulate.noise import ADDITIVE_NOISES, AdditiveNoise
from qnets.simulate.problems.base import Problem

from qnets.errors import InputError, InputTypeError

#: Largest negative round-off tolerated (and set to 0) in a transition probability.
ROUNDOFF = 1e-13
#: Largest state count for which :func:`transition_matrix` builds a dense matrix.
MAX_DENSE_STATES = 5000


@dataclass(frozen=True, eq=False)
class StateSpace:
    """The grid points of a grid-aligned box: the states of the SR chain, in C order.

    ``shape`` and ``size`` are Python integers, exact at any size (a ``16^16`` box has
    ``2**64`` states); the methods that materialise states (``axes``, ``points``, ``index``,
    ``histogram``) refuse, with an :class:`~qnets.errors.InputError`, arrays above
    ``MAX_ARRAY_BYTES`` (4 GiB, of ``qnets.simulate._validate``) before allocating them.
    """

    box: Box
    grid: Grid

    def __post_init__(self) -> None:
        if not isinstance(self.box, Box) or not isinstance(self.grid, Grid):
            raise InputTypeError("StateSpace needs a Box and a Grid")
        self.box.check_aligned(self.grid)

    @property
    def shape(self) -> tuple[int, ...]:
        """Number of grid points per coordinate (Python ints)."""
        delta = self.grid.delta
        return tuple(round(float(span) / delta) + 1 for span in self.box.hi - self.box.lo)

    @property
    def size(self) -> int:
        """Number of states (a Python int: exact, never wraps)."""
        return math.prod(self.shape)

    @property
    def axes(self) -> tuple[np.ndarray, ...]:
        """The grid points of each coordinate."""
        delta = self.grid.delta
        hint = "; use a larger grid spacing or a smaller box"
        return tuple(
            lo + delta * np.arange(_validate.allocation("StateSpace axis", n, hint=hint))
            for lo, n in zip(self.box.lo, self.shape, strict=True)
        )

    def points(self) -> np.ndarray:
        """All states as an ``(size, d)`` array, C order (last coordinate fastest)."""
        _validate.allocation("StateSpace.points()", self.size * self.box.d, hint="; use a coarser grid")
        mesh = np.meshgrid(*self.axes, indexing="ij")
        return np.stack([m.ravel() for m in mesh], axis=1)

    def index(self, W: np.ndarray) -> np.ndarray:
        """The state index of each row of ``W`` (rows must be states)."""
        _validate.allocation("StateSpace state indices", self.size, hint="; use a coarser grid")
        W = _validate.chain_array("W", W, self.box.d)
        k = np.rint((W - self.box.lo) / self.grid.delta).astype(int)
        if np.any(k < 0) or np.any(k >= np.array(self.shape)) or not np.all(self.grid.contains(W)):
            raise InputError("W has rows that are not grid points of the box")
        return np.ravel_multi_index(tuple(k.T), self.shape)

    def histogram(self, W: np.ndarray) -> np.ndarray:
        """Empirical law of the rows of ``W`` over the states."""
        return np.bincount(self.index(W), minlength=self.size) / W.shape[0]


def additive_noise(problem: Problem) -> AdditiveNoise:
    """The problem's additive noise law, or a TypeError: exact SR laws need one."""
    noise = getattr(problem, "noise", None)
    if not isinstance(noise, ADDITIVE_NOISES):
        raise InputTypeError(f"exact SR laws need additive gradient noise (simulate.noise), got {noise!r}")
    return noise


def _expected_clip(noise: AdditiveNoise, m: np.ndarray, s: float) -> np.ndarray:
    """``E clip(m + s xi, 0, 1)``, using ``clip(x) = 1 - clip(1 - x)`` for ``m > 1/2`` so that each
    law is only asked for values that are small where they are tiny."""
    m = np.asarray(m, dtype=float)
    low = m <= 0.5
    out = np.empty_like(m)
    out[low] = noise.expected_clip(m[low], s)
    out[~low] = 1.0 - noise.expected_clip(1.0 - m[~low], -s)
    return out


def rounding_law(mean: np.ndarray, points: np.ndarray, lr: float, noise: AdditiveNoise) -> np.ndarray:
    """``P(Q_s(P(mean_i - lr xi)) = points_j)`` for one coordinate: an ``(n, K)`` row-stochastic array.

    ``points`` are consecutive grid points (spacing ``delta``), the end points being the box's
    edges; ``mean`` holds the pre-rounding points ``x - lr grad F(x)``.  Leading axes broadcast:
    ``mean`` of shape ``(c, n)`` and ``points`` of shape ``(c, K)`` (``c`` coordinates on grids of
    one spacing) give ``(c, n, K)``.
    """
    points = np.asarray(points, dtype=float)
    mean = np.asarray(mean, dtype=float)
    size = points.shape[-1]
    if size == 1:
        return np.ones((*np.broadcast_shapes(mean.shape[:-1], points.shape[:-1]), mean.shape[-1], 1))
    delta = float(points.flat[1] - points.flat[0])
    u = (points[..., None, :] - mean[..., :, None]) / delta
    s = lr / delta
    below = _expected_clip(noise, 1 + u, s)  # P(next <= x_j) = E clip(1 + (x_j - y)/delta, 0, 1)
    above = _expected_clip(noise, 1 - u, -s)  # P(next >= x_j) = E clip(1 - (x_j - y)/delta, 0, 1)
    edge = np.ones((*u.shape[:-1], 1))
    below_ext = np.concatenate([0 * edge, below[..., :-1], edge], axis=-1)
    above_ext = np.concatenate([edge, above[..., 1:], 0 * edge], axis=-1)
    law = np.where(
        below_ext[..., 1:] <= 0.5,
        below_ext[..., 1:] - below_ext[..., :-1],
        above_ext[..., :-1] - above_ext[..., 1:],
    )
    if np.any(law < -ROUNDOFF) or np.any(law > 1 + ROUNDOFF):
        raise ArithmeticError(f"transition probabilities span [{law.min():.3g}, {law.max():.3g}] beyond round-off")
    return np.clip(law, 0.0, 1.0)


def _coordinate_laws(problem: Problem, space: StateSpace, lr: float) -> list[np.ndarray]:
    """Per coordinate ``k``, the ``(size, K_k)`` law of the next grid point from every state."""
    lr = _validate.positive("lr", lr)
    noise = additive_noise(problem)
    if space.box.d != problem.d:
        raise InputError(f"space has dimension {space.box.d}, the problem {problem.d}")
    states = space.points()
    means = states - lr * problem.grad(states)
    return [rounding_law(means[:, k], axis, lr, noise) for k, axis in enumerate(space.axes)]


def transition_matrix(
    problem: Problem, space: StateSpace, lr: float, sparse: bool = False
) -> np.ndarray | sp.csr_matrix:
    """The SR transition matrix ``T_a[x, y] = P(w_{t+1} = y | w_t = x)`` for step ``lr``.

    The product over coordinates of :func:`rounding_law`.  Dense: at most ``MAX_DENSE_STATES``
    states.  ``sparse=True`` builds a CSR matrix row by row from the per-coordinate supports,
    never forming the dense matrix; only entries that are exactly 0 are left out, so nothing
    is lost.  Rows are short for bounded noise; Gaussian rows keep every entry down to the
    smallest double (about ``76 lr sigma / delta`` grid points per coordinate).
    (:func:`generator` gives the small-step chain of any size.)
    """
    if not sparse and space.size > MAX_DENSE_STATES:
        raise InputError(
            f"space has {space.size} states; dense transition matrices allow at most {MAX_DENSE_STATES} "
            "(use sparse=True, or generator() for the small-step chain)"
        )
    laws = _coordinate_laws(problem, space, lr)
    if not sparse:
        matrix = np.ones((space.size, 1))
        for law in laws:
            matrix = (matrix[:, :, None] * law[:, None, :]).reshape(space.size, -1)
        return matrix
    rows, cols, values = [], [], []
    for i in range(space.size):
        index, value = np.zeros(1, dtype=np.int64), np.ones(1)
        for law, width in zip(laws, space.shape, strict=True):
            support = np.flatnonzero(law[i])
            index = (index[:, None] * width + support[None, :]).ravel()
            value = (value[:, None] * law[i, support][None, :]).ravel()
        rows.append(np.full(index.size, i))
        cols.append(index)
        values.append(value)
    return sp.csr_matrix(
        (np.concatenate(values), (np.concatenate(rows), np.concatenate(cols))), shape=(space.size, space.size)
    )


def generator(problem: Problem, space: StateSpace) -> sp.csr_matrix:
    """The small-step generator ``A = lim_{a -> 0} (T_a - I) / a`` (sparse, nearest neighbours).

    From state ``x`` coordinate ``k`` moves up one grid point at rate ``E[(-g_k)^+]/delta`` and
    down at rate ``E[g_k^+]/delta`` (``g = grad F(x) + xi``), except across the box's edges.
    """
    noise = additive_noise(problem)
    if space.box.d != problem.d:
        raise InputError(f"space has dimension {space.box.d}, the problem {problem.d}")
    states = space.points()
    grad = problem.grad(states)
    delta = space.grid.delta
    state_index = np.arange(space.size)
    index = state_index.reshape(space.shape)
    positions = np.indices(space.shape).reshape(problem.d, -1)
    rows, cols, rates = [], [], []
    for k in range(problem.d):
        up = noise.expected_ramp(-grad[:, k], -1.0) / delta
        down = noise.expected_ramp(grad[:, k], 1.0) / delta
        for rate, shift in ((up, 1), (down, -1)):
            target = np.roll(index, -shift, axis=k).ravel()
            inside = (positions[k] + shift >= 0) & (positions[k] + shift < space.shape[k])
            rows.append(state_index[inside])
            cols.append(target[inside])
            rates.append(rate[inside])
    off = sp.csr_matrix(
        (np.concatenate(rates), (np.concatenate(rows), np.concatenate(cols))), shape=(space.size, space.size)
    )
    return (off - sp.diags(np.asarray(off.sum(axis=1)).ravel())).tocsr()
