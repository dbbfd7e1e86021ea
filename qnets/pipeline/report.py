"""The reproduction report: claims table, figures with captions, environment (Markdown and HTML)."""

from __future__ import annotations

import html
import math
import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from qnets.claims.verdict import NECESSARY, TIGHTNESS, UPPER, Verdict
from qnets.figures.build import BuiltFigure
from qnets.output import write_text
from qnets.pipeline.cache import CacheEvent
from qnets.pipeline.formulas import formula_mathml
from qnets.theory.bound import Bound
from qnets.theory.markov import Derivation


@dataclass(frozen=True)
class ClaimRow:
    """A claim as the report shows it; ``bound`` is the claim's derived bound or derivation
    (shown as a formula), None for claims without one."""

    claim_id: str
    source: str
    statement: str
    verdict: Verdict
    command: str
    bound: Bound | Derivation | None = None


@dataclass(frozen=True)
class FailedFigure:
    """A figure whose build raised: shown as failed in the report."""

    name: str
    title: str
    error: str


#: Width of every line of ``report.md``.
WIDTH = 100
#: The two-sided parts, in their table columns (short headers keep report.md narrow).
TWO_SIDED = {UPPER: "upper", NECESSARY: "floor needed", TIGHTNESS: "tightness"}
#: A part whose name states its criterion, e.g. ``"paper form: D/SE (holds if > 5)"``.
_CRITERION = re.compile(r"\(holds if ([<>]=?) (-?[0-9.eE+-]+)\)")


def _number(value: float) -> str:
    """Four significant digits; ``"-"`` for a value that is not finite (a crashed check)."""
    return f"{value:.4g}" if math.isfinite(value) else "-"


#: A line that Markdown would read as a list item, heading or quote when it starts a line.
_BLOCK_START = re.compile(r"^\s*([-+*#>]|\d+[.)])(\s|$)")


def wrap(text: str, width: int = 100, first: str = "", rest: str = "") -> list[str]:
    """``text`` wrapped to ``width`` columns (``first``/``rest`` prefix the first/other lines),
    moving a word down whenever a wrapped line would begin with a Markdown block marker such as
    ``+`` or ``-`` (which would turn the rest of a sentence into a list)."""
    lines = textwrap.wrap(text, width, initial_indent=first, subsequent_indent=rest, break_on_hyphens=False)
    for i in range(1, len(lines)):
        while _BLOCK_START.match(lines[i][len(rest) :]) and " " in lines[i - 1].strip():
            head, word = lines[i - 1].rsplit(" ", 1)
            lines[i - 1], lines[i] = head, rest + word + " " + lines[i][len(rest) :]
    return lines


def _part(verdict: Verdict, name: str) -> str:
    """A two-sided check's part as a cell ("-" for checks without it)."""
    if name not in verdict.parts:
        return "-"
    value = verdict.parts[name]
    return ("yes" if value else "NO") if isinstance(value, bool) else _number(value)


def ratio_cell(verdict: Verdict) -> str:
    """``measured/bound`` where the check compares with a nonzero bound, else ``"-"``; a negative
    measured value is marked so the sign is read (``-0.108 (measured < 0)``)."""
    if not (verdict.bound and math.isfinite(verdict.bound) and math.isfinite(verdict.measured)):
        return "-"
    text = _number(verdict.ratio)
    return f"{text} (measured < 0)" if verdict.measured < 0 else text


def other_parts(verdict: Verdict) -> list[str]:
    """The parts outside the two-sided columns, each stated with its outcome: a boolean as
    ``name: yes/NO``; a number whose name states its criterion (``holds if > 5``) as
    ``name = value: met/not met``; any other number as ``name = value``."""
    lines = []
    for name, value in verdict.parts.items():
        if name in TWO_SIDED:
            continue
        if isinstance(value, bool):
            lines.append(f"{name}: {'yes' if value else 'NO'}")
            continue
        criterion = _CRITERION.search(name)
        text = f"{name} = {_number(value)}"
        if criterion:
            op, limit = criterion.group(1), float(criterion.group(2))
            met = {">": value > limit, ">=": value >= limit, "<": value < limit, "<=": value <= limit}[op]
            text += ": met" if met else f": not met ({_number(value)} is not {op} {_number(limit)})"
        lines.append(text)
    return lines


def short_compared(detail: str, width: int = 60) -> str:
    """The first clause of a check's detail (up to the first ``;``), cut to ``width`` characters
    at a word boundary."""
    head = detail.split(";", 1)[0].strip()
    return head if len(head) <= width else textwrap.shorten(head, width, placeholder=" ...")


def _verdict_word(verdict: Verdict) -> str:
    return "holds" if verdict.holds else "FAILS"


#: The claims table's columns (the full statement, detail, other parts and command are listed
#: under the table in report.md and behind a <details> in report.html).
HEADER = ["id", "verdict", "measured", "bound", "ratio", *TWO_SIDED.values(), "what was compared"]


