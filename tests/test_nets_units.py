"""The MLP, the training loop and the optimisers of simulate/nets against hand computations.

Written for the mutation runs of simulate/nets/model.py, training.py and optimizers.py (issue 18
item 7; paper_notes/mutation_nets.md): their other killers (tests/test_nets.py, the N1 and N2
claim tests) train on real data for seconds to minutes; these take a few seconds together, on
tiny networks and a tiny synthetic data set. Every quantity is recomputed without the module: the
forward and backward pass example by example in plain numpy loops (softmax by ``math.exp``),
every training step of FP, BC, SR and R (SGD and ADAM) from the step's audit record with the
update rules written out here, the nearest grid point by brute force over the grid's points
``linspace(-1, 1, 2**bits)``, ADAM as Kingma and Ba's recurrence with their constants, the
errors and losses at the checkpoints from the recomputed biases. Constants are generic: no step
size, decay, width or scale of 1 or a power of 2, no two widths equal.
"""

from __future__ import annotations

import dataclasses
import math
import re

import numpy as np
import pytest
import threadpoolctl
from qnets.simulate.grid import Grid
from qnets.simulate.nets import optimizers
from qnets.simulate.nets.conv import CNN
from qnets.simulate.nets.data import Dataset, stratified_split
from qnets.simulate.nets.model import MLP, Network, cross_entropy, layer_scale, log_softmax, logit_gradient
from qnets.simulate.nets.training import (
    METHODS,
    MODELS,
    StepAudit,
    TrainConfig,
    TrainResult,
    _Batches,
    build_model,
    train,
    weight_grid,
)

from qnets.errors import InputError, InputTypeError

# ----------------------------------------------------------------------------- hand computations


def hand_scale(fan_in: int, fan_out: int) -> float:
    return math.sqrt(1.5 / (fan_in + fan_out))


def hand_mlp(widths, weights, biases, x, y):
    """Loss per seed and gradients, one example at a time: ``z_l = h_{l-1} (alpha_l U_l) + b_l``,
    ``h_l = max(z_l, 0)`` except on the last layer, mean cross-entropy; relu'(0) = 0."""
    n_layers = len(widths) - 1
    alphas = [hand_scale(widths[i], widths[i + 1]) for i in range(n_layers)]
    n_seeds, batch = y.shape
    loss = np.zeros(n_seeds)
    grads_w = [np.zeros_like(u) for u in weights]
    grads_b = [np.zeros_like(b) for b in biases]
    logits = np.zeros((n_seeds, batch, widths[-1]))
    for s in range(n_seeds):
        for n in range(batch):
            inputs, pre = [], []
            h = x[s, n]
            for layer in range(n_layers):
                inputs.append(h)
                z = np.array(
                    [
                        sum(h[i] * alphas[layer] * weights[layer][s, i, j] for i in range(len(h)))
                        + biases[layer][s, 0, j]
                        for j in range(widths[layer + 1])
                    ]
                )
                pre.append(z)
                h = np.array([max(v, 0.0) for v in z]) if layer < n_layers - 1 else z
            logits[s, n] = h
            exps = [math.exp(v) for v in h]
            total = sum(exps)
            p = np.array([e / total for e in exps])
            loss[s] += -math.log(p[y[s, n]]) / batch
            d = p.copy()
            d[y[s, n]] -= 1.0
            d /= batch
            for layer in range(n_layers - 1, -1, -1):
                grads_w[layer][s] += alphas[layer] * np.outer(inputs[layer], d)
                grads_b[layer][s, 0] += d
                if layer > 0:
                    back = np.array(
                        [
                            sum(alphas[layer] * weights[layer][s, i, j] * d[j] for j in range(len(d)))
                            for i in range(len(inputs[layer]))
                        ]
                    )
                    d = back * np.array([1.0 if v > 0 else 0.0 for v in pre[layer - 1]])
    return loss, grads_w, grads_b, logits


def grid_points(bits: int) -> np.ndarray:
    return np.linspace(-1.0, 1.0, 2**bits)


def hand_nearest(u: np.ndarray, bits: int) -> np.ndarray:
    points = grid_points(bits)
    return points[np.argmin(np.abs(np.asarray(u)[..., None] - points), axis=-1)]


