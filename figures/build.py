"""Write a figure whose data is computed: save data and sidecar, draw PNG and PDF.

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
from qnets.figures.spec import FigureSpec
from qnets.figures.style import save

from qnets.output import atomic_path, git_commit, package_version, write_json


@dataclass(frozen=True)
class BuiltFigure:
    """A figure on disk: its spec and the files written."""

    spec: FigureSpec
    png: Path
    pdf: Path
    data: Path
    sidecar: Path


def write_figure(
    spec: FigureSpec, params: dict, data: dict[str, np.ndarray], out: Path, quick: bool, seconds: float
) -> BuiltFigure:
    """Write the data, sidecar, PNG and PDF of ``spec`` into ``out`` (``seconds``: the time the
    data took, to which the drawing time is added in the sidecar); every file is written atomically,
    the sidecar last."""
    started = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
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
            "seconds": round(seconds + time.perf_counter() - started, 2),
        },
    )
    return BuiltFigure(spec, png, pdf, stem.with_suffix(".npz"), sidecar)
