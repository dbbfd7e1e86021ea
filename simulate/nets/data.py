"""The data sets of the network studies: scikit-learn's digits and MNIST-1D.

**digits.** ``load_digits`` ships 1,797 real 8x8 grey-scale images of the digits 0-9 (64 features with
values 0..16, about 180 per class) inside the scikit-learn wheel: nothing is downloaded.

The split is stratified and reproducible: within every class the examples are shuffled by a
generator seeded with ``split_seed`` and the first ``round(test_fraction * n_class)`` go to
the test set.  Features are standardised with the mean and standard deviation of the
*training* examples only (a pixel that is constant in training, such as a corner, gets
standard deviation 1), so nothing about the test set leaks into training.

**mnist1d.** MNIST-1D's standard data set (:mod:`qnets.simulate.nets.mnist1d`: generated
locally, cached on disk): 4,000 training and 1,000 test sequences of length 40, 10 classes, the
published split.  The sequences are standardised with one scalar, the mean and standard
deviation of all training values, as the package itself standardises (with all 5,000
sequences); a scalar keeps the signals' shape along the sequence, which the convolutional
network's shared kernels rely on.  Since the package's own scaling is an affine map of one
scalar, the result equals the raw sequences standardised with the training statistics: the
test set's statistics leave no trace.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass

import numpy as np

from qnets.errors import InputError

#: Data sets the studies can load.
DATASETS = ("digits", "mnist1d")
#: Fraction of every class held out for testing.
TEST_FRACTION = 0.25
#: Seed of the train/test split (fixed: every study and seed sees the same split).
SPLIT_SEED = 0


@dataclass(frozen=True)
class Dataset:
    """Standardised training and test examples.

    ``x_train`` has shape ``(n_train, n_features)`` and ``y_train`` ``(n_train,)`` with integer
    labels in ``0 .. n_classes - 1``; likewise for the test set.
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    n_classes: int

    @property
    def n_train(self) -> int:
        """Number of training examples."""
        return len(self.y_train)

    @property
    def n_features(self) -> int:
        """Number of input features."""
        return self.x_train.shape[1]

    @functools.cached_property
    def fingerprint(self) -> str:
        """SHA-256 (hex) of the four arrays' shapes and bytes: equal fingerprints, equal data."""
        digest = hashlib.sha256()
        for array in (self.x_train, self.y_train, self.x_test, self.y_test):
            digest.update(f"{array.dtype.str}:{array.shape}".encode())
            digest.update(np.ascontiguousarray(array).tobytes())
        return digest.hexdigest()

    def shared_examples(self) -> int:
        """Number of test examples whose features equal those of some training example."""
        seen = {row.tobytes() for row in self.x_train}
        return sum(row.tobytes() in seen for row in self.x_test)


def stratified_split(labels: np.ndarray, test_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices ``(train, test)`` of a stratified split, each sorted.

    Parameters
    ----------
    labels:
        Integer class labels, shape ``(n,)``.
    test_fraction:
        Fraction of every class to hold out, in (0, 1).
    seed:
        Seed of the per-class shuffles.

    Returns
    -------
    The training and test indices; together they are a partition of ``0 .. n - 1``.

    Raises
    ------
    InputError
        If ``test_fraction`` is outside (0, 1) or a class would have no training or no test example.
    """
    if not 0.0 < test_fraction < 1.0:
        raise InputError(f"test_fraction must be in (0, 1), got {test_fraction}")
    rng = np.random.default_rng(seed)
    train, test = [], []
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        n_test = round(test_fraction * len(members))
        if not 0 < n_test < len(members):
            raise InputError(f"test_fraction={test_fraction} leaves class {label} without training or test examples")
        test.append(members[:n_test])
        train.append(members[n_test:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


def standardise(x_train: np.ndarray, x_test: np.ndarray, per_feature: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """``(x - mean) / std`` with the training set's mean and std (std 0 -> 1): per feature, or
    (``per_feature=False``) one mean and std over all training values."""
    axis = 0 if per_feature else None
    mean = x_train.mean(axis=axis, keepdims=True)
    std = x_train.std(axis=axis, keepdims=True)
    std[std == 0] = 1.0
    return (x_train - mean) / std, (x_test - mean) / std


@functools.cache
def load(name: str = "digits") -> Dataset:
    """The standardised training and test sets of data set ``name`` (cached; arrays are read-only).

    Raises
    ------
    InputError
        If ``name`` is not one of :data:`DATASETS`.
    """
    if name not in DATASETS:
        raise InputError(f"--dataset must be one of {', '.join(DATASETS)}, got {name!r}")
    if name == "digits":
        from sklearn.datasets import load_digits

        bunch = load_digits()
        features, labels = bunch.data.astype(float), bunch.target.astype(np.int64)
        train, test = stratified_split(labels, TEST_FRACTION, SPLIT_SEED)
        x_train, x_test = standardise(features[train], features[test])
        y_train, y_test = labels[train], labels[test]
    else:
        from qnets.simulate.nets import mnist1d

        raw = mnist1d.cached()
        x_train, x_test = standardise(raw["x_train"], raw["x_test"], per_feature=False)
        y_train, y_test = raw["y_train"], raw["y_test"]
    arrays = (x_train, y_train, x_test, y_test)
    for array in arrays:
        array.flags.writeable = False
    return Dataset(name, *arrays, n_classes=int(max(y_train.max(), y_test.max())) + 1)
