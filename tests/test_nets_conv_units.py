"""The CNN's layers (simulate/nets/conv.py) against naive loops, at generic sizes.

Written for the mutation run of conv.py (issue 18 item 7; paper_notes/mutation_nets.md): its
other killer, tests/test_nets_cnn.py, works at the module's own stride 2 and padding 1. Here the
layer functions run at stride 3, padding 2 and kernel 4 (overlapping windows), and every
quantity is recomputed by explicit loops over output positions and kernel offsets: im2col, the
cross-correlation, its weight and input gradients (the latter scattered back one input position
at a time), the whole network's logits, and its gradients by central differences of that naive
loss. Constants are generic (no scale, stride or width of 1 or a power of 2 where avoidable).
"""

from __future__ import annotations

import dataclasses
import math
import re

import numpy as np
import pytest
from qnets.simulate.nets import conv
from qnets.simulate.nets.conv import CNN, Scratch

from qnets.errors import InputError

K, S, P, ALPHA = 4, 3, 2, 0.61


def pad(x: np.ndarray, p: int) -> np.ndarray:
    zeros = np.zeros((*x.shape[:-2], p, x.shape[-1]))
    return np.concatenate([zeros, x, zeros], axis=-2)


def n_out(length: int, kernel: int, stride: int, padding: int) -> int:
    """Number of window starts 0, s, 2s, ... whose window fits in the padded input."""
    return sum(1 for start in range(0, length + 2 * padding, stride) if start + kernel <= length + 2 * padding)


def naive_patches(x, kernel, stride, padding):
    xp = pad(x, padding)
    length = n_out(x.shape[-2], kernel, stride, padding)
    out = np.zeros((*x.shape[:-2], length, kernel, x.shape[-1]))
    for j in range(length):
        for k in range(kernel):
            out[..., j, k, :] = xp[..., stride * j + k, :]
    return out


def naive_conv(x, u, alpha, b, stride, padding):
    """``z[s, n, j, o] = sum_{k, c} x_p[s, n, s j + k, c] alpha U[s, k, c, o] + b[s, 0, o]``."""
    n_seeds, kernel, _c_in, c_out = u.shape
    x = np.broadcast_to(x, (n_seeds, *x.shape[-3:]))
    xp = pad(x, padding)
    length = n_out(x.shape[-2], kernel, stride, padding)
    z = np.zeros((n_seeds, x.shape[1], length, c_out)) + b[:, :, None, :]
    for j in range(length):
        for k in range(kernel):
            z[:, :, j, :] += np.einsum("snc,sco->sno", xp[:, :, stride * j + k, :], alpha * u[:, k])
    return z


def naive_weight_gradient(x, dz, kernel, alpha, stride, padding):
    n_seeds, _batch, length, c_out = dz.shape
    xp = pad(x, padding)
    out = np.zeros((n_seeds, kernel, x.shape[-1], c_out))
    for k in range(kernel):
        for j in range(length):
            out[:, k] += alpha * np.einsum("snc,sno->sco", xp[:, :, stride * j + k, :], dz[:, :, j, :])
    return out


def naive_input_gradient(dz, u, alpha, stride, padding, length):
    """``dx[s, n, i, c] = sum over (j, k) with s j + k - p = i of alpha U[k, c, :] . dz[s, n, j, :]``."""
    n_seeds, batch, out_length, _c_out = dz.shape
    kernel, c_in = u.shape[1:3]
    dx = np.zeros((n_seeds, batch, length, c_in))
    for i in range(length):
        for j in range(out_length):
            k = i + padding - stride * j
            if 0 <= k < kernel:
                dx[:, :, i, :] += alpha * np.einsum("sno,sco->snc", dz[:, :, j, :], u[:, k])
    return dx


def close(a, b, tol=1e-12) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= tol * np.maximum(1.0, np.abs(b))))


