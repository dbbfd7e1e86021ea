"""Issue 18, item 6: the Monte Carlo plumbing, where the claim checks average it away.

1. **The first steps against exact propagation.**  ``monte_carlo.run`` at ``t = 1, 2, 3, 5`` on a
   generic diagonal quadratic (curvatures 0.8, 1.45, 2.3, ``w* != 0``, ``F* = 0.29``, Gaussian noise
   ``sigma = 0.63``) with ``a_t = 1/(mu (t + 1))`` and ``a_t = c/sqrt(t + 1)`` (``c = 0.45``), both
   ``w.gap`` (``F(w_t) - F*``) and ``w.avg_gap`` (``F(w_bar_t) - F*``, ``w_bar_t`` the mean of
   ``w_0 .. w_{t-1}``), against

   * SGD's exact moments in closed form (:func:`sgd_exact`: the recursion
     ``z_{s+1} = (1 - a_s h) z_s - a_s xi_s`` per coordinate, written as ``z_s = P_s z_0 + sum_r C_{s,r}
     xi_r``, in a box so wide that no iterate reaches it: asserted at 12 standard deviations);
   * SR's exact propagation (``exact_sr_quadratic``, E2) on a grid-aligned box, projection included.

   The step sizes of the references come from the formulas written here, not from the
   schedule objects.  Every estimate must be within a Bonferroni ``z`` of its exact value (16
   comparisons per method); the average at ``t = 1`` is the deterministic ``F(w_0) - F*`` and
   must agree to round-off.  The catalogue: the runner evaluating the schedule at ``t + 1``, the
   schedules themselves shifted by one, the running average taken over ``w_1 .. w_t``, and the
   checkpoint recorded one step late all fail (``run`` and ``ChainBlock.__call__`` re-compiled with
   one line changed, :func:`mutant`).

2. **Independent chains and blocks.**  With ``d = 2048`` a block holds ``BLOCK_ELEMENTS // d = 32``
   chains; 150 chains span five blocks, the last one partial.

   * One SGD step from ``w*`` makes each final weight ``-a xi``, one Gaussian draw: every one of
     the ``150 x 2048`` draws of a run, and of the runs with seeds 18 and 19 together, is
     distinct (continuous draws coincide with probability ~1e-6).  Blocks sharing one stream, or
     seed ``s``'s block ``b + 1`` reusing seed ``s + 1``'s block ``b``, repeat whole rows.
   * After five SR steps (normal and uniform draws), the correlation over coordinates of any two
     chains (columns standardised) is below ``z / sqrt(d)`` with ``z`` Bonferroni over all
     ``150 * 149 / 2`` pairs, across block boundaries as within blocks.  Chains of a block that
     share their gradient noise fail it.
   * Serial and two local processes give the same numbers bit for bit; a backend that returns
     its blocks out of order fails.
"""

from __future__ import annotations

import inspect
import math
import textwrap
from collections.abc import Callable

import numpy as np
import pytest
from qnets.simulate import SGD, Box, GaussianNoise, Grid, Quadratic, StochasticRounding, engines, monte_carlo, schedules
from qnets.simulate.markov.quadratic import exact_sr_quadratic

from qnets import parallel
from qnets.claims.verdict import bonferroni_z

# ---------------------------------------------------------------------------- 1. the first steps
CURVATURES = np.array([0.8, 1.45, 2.3])
W_STAR = np.array([0.17, -0.38, 0.52])
SIGMA, F_STAR, MU, C = 0.63, 0.29, 0.8, 0.45
MARKS = (1, 2, 3, 5)
STEPS = 6  # one more than the last mark, so that a checkpoint recorded a step late is still recorded
CHAINS = 20_000
PROBLEM = Quadratic(CURVATURES, W_STAR, GaussianNoise(SIGMA), F_STAR)
#: The rates ``a_t`` (``t = 0, 1, ...``), written out here for the references.
RATES: dict[str, Callable[[int], float]] = {
    "inverse_time": lambda t: 1.0 / (MU * (t + 1)),
    "inverse_sqrt": lambda t: C / math.sqrt(t + 1),
}
SCHEDULES = {"inverse_time": schedules.inverse_time(MU), "inverse_sqrt": schedules.inverse_sqrt(C)}
QUANTITIES = ("gap", "avg_gap")
Z_FIRST_STEPS = bonferroni_z(len(RATES) * len(MARKS) * len(QUANTITIES))

SGD_W0 = W_STAR + np.array([0.9, -1.1, 0.7])
SGD_BOX = Box.cube(3, 60.0, center=W_STAR)
SR_GRID = Grid(0.3)
SR_BOX = Box.around(W_STAR, 1.3, SR_GRID)


