"""MNIST-1D: local generation, the on-disk cache, the published split and its standardisation."""

import random
import socket

import numpy as np
import pytest
from nets_helpers import private_cache
from qnets.simulate.nets import data as data_module
from qnets.simulate.nets import mnist1d as source
from qnets.simulate.nets.data import standardise

from qnets.errors import InputError

#: A small generation (the standard arguments with 200 sequences) for the tests that generate twice.
SMALL_ARGS = {**source.STANDARD_ARGS, "num_samples": 200}


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    with private_cache(tmp_path_factory) as directory:
        yield directory


@pytest.fixture(scope="module")
def dataset(cache):
    return data_module.load("mnist1d")


def test_the_cache_lives_under_xdg_cache_home(cache, dataset):
    assert source.cache_dir() == cache
    assert [p.name for p in cache.iterdir()] == [f"mnist1d-{source.cache_key(source.STANDARD_ARGS)}.npz"]


def test_published_shapes_and_classes(dataset):
    assert dataset.x_train.shape == (4000, 40) and dataset.x_test.shape == (1000, 40)
    assert dataset.y_train.shape == (4000,) and dataset.y_test.shape == (1000,)
    assert dataset.n_classes == 10 and dataset.n_features == 40
    assert set(dataset.y_train.tolist()) == set(range(10)) == set(dataset.y_test.tolist())


def test_classes_are_balanced_as_the_generator_draws_them(dataset):
    """500 sequences per class, shuffled, split 4000/1000: each class's training count is
    hypergeometric with mean 400 and standard deviation sqrt(4000 * 0.1 * 0.9 * 1000 / 4999)."""
    train, test = np.bincount(dataset.y_train, minlength=10), np.bincount(dataset.y_test, minlength=10)
    assert np.all(train + test == 500)
    sd = np.sqrt(4000 * 0.1 * 0.9 * 1000 / 4999)
    assert np.all(np.abs(train - 400) <= 5 * sd)


def test_train_and_test_sets_share_no_sequence(dataset):
    assert dataset.shared_examples() == 0


def test_standardised_with_one_scalar_from_the_training_set(dataset, cache):
    raw = source.cached(directory=cache)
    assert dataset.x_train.mean() == pytest.approx(0.0, abs=1e-12)
    assert dataset.x_train.std() == pytest.approx(1.0, rel=1e-12)
    mean, std = raw["x_train"].mean(), raw["x_train"].std()
    assert np.allclose(dataset.x_test, (raw["x_test"] - mean) / std, rtol=0, atol=1e-12)
    # the package's own scaling (statistics of all 5,000 sequences) is an affine map of one scalar,
    # which training-set standardisation undoes: any such map gives the same standardised data
    rescaled = standardise(3.0 * raw["x_train"] - 2.0, 3.0 * raw["x_test"] - 2.0, per_feature=False)
    assert np.allclose(rescaled[0], dataset.x_train, atol=1e-12)
    assert np.allclose(rescaled[1], dataset.x_test, atol=1e-12)


def test_generation_is_deterministic_offline_and_leaves_global_generators_alone(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("MNIST-1D generation tried to open a socket")

    def no_download(*args, **kwargs):
        raise AssertionError("mnist1d.data.get_dataset (the downloader) was called")

    import mnist1d.data as package

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(package, "get_dataset", no_download)
    numpy_before, python_before = np.random.get_state(), random.getstate()  # noqa: NPY002
    first, second = source.generate(SMALL_ARGS), source.generate(SMALL_ARGS)
    numpy_after = np.random.get_state()  # noqa: NPY002
    assert numpy_after[0] == numpy_before[0] and np.array_equal(numpy_after[1], numpy_before[1])
    assert numpy_after[2:] == numpy_before[2:] and random.getstate() == python_before
    assert source.content_hash(first) == source.content_hash(second)
    assert first["x_train"].shape == (160, 40) and first["x_test"].shape == (40, 40)
    other = source.generate({**SMALL_ARGS, "seed": 43})
    assert not np.array_equal(other["x_train"], first["x_train"])


def test_cache_is_read_back_verified_and_rewritten_when_corrupt(tmp_path, monkeypatch):
    calls = []
    real_generate = source.generate

    def counting(args=None):
        calls.append(args)
        return real_generate(args)

    monkeypatch.setattr(source, "generate", counting)
    first = source.cached(SMALL_ARGS, tmp_path)
    again = source.cached(SMALL_ARGS, tmp_path)
    assert len(calls) == 1 and source.content_hash(first) == source.content_hash(again)
    (path,) = tmp_path.iterdir()
    stored = dict(np.load(path))
    stored["x_train"] = stored["x_train"] + 1e-9  # contents no longer match the recorded hash
    np.savez(path, **stored)
    repaired = source.cached(SMALL_ARGS, tmp_path)
    assert len(calls) == 2 and source.content_hash(repaired) == source.content_hash(first)
    assert source.cache_key(SMALL_ARGS) != source.cache_key(source.STANDARD_ARGS)


def test_an_unwritable_cache_only_costs_the_generation(tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    arrays = source.cached(SMALL_ARGS, blocker / "qnets")
    assert arrays["x_train"].shape == (160, 40)


def test_generation_arguments_must_be_the_packages(monkeypatch):
    with pytest.raises(InputError, match="args must have exactly the keys"):
        source.generate({"num_samples": 10})
    import mnist1d.data as package

    monkeypatch.setattr(package, "get_dataset_args", lambda as_dict=False: {**SMALL_ARGS, "url": ""})
    with pytest.raises(RuntimeError, match="standard arguments"):
        source.generate()
