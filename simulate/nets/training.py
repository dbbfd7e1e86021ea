"""Training the networks with FP, BC, SR and R, driven by SGD or ADAM.

With grid-unit weights ``U`` (see :mod:`qnets.simulate.nets.model`), step size ``a``, the
minibatch gradient ``g(.)`` and a grid ``Q`` spanning [-1, 1], the SGD updates are:

* ``fp``: ``U <- U - a g(U)``;
* ``bc``: real weights ``U_r <- clip(U_r - a g(Q_d(U_r)), -1, 1)``; the weights used in the
  forward pass and deployed are ``Q_d(U_r)`` (BinaryConnect with deterministic rounding, as in
  the paper's experiments; the clip is BinaryConnect's);
* ``sr``: ``U <- Q_s(U - a g(U))``, only quantized weights exist;
* ``r``: ``U <- Q_d(U - a g(U))``.

With ``optimizer="adam"`` the step ``a g`` is replaced by ADAM's step, formed from the same
gradients at the deployed weights (:mod:`qnets.simulate.nets.optimizers`): FP-ADAM, BC-ADAM,
SR-ADAM and R-ADAM of the paper's Table 1.  The rules themselves are in
:mod:`qnets.simulate.nets.rules`.  The step size follows a step decay: ``a_t = lr *
decay ** (t // decay_every)`` (constant when ``decay_every = 0``).

Grids: ``bits = 1`` is ``Grid.binary()`` = {-1, +1}; ``bits = b >= 2`` is
``Grid.symmetric(b, 2 / (2**b - 1))``, the ``2**b`` levels evenly spaced on [-1, 1].  The
quantized methods start from the quantized initialisation (``Q_s`` for SR, ``Q_d`` for R).
Every weight array is quantized, the first and the last layer included; biases stay in full
precision and follow the optimiser's step in every method (they are ``sum of widths`` numbers
against the many more weights, and BinaryConnect keeps them real too).

Models: ``mlp`` (:class:`~qnets.simulate.nets.model.MLP`, ``hidden`` its hidden widths) and
``cnn`` (:class:`~qnets.simulate.nets.conv.CNN`, ``hidden`` its three channel counts).

Minibatches: every seed draws its own per-epoch permutation of the training set.

What a check can see (:class:`TrainResult`): the final deployed and state weights of every
layer, the number of deployed weights of every layer that change in every step, the data set's
fingerprint, and at the ``audit`` steps a :class:`StepAudit`: the minibatch, the state before,
the weights the forward pass used, the gradients, the optimiser's steps and the state after.
"""

from __future__ import annotations

import contextlib
import numbers
from dataclasses import dataclass, field

import numpy as np
from qnets.simulate.grid import Grid
from qnets.simulate.nets import optimizers
from qnets.simulate.nets.conv import CNN
from qnets.simulate.nets.data import Dataset
from qnets.simulate.nets.model import MLP, Arrays, Network
from qnets.simulate.nets.optimizers import OPTIMIZERS
from qnets.simulate.nets.rules import RULES
from threadpoolctl import threadpool_limits

from qnets.errors import InputError, InputTypeError

#: The training methods: full precision, BinaryConnect, stochastic rounding, nearest rounding.
METHODS = ("fp", "bc", "sr", "r")
#: The models: the MLP (:class:`~qnets.simulate.nets.model.MLP`) and the 1-D CNN
#: (:class:`~qnets.simulate.nets.conv.CNN`).
MODELS = ("mlp", "cnn")


def weight_grid(bits: int) -> Grid:
    """The grid spanning [-1, 1] with ``2**bits`` levels (``Grid.binary()`` for one bit).

    Raises
    ------
    InputError
        If ``bits`` is not an integer >= 1.
    """
    if isinstance(bits, bool) or not isinstance(bits, numbers.Integral):
        raise InputTypeError(f"--bits must be an integer, got {type(bits).__name__}")
    if bits < 1:
        raise InputError(f"--bits must be >= 1, got {bits}")
    return Grid.binary() if bits == 1 else Grid.symmetric(int(bits), 2.0 / (2**bits - 1))


