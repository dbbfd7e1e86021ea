"""The Markov-chain model of SR: kernels, generators, stationary solvers, mixing (M1-M6, E1)."""

import importlib
import math

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import example, given
from hypothesis import strategies as st
from qnets.simulate import (
    Box,
    DiscreteNoise,
    GaussianNoise,
    Grid,
    MinibatchNoise,
    MultiWell2D,
    StochasticRounding,
    TiltedDoubleWell,
    UniformNoise,
    constant,
    run,
)
from qnets.simulate.markov import (
    ReducibleChainError,
    StateSpace,
    chain_kind,
    generator,
    propagate,
    spectral_gap,
    stationary,
    transition_matrix,
)
from qnets.simulate.markov.accuracy import solver_accuracy
from qnets.simulate.noise import gaussian_ramp
from qnets.simulate.scenarios import double_well, three_wells
from qnets.theory.markov import derivations

from qnets.claims.references import histogram_threshold

stationary_module = importlib.import_module("qnets.simulate.markov.stationary")


def assert_stationary_law(pi: np.ndarray, matrix, tolerance: float = 1e-12) -> None:
    """The properties every stationary law has, whatever solver produced it (as QuantEcon's tests
    check them): entries >= 0, total mass 1, and ``pi`` a left fixed point, ``pi P = pi`` for a
    transition matrix or ``pi A = 0`` for a generator, with the residual recomputed here (not
    taken from the solver) relative to the largest entry of the matrix."""
    m = sp.csr_matrix(matrix)
    assert pi.shape == (m.shape[0],)
    assert np.all(pi >= 0), f"negative entry {pi.min():.3g}"
    assert pi.sum() == pytest.approx(1.0, abs=tolerance)
    flow = m.T @ pi - (pi if chain_kind(m) == "transition" else 0.0)
    assert np.abs(flow).sum() <= tolerance * max(1.0, float(abs(m).max())), f"residual {np.abs(flow).sum():.3g}"


def _random_birth_death(rng, n, spread):
    up = 10 ** rng.uniform(-spread, 0, n - 1)
    down = 10 ** rng.uniform(-spread, 0, n - 1)
    off = sp.diags([up, down], [1, -1]).toarray()
    return off - np.diag(off.sum(axis=1))


def _double_well_space(noise, delta=0.1, half_width=1.2):
    grid = Grid(delta)
    return TiltedDoubleWell(height=0.5, tilt=0.1, noise=noise), StateSpace(
        Box.around(np.zeros(1), half_width, grid), grid
    )


def _chain_families():
    """Irreducible chains of every kind the toolkit solves: ``name -> matrix``."""
    rng = np.random.default_rng(5)
    three = MultiWell2D(noise=UniformNoise(1.0))
    grid = Grid(0.25)
    plane = StateSpace(Box.around(np.zeros(2), 1.5, grid), grid)
    minibatch = _double_well_space(MinibatchNoise(np.array([-1.0, -0.5, 1.5]), 3))
    return {
        "dense random transition": rng.dirichlet(np.ones(30), size=30),
        "sparse random transition": sp.csr_matrix(np.eye(40) + 0.05 * _random_birth_death(rng, 40, 1.0)),
        "ill-conditioned birth-death generator": _random_birth_death(rng, 50, 12.0),
        "near-identity transition with entries below 1e-14": np.eye(40) + 1e-2 * _random_birth_death(rng, 40, 13.0),
        "SR kernel, Gaussian double well": transition_matrix(*_double_well_space(GaussianNoise(1.0)), 0.2),
        "SR kernel, uniform noise, 2-D": transition_matrix(three, plane, 0.3),
        "SR generator, minibatch noise": generator(*minibatch),
        "SR generator, Gaussian noise, 2-D": generator(MultiWell2D(noise=GaussianNoise(1.0)), plane),
    }


CHAIN_FAMILIES = _chain_families()


def _is_tridiagonal(matrix) -> bool:
    coo = sp.coo_matrix(matrix)
    return bool(np.all(np.abs(coo.row - coo.col) <= 1))


