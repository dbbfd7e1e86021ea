"""The network studies behind claims N1-N3 and the four ``nets-*`` figures.

Every study is run once per ``(sizes, seed)`` in a process (``functools.cache``): the claim
check and the figure that show the same study share one set of trained networks.  Every
configuration trains ``n_seeds`` networks at once (the seed axis of
:mod:`qnets.simulate.nets.model`) from its own random stream
``default_rng([seed, study, configuration])``, so configurations are independent and the
standard error of a difference of means is the root sum of squares of their standard errors.

Studies (all on the digits, one hidden layer of 64 units, minibatches of 32 unless varied):

* **table**: test error of FP and of BC, SR and R on 1-, 2- and 4-bit grids after ``steps``
  steps at the constant step ``lr`` (one value for every method); the first-layer weights and
  their per-step changes are recorded for the weight study;
* **batch**: test error of SR and BC (binary) against the batch size, at *equal steps*, so a
  larger batch only lowers the gradient noise (and sees more examples);
* **decay**: BC and SR (binary) with a step-decay schedule (the step quartered at every
  quarter of ``steps``), recording how many deployed weights change per step (the greedy
  search phase, M4);
* **lr**: training loss and test error of FP, BC and SR (binary) against the constant step
  ``a`` at an *equal horizon* ``a T`` (``T = horizon / a`` steps, the C9 design), with
  ``rate_seeds`` seeds (more than the other studies: claim N3's check bounds a difference of
  differences).
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np
from qnets.simulate.estimate import Estimate
from qnets.simulate.nets.data import load
from qnets.simulate.nets.training import TrainConfig, train

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

    def as_dict(self) -> dict:
        """JSON-ready form (for figure parameters and verdicts)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, fields: dict[str, Any]) -> Sizes:
        """The inverse of :meth:`as_dict` (lists, as JSON returns them, become tuples)."""
        converted: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in fields.items()}
        return cls(**converted)


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
)
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
BATCH_METHODS = ("sr", "bc")
RATE_METHODS = ("fp", "bc", "sr")
DECAY_METHODS = ("bc", "sr")
#: Factor of the step decay of the decay study.
DECAY = 0.25
#: Steps at which the first-layer weights are recorded, as fractions of ``steps``.
SNAPSHOT_FRACTIONS = (0.0, 0.1, 0.3, 1.0)


def sizes(quick: bool) -> Sizes:
    """:data:`QUICK` or :data:`FULL`."""
    return QUICK if quick else FULL


def table_rows(methods: tuple[str, ...], bits: tuple[int, ...]) -> list[tuple[str, int]]:
    """``(method, bits)`` of every row: FP (if in ``methods``; its ``bits`` is recorded as 0),
    then the quantized ``methods`` on each grid."""
    rows = [("fp", 0)] if "fp" in methods else []
    return rows + [(method, b) for b in bits for method in methods if method != "fp"]


def row_label(method: str, bits: int) -> str:
    """``"FP"`` or e.g. ``"SR 2-bit"`` (``"BC binary"`` for one bit)."""
    if method == "fp":
        return "FP"
    return f"{method.upper()} " + ("binary" if bits == 1 else f"{bits}-bit")


def _rng(seed: int, study: int, configuration: int) -> np.random.Generator:
    return np.random.default_rng([seed, study, configuration])


