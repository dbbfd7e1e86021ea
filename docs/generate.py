"""The generated pages of the documentation: one page per claim from the claim registry
(statement, source, derived bound, check, figures, notes) and the figures with their captions
from the figure registry."""

from __future__ import annotations

import inspect
import textwrap
from pathlib import Path

from qnets.figures.registry import FIGURES
from qnets.theory.bound import Bound
from qnets.theory.markov import Derivation

from qnets.claims.registry import CLAIMS
from qnets.pipeline.formulas import formula_mathml


def _title(text: str, mark: str) -> str:
    return f"{text}\n{mark * len(text)}\n"


def _formula(bound: Bound | Derivation) -> str:
    """The bound as MathML (rendered by the browser: no JavaScript, no network), then its LaTeX."""
    mathml = formula_mathml(bound) or ""
    block = ".. raw:: html\n\n   <p>" + mathml.replace('display="inline"', 'display="block"') + "</p>\n\n"
    return block + "LaTeX::\n\n" + textwrap.indent(bound.latex(), "   ") + "\n"


def claim_page(claim_id: str) -> str:
    """The reStructuredText of one claim's page."""
    claim = CLAIMS[claim_id]
    module = inspect.getmodule(claim.check)
    parts = [
        _title(f"{claim_id} ({claim.source})", "="),
        claim.statement.replace("|", "\\|").replace("*", "\\*") + "\n",
    ]
    parts.append(f"Module: ``{claim.module}``; notes: ``{claim.notes}``.\n")
    if claim.bound is not None:
        kind = "Derived bound" if isinstance(claim.bound, Bound) else "Derived result"
        parts += [_title(kind, "-"), _formula(claim.bound)]
        if claim.derivation is not None:
            parts.append(f"Derived step by step in ``{claim.derivation}`` (every step machine-checked).\n")
    parts.append(_title("Statement and check", "-"))
    parts.append(
        f"From the claim module ``{claim.module}``::\n\n" + textwrap.indent(inspect.getdoc(module) or "", "   ")
    )
    parts.append(
        "\nThe check, ``check(sizes, seed)``::\n\n" + textwrap.indent(inspect.getdoc(claim.check) or "", "   ")
    )
    parts.append(
        f"\nRe-run it: ``qnets check {claim_id}`` (``--full`` for paper-size runs); its tests: "
        f"``{claim.test_file()}``.\n"
    )
    if claim.figures:
        parts += [_title("Figures", "-"), ", ".join(f":ref:`figure-{name}`" for name in claim.figures) + "\n"]
    return "\n".join(parts)


def figures_page() -> str:
    """The figures, in report order, each with its title and caption."""
    parts = [
        _title("Figures", "="),
        "Build them with ``qnets figures [NAMES...]`` (or all of them with "
        "``qnets reproduce``); each comes as PNG, PDF, data (``.npz``) and parameters (``.json``).\n",
    ]
    for number, spec in enumerate(FIGURES.values(), 1):
        shown = [cid for cid, claim in CLAIMS.items() if spec.name in claim.figures]
        parts += [f".. _figure-{spec.name}:\n", _title(f"Figure {number}: {spec.title}", "-")]
        parts.append(f"``qnets figures {spec.name}``" + (f"; shows {', '.join(shown)}" if shown else "") + ".\n")
        parts.append(spec.caption.replace("|", "\\|").replace("*", "\\*") + "\n")
    return "\n".join(parts)


def write_all(folder: Path) -> None:
    """Write ``claims/<id>.rst``, ``claims.rst`` (the index) and ``figures.rst`` into ``folder``."""
    (folder / "claims").mkdir(parents=True, exist_ok=True)
    for claim_id in CLAIMS:
        (folder / "claims" / f"{claim_id}.rst").write_text(claim_page(claim_id))
    toc = "\n".join(f"   claims/{claim_id}" for claim_id in CLAIMS)
    (folder / "claims.rst").write_text(
        _title("Claims", "=") + "\nOne page per claim of the registry, "
        "in the order of ``claims.md``.\n\n.. toctree::\n   :maxdepth: 1\n\n" + toc + "\n"
    )
    (folder / "figures.rst").write_text(figures_page())