def on_grid(u: np.ndarray, bits: int) -> bool:
    return bool(np.all(np.min(np.abs(np.asarray(u)[..., None] - grid_points(bits)), axis=-1) <= 1e-12))


def tiny_data(seed: int = 11, n_train: int = 13, n_test: int = 7, n_features: int = 5, n_classes: int = 3) -> Dataset:
    rng = np.random.default_rng(seed)
    y_train = np.arange(n_train) % n_classes
    y_test = (np.arange(n_test) + 1) % n_classes
    return Dataset(
        "tiny",
        rng.normal(size=(n_train, n_features)),
        rng.permutation(y_train),
        rng.normal(size=(n_test, n_features)),
        y_test,
        n_classes,
    )


def close(a, b, tol=1e-12) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= tol * np.maximum(1.0, np.abs(b))))


# ----------------------------------------------------------------------------- the MLP


def test_layer_scale_is_binaryconnects_glorot_h():
    assert layer_scale(7, 3) == pytest.approx(math.sqrt(1.5 / 10), rel=1e-15)
    assert layer_scale(13, 5) == pytest.approx(math.sqrt(1.5 / 18), rel=1e-15)
    assert MLP((7, 5, 3, 6)).scales == pytest.approx([hand_scale(7, 5), hand_scale(5, 3), hand_scale(3, 6)], rel=1e-15)


@pytest.mark.parametrize("widths", [(5, 4, 3), (6, 3, 5, 4)])
def test_forward_loss_and_gradients_match_the_example_by_example_computation(widths):
    rng = np.random.default_rng(21)
    model = MLP(widths)
    weights, biases = model.init(3, rng)
    biases = [rng.normal(scale=0.7, size=b.shape) for b in biases]
    x = rng.normal(scale=1.3, size=(3, 7, widths[0]))
    y = rng.integers(0, widths[-1], size=(3, 7))
    loss, grads_w, grads_b = model.loss_and_gradients(weights, biases, x, y)
    want_loss, want_w, want_b, want_logits = hand_mlp(widths, weights, biases, x, y)
    assert close(model.logits(weights, biases, x), want_logits)
    assert np.min(want_logits) < 0 < np.max(want_logits)  # the last layer has no relu: negative logits show
    assert close(loss, want_loss)
    assert len(grads_w) == len(want_w) and len(grads_b) == len(want_b)
    for got, want in zip([*grads_w, *grads_b], [*want_w, *want_b], strict=True):
        assert close(got, want, 1e-10)
    # the loss of given examples and their error rate, from the same logits
    assert close(
        model.loss(weights, biases, x[0], y[0]),
        [
            hand_mlp(widths, weights, biases, np.broadcast_to(x[0], x.shape), np.broadcast_to(y[0], y.shape))[0][s]
            for s in range(3)
        ],
    )
    errors = (want_logits.argmax(axis=2) != y).mean(axis=1)
    assert close(model.error_rate(weights, biases, x, y), errors)
    assert np.any(errors != 0.5)  # so that the rate of correct answers differs from it


def test_gradients_agree_with_central_differences_of_the_hand_loss():
    """An independent second check of the hand backward pass itself: its gradient is the
    derivative of its loss (central differences, step 1e-6)."""
    widths = (4, 3, 5, 3)
    rng = np.random.default_rng(5)
    model = MLP(widths)
    weights, biases = model.init(2, rng)
    biases = [rng.normal(scale=0.6, size=b.shape) for b in biases]
    x, y = rng.normal(size=(2, 3, 4)), rng.integers(0, 3, size=(2, 3))
    _, grads_w, grads_b = model.loss_and_gradients(weights, biases, x, y)
    eps = 1e-6
    for params, grads in ((weights, grads_w), (biases, grads_b)):
        for array, grad in zip(params, grads, strict=True):
            for index in list(np.ndindex(array.shape))[::3]:
                keep = array[index]
                array[index] = keep + eps
                up = hand_mlp(widths, weights, biases, x, y)[0][index[0]]
                array[index] = keep - eps
                down = hand_mlp(widths, weights, biases, x, y)[0][index[0]]
                array[index] = keep
                assert abs((up - down) / (2 * eps) - grad[index]) <= 1e-7