def test_output_length_counts_the_windows_that_fit():
    for length, kernel, stride, padding in [(23, 5, 3, 2), (11, 4, 3, 0), (17, 3, 2, 1), (9, 6, 5, 3), (40, 5, 2, 1)]:
        assert conv.output_length(length, kernel, stride, padding) == n_out(length, kernel, stride, padding)


@pytest.mark.parametrize("lead", [(5,), (2, 3)])
def test_patches_are_the_padded_windows(lead):
    x = np.random.default_rng(1).normal(size=(*lead, 13, 3))
    got = conv.patches(x, K, S, P, Scratch(), ("t",))
    assert close(got, naive_patches(x, K, S, P))


def test_convolution_and_its_gradients_match_the_naive_loops():
    rng = np.random.default_rng(2)
    x, u, b = rng.normal(size=(2, 3, 13, 3)), rng.normal(size=(2, K, 3, 5)), rng.normal(size=(2, 1, 5))
    scratch = Scratch()
    z, p = conv.conv_forward(x, u, ALPHA, b, S, P, scratch, ("t",))
    assert close(z, naive_conv(x, u, ALPHA, b, S, P))
    shared = x[0]  # one input for every seed
    assert close(
        conv.conv_forward(shared, u, ALPHA, b, S, P, Scratch(), ("t",))[0], naive_conv(shared, u, ALPHA, b, S, P)
    )
    dz = rng.normal(size=z.shape)
    assert close(conv.weight_gradient(dz, p, ALPHA), naive_weight_gradient(x, dz, K, ALPHA, S, P))
    want = naive_input_gradient(dz, u, ALPHA, S, P, 13)
    assert close(conv.input_gradient(dz, u, ALPHA, S, P, 13, scratch, ("t",)), want)
    # again with the same scratch (its arrays hold the previous call's values)
    dz2 = rng.normal(size=z.shape)
    assert close(
        conv.input_gradient(dz2, u, ALPHA, S, P, 13, scratch, ("t",)), naive_input_gradient(dz2, u, ALPHA, S, P, 13)
    )


def test_scratch_arrays_start_at_zero_and_are_kept_per_tag_shape_and_dtype():
    scratch = Scratch()
    a = scratch.array(("x", 1), (2, 3))
    assert a.shape == (2, 3) and a.dtype == float and np.all(a == 0)
    a[...] = 7.5
    assert scratch.array(("x", 1), (2, 3)) is a and np.all(a == 7.5)
    assert scratch.array(("x", 2), (2, 3)) is not a and scratch.array(("x", 1), (3, 2)) is not a
    flags = scratch.array(("x", 1), (2, 3), bool)
    assert flags is not a and flags.dtype == bool and not flags.any()


# ----------------------------------------------------------------------------- the network

SMALL = CNN(29, 5, (2, 3, 4))


def hand_lengths(length):
    lengths = [length]
    for kernel in (5, 3, 3):  # ConvBase: kernels 5, 3, 3, stride 2, padding 1
        lengths.append(n_out(lengths[-1], kernel, 2, 1))
    return lengths


def naive_logits(model: CNN, weights, biases, x):
    widths = (1, *model.channels)
    kernels = (5, 3, 3)
    scales = [4.0 * math.sqrt(1.5 / (k * a + k * b)) for k, a, b in zip(kernels, widths[:-1], widths[1:], strict=True)]
    h = np.broadcast_to(x, (weights[0].shape[0], *x.shape[-2:]))[..., None]
    for layer in range(3):
        h = np.maximum(naive_conv(h, weights[layer], scales[layer], biases[layer], 2, 1), 0.0)
    flat = h.reshape(*h.shape[:2], -1)
    head = 4.0 * math.sqrt(1.5 / (flat.shape[-1] + model.n_classes))
    return np.einsum("snf,sfo->sno", flat, head * weights[3]) + biases[3]


def naive_loss(model, weights, biases, x, y):
    z = naive_logits(model, weights, biases, x)
    out = np.zeros(z.shape[0])
    for s in range(z.shape[0]):
        for n in range(z.shape[1]):
            out[s] += (math.log(sum(math.exp(v) for v in z[s, n])) - z[s, n, y[s, n]]) / z.shape[1]
    return out


