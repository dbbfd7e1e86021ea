"""What a run will cost, estimated from its sizes before it starts: memory and work.

A :class:`Cost` holds the bytes a run will hold at its peak, by what holds them, and its work in
the engine's own unit (coordinate-steps of the Monte Carlo engine, dense-state operations of an
exact chain), with the wall seconds that work takes on the reference machine (2 cores).  The
command line compares both with ``--max-memory`` and ``--max-work`` before it allocates
anything, and names the options that make them up.

The rates are measured on the reference machine (2-core AMD EPYC under KVM, ``qnets bench``),
rounded down, so the estimated seconds are on the long side of what a quiet machine needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from qnets.simulate.monte_carlo import BLOCK_ELEMENTS

if TYPE_CHECKING:
    from qnets.simulate.nets.studies import Sizes

#: Checkpoints recorded per Monte Carlo run (``log_checkpoints``' default count, an upper bound).
CHECKPOINTS = 25
#: Peak memory of building a problem, in multiples of its data (copies, solver workspaces), measured
#: as peak resident set growth with /usr/bin/time: ill-conditioned d=2000 ~6x its d x d matrix,
#: least-squares d=400 ~4x its A, logistic (cvxpy) d=150..300 ~30-35x its X.
PROBLEM_DATA_COPIES = {"ill-conditioned": 8, "least-squares": 6, "logistic": 40}
#: What importing and running cvxpy costs on top (logistic d=2 grows the resident set by ~43 MB).
CVXPY_BYTES = 64 * 2**20
#: Monte Carlo coordinate-steps per second and core on a diagonal problem (SR: 66 M/s measured).
COORDINATE_STEPS_PER_SECOND = 4e7
#: The extra cost of a dense problem: a coordinate-step of a d x d Hessian or minibatch is ~d flops.
DENSE_PROBLEMS = ("ill-conditioned", "least-squares", "logistic")
#: Dense-matrix flops per second of one core (LU, eigenvalues; measured ~2e10, halved for the solvers).
DENSE_FLOPS_PER_SECOND = 1e10
#: Cores of the reference machine.
REFERENCE_CORES = 2
#: Iterations per second of a plain Python loop over coordinates (``qnets bench``'s reference).
PYTHON_ITERATIONS_PER_SECOND = 1e6
#: Chains of ``qnets bench``'s plain Python loop (:func:`qnets.simulate.bench.bench`'s default).
BENCH_LOOP_CHAINS = 10


@dataclass(frozen=True)
class Cost:
    """A run's peak memory (``memory``: bytes by what holds them) and its ``work`` in ``unit``,
    which takes about ``seconds`` of wall time on the reference machine."""

    memory: dict[str, float]
    work: float
    unit: str
    seconds: float

    @property
    def bytes(self) -> float:
        """The total peak memory."""
        return sum(self.memory.values())

    def __add__(self, other: Cost) -> Cost:
        """The cost of two runs one after the other: the larger peak, the sum of the work."""
        if other.unit != self.unit:
            raise ValueError(f"cannot add work in {self.unit} and in {other.unit}")
        memory = self.memory if self.bytes >= other.bytes else other.memory
        return Cost(memory, self.work + other.work, self.unit, self.seconds + other.seconds)


def monte_carlo_cost(problem: str, d: int, chains: int, steps: int, batch_size: int, method: str) -> Cost:
    """The cost of ``qnets simulate``'s run: ``chains`` chains of ``method`` for ``steps`` steps on
    the named ``problem`` in dimension ``d`` (minibatches of ``batch_size``).

    Memory: the problem's data and its solver's copies, the chains and their running sums (two
    arrays per observable weight vector: BC has two), the recorded estimates and one block's
    minibatch gradients.  Nothing grows with ``steps``: schedules are evaluated step by step.
    Work: ``chains d steps`` coordinate-steps, times ``d`` (a matrix-vector product) for the dense
    problems and ``batch_size`` for the minibatch ones, spread over the reference cores."""
    weights = 2 if method == "bc" else 1
    block_chains = max(1, BLOCK_ELEMENTS // d)
    data = {"ill-conditioned": d * d, "least-squares": 20 * d * d + d * d, "logistic": 50 * d * d}.get(problem, d)
    batch = block_chains * batch_size * d * 3 if problem in ("least-squares", "logistic") else 0
    memory = {
        "the problem data": 8.0 * data * PROBLEM_DATA_COPIES.get(problem, 4)
        + (CVXPY_BYTES if problem == "logistic" else 0),
        "the chains and their running sums": 8.0 * 2 * weights * chains * d,
        "the recorded estimates": 8.0 * CHECKPOINTS * 3 * weights * chains,
        "the minibatch gradients": 8.0 * batch + 8.0 * 2 * BLOCK_ELEMENTS,
    }
    work = float(chains) * d * steps * weights
    factor = (d if problem in DENSE_PROBLEMS else 1) * (batch_size if problem in ("least-squares", "logistic") else 1)
    seconds = work * factor / (COORDINATE_STEPS_PER_SECOND * REFERENCE_CORES)
    return Cost(memory, work, "coordinate-steps", seconds)


def bench_cost(chains: int, d: int, steps: int) -> Cost:
    """The cost of ``qnets bench``'s engine workload: the chains, their running sums and the
    engine's scratch, held twice (the timed run, then again under tracemalloc); the work of three
    engine runs (the timed run, the draw-only reference and the traced run) on one core and of the
    plain Python loop over ``BENCH_LOOP_CHAINS`` chains."""
    work = float(chains) * d * steps
    loop = float(BENCH_LOOP_CHAINS) * d * steps
    return Cost(
        {"the chains and their running sums": 8.0 * 2 * 2 * chains * d, "scratch": 8.0 * 4 * d},
        3 * work + loop,
        "coordinate-steps",
        3 * work / COORDINATE_STEPS_PER_SECOND + loop / PYTHON_ITERATIONS_PER_SECOND,
    )


def dense_chain_cost(states: int, step_sizes: int, copies: int) -> Cost:
    """The cost of solving ``step_sizes`` dense chains of ``states`` states (a transition matrix,
    its stationary law and its spectrum): ``copies`` dense ``states x states`` float64 matrices at
    the peak, and ``~10 states^3`` flops per step size (the eigenvalue routine dominates)."""
    work = 10.0 * states**3 * step_sizes
    return Cost(
        {"the dense transition matrices": 8.0 * copies * states**2},
        work,
        "dense flops",
        work / DENSE_FLOPS_PER_SECOND,
    )


#: Seconds of training per network-step and per example x network of one process at the default
#: widths: ``seconds = sum over runs of seeds x steps x (PER_STEP + batch x PER_EXAMPLE)``.  Fitted to the
#: CNN's measured quick and full tables (38 s for 6.4e4 network-steps of batch 16; 20 CPU-minutes for
#: 4.8e5 of batch 100, paper_notes/nets.md; the full batch and learning-rate studies then come out at
#: 288 and 396 s against 324 and 420 s measured) and, for the MLP, to runs of batch 32 at a load average
#: of 7, rounded up: the per-step overhead (optimiser, quantizer, Python) dominates at small batches.
NET_SECONDS_PER_STEP = {"mlp": 2e-4, "cnn": 2.5e-4}
NET_SECONDS_PER_EXAMPLE = {"mlp": 1.5e-6, "cnn": 2.5e-5}
NET_DEFAULT_WIDTH = {"mlp": 64, "cnn": 25}
#: How a network's work per example grows with its width: about linearly for the MLPs (the input and
#: output layers dominate), quadratically for the CNN (channels x channels convolutions).
NET_WIDTH_POWER = {"mlp": 1, "cnn": 2}
#: Peak memory per network at the default width (peak resident set over 4 and 32 seeds: 2.1 MB for
#: the MLP, 9.2 MB for the CNN, rounded up), growing with the width, on top of the interpreter, the
#: libraries and the data (:data:`NET_BASE_BYTES`, 200 MB measured).
NET_BYTES_PER_SEED = {"mlp": 3e6, "cnn": 12e6}
NET_BASE_BYTES = 256 * 2**20


def nets_cost(s: Sizes, study: str) -> Cost:
    """The cost of ``qnets nets --study study`` at the sizes ``s``: its training runs (each of
    ``seeds`` networks, ``steps`` steps of ``batch`` examples), as examples x seeds.

    * ``table``: every optimiser x row of ``table_rows`` (FP, then each quantized method on each
      grid) for ``steps``;
    * ``batch``: ``BATCH_METHODS`` at every batch size of ``batches`` for ``batch_steps``;
    * ``lr``: ``RATE_METHODS`` at every step ``a`` of ``rates`` for ``round(horizon / a)`` steps
      with ``rate_seeds`` networks;
    * ``flips``: ``DECAY_METHODS`` for ``steps``.

    Seconds follow :data:`NET_SECONDS_PER_STEP` and :data:`NET_SECONDS_PER_EXAMPLE` (one
    process), the latter scaled by the width; memory is the largest run's networks
    (:data:`NET_BYTES_PER_SEED`) above :data:`NET_BASE_BYTES`."""
    from qnets.simulate.nets.studies import BATCH_METHODS, DECAY_METHODS, RATE_METHODS, table_rows

    runs: list[tuple[int, int, int]]  # (seeds, steps, batch) of each training run
    if study == "table":
        runs = [(s.n_seeds, s.steps, s.batch)] * (len(table_rows(s.methods, s.bits)) * len(s.optimizers))
    elif study == "batch":
        runs = [(s.n_seeds, s.batch_steps, b) for b in s.batches] * len(BATCH_METHODS)
    elif study == "lr":
        runs = [(s.rate_seeds, max(1, round(s.horizon / a)), s.batch) for a in s.rates] * len(RATE_METHODS)
    elif study == "flips":
        runs = [(s.n_seeds, s.steps, s.batch)] * len(DECAY_METHODS)
    else:
        raise ValueError(f"unknown study {study!r}")
    width = max(s.hidden) / NET_DEFAULT_WIDTH[s.model]
    work = float(sum(seeds * steps * batch for seeds, steps, batch in runs))
    largest = max(seeds for seeds, _, _ in runs)
    memory = {
        "the networks and their activations": largest * NET_BYTES_PER_SEED[s.model] * max(1.0, width),
        "the interpreter, libraries and data": float(NET_BASE_BYTES),
    }
    per_example = NET_SECONDS_PER_EXAMPLE[s.model] * max(1.0, width) ** NET_WIDTH_POWER[s.model]
    seconds = sum(seeds * steps * (NET_SECONDS_PER_STEP[s.model] + batch * per_example) for seeds, steps, batch in runs)
    return Cost(memory, work, "training examples x seeds", seconds)