def test_relu_derivative_at_zero_is_zero():
    """An example whose input is 0 with zero first-layer biases sits at z = 0 exactly: its
    gradient passes no error to the first layer's biases (relu'(0) = 0, the left derivative)."""
    model = MLP((4, 3, 2))
    rng = np.random.default_rng(8)
    weights, biases = model.init(1, rng)
    biases[1] = rng.normal(size=biases[1].shape)
    x, y = np.zeros((1, 1, 4)), np.array([[1]])
    _, grads_w, grads_b = model.loss_and_gradients(weights, biases, x, y)
    assert np.all(grads_b[0] == 0) and np.all(grads_w[0] == 0) and np.all(grads_w[1] == 0)
    assert np.all(grads_b[1] != 0)


def test_logit_gradient_log_softmax_and_cross_entropy_by_hand():
    rng = np.random.default_rng(3)
    z = rng.normal(scale=2.3, size=(2, 5, 4))
    y = rng.integers(0, 4, size=(2, 5))
    want_log = np.array([[[v - math.log(sum(math.exp(w) for w in row)) for v in row] for row in seed] for seed in z])
    assert close(log_softmax(z), want_log)
    want_delta = np.exp(want_log)
    for s in range(2):
        for n in range(5):
            want_delta[s, n, y[s, n]] -= 1.0
    assert close(logit_gradient(log_softmax(z), y), want_delta / 5)
    want_ce = [-sum(want_log[s, n, y[s, n]] for n in range(5)) / 5 for s in range(2)]
    assert close(cross_entropy(log_softmax(z), y), want_ce)
    # computed from z - max z: logits near 900 (exp overflows) give the same as near 0
    assert close(log_softmax(z + 900.0), want_log, 1e-11)


def test_init_draws_uniform_grid_unit_weights_and_zero_biases():
    model = MLP((5, 4, 3, 6))
    weights, biases = model.init(3, np.random.default_rng(17))
    stream = np.random.default_rng(17)
    for (a, b), u, bias in zip([(5, 4), (4, 3), (3, 6)], weights, biases, strict=True):
        assert np.array_equal(u, stream.uniform(-1.0, 1.0, size=(3, a, b)))
        assert bias.shape == (3, 1, b) and np.all(bias == 0)
    assert len(weights) == len(biases) == 3


def test_mlp_validation_messages_and_limits():
    for widths in [(5, 1, 3), (5, 4, 1, 3), (1, 2, 1)]:
        MLP(widths)  # one or two hidden layers, widths down to 1
    for widths in [(5, 3), (5, 4, 3, 2, 3)]:
        with pytest.raises(
            InputError, match=rf"^{re.escape(f'hidden (--model) must give 1 or 2 hidden layers, got widths {widths}')}$"
        ):
            MLP(widths)
    with pytest.raises(InputError, match=rf"^{re.escape('layer widths (--width) must be >= 1, got (5, 0, 3)')}$"):
        MLP((5, 0, 3))


def test_mlp_is_frozen_and_refuses_a_wrong_number_of_layers():
    model = MLP((5, 4, 3))
    with pytest.raises(dataclasses.FrozenInstanceError):
        model.widths = (5, 3)  # type: ignore[misc]
    weights, biases = model.init(2, np.random.default_rng(0))
    with pytest.raises(ValueError):
        model.logits(weights[:1], biases[:1], np.zeros((3, 5)))


@pytest.mark.parametrize("missing", ["scales", "init", "logits", "loss_and_gradients"])
def test_a_network_must_define_every_abstract_member(missing):
    members = {
        "scales": property(lambda self: [0.3]),
        "init": lambda self, n, rng: ([], []),
        "logits": lambda self, w, b, x: x,
        "loss_and_gradients": lambda self, w, b, x, y: (x, [], []),
    }
    complete = type("Complete", (Network,), dict(members))()
    logits = np.array([[[0.3, -1.7, 0.9], [2.1, 0.4, -0.2]]])
    assert close(complete.error_rate([], [], logits, np.array([0, 0])), [0.5])  # the shared members work
    del members[missing]
    partial = type("Partial", (Network,), members)
    with pytest.raises(TypeError, match=missing):
        partial()


# ----------------------------------------------------------------------------- grids, options, schedule