def sgd_exact(rates: Callable[[int], float], steps: int) -> dict[str, np.ndarray]:
    """SGD's exact ``E F(w_t) - F*`` and ``E F(w_bar_t) - F*`` for ``t = 0..steps`` (index ``t``).

    Per coordinate, ``z = w - w*`` follows ``z_{s+1} = (1 - a_s h) z_s - a_s xi_s`` (no projection):
    ``z_s = P_s z_0 + sum_{r<s} C_{s,r} xi_r`` with ``P_{s+1} = (1 - a_s h) P_s``,
    ``C_{s+1,r} = (1 - a_s h) C_{s,r}`` and ``C_{s+1,s} = -a_s``.  With ``xi_r`` independent of
    variance ``sigma^2``, ``E z_t^2 = (P_t z_0)^2 + sigma^2 sum_r C_{t,r}^2``; ``t w_bar_t - t w* =
    sum_{s<t} z_s`` has coefficients ``sum_{s<t} P_s`` and ``sum_{s<t} C_{s,r}``.  The gap is
    ``sum_k h_k E z_k^2 / 2``.  Also returned: the largest ``|E z| + 12 sd(z)`` over ``s <= steps``
    (the box must hold it)."""
    z0 = SGD_W0 - W_STAR
    P = np.ones((steps + 1, 3))
    coefficients = np.zeros((steps + 1, steps, 3))
    for s in range(steps):
        factor = 1 - rates(s) * CURVATURES
        P[s + 1] = factor * P[s]
        coefficients[s + 1] = factor * coefficients[s]
        coefficients[s + 1, s] = -rates(s)

    def gap(mean: np.ndarray, coefficient: np.ndarray) -> float:
        return float(np.sum(CURVATURES * (mean**2 + SIGMA**2 * np.sum(coefficient**2, axis=0))) / 2)

    last = np.array([gap(P[t] * z0, coefficients[t]) for t in range(steps + 1)])
    averaged = np.array(
        [np.nan] + [gap(P[:t].sum(axis=0) * z0 / t, coefficients[:t].sum(axis=0) / t) for t in range(1, steps + 1)]
    )
    reach = np.abs(P * z0) + 12 * SIGMA * np.sqrt(np.sum(coefficients**2, axis=1))
    return {"gap": last, "avg_gap": averaged, "reach": np.array(reach.max())}


def exact(method: str, schedule: str) -> dict[str, np.ndarray]:
    """The exact values at ``t = 0..STEPS`` (index ``t``; the average is undefined at ``t = 0``)."""
    if method == "sgd":
        return sgd_exact(RATES[schedule], STEPS)
    run = exact_sr_quadratic(PROBLEM, SR_GRID, SR_BOX, RATES[schedule], STEPS, w0=SR_BOX.lo.copy())
    return {"gap": np.concatenate([[np.nan], run.last]), "avg_gap": np.concatenate([[np.nan], run.averaged])}


def simulate(method: str, schedule: str, seed: int = 18) -> monte_carlo.RunResult:
    """``monte_carlo.run`` (looked up at call time, so that a mutant of it is the one run)."""
    if method == "sgd":
        return monte_carlo.run(
            PROBLEM, SGD(), SCHEDULES[schedule], STEPS, CHAINS, seed, SGD_BOX, w0=SGD_W0, checkpoints=MARKS
        )
    return monte_carlo.run(
        PROBLEM, StochasticRounding(SR_GRID), SCHEDULES[schedule], STEPS, CHAINS, seed, SR_BOX, checkpoints=MARKS
    )


def first_step_errors(method: str) -> list[str]:
    """The comparisons of the module docstring (1.) that fail, as messages."""
    errors = []
    for schedule in RATES:
        reference, result = exact(method, schedule), simulate(method, schedule)
        for quantity in QUANTITIES:
            estimate = result.series[f"w.{quantity}"]
            for i, t in enumerate(MARKS):
                value, mean, stderr = reference[quantity][t], estimate.mean[i], estimate.stderr[i]
                if abs(mean - value) > Z_FIRST_STEPS * stderr + 1e-12 * (1 + abs(value)):
                    errors.append(f"{schedule} {quantity} t={t}: {mean:.6g} +- {stderr:.3g}, exact {value:.6g}")
    return errors


def test_sgd_box_is_never_reached():
    """The closed form has no projection: the box holds every ``|E z| + 12 sd(z)`` of the first steps."""
    for schedule in RATES:
        assert sgd_exact(RATES[schedule], STEPS)["reach"] < 60.0