def test_architecture_of_a_generic_cnn():
    assert SMALL.lengths == hand_lengths(29) == [29, 14, 7, 4]
    assert SMALL.shapes == [(5, 1, 2), (3, 2, 3), (3, 3, 4), (16, 5)]
    want = [4.0 * math.sqrt(1.5 / f) for f in (5 * 1 + 5 * 2, 3 * 2 + 3 * 3, 3 * 3 + 3 * 4, 16 + 5)]
    assert SMALL.scales == pytest.approx(want, rel=1e-15)
    assert CNN(29, 5, (2, 3, 4), gain=2.7).scales == pytest.approx([2.7 / 4.0 * w for w in want], rel=1e-15)
    assert CNN(40, 10).channels == (25, 25, 25) and CNN(40, 10).gain == 4.0
    assert (conv.KERNELS, conv.STRIDE, conv.PADDING, conv.GAIN) == ((5, 3, 3), 2, 1, 4.0)


def test_init_is_uniform_grid_units_and_zero_biases():
    weights, biases = SMALL.init(3, np.random.default_rng(6))
    stream = np.random.default_rng(6)
    for shape, u, b in zip(SMALL.shapes, weights, biases, strict=True):
        assert np.array_equal(u, stream.uniform(-1.0, 1.0, size=(3, *shape)))
        assert b.shape == (3, 1, shape[-1]) and np.all(b == 0)


def test_logits_loss_and_gradients_match_the_naive_network():
    rng = np.random.default_rng(7)
    weights, biases = SMALL.init(2, rng)
    biases = [rng.normal(scale=0.4, size=b.shape) for b in biases]
    x, y = rng.normal(size=(2, 3, 29)), rng.integers(0, 5, size=(2, 3))
    want = naive_logits(SMALL, weights, biases, x)
    assert close(SMALL.logits(weights, biases, x), want)
    loss, grads_w, grads_b = SMALL.loss_and_gradients(weights, biases, x, y)
    assert close(loss, naive_loss(SMALL, weights, biases, x, y))
    eps = 1e-6
    for params, grads in ((weights, grads_w), (biases, grads_b)):
        assert [g.shape for g in grads] == [a.shape for a in params]
        for array, grad in zip(params, grads, strict=True):
            for index in list(np.ndindex(array.shape))[::2]:
                keep = array[index]
                array[index] = keep + eps
                up = naive_loss(SMALL, weights, biases, x, y)[index[0]]
                array[index] = keep - eps
                down = naive_loss(SMALL, weights, biases, x, y)[index[0]]
                array[index] = keep
                assert abs((up - down) / (2 * eps) - grad[index]) <= 1e-7


def test_shared_inputs_are_evaluated_in_blocks_of_128_examples(monkeypatch):
    model = CNN(11, 3, (2, 1, 3))
    rng = np.random.default_rng(8)
    weights, biases = model.init(2, rng)
    biases = [rng.normal(size=b.shape) for b in biases]
    shared = rng.normal(size=(300, 11))
    blocks = []
    real = CNN._forward

    def spy(self, w, b, x):
        blocks.append(x.shape)
        return real(self, w, b, x)

    monkeypatch.setattr(CNN, "_forward", spy)
    got = model.logits(weights, biases, shared)
    assert blocks == [(128, 11), (128, 11), (44, 11)]
    assert close(got, naive_logits(model, weights, biases, shared))
    blocks.clear()
    per_seed = np.broadcast_to(shared[:5], (2, 5, 11))
    assert close(model.logits(weights, biases, per_seed), naive_logits(model, weights, biases, per_seed))
    assert blocks == [(2, 5, 11)]