def test_weight_grids_are_the_even_levels_on_minus_one_to_one():
    assert weight_grid(1) == Grid.binary()
    for bits in (2, 3, 5):
        grid = weight_grid(bits)
        assert close(grid.points(), grid_points(bits)) and grid.delta == pytest.approx(2 / (2**bits - 1), rel=1e-15)
    with pytest.raises(InputTypeError, match=r"^--bits must be an integer, got bool$"):
        weight_grid(True)
    with pytest.raises(InputTypeError, match=r"^--bits must be an integer, got float$"):
        weight_grid(3.0)
    with pytest.raises(InputError, match=r"^--bits must be >= 1, got 0$"):
        weight_grid(0)


def test_method_model_and_optimizer_names():
    assert METHODS == ("fp", "bc", "sr", "r") and MODELS == ("mlp", "cnn")
    assert optimizers.OPTIMIZERS == ("sgd", "adam")


def test_train_config_defaults_are_the_documented_signature():
    config = TrainConfig("sr")
    assert (config.bits, config.lr, config.batch, config.steps, config.hidden, config.n_seeds) == (
        1,
        1.0,
        32,
        1000,
        (64,),
        5,
    )
    assert (config.decay_every, config.decay, config.model, config.optimizer) == (0, 1.0, "mlp", "sgd")
    assert config.checkpoints == () and config.snapshots == () and config.audit == ()
    config.validate(tiny_data(n_train=40))  # the defaults are valid (32 examples a batch)
    assert config.rate(999) == 1.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.lr = 0.3  # type: ignore[misc]


def good(**changes) -> TrainConfig:
    return TrainConfig(
        **{"method": "sr", "bits": 2, "lr": 0.37, "batch": 3, "steps": 6, "hidden": (3,), "n_seeds": 2, **changes}
    )


ACCEPTED = [
    {},
    {"batch": 13},
    {"batch": 1, "steps": 1, "n_seeds": 1},
    {"snapshots": (0, 6), "checkpoints": (1, 6), "audit": (0, 5)},
    {"decay_every": 0, "decay": 1.0},
    {"decay_every": 3, "decay": 0.55},
    {"lr": 0.37},
    {"lr": 1e-300},
    {"method": "fp"},
    {"method": "bc", "bits": 1},
    {"method": "r", "optimizer": "adam"},
]


@pytest.mark.parametrize("changes", ACCEPTED)
def test_options_at_their_limits_are_accepted(changes):
    good(**changes).validate(tiny_data())


REFUSED = [
    ({"method": "adam"}, InputError, "--method must be one of fp, bc, sr, r, got 'adam'"),
    ({"model": "resnet"}, InputError, "--model must be one of mlp, cnn, got 'resnet'"),
    ({"optimizer": "rmsprop"}, InputError, "--optimizer must be one of sgd, adam, got 'rmsprop'"),
    ({"bits": 0}, InputError, "--bits must be >= 1, got 0"),
    ({"bits": 2.0}, InputTypeError, "--bits must be an integer, got float"),
    ({"batch": 0}, InputError, "--batch must be an integer >= 1, got 0"),
    ({"batch": 3.0}, InputError, "--batch must be an integer >= 1, got 3.0"),
    ({"batch": True}, InputError, "--batch must be an integer >= 1, got True"),
    ({"steps": 0}, InputError, "--steps must be an integer >= 1, got 0"),
    ({"steps": 6.0}, InputError, "--steps must be an integer >= 1, got 6.0"),
    ({"n_seeds": 0}, InputError, "--seeds must be an integer >= 1, got 0"),
    ({"n_seeds": 2.0}, InputError, "--seeds must be an integer >= 1, got 2.0"),
    ({"batch": 14}, InputError, "--batch must be at most the 13 training examples, got 14"),
    ({"snapshots": (3, 7)}, InputError, "snapshots must lie in 0 .. steps=6, got (3, 7)"),
    ({"snapshots": (-1,)}, InputError, "snapshots must lie in 0 .. steps=6, got (-1,)"),
    ({"checkpoints": (0, 3)}, InputError, "checkpoints must lie in 1 .. steps=6, got (0, 3)"),
    ({"checkpoints": (7,)}, InputError, "checkpoints must lie in 1 .. steps=6, got (7,)"),
    ({"audit": (6,)}, InputError, "audit steps must lie in 0 .. steps - 1 = 5, got (6,)"),
    ({"audit": (-1, 2)}, InputError, "audit steps must lie in 0 .. steps - 1 = 5, got (-1, 2)"),
    ({"decay_every": -1, "decay": 0.55}, InputError, "decay_every must be >= 0 and decay in (0, 1], got -1, 0.55"),
    ({"decay_every": 3, "decay": 0.0}, InputError, "decay_every must be >= 0 and decay in (0, 1], got 3, 0.0"),
    ({"decay_every": 3, "decay": 1.3}, InputError, "decay_every must be >= 0 and decay in (0, 1], got 3, 1.3"),
    ({"lr": 0.0}, InputError, "--lr must be a number > 0, got 0.0"),
    ({"lr": -0.37}, InputError, "--lr must be a number > 0, got -0.37"),
    ({"lr": float("inf")}, InputError, "--lr must be a number > 0, got inf"),
    ({"lr": float("nan")}, InputError, "--lr must be a number > 0, got nan"),
    ({"lr": True}, InputError, "--lr must be a number > 0, got True"),
    ({"lr": "0.37"}, InputError, "--lr must be a number > 0, got '0.37'"),
]


