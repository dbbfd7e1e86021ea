"""The generated documentation pages (docs/generate.py; the Sphinx build itself is .ci/docs):
one page per registered claim, with its bound as MathML, and every figure with its caption."""

from __future__ import annotations

import importlib.util
from pathlib import Path

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
