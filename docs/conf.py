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
# Offline there are no intersphinx inventories, so a reference to another project's object
# cannot resolve; each one a docstring links to is listed here (everything of qnets must resolve).
nitpick_ignore = [
    ("py:class", "matplotlib.figure.Figure"),  # what a FigureSpec's draw returns (qnets.figures.spec)
]
