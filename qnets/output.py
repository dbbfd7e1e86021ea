"""What every command writes, and what it records about where a result came from.

Output files: checked output directories, atomic writes and strict JSON.

* :func:`prepare_output_dir` checks, before any work, that a directory exists or can be
  created, is a directory and is writable (by creating and removing a probe file); otherwise
  it raises :class:`~qnets.errors.InputError` naming the option.
* :func:`atomic_path` yields a temporary path beside the target; the target is replaced by it
  (``os.replace``, atomic on one file system) only when the block finishes, so a crash, a full
  disk or a Ctrl-C never leaves a half-written final file (a failed write is a
  :class:`~qnets.errors.WriteError` naming the file).  Temporary names carry the writer's process
  id (``.NAME.tmp-PID.EXT``), so :func:`clean_stale_temporaries` can remove the leftovers of
  processes that were killed, and never those of a live writer.
* :func:`dumps` is the one JSON writer of the toolkit: NaN and infinities become ``null``,
  numpy scalars and arrays become plain numbers and lists, and ``allow_nan=False`` guarantees
  that the text parses with strict parsers (JavaScript's ``JSON.parse``).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import platform
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from functools import cache
from importlib import import_module, metadata
from pathlib import Path

import numpy as np

from qnets.errors import InputError, WriteError

#: ``.NAME.tmp-PID.EXT``: the temporary files of :func:`atomic_path`.
TEMPORARY = re.compile(r"^\..*\.tmp-(?P<pid>\d+)(\.[^.]*)?$")


def prepare_output_dir(path: Path | str, option: str = "--out") -> Path:
    """Create ``path`` if needed, check that it is a writable directory, and remove the temporary
    files that killed writers left in it (see :func:`clean_stale_temporaries`).

    Raises
    ------
    InputError
        Naming ``option``: ``path`` is empty, is a file, lies below a file, is too long, cannot be
        created, or is not writable (a read-only or pseudo file system).
    """
    if not str(path).strip():
        raise InputError(f"{option} is empty; give a directory such as qnets-output")
    path = Path(path)
    try:
        for parent in [path, *path.parents]:
            if parent.exists() and not parent.is_dir():
                where = "is a file" if parent == path else f"lies below the file {parent}"
                raise InputError(f"{option} {path} {where}; give a directory")
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".write-probe.tmp-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        shown = str(path) if len(str(path)) <= 80 else f"{str(path)[:40]}...{str(path)[-20:]}"
        raise InputError(f"{option} {shown} is not a writable directory ({error.strerror or error})") from None
    clean_stale_temporaries(path)
    return path


def temporary_path(path: Path) -> Path:
    """The temporary sibling of ``path`` used while it is being written (same extension)."""
    return path.with_name(f".{path.stem}.tmp-{os.getpid()}{path.suffix}")


@contextmanager
def atomic_path(path: Path | str) -> Iterator[Path]:
    """Yield a temporary path; on success it replaces ``path``, on any exception it is removed.

    A write that fails (``OSError``: a full disk, a file system gone read-only) becomes a
    :class:`~qnets.errors.WriteError` naming ``path`` and the cause."""
    path = Path(path)
    temporary = temporary_path(path)
    try:
        yield temporary
        os.replace(temporary, path)
    except BaseException as error:
        with suppress(OSError):
            temporary.unlink(missing_ok=True)
        if isinstance(error, OSError) and not isinstance(error, WriteError):
            raise WriteError(f"could not write {path} ({error.strerror or error})") from None
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


#: The packages whose versions a report's Environment section lists.
PACKAGES = (
    "numpy",
    "scipy",
    "sympy",
    "cvxpy",
    "matplotlib",
    "scikit-learn",
    "numba",
    "mnist1d",
    "hypothesis",
    "dask",
    "distributed",
)
#: The subpackages whose sources determine every result (the cache keys' code hash).
RESULT_PACKAGES = ("qnets.simulate", "qnets.theory", "qnets.claims", "qnets.figures")


def _package_folder(name: str) -> Path:
    """The folder of the (imported) package ``name``: a checkout's top-level folder or site-packages."""
    return Path(import_module(name).__file__ or "").resolve().parent


@cache
def code_hash() -> str:
    """SHA-256 over the sources of the packages of :data:`RESULT_PACKAGES` (cache keys), each file
    named by its path inside its package."""
    digest = hashlib.sha256()
    for package in RESULT_PACKAGES:
        folder = _package_folder(package)
        for path in sorted(folder.rglob("*.py")):
            digest.update(f"{package}/{path.relative_to(folder)}".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def package_version() -> str:
    """The installed ``qnets`` version (``unknown`` if not installed)."""
    try:
        return metadata.version("qnets")
    except metadata.PackageNotFoundError:
        return "unknown"


@cache
def git_commit() -> str | None:
    """``git rev-parse HEAD`` of the source tree, or None outside a git checkout."""
    try:
        done = subprocess.run(
            ["git", "-C", str(_package_folder("qnets")), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def environment() -> dict[str, object]:
    """Versions, platform and core count, for reports and sidecars."""
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return {
        "qnets": package_version(),
        "git_commit": git_commit(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cores": os.cpu_count(),
        "packages": versions,
    }
