"""The network studies behind claims N1-N3 and the four ``nets-*`` figures.

Every study is run once per ``(sizes, seed)`` in a process (:func:`memoised`): the claim
check and the figure that show the same study share one set of trained networks.  Every
configuration trains ``n_seeds`` networks at once (the seed axis of
:mod:`qnets.simulate.nets.model`) from its own random stream
``default_rng([seed, study, configuration])``, so configurations are independent and the
standard error of a difference of means is the root sum of squares of their standard errors.

The set-up is a :class:`Sizes`: the data set, the model (``mlp``: the hidden widths
``hidden``; ``cnn``: the convolutional network with ``hidden`` channels), the optimisers of the
table's rows (``optimizers``), the optimiser of the other studies (``optimizer``), the step
size of each optimiser (``lr`` for SGD, ``adam_lr`` for ADAM) and the step decay of the table
and batch studies (``decays`` decays by the factor ``decay``, evenly spaced over the run).
:data:`QUICK` and :data:`FULL` are the digits MLP with SGD at a constant step (claims N1-N3);
:data:`CNN_QUICK` and :data:`CNN_FULL` the MNIST-1D CNN with SGD and ADAM rows (the paper's
Table 1 at laptop scale).

Studies (minibatches of ``batch`` unless varied):

* **table**: test error of FP and of BC, SR and R on the ``bits`` grids after ``steps`` steps,
  for every optimiser in ``optimizers`` (one step size per optimiser for every method); the
  first-layer weights and their per-step changes are recorded for the weight study;
* **batch**: test error of SR and BC (binary, ``optimizer``) against the batch size, at *equal
  steps*, so a larger batch only lowers the gradient noise (and sees more examples);
* **decay**: BC and SR (binary, ``optimizer``) with a step-decay schedule (the step quartered
  at every quarter of ``steps``), recording how many deployed weights change per step (the
  greedy search phase, M4): the flip-rate study;
* **lr**: training loss and test error of FP, BC and SR (binary, ``optimizer``) against the
  constant step ``a`` at an *equal horizon* ``a T`` (``T = horizon / a`` steps, the C9 design),
  with ``rate_seeds`` seeds (more than the other studies: claim N3's check bounds a difference
  of differences).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np
from qnets.simulate.estimate import Estimate
from qnets.simulate.nets.data import load
from qnets.simulate.nets.training import TrainConfig, TrainResult, train

Data = dict[str, np.ndarray]


@dataclass(frozen=True)
class Sizes:
    """The sizes of every study (see the module docstring)."""

    n_seeds: int
    steps: int
    lr: float
    batch: int
    hidden: tuple[int, ...]
    bits: tuple[int, ...]
    batches: tuple[int, ...]
    batch_steps: int
    rates: tuple[float, ...]
    horizon: float
    rate_seeds: int
    dataset: str = "digits"
    methods: tuple[str, ...] = ("fp", "bc", "sr", "r")
    model: str = "mlp"
    optimizers: tuple[str, ...] = ("sgd",)
    optimizer: str = "sgd"
    adam_lr: float = 0.01
    decays: int = 0
    decay: float = 1.0
    audit: tuple[int, ...] = ()

    def step_size(self, optimizer: str) -> float:
        """The step size of ``optimizer``: ``adam_lr`` for ADAM, ``lr`` for SGD."""
        return self.adam_lr if optimizer == "adam" else self.lr

    def config(self, method: str, bits: int, optimizer: str, **changes: Any) -> TrainConfig:
        """The :class:`~qnets.simulate.nets.training.TrainConfig` of ``method`` on ``bits`` with
        ``optimizer`` at these sizes (``steps``, ``batch``, ``n_seeds``, the step decay) and any
        ``changes``."""
        steps = changes.pop("steps", self.steps)
        decay_every = steps // (self.decays + 1) if self.decays else 0
        fields: dict[str, Any] = {
            "lr": self.step_size(optimizer),
            "batch": self.batch,
            "steps": steps,
            "hidden": self.hidden,
            "n_seeds": self.n_seeds,
            "decay_every": decay_every,
            "decay": self.decay if decay_every else 1.0,
            "model": self.model,
            "optimizer": optimizer,
            "audit": tuple(a for a in self.audit if a < steps),
        }
        return TrainConfig(method, bits, **{**fields, **changes})

    def as_dict(self) -> dict:
        """JSON-ready form (for figure parameters and verdicts)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, fields: dict[str, Any]) -> Sizes:
        """The inverse of :meth:`as_dict` (lists, as JSON returns them, become tuples)."""
        converted: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in fields.items()}
        return cls(**converted)


