"""Build figures: compute (or load from the cache), save data and sidecar, draw PNG and PDF.

For each figure ``NAME`` the output directory receives ``NAME.png``, ``NAME.pdf``, the data
``NAME.npz`` and ``NAME.json``: the parameters, seed, mode, package version, git commit, the
data file, and how long the build took.  Each file is written atomically (a temporary file
renamed into place), the sidecar ``NAME.json`` last, so an interrupted build leaves no
half-written file and no sidecar for a figure whose files are incomplete.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from qnets.figures.cache import Cache
from qnets.figures.checks import cached_verdicts
from qnets.figures.output import atomic_path, write_json
from qnets.figures.provenance import code_hash, git_commit, package_version
from qnets.figures.spec import FigureSpec
from qnets.figures.style import save

from qnets.claims.verdict import SEED
from qnets.errors import InputError


@dataclass(frozen=True)
class BuiltFigure:
    """A figure on disk: its spec and the files written."""

    spec: FigureSpec
    png: Path
    pdf: Path
    data: Path
    sidecar: Path


def build_figure(spec: FigureSpec, out: Path, quick: bool, cache: Cache, seed: int = SEED) -> BuiltFigure:
    """Compute (or load) the data of ``spec``, then write data, sidecar, PNG and PDF into ``out``.

    ``seed`` replaces the figure's own seed parameter (if it has one) and seeds the checks of a
    figure made from verdicts, so it enters the cache keys and the sidecar."""
    started = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    params = spec.parameters(quick)
    if "seed" in params:
        params = {**params, "seed": seed}
    if spec.from_verdicts is not None:
        data = spec.from_verdicts(cached_verdicts(params["claims"], quick, cache, seed=seed))
    elif spec.compute is not None:
        compute = spec.compute
        data = cache.get_or_compute(
            f"figure-{spec.name}", {"params": params, "code": code_hash()}, lambda: compute(params)
        )
    else:
        raise InputError(f"figure {spec.name!r} has neither compute nor from_verdicts")
    stem = out / spec.name
    with atomic_path(stem.with_suffix(".npz")) as temporary:
        np.savez(temporary, **data)  # type: ignore[arg-type]  # numpy's stub types **kwds as allow_pickle
    png, pdf = save(spec.draw(data, params), stem)
    sidecar = stem.with_suffix(".json")
    write_json(
        sidecar,
        {
            "figure": spec.name,
            "title": spec.title,
            "caption": spec.caption,
            "mode": "quick" if quick else "full",
            "parameters": params,
            "seed": params.get("seed"),
            "qnets": package_version(),
            "git_commit": git_commit(),
            "data": stem.with_suffix(".npz").name,
            "seconds": round(time.perf_counter() - started, 2),
        },
    )
    return BuiltFigure(spec, png, pdf, stem.with_suffix(".npz"), sidecar)
