"""Sphinx configuration of the qnets documentation (built offline: ``.ci/docs``).

The claim pages and the figure page are generated from the registries at build time
(:mod:`generate`, beside this file), so they cannot drift from the code.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import generate

generate.write_all(Path(__file__).parent / "_generated")

project = "qnets"
author = "The qnets developers"
extensions = ["sphinx.ext.autodoc", "numpydoc", "myst_parser"]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build"]
html_theme = "alabaster"
html_static_path: list[str] = []
# offline: no intersphinx; references to other projects' types are not resolved (see below)
nitpicky = True
autodoc_typehints = "none"  # the numpydoc sections state the types
autodoc_member_order = "bysource"
numpydoc_show_class_members = False
numpydoc_xref_param_type = False
myst_heading_anchors = 3
suppress_warnings = ["myst.xref_missing"]  # the README links into the source tree, not into these pages
# Types of numpy, sympy, matplotlib and the standard library that a docstring names but this
# offline build cannot link to (no intersphinx); everything of qnets must resolve.
nitpick_ignore_regex = [
    ("py:.*", r"(numpy|np|sympy|sp|scipy|matplotlib|collections\.abc|typing|pathlib|concurrent)\..*"),
    ("py:.*", r"(Callable|Sequence|Mapping|Path|Figure)"),
]
