"""The compiled kernels' functions under Python semantics, against an independent pure-Python reference:
the fast killers of ``simulate/kernels.py`` in ``.ci/mutation`` (paper_notes/mutation_compiled_engine.md).

The module is loaded a second time with numba's JIT off (``numba.core.config.DISABLE_JIT`` is read at
decoration time, so ``numba.njit`` then returns the plain Python functions): no compilation, and
coverage sees every line.  Under NUMBA_DISABLE_JIT=1 the real module is that already.  The uint64
arithmetic of numpy scalars wraps as in the compiled code (numpy warns of the overflow: silenced).

The reference: xoshiro256++ on Python integers (Blackman and Vigna), the ziggurat's accept, wedge and
tail rules from Marsaglia and Tsang (2000) with the bit layout of the module doc and numpy's tail
sign (bit 8 of the abscissa, numpy's ``random_standard_normal``), and each method's step from its
documented formula, on Python floats.  Every operation is the same IEEE operation in the same order
(no fused multiply-add: numba compiles without fast-math, so LLVM does not contract), so the outputs
agree bit for bit.  Constants are generic (no sigma, curvature, spacing or step of 1 or a power of 2).
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from kernels_reference import M52, MASK, Stream
from python_form import python_form

real_kernels = pytest.importorskip("qnets.simulate.kernels")


NEAREST, STOCHASTIC = "nearest", "stochastic"


@pytest.fixture
def k():
    """qnets.simulate.kernels (the same source file) with numba's JIT off; loaded afresh for every test,
    so that the mutation runner's coverage map credits the module's constants to every test."""
    module = python_form(real_kernels)
    assert not hasattr(module.advance, "py_func")  # a plain function, not a dispatcher
    return module


@pytest.fixture
def tables(k):
    return k.ziggurat_tables()


@pytest.fixture(autouse=True)
def _wrapping_is_intended():
    with np.errstate(over="ignore"):
        yield


# ---------------------------------------------------------------- the reference


class Grid:
    """anchor + delta Z, lattice indices saturated to [k_min, k_max]; counts the saturations."""

    def __init__(self, anchor, delta, k_min, k_max):
        self.anchor, self.delta, self.k_min, self.k_max = anchor, delta, k_min, k_max
        self.saturated = {"low": 0, "high": 0}

    def as_tuple(self):
        return (self.anchor, self.delta, 1.0 / self.delta, float(self.k_min), float(self.k_max))

    def q(self, x, rule, stream):
        y = (x - self.anchor) * (1.0 / self.delta)
        index = round(y) if rule == NEAREST else math.floor(y + stream.uniform())  # round: ties to even
        if index < self.k_min:
            index, self.saturated["low"] = self.k_min, self.saturated["low"] + 1
        if index > self.k_max:
            index, self.saturated["high"] = self.k_max, self.saturated["high"] + 1
        return index * self.delta + self.anchor


class Box:
    def __init__(self, lo, hi):
        self.lo, self.hi = list(lo), list(hi)
        self.bound = {"low": 0, "high": 0}

    def project(self, y, i):
        if y < self.lo[i]:
            self.bound["low"] += 1
            return self.lo[i]
        if y > self.hi[i]:
            self.bound["high"] += 1
            return self.hi[i]
        return y


def noise(stream, kind, scale, tables):
    if scale == 0.0:
        return 0.0
    if kind == "gaussian":
        return scale * stream.normal(tables)
    return scale * (2.0 * stream.uniform() - 1.0)


def reference_run(method, w, sums, streams, rates, h, w_star, box, kind, scale, grid, tables):
    """SGD, R, SR: sums += w, then w <- P_W(Q(w - a (h (w - w*) + xi))); lists of rows, in place."""
    for c, stream in enumerate(streams):
        for a in rates:
            for i in range(len(h)):
                x = w[c][i]
                sums[c][i] += x
                xi = noise(stream, kind, scale, tables)
                y = x - a * (h[i] * (x - w_star[i]) + xi)
                if method != "sgd":
                    y = grid.q(y, NEAREST if method == "r" else STOCHASTIC, stream)
                w[c][i] = box.project(y, i)


def reference_bc(rule, real, deployed, sums_r, sums_b, streams, rates, h, w_star, box, kind, scale, grid, tables):
    """BC: both sums first, w_r <- P_W(w_r - a (h (w_b - w*) + xi)), w_b <- Q(w_r)."""
    for c, stream in enumerate(streams):
        for a in rates:
            for i in range(len(h)):
                sums_r[c][i] += real[c][i]
                sums_b[c][i] += deployed[c][i]
                xi = noise(stream, kind, scale, tables)
                real[c][i] = box.project(real[c][i] - a * (h[i] * (deployed[c][i] - w_star[i]) + xi), i)
                deployed[c][i] = grid.q(real[c][i], rule, stream)


# ---------------------------------------------------------------- the setting

H = [0.7, 1.9, 1.3, 0.45]
W_STAR = [1.37, -0.83, -2.05, 0.38]
LO = [-2.3, -0.61, -2.4, -0.52]
HI = [1.1, 0.55, 1.7, 0.43]
RATES = [0.23, 0.17, 0.31, 0.29, 0.13, 0.21, 0.27, 0.19, 0.33, 0.11, 0.26, 0.15]
CHAINS = 3
KINDS = {"gaussian": 0.62, "uniform": 0.87, "none": 0.0}


def _states(seed: int, rows: int = CHAINS) -> np.ndarray:
    return np.random.SeedSequence(seed).generate_state(4 * rows, np.uint64).reshape(rows, 4)


def _start(seed: int, rows: int = CHAINS, d: int = 4) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-0.6, 0.6, size=(rows, d)) + np.array(W_STAR[:d]) * 0.3


def _grid() -> Grid:
    return Grid(0.13, 0.37, -3, 2)  # points -0.98 .. 0.87: saturates coordinate 0 (w* = 1.37) and 1 (lo)


def _kind_code(k, kind):
    return k.UNIFORM if kind == "uniform" else k.GAUSSIAN


def _events_seen(box: Box, grid: Grid | None) -> None:
    """The run exercised the box on both sides and (with a grid) the saturation on both sides."""
    assert box.bound["low"] > 0 and box.bound["high"] > 0, box.bound
    if grid is not None:
        assert grid.saturated["low"] > 0 and grid.saturated["high"] > 0, grid.saturated


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("method", ["sgd", "r", "sr"])
def test_advance_is_the_documented_step_bit_for_bit(k, tables, method, kind):
    scale, states = KINDS[kind], _states(11)
    w = _start(3)
    sums = np.random.default_rng(4).normal(size=w.shape)
    rw, rsums = w.tolist(), sums.tolist()
    streams = [Stream(row) for row in states]
    grid, box = _grid(), Box(LO, HI)
    rounding = {"sgd": k.SGD, "r": k.ROUND, "sr": k.STOCHASTIC}[method]
    arrays = (np.array(H), np.array(W_STAR), np.array(LO), np.array(HI))
    reference_run(method, rw, rsums, streams, RATES, H, W_STAR, box, kind, scale, grid, tables)
    for part in (RATES[:5], RATES[5:]):  # two calls: the states written back continue the stream
        k.advance(
            w, sums, states, np.array(part), *arrays, _kind_code(k, kind), scale, rounding, grid.as_tuple(), tables
        )
    np.testing.assert_array_equal(w, rw)
    np.testing.assert_array_equal(sums, rsums)
    np.testing.assert_array_equal(states, [[int(x) for x in s.s] for s in streams])
    if scale:
        _events_seen(box, None if method == "sgd" else grid)
    if kind == "gaussian":
        assert streams[0].paths.count("rectangle") > 0


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("rule", [NEAREST, STOCHASTIC])
def test_advance_bc_is_the_documented_step_bit_for_bit(k, tables, rule, kind):
    scale, states = KINDS[kind], _states(12)
    grid, box = _grid(), Box(LO, HI)
    real = _start(5)
    deployed = np.array([[grid.q(x, NEAREST, None) for x in row] for row in _start(6)])  # not Q(real)
    sums_r = np.random.default_rng(7).normal(size=real.shape)
    sums_b = np.random.default_rng(8).normal(size=real.shape)
    refs = [a.tolist() for a in (real, deployed, sums_r, sums_b)]
    streams = [Stream(row) for row in states]
    reference_bc(rule, *refs, streams, RATES, H, W_STAR, box, kind, scale, grid, tables)
    rounding = k.ROUND if rule == NEAREST else k.STOCHASTIC
    arrays = (np.array(H), np.array(W_STAR), np.array(LO), np.array(HI))
    for part in (RATES[:7], RATES[7:]):
        k.advance_bc(
            real, deployed, sums_r, sums_b, states, np.array(part), *arrays, _kind_code(k, kind), scale, rounding,
            grid.as_tuple(), tables,
        )  # fmt: skip
    for got, want in zip((real, deployed, sums_r, sums_b), refs, strict=True):
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(states, [[int(x) for x in s.s] for s in streams])
    if scale:
        _events_seen(box, grid)


@pytest.mark.parametrize("rule", [NEAREST, STOCHASTIC])
def test_quantize_rows_is_q_of_each_chain_with_its_own_stream(k, rule):
    grid, states = _grid(), _states(13, 4)
    real = _start(9, 4, 3) * 2.7
    real[0, 0] = 0.13 + 0.37 * 0.5  # a tie (to the last bit): nearest goes to the even index 0
    assert (real[0, 0] - 0.13) * (1.0 / 0.37) == 0.5
    deployed = np.full_like(real, np.nan)
    streams = [Stream(row) for row in states]
    want = [[grid.q(x, rule, s) for x in row] for row, s in zip(real.tolist(), streams, strict=True)]
    rounding = k.ROUND if rule == NEAREST else k.STOCHASTIC
    k.quantize_rows(real, deployed, states, rounding, grid.as_tuple())
    np.testing.assert_array_equal(deployed, want)
    np.testing.assert_array_equal(states, [[int(x) for x in s.s] for s in streams])
    assert grid.saturated["low"] > 0 and grid.saturated["high"] > 0


def test_an_unbounded_grid_rounds_without_saturating(k):
    """engines.py passes k = -inf, inf for an unbounded grid: far points stay on the lattice."""
    states = _states(14, 1)
    real = np.array([[-41.3, 57.9, 0.52]])
    deployed = np.empty_like(real)
    k.quantize_rows(real, deployed, states, k.ROUND, (0.13, 0.37, 1.0 / 0.37, -math.inf, math.inf))
    np.testing.assert_array_equal(deployed, [[round((x - 0.13) * (1 / 0.37)) * 0.37 + 0.13 for x in real[0]]])


@pytest.mark.parametrize("kind", ["gaussian", "uniform"])
def test_draw_is_the_reference_stream_and_continues_it(k, tables, kind):
    states = _states(15, 3)
    streams = [Stream(row) for row in states]
    want = [[s.normal(tables) if kind == "gaussian" else s.uniform() for _ in range(40)] for s in streams]
    first, second = np.empty((3, 25)), np.empty((3, 15))
    k.draw(states, _kind_code(k, kind), first, tables)
    k.draw(states, _kind_code(k, kind), second, tables)
    np.testing.assert_array_equal(np.hstack([first, second]), want)
    np.testing.assert_array_equal(states, [[int(x) for x in s.s] for s in streams])


def _search(tables, wanted: str, seed: int, limit: int = 3_000_000) -> list[int]:
    """A state whose first normal takes path ``wanted`` (and, for the signed paths, of that sign):
    found by walking one reference stream and trying the state before each word whose layer and
    abscissa (the word's bits 1-8 and 10-61) fall outside the layer's rectangle."""
    zk = [int(x) for x in tables[0]]
    walker = Stream(_states(seed, 1)[0])
    for _ in range(limit):
        state = list(walker.s)
        word = walker.word()
        layer = (word >> 1) & 255
        if ((word >> 10) & M52) < zk[layer] or (layer == 0) != wanted.startswith("tail"):
            continue
        probe = Stream(state)
        x = probe.normal(tables)
        path = probe.paths[0]
        if wanted == path or (wanted, x > 0) in ((f"{path} +", True), (f"{path} -", False)):
            return state
    raise AssertionError(f"no state found for {wanted}")


@pytest.mark.parametrize("wanted", ["tail +", "tail -", "tail after a rejection", "wedge -", "wedge +", "rejected"])
def test_each_ziggurat_path_is_the_reference(k, tables, wanted):
    state = _search(tables, wanted, seed=21)
    probe = Stream(state)
    want = [probe.normal(tables) for _ in range(3)]
    assert probe.paths[0] == (wanted if wanted == "tail after a rejection" else wanted.split(" ")[0])
    if wanted.startswith("tail"):
        assert abs(want[0]) > tables[3]
    out = np.empty((1, 3))
    states = np.array([state], dtype=np.uint64)
    k.draw(states, k.GAUSSIAN, out, tables)
    np.testing.assert_array_equal(out, [want])
    np.testing.assert_array_equal(states, [probe.s])


def test_gaussian_noise_in_advance_takes_the_tail_too(k, tables):
    """The tail inside a step (the same _normal; scale applied after)."""
    state = _search(tables, "tail -", seed=22)
    probe = Stream(state)
    xi = 0.62 * probe.normal(tables)
    w, sums = np.array([[0.2]]), np.zeros((1, 1))
    states = np.array([state], dtype=np.uint64)
    args = (np.array([0.7]), np.array([0.05]), np.array([-9.0]), np.array([9.0]), k.GAUSSIAN, 0.62, k.SGD)
    k.advance(w, sums, states, np.array([0.23]), *args, (0.0, 1.0, 1.0, -math.inf, math.inf), tables)
    assert w[0, 0] == 0.2 - 0.23 * (0.7 * (0.2 - 0.05) + xi)


# ---------------------------------------------------------------- the tables, against mpmath


def _mp_tables(layers: int):
    """Marsaglia and Tsang's construction at 24 digits, r by bisection on the top layer's excess area."""
    mpmath.mp.dps = 24

    def f(x):
        return mpmath.exp(-x * x / 2)

    def edges(r):
        v = r * f(r) + mpmath.sqrt(mpmath.pi / 2) * mpmath.erfc(r / mpmath.sqrt(2))
        x = [mpmath.mpf(0)] * layers
        x[-1] = r
        for i in range(layers - 2, 0, -1):
            inner = v / x[i + 1] + f(x[i + 1])
            if inner >= 1:
                return None, v
            x[i] = mpmath.sqrt(-2 * mpmath.log(inner))
        return x, v

    low, high = mpmath.mpf(3), mpmath.mpf(5)
    for _ in range(80):  # 2 / 2^80 < 2e-24
        middle = (low + high) / 2
        x, v = edges(middle)
        if x is not None and x[1] * (1 - f(x[1])) > v:
            high = middle
        else:
            low = middle
    x, v = edges(low)
    return low, x, v, f


@pytest.mark.parametrize("layers", [256, 128])
def test_ziggurat_tables_against_mpmath(k, layers):
    zk, zw, zf, r = k.ziggurat_tables(layers) if layers != 256 else k.ziggurat_tables()
    assert zk.shape == zw.shape == zf.shape == (layers,) and zk.dtype == np.int64
    mr, x, v, f = _mp_tables(layers)
    m = mpmath.mpf(2) ** 52
    # the float64 construction's error grows down the recursion from r to x_1 (measured at 256 layers:
    # r 1.3e-16, x_1 1.15e-13, the other x_i 5.4e-14, f 5.3e-15, k 6e-14 relative); bounds ~2x that
    assert abs(r - mr) <= 1e-15 * mr
    want_w = [v / f(mr) / m] + [xi / m for xi in x[1:]]
    want_f = [mpmath.mpf(1)] + [f(xi) for xi in x[1:]]
    np.testing.assert_allclose(zw, [float(a) for a in want_w], rtol=2e-13, atol=0)
    np.testing.assert_allclose(zf, [float(a) for a in want_f], rtol=1e-14, atol=0)
    assert zf[0] == 1.0 and zk[1] == 0
    exact_k = [m * mr * f(mr) / v] + [mpmath.mpf(0)] + [m * x[i - 1] / x[i] for i in range(2, layers)]
    for got, want in zip(zk.tolist(), exact_k, strict=True):
        assert abs(got - mpmath.floor(want)) <= 1e-13 * want, (got, want)


def _state_whose_first_word_is(word: int) -> list[int]:
    """xoshiro256++'s first output is rotl(s0 + s3, 23) + s0: any word, from s0, s1, s2 chosen freely."""
    s0, s1, s2 = 0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB
    total = (word - s0) & MASK
    total = ((total >> 23) | (total << 41)) & MASK  # rotr by 23
    state = [s0, s1, s2, (total - s0) & MASK]
    assert Stream(state).word() == word
    return state


@pytest.mark.parametrize("layer", [0, 2, 117, 255])
def test_an_abscissa_equal_to_k_is_outside_the_rectangle(k, tables, layer):
    """Accept at once only for abscissa < k_i: a word whose abscissa is k_i exactly goes on to the
    wedge (or, in layer 0, the tail)."""
    zk = [int(x) for x in tables[0]]
    state = _state_whose_first_word_is((zk[layer] << 10) | (layer << 1) | (1 << 63))
    probe = Stream(state)
    want = [probe.normal(tables) for _ in range(2)]
    assert probe.paths[0] != "rectangle"
    out, states = np.empty((1, 2)), np.array([state], dtype=np.uint64)
    k.draw(states, k.GAUSSIAN, out, tables)
    np.testing.assert_array_equal(out, [want])


def _compiled_against_python(k, tables, method):
    """The only comparison here that runs the compiled kernels: the same inputs through the real module and
    through its Python form, on a Gaussian stream whose draws take every ziggurat path that the
    twelve steps reach.  It is what sees a mutant that only matters compiled (a helper's
    ``@numba.njit`` removed, its ``inline`` option changed), which the Python form cannot."""
    outputs = []
    for module in (k, real_kernels):
        states, w, grid = _states(13), _start(5), _grid()
        arrays = (np.array(H), np.array(W_STAR), np.array(LO), np.array(HI))
        common = (states, np.array(RATES), *arrays, module.GAUSSIAN, KINDS["gaussian"])
        if method.startswith("bc"):
            rounding = module.ROUND if method == "bc-nearest" else module.STOCHASTIC
            deployed, sums = np.empty_like(w), (np.zeros_like(w), np.zeros_like(w))
            module.quantize_rows(w, deployed, states, rounding, grid.as_tuple())
            module.advance_bc(w, deployed, *sums, *common, rounding, grid.as_tuple(), tables)
            result = (w, deployed, *sums)
        else:
            rounding = {"sgd": module.SGD, "r": module.ROUND, "sr": module.STOCHASTIC}[method]
            sums = np.zeros_like(w)
            module.advance(w, sums, *common, rounding, grid.as_tuple(), tables)
            result = (w, sums)
        drawn = np.empty((CHAINS, 7))
        module.draw(states, module.GAUSSIAN, drawn, tables)
        outputs.append((*result, drawn, states))
    for uncompiled, compiled in zip(*outputs, strict=True):
        np.testing.assert_array_equal(compiled, uncompiled)


@pytest.mark.parametrize("method", ["sgd", "r", "sr", "bc-nearest", "bc-stochastic"])
def test_the_compiled_kernels_equal_their_python_form_bit_for_bit(k, tables, method):
    _compiled_against_python(k, tables, method)


def test_the_compiled_comparison_sees_one_ulp(k, tables, monkeypatch):
    """A compiled step one ulp off in one coordinate (as a contracted multiply-add would be) fails."""
    compiled = real_kernels.advance

    def contracted(w, *rest):
        compiled(w, *rest)
        w[1, 2] = np.nextafter(w[1, 2], np.inf)

    monkeypatch.setattr(real_kernels, "advance", contracted)
    with pytest.raises(AssertionError):
        _compiled_against_python(k, tables, "sr")
