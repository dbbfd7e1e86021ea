"""Packaging: one installed name, every source folder installed, and no shadowing by stray modules."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import qnets

tomllib = pytest.importorskip("tomllib")  # Python >= 3.11

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def _packages_on_disk() -> set[str]:
    """Every folder with an ``__init__.py`` under the package-dir mapping, as a dotted name."""
    mapping = PYPROJECT["tool"]["setuptools"]["package-dir"]
    found = set()
    for name, folder in mapping.items():
        base = ROOT / folder
        for init in base.rglob("__init__.py"):
            found.add(".".join((name, *init.parent.relative_to(base).parts)))
    return found


def test_every_source_package_is_installed_under_the_one_name_qnets():
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    assert all(name == "qnets" or name.startswith("qnets.") for name in listed)
    assert listed == _packages_on_disk()


def test_console_script_and_version():
    assert PYPROJECT["project"]["scripts"] == {"qnets": "qnets.cli:main"}
    assert qnets.__version__ == PYPROJECT["project"]["version"]


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run(
        [sys.executable, "-m", "qnets", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.fixture
def stray_directory(tmp_path: Path) -> Path:
    """A working directory whose ``simulate.py``, ``theory.py`` and ``figures.py`` break on import."""
    for name in ("simulate", "theory", "figures"):
        (tmp_path / f"{name}.py").write_text(f"raise RuntimeError('the stray {name}.py was imported')\n")
    return tmp_path


def test_python_m_qnets_ignores_stray_modules_in_the_working_directory(stray_directory, tmp_path_factory):
    clean = tmp_path_factory.mktemp("clean")
    version = _run(["--version"], stray_directory)
    assert version.returncode == 0 and version.stdout.strip() == f"qnets {qnets.__version__}"
    with_strays = _run(["check", "C1", "E3", "--json"], stray_directory)
    without = _run(["check", "C1", "E3", "--json"], clean)
    assert with_strays.returncode == 0, with_strays.stderr
    assert with_strays.stdout == without.stdout
    assert "stray" not in with_strays.stderr
