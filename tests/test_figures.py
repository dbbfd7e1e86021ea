"""Figures, cache and the reproduction report: structure, interrupt safety, failure reporting."""

import dataclasses
import functools
import json
from html.parser import HTMLParser
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from qnets.figures.registry import FIGURES
from qnets.simulate.nets.studies import CNN_QUICK, QUICK

from qnets.claims.registry import CLAIMS
from qnets.claims.verdict import Verdict
from qnets.cli import main
from qnets.pipeline.cache import KEY_FIELD, Cache, key_of
from qnets.pipeline.reproduce import reproduce

matplotlib.use("Agg")

NETS_TINY = QUICK.as_dict() | {"n_seeds": 2, "steps": 20, "bits": (1, 4), "batches": (8, 16), "batch_steps": 10}
NETS_TINY |= {"rates": (1.0, 0.5), "horizon": 5.0, "rate_seeds": 2}
CNN_TINY = CNN_QUICK.as_dict() | {"n_seeds": 2, "steps": 12, "batches": (8, 16), "batch_steps": 6}
CNN_TINY |= {"rates": (0.04, 0.02), "horizon": 0.24, "rate_seeds": 2}
TINY = {
    "convergence": {"steps": 100, "chains": 20},
    "floor-vs-delta": {"deltas": [0.02, 0.05, 0.1, 0.2], "mc_deltas": [0.1], "steps": 200, "chains": 20},
    "floor-vs-lr": {"rates": [0.1, 0.03], "horizon": 5, "chains": 20},
    "toy-1d": {"rates": [0.2, 0.05], "chains": 100, "anneal": 200, "hold": 100, "sr_steps": 100},
    "toy-2d": {"rates": [0.2], "chains": 100, "anneal": 200, "hold": 100, "sr_steps": 100},
    "markov-chain": {"rates": [0.01, 0.05, 0.2], "move_rates": [0.01, 0.05, 0.2]},
    "batch-size": {"batches": [1, 2, 4]},
    "dimension": {"dims": [1, 2, 3, 4], "mc_dims": [1, 2], "chains": 200, "steps": 200},
    "tightness": {},
    **{name: {"sizes": NETS_TINY} for name in ("nets-table", "nets-batch", "nets-lr", "nets-weights")},
    **{name: {"sizes": CNN_TINY} for name in ("cnn-table", "cnn-batch", "cnn-lr", "cnn-weights")},
}


def tiny(spec):
    return dataclasses.replace(spec, parameters=lambda quick, spec=spec: {**spec.parameters(True), **TINY[spec.name]})


def fake_verdict(claim_id, holds=True):
    return Verdict(claim_id, holds, 0.5, 1.0, 0.01, "fake check", {"n": 1})


@functools.cache  # one tiny computation per figure, shared with test_figure_legends in this process
def drawn(name):
    spec = tiny(FIGURES[name])
    params = spec.parameters(True)
    if spec.from_verdicts is not None:
        data = spec.from_verdicts([fake_verdict(c, holds=c != "C4") for c in params["claims"]])
    else:
        data = spec.compute(params)
    return spec.draw(data, params), data


def test_figure_registry_covers_the_issue_list():
    assert list(FIGURES) == list(TINY)
    for spec in FIGURES.values():
        assert spec.caption and spec.title


def test_convergence_figure_has_every_method_and_bound():
    figure, _ = drawn("convergence")
    (ax,) = figure.axes
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert ax.get_xlabel() == "step t" and "F^*" in ax.get_ylabel()
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert len(labels) == 10
    for needed in ("SGD", "R (nearest", "SR (stochastic", "BC real", "BC deployed", "C3 bound", "C6 bound", "E1"):
        assert any(needed in label for label in labels), needed