def _table_cells(row: ClaimRow, width: int) -> list[str]:
    v = row.verdict
    cells = [row.claim_id, _verdict_word(v), _number(v.measured), _number(v.bound), ratio_cell(v)]
    cells += [_part(v, name) for name in TWO_SIDED]
    return [*cells, short_compared(v.detail, width)]


#: Below the claims table, in both reports; ``{code}``/``{end}`` mark code in each markup.
RATIO_NOTE = (
    "{code}ratio{end} is measured/bound, shown only where the check compares with a nonzero bound; "
    "for an upper bound it says how tight the bound is. For the bounds with a floor (C3-C6) the "
    "check is two-sided: {code}upper{end} (every comparison with the bound holds), {code}floor "
    "needed{end} (an exact instance whose error exceeds the bound with its floor removed) and "
    "{code}tightness{end} (the exact limit error over the floor); the verdict holds only if both "
    "parts hold. Other parts are stated with their outcome under each claim. Parameters, seeds "
    "and every check's parts are in {code}verdicts.json{end}."
)


def _summary(rows: list[ClaimRow], figures: list, failed: list[FailedFigure]) -> str:
    failing = [r.claim_id for r in rows if not r.verdict.holds]
    text = f"{len(rows) - len(failing)} of {len(rows)} claim checks hold"
    text += f"; failing: {', '.join(failing)}." if failing else "."
    text += f" {len(figures)} figures built"
    text += f"; failed: {', '.join(f.name for f in failed)}." if failed else "."
    return text


@dataclass(frozen=True)
class Report:
    """Everything the report shows."""

    mode: str
    rows: list[ClaimRow]
    figures: list[BuiltFigure]
    failed: list[FailedFigure]
    environment: dict
    seconds: float
    cache_events: list[CacheEvent] = field(default_factory=list)


def _cache_lines(report: Report) -> list[str]:
    """Where each cached result came from (the section "Cache")."""
    events = report.cache_events
    counts = {source: sum(e.source == source for e in events) for source in ("from cache", "computed", "recomputed")}
    summary = ", ".join(f"{n} {source}" for source, n in counts.items())
    return [f"{len(events)} results: {summary}.", *(event.line() for event in events)]


def _markdown_table(rows: list[ClaimRow]) -> list[str]:
    """The claims table, its "what was compared" cut so that every line fits :data:`WIDTH`."""

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

    table = [line(HEADER), "|" + "---|" * len(HEADER)]
    for row in rows:
        width = WIDTH - len(line([*_table_cells(row, 12)[:-1], ""]))
        while len(line(_table_cells(row, width))) > WIDTH and width > 12:
            width -= 1
        table.append(line(_table_cells(row, width)))
    return table


def _bullet(text: str) -> list[str]:
    return wrap(text, WIDTH, "- ", "  ")


def _markdown_claim_lists(rows: list[ClaimRow]) -> list[str]:
    """Per claim, under the table: statement, formula (LaTeX), full detail, other parts, re-run."""
    lines: list[str] = []
    for row in rows:
        v = row.verdict
        lines += wrap(f"**{row.claim_id}** ({row.source}, {_verdict_word(v)}): {row.statement}", WIDTH)
        lines.append("")
        if row.bound is not None:
            lines += _bullet(f"formula: `{row.bound.latex()}`")
        lines += _bullet(f"compared: {v.detail}")
        lines += [wrapped for part in other_parts(v) for wrapped in _bullet(f"part: {part}")]
        lines += _bullet(f"re-run: `{row.command}`")
        lines.append("")
    return lines


def write_markdown(path: Path, report: Report) -> None:
    """``report.md``: the same content as the HTML report, image links relative to ``path``."""
    mode, rows, figures, failed = report.mode, report.rows, report.figures, report.failed
    environment, seconds = report.environment, report.seconds
    lines = [
        "# Training Quantized Nets: reproduction report",
        "",
        f"Mode: **{mode}**; built in {seconds:.0f} s. {_summary(rows, figures, failed)}",
        "",
        "## Claims",
        "",
        *_markdown_table(rows),
        "",
        *wrap(RATIO_NOTE.format(code="`", end="`"), WIDTH),
        "",
        *_markdown_claim_lists(rows),
    ]
    lines += ["## Figures", ""]
    for number, figure in enumerate(figures, 1):
        name = figure.spec.name
        files = (
            f"Files: [{figure.pdf.name}]({figure.pdf.name}), data [{figure.data.name}]({figure.data.name}), "
            f"parameters [{figure.sidecar.name}]({figure.sidecar.name}). Rebuild: `qnets figures {name}`."
        )
        lines += [f"### Figure {number}: {figure.spec.title}", "", f"![{figure.spec.title}]({figure.png.name})", ""]
        lines += [*wrap(figure.spec.caption, WIDTH), "", *wrap(files, WIDTH), ""]
    for failure in failed:
        lines += [
            f"### Figure {failure.name}: FAILED",
            "",
            *wrap(f"{failure.title}: `{failure.error}`", WIDTH),
        ]
        lines.append("")
    lines += ["## Cache", ""] + [w for line in _cache_lines(report) for w in _bullet(line)] + [""]
    lines += ["## Environment", ""]
    lines += [w for key, value in environment.items() if key != "packages" for w in _bullet(f"{key}: {value}")]
    lines += [f"- {name} {version}" for name, version in environment["packages"].items()]
    write_text(path, "\n".join(lines) + "\n")