@dataclass(frozen=True)
class TrainConfig:
    """One training set-up, run for ``n_seeds`` independent networks at once.

    Parameters
    ----------
    method:
        One of :data:`METHODS`.
    bits:
        Bits of the weight grid (ignored by ``fp``).
    lr:
        Step size, > 0 (in grid units of the weights).
    batch:
        Minibatch size, 1 .. number of training examples.
    steps:
        Number of optimiser steps.
    hidden:
        Widths of the one or two hidden layers (``mlp``), or the three channel counts (``cnn``).
    n_seeds:
        Number of independent networks (initialisation, minibatches and rounding).
    decay_every, decay:
        Step-decay schedule: the step size at step ``t`` is ``lr * decay ** (t // decay_every)``
        (``decay_every = 0``: constant).
    checkpoints:
        Steps (1 .. ``steps``) after which the test error is measured (the end is always measured).
    snapshots:
        Steps (0 .. ``steps``) at which the first layer's weights are recorded.
    model:
        One of :data:`MODELS`.
    optimizer:
        One of :data:`~qnets.simulate.nets.optimizers.OPTIMIZERS`.
    audit:
        Steps (0 .. ``steps - 1``) of which a :class:`StepAudit` is recorded.
    """

    method: str
    bits: int = 1
    lr: float = 1.0
    batch: int = 32
    steps: int = 1000
    hidden: tuple[int, ...] = (64,)
    n_seeds: int = 5
    decay_every: int = 0
    decay: float = 1.0
    checkpoints: tuple[int, ...] = field(default_factory=tuple)
    snapshots: tuple[int, ...] = field(default_factory=tuple)
    model: str = "mlp"
    optimizer: str = "sgd"
    audit: tuple[int, ...] = field(default_factory=tuple)

    def validate(self, data: Dataset) -> None:
        """Raise :class:`~qnets.errors.InputError` naming the first option out of range."""
        if self.method not in METHODS:
            raise InputError(f"--method must be one of {', '.join(METHODS)}, got {self.method!r}")
        if self.model not in MODELS:
            raise InputError(f"--model must be one of {', '.join(MODELS)}, got {self.model!r}")
        if self.optimizer not in OPTIMIZERS:
            raise InputError(f"--optimizer must be one of {', '.join(OPTIMIZERS)}, got {self.optimizer!r}")
        weight_grid(self.bits)
        for name, option in (("batch", "--batch"), ("steps", "--steps"), ("n_seeds", "--seeds")):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
                raise InputError(f"{option} must be an integer >= 1, got {value!r}")
        if self.batch > data.n_train:
            raise InputError(f"--batch must be at most the {data.n_train} training examples, got {self.batch}")
        if any(not 0 <= s <= self.steps for s in self.snapshots):
            raise InputError(f"snapshots must lie in 0 .. steps={self.steps}, got {self.snapshots}")
        if any(not 1 <= c <= self.steps for c in self.checkpoints):
            raise InputError(f"checkpoints must lie in 1 .. steps={self.steps}, got {self.checkpoints}")
        if any(not 0 <= a < self.steps for a in self.audit):
            raise InputError(f"audit steps must lie in 0 .. steps - 1 = {self.steps - 1}, got {self.audit}")
        if self.decay_every < 0 or not 0 < self.decay <= 1:
            raise InputError(f"decay_every must be >= 0 and decay in (0, 1], got {self.decay_every}, {self.decay}")
        if isinstance(self.lr, bool) or not isinstance(self.lr, numbers.Real) or not 0 < self.lr < float("inf"):
            raise InputError(f"--lr must be a number > 0, got {self.lr!r}")

    def rate(self, step: int) -> float:
        """The step size ``lr * decay ** (step // decay_every)`` of step ``step`` (0-based)."""
        return self.lr * (self.decay ** (step // self.decay_every) if self.decay_every else 1.0)


def build_model(config: TrainConfig, data: Dataset) -> Network:
    """The network of ``config.model`` and ``config.hidden`` for the inputs and classes of ``data``.

    Raises
    ------
    InputError
        If ``config.hidden`` does not fit the model (see :class:`~qnets.simulate.nets.model.MLP`
        and :class:`~qnets.simulate.nets.conv.CNN`).
    """
    if config.model == "cnn":
        return CNN(data.n_features, data.n_classes, tuple(config.hidden))
    return MLP((data.n_features, *config.hidden, data.n_classes))


@dataclass(frozen=True)
class StepAudit:
    """Everything of one step ``step`` (0-based) that a check needs to recompute it.

    ``index`` ``(n_seeds, batch)``: the training examples of every seed's minibatch;
    ``biases_before``: the biases the forward pass used; every other field is a list with one
    array per weight layer, ``(n_seeds, ...)``: ``state_before`` and
    ``state_after`` (the method's weights: BC's real weights, the deployed weights otherwise),
    ``forward`` (the weights the forward and backward passes used), ``gradients`` (of the
    minibatch loss with respect to ``forward``), ``steps`` (the optimiser's steps) and
    ``deployed_after``.
    """

    step: int
    index: np.ndarray
    biases_before: Arrays
    state_before: Arrays
    forward: Arrays
    gradients: Arrays
    steps: Arrays
    state_after: Arrays
    deployed_after: Arrays


@dataclass(frozen=True)
class TrainResult:
    """Errors per seed, deployed-weight changes per step, weight snapshots and the final weights.

    ``test_error`` and ``train_error`` have shape ``(n_seeds,)``; ``checkpoint_errors``
    ``(len(checkpoints), n_seeds)`` (test errors) and ``checkpoint_losses`` likewise (the
    training cross-entropy, the objective F of the theory); ``changed`` ``(steps, layers,
    n_seeds)``: how many deployed weights of each layer change value in each step, out of
    ``layer_sizes``; ``deployed`` and ``latent`` ``(len(snapshots), n_seeds, ...)``: the first
    layer's weights, where ``latent`` is BC's real weights (equal to ``deployed`` for the other
    methods); ``final_deployed`` and ``final_state``: every layer's weights at the end;
    ``data_fingerprint``: :attr:`~qnets.simulate.nets.data.Dataset.fingerprint` of the data trained and tested on;
    ``audit``: the :class:`StepAudit` of every step in ``TrainConfig.audit``.
    """

    test_error: np.ndarray
    train_error: np.ndarray
    checkpoint_errors: np.ndarray
    checkpoint_losses: np.ndarray
    changed: np.ndarray
    layer_sizes: tuple[int, ...]
    deployed: np.ndarray
    latent: np.ndarray
    final_deployed: Arrays
    final_state: Arrays
    data_fingerprint: str
    audit: tuple[StepAudit, ...]

    @property
    def changes(self) -> np.ndarray:
        """``(steps, n_seeds)``: the fraction of the first layer's deployed weights that change in each step."""
        return self.changed[:, 0] / self.layer_sizes[0]

    @property
    def flip_rate(self) -> np.ndarray:
        """``(steps, n_seeds)``: the fraction of all deployed weights that change in each step."""
        return self.changed.sum(axis=1) / sum(self.layer_sizes)


class _Batches:
    """Per-seed epochs: every seed walks its own permutation of the training set."""

    def __init__(self, data: Dataset, n_seeds: int, batch: int, rng: np.random.Generator) -> None:
        self.data, self.batch, self.rng = data, batch, rng
        self.order = self._permutations(n_seeds)
        self.position = 0

    def _permutations(self, n_seeds: int) -> np.ndarray:
        return np.argsort(self.rng.random((n_seeds, self.data.n_train)), axis=1)

    def next(self) -> np.ndarray:
        """The indices ``(n_seeds, batch)`` of the next minibatch of every seed."""
        if self.position + self.batch > self.data.n_train:
            self.order = self._permutations(len(self.order))
            self.position = 0
        index = self.order[:, self.position : self.position + self.batch]
        self.position += self.batch
        return index


def _copies(arrays: Arrays) -> Arrays:
    return [a.copy() for a in arrays]


def _changed(after: Arrays, before: Arrays) -> np.ndarray:
    """``(layers, n_seeds)``: how many entries of each layer differ between ``after`` and ``before``."""
    return np.array(
        [np.count_nonzero(a != b, axis=tuple(range(1, a.ndim))) for a, b in zip(after, before, strict=True)]
    )


def train(data: Dataset, config: TrainConfig, rng: np.random.Generator) -> TrainResult:
    """Train ``config.n_seeds`` networks at once; see the module docstring for the updates.

    The CNN runs with one BLAS thread: its products are many small per-seed matrices, for which
    a second thread costs more than it brings (measured: 3 times slower on the shared 2-core
    machine under load, 1.7 times idle).

    Raises
    ------
    InputError
        If an option of ``config`` is out of range (see :meth:`TrainConfig.validate`).
    """
    config.validate(data)
    with threadpool_limits(limits=1) if config.model == "cnn" else contextlib.nullcontext():
        return _train(data, config, rng)


def _train(data: Dataset, config: TrainConfig, rng: np.random.Generator) -> TrainResult:
    """The body of :func:`train` (``config`` validated)."""
    model = build_model(config, data)
    grid = weight_grid(config.bits)
    rule = RULES[config.method]
    weights, biases = model.init(config.n_seeds, rng)
    weights = [rule.start(u, grid, rng) for u in weights]
    optimizer = optimizers.make(config.optimizer, [*biases, *weights])
    batches = _Batches(data, config.n_seeds, config.batch, rng)
    deployed_snaps, latent_snaps, checkpoint_errors, checkpoint_losses, audits = [], [], [], [], []
    changed = np.empty((config.steps, len(weights), config.n_seeds), dtype=np.int64)
    deployed = [rule.deploy(u, grid) for u in weights]
    for step in range(config.steps):
        if step in config.snapshots:
            deployed_snaps.append(deployed[0].copy())
            latent_snaps.append(weights[0].copy())
        index = batches.next()
        audited = step in config.audit
        state_before, biases_before = (_copies(weights), _copies(biases)) if audited else ([], [])
        before = _copies(deployed)
        _, weight_grads, bias_grads = model.loss_and_gradients(
            deployed, biases, data.x_train[index], data.y_train[index]
        )
        steps = optimizer.steps([*bias_grads, *weight_grads], config.rate(step))
        for b, s in zip(biases, steps[: len(biases)], strict=True):
            b -= s
        for u, s in zip(weights, steps[len(biases) :], strict=True):
            rule.apply(u, s, grid, rng)
        deployed = [rule.deploy(u, grid) for u in weights]
        changed[step] = _changed(deployed, before)
        if audited:
            audits.append(
                StepAudit(
                    step,
                    index.copy(),
                    biases_before,
                    state_before,
                    before,
                    weight_grads,
                    steps[len(biases) :],
                    _copies(weights),
                    _copies(deployed),
                )
            )
        if step + 1 in config.checkpoints:
            checkpoint_errors.append(model.error_rate(deployed, biases, data.x_test, data.y_test))
            checkpoint_losses.append(model.loss(deployed, biases, data.x_train, data.y_train))
    if config.steps in config.snapshots:
        deployed_snaps.append(deployed[0].copy())
        latent_snaps.append(weights[0].copy())
    shape = (0, *weights[0].shape)
    return TrainResult(
        test_error=model.error_rate(deployed, biases, data.x_test, data.y_test),
        train_error=model.error_rate(deployed, biases, data.x_train, data.y_train),
        checkpoint_errors=np.array(checkpoint_errors).reshape(-1, config.n_seeds),
        checkpoint_losses=np.array(checkpoint_losses).reshape(-1, config.n_seeds),
        changed=changed,
        layer_sizes=tuple(int(np.prod(u.shape[1:])) for u in weights),
        deployed=np.array(deployed_snaps) if deployed_snaps else np.empty(shape),
        latent=np.array(latent_snaps) if latent_snaps else np.empty(shape),
        final_deployed=_copies(deployed),
        final_state=_copies(weights),
        data_fingerprint=data.fingerprint,
        audit=tuple(audits),
    )
