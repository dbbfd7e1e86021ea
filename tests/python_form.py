"""A numba module's Python form: the same source file loaded a second time with numba's JIT off.

``numba.core.config.DISABLE_JIT`` is read when a function is decorated, so with it set ``numba.njit``
returns the plain Python function: nothing compiles, coverage sees every line, and a mutant of the
source is judged in seconds instead of a compile per mutant (``.ci/mutation``).  Under
``NUMBA_DISABLE_JIT=1`` the imported module is that already.
"""

from __future__ import annotations

import importlib.util
from types import ModuleType


def python_form(module: ModuleType) -> ModuleType:
    """``module`` re-executed from its file, as ``_<name>_python``, with numba's JIT off."""
    from numba.core import config

    name = "_" + module.__name__.rsplit(".", 1)[-1] + "_python"
    spec = importlib.util.spec_from_file_location(name, module.__file__)
    assert spec is not None and spec.loader is not None
    copy = importlib.util.module_from_spec(spec)
    old, config.DISABLE_JIT = config.DISABLE_JIT, True
    try:
        spec.loader.exec_module(copy)
    finally:
        config.DISABLE_JIT = old
    return copy
