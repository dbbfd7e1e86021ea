"""The seed-batched 1-D CNN: architecture, a naive reference, gradients, the seed axis, the scratch."""

import numpy as np
import pytest
from nets_helpers import max_gradient_error
from qnets.simulate.nets import conv
from qnets.simulate.nets.conv import CNN

from qnets.errors import InputError


def naive_conv(x: np.ndarray, u: np.ndarray, alpha: float, b: np.ndarray, stride: int, padding: int) -> np.ndarray:
    """``z[n, j, o] = sum_{k, c} x_p[n, s j + k, c] alpha U[k, c, o] + b[o]`` by explicit loops over
    ``j`` and ``k``; ``x`` ``(n_seeds, batch, L, C_in)``."""
    n_seeds, batch, length, c_in = x.shape
    kernel, c_out = u.shape[1], u.shape[3]
    padded = np.concatenate(
        [np.zeros((n_seeds, batch, padding, c_in)), x, np.zeros((n_seeds, batch, padding, c_in))], 2
    )
    out_length = (length + 2 * padding - kernel) // stride + 1
    z = np.zeros((n_seeds, batch, out_length, c_out))
    for j in range(out_length):
        for k in range(kernel):
            z[:, :, j, :] += np.einsum("sbc,sco->sbo", padded[:, :, stride * j + k, :], alpha * u[:, k])
    return z + b[:, :, None, :]


SMALL = CNN(12, 3, (2, 3, 2))


def test_architecture_is_the_mnist1d_authors_convbase():
    model = CNN(40, 10)
    assert model.lengths == [40, 19, 10, 5]
    assert model.shapes == [(5, 1, 25), (3, 25, 25), (3, 25, 25), (125, 10)]
    weights, biases = model.init(1, np.random.default_rng(0))
    # ConvBase's parameter count: 150 + 1900 + 1900 + 1260
    assert sum(w.size for w in weights) + sum(b.size for b in biases) == 5210
    assert model.scales[0] == pytest.approx(conv.GAIN * np.sqrt(1.5 / (5 * 1 + 5 * 25)))
    assert model.scales[-1] == pytest.approx(conv.GAIN * np.sqrt(1.5 / (125 + 10)))


def test_convolution_matches_the_naive_cross_correlation():
    rng = np.random.default_rng(3)
    x, u, b = rng.normal(size=(2, 3, 11, 4)), rng.normal(size=(2, 3, 4, 5)), rng.normal(size=(2, 1, 5))
    z, _ = conv.conv_forward(x, u, 0.7, b, 2, 1, conv.Scratch(), ("test",))
    assert np.allclose(z, naive_conv(x, u, 0.7, b, 2, 1), rtol=1e-12, atol=1e-12)
    flipped = naive_conv(x, u[:, ::-1], 0.7, b, 2, 1)  # a convolution, not what the layer computes
    assert not np.allclose(z, flipped)


def test_gradients_match_central_finite_differences():
    assert max_gradient_error(SMALL, 2, 3, (SMALL.length,), SMALL.n_classes) <= 1e-7


def test_gradient_check_catches_a_flipped_kernel_in_the_input_gradient(monkeypatch):
    real = conv.input_gradient

    def flipped(dz, u, *args):
        return real(dz, u[:, ::-1], *args)

    monkeypatch.setattr(conv, "input_gradient", flipped)
    assert max_gradient_error(SMALL, 2, 3, (SMALL.length,), SMALL.n_classes) > 1e-3


def test_seed_axis_is_independent_networks_and_shared_inputs_broadcast():
    model = CNN(16, 4, (3, 2, 3))
    rng = np.random.default_rng(2)
    weights, biases = model.init(3, rng)
    biases = [rng.normal(size=b.shape) for b in biases]
    x, y = rng.normal(size=(3, 5, 16)), rng.integers(0, 4, size=(3, 5))
    loss, grads, _ = model.loss_and_gradients(weights, biases, x, y)
    for k in range(3):
        alone, alone_grads, _ = CNN(16, 4, (3, 2, 3)).loss_and_gradients(
            [w[k : k + 1] for w in weights], [b[k : k + 1] for b in biases], x[k : k + 1], y[k : k + 1]
        )
        assert np.allclose(alone, loss[k]) and all(
            np.allclose(a[0], g[k]) for a, g in zip(alone_grads, grads, strict=True)
        )
    shared = rng.normal(size=(conv.CHUNK + 7, 16))  # more than one evaluation block
    assert np.allclose(
        model.logits(weights, biases, shared),
        model.logits(weights, biases, np.broadcast_to(shared, (3, *shared.shape))),
    )


def test_reused_scratch_arrays_do_not_leak_between_calls():
    model = CNN(16, 4, (3, 2, 3))
    rng = np.random.default_rng(4)
    weights, biases = model.init(2, rng)
    first = rng.normal(size=(2, 5, 16)), rng.integers(0, 4, size=(2, 5))
    second = rng.normal(size=(2, 5, 16)), rng.integers(0, 4, size=(2, 5))
    before = model.loss_and_gradients(weights, biases, *first)
    model.loss_and_gradients(weights, biases, *second)
    after = model.loss_and_gradients(weights, biases, *first)
    assert np.array_equal(before[0], after[0])
    assert all(np.array_equal(a, b) for a, b in zip(before[1] + before[2], after[1] + after[2], strict=True))


@pytest.mark.parametrize(
    "arguments,message",
    [
        ((40, 10, (25, 25)), "channels"),
        ((40, 10, (25, 0, 25)), "channels"),
        ((40, 1), "n_classes"),
        ((2, 10), "length"),
    ],
)
def test_bad_architectures_are_input_errors(arguments, message):
    with pytest.raises(InputError, match=message):
        CNN(*arguments)