@pytest.mark.parametrize("changes,error,message", REFUSED)
def test_bad_options_are_refused_with_their_exact_message(changes, error, message):
    with pytest.raises(error, match=rf"^{re.escape(message)}$"):
        good(**changes).validate(tiny_data())
    with pytest.raises(error, match=rf"^{re.escape(message)}$"):
        train(tiny_data(), good(**changes), np.random.default_rng(0))


def test_step_size_schedule_indexing():
    config = good(lr=0.37, decay_every=3, decay=0.55, steps=10)
    assert [config.rate(t) for t in range(8)] == pytest.approx([0.37 * 0.55 ** (t // 3) for t in range(8)], rel=1e-15)
    assert [config.rate(t) for t in (0, 2, 3, 5, 6)] == pytest.approx([0.37, 0.37, 0.2035, 0.2035, 0.111925], rel=1e-14)
    assert [good(lr=0.37).rate(t) for t in (0, 1, 7)] == [0.37, 0.37, 0.37]


def test_build_model_is_the_mlp_or_the_cnn_of_the_data():
    data = tiny_data(n_features=23)
    assert build_model(good(hidden=(4, 3)), data) == MLP((23, 4, 3, 3))
    cnn = build_model(good(hidden=(3, 2, 4), model="cnn"), data)
    assert isinstance(cnn, CNN) and (cnn.length, cnn.n_classes, cnn.channels) == (23, 3, (3, 2, 4))


def blas_threads() -> dict[str, int]:
    return {
        info["filepath"]: info["num_threads"] for info in threadpoolctl.threadpool_info() if info["user_api"] == "blas"
    }


def test_the_cnn_trains_with_one_blas_thread_and_leaves_the_callers_limit(monkeypatch):
    seen = []
    real = CNN.loss_and_gradients

    def spy(self, *args):
        seen.append(blas_threads())
        return real(self, *args)

    monkeypatch.setattr(CNN, "loss_and_gradients", spy)
    data = tiny_data(n_features=23)
    with threadpoolctl.threadpool_limits(limits=3, user_api="blas"):
        before = blas_threads()
        train(data, good(hidden=(3, 2, 4), model="cnn", steps=2), np.random.default_rng(1))
        after = blas_threads()
    # a library loaded under OPENBLAS_NUM_THREADS=1 may stay at 1 thread; one at least must not
    assert max(before.values()) > 1 and after == before
    assert seen == [dict.fromkeys(before, 1)] * 2


# ----------------------------------------------------------------------------- minibatches and the split


@pytest.mark.parametrize("n_train,batch", [(12, 4), (14, 5)])
def test_every_seed_walks_its_own_epochs_without_repeats(n_train, batch):
    data = tiny_data(n_train=n_train)
    batches = _Batches(data, 3, batch, np.random.default_rng(4))
    per_epoch = n_train // batch
    epochs = []
    for _ in range(7):
        drawn = [batches.next() for _ in range(per_epoch)]
        assert all(d.shape == (3, batch) for d in drawn)
        epoch = np.concatenate(drawn, axis=1)
        for s in range(3):
            assert len(set(epoch[s].tolist())) == per_epoch * batch and set(epoch[s].tolist()) <= set(range(n_train))
        epochs.append(epoch)
    assert all(not np.array_equal(e[0], e[1]) for e in epochs)  # seeds differ
    assert not np.array_equal(epochs[0], epochs[1])  # epochs reshuffled


def test_the_split_is_a_stratified_partition_shared_by_every_method():
    labels = np.repeat([0, 1, 2], [11, 7, 9])[np.random.default_rng(2).permutation(27)]
    train_index, test_index = stratified_split(labels, 0.3, 5)
    assert not set(train_index.tolist()) & set(test_index.tolist())
    assert sorted([*train_index.tolist(), *test_index.tolist()]) == list(range(27))
    assert [int(np.sum(labels[test_index] == c)) for c in range(3)] == [round(0.3 * 11), round(0.3 * 7), round(0.3 * 9)]
    data = tiny_data()
    fingerprints = {
        train(data, good(method=m, bits=1, steps=2, optimizer=o), np.random.default_rng(3)).data_fingerprint
        for m in METHODS
        for o in ("sgd", "adam")
    }
    assert fingerprints == {data.fingerprint}


# ----------------------------------------------------------------------------- the training step


def adam_by_hand(history: list[np.ndarray], rates: list[float]) -> list[np.ndarray]:
    m = v = np.zeros_like(history[0])
    out = []
    for t, (g, a) in enumerate(zip(history, rates, strict=True), start=1):
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        out.append(a * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8))
    return out


STEPS = 5
RUNS = [
    (m, b, o) for m, b in (("fp", 1), ("bc", 1), ("sr", 1), ("r", 2), ("sr", 3), ("bc", 2)) for o in ("sgd", "adam")
]


def run(method, bits, optimizer, seed=6, **changes):
    lr = 0.43 if optimizer == "adam" else 3.7
    fields = {
        "method": method,
        "bits": bits,
        "lr": lr,
        "batch": 4,
        "steps": STEPS,
        "hidden": (3,),
        "n_seeds": 3,
        "decay_every": 2,
        "decay": 0.55,
        "checkpoints": (2, 4),
        "snapshots": (0, 3, STEPS),
        "optimizer": optimizer,
        "audit": tuple(range(STEPS)),
        **changes,
    }
    config = TrainConfig(**fields)
    data = tiny_data()
    return data, config, train(data, config, np.random.default_rng(seed))


@pytest.mark.parametrize("method,bits,optimizer", RUNS)
def test_every_step_is_the_rule_applied_to_the_gradient_at_the_deployed_weights(method, bits, optimizer):
    data, config, result = run(method, bits, optimizer)
    widths = (data.n_features, 3, data.n_classes)
    records = result.audit
    assert [r.step for r in records] == list(range(STEPS))
    rates = [config.lr * config.decay ** (t // config.decay_every) for t in range(STEPS)]
    biases = [b.copy() for b in records[0].biases_before]
    assert all(np.all(b == 0) for b in biases)
    grad_history: list[list[np.ndarray]] = []
    bias_history: list[list[np.ndarray]] = []
    clipped = moved_somewhere = 0
    # the hand bias gradients differ from the code's by rounding (1e-16); ADAM divides a gradient
    # near 0 by eps = 1e-8, so its bias steps may differ by a 1e-16 / 1e-8 per step
    bias_tol = 1e-12 if optimizer == "sgd" else STEPS * config.lr * 1e-16 / 1e-8
    for t, record in enumerate(records):
        assert record.index.shape == (3, 4)
        assert all(close(b, want, bias_tol) for b, want in zip(record.biases_before, biases, strict=True))
        # the forward pass used the deployed weights of the state (BC: their nearest rounding)
        for forward, state in zip(record.forward, record.state_before, strict=True):
            if method == "bc":
                assert close(forward, hand_nearest(state, bits)) and np.all(np.abs(state) <= 1)
            else:
                assert np.array_equal(forward, state)  # SR and R: no other copy of the weights
            if method != "fp":
                assert on_grid(forward, bits)
        if t:
            assert all(
                np.array_equal(b, a) for b, a in zip(record.state_before, records[t - 1].state_after, strict=True)
            )
        x, y = data.x_train[record.index], data.y_train[record.index]
        _, grads_w, grads_b, _ = hand_mlp(widths, record.forward, record.biases_before, x, y)
        assert all(close(g, want, 1e-10) for g, want in zip(record.gradients, grads_w, strict=True))
        grad_history.append(record.gradients)  # ADAM amplifies a rounding-level difference near g = 0
        bias_history.append(grads_b)
        if optimizer == "sgd":
            steps_w = [rates[t] * g for g in grads_w]
            steps_b = [rates[t] * g for g in grads_b]
        else:
            steps_w = [adam_by_hand([h[k] for h in grad_history], rates[: t + 1])[-1] for k in range(2)]
            steps_b = [adam_by_hand([h[k] for h in bias_history], rates[: t + 1])[-1] for k in range(2)]
        assert all(close(s, want, 1e-9) for s, want in zip(record.steps, steps_w, strict=True))
        biases = [b - s for b, s in zip(biases, steps_b, strict=True)]
        for before, step, after, deployed in zip(
            record.state_before, record.steps, record.state_after, record.deployed_after, strict=True
        ):
            moved = before - step
            if method == "fp":
                assert close(after, moved) and np.array_equal(deployed, after)
            elif method == "bc":
                assert close(after, np.clip(moved, -1.0, 1.0)) and close(deployed, hand_nearest(after, bits))
                clipped += int(np.sum(np.abs(moved) > 1))
            elif method == "r":
                assert close(after, hand_nearest(moved, bits)) and np.array_equal(deployed, after)
            else:  # sr: one of the two grid points around U - s (its clip to [-1, 1])
                points = grid_points(bits)
                target = np.clip(moved, -1.0, 1.0)
                low = points[np.clip(np.searchsorted(points, target + 1e-12, side="right") - 1, 0, len(points) - 1)]
                high = points[np.clip(np.searchsorted(points, target - 1e-12, side="left"), 0, len(points) - 1)]
                assert on_grid(after, bits) and np.all((np.abs(after - low) <= 1e-12) | (np.abs(after - high) <= 1e-12))
                assert np.array_equal(deployed, after)
            moved_somewhere += int(
                np.sum(np.abs(deployed - (before if method != "bc" else hand_nearest(before, bits))) > 0)
            )
        # how many deployed weights changed, layer by layer and seed by seed
        counts = [
            np.count_nonzero(d != f, axis=(1, 2)) for d, f in zip(record.deployed_after, record.forward, strict=True)
        ]
        assert np.array_equal(result.changed[t], np.array(counts))
    assert moved_somewhere > 0 and (method != "bc" or clipped > 0)  # the cases the checks rely on occur
    assert result.changed.shape == (STEPS, 2, 3) and result.layer_sizes == (5 * 3, 3 * 3)
    assert all(np.array_equal(f, a) for f, a in zip(result.final_state, records[-1].state_after, strict=True))
    assert all(np.array_equal(f, a) for f, a in zip(result.final_deployed, records[-1].deployed_after, strict=True))
    # snapshots of the first layer before steps 0 and 3 and at the end
    assert result.deployed.shape == result.latent.shape == (3, 3, 5, 3)
    for snap, when in enumerate((0, 3)):
        assert np.array_equal(result.deployed[snap], records[when].forward[0])
        assert np.array_equal(result.latent[snap], records[when].state_before[0])
    assert np.array_equal(result.deployed[2], result.final_deployed[0])
    assert np.array_equal(result.latent[2], result.final_state[0])
    # test errors and training losses after steps 2 and 4, and the final errors, from the hand biases
    final = [*[r.biases_before for r in records[1:]], biases]
    assert result.checkpoint_errors.shape == result.checkpoint_losses.shape == (2, 3)
    n_train = len(data.y_train)
    for row, after in enumerate((2, 4)):
        weights = records[after - 1].deployed_after
        _, _, _, logits = hand_mlp(
            widths,
            weights,
            final[after - 1],
            np.broadcast_to(data.x_test, (3, *data.x_test.shape)),
            np.broadcast_to(data.y_test, (3, len(data.y_test))),
        )
        assert close(result.checkpoint_errors[row], (logits.argmax(axis=2) != data.y_test).mean(axis=1))
        loss, *_ = hand_mlp(
            widths,
            weights,
            final[after - 1],
            np.broadcast_to(data.x_train, (3, *data.x_train.shape)),
            np.broadcast_to(data.y_train, (3, n_train)),
        )
        assert close(result.checkpoint_losses[row], loss)
    for x, y, got in ((data.x_test, data.y_test, result.test_error), (data.x_train, data.y_train, result.train_error)):
        _, _, _, logits = hand_mlp(
            widths, result.final_deployed, biases, np.broadcast_to(x, (3, *x.shape)), np.broadcast_to(y, (3, len(y)))
        )
        assert close(got, (logits.argmax(axis=2) != y).mean(axis=1))


def test_every_method_starts_from_the_same_initial_weights():
    """FP's and BC's first state is the uniform initialisation; R starts from its nearest
    rounding, SR from a stochastic rounding of it (one of the two grid points around it)."""
    starts = {m: run(m, 2, "sgd")[2].audit[0].state_before for m in METHODS}
    for layer, u0 in enumerate(starts["fp"]):
        assert np.all(np.abs(u0) <= 1) and not on_grid(u0, 2)
        assert np.array_equal(starts["bc"][layer], u0)
        assert close(starts["r"][layer], hand_nearest(u0, 2))
        sr = starts["sr"][layer]
        assert on_grid(sr, 2) and np.all(np.abs(sr - u0) < 2 / 3 + 1e-12)


def test_no_snapshots_and_no_checkpoints_give_empty_arrays_of_the_right_shape():
    _, _, result = run("sr", 1, "sgd", checkpoints=(), snapshots=(), audit=())
    assert result.deployed.shape == result.latent.shape == (0, 3, 5, 3)
    assert result.checkpoint_errors.shape == result.checkpoint_losses.shape == (0, 3)
    assert result.audit == ()


def test_change_fractions_of_a_result():
    changed = np.array([[[3, 0], [5, 2]], [[1, 4], [0, 6]], [[7, 7], [2, 1]]])  # (steps, layers, seeds)
    result = TrainResult(*([np.zeros(2)] * 4), changed, (11, 7), *([np.zeros(0)] * 2), [], [], "", ())
    assert close(result.changes, [[3 / 11, 0], [1 / 11, 4 / 11], [7 / 11, 7 / 11]])
    assert close(result.flip_rate, [[8 / 18, 2 / 18], [1 / 18, 10 / 18], [9 / 18, 8 / 18]])
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.layer_sizes = (3,)  # type: ignore[misc]
    record = StepAudit(0, np.zeros((1, 1)), [], [], [], [], [], [], [])
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.step = 2  # type: ignore[misc]


# ----------------------------------------------------------------------------- the optimisers


def test_bias_correction_and_sgd():
    assert optimizers.bias_correction(0.83, 5) == pytest.approx(1 - 0.83**5, rel=1e-15)
    g = [np.array([0.3, -1.7]), np.array([[2.9]])]
    steps = optimizers.SGD(g).steps(g, 0.37)
    assert all(close(s, 0.37 * x) for s, x in zip(steps, g, strict=True))
    assert isinstance(optimizers.make("sgd", g), optimizers.SGD) and isinstance(
        optimizers.make("adam", g), optimizers.Adam
    )


def test_adam_moments_bias_correction_and_steps_are_kingma_and_bas_recurrence():
    rng = np.random.default_rng(9)
    shapes = [(3, 2), (1, 4)]
    # gradients down to 3e-9, where eps = 1e-8 in the denominator shows
    history = [[rng.normal(size=s) * 10.0 ** rng.integers(-9, 1, size=s) for s in shapes] for _ in range(6)]
    rates = [0.37, 0.37, 0.23, 0.23, 0.13, 0.13]
    adam = optimizers.Adam([np.zeros(s) for s in shapes])
    got = [adam.steps([g.copy() for g in grads], rate) for grads, rate in zip(history, rates, strict=True)]
    assert adam.t == 6
    for k in range(2):
        want = adam_by_hand([h[k] for h in history], rates)
        assert all(close(g[k], w, 1e-12) for g, w in zip(got, want, strict=True))
        m = v = 0.0
        for grads in history:
            m = 0.9 * m + 0.1 * grads[k]
            v = 0.999 * v + 0.001 * grads[k] ** 2
        assert close(adam.m[k], m, 1e-13) and close(adam.v[k], v, 1e-13)
    with pytest.raises(ValueError):
        adam.steps(history[0][:1], 0.37)