def test_floor_against_delta_prints_slopes_one_and_two():
    figure, _ = drawn("floor-vs-delta")
    (ax,) = figure.axes
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    slopes = [
        float(t.get_text().split("slope ")[1]) for t in ax.get_legend().get_texts() if "fitted slope" in t.get_text()
    ]
    assert len(slopes) == 2
    assert slopes[0] == pytest.approx(1.0, abs=0.1) and slopes[1] == pytest.approx(2.0, abs=0.3)


def test_floor_against_lr_has_three_methods_with_error_bars():
    figure, _ = drawn("floor-vs-lr")
    (ax,) = figure.axes
    assert len(ax.containers) == 3 and ax.get_xscale() == "log" and ax.get_xlabel() == "constant learning rate a"


def test_toy_1d_has_bc_on_top_and_sr_below_with_one_bar_per_grid_point():
    figure, data = drawn("toy-1d")
    assert len(figure.axes) == 4
    assert [ax.get_title() for ax in figure.axes] == ["BC, a = 0.2", "BC, a = 0.05", "SR, a = 0.2", "SR, a = 0.05"]
    for ax in figure.axes:
        assert len(ax.patches) == data["points"].size


def test_toy_2d_draws_heatmaps_with_contours():
    figure, _ = drawn("toy-2d")
    panels = [ax for ax in figure.axes if ax.get_title()]
    assert len(panels) == 2
    for ax in panels:
        assert len(ax.images) == 1 and ax.get_xlabel() == "$w_1$"


def test_markov_chain_figure_has_three_panels_and_log_mixing_axis():
    figure, _ = drawn("markov-chain")
    _, laws, mixing = figure.axes
    assert mixing.get_xscale() == "log" and mixing.get_yscale() == "log"
    assert len(laws.get_lines()) == 4 and "relaxation" in mixing.get_ylabel()


def test_batch_and_dimension_figures():
    figure, _ = drawn("batch-size")
    assert figure.axes[0].get_xlabel() == "batch size B" and len(figure.axes[0].get_lines()) == 3
    figure, _ = drawn("dimension")
    assert figure.axes[0].get_yscale() == "log" and len(figure.axes[0].containers) == 1


def test_tightness_figure_marks_failing_checks_red():
    figure, data = drawn("tightness")
    (ax,) = figure.axes
    failing = np.flatnonzero(~data["holds"])
    red = [c for c in ax.collections if c.get_label() == "measured / bound: FAILS"]
    assert failing.size == 1 and len(red) == 1 and tuple(red[0].get_facecolors()[0][:3]) == (1.0, 0.0, 0.0)
    assert [tuple(p) for p in red[0].get_offsets()] == [(data["ratios"][failing[0]], failing[0])]


class StrictHTML(HTMLParser):
    """Collects image sources and checks that every non-void tag is closed in order."""

    VOID = frozenset({"meta", "img", "br", "hr", "link", "input"})

    def __init__(self):
        super().__init__()
        self.stack, self.images = [], []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images.append(dict(attrs)["src"])
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack.pop() == tag, f"unbalanced </{tag}>"


@pytest.fixture
def fake_claims():
    claims = {
        cid: dataclasses.replace(c, check=lambda sizes, seed, cid=cid: fake_verdict(cid)) for cid, c in CLAIMS.items()
    }
    claims["C1"] = dataclasses.replace(CLAIMS["C1"], check=lambda sizes, seed: fake_verdict("C1", holds=False))
    return claims


def test_report_has_every_claim_and_figure_and_flags_a_failing_check(tmp_path, fake_claims):
    figures = {name: tiny(spec) for name, spec in FIGURES.items()}
    status = reproduce(tmp_path, quick=True, quiet=True, claims=fake_claims, figures=figures)
    assert status == 1  # the injected failing check sets the exit status
    markdown = (tmp_path / "report.md").read_text()
    for claim_id in CLAIMS:
        assert f"| {claim_id} |" in markdown
    assert "| C1 | FAILS |" in markdown and "**C1** (paper, FAILS)" in markdown
    parser = StrictHTML()
    parser.feed((tmp_path / "report.html").read_text())
    assert not parser.stack
    assert parser.images == [f"{name}.png" for name in FIGURES]
    for image in parser.images:
        assert (tmp_path / image).stat().st_size > 0
    sidecar = json.loads((tmp_path / "convergence.json").read_text())
    assert sidecar["parameters"]["steps"] == 100 and sidecar["data"] == "convergence.npz"
    assert "cores" in markdown


