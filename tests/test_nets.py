"""Networks on real data: data loading, gradients, training rules, input errors, the CLI."""

import dataclasses
import json

import numpy as np
import pytest
from nets_helpers import max_gradient_error, private_cache
from qnets.simulate.grid import Grid
from qnets.simulate.nets import MLP, TrainConfig, load, studies, train, weight_grid
from qnets.simulate.nets.data import SPLIT_SEED, TEST_FRACTION, standardise, stratified_split

from qnets.cli import main
from qnets.errors import InputError


@pytest.fixture(scope="module")
def digits():
    return load("digits")


@pytest.fixture(scope="module")
def mnist1d(tmp_path_factory):
    with private_cache(tmp_path_factory):
        yield load("mnist1d")


def test_digits_have_the_documented_shapes_and_every_class_on_both_sides(digits):
    assert digits.x_train.shape == (1347, 64) and digits.x_test.shape == (450, 64)
    assert digits.n_classes == 10
    for labels in (digits.y_train, digits.y_test):
        assert set(labels.tolist()) == set(range(10))


def test_split_is_reproducible_stratified_and_a_partition():
    from sklearn.datasets import load_digits

    labels = load_digits().target
    train_a, test_a = stratified_split(labels, TEST_FRACTION, SPLIT_SEED)
    train_b, test_b = stratified_split(labels, TEST_FRACTION, SPLIT_SEED)
    assert np.array_equal(train_a, train_b) and np.array_equal(test_a, test_b)
    assert not np.array_equal(test_a, stratified_split(labels, TEST_FRACTION, SPLIT_SEED + 1)[1])
    assert np.array_equal(np.sort(np.concatenate([train_a, test_a])), np.arange(len(labels)))
    for label in range(10):
        members = np.sum(labels == label)
        assert abs(np.sum(labels[test_a] == label) - TEST_FRACTION * members) <= 0.5


def test_standardisation_uses_training_statistics_only(digits):
    rng = np.random.default_rng(0)
    x_train, x_test = rng.normal(3.0, 2.0, (50, 4)), rng.normal(size=(20, 4))
    x_train[:, 0] = 1.0  # a constant feature
    train_a, test_a = standardise(x_train, x_test)
    train_b, _ = standardise(x_train, x_test * 100 + 7)
    assert np.array_equal(train_a, train_b)  # the test set does not influence the training features
    assert np.allclose(train_a[:, 1:].mean(axis=0), 0) and np.allclose(train_a[:, 1:].std(axis=0), 1)
    assert np.all(train_a[:, 0] == 0)
    assert np.allclose(
        test_a, (x_test - x_train.mean(axis=0)) / np.where(x_train.std(axis=0) == 0, 1, x_train.std(axis=0))
    )
    assert np.allclose(digits.x_train.mean(axis=0), 0)


def test_bad_test_fraction_and_unknown_dataset_are_input_errors():
    with pytest.raises(InputError, match="test_fraction"):
        stratified_split(np.array([0, 0, 1, 1]), 1.5, 0)
    with pytest.raises(InputError, match="--dataset"):
        load("mnist")


@pytest.mark.parametrize("hidden", [(5,), (4, 3)])
def test_gradients_match_central_finite_differences(hidden):
    assert max_gradient_error(MLP((6, *hidden, 3)), 2, 7, (6,), 3) <= 1e-7


def test_seed_axis_is_independent_networks():
    model = MLP((6, 5, 3))
    rng = np.random.default_rng(2)
    weights, biases = model.init(3, rng)
    x, y = rng.normal(size=(3, 4, 6)), rng.integers(0, 3, size=(3, 4))
    loss, grads, _ = model.loss_and_gradients(weights, biases, x, y)
    for k in range(3):
        alone, alone_grads, _ = model.loss_and_gradients(
            [w[k : k + 1] for w in weights], [b[k : k + 1] for b in biases], x[k : k + 1], y[k : k + 1]
        )
        assert np.allclose(alone, loss[k]) and all(
            np.allclose(a[0], g[k]) for a, g in zip(alone_grads, grads, strict=True)
        )


def test_weight_grids_span_minus_one_to_one():
    assert weight_grid(1) == Grid.binary()
    assert np.allclose(weight_grid(2).points(), [-1, -1 / 3, 1 / 3, 1])
    assert len(weight_grid(4).points()) == 16 and weight_grid(4).points()[-1] == pytest.approx(1.0)


