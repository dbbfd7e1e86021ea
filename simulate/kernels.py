"""Compiled one-pass Monte Carlo steps (numba): draw the noise and the rounding uniform and update
each coordinate in one pass over memory.

Imported only by :mod:`qnets.simulate.engines` when the compiled engine is asked for, so importing
:mod:`qnets.simulate` never imports numba; the functions are compiled on first call and cached
on disk (``cache=True``).

Workload: the diagonal quadratic ``g_i = h_i (w_i - w*_i) + xi_i`` with ``xi_i = sigma N(0, 1)``
(``noise_kind = GAUSSIAN``) or ``xi_i = b (2 U - 1)`` (``UNIFORM``), and the four methods of
:mod:`qnets.simulate.methods` (``SGD``, ``R``, ``SR``, ``BC`` with either quantizer), with the box
projection ``min(max(., lo), hi)`` and the grid's saturation ``k in [k_min, k_max]``.

Random stream (documented, deterministic): every chain has its own xoshiro256++ generator
(Blackman and Vigna 2019), whose 256-bit state is a row of ``states`` (four ``uint64`` words; the
caller seeds it from the block's ``SeedSequence``).  A chain draws, at every step and for every
coordinate in order: the gradient noise (one 64-bit word for a Gaussian through the ziggurat's
fast path, more on its rare slow paths; one uniform for uniform noise), then the rounding uniform
(SR, and BC with the stochastic quantizer; none for R and SGD).  BC's start draws one rounding
uniform per coordinate.  A chain's draws do not depend on the other chains, on the block size or
on how the steps are split into calls, so the same seed gives the same bytes however the run is cut.

* Uniforms: ``(x >> 11) 2^-53`` in ``[0, 1)`` (53 random bits, as numpy's ``random()``).
* Normals: the 256-layer ziggurat of Marsaglia and Tsang (2000) in the 64-bit form numpy uses (8
  bits pick the layer, 1 the sign, 52 the abscissa); wedges are decided against ``exp(-x^2/2)``
  exactly and the tail beyond ``r`` by Marsaglia's exponential method, so the law is ``N(0, 1)``
  exactly (up to the tables' float64 rounding).  The tables are built by :func:`ziggurat_tables`.
"""

from __future__ import annotations

import math

import numba
import numpy as np

GAUSSIAN, UNIFORM = 0, 1
SGD, ROUND, STOCHASTIC = 0, 1, 2
#: The ziggurat's number of layers and the number of random bits of an abscissa.
LAYERS, ABSCISSA_BITS = 256, 52


def ziggurat_tables(layers: int = LAYERS) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """``(k, w, f, r)`` of the ziggurat for ``f(x) = exp(-x^2/2)`` with ``layers`` layers of equal area ``v``.

    The layers' right edges ``x_1 < ... < x_{n-1} = r`` satisfy ``x_i (f(x_{i-1}) - f(x_i)) = v``
    (``f(x_0) = 1``) and the base strip has area ``r f(r) + int_r^inf f = v``; ``r`` is solved
    (bisection) so that the top layer's area ``x_1 (1 - f(x_1))`` is ``v`` as well.  With ``m = 2^52``:
    ``w_i = x_i / m`` (``w_0 = v / f(r) / m``, the base strip's width), ``k_i = floor(m x_{i-1} / x_i)``
    (accept at once below it; ``k_0 = floor(m r f(r) / v)``, ``k_1 = 0``) and ``f_i = f(x_i)``.
    """
    scale = 2.0**ABSCISSA_BITS

    def f(x: float) -> float:
        return math.exp(-0.5 * x * x)

    def edges(r: float) -> tuple[list[float], float, float]:
        v = r * f(r) + math.sqrt(math.pi / 2) * math.erfc(r / math.sqrt(2))
        x = [0.0] * layers
        x[layers - 1] = r
        for i in range(layers - 2, 0, -1):
            inner = v / x[i + 1] + f(x[i + 1])
            if inner >= 1.0:  # r too small: the layers reach the top before the last one
                return x, v, -math.inf
            x[i] = math.sqrt(-2.0 * math.log(inner))
        return x, v, x[1] * (1.0 - f(x[1])) - v

    low, high = 3.0, 4.5  # the top layer's excess area increases with r: < 0 at 3, > 0 at 4.5
    for _ in range(200):
        middle = 0.5 * (low + high)
        if edges(middle)[2] > 0:
            high = middle
        else:
            low = middle
    r = 0.5 * (low + high)
    x, v, _ = edges(r)
    k = np.zeros(layers, dtype=np.int64)
    w = np.empty(layers)
    fi = np.empty(layers)
    w[0], fi[0] = v / f(r) / scale, 1.0
    k[0] = math.floor(scale * r * f(r) / v)
    for i in range(1, layers):
        w[i], fi[i] = x[i] / scale, f(x[i])
        if i > 1:
            k[i] = math.floor(scale * x[i - 1] / x[i])
    return k, w, fi, r


