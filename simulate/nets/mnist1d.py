"""MNIST-1D (Greydanus 2020), generated locally by the ``mnist1d`` package and cached on disk.

Generation is the package's own procedure with its standard arguments,
``mnist1d.data.make_dataset(get_dataset_args())``: ten 12-point templates, one per digit, are
padded, dilated, scaled, translated, given correlated and i.i.d. noise, sheared and resampled to
sequences of length 40; 500 sequences per class, shuffled, of which the first 80 % (4,000) are
the training set and the last 1,000 the test set, the split the authors publish.  The templates
ship inside the package: nothing is downloaded (the package's ``get_dataset``, which tries a
download first, is never called).  :data:`STANDARD_ARGS` records the arguments;
:func:`generate` refuses to run if the installed package's defaults differ from them.

The package seeds numpy's and Python's *global* generators (``set_seed(42)``); :func:`generate`
saves both states before and restores them after, so loading the data changes no global state.

Cache.  The arrays are stored in ``<cache dir>/mnist1d-<key>.npz`` (no pickle), where ``key``
is a SHA-256 of the generation arguments and the package version, and the cache directory is
``$XDG_CACHE_HOME/qnets`` (default ``~/.cache/qnets``).  The file also holds the SHA-256 of its
arrays' contents (:func:`content_hash`); a file whose contents do not match that hash is
regenerated and rewritten (atomically: written to a temporary file, then renamed).  An
unwritable cache directory only costs the regeneration.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import tempfile
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from qnets.errors import InputError

#: ``mnist1d.data.get_dataset_args()`` without its download URL (the published standard set-up).
STANDARD_ARGS: dict[str, Any] = {
    "num_samples": 5000,
    "train_split": 0.8,
    "template_len": 12,
    "padding": [36, 60],
    "scale_coeff": 0.4,
    "max_translation": 48,
    "corr_noise_scale": 0.25,
    "iid_noise_scale": 2e-2,
    "shear_scale": 0.75,
    "shuffle_seq": False,
    "final_seq_length": 40,
    "seed": 42,
}
#: The arrays of a data set, in the order they are stored and hashed.
ARRAYS = ("x_train", "y_train", "x_test", "y_test")


def cache_dir() -> Path:
    """``$XDG_CACHE_HOME/qnets``, or ``~/.cache/qnets`` when ``XDG_CACHE_HOME`` is unset or empty."""
    root = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(root) / "qnets"


def content_hash(arrays: dict[str, np.ndarray]) -> str:
    """SHA-256 (hex) over the names, dtypes, shapes and bytes of ``arrays`` in :data:`ARRAYS` order."""
    digest = hashlib.sha256()
    for name in ARRAYS:
        array = np.ascontiguousarray(arrays[name])
        digest.update(f"{name}:{array.dtype.str}:{array.shape}".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def _package_version() -> str:
    return metadata.version("mnist1d")


def cache_key(args: dict[str, Any]) -> str:
    """The first 16 hex digits of SHA-256 of ``args`` (canonical JSON) and the package version."""
    text = json.dumps({"args": args, "mnist1d": _package_version()}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@contextlib.contextmanager
def _global_generators_restored() -> Iterator[None]:
    """Save numpy's and Python's global generator states and restore them on exit (the package
    reseeds both; qnets itself never uses them)."""
    numpy_state, python_state = np.random.get_state(), random.getstate()  # noqa: NPY002
    try:
        yield
    finally:
        np.random.set_state(numpy_state)  # noqa: NPY002
        random.setstate(python_state)


def generate(args: dict[str, Any] | None = None) -> dict[str, np.ndarray]:
    """Run the package's ``make_dataset`` with ``args``; raw features and labels of both splits.

    Returns ``{"x_train": (n_train, length), "y_train": (n_train,), "x_test", "y_test"}``; the
    package's own scaling (the mean and standard deviation of *all* sequences, test included) is
    left as it is here and undone by the training-set standardisation of
    :func:`qnets.simulate.nets.data.load`, which it commutes with (both are affine maps of one
    scalar).

    Raises
    ------
    InputError
        If ``args`` does not have exactly the keys of :data:`STANDARD_ARGS`.
    RuntimeError
        If the installed package's standard arguments are not :data:`STANDARD_ARGS` (the
        published data set could not be reproduced).
    """
    from mnist1d.data import get_dataset_args, make_dataset
    from mnist1d.utils import ObjectView

    defaults = get_dataset_args(as_dict=True)
    defaults.pop("url", None)
    if defaults != STANDARD_ARGS:
        raise RuntimeError(f"mnist1d {_package_version()} has standard arguments {defaults}, not {STANDARD_ARGS}")
    args = STANDARD_ARGS if args is None else args
    if set(args) != set(STANDARD_ARGS):
        raise InputError(f"args must have exactly the keys {sorted(STANDARD_ARGS)}, got {sorted(args)}")
    with _global_generators_restored():
        raw = make_dataset(ObjectView(dict(args)))
    return {
        "x_train": np.asarray(raw["x"], dtype=float),
        "y_train": np.asarray(raw["y"], dtype=np.int64),
        "x_test": np.asarray(raw["x_test"], dtype=float),
        "y_test": np.asarray(raw["y_test"], dtype=np.int64),
    }


def _read(path: Path) -> dict[str, np.ndarray] | None:
    """The arrays stored at ``path`` if the file exists, is readable and matches its content hash."""
    try:
        with np.load(path, allow_pickle=False) as stored:
            arrays = {name: stored[name] for name in ARRAYS}
            recorded = str(stored["sha256"])
    except (OSError, KeyError, ValueError):
        return None
    return arrays if content_hash(arrays) == recorded else None


def _write(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Store ``arrays`` and their content hash at ``path`` atomically; an unwritable cache is skipped."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, suffix=".npz")
    except OSError:
        return
    try:
        with os.fdopen(descriptor, "wb") as handle:
            payload: dict[str, Any] = {"sha256": np.array(content_hash(arrays)), **arrays}
            np.savez(handle, **payload)
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)


def cached(args: dict[str, Any] | None = None, directory: Path | None = None) -> dict[str, np.ndarray]:
    """The arrays of :func:`generate` (``args`` default :data:`STANDARD_ARGS`), read from the cache
    (``directory``, default :func:`cache_dir`) when a valid copy is there, else generated and stored."""
    args = STANDARD_ARGS if args is None else args
    path = (cache_dir() if directory is None else directory) / f"mnist1d-{cache_key(args)}.npz"
    arrays = _read(path)
    if arrays is None:
        arrays = generate(args)
        _write(path, arrays)
    return arrays