def test_cnn_is_a_frozen_value_and_its_scratch_no_field():
    assert CNN(29, 5, (2, 3, 4)) == SMALL and repr(SMALL) == "CNN(length=29, n_classes=5, channels=(2, 3, 4), gain=4.0)"
    with pytest.raises(TypeError):
        CNN(29, 5, (2, 3, 4), 4.0, Scratch())
    with pytest.raises(dataclasses.FrozenInstanceError):
        SMALL.length = 31  # type: ignore[misc]


def test_architecture_limits_and_exact_messages():
    CNN(3, 2, (1, 1, 1))  # the shortest input that leaves one position, two classes, widths of 1
    for arguments, message in [
        ((29, 5, (2, 3)), "channels (--width) must be 3 widths >= 1, got (2, 3)"),
        ((29, 5, (2, 0, 3)), "channels (--width) must be 3 widths >= 1, got (2, 0, 3)"),
        ((29, 1), "n_classes must be >= 2, got 1"),
        ((2, 5), "input length must leave an output after the convolutions, got 2"),
    ]:
        with pytest.raises(InputError, match=rf"^{re.escape(message)}$"):
            CNN(*arguments)


# ----------------------------------------------------------------------------- second mutation run
# (paper_notes/mutation_conv.md): the layer functions at stride 1 (where a window's slice of
# ``stride (L_out - 1) + 2`` positions takes one position too many) and at other strides, paddings
# and kernels; one scratch and tag shared by two layers; the scratch arrays the functions return;
# a refused layer count.

SIZES = [  # (length, kernel, stride, padding)
    (13, 4, 1, 2),
    (11, 3, 1, 0),
    (3, 5, 1, 1),  # stride 1 and a window as wide as the padded input: one output position
    (13, 4, 3, 2),
    (17, 5, 3, 1),
    (9, 2, 5, 3),
    (14, 3, 4, 0),
]


@pytest.mark.parametrize(("length", "kernel", "stride", "padding"), SIZES)
def test_every_layer_function_at_other_strides_paddings_and_kernels(length, kernel, stride, padding):
    rng = np.random.default_rng(11)
    x, u, b = rng.normal(size=(2, 3, length, 3)), rng.normal(size=(2, kernel, 3, 5)), rng.normal(size=(2, 1, 5))
    assert close(conv.patches(x, kernel, stride, padding, Scratch(), ("t",)), naive_patches(x, kernel, stride, padding))
    scratch = Scratch()
    z, p = conv.conv_forward(x, u, ALPHA, b, stride, padding, scratch, ("t",))
    assert close(z, naive_conv(x, u, ALPHA, b, stride, padding))
    dz = rng.normal(size=z.shape)
    assert close(conv.weight_gradient(dz, p, ALPHA), naive_weight_gradient(x, dz, kernel, ALPHA, stride, padding))
    want = naive_input_gradient(dz, u, ALPHA, stride, padding, length)
    assert close(conv.input_gradient(dz, u, ALPHA, stride, padding, length, scratch, ("t",)), want)


def test_one_scratch_and_tag_shared_by_two_layers_of_different_lengths_and_paddings():
    """Layer A (length 13, padding 1) then layer B (length 10, padding 2), stride 3, kernel 4, both
    with 4 output positions, through one scratch under one tag. Their padded buffers have 15 and 14
    positions, so they are two arrays: B's padding is zero although A wrote its input one position
    further out, and A's input gradient (a view of its buffer) survives B's. Two layers whose
    ``L + 2 p`` agree at different paddings: the next test."""
    rng = np.random.default_rng(12)
    scratch, tag = Scratch(), ("shared",)
    xa, xb = rng.normal(size=(2, 3, 13, 3)), rng.normal(size=(2, 3, 10, 3))
    got_a = conv.patches(xa, K, S, 1, scratch, tag).copy()  # the same patches array holds B's next
    got_b = conv.patches(xb, K, S, 2, scratch, tag)
    assert close(got_a, naive_patches(xa, K, S, 1)) and close(got_b, naive_patches(xb, K, S, 2))
    u = rng.normal(size=(2, K, 3, 5))
    dza, dzb = rng.normal(size=(2, 3, 4, 5)), rng.normal(size=(2, 3, 4, 5))
    grad_a = conv.input_gradient(dza, u, ALPHA, S, 1, 13, scratch, tag)
    grad_b = conv.input_gradient(dzb, u, ALPHA, S, 2, 10, scratch, tag)
    assert close(grad_a, naive_input_gradient(dza, u, ALPHA, S, 1, 13))
    assert close(grad_b, naive_input_gradient(dzb, u, ALPHA, S, 2, 10))


