"""A multilayer perceptron whose parameters carry a leading seed axis, and what every network shares.

Every array has shape ``(n_seeds, ...)``: weights ``(n_seeds, fan_in, fan_out)``, biases
``(n_seeds, 1, fan_out)`` and activations ``(n_seeds, batch, width)``.  Forward and backward
passes are batched matrix products over that axis, so ``n_seeds`` independent networks train
in one pass of numpy calls (no Python loop over seeds).

Parametrisation.  Layer ``l`` computes ``h_l = relu(h_{l-1} (alpha_l U_l) + b_l)`` (no relu
on the last layer, which gives the logits).  ``U_l`` are the *grid-unit* weights, the ones the
quantizers act on: every grid of :mod:`qnets.simulate.nets.training` spans [-1, 1], so the
binary grid is ``Grid.binary()`` = {-1, +1}.  ``alpha_l = sqrt(1.5 / (fan_in + fan_out))`` is
a fixed per-layer scale, BinaryConnect's Glorot-based ``H``: a binary layer has weights
``+-alpha_l``.  Initial ``U_l`` are uniform on [-1, 1].

Loss: the mean softmax cross-entropy over the batch, one value per seed.  The gradient with
respect to ``U_l`` is ``alpha_l h_{l-1}^T delta_l`` (chain rule through the fixed scale).

:class:`Network` holds what the MLP and the convolutional network of
:mod:`qnets.simulate.nets.conv` share: the loss and error rate of given examples, and the
gradient of the cross-entropy with respect to the logits (:func:`logit_gradient`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

from qnets.errors import InputError

Arrays = list[np.ndarray]


def layer_scale(fan_in: int, fan_out: int) -> float:
    """BinaryConnect's Glorot-based scale ``sqrt(1.5 / (fan_in + fan_out))``."""
    return float(np.sqrt(1.5 / (fan_in + fan_out)))


