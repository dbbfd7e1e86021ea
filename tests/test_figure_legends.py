"""Every figure, drawn at the tiny sizes of test_figures: no legend box covers a plotted line's
points, and every labelled artist is in a legend (issue 21)."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from test_figures import TINY, drawn


def _legends(figure):
    return [ax.get_legend() for ax in figure.axes if ax.get_legend() is not None] + list(figure.legends)


def _labelled(figure):
    """Artists a reader is told about: a label not starting with ``_`` and something drawn."""
    out = []
    for ax in figure.axes:
        for artist in [*ax.lines, *ax.collections, *ax.containers, *ax.patches]:
            label = artist.get_label()
            if label and not label.startswith("_"):
                out.append(label)
    return out


@pytest.fixture(scope="module", params=list(TINY))
def rendered(request):
    figure, _ = drawn(request.param)
    FigureCanvasAgg(figure).draw()
    return request.param, figure


def test_no_legend_covers_the_points_of_a_plotted_line(rendered):
    name, figure = rendered
    renderer = figure.canvas.get_renderer()
    boxes = [legend.get_window_extent(renderer) for legend in _legends(figure)]
    for ax in figure.axes:
        for line in ax.lines:
            xy = np.asarray(line.get_xydata(), dtype=float)
            xy = xy[np.all(np.isfinite(xy), axis=1)]
            if not xy.size or not line.get_visible():
                continue
            points = line.get_transform().transform(xy)
            inside_axes = ax.get_window_extent(renderer).contains
            for box in boxes:
                covered = [p for p in points if box.contains(*p) and inside_axes(*p)]
                assert not covered, f"{name}: legend covers {len(covered)} point(s) of {line.get_label()!r}"


def test_every_labelled_artist_is_in_a_legend(rendered):
    name, figure = rendered
    shown = {text.get_text() for legend in _legends(figure) for text in legend.get_texts()}
    missing = [label for label in _labelled(figure) if label not in shown]
    assert not missing, f"{name}: labelled but not in a legend: {missing}"
