"""The reproduction report: claims table, figures with captions, environment (Markdown and HTML)."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path

from qnets.claims.verdict import NECESSARY, TIGHTNESS, UPPER, Verdict
from qnets.figures.build import BuiltFigure
from qnets.output import write_text
from qnets.pipeline.cache import CacheEvent


@dataclass(frozen=True)
class ClaimRow:
    """A claim as the report shows it."""

    claim_id: str
    source: str
    statement: str
    verdict: Verdict
    command: str


@dataclass(frozen=True)
class FailedFigure:
    """A figure whose build raised: shown as failed in the report."""

    name: str
    title: str
    error: str


def _number(value: float) -> str:
    return f"{value:.4g}"


def _part(verdict: Verdict, name: str) -> str:
    """A two-sided check's part as a cell ("-" for checks without it)."""
    if name not in verdict.parts:
        return "-"
    value = verdict.parts[name]
    return ("yes" if value else "NO") if isinstance(value, bool) else _number(value)


def _claim_cells(row: ClaimRow) -> list[str]:
    v = row.verdict
    return [
        row.claim_id,
        row.source,
        row.statement,
        "holds" if v.holds else "FAILS",
        _number(v.measured),
        _number(v.bound),
        _number(v.ratio),
        _part(v, UPPER),
        _part(v, NECESSARY),
        _part(v, TIGHTNESS),
        row.command,
        v.detail,
    ]


#: Below the claims table, in both reports; ``{code}``/``{end}`` mark code in each markup.
RATIO_NOTE = (
    "{code}ratio{end} is measured/bound. For checks of an upper bound it says how tight the bound is; for the "
    "other checks the last column says what measured and bound are. For the bounds with a floor (C3-C6) the "
    "check is two-sided: {code}upper bound holds{end} (every comparison with the bound), {code}floor "
    "necessary{end} (an exact instance whose error exceeds the bound with its floor removed) and "
    "{code}tightness{end} (the exact limit error over the floor); the verdict holds only if both parts hold. "
    "Parameters, seeds and every check's parts are in {code}verdicts.json{end}."
)

HEADER = [
    "id",
    "source",
    "statement",
    "verdict",
    "measured",
    "bound",
    "ratio",
    UPPER,
    NECESSARY,
    TIGHTNESS,
    "re-run",
    "what was compared",
]
#: Columns of the command and of the detail in :func:`_claim_cells`.
COMMAND, DETAIL = HEADER.index("re-run"), HEADER.index("what was compared")


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
        "| " + " | ".join(HEADER) + " |",
        "|" + "---|" * len(HEADER),
    ]
    for row in rows:
        cells = [c.replace("|", "\\|") for c in _claim_cells(row)]
        cells[COMMAND] = f"`{cells[COMMAND]}`"
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", RATIO_NOTE.format(code="`", end="`"), ""]
    lines += ["## Figures", ""]
    for number, figure in enumerate(figures, 1):
        name = figure.spec.name
        lines += [
            f"### Figure {number}: {figure.spec.title}",
            "",
            f"![{figure.spec.title}]({figure.png.name})",
            "",
            figure.spec.caption,
            "",
            f"Files: [{figure.pdf.name}]({figure.pdf.name}), data [{figure.data.name}]({figure.data.name}), "
            f"parameters [{figure.sidecar.name}]({figure.sidecar.name}). Rebuild: `qnets figures {name}`.",
            "",
        ]
    for failure in failed:
        lines += [f"### Figure {failure.name}: FAILED", "", f"{failure.title}: `{failure.error}`", ""]
    lines += ["## Cache", ""] + [f"- {line}" for line in _cache_lines(report)] + [""]
    lines += ["## Environment", ""]
    lines += [f"- {key}: {value}" for key, value in environment.items() if key != "packages"]
    lines += [f"- {name} {version}" for name, version in environment["packages"].items()]
    write_text(path, "\n".join(lines) + "\n")


STYLE = """
body { font-family: sans-serif; max-width: 70em; margin: 2em auto; line-height: 1.4; }
table { border-collapse: collapse; font-size: 0.85em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.5em; vertical-align: top; }
td.holds { color: #1b7e3b; font-weight: bold; } td.fails { color: #c00; font-weight: bold; }
figure { margin: 2em 0; } img { max-width: 100%; } figcaption { font-size: 0.9em; }
code { background: #f4f4f4; padding: 0 0.2em; }
"""


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
        "<tr>" + "".join(f"<th>{e(h)}</th>" for h in HEADER) + "</tr>",
    ]
    for row in rows:
        cells = _claim_cells(row)
        css = "holds" if row.verdict.holds else "fails"
        tds = [f"<td>{e(c)}</td>" for c in cells[:3]]
        tds.append(f'<td class="{css}">{e(cells[3])}</td>')
        tds += [f"<td>{e(c)}</td>" for c in cells[4:COMMAND]]
        tds.append(f"<td><code>{e(cells[COMMAND])}</code></td>")
        tds.append(f"<td>{e(cells[DETAIL])}</td>")
        parts.append("<tr>" + "".join(tds) + "</tr>")
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
