"""Compiled kernels of E2's exact propagation (numba): SR's transition laws on a quadratic's
lattice, built from shared ramp evaluations, and the forward recursions of
:func:`qnets.simulate.markov.quadratic.exact_sr_quadratic`.

Imported only when E2 runs (numba is not imported with :mod:`qnets.simulate`); compiled on first
call and cached on disk.

**The law of one row.**  From the grid point ``z_x`` (offsets ``z = w - w*``, spacing ``delta``)
with step ``a``, SR rounds ``y = z_x (1 - a h) - a xi``.  In lattice units, with
``t_j = 1 + (z_j - z_x (1 - a h)) / delta`` and ``s = a / delta``, the chance of ending at or
below ``z_j`` is ``F_j = E clip(t_j + s xi, 0, 1) = rho(t_j) - rho(t_j - 1)`` with the ramp
``rho(t) = E max(t + s xi, 0)``; ``F_{K-1} = 1`` (the box's edges take the mass beyond).  Each
row evaluates ``rho`` once per point ``t_{j-1}, t_j, ...`` (consecutive entries share it) as its
small branch ``q(t)``: ``rho(t)`` for ``t <= 0`` and ``rho(t) - t = E max(-(t + s xi), 0)`` for
``t > 0`` (zero-mean noise).  Entries up to the last ``j*`` with ``F_{j*} <= 1/2`` are
differences of ``F`` (lower tail), the others differences of ``1 - F`` (upper tail), with
``1 - F_{j*}`` taken as exactly that, so small entries keep their relative precision and every row
sums to ``F_{j*} + (1 - F_{j*}) = 1`` to rounding.

**Bands.**  Row ``x`` is non-zero only on the columns ``first .. last`` of ``t_first >= -R`` and
``t_last <= R + 2``, with ``R = z_tail a sigma / delta`` for Gaussian noise, ``a b / delta`` for
uniform noise on ``[-b, b]``, ``a max|v| / delta`` for discrete noise: below, ``F_j <= rho(t_j)`` is
in the tail; above, ``1 - F_{j-1} <= rhobar(t_{j-2})`` is.  The mass beyond (at most
``a sigma psi(z_tail) / delta`` per side, below 1e-23 at ``z_tail = 10``; exactly 0 for bounded
noise) is put on the band's end points, so rows still sum to one.  Of the points
``t_{first-1} .. t_{last-1}`` that the entries use, the ramp is evaluated only at those with
``|t_j| < R`` (at most ``2 R + 1``); beyond, ``q`` is taken as 0, exact for bounded noise and
within ``W psi(z_tail)`` for Gaussian noise, the same tail.  As a decaying step shrinks
``a sigma`` next to ``delta`` the band narrows to the two or three points that rounding reaches,
and the evaluations to one or two.

**Gaussian ramp.**  ``rho(t) = W psi(-t / W)`` with ``W = a sigma / delta`` and
``psi(z) = E max(Z - z, 0) = exp(-z^2/2) (1/sqrt(2 pi) - (z/2) erfcx(z / sqrt 2))`` for ``z >= 0``,
``erfcx`` by W. J. Cody's rational Chebyshev approximations (Math. Comp. 23 (1969) 631-637).
Beyond ``z = 4 sqrt 2`` the bracket is Cody's remainder ``R(2/z^2)/sqrt 2`` itself (no
cancellation); below it the subtraction loses at most a factor ``z^2 <= 32``, and ``exp(-z^2/2)``
carries the rounding of ``z^2/2``: relative error below 3e-14 wherever ``psi`` is a normal double
(tested against mpmath).

**Mirror symmetry.**  When the box is centred at ``w*`` and the noise is symmetric, ``T(x, y) =
T(-x, -y)``.  Then the law of ``|z_t|`` is a Markov chain (the folded kernel ``T(x, y) + T(x, -y)``
on ``z >= 0``), which is all ``E z_t^2`` needs, and ``E[S_t z_t]`` needs only the odd part of
``u_t`` (kernel ``T(x, y) - T(x, -y)`` on ``z > 0``).  Both act on about ``K/2`` states.
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np

from qnets import parallel

GAUSSIAN, UNIFORM, DISCRETE = 0, 1, 2

# W. J. Cody (1969), erfc: |x| <= 0.46875 (erf = x A(x^2)/B(x^2)), 0.46875 < x <= 4 (erfcx = C(x)/D(x)),
# x > 4 (erfcx = (1/sqrt(pi) - x^-2 P(x^-2)/Q(x^-2)) / x).
CODY_A = np.array(
    [
        3.16112374387056560e00,
        1.13864154151050156e02,
        3.77485237685302021e02,
        3.20937758913846947e03,
        1.85777706184603153e-1,
    ]
)
CODY_B = np.array([2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03, 2.84423683343917062e03])
CODY_C = np.array(
    [
        5.64188496988670089e-1,
        8.88314979438837594e00,
        6.61191906371416295e01,
        2.98635138197400131e02,
        8.81952221241769090e02,
        1.71204761263407058e03,
        2.05107837782607147e03,
        1.23033935479799725e03,
        2.15311535474403846e-8,
    ]
)
CODY_D = np.array(
    [
        1.57449261107098347e01,
        1.17693950891312499e02,
        5.37181101862009858e02,
        1.62138957456669019e03,
        3.29079923573345963e03,
        4.36261909014324716e03,
        3.43936767414372164e03,
        1.23033935480374942e03,
    ]
)
CODY_P = np.array(
    [
        3.05326634961232344e-1,
        3.60344899949804439e-1,
        1.25781726111229246e-1,
        1.60837851487422766e-2,
        6.58749161529837803e-4,
        1.63153871373020978e-2,
    ]
)
CODY_Q = np.array(
    [
        2.56852019228982242e00,
        1.87295284992346047e00,
        5.27905102951428412e-1,
        6.05183413124413191e-2,
        2.33520497626869185e-3,
    ]
)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_INV_SQRT_2 = 1.0 / math.sqrt(2.0)
#: Beyond this ``psi`` underflows to 0 (``exp(-z^2/2) / z^2`` below the smallest double).
_PSI_UNDERFLOW = 38.5
#: Cody's first interval: ``z / sqrt 2 <= SMALL``.
SMALL = 0.46875
#: The Gaussian factor of a row's ramps is recomputed exactly every this many points.
RESTART = 3
#: :func:`propagate` splits the coordinates into this many blocks (fewer if there are fewer).
BLOCKS = 16


@numba.njit(cache=True)
def scaled_gaussian_ramp(z: float) -> float:
    """``psi(z) exp(z^2/2)`` for ``z > 0.46875 sqrt 2`` (Cody's second and third intervals)."""
    y = z * _INV_SQRT_2
    if y <= 4.0:
        num, den = CODY_C[8] * y, y
        for i in range(7):
            num = (num + CODY_C[i]) * y
            den = (den + CODY_D[i]) * y
        return _INV_SQRT_2PI - 0.5 * z * (num + CODY_C[7]) / (den + CODY_D[7])
    s = 1.0 / (y * y)
    num, den = CODY_P[5] * s, s
    for i in range(4):
        num = (num + CODY_P[i]) * s
        den = (den + CODY_Q[i]) * s
    return s * (num + CODY_P[4]) / (den + CODY_Q[4]) * _INV_SQRT_2


@numba.njit(cache=True)
def gaussian_ramp_upper(z: float) -> float:
    """``psi(z) = phi(z) - z Phi(-z)`` for ``z >= 0`` (see the module doc)."""
    if z > _PSI_UNDERFLOW:
        return 0.0
    y = z * _INV_SQRT_2
    if y > SMALL:
        return math.exp(-0.5 * z * z) * scaled_gaussian_ramp(z)
    ysq = y * y
    num, den = CODY_A[4] * ysq, ysq
    for i in range(3):
        num = (num + CODY_A[i]) * ysq
        den = (den + CODY_B[i]) * ysq
    erf = y * (num + CODY_A[3]) / (den + CODY_B[3])
    return _INV_SQRT_2PI * math.exp(-0.5 * z * z) - 0.5 * z * (1.0 - erf)


@numba.njit(cache=True, inline="always")
def _small_ramp(t, kind, width, values, probs):
    """``q(t)``: ``rho(t)`` for ``t <= 0``, ``rho(t) - t`` for ``t > 0`` (``width``: ``W``, ``h`` or ``s``)."""
    if kind == GAUSSIAN:
        return width * gaussian_ramp_upper(abs(t) / width) if width > 0 else 0.0
    if kind == UNIFORM:
        gap = width - abs(t)
        return gap * gap / (4.0 * width) if gap > 0 else 0.0
    total = 0.0
    for k in range(values.size):
        shifted = t + width * values[k]
        total += probs[k] * (max(shifted, 0.0) if t <= 0 else max(-shifted, 0.0))
    return total


@numba.njit(cache=True, inline="always")
def _gaussian_row(ts, count, width, qs):
    """``qs[i] = width psi(|ts[i]| / width)`` for points ``ts`` spaced by one (``width >= 1``), with
    ``exp(-a_i^2/2)`` (``a_i = ts[i] / width``) by the recurrence ``e_{i+1} = e_i r_i``,
    ``r_{i+1} = r_i exp(-1/width^2)``, restarted from an exact ``exp`` every ``RESTART`` points:
    a third of the exponentials, with a relative drift below ``2 RESTART`` ulps.  The points are
    those of a band, ``|a_i| < z_tail <= 37``: then ``e_i`` and ``r_i = e_{i+1} / e_i`` stay within
    ``exp(+-z_tail^2 / 2)``, normal doubles."""
    step = 1.0 / width
    g = math.exp(-step * step)
    e = r = 0.0
    for i in range(count):
        a = ts[i] * step
        if i % RESTART == 0:
            e = math.exp(-0.5 * a * a)
            r = math.exp(-a * step - 0.5 * step * step)
        z = abs(a)
        if z * _INV_SQRT_2 > SMALL:
            qs[i] = width * e * scaled_gaussian_ramp(z)
        else:
            qs[i] = width * gaussian_ramp_upper(z)
        e *= r
        r *= g


@numba.njit(cache=True, inline="always")
def law_row(z, x, factor, lr, delta, kind, scale, values, probs, z_tail, law, ts, qs, clear=True):
    """Write row ``x`` of the SR law (step ``lr``, contraction ``factor = 1 - lr h``) into ``law``
    (length ``K``; zero outside the band, or left as it was there if not ``clear``) and return the
    band ``(first, last)``; ``ts`` and ``qs`` (length ``K + 1``) are scratch for the points and
    their ramps.  Only the points with ``|t| < R`` are evaluated; beyond, ``q`` is 0 (exactly for
    bounded noise, within ``W psi(z_tail)`` for Gaussian noise: the tail lumped on the band's ends)."""
    n = z.size
    mean = z[x] * factor
    inverse = 1.0 / delta
    t0 = 1.0 + (z[0] - mean) * inverse
    s = lr * inverse
    if kind == GAUSSIAN:
        width = s * scale
        reach = z_tail * width
    elif kind == UNIFORM:
        width = s * scale
        reach = width
    else:
        width = s
        reach = s * scale  # scale is max |v| for discrete noise
    # t_j < -reach: F_j is below the tail; t_{j-1} > 1 + reach: F_{j-1} is 1 to the tail.  A band
    # beyond an edge of the box (a step that overshoots it) shrinks to that edge's point.
    first = min(max(0, math.ceil(-reach - t0)), n - 1)
    last = max(min(n - 1, math.floor(2.0 + reach - t0)), first)
    if clear:
        law[:] = 0.0
    # points t_{first-1} .. t_{last-1} at ts[0 .. last-first] (F_last = 1 needs no point)
    count = last - first + 1
    for i in range(count):
        j = first - 1 + i
        ts[i] = t0 - 1.0 if j < 0 else 1.0 + (z[j] - mean) * inverse
    inner = 0  # the points with |t| < reach are ts[inner .. outer-1] (ts increases)
    while inner < count and ts[inner] <= -reach:
        qs[inner] = 0.0
        inner += 1
    outer = count
    while outer > inner and ts[outer - 1] >= reach:
        qs[outer - 1] = 0.0
        outer -= 1
    if kind == GAUSSIAN and width >= 1.0:
        _gaussian_row(ts[inner:], outer - inner, width, qs[inner:])
    else:
        for i in range(inner, outer):
            qs[i] = _small_ramp(ts[i], kind, width, values, probs)
    # lower CDF F_j = rho(t_j) - rho(t_{j-1}) up to the last j* with F_j <= 1/2
    previous = 0.0  # F_{first-1}: the mass below the band is lumped onto its first point
    star = first - 1
    for j in range(first, last):
        i = j - first + 1
        cdf = (qs[i] + max(ts[i], 0.0)) - (qs[i - 1] + max(ts[i - 1], 0.0))
        if cdf > 0.5:
            break
        law[j] = cdf - previous
        previous = cdf
        star = j
    # upper tail: 1 - F_j = rhobar(t_{j-1}) - rhobar(t_j) with rhobar(t) = q(t) + max(-t, 0)
    above = 1.0 - previous  # 1 - F_{j*}, so that the row sums to one
    for j in range(star + 1, last):
        i = j - first + 1
        tail = (qs[i - 1] + max(-ts[i - 1], 0.0)) - (qs[i] + max(-ts[i], 0.0))
        law[j] = above - tail
        above = tail
    law[last] = above  # the mass above the band is lumped onto its last point
    return first, last


@numba.njit(cache=True)
def _build(z, h, lr, delta, kind, scale, values, probs, z_tail, symmetric, even, odd, law, ts, qs):
    """The kernels of one coordinate at step ``lr``: the full one into ``even`` (not symmetric), or
    the folded one into ``even`` and the odd one into ``odd`` (symmetric; see the module doc).

    Folding row ``x`` sends column ``j >= low`` to ``j - low`` and ``j < low`` to its mirror
    ``n - 1 - j - low``, the odd kernel taking ``-T(x, j)`` there and leaving out the centre
    ``z = 0`` (where odd functions vanish) when the lattice has one."""
    n = z.size
    factor = 1.0 - lr * h
    even[:, :] = 0.0
    if not symmetric:
        for x in range(n):
            first, last = law_row(z, x, factor, lr, delta, kind, scale, values, probs, z_tail, law, ts, qs, False)
            even[x, first : last + 1] = law[first : last + 1]
        return
    odd[:, :] = 0.0
    low = n // 2  # the states z >= 0 are low .. n-1; the centre (z = 0) is low when n is odd
    centre = n % 2
    for row in range(n - low):
        x = low + row
        first, last = law_row(z, x, factor, lr, delta, kind, scale, values, probs, z_tail, law, ts, qs, False)
        direct_from = max(first, low)  # columns direct_from .. last keep their place
        mirrored_to = min(last, low - 1)  # columns first .. mirrored_to are mirrored
        even_row = even[row]
        _add(law, direct_from, last + 1 - direct_from, even_row, direct_from - low, 1.0)
        _add_mirrored(law, first, mirrored_to + 1 - first, even_row, n - 1 - first - low, 1.0)
        if row < centre:  # the centre's row: no odd row
            continue
        odd_row = odd[row - centre]
        odd_from = max(direct_from, low + centre)  # the centre has no odd column
        _add(law, odd_from, last + 1 - odd_from, odd_row, odd_from - low - centre, 1.0)
        _add_mirrored(law, first, mirrored_to + 1 - first, odd_row, n - 1 - first - low - centre, -1.0)


@numba.njit(cache=True, inline="always")
def _add(source, start, count, out, at, sign):
    """``out[at + m] += sign source[start + m]`` for ``m < count`` (none if ``count <= 0``), indexed
    by unsigned integers (numba then drops its negative-index wraparound)."""
    for m in range(numba.uint64(max(count, 0))):
        out[numba.uint64(at) + m] += sign * source[numba.uint64(start) + m]


@numba.njit(cache=True, inline="always")
def _add_mirrored(source, start, count, out, top, sign):
    """``out[top - m] += sign source[start + m]`` for ``m < count`` (none if ``count <= 0``; unsigned
    indices as in :func:`_add`)."""
    for m in range(numba.uint64(max(count, 0))):
        out[numba.uint64(top) - m] += sign * source[numba.uint64(start) + m]


@numba.njit(cache=True, inline="always")
def _advance(p, u, even, transfer, z_odd, p_next, u_next):
    """One step: ``p_next = p T`` and ``u_next = (u + z p) T`` (``T``: ``even`` and ``transfer``).
    Full rows: over the band only, the loops' variable ends cost more than the zeros they skip."""
    size, odd_size = p.size, u.size
    shift = size - odd_size  # the odd states are the last odd_size of the folded ones
    p_next[:] = 0.0
    u_next[:] = 0.0
    for i in range(size):
        weight = p[i]
        row = even[i]
        for j in range(size):
            p_next[j] += weight * row[j]
    for i in range(odd_size):
        carried = u[i] + z_odd[i] * p[i + shift]
        row = transfer[i]
        for j in range(odd_size):
            u_next[j] += carried * row[j]


@numba.njit(cache=True, inline="always")
def _dot(x, y):
    """``x . y`` summed in four interleaved partial sums (four independent chains of additions
    instead of one; the order is fixed, so the result is reproducible)."""
    s0 = s1 = s2 = s3 = 0.0
    quads = x.size // 4
    for q in range(quads):
        i = 4 * q
        s0 += x[i] * y[i]
        s1 += x[i + 1] * y[i + 1]
        s2 += x[i + 2] * y[i + 2]
        s3 += x[i + 3] * y[i + 3]
    for i in range(4 * quads, x.size):
        s0 += x[i] * y[i]
    return (s0 + s1) + (s2 + s3)


@numba.njit(cache=True, nogil=True, fastmath={"contract"})
def propagate_block(
    zs, hs, starts, weights, rates, delta, kind, scale, values, probs, z_tail, symmetric, last, averaged
):
    """Add ``weight_k E z_{k,t}^2`` to ``last[t-1]`` and ``weight_k E z_bar_{k,t}^2`` to ``averaged[t-1]``
    for every coordinate ``k`` (row ``k`` of ``zs``, start index ``starts[k]``), ``t = 1..rates.size``.

    Per step (see :mod:`qnets.simulate.markov.quadratic`): ``E S_{t+1}^2 = E S_t^2 + 2 u_t . z + p_t . z^2``,
    ``p_{t+1} = p_t T_t`` and ``u_{t+1} = (u_t + z p_t) T_t``; the kernels are rebuilt only when the
    step size changes.  With ``symmetric`` the folded and odd kernels replace ``T_t``.  Products
    and sums may be fused into multiply-adds (one rounding instead of two; the order of the sums is
    kept).  Releases the GIL, so that :func:`propagate` runs blocks of coordinates on threads.
    """
    n = zs.shape[1]
    low = n // 2
    centre = 1 if n % 2 == 1 else 0
    size = n - low if symmetric else n
    odd_size = size - centre if symmetric else n
    even = np.empty((size, size))
    odd = np.empty((odd_size, odd_size))
    law, ts, qs = np.empty(n), np.empty(n + 2), np.empty(n + 2)
    p, u, p_next, u_next = np.empty(size), np.empty(odd_size), np.empty(size), np.empty(odd_size)
    for k in range(zs.shape[0]):
        z = zs[k]
        squares_even = z[low:] ** 2 if symmetric else z**2
        z_odd = z[low + centre :] if symmetric else z
        p[:] = 0.0
        u[:] = 0.0
        start = starts[k]
        p[(max(start, n - 1 - start) - low) if symmetric else start] = 1.0
        transfer = odd if symmetric else even
        mean_square = _dot(p, squares_even)  # E z_t^2
        squares = 0.0  # E S_t^2
        built = math.nan
        for t in range(rates.size):
            lr = rates[t]
            if lr != built:
                h = hs[k]
                _build(z, h, lr, delta, kind, scale, values, probs, z_tail, symmetric, even, odd, law, ts, qs)
                built = lr
            squares += mean_square + 2.0 * _dot(u, z_odd)
            _advance(p, u, even, transfer, z_odd, p_next, u_next)
            p, p_next = p_next, p
            u, u_next = u_next, u
            mean_square = _dot(p, squares_even)
            last[t] += weights[k] * mean_square
            averaged[t] += weights[k] * squares / ((t + 1.0) * (t + 1.0))


def propagate(
    zs: np.ndarray,
    hs: np.ndarray,
    starts: np.ndarray,
    weights: np.ndarray,
    rates: np.ndarray,
    delta: float,
    kind: int,
    scale: float,
    values: np.ndarray,
    probs: np.ndarray,
    z_tail: float,
    symmetric: bool,
    last: np.ndarray,
    averaged: np.ndarray,
) -> None:
    """:func:`propagate_block` on ``BLOCKS`` blocks of consecutive coordinates (fewer if there are
    fewer coordinates), each into its own ``last`` and ``averaged``, then added to ``last`` and
    ``averaged`` in block order.  The blocks run on :func:`threads` threads; the blocks and the order of
    the sums do not depend on the thread count, so neither do the results."""
    count = zs.shape[0]
    edges = np.linspace(0, count, min(BLOCKS, count) + 1).round().astype(int)
    parts = np.zeros((edges.size - 1, 2, rates.size))

    def run(block: int) -> None:
        rows = slice(edges[block], edges[block + 1])
        propagate_block(
            zs[rows], hs[rows], starts[rows], weights[rows], rates, delta, kind, scale, values, probs, z_tail,
            symmetric, parts[block, 0], parts[block, 1],
        )  # fmt: skip

    workers = min(threads(), edges.size - 1)
    if workers > 1:
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(run, range(edges.size - 1)))
    else:
        for block in range(edges.size - 1):
            run(block)
    for part in parts:
        last += part[0]
        averaged += part[1]


def threads() -> int:
    """The threads of :func:`propagate`: the cores this process may use, at most ``OMP_NUM_THREADS``
    when that is set (a worker of :mod:`qnets.parallel` sets it to 1, so ``N`` workers use ``N`` cores)."""
    limit = os.environ.get("OMP_NUM_THREADS", "")
    cores = parallel.available_cores()
    return min(cores, int(limit)) if limit.isdigit() and int(limit) > 0 else cores