#: Steps audited in every run (consecutive from 0: the look-inside checks of the claims recompute
#: ADAM's moments from the recorded gradients).
AUDIT = (0, 1, 2)
#: The digits MLP's quick sizes (``qnets check``, ``qnets reproduce`` without ``--full``).
QUICK = Sizes(
    n_seeds=8,
    steps=1000,
    lr=1.0,
    batch=32,
    hidden=(64,),
    bits=(1, 2, 4),
    batches=(8, 32, 128),
    batch_steps=600,
    rates=(1.0, 0.5, 0.25),
    horizon=200.0,
    rate_seeds=24,
    audit=AUDIT,
)
#: The digits MLP's paper-quality sizes (``--full``): more seeds, steps, batch sizes and step sizes.
FULL = replace(
    QUICK,
    n_seeds=16,
    steps=4000,
    batches=(8, 32, 128, 512),
    batch_steps=1000,
    rates=(1.0, 0.5, 0.25, 0.125, 0.0625),
    horizon=600.0,
    rate_seeds=32,
)
#: The MNIST-1D CNN (paper_notes/nets.md): SGD and ADAM rows, the other studies with ADAM.  The
#: quick table has the binary and 2-bit grids only (the quick CNN studies, shared by the claims
#: N1-N5 and the ``cnn-*`` figures, must cost at most 60 CPU-seconds; the full table has all three).
CNN_QUICK = replace(
    QUICK,
    steps=800,
    batch=16,
    hidden=(25, 25, 25),
    bits=(1, 2),
    batches=(8, 64),
    batch_steps=120,
    rates=(0.04, 0.02),
    horizon=3.0,
    rate_seeds=8,
    dataset="mnist1d",
    model="cnn",
    optimizers=("adam",),
    optimizer="adam",
    adam_lr=0.02,
)
#: The MNIST-1D CNN's paper-quality sizes (``--full``), with all three grids.
CNN_FULL = replace(
    CNN_QUICK,
    steps=3000,
    bits=(1, 2, 4),
    batch=100,
    batches=(8, 32, 128, 512),
    batch_steps=1000,
    rates=(0.04, 0.02, 0.01, 0.005),
    horizon=8.0,
    rate_seeds=16,
    optimizers=("sgd", "adam"),
)
BATCH_METHODS = ("sr", "bc")
RATE_METHODS = ("fp", "bc", "sr")
DECAY_METHODS = ("bc", "sr")
#: Factor of the step decay of the decay study.
DECAY = 0.25
#: Steps at which the first-layer weights are recorded, as fractions of ``steps``.
SNAPSHOT_FRACTIONS = (0.0, 0.1, 0.3, 1.0)


def sizes(quick: bool, model: str = "mlp") -> Sizes:
    """:data:`QUICK` or :data:`FULL` (``model="mlp"``), :data:`CNN_QUICK` or :data:`CNN_FULL` (``"cnn"``)."""
    if model == "cnn":
        return CNN_QUICK if quick else CNN_FULL
    return QUICK if quick else FULL


def table_rows(methods: tuple[str, ...], bits: tuple[int, ...]) -> list[tuple[str, int]]:
    """``(method, bits)`` of every row: FP (if in ``methods``; its ``bits`` is recorded as 0),
    then the quantized ``methods`` on each grid."""
    rows = [("fp", 0)] if "fp" in methods else []
    return rows + [(method, b) for b in bits for method in methods if method != "fp"]


def row_label(method: str, bits: int, optimizer: str = "sgd") -> str:
    """``"FP"`` or e.g. ``"SR 2-bit"`` (``"BC binary"`` for one bit); ADAM rows are named as in the
    paper's Table 1, ``"FP-ADAM"``, ``"SR-ADAM 2-bit"``."""
    name = method.upper() + ("-ADAM" if optimizer == "adam" else "")
    return name if method == "fp" else f"{name} " + ("binary" if bits == 1 else f"{bits}-bit")


def _rng(seed: int, study: int, configuration: int) -> np.random.Generator:
    return np.random.default_rng([seed, study, configuration])


Study = Callable[[Sizes, int], Data]


def memoised(study: Study) -> Study:
    """``study`` computed once per ``(sizes, seed)``; its results are kept in ``study.results``
    (what :func:`forget` and :func:`clear` drop)."""
    results: dict[tuple[Sizes, int], Data] = {}

    @functools.wraps(study)
    def wrapper(s: Sizes, seed: int) -> Data:
        if (s, seed) not in results:
            results[(s, seed)] = study(s, seed)
        return results[(s, seed)]

    wrapper.results = results  # type: ignore[attr-defined]
    return wrapper


#: Every training run of the studies by ``(sizes, seed, study, configuration)``: its config and result.
_RUNS: dict[tuple[Sizes, int, int, int], tuple[TrainConfig, TrainResult]] = {}


