"""A content-addressed cache of computed arrays, safe against interruption and tampering.

An entry is ``ROOT/<name>-<key>.npz`` where ``key`` is the SHA-256 of everything that
determines the result (a JSON-canonical dict: parameters, seed, code hash).  Entries are
written to a temporary file in the same directory and renamed into place (``os.replace`` is
atomic), so an interrupted run leaves no partial entry.  On reading, the entry must load and
carry its own key in the field ``__key__``; a truncated, corrupt or foreign file fails that
test and is recomputed and overwritten, never trusted.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

KEY_FIELD = "__key__"


def key_of(description: dict) -> str:
    """SHA-256 of the canonical JSON of ``description``."""
    text = json.dumps(description, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class Cache:
    """``get_or_compute(name, description, compute)`` with the guarantees of the module doc.

    With ``enabled=False`` every call computes (``--no-cache``) and nothing is written.
    """

    def __init__(self, root: Path, enabled: bool = True) -> None:
        self.root = Path(root)
        self.enabled = enabled

    def path(self, name: str, key: str) -> Path:
        """Where the entry for ``name`` and ``key`` lives."""
        return self.root / f"{name}-{key[:16]}.npz"

    def _load(self, path: Path, key: str) -> dict[str, np.ndarray] | None:
        try:
            with np.load(path, allow_pickle=False) as stored:
                if KEY_FIELD not in stored.files or str(stored[KEY_FIELD]) != key:
                    return None
                return {name: stored[name] for name in stored.files if name != KEY_FIELD}
        except Exception:  # missing, truncated, not a zip, bad member: recompute
            return None

    def _store(self, path: Path, key: str, arrays: dict[str, np.ndarray]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.root, prefix=path.name, suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as stream:
                np.savez(stream, **{KEY_FIELD: np.array(key)}, **arrays)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def lookup(self, name: str, description: dict) -> dict[str, np.ndarray] | None:
        """The stored arrays for ``description``, or None (missing, invalid, or cache disabled)."""
        if not self.enabled:
            return None
        key = key_of({"name": name, **description})
        return self._load(self.path(name, key), key)

    def store(self, name: str, description: dict, arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Store ``arrays`` for ``description`` (unless disabled); returns them as arrays."""
        arrays = {k: np.asarray(v) for k, v in arrays.items()}
        if self.enabled:
            key = key_of({"name": name, **description})
            self._store(self.path(name, key), key, arrays)
        return arrays

    def get_or_compute(
        self, name: str, description: dict, compute: Callable[[], dict[str, np.ndarray]]
    ) -> dict[str, np.ndarray]:
        """The cached arrays for ``description``, computing (and storing) them when needed."""
        found = self.lookup(name, description)
        return found if found is not None else self.store(name, description, compute())
