"""What a result depends on and where it was made: code hash, version, git commit, machine."""

from __future__ import annotations

import hashlib
import os
import platform
import subprocess
import sys
from functools import cache
from importlib import metadata
from pathlib import Path

PACKAGES = ("numpy", "scipy", "sympy", "cvxpy", "matplotlib", "hypothesis")
ROOT = Path(__file__).resolve().parent.parent


@cache
def code_hash() -> str:
    """SHA-256 over the sources of ``simulate``, ``theory`` and ``figures`` (cache keys)."""
    digest = hashlib.sha256()
    for package in ("simulate", "theory", "figures"):
        for path in sorted((ROOT / package).rglob("*.py")):
            digest.update(str(path.relative_to(ROOT)).encode())
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
            ["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10, check=False
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
