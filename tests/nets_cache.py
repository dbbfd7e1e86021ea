"""A private MNIST-1D cache for the network tests: nothing is written under the user's home."""

import contextlib
from collections.abc import Iterator
from pathlib import Path

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
