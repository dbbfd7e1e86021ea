"""The generated documentation pages (docs/generate.py; the Sphinx build itself is .ci/docs):
one page per registered claim, with its bound as MathML, and every figure with its caption; and
the API pages (docs/api/), which document every exported name of the packages."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import re
import shutil
import sys
from pathlib import Path

import pytest
from qnets.figures.registry import FIGURES

from qnets.claims.registry import CLAIMS

DOCS = Path(__file__).resolve().parent.parent / "docs"


def _generate():
    spec = importlib.util.spec_from_file_location("docs_generate", DOCS / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_one_page_per_claim_and_every_figure_caption(tmp_path):
    _generate().write_all(tmp_path)
    pages = sorted(p.stem for p in (tmp_path / "claims").glob("*.rst"))
    assert pages == sorted(CLAIMS)
    for claim_id, claim in CLAIMS.items():
        text = (tmp_path / "claims" / f"{claim_id}.rst").read_text()
        assert text.startswith(f"{claim_id} ({claim.source})") and f"qnets check {claim_id}" in text
        assert ("<math" in text) == (claim.bound is not None), claim_id
    index = (tmp_path / "claims.rst").read_text()
    assert all(f"claims/{claim_id}" in index for claim_id in CLAIMS)
    figures = (tmp_path / "figures.rst").read_text()
    for spec in FIGURES.values():
        assert f".. _figure-{spec.name}:" in figures and spec.title in figures


#: An ``automodule`` directive of the API pages and its option lines.
AUTOMODULE = re.compile(r"^\.\. automodule:: (\S+)\n((?:   :.*\n)*)", re.MULTILINE)
#: The packages whose ``__all__`` the API reference documents, and the modules it documents whole.
EXPORTING = ("qnets.simulate", "qnets.simulate.markov", "qnets.simulate.nets", "qnets.claims")
WHOLE = ("qnets.theory.bound", "qnets.theory.convex", "qnets.theory.markov", "qnets.claims.registry")


def _members_documented() -> dict[str, set[str] | None]:
    """Module -> the members its ``automodule`` lists (None: every documented member)."""
    found: dict[str, set[str] | None] = {}
    for page in sorted((DOCS / "api").glob("*.rst")):
        for module, options in AUTOMODULE.findall(page.read_text()):
            members = re.search(r"   :members:(.*)", options)
            if members:
                listed = {name.strip() for name in members[1].split(",") if name.strip()}
                found[module] = listed or None
    return found


def _assigned_in(module: str, name: str) -> list[str]:
    """The lines of ``module``'s source up to the module-level assignment of ``name`` (empty if none)."""
    source = inspect.getsourcefile(importlib.import_module(module))
    lines = Path(source).read_text().splitlines() if source else []
    at = [i for i, line in enumerate(lines) if re.match(rf"{name}\s*[:=]", line)]
    return lines[: at[0] + 1] if at else []


def _home(package: str, name: str) -> tuple[str, bool]:
    """The module that defines the exported ``name`` of ``package`` (for data: the submodule that
    assigns it) and whether autodoc finds its documentation there (a docstring, or a ``#:`` comment)."""
    obj = getattr(importlib.import_module(package), name)
    if callable(obj):
        return obj.__module__, bool(inspect.getdoc(obj))
    modules = [m for m in list(sys.modules) if m.startswith("qnets")]
    homes = [m for m in modules if vars(sys.modules[m]).get(name) is obj and _assigned_in(m, name)]
    assert len(homes) == 1, (package, name, homes)
    return homes[0], _assigned_in(homes[0], name)[-2].startswith("#:")


def test_the_api_reference_documents_every_exported_name():
    """Every name of the packages' ``__all__`` is on an API page, documented where it is defined
    (or, for ``qnets.simulate``, under the package), with a docstring or a ``#:`` comment."""
    documented = _members_documented()
    for module in WHOLE:
        assert module in documented and documented[module] is None, module
    missing = []
    for package in EXPORTING:
        for name in importlib.import_module(package).__all__:
            home, has_doc = _home(package, name)
            where = package if package in documented else home
            listed = documented.get(where, set())
            if not has_doc or (listed is not None and name not in listed):
                missing.append(f"{package}.{name} (in {where})")
    assert not missing, missing


def test_a_name_missing_from_the_api_reference_is_found(tmp_path, monkeypatch):
    shutil.copytree(DOCS / "api", tmp_path / "api")
    page = tmp_path / "api" / "markov.rst"
    directive = ".. automodule:: qnets.simulate.markov.stationary\n   :members:\n"
    assert directive in page.read_text()
    page.write_text(page.read_text().replace(directive, ".. automodule:: qnets.simulate.markov.stationary\n"))
    monkeypatch.setattr(sys.modules[__name__], "DOCS", tmp_path)
    with pytest.raises(AssertionError, match=r"qnets\.simulate\.markov\.stationary\b"):
        test_the_api_reference_documents_every_exported_name()