def test_one_scratch_and_tag_shared_by_two_layers_that_pad_to_the_same_length():
    """Length 12 at padding 1, then length 10 at padding 2: both pad to 14 positions, and A's input
    lies where B's zero border is. B's patches must still see zeros there (the padded buffer is
    keyed by the padding: its borders are never written)."""
    rng = np.random.default_rng(14)
    scratch, tag = Scratch(), ("shared",)
    xa, xb = rng.normal(size=(2, 3, 12, 3)), rng.normal(size=(2, 3, 10, 3))
    assert close(conv.patches(xa, K, S, 1, scratch, tag), naive_patches(xa, K, S, 1))
    assert close(conv.patches(xb, K, S, 2, scratch, tag), naive_patches(xb, K, S, 2))
    assert close(conv.patches(xa, K, S, 1, scratch, tag), naive_patches(xa, K, S, 1))


def test_the_layer_functions_return_their_scratch_arrays():
    """As documented, the patches, the pre-activations and the input gradient are ``scratch``
    arrays: a second call under the same tag and shapes writes into the first call's memory (no
    fresh allocation), a call under another tag does not."""
    rng = np.random.default_rng(13)
    scratch = Scratch()
    x1, x2 = rng.normal(size=(2, 3, 13, 3)), rng.normal(size=(2, 3, 13, 3))
    u, b = rng.normal(size=(2, K, 3, 5)), rng.normal(size=(2, 1, 5))
    first = conv.patches(x1, K, S, P, scratch, ("t",))
    second = conv.patches(x2, K, S, P, scratch, ("t",))
    assert np.shares_memory(first, second) and close(second, naive_patches(x2, K, S, P))
    assert not np.shares_memory(conv.patches(x1, K, S, P, scratch, ("other",)), second)
    z1, p1 = conv.conv_forward(x1, u, ALPHA, b, S, P, scratch, ("c",))
    z2, p2 = conv.conv_forward(x2, u, ALPHA, b, S, P, scratch, ("c",))
    assert np.shares_memory(z1, z2) and np.shares_memory(p1, p2) and close(z2, naive_conv(x2, u, ALPHA, b, S, P))
    dz1, dz2 = rng.normal(size=z2.shape), rng.normal(size=z2.shape)
    g1 = conv.input_gradient(dz1, u, ALPHA, S, P, 13, scratch, ("c",))
    g2 = conv.input_gradient(dz2, u, ALPHA, S, P, 13, scratch, ("c",))
    assert np.shares_memory(g1, g2) and close(g2, naive_input_gradient(dz2, u, ALPHA, S, P, 13))


def test_weights_and_biases_of_a_wrong_layer_count_are_refused():
    rng = np.random.default_rng(14)
    weights, biases = SMALL.init(2, rng)
    x, y = rng.normal(size=(2, 3, 29)), rng.integers(0, 5, size=(2, 3))
    extra = [*weights[:3], weights[2], weights[3]], [*biases[:3], biases[2], biases[3]]  # a fourth convolution
    short = weights, [*biases[:2], biases[3]]  # the third convolution's bias missing
    for w, b in (extra, short):
        with pytest.raises(ValueError, match=r"^zip\(\) argument \d is shorter than argument"):
            SMALL.logits(w, b, x)
        with pytest.raises(ValueError, match=r"^zip\(\) argument \d is shorter than argument"):
            SMALL.loss_and_gradients(w, b, x, y)
