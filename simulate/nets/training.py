"""Training the MLP with full-precision SGD, BinaryConnect, stochastic rounding and rounding.

With grid-unit weights ``U`` (see :mod:`qnets.simulate.nets.model`), step size ``a``, the
minibatch gradient ``g(.)`` and a grid ``Q`` spanning [-1, 1]:

* ``fp``: ``U <- U - a g(U)``;
* ``bc``: real weights ``U_r <- clip(U_r - a g(Q_d(U_r)), -1, 1)``; the weights used in the
  forward pass and deployed are ``Q_d(U_r)`` (BinaryConnect with deterministic rounding, as in
  the paper's experiments; the clip is BinaryConnect's);
* ``sr``: ``U <- Q_s(U - a g(U))``, only quantized weights exist;
* ``r``: ``U <- Q_d(U - a g(U))``.

Grids: ``bits = 1`` is ``Grid.binary()`` = {-1, +1}; ``bits = b >= 2`` is
``Grid.symmetric(b, 2 / (2**b - 1))``, the ``2**b`` levels evenly spaced on [-1, 1].  The
quantized methods start from the quantized initialisation (``Q_s`` for SR, ``Q_d`` for R).
Every weight matrix is quantized, the first and the last included; biases stay in full
precision and follow SGD in every method (they are ``sum of widths`` numbers against
``sum of fan_in x fan_out`` weights, and BinaryConnect keeps them real too).

Minibatches: every seed draws its own per-epoch permutation of the training set.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field

import numpy as np
from qnets.simulate.grid import Grid
from qnets.simulate.nets.data import Dataset
from qnets.simulate.nets.model import MLP, Arrays

from qnets.errors import InputError, InputTypeError

METHODS = ("fp", "bc", "sr", "r")


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
        Number of SGD steps.
    hidden:
        Widths of the one or two hidden layers.
    n_seeds:
        Number of independent networks (initialisation, minibatches and rounding).
    decay_every, decay:
        Step-decay schedule: the step size at step ``t`` is ``lr * decay ** (t // decay_every)``
        (``decay_every = 0``: constant).
    checkpoints:
        Steps (1 .. ``steps``) after which the test error is measured (the end is always measured).
    snapshots:
        Steps (0 .. ``steps``) at which the first layer's weights are recorded.
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

    def validate(self, data: Dataset) -> None:
        """Raise :class:`InputError` naming the first option out of range."""
        if self.method not in METHODS:
            raise InputError(f"--method must be one of {', '.join(METHODS)}, got {self.method!r}")
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
        if self.decay_every < 0 or not 0 < self.decay <= 1:
            raise InputError(f"decay_every must be >= 0 and decay in (0, 1], got {self.decay_every}, {self.decay}")
        if isinstance(self.lr, bool) or not isinstance(self.lr, numbers.Real) or not 0 < self.lr < float("inf"):
            raise InputError(f"--lr must be a number > 0, got {self.lr!r}")


@dataclass(frozen=True)
class TrainResult:
    """Errors per seed, first-layer weight changes per step, and first-layer weight snapshots.

    ``test_error`` and ``train_error`` have shape ``(n_seeds,)``; ``checkpoint_errors``
    ``(len(checkpoints), n_seeds)`` (test errors) and ``checkpoint_losses`` likewise (the
    training cross-entropy, the objective F of the theory); ``changes`` ``(steps, n_seeds)``: the fraction
    of deployed first-layer weights that change value in each step; ``deployed`` and ``latent``
    ``(len(snapshots), n_seeds, fan_in, fan_out)``, where ``latent`` is BC's real weights (equal
    to ``deployed`` for the other methods).
    """

    test_error: np.ndarray
    train_error: np.ndarray
    checkpoint_errors: np.ndarray
    checkpoint_losses: np.ndarray
    changes: np.ndarray
    deployed: np.ndarray
    latent: np.ndarray


class _Batches:
    """Per-seed epochs: every seed walks its own permutation of the training set."""

    def __init__(self, data: Dataset, n_seeds: int, batch: int, rng: np.random.Generator) -> None:
        self.data, self.batch, self.rng = data, batch, rng
        self.order = self._permutations(n_seeds)
        self.position = 0

    def _permutations(self, n_seeds: int) -> np.ndarray:
        return np.argsort(self.rng.random((n_seeds, self.data.n_train)), axis=1)

    def next(self) -> tuple[np.ndarray, np.ndarray]:
        if self.position + self.batch > self.data.n_train:
            self.order = self._permutations(len(self.order))
            self.position = 0
        index = self.order[:, self.position : self.position + self.batch]
        self.position += self.batch
        return self.data.x_train[index], self.data.y_train[index]


def _deployed(method: str, grid: Grid, weights: Arrays) -> Arrays:
    """The weights the forward pass uses: ``Q_d`` of BC's real weights, the weights otherwise."""
    return [grid.nearest(u) for u in weights] if method == "bc" else weights


