"""Output files: checked output directories, atomic writes and strict JSON.

* :func:`prepare_output_dir` checks, before any work, that a directory exists or can be
  created, is a directory and is writable (by creating and removing a probe file); otherwise
  it raises :class:`~qnets.errors.InputError` naming the option.
* :func:`atomic_path` yields a temporary path beside the target; the target is replaced by it
  (``os.replace``, atomic on one file system) only when the block finishes, so a crash or a
  Ctrl-C never leaves a half-written final file.  Temporary names carry the writer's process
  id (``.NAME.tmp-PID.EXT``), so :func:`clean_stale_temporaries` can remove the leftovers of
  processes that were killed, and never those of a live writer.
* :func:`dumps` is the one JSON writer of the toolkit: NaN and infinities become ``null``,
  numpy scalars and arrays become plain numbers and lists, and ``allow_nan=False`` guarantees
  that the text parses with strict parsers (JavaScript's ``JSON.parse``).
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from qnets.errors import InputError

#: ``.NAME.tmp-PID.EXT``: the temporary files of :func:`atomic_path`.
TEMPORARY = re.compile(r"^\..*\.tmp-(?P<pid>\d+)(\.[^.]*)?$")


def prepare_output_dir(path: Path | str, option: str = "--out") -> Path:
    """Create ``path`` if needed, check that it is a writable directory, and remove the temporary
    files that killed writers left in it (see :func:`clean_stale_temporaries`).

    Raises
    ------
    InputError
        Naming ``option``: ``path`` is a file, lies below a file, cannot be created, or is
        not writable.
    """
    path = Path(path)
    for parent in [path, *path.parents]:
        if parent.exists() and not parent.is_dir():
            where = "is a file" if parent == path else f"lies below the file {parent}"
            raise InputError(f"{option} {path} {where}; give a directory")
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".write-probe.tmp-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        raise InputError(f"{option} {path} is not a writable directory ({error.strerror or error})") from None
    clean_stale_temporaries(path)
    return path


def temporary_path(path: Path) -> Path:
    """The temporary sibling of ``path`` used while it is being written (same extension)."""
    return path.with_name(f".{path.stem}.tmp-{os.getpid()}{path.suffix}")


@contextmanager
def atomic_path(path: Path | str) -> Iterator[Path]:
    """Yield a temporary path; on success it replaces ``path``, on any exception it is removed."""
    path = Path(path)
    temporary = temporary_path(path)
    try:
        yield temporary
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_text(path: Path | str, text: str) -> None:
    """Write ``text`` to ``path`` atomically."""
    with atomic_path(path) as temporary:
        temporary.write_text(text)


def _writer_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by someone else
        return True
    return True


def clean_stale_temporaries(directory: Path) -> list[Path]:
    """Remove the temporary files in ``directory`` whose writing process no longer exists."""
    removed = []
    if directory.is_dir():
        for path in directory.iterdir():
            match = TEMPORARY.match(path.name)
            if match and path.is_file() and not _writer_alive(int(match["pid"])):
                path.unlink(missing_ok=True)
                removed.append(path)
    return removed


def jsonable(value: object) -> object:
    """``value`` with NaN/inf as ``None``, numpy scalars/arrays as Python numbers/lists, tuples
    as lists and paths as strings (dict keys become strings)."""
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, np.generic):
        return jsonable(value.item())
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Path):
        return str(value)
    return value


def dumps(value: object, indent: int | None = 2, sort_keys: bool = False) -> str:
    """Strict JSON of ``value`` (see :func:`jsonable`); never emits ``NaN`` or ``Infinity``."""
    return json.dumps(jsonable(value), indent=indent, allow_nan=False, sort_keys=sort_keys)


def write_json(path: Path | str, value: object, sort_keys: bool = False) -> None:
    """Write :func:`dumps` of ``value`` to ``path`` atomically."""
    write_text(path, dumps(value, sort_keys=sort_keys) + "\n")