_U1, _U11, _U17, _U23, _U45 = (np.uint64(n) for n in (1, 11, 17, 23, 45))
_U64_HIGH23, _U64_HIGH45 = np.uint64(64 - 23), np.uint64(64 - 45)
_TO_UNIT = 2.0**-53

# The generator's state travels as a tuple of four uint64 words that the functions below take and
# return, so that the compiled loops keep it in registers.


@numba.njit(cache=True, inline="always")
def _next(s):
    """xoshiro256++: ``(word, next_state)``."""
    s0, s1, s2, s3 = s
    total = s0 + s3
    result = ((total << _U23) | (total >> _U64_HIGH23)) + s0
    t = s1 << _U17
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = (s3 << _U45) | (s3 >> _U64_HIGH45)
    return result, (s0, s1, s2, s3)


@numba.njit(cache=True, inline="always")
def _uniform(s):
    """``(u, next_state)`` with ``u`` uniform on ``[0, 1)`` (53 random bits)."""
    word, s = _next(s)
    return float(np.int64(word >> _U11)) * _TO_UNIT, s  # via int64: no unsigned conversion


@numba.njit(cache=True, inline="always")
def _candidate(s, zw):
    """One ziggurat draw: ``(x, layer, abscissa, next_state)``; bits 1-8 of the word pick the layer,
    bit 9 the sign and bits 10-61 the abscissa."""
    word, s = _next(s)
    bits = np.int64(word >> _U1)  # 63 bits as a signed integer: cheap to convert and index with
    layer = bits & (LAYERS - 1)
    abscissa = (bits >> 9) & ((1 << ABSCISSA_BITS) - 1)
    x = float(abscissa) * zw[layer] * (1.0 - 2.0 * float((bits >> 8) & 1))  # no branch on the sign
    return x, layer, abscissa, s


@numba.njit(cache=True, inline="always")
def _normal(s, zk, zw, zf, zr):
    """``(x, next_state)`` with ``x`` standard normal, by the ziggurat (see the module doc)."""
    while True:
        x, layer, abscissa, s = _candidate(s, zw)
        if abscissa < zk[layer]:  # inside the layer's rectangle under the density: 98.8% of the draws
            return x, s
        if layer == 0:  # the tail beyond r, by Marsaglia's exponential method
            while True:
                u, s = _uniform(s)
                xx = -math.log1p(-u) / zr
                u, s = _uniform(s)
                yy = -math.log1p(-u)
                if yy + yy > xx * xx:
                    return (-(zr + xx) if (abscissa >> 8) & 1 else zr + xx), s
        u, s = _uniform(s)
        if (zf[layer - 1] - zf[layer]) * u + zf[layer] < math.exp(-0.5 * x * x):  # the wedge
            return x, s


@numba.njit(cache=True, inline="always")
def _noise(s, kind, scale, zk, zw, zf, zr):
    """``(xi, next_state)``: ``scale N(0, 1)`` or ``scale (2 U - 1)``; no draw when ``scale == 0``."""
    if scale == 0.0:
        return 0.0, s
    if kind == GAUSSIAN:
        x, s = _normal(s, zk, zw, zf, zr)
        return scale * x, s
    u, s = _uniform(s)
    return scale * (2.0 * u - 1.0), s


