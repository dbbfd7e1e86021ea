"""The reproduction report's claims table (issue 21): no nan, signs stated, short cells with the
detail in lists (Markdown) or a <details> (HTML), formulas as MathML, 100-column Markdown."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from qnets.claims.registry import CLAIMS
from qnets.claims.verdict import NECESSARY, TIGHTNESS, UPPER, Verdict, crashed
from qnets.output import environment
from qnets.pipeline.formulas import formula_mathml, latex_mathml
from qnets.pipeline.report import WIDTH, ClaimRow, Report, other_parts, ratio_cell, wrap, write_html, write_markdown

LONG = "; ".join(f"comparison {i}: value {i}.123 <= bound {i}.456 | with a pipe" for i in range(40))


def rows() -> list[ClaimRow]:
    """Verdicts of every kind the table meets: a two-sided bound, a zero bound (a count or a
    difference against 0), a negative measured value with a stated paper form, a crash."""
    verdicts = [
        Verdict("C3", True, 0.012, 0.11, 0.0, LONG, parts={UPPER: True, NECESSARY: True, TIGHTNESS: 0.31}),
        Verdict("C8", True, 0.0, 0.0, 0.0, "chains that moved after t = 200; must be 0"),
        Verdict("N1", True, 0.13, 0.0, 0.07, "binary test errors: FP 0.060, BC 0.086"),
        Verdict(
            "N3",
            True,
            -0.026,
            0.244,
            0.127,
            "training loss",
            parts={"measured form": True, "paper form: D/SE (holds if > 5)": -1.04},
        ),
        crashed("M2", RuntimeError("injected")),
    ]
    return [
        ClaimRow(
            v.claim_id,
            CLAIMS[v.claim_id].source,
            CLAIMS[v.claim_id].statement,
            v,
            "qnets check X",
            CLAIMS[v.claim_id].bound,
        )
        for v in verdicts
    ]


@pytest.fixture
def written(tmp_path):
    report = Report("quick", rows(), [], [], environment(), 1.0)
    write_markdown(tmp_path / "report.md", report)
    write_html(tmp_path / "report.html", report)
    return (tmp_path / "report.md").read_text(), (tmp_path / "report.html").read_text()


def test_no_nan_and_a_ratio_only_where_a_bound_exists(written):
    markdown, page = written
    assert "nan" not in markdown.lower() and "nan" not in page.lower()
    table = {line.split("|")[1].strip(): line.split("|") for line in markdown.splitlines() if line.startswith("| ")}
    assert table["C3"][5].strip() == "0.1091"  # 0.012 / 0.11
    assert table["C8"][5].strip() == "-" and table["N1"][5].strip() == "-" and table["M2"][5].strip() == "-"


def test_a_negative_ratio_and_a_failed_paper_form_are_stated_with_their_sign():
    n3 = rows()[3].verdict
    assert ratio_cell(n3) == "-0.1066 (measured < 0)"
    assert other_parts(n3) == [
        "measured form: yes",
        "paper form: D/SE (holds if > 5) = -1.04: not met (-1.04 is not > 5)",
    ]
    met = Verdict("N3", True, 1.0, 2.0, 0.0, "d", parts={"x (holds if > 5)": 6.0})
    assert other_parts(met) == ["x (holds if > 5) = 6: met"]


def test_markdown_fits_100_columns_with_the_long_detail_in_a_list(written):
    markdown, _ = written
    assert max(len(line) for line in markdown.splitlines()) <= WIDTH
    assert "comparison 39" not in next(line for line in markdown.splitlines() if line.startswith("| C3 |"))
    listed = " ".join(line.strip() for line in markdown.split("**C3**")[1].split("**C8**")[0].splitlines())
    assert "comparison 39: value 39.123 <= bound 39.456" in listed and "`qnets check X`" in listed


def test_wrapping_never_starts_a_line_with_a_markdown_list_marker():
    text = "gap <= (1+log T)G^2/(2 mu T) " * 3 + "+ sqrt(d) Delta G/2 - x + y " * 6
    for width in range(30, 60):
        lines = wrap(text, width, "- ", "  ")
        assert all(not re.match(r"\s*[-+*#>](\s|$)", line[2:]) for line in lines)
        assert " ".join(line[2:] for line in lines).split() == text.split()


class Elements(HTMLParser):
    """Tag names in document order, and the text inside <summary>."""

    def __init__(self):
        super().__init__()
        self.tags, self.summaries, self._in_summary = [], [], False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self._in_summary = tag == "summary"

    def handle_data(self, data):
        if self._in_summary:
            self.summaries.append(data)
            self._in_summary = False


def test_html_keeps_the_detail_behind_details_and_renders_formulas_as_mathml(written):
    _, page = written
    parser = Elements()
    parser.feed(page)
    assert parser.tags.count("details") == len(rows())
    assert max(len(s) for s in parser.summaries) <= 60 and "comparison 0" in parser.summaries[0]
    assert "comparison 39: value 39.123" in page  # the full detail, one click away
    assert parser.tags.count("math") == sum(r.bound is not None for r in rows())
    assert "script" not in parser.tags and "http" not in page.replace("http-equiv", "")


def test_every_registered_formula_is_mathml():
    for claim_id, claim in CLAIMS.items():
        element = formula_mathml(claim.bound)
        if claim.bound is None:
            assert element is None
            continue
        assert element.startswith("<math") and element.endswith("</math>"), claim_id
        assert "\\" not in element, claim_id  # no LaTeX left over
    c3 = formula_mathml(CLAIMS["C3"].bound)
    assert "<mfrac>" in c3 and "<msqrt><mi>d</mi></msqrt>" in c3 and '<mi mathvariant="double-struck">E</mi>' in c3
    assert "<msub><mover accent" in c3  # the averaged iterate \bar w_T


@pytest.mark.parametrize("latex", [r"\frac{a}{b}", r"x^{2}", "x^", r"\sqrt d"])
def test_latex_outside_the_quantities_subset_is_rejected(latex):
    with pytest.raises(ValueError, match="latex_mathml"):
        latex_mathml(latex)


def test_environment_lists_scikit_learn_and_dask():
    assert {"scikit-learn", "dask", "distributed", "numba"} <= set(environment()["packages"])
