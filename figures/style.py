"""One plotting style for every figure: colours per method, sizes, and PNG + PDF output.

Figures are built on :class:`matplotlib.figure.Figure` directly (no pyplot state), so they
render headless with the Agg canvas.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib as mpl
from matplotlib.figure import Figure

from qnets.output import atomic_path

COLORS = {
    "sgd": "#1b9e77",
    "r": "#7570b3",
    "sr": "#d95f02",
    "bc": "#1f78b4",
    "bc-deployed": "#a6cee3",
    "bound": "#444444",
    "exact": "#000000",
}
LABELS = {
    "sgd": "SGD",
    "r": "R (nearest rounding)",
    "sr": "SR (stochastic rounding)",
    "bc": "BC real weights",
    "bc-deployed": "BC deployed weights",
}

RC: dict[str, Any] = {
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "legend.fontsize": 7.5,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "lines.linewidth": 1.5,
    "savefig.dpi": 150,
}


def new_figure(rows: int = 1, cols: int = 1, width: float = 6.4, height: float = 4.2) -> tuple[Figure, list]:
    """A figure with a grid of axes (returned flat, row-major), in the house style."""
    with mpl.rc_context(RC):  # type: ignore[arg-type]  # matplotlib types keys as Literal names
        figure = Figure(figsize=(width, height), layout="constrained")
        axes = figure.subplots(rows, cols, squeeze=False)
    return figure, [ax for row in axes for ax in row]


def legend_outside(ax, **options) -> None:
    """The axes' legend right of the axes, clear of every plotted point (constrained layout
    makes room for it)."""
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, **options)


def save(figure: Figure, stem: Path) -> list[Path]:
    """Write ``stem.png`` and ``stem.pdf`` (each atomically); returns both paths."""
    paths = [stem.with_suffix(".png"), stem.with_suffix(".pdf")]
    with mpl.rc_context(RC):  # type: ignore[arg-type]
        for path in paths:
            with atomic_path(path) as temporary:
                figure.savefig(temporary, format=path.suffix[1:])
    return paths