@pytest.mark.parametrize("method,bits", [("sr", 1), ("r", 2), ("sr", 4)])
def test_sr_and_r_keep_only_grid_weights(digits, method, bits):
    config = TrainConfig(method, bits, 1.0, 16, 30, (8,), 3, snapshots=(0, 15, 30))
    result = train(digits, config, np.random.default_rng(3))
    assert np.all(weight_grid(bits).contains(result.latent)) and np.array_equal(result.latent, result.deployed)


def test_bc_keeps_clipped_real_weights_and_deploys_their_rounding(digits):
    config = TrainConfig("bc", 1, 5.0, 16, 30, (8,), 3, snapshots=(30,))
    result = train(digits, config, np.random.default_rng(4))
    latent, deployed = result.latent[-1], result.deployed[-1]
    assert np.all(np.abs(latent) <= 1) and not np.all(weight_grid(1).contains(latent))
    assert np.array_equal(deployed, weight_grid(1).nearest(latent))


def test_r_stagnates_when_steps_are_below_half_a_grid_spacing(digits):
    """C8 on a network: lr |g| << Delta/2 on the 4-bit grid, so R never changes a weight."""
    result = train(digits, TrainConfig("r", 4, 1.0, 16, 20, (8,), 2), np.random.default_rng(5))
    assert np.all(result.changes == 0)


@pytest.mark.parametrize(
    "changes,option",
    [
        ({"method": "adam"}, "--method"),
        ({"optimizer": "rmsprop"}, "--optimizer"),
        ({"model": "resnet"}, "--model"),
        ({"audit": (2,)}, "audit"),
        ({"bits": 0}, "--bits"),
        ({"batch": 2000}, "--batch"),
        ({"steps": 0}, "--steps"),
        ({"n_seeds": 0}, "--seeds"),
        ({"lr": -1.0}, "--lr"),
        ({"hidden": (4, 4, 4)}, "--model"),
        ({"hidden": (0,)}, "--width"),
    ],
)
def test_bad_training_options_name_the_option(digits, changes, option):
    config = TrainConfig(**{"method": "sr", "steps": 2, "n_seeds": 1, **changes})
    with pytest.raises(InputError, match=option):
        train(digits, config, np.random.default_rng(0))


