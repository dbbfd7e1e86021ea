"""A 1-D convolutional network whose parameters carry a leading seed axis (MNIST-1D's CNN).

Architecture: the MNIST-1D authors' ``ConvBase`` (Greydanus 2020; ``notebooks/models.py`` of
the mnist1d repository), which they report at 94 % test accuracy:

* input: one channel of length ``L_0`` (40);
* conv 1: 25 channels, kernel 5, stride 2, zero padding 1 (length 40 -> 19);
* conv 2: 25 channels, kernel 3, stride 2, zero padding 1 (19 -> 10);
* conv 3: 25 channels, kernel 3, stride 2, zero padding 1 (10 -> 5);
* ReLU after every convolution, then a linear head from the ``5 x 25 = 125`` features to the
  10 logits.

Only the order in which the head reads its 125 features differs (position-major here,
channel-major there): a fixed permutation of the head's inputs, the same function class.

Layout and mathematics.  Activations are channels-last, ``(n_seeds, batch, length, channels)``.
Convolution ``l`` (kernel ``K``, stride ``s``, padding ``p``, scale ``alpha_l``) computes the
cross-correlation

    ``z[n, j, o] = sum_{k, c} x_p[n, s j + k, c] alpha_l U_l[k, c, o] + b_l[o]``,
    ``j = 0 .. L_out - 1``, ``L_out = (L + 2 p - K) // s + 1``,

where ``x_p`` is the input zero-padded by ``p`` on both sides.  It is one matrix product per
seed: the patches ``P[n, j, (k, c)] = x_p[n, s j + k, c]`` (im2col, ``K`` strided slices) times
the ``(K C_in) x C_out`` matrix ``alpha_l U_l``.  Backward, with ``D = dLoss/dz``:
``dLoss/dU_l = alpha_l P^T D`` and ``dLoss/dP = D (alpha_l U_l)^T``, which scatters back onto
the input as ``dLoss/dx_p[n, s j + k, c] += dLoss/dP[n, j, k, c]`` (col2im), the padding then
dropped.  The kernel enters the input gradient unflipped, ``U_l[k]`` for offset ``k``, because
the forward pass is a correlation.

Weights ``U_l`` have shape ``(n_seeds, K, C_in, C_out)`` (the head ``(n_seeds, L_3 C_3,
n_classes)``) and are in grid units, initially uniform on [-1, 1]; the fixed scale is
``alpha_l = gain H_l`` with BinaryConnect's Glorot-based ``H_l = sqrt(1.5 / (fan_in +
fan_out))``, ``fan_in = K C_in`` and ``fan_out = K C_out`` (the head: ``L_3 C_3`` and
``n_classes``), and the fixed gain :data:`GAIN` = 4.  Biases ``(n_seeds, 1, C_out)``.

Why the gain.  The network has no batch normalisation (BinaryConnect's networks have it, which
makes them indifferent to the scale of the weights), so the span ``[-alpha_l, alpha_l]`` of every
weight grid bounds what a quantized network can express.  At gain 1 a full-precision CNN trained
with ADAM ends with median ``|U|`` of 1-4 grid units per layer (only 35-50 % of its weights inside
[-1, 1]), and every clipped or quantized method is capped by the span, not by the grid: BC-ADAM
reaches 56-59 % test error on the 2-bit and 4-bit grids as on the binary one.  At gain 4 the
bulk of the weights a full-precision run uses lies inside the span (median ``|U|`` 0.8-1.4), and
the grid's resolution, the subject of the paper, is what separates the methods
(``paper_notes/nets.md``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from qnets.simulate.nets.model import Arrays, Network, cross_entropy, layer_scale, log_softmax, logit_gradient

from qnets.errors import InputError

#: Kernel sizes of the three convolutions.
KERNELS = (5, 3, 3)
STRIDE = 2
PADDING = 1
#: The fixed gain of every layer's scale over BinaryConnect's ``H`` (module docstring).
GAIN = 4.0
#: Examples per block when logits of a shared input are computed (bounds the memory of evaluation).
CHUNK = 128


class Scratch:
    """Work arrays reused from call to call, one per ``(tag, shape, dtype)``.

    A step's large temporaries (patches, pre-activations, their gradients: megabytes at 16 seeds
    of 32 examples) would otherwise be fresh allocations that the C library maps from, and
    returns to, the operating system every step; the page faults cost about half of a step.
    """

    def __init__(self) -> None:
        self._arrays: dict[tuple, np.ndarray] = {}

    def array(self, tag: tuple, shape: tuple[int, ...], dtype: type = float) -> np.ndarray:
        """The array of ``(tag, shape, dtype)``: zero-filled when first asked for, afterwards
        holding whatever its user last wrote."""
        key = (*tag, shape, dtype)
        if key not in self._arrays:
            self._arrays[key] = np.zeros(shape, dtype=dtype)
        return self._arrays[key]


def output_length(length: int, kernel: int, stride: int, padding: int) -> int:
    """``(length + 2 padding - kernel) // stride + 1``."""
    return (length + 2 * padding - kernel) // stride + 1