def _train(s: Sizes, seed: int, study: int, configuration: int, config: TrainConfig) -> TrainResult:
    """``train`` on ``s.dataset`` from the stream ``(seed, study, configuration)`` (kept for :func:`runs`)."""
    result = train(load(s.dataset), config, _rng(seed, study, configuration))
    _RUNS[(s, seed, study, configuration)] = (config, result)
    return result


@memoised
def table_study(s: Sizes, seed: int) -> Data:
    """Test errors ``(row, seed)`` of :func:`table_rows` for every optimiser of ``s.optimizers``
    (rows ordered by optimiser, then as :func:`table_rows`; ``optimizers``, ``methods`` and
    ``bits`` name them) at the fixed budget, with every row's first-layer snapshots
    (``latent``/``deployed``: ``(row, snapshot, seed, ...)``), per-step first-layer weight
    changes (``changes``: ``(row, step, seed)``) and data fingerprints (``fingerprints``)."""
    rows = [(optimizer, *row) for optimizer in s.optimizers for row in table_rows(s.methods, s.bits)]
    snapshots = tuple(sorted({round(f * s.steps) for f in SNAPSHOT_FRACTIONS}))
    results = [
        _train(s, seed, 0, index, s.config(method, 1 if method == "fp" else bits, optimizer, snapshots=snapshots))
        for index, (optimizer, method, bits) in enumerate(rows)
    ]
    return {
        "optimizers": np.array([o for o, _, _ in rows]),
        "methods": np.array([m for _, m, _ in rows]),
        "bits": np.array([b for _, _, b in rows]),
        "errors": np.array([r.test_error for r in results]),
        "train_errors": np.array([r.train_error for r in results]),
        "snapshot_steps": np.array(snapshots),
        "latent": np.array([r.latent for r in results]),
        "deployed": np.array([r.deployed for r in results]),
        "changes": np.array([r.changes for r in results]),
        "fingerprints": np.array([r.data_fingerprint for r in results]),
    }