STYLE = """
body { font-family: sans-serif; max-width: 70em; margin: 2em auto; line-height: 1.4; }
table { border-collapse: collapse; font-size: 0.85em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.5em; vertical-align: top; }
td.holds { color: #1b7e3b; font-weight: bold; } td.fails { color: #c00; font-weight: bold; }
figure { margin: 2em 0; } img { max-width: 100%; } figcaption { font-size: 0.9em; }
code { background: #f4f4f4; padding: 0 0.2em; }
td.formula { white-space: nowrap; } math { font-size: 1.05em; }
details summary { cursor: pointer; } details ul { margin: 0.3em 0; padding-left: 1.2em; }
"""


def _html_row(row: ClaimRow) -> str:
    """One row of the HTML claims table; the full detail, other parts and command sit in a
    ``<details>`` of the last cell."""
    e = html.escape
    v = row.verdict
    cells = _table_cells(row, 60)
    formula = formula_mathml(row.bound) or "-"
    css = "holds" if v.holds else "fails"
    tds = [f"<td>{e(row.claim_id)}</td>", f"<td>{e(row.statement)} ({e(row.source)})</td>"]
    tds.append(f'<td class="formula">{formula}</td>')
    tds.append(f'<td class="{css}">{e(cells[1])}</td>')
    tds += [f"<td>{e(c)}</td>" for c in cells[2:-1]]
    more = [f"<li>compared: {e(v.detail)}</li>", *(f"<li>part: {e(p)}</li>" for p in other_parts(v))]
    more.append(f"<li>re-run: <code>{e(row.command)}</code></li>")
    details = f"<details><summary>{e(cells[-1])}</summary><ul>{''.join(more)}</ul></details>"
    tds.append(f"<td>{details}</td>")
    return "<tr>" + "".join(tds) + "</tr>"


def write_html(path: Path, report: Report) -> None:
    """``report.html``: self-contained apart from the PNGs beside it."""
    mode, rows, figures, failed = report.mode, report.rows, report.figures, report.failed
    environment, seconds = report.environment, report.seconds
    e = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        "<title>Training Quantized Nets: reproduction report</title>",
        f"<style>{STYLE}</style>",
        "</head>",
        "<body>",
        "<h1>Training Quantized Nets: reproduction report</h1>",
        f"<p>Mode: <b>{e(mode)}</b>; built in {seconds:.0f} s. {e(_summary(rows, figures, failed))}</p>",
        "<h2>Claims</h2>",
        "<table>",
        "<tr>" + "".join(f"<th>{e(h)}</th>" for h in ["id", "statement", "formula", *HEADER[1:]]) + "</tr>",
    ]
    parts += [_html_row(row) for row in rows]
    parts += [
        "</table>",
        f"<p>{RATIO_NOTE.format(code='<code>', end='</code>')}</p>",
        "<h2>Figures</h2>",
    ]
    for number, figure in enumerate(figures, 1):
        parts += [
            "<figure>",
            f"<h3>Figure {number}: {e(figure.spec.title)}</h3>",
            f'<img src="{e(figure.png.name)}" alt="{e(figure.spec.title)}">',
            f"<figcaption>{e(figure.spec.caption)} "
            f'(<a href="{e(figure.pdf.name)}">PDF</a>, <a href="{e(figure.data.name)}">data</a>, '
            f'<a href="{e(figure.sidecar.name)}">parameters</a>; rebuild with '
            f"<code>qnets figures {e(figure.spec.name)}</code>)</figcaption>",
            "</figure>",
        ]
    for failure in failed:
        parts.append(f'<p class="fails">Figure {e(failure.name)} FAILED: <code>{e(failure.error)}</code></p>')
    parts += ["<h2>Cache</h2>", "<ul>"] + [f"<li>{e(line)}</li>" for line in _cache_lines(report)] + ["</ul>"]
    parts += ["<h2>Environment</h2>", "<ul>"]
    parts += [f"<li>{e(str(k))}: {e(str(v))}</li>" for k, v in environment.items() if k != "packages"]
    parts += [f"<li>{e(n)} {e(str(v))}</li>" for n, v in environment["packages"].items()]
    parts += ["</ul>", "</body>", "</html>"]
    write_text(path, "\n".join(parts) + "\n")