@pytest.mark.parametrize("method", ["sgd", "sr"])
def test_first_steps_match_exact_propagation(method):
    """``w.gap`` and ``w.avg_gap`` at t = 1, 2, 3, 5, both schedules, against the exact values."""
    errors = first_step_errors(method)
    assert not errors, "; ".join(errors)


def mutant(function: Callable, *edits: tuple[str, str]) -> Callable:
    """``function`` re-compiled from its source with, for each ``(old, new)`` of ``edits``, the one
    occurrence of ``old`` replaced by ``new``, in (a copy of) its module's namespace: a bug injected
    at run time, no file edited.  An ``old`` that is not in the source once raises LookupError (not
    an assertion: a changed source is no failed check, and the mutation runner counts it as a crash)."""
    source = textwrap.dedent(inspect.getsource(function))
    for old, new in edits:
        if source.count(old) != 1:
            raise LookupError(f"{old!r} is not (once) in {function.__qualname__} any more: update the mutant")
        source = source.replace(old, new)
    namespace = dict(function.__globals__)
    code = compile("from __future__ import annotations\n" + source, inspect.getsourcefile(function), "exec")
    exec(code, namespace)
    return namespace[function.__name__]


def _shifted_schedule(cls: type) -> Callable:
    original = cls.__call__
    return lambda self, t: original(self, t + 1)


RUNNER_MUTANTS = {
    "runner evaluates the schedule at t + 1": (
        monte_carlo,
        "step_sizes",
        lambda: mutant(
            monte_carlo.step_sizes,
            ("float(schedule(t)) for t in range(start, stop)", "float(schedule(t + 1)) for t in range(start, stop)"),
        ),
    ),
    "average over w_1 .. w_t": (
        engines.NumpyStepper,
        "advance",
        lambda: mutant(
            engines.NumpyStepper.advance,
            (
                "        for name, array in state.items():\n            sums[name] += array\n"
                "        self.method.step(state, float(lr), self.problem, self.rng, self.domain, self.workspace)\n",
                "        self.method.step(state, float(lr), self.problem, self.rng, self.domain, self.workspace)\n"
                "        for name, array in state.items():\n            sums[name] += array\n",
            ),
        ),
    ),
    "checkpoint recorded one step late": (
        monte_carlo.ChainBlock,
        "__call__",
        lambda: mutant(
            monte_carlo.ChainBlock.__call__,
            ("int(marks[next_mark]) - start", "int(marks[next_mark]) + 1 - start"),
            ("start + done == marks[next_mark]:", "start + done == marks[next_mark] + 1:"),
        ),
    ),
}


@pytest.mark.parametrize("method", ["sgd", "sr"])
@pytest.mark.parametrize("bug", list(RUNNER_MUTANTS))
def test_first_steps_catch_an_off_by_one_in_the_runner(bug, method, monkeypatch):
    target, name, build = RUNNER_MUTANTS[bug]
    monkeypatch.setattr(target, name, build())
    assert first_step_errors(method), f"{bug}: every comparison still holds"


@pytest.mark.parametrize("method", ["sgd", "sr"])
def test_first_steps_catch_schedules_shifted_by_one(method, monkeypatch):
    """``inverse_time`` and ``inverse_sqrt`` evaluated at ``t + 1`` (``1/(mu(t+2))``, ``c/sqrt(t+2)``)."""
    for cls in (schedules.InverseTime, schedules.InverseSqrt):
        monkeypatch.setattr(cls, "__call__", _shifted_schedule(cls))
    errors = first_step_errors(method)
    assert any(e.startswith("inverse_time") for e in errors) and any(e.startswith("inverse_sqrt") for e in errors)


# ---------------------------------------------------------------------------- 2. chains and blocks
D_WIDE = 2048
BLOCK_CHAINS = monte_carlo.BLOCK_ELEMENTS // D_WIDE
WIDE_CHAINS = 150
WIDE = Quadratic(np.geomspace(0.6, 1.7, D_WIDE), noise=GaussianNoise(SIGMA))
WIDE_GRID = Grid(0.3)
WIDE_BOX = Box.around(WIDE.w_star, 9.0, WIDE_GRID)


def one_sgd_step(seed: int) -> np.ndarray:
    """Final weights after one SGD step of 0.7 from ``w* = 0``: ``-0.7 xi``, one draw per entry."""
    result = monte_carlo.run(WIDE, SGD(), schedules.constant(0.7), 1, WIDE_CHAINS, seed, WIDE_BOX, w0=WIDE.w_star)
    return result.final_weights["w"]


def test_the_wide_runs_span_several_blocks():
    blocks = monte_carlo.chain_blocks(WIDE_CHAINS, D_WIDE)
    assert BLOCK_CHAINS == 32 and len(blocks) == 5 and blocks[-1].stop - blocks[-1].start < BLOCK_CHAINS