@numba.njit(cache=True, inline="always")
def _quantize(x, rounding, s, grid):
    """``(q, next_state)``: ``x`` rounded to the grid ``anchor + delta Z`` (nearest, ties to even, or
    stochastic), saturated at lattice indices ``[k_min, k_max]``; ``grid`` is ``(anchor, delta,
    1/delta, k_min, k_max)``.  The lattice coordinate is ``(x - anchor) (1/delta)``, a multiplication
    (the division of :class:`~qnets.simulate.grid.Grid` makes the whole step 1.4x slower; the two differ by
    at most one ulp: that changes a rounding with probability about 1e-16)."""
    anchor, delta, inverse, k_min, k_max = grid
    y = (x - anchor) * inverse
    if rounding == ROUND:
        index = np.rint(y)
    else:
        u, s = _uniform(s)
        index = np.floor(y + u)
    index = min(max(index, k_min), k_max)
    return index * delta + anchor, s


@numba.njit(cache=True, inline="always")
def _load(states, c):
    return states[c, 0], states[c, 1], states[c, 2], states[c, 3]


@numba.njit(cache=True, inline="always")
def _store(states, c, s):
    states[c, 0], states[c, 1], states[c, 2], states[c, 3] = s


@numba.njit(cache=True)
def advance(w, sums, states, rates, h, w_star, lo, hi, kind, scale, rounding, grid, ztables):
    """SGD (``rounding = SGD``), R (``ROUND``) or SR (``STOCHASTIC``): for each step size in
    ``rates`` and each chain ``c``, ``sums[c] += w[c]`` and ``w[c] <- P_W(Q(w[c] - a g(w[c])))``.

    ``grid`` is as in :func:`_quantize`; ``ztables`` the ziggurat's ``(k, w, f, r)``.
    """
    zk, zw, zf, zr = ztables
    rows, d = w.shape
    for c in range(rows):
        s = _load(states, c)
        for lr in rates:
            for i in range(d):
                x = w[c, i]
                sums[c, i] += x
                xi, s = _noise(s, kind, scale, zk, zw, zf, zr)
                y = x - lr * (h[i] * (x - w_star[i]) + xi)
                if rounding != SGD:
                    y, s = _quantize(y, rounding, s, grid)
                w[c, i] = max(min(y, hi[i]), lo[i])
        _store(states, c, s)


@numba.njit(cache=True)
def advance_bc(
    real, deployed, sums_real, sums_deployed, states, rates, h, w_star, lo, hi, kind, scale, rounding, grid, ztables
):
    """BC: ``w_r <- P_W(w_r - a g(w_b))`` and a fresh ``w_b = Q(w_r)`` per step, ``Q`` nearest
    (``rounding = ROUND``) or stochastic (``STOCHASTIC``); both running sums advance first."""
    zk, zw, zf, zr = ztables
    rows, d = real.shape
    for c in range(rows):
        s = _load(states, c)
        for lr in rates:
            for i in range(d):
                sums_real[c, i] += real[c, i]
                sums_deployed[c, i] += deployed[c, i]
                xi, s = _noise(s, kind, scale, zk, zw, zf, zr)
                x = max(min(real[c, i] - lr * (h[i] * (deployed[c, i] - w_star[i]) + xi), hi[i]), lo[i])
                real[c, i] = x
                deployed[c, i], s = _quantize(x, rounding, s, grid)
        _store(states, c, s)


@numba.njit(cache=True)
def quantize_rows(real, deployed, states, rounding, grid):
    """BC's start: ``deployed[c] = Q(real[c])`` with chain ``c``'s generator."""
    rows, d = real.shape
    for c in range(rows):
        s = _load(states, c)
        for i in range(d):
            deployed[c, i], s = _quantize(real[c, i], rounding, s, grid)
        _store(states, c, s)


@numba.njit(cache=True)
def draw(states, kind, out, ztables):
    """Fill row ``c`` of ``out`` with chain ``c``'s next normals (``GAUSSIAN``) or uniforms (``UNIFORM``)."""
    zk, zw, zf, zr = ztables
    rows, d = out.shape
    for c in range(rows):
        s = _load(states, c)
        for i in range(d):
            if kind == GAUSSIAN:
                out[c, i], s = _normal(s, zk, zw, zf, zr)
            else:
                out[c, i], s = _uniform(s)
        _store(states, c, s)
