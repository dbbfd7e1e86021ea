"""The network claims' tests generate MNIST-1D into a private cache (nothing under the user's home)."""

import pytest
from qnets.simulate.nets import data


@pytest.fixture(scope="session")
def mnist1d_cache(tmp_path_factory):
    """A temporary ``$XDG_CACHE_HOME`` for the rest of the session, ``load``'s cache cleared."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg")))
        data.load.cache_clear()
        yield
    data.load.cache_clear()