def patches(h: np.ndarray, kernel: int, stride: int, padding: int, scratch: Scratch, tag: tuple) -> np.ndarray:
    """im2col: ``P[..., j, k, c] = h_p[..., s j + k, c]`` of ``h`` ``(..., length, channels)``,
    zero-padded by ``padding``; shape ``(..., L_out, kernel, channels)`` (a ``scratch`` array)."""
    *lead, length, channels = h.shape
    # keyed by the padding too: a buffer's borders are never written, so they stay zero only if
    # every call that shares it pads alike (lengths 12 and 10 at paddings 1 and 2 both pad to 14)
    padded = scratch.array((*tag, "padded", padding), (*lead, length + 2 * padding, channels))
    padded[..., padding : padding + length, :] = h
    out_length = output_length(length, kernel, stride, padding)
    end = stride * (out_length - 1) + 1
    out = scratch.array((*tag, "patches"), (*lead, out_length, kernel, channels))
    return np.stack([padded[..., k : k + end : stride, :] for k in range(kernel)], axis=-2, out=out)


def conv_forward(
    h: np.ndarray, u: np.ndarray, alpha: float, b: np.ndarray, stride: int, padding: int, scratch: Scratch, tag: tuple
) -> tuple[np.ndarray, np.ndarray]:
    """Pre-activations ``z`` ``(n_seeds, batch, L_out, C_out)`` and the patches of ``h`` (both
    ``scratch`` arrays).

    ``h`` is ``(n_seeds, batch, L, C_in)`` or, shared by every seed, ``(batch, L, C_in)``;
    ``u`` ``(n_seeds, K, C_in, C_out)``; ``b`` ``(n_seeds, 1, C_out)``.
    """
    n_seeds, kernel, c_in, c_out = u.shape
    p = patches(h, kernel, stride, padding, scratch, tag)
    batch, length = p.shape[-4], p.shape[-3]
    flat = p.reshape(*p.shape[:-4], batch * length, kernel * c_in)
    z = scratch.array((*tag, "z"), (n_seeds, batch * length, c_out))
    np.matmul(flat, alpha * u.reshape(n_seeds, kernel * c_in, c_out), out=z)
    z += b
    return z.reshape(n_seeds, batch, length, c_out), p


def weight_gradient(dz: np.ndarray, p: np.ndarray, alpha: float) -> np.ndarray:
    """``alpha P^T D``: the gradient with respect to ``U`` ``(n_seeds, K, C_in, C_out)`` from
    ``D = dz`` ``(n_seeds, batch, L_out, C_out)`` and per-seed patches ``p``."""
    n_seeds, batch, length, c_out = dz.shape
    kernel, c_in = p.shape[-2:]
    flat = p.reshape(n_seeds, batch * length, kernel * c_in).transpose(0, 2, 1)
    return (alpha * np.matmul(flat, dz.reshape(n_seeds, batch * length, c_out))).reshape(n_seeds, kernel, c_in, c_out)


def input_gradient(
    dz: np.ndarray, u: np.ndarray, alpha: float, stride: int, padding: int, length: int, scratch: Scratch, tag: tuple
) -> np.ndarray:
    """col2im of ``D (alpha U)^T``: the gradient with respect to the input ``(n_seeds, batch,
    length, C_in)`` (a view of a ``scratch`` array)."""
    n_seeds, batch, out_length, c_out = dz.shape
    kernel, c_in = u.shape[1:3]
    matrix = (alpha * u.reshape(n_seeds, kernel * c_in, c_out)).transpose(0, 2, 1)
    dp = scratch.array((*tag, "dp"), (n_seeds, batch * out_length, kernel * c_in))
    np.matmul(dz.reshape(n_seeds, batch * out_length, c_out), matrix, out=dp)
    dp5 = dp.reshape(n_seeds, batch, out_length, kernel, c_in)
    padded = scratch.array((*tag, "dpadded"), (n_seeds, batch, length + 2 * padding, c_in))
    padded.fill(0.0)
    end = stride * (out_length - 1) + 1
    for k in range(kernel):
        padded[:, :, k : k + end : stride, :] += dp5[:, :, :, k, :]
    return padded[:, :, padding : padding + length, :]