def test_a_failing_figure_is_reported_and_does_not_abort(tmp_path, fake_claims):
    def broken(params):
        raise RuntimeError("injected")

    figures = {
        "dimension": tiny(FIGURES["dimension"]),
        "broken": dataclasses.replace(tiny(FIGURES["dimension"]), name="broken", compute=broken),
    }
    claims = {"C2": fake_claims["C2"]}
    assert reproduce(tmp_path, quiet=True, claims=claims, figures=figures) == 1
    assert "### Figure broken: FAILED" in (tmp_path / "report.md").read_text()
    assert (tmp_path / "dimension.png").exists()


def test_cache_recomputes_a_truncated_entry(tmp_path):
    cache = Cache(tmp_path)
    calls = []

    def compute():
        calls.append(1)
        return {"x": np.arange(1000.0)}

    first = cache.get_or_compute("demo", {"p": 1}, compute)
    path = cache.path("demo", key_of({"name": "demo", "p": 1}))
    path.write_bytes(path.read_bytes()[:200])  # an interrupted copy
    second = cache.get_or_compute("demo", {"p": 1}, compute)
    assert len(calls) == 2 and np.array_equal(first["x"], second["x"])
    assert cache.get_or_compute("demo", {"p": 1}, compute)["x"].size == 1000 and len(calls) == 2
    assert not list(tmp_path.glob("*.tmp"))


def test_cache_rejects_a_foreign_file_under_the_right_name(tmp_path):
    cache = Cache(tmp_path)
    path = cache.path("demo", key_of({"name": "demo", "p": 2}))
    np.savez(path, **{KEY_FIELD: np.array("someone else's key"), "x": np.zeros(3)})
    assert cache.get_or_compute("demo", {"p": 2}, lambda: {"x": np.ones(3)})["x"].tolist() == [1, 1, 1]


def test_no_cache_writes_nothing(tmp_path):
    cache = Cache(tmp_path / "cache", enabled=False)
    cache.get_or_compute("demo", {}, lambda: {"x": np.ones(1)})
    assert not (tmp_path / "cache").exists()


def test_figures_command_builds_one_figure_and_rejects_unknown_names(tmp_path, capsys):
    assert main(["figures", "batch-size", "--out", str(tmp_path), "--quiet"]) == 0
    assert {p.suffix for p in Path(tmp_path).glob("batch-size.*")} == {".png", ".pdf", ".npz", ".json"}
    assert main(["figures", "nope", "--out", str(tmp_path)]) == 2
    assert "unknown figure" in capsys.readouterr().err


def test_cnn_figures_mark_the_published_baseline_tabulate_every_row_and_draw_flip_rates():
    from qnets.figures.fig_cnn_table import PUBLISHED_ERROR

    figure, data = drawn("cnn-table")
    bars, text = figure.axes
    assert any(np.allclose(line.get_ydata(), PUBLISHED_ERROR) for line in bars.get_lines())
    assert len(text.tables[0].get_celld()) == 2 * (len(data["methods"]) + 1)  # a header and every row
    for name in ("cnn-batch", "cnn-lr"):
        figure, _ = drawn(name)
        assert "MNIST-1D" in figure.axes[0].get_title()
    figure, data = drawn("cnn-weights")
    assert data["flip_rates"].shape == (2, len(data["window_steps"]))
    assert np.all(np.diff(data["window_rates"]) <= 0)  # the step decays
    assert len(figure.axes[2].get_lines()) == 3
