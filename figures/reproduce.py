"""``qnets reproduce``: every claim check and every figure, then ``report.md`` and ``report.html``.

A failing check is reported as failing and a figure that raises is reported as failed; neither
aborts the run.  The exit status is 1 if anything failed.  Results are cached under
``OUT/cache`` (see :mod:`figures.cache`).
"""

from __future__ import annotations

import time
from pathlib import Path

from qnets.figures.build import BuiltFigure, build_figure
from qnets.figures.cache import Cache
from qnets.figures.checks import cached_verdicts
from qnets.figures.output import prepare_output_dir, write_json
from qnets.figures.progress import Progress
from qnets.figures.provenance import environment
from qnets.figures.registry import FIGURES
from qnets.figures.report import ClaimRow, FailedFigure, Report, write_html, write_markdown
from qnets.figures.spec import FigureSpec

from qnets.claims.registry import CLAIMS, Claim
from qnets.claims.verdict import SEED


def build_figures(
    specs: list[FigureSpec], out: Path, quick: bool, cache: Cache, progress: Progress, seed: int = SEED
) -> tuple[list[BuiltFigure], list[FailedFigure]]:
    """Build each figure (its Monte Carlo runs seeded by ``seed``); a figure that raises is recorded
    as failed and the rest go on."""
    built, failed = [], []
    for spec in specs:
        progress.start(f"figure {spec.name}")
        try:
            built.append(build_figure(spec, out, quick, cache, seed))
            progress.finish(f"figure {spec.name}", "written")
        except Exception as error:  # reported in the report and the exit status, not raised
            failed.append(FailedFigure(spec.name, spec.title, f"{type(error).__name__}: {error}"))
            progress.finish(f"figure {spec.name}", "FAILED")
    return built, failed


def reproduce(
    out: Path,
    quick: bool = True,
    use_cache: bool = True,
    quiet: bool = False,
    claims: dict[str, Claim] | None = None,
    figures: dict[str, FigureSpec] | None = None,
    seed: int = SEED,
) -> int:
    """Run the checks of ``claims`` and build ``figures`` (default: all) with the root seed ``seed``,
    write the reports."""
    started = time.perf_counter()
    claims = CLAIMS if claims is None else claims
    figures = FIGURES if figures is None else figures
    out = prepare_output_dir(out)
    cache = Cache(out / "cache", enabled=use_cache)
    progress = Progress(len(claims) + len(figures), quiet)
    mode = "quick" if quick else "full"
    rows = []
    for claim in claims.values():
        progress.start(f"check {claim.claim_id}")
        verdict = cached_verdicts([claim.claim_id], quick, cache, claims, seed)[0]
        command = (
            f"qnets check {claim.claim_id}" + ("" if quick else " --full") + ("" if seed == SEED else f" --seed {seed}")
        )
        rows.append(ClaimRow(claim.claim_id, claim.source, claim.statement, verdict, command))
        progress.finish(f"check {claim.claim_id}", "holds" if verdict.holds else "FAILS")
    built, failed = build_figures(list(figures.values()), out, quick, cache, progress, seed)
    write_json(out / "verdicts.json", [r.verdict.as_dict() for r in rows])
    report = Report(mode, rows, built, failed, environment(), time.perf_counter() - started, cache.events)
    write_markdown(out / "report.md", report)
    write_html(out / "report.html", report)
    return 0 if all(r.verdict.holds for r in rows) and not failed else 1