@dataclass(frozen=True)
class CNN(Network):
    """Three convolutions of ``channels`` channels (kernels :data:`KERNELS`, stride 2, padding 1)
    with ReLU and a linear head, on inputs of length ``length`` with ``n_classes`` classes, every
    layer's scale ``gain`` times BinaryConnect's ``H``.

    Raises
    ------
    InputError
        If ``channels`` is not three widths >= 1, ``n_classes < 2``, or ``length`` leaves no
        output position after the third convolution.
    """

    length: int
    n_classes: int
    channels: tuple[int, ...] = (25, 25, 25)
    gain: float = GAIN
    scratch: Scratch = field(default_factory=Scratch, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if len(self.channels) != len(KERNELS) or min(self.channels) < 1:
            raise InputError(f"channels (--width) must be {len(KERNELS)} widths >= 1, got {self.channels}")
        if self.n_classes < 2:
            raise InputError(f"n_classes must be >= 2, got {self.n_classes}")
        if min(self.lengths) < 1:
            raise InputError(f"input length must leave an output after the convolutions, got {self.length}")

    @property
    def lengths(self) -> list[int]:
        """Sequence lengths ``L_0 .. L_3`` before and after every convolution."""
        lengths = [self.length]
        for kernel in KERNELS:
            lengths.append(output_length(lengths[-1], kernel, STRIDE, PADDING))
        return lengths

    @property
    def shapes(self) -> list[tuple[int, ...]]:
        """Shapes of ``U_l`` without the seed axis: ``(K, C_in, C_out)``, then ``(L_3 C_3, n_classes)``."""
        widths = (1, *self.channels)
        convs = [(k, a, b) for k, a, b in zip(KERNELS, widths[:-1], widths[1:], strict=True)]
        return [*convs, (self.lengths[-1] * widths[-1], self.n_classes)]

    @property
    def scales(self) -> list[float]:
        """``alpha_l = gain sqrt(1.5 / (K C_in + K C_out))`` per convolution and
        ``gain sqrt(1.5 / (L_3 C_3 + n_classes))`` for the head."""
        convs = [layer_scale(k * a, k * b) for k, a, b in self.shapes[:-1]]
        return [self.gain * scale for scale in (*convs, layer_scale(*self.shapes[-1]))]

    def init(self, n_seeds: int, rng: np.random.Generator) -> tuple[Arrays, Arrays]:
        """Grid-unit weights uniform on [-1, 1] and zero biases, ``n_seeds`` independent copies."""
        weights = [rng.uniform(-1.0, 1.0, size=(n_seeds, *shape)) for shape in self.shapes]
        biases = [np.zeros((n_seeds, 1, shape[-1])) for shape in self.shapes]
        return weights, biases

    def _forward(self, weights: Arrays, biases: Arrays, x: np.ndarray) -> tuple[Arrays, Arrays, np.ndarray, np.ndarray]:
        """Pre-activations and patches of every convolution, the head's input (``scratch``
        arrays) and the logits."""
        h = x[..., None]
        pre, cols = [], []
        for layer, (u, b, alpha) in enumerate(zip(weights[:-1], biases[:-1], self.scales[:-1], strict=True)):
            z, p = conv_forward(h, u, alpha, b, STRIDE, PADDING, self.scratch, ("conv", layer))
            pre.append(z)
            cols.append(p)
            h = np.maximum(z, 0.0, out=self.scratch.array(("relu", layer), z.shape))
        flat = h.reshape(*h.shape[:2], -1)
        return pre, cols, flat, np.matmul(flat, self.scales[-1] * weights[-1]) + biases[-1]

    def logits(self, weights: Arrays, biases: Arrays, x: np.ndarray) -> np.ndarray:
        """Logits ``(n_seeds, batch, n_classes)`` of ``x`` ``(batch, L)`` (shared by every seed,
        computed in blocks of :data:`CHUNK` examples) or ``(n_seeds, batch, L)``."""
        if x.ndim == 2:
            blocks = [self._forward(weights, biases, x[i : i + CHUNK])[-1] for i in range(0, len(x), CHUNK)]
            return np.concatenate(blocks, axis=1)
        return self._forward(weights, biases, x)[-1]

    def loss_and_gradients(
        self, weights: Arrays, biases: Arrays, x: np.ndarray, y: np.ndarray
    ) -> tuple[np.ndarray, Arrays, Arrays]:
        """Mean cross-entropy per seed of ``x`` ``(n_seeds, batch, L)`` with labels ``y``
        ``(n_seeds, batch)``, and its gradients with respect to every ``U_l`` and ``b_l``."""
        pre, cols, flat, logits = self._forward(weights, biases, x)
        log_probs = log_softmax(logits)
        loss = cross_entropy(log_probs, y)
        delta = logit_gradient(log_probs, y)
        alpha = self.scales[-1]
        weight_grads = [alpha * np.matmul(flat.transpose(0, 2, 1), delta)]
        bias_grads = [delta.sum(axis=1, keepdims=True)]
        dh = np.matmul(delta, (alpha * weights[-1]).transpose(0, 2, 1)).reshape(pre[-1].shape)
        for layer in range(len(KERNELS) - 1, -1, -1):
            tag = ("grad", layer)
            mask = np.greater(pre[layer], 0.0, out=self.scratch.array((*tag, "mask"), dh.shape, bool))
            dz = np.multiply(dh, mask, out=self.scratch.array((*tag, "dz"), dh.shape))
            weight_grads.append(weight_gradient(dz, cols[layer], self.scales[layer]))
            bias_grads.append(dz.sum(axis=(1, 2))[:, None, :])
            if layer:
                dh = input_gradient(
                    dz, weights[layer], self.scales[layer], STRIDE, PADDING, self.lengths[layer], self.scratch, tag
                )
        return loss, weight_grads[::-1], bias_grads[::-1]