def test_nets_command_json_has_mean_and_stderr_for_every_method(capsys):
    assert main(["nets", "--quick", "--json", "--steps", "30", "--seeds", "5", "--bits", "1"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert [row["label"] for row in payload["rows"]] == ["FP", "BC binary", "SR binary", "R binary"]
    for row in payload["rows"]:
        assert row["n_seeds"] == 5 and 0 <= row["test_error"] <= 1 and row["test_error_stderr"] > 0


@pytest.mark.parametrize(
    "argv,option",
    [
        (["--dataset", "cifar10"], "--dataset"),
        (["--model", "resnet"], "--model"),
        (["--method", "adam"], "--method"),
        (["--bits", "0"], "--bits"),
        (["--batch", "5000"], "--batch"),
        (["--optimizer", "rmsprop"], "--optimizer"),
        (["--study", "weights"], "--study"),
        (["--decay", "1.5"], "--decay"),
        (["--model", "cnn", "--width", "0"], "--width"),
    ],
)
def test_nets_command_rejects_bad_input_in_one_line(capsys, argv, option):
    assert main(["nets", "--steps", "2", *argv]) == 2
    message = capsys.readouterr().err.strip()
    assert option in message and "\n" not in message


def test_bench_nets_reports_the_ratio_to_a_loop_over_seeds(mnist1d):
    from qnets.simulate.nets.bench import bench_nets

    report = bench_nets(n_seeds=3, steps=5, cnn_steps=3)
    for prefix in ("", "cnn_"):
        assert report[f"{prefix}speedup"] > 0 and report[f"{prefix}examples_x_seeds_per_s"] > 0
        assert report[f"{prefix}speedup"] == pytest.approx(
            report[f"{prefix}examples_x_seeds_per_s"] / report[f"{prefix}python_loop_examples_x_seeds_per_s"]
        )


TINY_CNN = dataclasses.replace(
    studies.CNN_QUICK,
    n_seeds=2,
    steps=4,
    batch=8,
    hidden=(3, 3, 3),
    bits=(1,),
    batches=(4, 8),
    batch_steps=3,
    rates=(0.04, 0.02),
    horizon=0.08,
    rate_seeds=2,
    optimizers=("sgd", "adam"),
)


def test_adam_rows_leave_the_sgd_rows_of_a_table_unchanged(mnist1d):
    both = studies.table_study(TINY_CNN, 3)
    sgd = studies.table_study(dataclasses.replace(TINY_CNN, optimizers=("sgd",)), 3)
    names = zip(both["optimizers"], both["methods"], both["bits"], strict=True)
    labels = [studies.row_label(m, b, o) for o, m, b in names]
    sgd_rows, adam_rows = ["FP", "BC binary", "SR binary", "R binary"], ["FP-ADAM", "BC-ADAM binary"]
    assert labels == [*sgd_rows, *adam_rows, "SR-ADAM binary", "R-ADAM binary"]
    assert np.array_equal(both["errors"][:4], sgd["errors"])
    assert set(both["fingerprints"].tolist()) == {mnist1d.fingerprint}


def test_cnn_studies_have_their_documented_shapes(mnist1d):
    decay = studies.decay_study(TINY_CNN, 0)
    assert decay["flip_rates"].shape == (2, 4, 2) and decay["rates"].tolist() == [0.02, 0.005, 0.00125, 0.0003125]
    assert studies.flips_per_unit_step(decay).shape == (2, 4, 2)
    assert studies.batch_study(TINY_CNN, 0)["errors"].shape == (2, 2, 2)
    rate = studies.rate_study(TINY_CNN, 0)
    assert rate["steps"].tolist() == [2, 4] and rate["losses"].shape == (3, 2, 2)


@pytest.mark.parametrize("study", ["table", "batch", "lr", "flips"])
def test_nets_command_runs_every_study_on_the_cnn(mnist1d, capsys, study):
    argv = ["nets", "--model", "cnn", "--study", study, "--json", "--seeds", "2", "--width", "3", "--bits", "1"]
    assert main([*argv, "--steps", "4", "--batch", "8", "--optimizer", "adam"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["sizes"]["dataset"] == "mnist1d" and payload["sizes"]["hidden"] == [3, 3, 3]
    assert payload["rows"] and all(row["n_seeds"] == 2 for row in payload["rows"])
    if study == "table":
        assert [row["label"] for row in payload["rows"]][:2] == ["FP-ADAM", "BC-ADAM binary"]


def test_log_flip_fall_is_the_log_ratio_of_quarter_means_with_the_seeds_covariance():
    rng = np.random.default_rng(6)
    first = rng.uniform(1e-3, 2e-3, size=5)
    steps = np.arange(8)  # two steps per quarter
    flip_rates = np.empty((2, 8, 5))
    flip_rates[0] = first  # BC: flat
    flip_rates[1, :2], flip_rates[1, 2:6], flip_rates[1, 6:] = first, first / 3, first / 10  # SR: exactly 10x fewer
    study = {"methods": np.array(["bc", "sr"]), "flip_rates": flip_rates, "rates": 0.25 ** (steps // 2)}
    assert studies.log_flip_fall(study, "bc") == pytest.approx((0.0, 0.0), abs=1e-12)
    fall, stderr = studies.log_flip_fall(study, "sr")
    assert fall == pytest.approx(np.log(10.0)) and stderr == pytest.approx(0.0, abs=1e-12)  # fully correlated
    flip_rates[1, 6:] = rng.permutation(first) / 10  # the same values, paired differently
    _, stderr = studies.log_flip_fall(study, "sr")
    c = np.cov(first, flip_rates[1, 6])
    m1, m4 = first.mean(), flip_rates[1, 6].mean()
    assert stderr == pytest.approx(np.sqrt((c[0, 0] / m1**2 + c[1, 1] / m4**2 - 2 * c[0, 1] / (m1 * m4)) / 5))
    assert studies.flips_per_unit_step(study)[1, :, 0] == pytest.approx(
        [first[0], first[0] / 3 / 0.25, first[0] / 3 / 0.0625, flip_rates[1, 6, 0] / 0.015625]
    )