@functools.cache
def table_study(s: Sizes, seed: int) -> Data:
    """Test errors ``(row, seed)`` of :func:`table_rows` at the fixed budget, with every row's
    first-layer snapshots (``latent``/``deployed``: ``(row, snapshot, seed, i, j)``) and per-step
    weight changes (``changes``: ``(row, step, seed)``)."""
    data = load(s.dataset)
    rows = table_rows(s.methods, s.bits)
    snapshots = tuple(sorted({round(f * s.steps) for f in SNAPSHOT_FRACTIONS}))
    errors, train_errors, latent, deployed, changes = [], [], [], [], []
    for index, (method, bits) in enumerate(rows):
        config = TrainConfig(
            method,
            1 if method == "fp" else bits,
            s.lr,
            s.batch,
            s.steps,
            s.hidden,
            s.n_seeds,
            snapshots=snapshots,
        )
        result = train(data, config, _rng(seed, 0, index))
        errors.append(result.test_error)
        train_errors.append(result.train_error)
        latent.append(result.latent)
        deployed.append(result.deployed)
        changes.append(result.changes)
    return {
        "methods": np.array([m for m, _ in rows]),
        "bits": np.array([b for _, b in rows]),
        "errors": np.array(errors),
        "train_errors": np.array(train_errors),
        "snapshot_steps": np.array(snapshots),
        "latent": np.array(latent),
        "deployed": np.array(deployed),
        "changes": np.array(changes),
    }


@functools.cache
def decay_study(s: Sizes, seed: int) -> Data:
    """Per-step first-layer weight changes ``(method, step, seed)`` and test errors of BC and SR
    (binary) with the step ``lr`` divided by ``1/DECAY`` at every quarter of ``steps``."""
    data = load(s.dataset)
    changes, errors = [], []
    for i, method in enumerate(DECAY_METHODS):
        config = TrainConfig(
            method, 1, s.lr, s.batch, s.steps, s.hidden, s.n_seeds, decay_every=max(1, s.steps // 4), decay=DECAY
        )
        result = train(data, config, _rng(seed, 3, i))
        changes.append(result.changes)
        errors.append(result.test_error)
    return {"methods": np.array(DECAY_METHODS), "changes": np.array(changes), "errors": np.array(errors)}


@functools.cache
def batch_study(s: Sizes, seed: int) -> Data:
    """Test errors ``(method, batch, seed)`` of SR and BC (binary) at equal steps."""
    data = load(s.dataset)
    errors = np.empty((len(BATCH_METHODS), len(s.batches), s.n_seeds))
    for i, method in enumerate(BATCH_METHODS):
        for j, batch in enumerate(s.batches):
            config = TrainConfig(method, 1, s.lr, batch, s.batch_steps, s.hidden, s.n_seeds)
            errors[i, j] = train(data, config, _rng(seed, 1, i * len(s.batches) + j)).test_error
    return {"methods": np.array(BATCH_METHODS), "batches": np.array(s.batches), "errors": errors}


@functools.cache
def rate_study(s: Sizes, seed: int) -> Data:
    """Training loss and test error ``(method, rate, seed)`` of FP, BC and SR (binary) at the
    equal horizon ``a T = horizon`` (``T = round(horizon / a)`` steps at the constant step ``a``)."""
    data = load(s.dataset)
    rates = np.array(s.rates)
    steps = np.rint(s.horizon / rates).astype(int)
    losses = np.empty((len(RATE_METHODS), len(rates), s.rate_seeds))
    errors = np.empty_like(losses)
    for i, method in enumerate(RATE_METHODS):
        for k, (rate, horizon_steps) in enumerate(zip(rates, steps, strict=True)):
            config = TrainConfig(
                method,
                1,
                float(rate),
                s.batch,
                int(horizon_steps),
                s.hidden,
                s.rate_seeds,
                checkpoints=(int(horizon_steps),),
            )
            result = train(data, config, _rng(seed, 2, i * len(rates) + k))
            losses[i, k] = result.checkpoint_losses[0]
            errors[i, k] = result.checkpoint_errors[0]
    return {"methods": np.array(RATE_METHODS), "rates": rates, "steps": steps, "losses": losses, "errors": errors}


def estimates(samples: np.ndarray) -> Estimate:
    """Mean and standard error over the last (seed) axis."""
    return Estimate.from_samples(samples, axis=-1)


def summarised(samples: np.ndarray, name: str) -> Data:
    """``{name: mean, name_stderr: standard error}`` over the last (seed) axis (figure data)."""
    estimate = estimates(samples)
    return {name: np.asarray(estimate.mean), f"{name}_stderr": np.asarray(estimate.stderr)}