def logit_gradient(log_probs: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``(softmax(z) - onehot(y)) / batch``: the gradient of the mean cross-entropy with respect to
    the logits ``z``, from ``log_probs = log softmax(z)`` ``(n_seeds, batch, n_classes)`` and ``y``
    ``(n_seeds, batch)``."""
    delta = np.exp(log_probs)
    np.put_along_axis(delta, y[:, :, None], np.take_along_axis(delta, y[:, :, None], axis=2) - 1.0, axis=2)
    delta /= y.shape[1]
    return delta


class Network(ABC):
    """A seed-batched classifier: grid-unit weights ``U_l`` with fixed scales ``alpha_l``, real biases."""

    @property
    @abstractmethod
    def scales(self) -> list[float]:
        """The fixed per-layer scales ``alpha_l``."""

    @abstractmethod
    def init(self, n_seeds: int, rng: np.random.Generator) -> tuple[Arrays, Arrays]:
        """Grid-unit weights uniform on [-1, 1] and zero biases, ``n_seeds`` independent copies."""

    @abstractmethod
    def logits(self, weights: Arrays, biases: Arrays, x: np.ndarray) -> np.ndarray:
        """Logits ``(n_seeds, batch, n_classes)`` of inputs ``x`` (``(batch, ...)`` shared by every
        seed, or ``(n_seeds, batch, ...)``)."""

    @abstractmethod
    def loss_and_gradients(
        self, weights: Arrays, biases: Arrays, x: np.ndarray, y: np.ndarray
    ) -> tuple[np.ndarray, Arrays, Arrays]:
        """Mean cross-entropy per seed of ``x`` ``(n_seeds, batch, ...)`` with labels ``y``
        ``(n_seeds, batch)``, and its gradients with respect to every ``U_l`` and ``b_l``."""

    def loss(self, weights: Arrays, biases: Arrays, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Mean cross-entropy per seed of the examples ``x`` (``(n, ...)``) with labels ``y`` (``(n,)``)."""
        log_probs = log_softmax(self.logits(weights, biases, x))
        return cross_entropy(log_probs, np.broadcast_to(y, log_probs.shape[:2]))

    def error_rate(self, weights: Arrays, biases: Arrays, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Fraction of misclassified examples, one value per seed."""
        return (self.logits(weights, biases, x).argmax(axis=2) != y).mean(axis=1)


@dataclass(frozen=True)
class MLP(Network):
    """Layer widths ``(n_features, hidden..., n_classes)``: one or two hidden layers.

    Raises
    ------
    InputError
        If there are not 1 or 2 hidden layers, or a width is below 1.
    """

    widths: tuple[int, ...]

    def __post_init__(self) -> None:
        if len(self.widths) not in (3, 4):
            raise InputError(f"hidden (--model) must give 1 or 2 hidden layers, got widths {self.widths}")
        if min(self.widths) < 1:
            raise InputError(f"layer widths (--width) must be >= 1, got {self.widths}")

    @property
    def scales(self) -> list[float]:
        """The fixed per-layer scales ``alpha_l``."""
        return [layer_scale(a, b) for a, b in zip(self.widths[:-1], self.widths[1:], strict=True)]

    def init(self, n_seeds: int, rng: np.random.Generator) -> tuple[Arrays, Arrays]:
        """Grid-unit weights uniform on [-1, 1] and zero biases, ``n_seeds`` independent copies."""
        pairs = list(zip(self.widths[:-1], self.widths[1:], strict=True))
        weights = [rng.uniform(-1.0, 1.0, size=(n_seeds, a, b)) for a, b in pairs]
        biases = [np.zeros((n_seeds, 1, b)) for _, b in pairs]
        return weights, biases

    def logits(self, weights: Arrays, biases: Arrays, x: np.ndarray) -> np.ndarray:
        """Logits ``(n_seeds, batch, n_classes)`` of inputs ``x`` (``(batch, f)`` or ``(n_seeds, batch, f)``)."""
        return self._forward(weights, biases, x)[-1]

    def _forward(self, weights: Arrays, biases: Arrays, x: np.ndarray) -> Arrays:
        """Pre-activations of every layer, preceded by the input."""
        outputs = [x]
        h = x
        for index, (u, b, alpha) in enumerate(zip(weights, biases, self.scales, strict=True)):
            z = np.matmul(h, alpha * u) + b
            outputs.append(z)
            h = np.maximum(z, 0.0) if index < len(weights) - 1 else z
        return outputs

    def loss_and_gradients(
        self, weights: Arrays, biases: Arrays, x: np.ndarray, y: np.ndarray
    ) -> tuple[np.ndarray, Arrays, Arrays]:
        """Mean cross-entropy per seed and its gradients with respect to ``U_l`` and ``b_l``.

        ``x`` has shape ``(n_seeds, batch, f)`` and ``y`` ``(n_seeds, batch)``.
        """
        outputs = self._forward(weights, biases, x)
        log_probs = log_softmax(outputs[-1])
        loss = cross_entropy(log_probs, y)
        delta = logit_gradient(log_probs, y)
        weight_grads: Arrays = []
        bias_grads: Arrays = []
        for layer in range(len(weights) - 1, -1, -1):
            alpha = self.scales[layer]
            below = outputs[layer] if layer == 0 else np.maximum(outputs[layer], 0.0)
            weight_grads.append(alpha * np.matmul(below.transpose(0, 2, 1), delta))
            bias_grads.append(delta.sum(axis=1, keepdims=True))
            if layer:
                delta = np.matmul(delta, (alpha * weights[layer]).transpose(0, 2, 1)) * (outputs[layer] > 0)
        return loss, weight_grads[::-1], bias_grads[::-1]


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """``z - log sum exp z`` over the last axis, computed from ``z - max z``."""
    shifted = logits - logits.max(axis=2, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=2, keepdims=True))


def cross_entropy(log_probs: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Mean of ``-log p(y)`` over the batch axis, one value per seed."""
    return -np.take_along_axis(log_probs, y[:, :, None], axis=2)[:, :, 0].mean(axis=1)