def train(data: Dataset, config: TrainConfig, rng: np.random.Generator) -> TrainResult:
    """Train ``config.n_seeds`` networks at once; see the module docstring for the updates.

    Raises
    ------
    InputError
        If an option of ``config`` is out of range (see :meth:`TrainConfig.validate`).
    """
    config.validate(data)
    model = MLP((data.n_features, *config.hidden, data.n_classes))
    grid = weight_grid(config.bits)
    weights, biases = model.init(config.n_seeds, rng)
    if config.method == "sr":
        weights = [grid.stochastic(u, rng) for u in weights]
    elif config.method == "r":
        weights = [grid.nearest(u) for u in weights]
    batches = _Batches(data, config.n_seeds, config.batch, rng)
    deployed_snaps, latent_snaps, checkpoint_errors, checkpoint_losses = [], [], [], []
    changes = np.empty((config.steps, config.n_seeds))

    def record_first_layer() -> None:
        deployed_snaps.append(_deployed(config.method, grid, weights[:1])[0].copy())
        latent_snaps.append(weights[0].copy())

    for step in range(config.steps):
        if step in config.snapshots:
            record_first_layer()
        x, y = batches.next()
        deployed = _deployed(config.method, grid, weights)
        before = deployed[0].copy()
        _, weight_grads, bias_grads = model.loss_and_gradients(deployed, biases, x, y)
        rate = config.lr * (config.decay ** (step // config.decay_every) if config.decay_every else 1.0)
        for b, g in zip(biases, bias_grads, strict=True):
            b -= rate * g
        for u, g in zip(weights, weight_grads, strict=True):
            u -= rate * g
            if config.method == "bc":
                np.clip(u, -1.0, 1.0, out=u)
            elif config.method == "sr":
                grid.stochastic(u, rng, out=u)
            elif config.method == "r":
                grid.nearest(u, out=u)
        after = _deployed(config.method, grid, weights[:1])[0]
        changes[step] = (after != before).mean(axis=(1, 2))
        if step + 1 in config.checkpoints:
            deployed = _deployed(config.method, grid, weights)
            checkpoint_errors.append(model.error_rate(deployed, biases, data.x_test, data.y_test))
            checkpoint_losses.append(model.loss(deployed, biases, data.x_train, data.y_train))
    if config.steps in config.snapshots:
        record_first_layer()
    final = _deployed(config.method, grid, weights)
    shape = (0, config.n_seeds, data.n_features, config.hidden[0])
    return TrainResult(
        test_error=model.error_rate(final, biases, data.x_test, data.y_test),
        train_error=model.error_rate(final, biases, data.x_train, data.y_train),
        checkpoint_errors=np.array(checkpoint_errors).reshape(-1, config.n_seeds),
        checkpoint_losses=np.array(checkpoint_losses).reshape(-1, config.n_seeds),
        changes=changes,
        deployed=np.array(deployed_snaps) if deployed_snaps else np.empty(shape),
        latent=np.array(latent_snaps) if latent_snaps else np.empty(shape),
    )
