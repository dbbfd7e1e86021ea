"""Every cross-reference in a docstring (``:mod:``, ``:func:``, ``:class:`` ...) names an object
that can be imported: absolutely (``qnets.simulate.run``), from the module it appears in
(``run``), or as an attribute or field of a class of that module."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ROLE = re.compile(r":(?:mod|func|class|data|meth|attr|exc|obj):`([^`]+)`")
#: Source folder -> installed package (pyproject's package-dir).
PACKAGES = {"qnets": "qnets", "simulate": "qnets.simulate", "theory": "qnets.theory", "figures": "qnets.figures"}


def _modules() -> list[tuple[Path, str]]:
    found = []
    for folder, package in PACKAGES.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path.name == "__main__.py":  # importing it runs the command line
                continue
            parts = [package, *path.relative_to(ROOT / folder).with_suffix("").parts]
            found.append((path, ".".join(parts[:-1] if parts[-1] == "__init__" else parts)))
    return found


def _attribute_chain(obj: object, names: list[str]) -> bool:
    for name in names:
        if not hasattr(obj, name):
            return False
        obj = getattr(obj, name)
    return True


def resolves(target: str, module: object) -> bool:
    """Whether the cross-reference ``target`` names an importable object (module docstring); a
    name with a leading dot (``.training.StepAudit``) is relative to the module's package."""
    target = target.lstrip("~")
    if target.startswith("."):
        target = f"{getattr(module, '__package__', '')}{target}"
    names = target.lstrip(".").split(".")
    # the source folders are importable only as qnets.* (from a checkout, simulate/ would be found too)
    for split in range(len(names), 0, -1) if names[0] not in set(PACKAGES) - {"qnets"} else ():
        try:
            base = importlib.import_module(".".join(names[:split]))
        except ImportError:
            continue
        return _attribute_chain(base, names[split:])
    if _attribute_chain(module, names):
        return True
    for _, cls in inspect.getmembers(module, inspect.isclass):
        fields = {f.name for f in dataclasses.fields(cls)} if dataclasses.is_dataclass(cls) else set()
        if names[0] in fields or _attribute_chain(cls, names):
            return True
    return False


@pytest.mark.parametrize(("path", "name"), _modules(), ids=[name for _, name in _modules()])
def test_every_docstring_cross_reference_imports(path, name):
    module = importlib.import_module(name)
    dead = [target for target in ROLE.findall(path.read_text()) if not resolves(target, module)]
    assert not dead, f"{path.relative_to(ROOT)}: {dead}"


def test_a_dead_cross_reference_is_found():
    module = importlib.import_module("qnets.claims.harness")
    assert resolves("qnets.simulate.run", module) and resolves("tightest_against", module)
    assert not resolves("simulate.run", module) and not resolves("qnets.claims.convex_checks", module)