@memoised
def decay_study(s: Sizes, seed: int) -> Data:
    """The flip-rate study: BC and SR (binary, ``s.optimizer``) with the step divided by
    ``1/DECAY`` at every quarter of ``steps``.  Per-step first-layer weight changes
    (``changes``) and changes of all deployed weights (``flip_rates``), both ``(method, step,
    seed)``, the step size of every step (``rates``) and the test errors (``errors``)."""
    configs = [
        s.config(method, 1, s.optimizer, decay_every=max(1, s.steps // 4), decay=DECAY) for method in DECAY_METHODS
    ]
    results = [_train(s, seed, 3, i, config) for i, config in enumerate(configs)]
    return {
        "methods": np.array(DECAY_METHODS),
        "changes": np.array([r.changes for r in results]),
        "flip_rates": np.array([r.flip_rate for r in results]),
        "rates": np.array([configs[0].rate(t) for t in range(s.steps)]),
        "errors": np.array([r.test_error for r in results]),
    }


def quarter_flip_rates(study: Data) -> np.ndarray:
    """``(method, quarter, seed)``: the mean fraction of deployed weights flipped per step in each
    quarter of the decay study (the step size is constant within a quarter)."""
    quarters = np.array_split(np.arange(study["flip_rates"].shape[1]), 4)
    return np.stack([study["flip_rates"][:, q].mean(axis=1) for q in quarters], axis=1)


def flips_per_unit_step(study: Data) -> np.ndarray:
    """``(method, quarter, seed)``: :func:`quarter_flip_rates` divided by each quarter's step size,
    i.e. flips per unit of the time ``a t``.  SR's stays constant when its law does not depend on
    ``a`` (M2); a method that settles as the step shrinks (a greedy phase, M4) has it fall."""
    quarters = np.array_split(np.arange(len(study["rates"])), 4)
    return quarter_flip_rates(study) / np.array([study["rates"][q[0]] for q in quarters])[None, :, None]


def log_flip_fall(study: Data, method: str) -> tuple[float, float]:
    """``(L, SE)``: ``L = log fbar(Q1) - log fbar(Q4)``, how many e-folds ``method``'s mean per-step
    flip rate ``fbar`` (over seeds) falls from the first to the last quarter of the decay study.

    The standard error is the delta method's, with the seeds' covariance of the two quarters
    (the same networks): ``SE^2 = (v_1 / fbar_1^2 + v_4 / fbar_4^2 - 2 c_14 / (fbar_1 fbar_4)) / n``
    for sample variances ``v`` and covariance ``c`` over the ``n`` seeds.  The step falls by
    ``log(1/DECAY^3)`` e-folds; a method without a greedy phase has ``L`` near that (flips per unit
    ``a t`` constant), a method that settles has ``L`` above it.

    A quarter in which no weight of any seed flips has ``fbar = 0``: ``L`` is then infinite (or
    NaN when both quarters are still) and the standard error NaN, so every margin compared with
    it is false and a check built on it fails closed.
    """
    rates = quarter_flip_rates(study)[list(study["methods"]).index(method)]
    first, last = rates[0], rates[-1]
    n = len(first)
    m1, m4 = first.mean(), last.mean()
    covariance = np.cov(first, last)
    with np.errstate(divide="ignore", invalid="ignore"):  # a still quarter: see the docstring
        variance = covariance[0, 0] / m1**2 + covariance[1, 1] / m4**2 - 2 * covariance[0, 1] / (m1 * m4)
        return float(np.log(m1) - np.log(m4)), float(np.sqrt(variance / n))


@memoised
def batch_study(s: Sizes, seed: int) -> Data:
    """Test errors ``(method, batch, seed)`` of SR and BC (binary, ``s.optimizer``) at equal steps."""
    errors = np.empty((len(BATCH_METHODS), len(s.batches), s.n_seeds))
    for i, method in enumerate(BATCH_METHODS):
        for j, batch in enumerate(s.batches):
            config = s.config(method, 1, s.optimizer, batch=batch, steps=s.batch_steps)
            errors[i, j] = _train(s, seed, 1, i * len(s.batches) + j, config).test_error
    return {"methods": np.array(BATCH_METHODS), "batches": np.array(s.batches), "errors": errors}


@memoised
def rate_study(s: Sizes, seed: int) -> Data:
    """Training loss and test error ``(method, rate, seed)`` of FP, BC and SR (binary,
    ``s.optimizer``) at the equal horizon ``a T = horizon`` (``T = round(horizon / a)`` steps
    at the constant step ``a``)."""
    rates = np.array(s.rates)
    steps = np.rint(s.horizon / rates).astype(int)
    losses = np.empty((len(RATE_METHODS), len(rates), s.rate_seeds))
    errors = np.empty_like(losses)
    for i, method in enumerate(RATE_METHODS):
        for k, (rate, horizon_steps) in enumerate(zip(rates, steps, strict=True)):
            config = s.config(
                method,
                1,
                s.optimizer,
                lr=float(rate),
                steps=int(horizon_steps),
                n_seeds=s.rate_seeds,
                decay_every=0,
                decay=1.0,
                checkpoints=(int(horizon_steps),),
            )
            result = _train(s, seed, 2, i * len(rates) + k, config)
            losses[i, k] = result.checkpoint_losses[0]
            errors[i, k] = result.checkpoint_errors[0]
    return {"methods": np.array(RATE_METHODS), "rates": rates, "steps": steps, "losses": losses, "errors": errors}


#: The study functions in the order of their stream index ``study`` (of ``default_rng([seed, study, configuration])``).
#:
#: :meta hide-value:
STUDIES = {"table": table_study, "batch": batch_study, "lr": rate_study, "decay": decay_study}
_INDEX = {"table": 0, "batch": 1, "lr": 2, "decay": 3}


def runs(name: str, s: Sizes, seed: int) -> list[tuple[TrainConfig, TrainResult]]:
    """The ``(config, result)`` of every training run of study ``name`` (a key of :data:`STUDIES`),
    in configuration order: what the look-inside checks of the claims read (``s.audit`` chooses
    the audited steps)."""
    STUDIES[name](s, seed)
    study = _INDEX[name]
    keys = sorted(k for k in _RUNS if k[:3] == (s, seed, study))
    return [_RUNS[k] for k in keys]


def forget(*sizes: Sizes) -> None:
    """Forget the memoised studies and runs at ``sizes`` (the next call at them trains afresh)."""
    for study in STUDIES.values():
        for key in [k for k in study.results if k[0] in sizes]:  # type: ignore[attr-defined]
            del study.results[key]  # type: ignore[attr-defined]
    for key in [k for k in _RUNS if k[0] in sizes]:
        del _RUNS[key]


def clear() -> None:
    """Forget every memoised study and run (the next call trains afresh)."""
    for study in STUDIES.values():
        study.results.clear()  # type: ignore[attr-defined]
    _RUNS.clear()


def estimates(samples: np.ndarray) -> Estimate:
    """Mean and standard error over the last (seed) axis."""
    return Estimate.from_samples(samples, axis=-1)


def summarised(samples: np.ndarray, name: str) -> Data:
    """``{name: mean, name_stderr: standard error}`` over the last (seed) axis (figure data)."""
    estimate = estimates(samples)
    return {name: np.asarray(estimate.mean), f"{name}_stderr": np.asarray(estimate.stderr)}
