"""qnets: theory verification and simulation for "Training Quantized Nets: A Deeper Understanding".

Li, De, Xu, Studer, Samet, Goldstein, NeurIPS 2017 (arXiv:1706.02379).  Everything the toolkit
installs lives under this one name:

* :mod:`qnets.simulate`: quantizers, problems, methods, schedules, Monte Carlo, exact Markov chains;
* :mod:`qnets.theory`: the sympy derivations of the bounds (C2-C7, M2-M4);
* :mod:`qnets.claims`: the claim registry, its numerical checks and their verdicts;
* :mod:`qnets.figures`: one module per figure and the reproduction report;
* :mod:`qnets.testing`: Hypothesis strategies for users' own bound tests;
* :mod:`qnets.cli`: the ``qnets`` command line.

In the source tree ``simulate/``, ``theory/`` and ``figures/`` are top-level folders; an
installed wheel maps them to ``qnets.simulate``, ``qnets.theory`` and ``qnets.figures``
(``package-dir`` in ``pyproject.toml``).  When this package is imported from a source checkout
(the folders sit beside it), the same mapping is made here, so ``python -m qnets`` works from
the checkout with or without an install.
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parent.parent
if all((_CHECKOUT / name / "__init__.py").is_file() for name in ("simulate", "theory", "figures")):
    __path__.append(str(_CHECKOUT))

try:
    __version__ = metadata.version("qnets")
except metadata.PackageNotFoundError:  # a checkout that was never installed
    __version__ = "0+unknown"

__all__ = ["__version__"]
