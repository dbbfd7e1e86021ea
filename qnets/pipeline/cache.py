"""A content-addressed cache of computed arrays that re-checks every entry it reads.

An entry is ``ROOT/<name>-<key>.npz`` where ``key`` is the SHA-256 of everything that
determines the result (a JSON-canonical dict: parameters, seed, code hash).  Besides the
arrays it stores its own key (``__key__``) and a SHA-256 checksum of the arrays' names,
dtypes, shapes and bytes (``__checksum__``).

What the cache guards against, and what it does not:

* **interrupted writes**: entries are written to a temporary file beside the entry and renamed
  into place (``os.replace``, atomic), so a crash or Ctrl-C leaves no partial entry; temporary
  files of writers that no longer exist are removed when the cache is opened;
* **corruption and accidental edits**: a file that does not load, carries another key, whose
  arrays no longer match the stored checksum, or whose content fails the caller's schema
  check (``validate``) is not used: the result is recomputed and the entry rewritten, with a
  warning line on stderr.  A bad entry never aborts a run, and neither does a cache directory
  that cannot be written (the result is then used without being stored);
* **not deliberate forgery**: the checksum is not a signature.  Someone who edits an entry and
  recomputes its checksum, with content that passes the schema check, is believed.  Use
  ``--no-cache`` (or delete ``ROOT``) for results you must not take on trust.

Every lookup is recorded in ``Cache.events`` (``from cache``, ``computed``, or
``recomputed: <reason>``) so that the report can say where each result came from.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qnets.output import atomic_path, clean_stale_temporaries

KEY_FIELD = "__key__"
CHECKSUM_FIELD = "__checksum__"

Arrays = dict[str, np.ndarray]
#: A schema check: raises (any ``Exception``, its message is the reason) when the arrays are unusable.
Validator = Callable[[Arrays], object]


def key_of(description: dict) -> str:
    """SHA-256 of the canonical JSON of ``description``."""
    text = json.dumps(description, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def checksum_of(arrays: Arrays) -> str:
    """SHA-256 over the names, dtypes, shapes and bytes of ``arrays`` (in name order)."""
    digest = hashlib.sha256()
    for name in sorted(arrays):
        array = np.ascontiguousarray(arrays[name])
        digest.update(f"{name}\0{array.dtype.str}\0{array.shape}\0".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


class InvalidEntryError(Exception):
    """A cache entry that cannot be trusted (the message says why)."""


@dataclass(frozen=True)
class CacheEvent:
    """Where one result came from: ``source`` is ``from cache``, ``computed`` or ``recomputed``."""

    name: str
    source: str
    reason: str = ""

    def line(self) -> str:
        """One line for the report."""
        return f"{self.name}: {self.source}" + (f" ({self.reason})" if self.reason else "")


class Cache:
    """``get_or_compute(name, description, compute, validate)`` with the guarantees of the module doc.

    With ``enabled=False`` every call computes (``--no-cache``) and nothing is written.
    """

    def __init__(self, root: Path, enabled: bool = True) -> None:
        self.root = Path(root)
        self.enabled = enabled
        self.events: list[CacheEvent] = []
        self._invalid: dict[str, str] = {}  # key -> why its entry was not used
        if enabled:
            clean_stale_temporaries(self.root)

    def path(self, name: str, key: str) -> Path:
        """Where the entry for ``name`` and ``key`` lives."""
        return self.root / f"{name}-{key[:16]}.npz"

    def _load(self, path: Path, key: str, validate: Validator | None) -> Arrays:
        """The entry's arrays, or :class:`InvalidEntryError` saying why they cannot be used."""
        if not path.is_file():  # a named pipe or a device would block or stream forever
            raise InvalidEntryError("is not a regular file")
        try:
            with np.load(path, allow_pickle=False) as stored:
                arrays = {name: stored[name] for name in stored.files}
        except Exception as error:  # truncated, not a zip, bad member, unreadable
            raise InvalidEntryError(f"unreadable: {type(error).__name__}") from None
        if KEY_FIELD not in arrays or str(arrays.pop(KEY_FIELD)) != key:
            raise InvalidEntryError("key does not match")
        if CHECKSUM_FIELD not in arrays or str(arrays.pop(CHECKSUM_FIELD)) != checksum_of(arrays):
            raise InvalidEntryError("checksum does not match its content")
        if validate is not None:
            try:
                validate(arrays)
            except Exception as error:
                raise InvalidEntryError(f"content fails its schema: {error}") from None
        return arrays

    def _store(self, path: Path, key: str, arrays: Arrays) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            with atomic_path(path) as temporary, open(temporary, "wb") as stream:
                stored = {KEY_FIELD: np.array(key), CHECKSUM_FIELD: np.array(checksum_of(arrays)), **arrays}
                np.savez(stream, **stored)  # type: ignore[arg-type]  # numpy's stub types **kwds as allow_pickle
        except OSError as error:
            print(f"warning: cache: cannot store {path.name} ({error}); the result is used uncached", file=sys.stderr)

    def lookup(self, name: str, description: dict, validate: Validator | None = None) -> Arrays | None:
        """The stored arrays for ``description``, or None (missing, invalid or cache disabled).

        An entry that exists but fails a check is reported on stderr (one warning line) and
        remembered, so that :meth:`store` records the result as recomputed and why.
        """
        if not self.enabled:
            return None
        key = key_of({"name": name, **description})
        path = self.path(name, key)
        if not path.exists() and not path.is_symlink():
            return None
        try:
            found = self._load(path, key, validate)
        except InvalidEntryError as error:
            self._invalid[key] = str(error)
            print(f"warning: cache entry {path.name} {error}; recomputing", file=sys.stderr)
            return None
        self.events.append(CacheEvent(name, "from cache"))
        return found

    def store(self, name: str, description: dict, arrays: Arrays, validate: Validator | None = None) -> Arrays:
        """Record ``arrays`` as computed for ``description`` and store them (unless disabled).

        ``validate`` checks the fresh result too: a failure there is a bug and raises.
        """
        arrays = {k: np.asarray(v) for k, v in arrays.items()}
        if validate is not None:
            validate(arrays)
        key = key_of({"name": name, **description})
        reason = self._invalid.pop(key, "" if self.enabled else "cache disabled")
        self.events.append(CacheEvent(name, "recomputed" if self.enabled and reason else "computed", reason))
        if self.enabled:
            self._store(self.path(name, key), key, arrays)
        return arrays

    def get_or_compute(
        self, name: str, description: dict, compute: Callable[[], Arrays], validate: Validator | None = None
    ) -> Arrays:
        """The cached arrays for ``description``, computing (and storing) them when needed."""
        found = self.lookup(name, description, validate)
        return found if found is not None else self.store(name, description, compute(), validate)