@pytest.mark.parametrize(
    ("family", "method"),
    [
        (family, method)
        for family, matrix in CHAIN_FAMILIES.items()
        for method in ("auto", "gth", "sparse-lu", "birth-death")
        if method != "birth-death" or _is_tridiagonal(matrix)
    ],
)
def test_every_solver_returns_a_stationary_law_on_every_family_of_chains(family, method):
    matrix = CHAIN_FAMILIES[family]
    try:
        law = stationary(matrix, method=method)
    except ArithmeticError as error:  # sparse LU may refuse an ill-conditioned chain, naming GTH
        assert method == "sparse-lu" and "gth" in str(error)
        return
    assert_stationary_law(law.pi, matrix)


@pytest.mark.parametrize("family", list(CHAIN_FAMILIES))
def test_gth_agrees_with_quantecon_gth_solve_entrywise(family):
    quantecon = pytest.importorskip("quantecon")
    matrix = CHAIN_FAMILIES[family]
    dense = matrix.toarray() if sp.issparse(matrix) else np.asarray(matrix)
    reference = quantecon.gth_solve(dense)
    assert_stationary_law(reference, dense)
    np.testing.assert_allclose(stationary(dense, method="gth").pi, reference, rtol=1e-9, atol=0)


noises = st.one_of(
    st.builds(GaussianNoise, st.floats(0.0, 5.0)),
    st.builds(UniformNoise, st.floats(0.0, 5.0)),
    st.just(DiscreteNoise(np.array([-1.0, 0.0, 2.0]), np.array([0.5, 0.25, 0.25]))),
    st.just(MinibatchNoise(np.array([-1.0, -0.5, 1.5]), 3)),
)


