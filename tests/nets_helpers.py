"""Helpers of the network tests: a private MNIST-1D cache (nothing is written under the user's
home) and the finite-difference gradient check every model passes."""

import contextlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from qnets.simulate.nets import data


@contextlib.contextmanager
def private_cache(tmp_path_factory) -> Iterator[Path]:
    """A temporary ``$XDG_CACHE_HOME`` while open, with ``load``'s in-process cache cleared on
    entry and exit; yields the cache directory ``load`` then uses."""
    import pytest

    directory = tmp_path_factory.mktemp("xdg")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(directory))
        data.load.cache_clear()
        yield directory / "qnets"
    data.load.cache_clear()


def max_gradient_error(model, n_seeds: int, batch: int, input_shape: tuple, n_classes: int, seed: int = 1) -> float:
    """Largest relative difference ``|numeric - analytic| / max(1, |numeric|)`` between the
    gradients of ``model`` (random weights, random biases, random inputs ``(n_seeds, batch,
    *input_shape)``) and central differences with step 1e-6, over every weight and bias (float64)."""
    rng = np.random.default_rng(seed)
    weights, biases = model.init(n_seeds, rng)
    biases = [rng.normal(size=b.shape) for b in biases]
    x, y = rng.normal(size=(n_seeds, batch, *input_shape)), rng.integers(0, n_classes, size=(n_seeds, batch))
    _, weight_grads, bias_grads = model.loss_and_gradients(weights, biases, x, y)
    eps, worst = 1e-6, 0.0
    for params, grads in ((weights, weight_grads), (biases, bias_grads)):
        for array, grad in zip(params, grads, strict=True):
            assert grad.shape == array.shape
            for index in np.ndindex(array.shape):
                original = array[index]
                array[index] = original + eps
                up = model.loss_and_gradients(weights, biases, x, y)[0]
                array[index] = original - eps
                down = model.loss_and_gradients(weights, biases, x, y)[0]
                array[index] = original
                numeric = (up - down)[index[0]] / (2 * eps)  # the loss of seed index[0] only
                worst = max(worst, abs(numeric - grad[index]) / max(1.0, abs(numeric)))
    return worst
