"""qnets: theory verification and simulation for "Training Quantized Nets: A Deeper Understanding".

Li, De, Xu, Studer, Samet, Goldstein, NeurIPS 2017 (arXiv:1706.02379).  Everything the toolkit
installs lives under this one name:

* :mod:`qnets.simulate`: quantizers, problems, methods, schedules, Monte Carlo, exact Markov chains;
* :mod:`qnets.theory`: the sympy derivations of the bounds (C2-C7, M2-M4);
* :mod:`qnets.claims`: the claim registry, its numerical checks and their verdicts;
* :mod:`qnets.figures`: one module per figure, their registry and style;
* :mod:`qnets.pipeline`: cached tasks, their schedule and progress, ``reproduce``, ``sweep`` and
  the report;
* :mod:`qnets.output`: strict JSON, atomic writes and provenance, for every command;
* :mod:`qnets.testing`: Hypothesis strategies and the simulation harness for users' own bound tests;
* :mod:`qnets.cli`: the ``qnets`` command line.

In the source tree ``simulate/``, ``theory/`` and ``figures/`` are top-level folders; the
install (editable or a wheel) maps them to ``qnets.simulate``, ``qnets.theory`` and
``qnets.figures`` (``package-dir`` in ``pyproject.toml``).  Nothing but ``qnets`` is importable
under ``qnets``.
"""

from __future__ import annotations

from importlib import metadata

try:
    __version__ = metadata.version("qnets")
except metadata.PackageNotFoundError:  # a checkout that was never installed
    __version__ = "0+unknown"

__all__ = ["__version__"]