@given(
    noise=noises,
    height=st.floats(0.05, 2.0),
    tilt=st.floats(-0.5, 0.5),
    delta=st.sampled_from([0.05, 0.1, 0.25, 0.5]),
    lr=st.floats(1e-4, 1.0),
)
@example(noise=GaussianNoise(0.01), height=2.0, tilt=0.0, delta=0.05, lr=1e-4)  # entries far below 1e-14
@example(noise=UniformNoise(2.2250738585072014e-308), height=1.0, tilt=0.0, delta=0.1, lr=0.5)  # h below resolution
def test_m1_transition_rows_are_laws_and_give_accurate_stationary_laws(noise, height, tilt, delta, lr):
    problem = TiltedDoubleWell(height=height, tilt=tilt, noise=noise)
    space = StateSpace(Box.around(np.zeros(1), 1.5, Grid(delta)), Grid(delta))
    matrix = transition_matrix(problem, space, lr)
    assert np.all(matrix >= 0) and np.all(matrix <= 1)
    np.testing.assert_allclose(matrix.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    if not isinstance(noise, GaussianNoise) or noise.sigma < 0.05:
        return  # bounded or near-deterministic noise: the chain need not be irreducible
    if np.any(matrix == 0):  # Gaussian tails underflow to exact zeros: some states may be unreachable
        return
    if matrix[matrix > 0].min() < np.finfo(float).tiny:
        return  # subnormal entries: see test_gth_gives_a_law_or_an_error_with_subnormal_entries
    assert_stationary_law(stationary(matrix).pi, matrix)


def _subnormal_kernel() -> np.ndarray:
    """An irreducible SR kernel (Gaussian noise) whose smallest entries are subnormal (4.9e-321),
    found by Hypothesis."""
    grid = Grid(0.05)
    problem = TiltedDoubleWell(height=1.0, tilt=0.0, noise=GaussianNoise(0.25))
    return transition_matrix(problem, StateSpace(Box.around(np.zeros(1), 1.5, grid), grid), 0.03125)


# The subnormal kernel is built to overflow GTH's elimination (numpy warns in the matmul); what the
# test checks is that the overflow becomes an ArithmeticError or a valid law, never a NaN law.
@pytest.mark.filterwarnings("ignore:overflow encountered in matmul:RuntimeWarning")
@pytest.mark.filterwarnings("ignore:invalid value encountered in matmul:RuntimeWarning")
def test_gth_gives_a_law_or_an_error_with_subnormal_entries():
    """GTH on a kernel with subnormal entries gives a law or refuses with ArithmeticError (it used to
    return a NaN law silently); so does ``auto``, which tries sparse LU after GTH."""
    matrix = _subnormal_kernel()
    assert 0 < matrix[matrix > 0].min() < np.finfo(float).tiny
    for method in ("gth", "auto"):
        try:
            law = stationary(matrix, method=method)
        except ArithmeticError:
            continue  # refusing is acceptable; a silent NaN law is not
        assert_stationary_law(law.pi, matrix)


@pytest.mark.xfail(strict=True, reason="the Gaussian kernel overflows for a subnormal sigma (noise.py, kernel.py)")
def test_m1_kernel_with_a_subnormal_sigma_is_the_noiseless_kernel():
    grid = Grid(0.05)
    space = StateSpace(Box.around(np.zeros(1), 1.5, grid), grid)
    noiseless, tiny = (
        TiltedDoubleWell(height=1.0, tilt=0.0, noise=GaussianNoise(s)) for s in (0.0, 2.2250738585072014e-308)
    )
    np.testing.assert_allclose(
        transition_matrix(tiny, space, 0.00390625), transition_matrix(noiseless, space, 0.00390625)
    )


def test_m1_transition_row_matches_one_sr_step():
    problem = MultiWell2D(noise=UniformNoise(1.0))
    grid = Grid(0.25)
    space = StateSpace(Box.around(np.zeros(2), 2.0, grid), grid)
    matrix = transition_matrix(problem, space, 0.3)
    start = space.points()[7]
    chains = 40_000
    result = run(problem, StochasticRounding(grid), constant(0.3), 1, chains, 11, space.box, w0=start)
    distance = np.abs(space.histogram(result.final_weights["w"]) - matrix[7]).sum()
    assert distance <= histogram_threshold(matrix[7], chains)
    assert np.abs(space.histogram(result.final_weights["w"]) - matrix[8]).sum() > histogram_threshold(matrix[8], chains)


def test_gaussian_ramp_has_full_relative_precision_in_the_tail():
    mpmath = pytest.importorskip("mpmath")
    z = np.array([-8.0, 0.0, 2.9, 3.1, 10.0, 30.0, 37.0])
    exact = np.array([float(mpmath.npdf(x) - x * mpmath.ncdf(-x)) for x in z])
    np.testing.assert_allclose(gaussian_ramp(z), exact, rtol=1e-12)


@pytest.mark.parametrize("noise", [GaussianNoise(1.0), UniformNoise(2.0)], ids=["gaussian", "uniform"])
def test_m3_generator_is_the_small_step_limit(noise):
    problem = TiltedDoubleWell(height=0.5, tilt=0.1, noise=noise)
    grid = Grid(0.1)
    space = StateSpace(Box.around(np.zeros(1), 1.2, grid), grid)
    rate = generator(problem, space).toarray()
    errors = [
        np.abs((transition_matrix(problem, space, a) - np.eye(space.size)) / a - rate).max() for a in (1e-3, 1e-4)
    ]
    assert errors[1] <= 1e-6 or errors[1] <= errors[0] / 5


@given(seed=st.integers(0, 10_000), n=st.integers(2, 60), spread=st.sampled_from([1.0, 8.0, 15.0]))
def test_stationary_solvers_agree_entrywise_on_ill_conditioned_chains(seed, n, spread):
    """Rates down to 1e-15: GTH returns a law matching the birth-death formula entry by entry to
    relative 1e-9, with a small residual."""
    rate = _random_birth_death(np.random.default_rng(seed), n, spread)
    exact = stationary(rate, method="birth-death")
    gth = stationary(rate, method="gth")
    assert_stationary_law(gth.pi, rate)
    np.testing.assert_allclose(gth.pi, exact.pi, rtol=1e-9, atol=0)


@given(seed=st.integers(0, 10_000), n=st.integers(2, 60), spread=st.sampled_from([1.0, 8.0, 15.0]))
def test_sparse_lu_is_accurate_or_says_it_is_not(seed, n, spread):
    """Sparse LU never returns a silently wrong law: either a non-negative law with a small
    residual, or an ArithmeticError naming GTH; on well-conditioned chains it always succeeds."""
    rate = _random_birth_death(np.random.default_rng(seed), n, spread)
    try:
        law = stationary(rate, method="sparse-lu")
    except ArithmeticError as error:
        assert spread > 1.0 and "gth" in str(error)
        return
    assert_stationary_law(law.pi, rate)
    if spread == 1.0:
        np.testing.assert_allclose(law.pi, stationary(rate, method="birth-death").pi, rtol=1e-9)


def test_transition_matrix_with_tiny_entries_gives_an_accurate_stationary_law():
    transition = np.eye(40) + _random_birth_death(np.random.default_rng(1), 40, 13.0) * 1e-2
    assert transition[transition > 0].min() < 1e-14
    np.testing.assert_allclose(stationary(transition, "gth").pi, stationary(transition, "birth-death").pi, rtol=1e-9)


def test_chain_with_several_closed_classes_is_reported_with_its_classes():
    blocks = sp.block_diag([np.array([[0.5, 0.5], [0.5, 0.5]]), np.array([[1.0]])])
    with pytest.raises(ReducibleChainError, match=r"2 closed communicating classes.*2 state\(s\) from \[0, 1\]"):
        stationary(blocks)


def test_double_well_with_narrow_bounded_noise_has_several_closed_classes():
    """Noise of half-width 0.25 cannot lift SR over either barrier: each well traps the chain."""
    problem, space = double_well(UniformNoise(0.25))
    with pytest.raises(ReducibleChainError, match="closed communicating classes"):
        stationary(transition_matrix(problem, space, 0.1))


@pytest.mark.parametrize("method", ["auto", "gth", "sparse-lu"])
def test_chain_with_transient_states_gets_its_unique_stationary_law(method):
    """The tilted double well with bounded noise of half-width 0.5 on [-2, 2]: one closed class,
    the edge states transient.  The law is 0 off the class, stationary for the whole chain, and
    equal to the law of the chain restricted to the class."""
    problem, space = double_well(UniformNoise(0.5))
    matrix = transition_matrix(problem, space, 0.1)
    law = stationary(matrix, method=method)
    support = np.flatnonzero(law.pi)
    assert 0 < support.size < space.size
    assert law.residual <= 1e-13
    np.testing.assert_allclose(law.pi @ np.linalg.matrix_power(matrix, 50), law.pi, atol=1e-13)
    restricted = matrix[np.ix_(support, support)]
    np.testing.assert_allclose(law.pi[support], stationary(restricted, method="gth").pi, rtol=1e-10)


def test_sparse_lu_on_a_two_dimensional_chain_is_non_negative_and_matches_gth():
    """The fill-reducing symmetric ordering with diagonal pivots keeps the M-matrix argument."""
    problem, space = three_wells(delta=0.2)
    rate = generator(problem, space)
    lu = stationary(rate, method="sparse-lu")
    assert np.all(lu.pi >= 0) and lu.residual <= 1e-12
    np.testing.assert_allclose(lu.pi, stationary(rate, method="gth").pi, rtol=1e-8, atol=1e-14)


def test_chain_kind_rejects_matrices_that_are_neither():
    with pytest.raises(ValueError, match="neither a transition matrix"):
        chain_kind(np.array([[0.5, 0.2], [0.1, 0.9]]))
    with pytest.raises(ValueError, match="negative off-diagonal"):
        chain_kind(np.array([[1.2, -0.2], [0.1, 0.9]]))


def test_stationary_solvers_on_a_100k_state_birth_death_chain_and_a_200x_200_grid():
    """The 200 x 200 chain's exact law is the product of 1-D birth-death laws (Kronecker-sum generator)."""
    report = solver_accuracy()
    assert report["birth_death_1e5_l1_between_solvers"] <= 1e-10
    assert report["birth_death_1e5_residual_sparse_lu"] <= 1e-9
    assert report["grid_200x200_l1_error_vs_exact_product"] <= 1e-10
    assert report["grid_200x200_residual"] <= 1e-10


def test_m2_spectral_gap_is_linear_in_the_step_below_the_threshold():
    problem = TiltedDoubleWell(height=0.25, tilt=0.1, noise=UniformNoise(1.0))
    grid = Grid(0.1)
    space = StateSpace(Box.around(np.zeros(1), 0.5, grid), grid)
    threshold = grid.delta / (np.max(np.abs(problem.grad(space.points()))) + 1.0)
    gaps = [spectral_gap(transition_matrix(problem, space, a)) / a for a in (threshold, threshold / 7)]
    assert gaps[0] == pytest.approx(gaps[1], rel=1e-9)
    assert gaps[0] == pytest.approx(spectral_gap(generator(problem, space)), rel=1e-9)


def test_propagate_converges_to_the_stationary_law():
    problem = TiltedDoubleWell(height=0.25, tilt=0.1, noise=GaussianNoise(1.0))
    grid = Grid(0.25)
    space = StateSpace(Box.around(np.zeros(1), 2.0, grid), grid)
    matrix = transition_matrix(problem, space, 0.1)
    start = np.eye(space.size)[0]
    assert np.abs(propagate(start, matrix, 5000) - stationary(matrix).pi).sum() <= 1e-10
    with pytest.raises(ValueError, match="p0 must be a probability vector"):
        propagate(np.ones(space.size), matrix, 3)


@pytest.mark.parametrize("name", ["M2", "M3", "M4"])
def test_markov_derivation_steps_verify(name):
    results = derivations()[name].verify()
    assert results and all(ok for _, ok in results)


def test_minibatch_law_is_exact():
    noise = MinibatchNoise(np.array([-1.0, 0.0, 1.0]), 2)
    np.testing.assert_allclose(sorted(noise.law.values), [-1.0, -0.5, 0.0, 0.5, 1.0])
    assert noise.law.variance == pytest.approx(noise.variance)
    with pytest.raises(ValueError, match="mean 0"):
        DiscreteNoise(np.array([1.0, 2.0]), np.array([0.5, 0.5]))
    with pytest.raises(ValueError, match="batch_size must be an integer >= 1"):
        MinibatchNoise(np.array([-1.0, 1.0]), 0)


def test_state_space_rejects_off_grid_points():
    grid = Grid(0.5)
    space = StateSpace(Box.around(np.zeros(1), 1.0, grid), grid)
    with pytest.raises(ValueError, match="not grid points"):
        space.index(np.array([[0.25]]))


def test_m1_sparse_transition_matrix_equals_the_dense_one_and_scales_beyond_it():
    problem = MultiWell2D(noise=UniformNoise(3.0))  # bounded noise: compact rows
    grid = Grid(0.25)
    small = StateSpace(Box.around(np.zeros(2), 1.0, grid), grid)
    dense = transition_matrix(problem, small, 0.1)
    assert np.array_equal(transition_matrix(problem, small, 0.1, sparse=True).toarray(), dense)
    fine = Grid(0.05)
    large = StateSpace(Box.around(np.zeros(2), 2.0, fine), fine)  # 81 x 81 states: too many for dense
    with pytest.raises(ValueError, match="sparse=True"):
        transition_matrix(problem, large, 0.05)
    matrix = transition_matrix(problem, large, 0.05, sparse=True)
    assert matrix.nnz < 0.01 * large.size**2
    np.testing.assert_allclose(np.asarray(matrix.sum(axis=1)).ravel(), 1.0, rtol=0, atol=1e-12)
    law = stationary(matrix)
    assert law.method == "sparse-lu"
    assert_stationary_law(law.pi, matrix)


def _record_pins(monkeypatch) -> list[int]:
    """The states sparse LU pins, in order, recorded as it solves."""
    pins: list[int] = []
    solve = stationary_module._sparse_lu_pinned
    monkeypatch.setattr(stationary_module, "_sparse_lu_pinned", lambda system, k: pins.append(k) or solve(system, k))
    return pins


def test_sparse_lu_pins_the_mode_of_the_501_by_501_three_well_chain(monkeypatch):
    """The first solve is pinned at the local-balance estimate of the mode, which holds at least
    PIN_MASS of the mode's mass on the three-well chain: one factorisation.  Injected bug: a first
    pin at the middle state (mass 4.6e-50) with one solve allowed must be refused by the guard."""
    problem, space = three_wells(delta=6.0 / 500, half_width=3.0)
    rate = generator(problem, space)
    pins = _record_pins(monkeypatch)
    law = stationary(rate, method="sparse-lu")
    assert np.all(law.pi >= 0) and law.residual <= 1e-12
    assert len(pins) == 1 == law.solves and law.pi[pins[0]] >= stationary_module.PIN_MASS * law.pi.max()
    monkeypatch.setattr(stationary_module, "first_pin", lambda off: space.size // 2)
    monkeypatch.setattr(stationary_module, "MODE_SEARCHES", 1)
    with pytest.raises(ArithmeticError, match=r"did not settle on the mode in 1 solves.*use method='gth'"):
        stationary(rate, method="sparse-lu")


def test_sparse_lu_stops_at_one_of_two_tied_modes(monkeypatch):
    """A symmetric double well (birth-death on 1505 points of [-3, 3], forced to sparse LU): the
    two modes carry equal mass, and re-pinning until the pinned state was the strict maximum went
    back and forth between them.  The first pin must hold at least PIN_MASS of the largest mass,
    so one solve does, and the law is the detailed-balance one."""
    n = 1505
    x = np.linspace(-3.0, 3.0, n)
    potential = 3 * (x**2 - 1) ** 2
    up, down = np.exp(-(potential[1:] - potential[:-1]) / 2), np.exp(-(potential[:-1] - potential[1:]) / 2)
    rate = sp.diags([up, down], [1, -1], format="csr")
    rate = (rate - sp.diags(np.asarray(rate.sum(axis=1)).ravel())).tocsr()
    pins = _record_pins(monkeypatch)
    law = stationary(rate, method="sparse-lu")
    exact = stationary(rate, method="birth-death").pi
    assert len(pins) == 1 and exact[pins[0]] >= stationary_module.PIN_MASS * exact.max()
    np.testing.assert_allclose(law.pi, exact, rtol=1e-8)


def _three_well_rates(side: int):
    problem, space = three_wells(delta=6.0 / side, half_width=3.0)
    return generator(problem, space)


def test_auto_chooses_by_cost_and_records_why():
    tridiagonal = stationary(_random_birth_death(np.random.default_rng(0), 30, 1.0))
    assert tridiagonal.method == "birth-death" and tridiagonal.choice == "tridiagonal"
    small = stationary(_three_well_rates(20))  # 441 states: GTH in well under its budget
    assert small.method == "gth" and "GTH estimated at" in small.choice and np.isnan(small.certificate)
    large = stationary(_three_well_rates(36))  # 1369 states: GTH about 2 s, sparse LU milliseconds
    assert large.method == "sparse-lu" and large.choice.startswith("sparse (")
    assert large.certificate <= stationary_module.CERTIFICATE_TOLERANCE and large.uncertified_mass == 0
    np.testing.assert_allclose(large.pi, stationary(_three_well_rates(36), method="gth").pi, rtol=1e-9, atol=1e-300)


def _corrupt_tiny_well(monkeypatch, factor: float = 10.0) -> None:
    """Injected bug: sparse LU's law with the states of mass below 1e-15 of the mode scaled by ``factor``."""
    solve = stationary_module._sparse_lu

    def corrupted(m):
        pi, clipped, solves = solve(m)
        pi = np.where(pi < 1e-15 * pi.max(), factor * pi, pi)
        return pi / pi.sum(), clipped, solves

    monkeypatch.setattr(stationary_module, "_sparse_lu", corrupted)


def test_sparse_lu_certificate_sees_a_wrong_metastable_well_the_residual_misses(monkeypatch):
    rate = _three_well_rates(36)
    honest = stationary(rate, method="sparse-lu")
    assert honest.uncertified_mass == 0
    _corrupt_tiny_well(monkeypatch)
    wrong = stationary(rate, method="sparse-lu")
    assert wrong.residual <= 1e-12  # the residual does not see it
    assert wrong.certificate > 1e-3 and 0 < wrong.uncertified_mass < 1e-8
    fallback = stationary(rate)  # auto: GTH is affordable at 1369 states
    assert fallback.method == "gth" and "sparse LU failed" in fallback.choice
    np.testing.assert_allclose(fallback.pi, honest.pi, rtol=1e-9, atol=1e-300)


def test_certificate_reports_the_tiny_well_of_the_251_by_251_chain_that_sparse_lu_gets_wrong():
    """Sparse LU's law of the 251 x 251 three-well chain has a residual of 1e-14 but a tiny well
    off by a large factor (certificate > 0.5): the certificate names the well's mass, which lies
    below the residual, so the residual cannot see it.  (How tiny depends on the rates' last bits,
    which differ between CPUs' exp: below 1e-19 where this test was written, 4.6e-18 on another
    machine; both far below the residual.)"""
    law = stationary(_three_well_rates(250))
    assert law.method == "sparse-lu" and law.residual <= 1e-13
    assert law.certificate > 0.5 and 0 < law.uncertified_mass < law.residual


def test_sparse_lu_orders_a_grid_chain_by_nested_dissection_and_agrees_with_minimum_degree(monkeypatch):
    """The ordering changes the rounding only: the two laws agree entry by entry; a chain with
    other jumps than +-1 and +-cols is not taken for a grid."""
    rate = _three_well_rates(40)
    nested = stationary(rate, method="sparse-lu")
    assert nested.choice == "asked for; ordered by nested dissection of the 41 x 41 grid"
    order = stationary_module.nested_dissection(41, 41)
    assert np.array_equal(np.sort(order), np.arange(41 * 41))
    middle = 41 * 20 + np.arange(41)  # the first cut: the middle row, eliminated last
    assert np.array_equal(np.sort(order[-41:]), middle)
    monkeypatch.setattr(stationary_module, "grid_shape", lambda matrix: None)
    degree = stationary(rate, method="sparse-lu")
    assert degree.choice == "asked for; ordered by minimum degree on M + M^T"
    np.testing.assert_allclose(nested.pi, degree.pi, rtol=1e-9, atol=1e-300)
    monkeypatch.undo()
    jumps = sp.diags([np.ones(10), np.ones(10), np.ones(9), np.ones(9)], [2, -2, 3, -3], shape=(12, 12))
    assert stationary_module.grid_shape(jumps) is None
    assert stationary_module.grid_shape(sp.csr_matrix(rate)) == (41, 41)


def _drifting_birth_death(n: int, up: float, down: float) -> tuple[sp.csr_matrix, np.ndarray]:
    """The generator of a birth-death chain on 0..n-1 with rates ``up`` (i -> i+1) and ``down``
    (i -> i-1), and its law from the closed form ``pi_i ~ (up/down)^i`` (detailed balance), which
    underflows to exactly 0 far from 0 when ``up << down``."""
    ups, downs = np.full(n - 1, up), np.full(n - 1, down)
    rates = sp.diags([ups, downs], [1, -1], shape=(n, n), format="csr")
    generator_matrix = (rates - sp.diags(np.asarray(rates.sum(axis=1)).ravel())).tocsr()
    pi = (up / down) ** np.arange(n, dtype=float)
    return generator_matrix, pi / pi.sum()


def test_certificate_certifies_a_law_whose_far_blocks_underflow_to_zero():
    """Rates 0.13 up, 0.87 down on 4,000 states: beyond state ~390 every mass is exactly 0, so 230
    of the 256 blocks have no mass (and a few more less than CERTIFIED_MASS).  They are merged into
    their neighbours, and the exact law is certified (it was reported as inf, 'nothing certified');
    the same law with one block's mass doubled is not, and the certificate names that block's mass."""
    m, pi = _drifting_birth_death(4000, 0.13, 0.87)
    labels = (np.arange(4000) * 256) // 4000
    assert np.count_nonzero(np.bincount(labels, weights=pi) == 0) > 200
    worst, uncertified = stationary_module.certificate(pi, m)
    assert worst <= stationary_module.CERTIFICATE_TOLERANCE and uncertified == 0
    wrong = pi.copy()
    block = labels == 20  # states 313-328, masses about 1e-250
    wrong[block] *= 2
    worst, uncertified = stationary_module.certificate(wrong / wrong.sum(), m)
    assert worst > 0.3 and uncertified == pytest.approx(2 * pi[block].sum(), rel=1e-9)


def test_certificate_of_a_law_without_mass_certifies_nothing():
    m, _ = _drifting_birth_death(50, 0.3, 0.7)
    assert stationary_module.certificate(np.zeros(50), m) == (math.inf, 1.0)


def test_certificate_certifies_nothing_when_the_aggregated_chain_overflows_gth():
    """Rates spread over 10^+-15 (seed 50, 50 states): the exact birth-death law is certified, but
    sparse LU's law makes the aggregated chain's GTH overflow, and the certificate says that
    nothing is certified (inf, 1) instead of raising."""
    rate = _random_birth_death(np.random.default_rng(50), 50, 15.0)
    exact = stationary(rate, method="birth-death").pi
    assert stationary_module.certificate(exact, sp.csr_matrix(rate))[0] <= stationary_module.CERTIFICATE_TOLERANCE
    with np.errstate(all="ignore"):
        law = stationary(rate, method="sparse-lu")
    assert (law.certificate, law.uncertified_mass) == (math.inf, 1.0)