def repeated_draws(*seeds: int) -> int:
    """How many of the draws of the runs with ``seeds`` repeat an earlier one (0 when independent)."""
    draws = np.concatenate([one_sgd_step(seed).ravel() for seed in seeds])
    return draws.size - np.unique(draws).size


def test_every_draw_of_a_run_and_of_another_seed_is_its_own():
    assert repeated_draws(18) == 0
    assert repeated_draws(18, 19) == 0


def test_blocks_sharing_one_stream_repeat_draws(monkeypatch):
    """Every block seeded with the run's root ``SeedSequence`` instead of its own child."""
    original = monte_carlo.ChainBlock.__call__
    monkeypatch.setattr(
        monte_carlo.ChainBlock,
        "__call__",
        lambda self, job: original(self, (job[0], np.random.SeedSequence(job[1].entropy))),
    )
    assert repeated_draws(18) > 0


def test_block_seeds_offset_by_the_block_index_repeat_draws_across_seeds(monkeypatch):
    """Block ``b`` seeded from ``seed + b``: seed 18's block 1 is seed 19's block 0."""
    monkeypatch.setattr(
        monte_carlo,
        "run",
        mutant(
            monte_carlo.run,
            (
                "children = np.random.SeedSequence(seed).spawn(len(blocks))",
                "children = [np.random.SeedSequence(seed + b) for b in range(len(blocks))]",
            ),
        ),
    )
    assert repeated_draws(18) == 0
    assert repeated_draws(18, 19) > 0


def largest_chain_correlation(seed: int = 18) -> tuple[float, float]:
    """The largest ``|corr|`` over coordinates between two chains after five SR steps (each
    coordinate standardised over the chains), and the Bonferroni limit ``z / sqrt(d)``.

    For independent chains each correlation is about ``N(0, 1/d)`` (its mean ``-1/(n - 1)``, from
    the standardisation, is 0.007 here against a limit of 0.15)."""
    result = monte_carlo.run(
        WIDE, StochasticRounding(WIDE_GRID), schedules.constant(0.35), 5, WIDE_CHAINS, seed, WIDE_BOX
    )
    W = result.final_weights["w"]
    standard = (W - W.mean(axis=0)) / W.std(axis=0)
    corr = np.corrcoef(standard)
    pairs = WIDE_CHAINS * (WIDE_CHAINS - 1) // 2
    return float(np.max(np.abs(corr[np.triu_indices(WIDE_CHAINS, 1)]))), bonferroni_z(pairs) / math.sqrt(D_WIDE)


def test_chains_are_uncorrelated_within_and_across_blocks():
    largest, limit = largest_chain_correlation()
    assert largest <= limit


def test_chains_of_a_block_sharing_their_noise_are_correlated(monkeypatch):
    """Gaussian noise drawn once per block and broadcast to its chains (SR's rounding still per chain)."""

    def shared(self, g, rng, scratch=None):
        g += self.sigma * rng.standard_normal(g.shape[1])

    monkeypatch.setattr(GaussianNoise, "add_to", shared)
    largest, limit = largest_chain_correlation()
    assert largest > limit


def run_numbers(jobs: int) -> dict[str, bytes]:
    """Every number of a five-block SR run on ``jobs`` processes, as bytes."""
    result = monte_carlo.run(
        WIDE,
        StochasticRounding(WIDE_GRID),
        schedules.inverse_time(0.6),
        4,
        WIDE_CHAINS,
        18,
        WIDE_BOX,
        backend=parallel.Backend(jobs=jobs),
    )
    numbers = {
        f"{k}.{part}": getattr(v, part).tobytes() for k, v in result.series.items() for part in ("mean", "stderr")
    }
    return numbers | {"w": result.final_weights["w"].tobytes()}


def test_two_processes_give_the_serial_numbers(monkeypatch):
    monkeypatch.setattr(monte_carlo, "PARALLEL_MIN_WORK", 1)
    assert run_numbers(2) == run_numbers(1)


def test_a_backend_returning_blocks_out_of_order_is_caught(monkeypatch):
    """The process pool's results in the reverse of the order of the blocks (completion order)."""
    monkeypatch.setattr(monte_carlo, "PARALLEL_MIN_WORK", 1)
    original = parallel.Backend.map
    monkeypatch.setattr(
        parallel.Backend,
        "map",
        lambda self, f, items, on_result=None: original(self, f, items, on_result)[:: -1 if self.jobs > 1 else 1],
    )
    assert run_numbers(2) != run_numbers(1)
