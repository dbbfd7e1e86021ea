"""``qnets reproduce``: every claim check and every figure, then ``report.md`` and ``report.html``.

A failing check is reported as failing and a figure that raises is reported as failed; neither
aborts the run.  The exit status is 1 if anything failed.  Results are cached under
``OUT/cache`` (see :mod:`qnets.pipeline.cache`).

The checks and the figures' computations are independent tasks (:mod:`qnets.pipeline.tasks`): they
run together on the given :class:`qnets.parallel.Backend` (serial by default; the command line
uses all cores), longest first and grouped where they share work (:mod:`qnets.pipeline.schedule`);
then this process draws the figures and writes the report.  Figures made from verdicts are
drawn after the checks they show.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from qnets import parallel
from qnets.claims.registry import CLAIMS, Claim
from qnets.claims.verdict import SEED, Verdict
from qnets.figures.build import BuiltFigure, write_figure
from qnets.figures.registry import FIGURES
from qnets.figures.spec import FigureSpec
from qnets.output import environment, prepare_output_dir, write_json
from qnets.pipeline.cache import Cache
from qnets.pipeline.progress import Progress
from qnets.pipeline.report import ClaimRow, FailedFigure, Report, write_html, write_markdown
from qnets.pipeline.schedule import group_seconds, plan, wall_seconds
from qnets.pipeline.tasks import CheckTask, Failure, FigureDataTask, run_tasks, verdict_of


class FigureComputationError(RuntimeError):
    """A figure's computation raised in its task; the message is ``TypeName: message``."""


def _note(outcome: dict[str, np.ndarray]) -> str:
    """What a progress line says about a finished check or figure computation."""
    return "computed" if "verdict" not in outcome else "holds" if verdict_of(outcome).holds else "FAILS"


def _draw(
    specs: list[FigureSpec],
    data: dict[str, dict[str, np.ndarray] | Failure],
    verdicts: dict[str, Verdict],
    out: Path,
    quick: bool,
    progress: Progress,
    seed: int,
) -> tuple[list[BuiltFigure], list[FailedFigure]]:
    """Draw each figure from its computed ``data`` (by name) or, for verdict figures, from the
    ``verdicts`` of its claims; a figure that fails is recorded and the rest go on."""
    built, failed = [], []
    for spec in specs:
        started = time.perf_counter()
        params = figure_parameters(spec, quick, seed)
        try:
            computed = data.get(spec.name)
            if isinstance(computed, Failure):
                raise FigureComputationError(computed.error)
            if computed is None:
                computed = spec.from_verdicts([verdicts[claim_id] for claim_id in params["claims"]])  # type: ignore[misc]
                progress.finish(f"figure {spec.name}", "from verdicts", time.perf_counter() - started)
            built.append(write_figure(spec, params, computed, out, quick, time.perf_counter() - started))
        except Exception as error:  # reported in the report and the exit status, not raised
            message = str(error) if isinstance(error, FigureComputationError) else f"{type(error).__name__}: {error}"
            failed.append(FailedFigure(spec.name, spec.title, message))
            progress.say(f"figure {spec.name}: FAILED: {message}")
    return built, failed


def figure_parameters(spec: FigureSpec, quick: bool, seed: int) -> dict:
    """The parameters of ``spec`` with its seed (if it has one) replaced by ``seed``: the seed then
    enters the figure's cache key and its sidecar."""
    params = spec.parameters(quick)
    return {**params, "seed": seed} if "seed" in params else params


def _tasks(
    claims: dict[str, Claim], computed: list[FigureSpec], quick: bool, seed: int
) -> list[CheckTask | FigureDataTask]:
    """The checks of ``claims``, then the computations of the figures ``computed``, as tasks."""
    tasks: list[CheckTask | FigureDataTask] = [CheckTask(claim, quick, seed) for claim in claims.values()]
    return tasks + [FigureDataTask(spec, figure_parameters(spec, quick, seed)) for spec in computed]


def full_wall_seconds(
    claims: dict[str, Claim] | None = None, figures: dict[str, FigureSpec] | None = None, workers: int = 2
) -> float:
    """The expected wall seconds of the ``--full`` run of ``claims`` and ``figures`` (default: all)
    on ``workers`` processes, as :func:`reproduce` schedules it: the tasks' recorded full-size
    seconds, grouped and ordered by :func:`~qnets.pipeline.schedule.plan`, summed by
    :func:`~qnets.pipeline.schedule.wall_seconds`.  Figures drawn from verdicts cost nothing here.

    A study's cost is recorded on the task of the registry that computes it first (N1 for the
    network table), so a group that shares a study counts at least the largest recorded seconds
    of any registry task naming it: ``qnets figures nets-table`` alone pays for the study too."""
    claims = CLAIMS if claims is None else claims
    specs = list((FIGURES if figures is None else figures).values())
    computed = [spec for spec in specs if spec.from_verdicts is None]
    tasks = _tasks(_shown_claims(specs, False, claims), computed, False, SEED)
    groups = plan(tasks)
    loads = [
        max(load, study_seconds(tasks[group[0]].study))
        for group, load in zip(groups, group_seconds(tasks, groups), strict=True)
    ]
    return wall_seconds(loads, workers)


def study_seconds(study: str | None) -> float:
    """The largest recorded full-size seconds of a registry claim or figure naming ``study`` (0 for
    None): what computing the study costs a process that has not computed it yet."""
    recorded: list[Claim | FigureSpec] = [*CLAIMS.values(), *FIGURES.values()]
    return max((task.full_seconds for task in recorded if study is not None and task.study == study), default=0.0)


def _compute(
    claims: dict[str, Claim],
    specs: list[FigureSpec],
    quick: bool,
    cache: Cache,
    backend: parallel.Backend,
    quiet: bool,
    seed: int,
) -> tuple[dict[str, Verdict], dict[str, dict[str, np.ndarray] | Failure], Progress]:
    """Run the checks of ``claims`` and the computations of ``specs`` (root seed ``seed``) as one
    batch of tasks.

    Returns the verdicts by claim id, the figures' data by name, and the progress counter (one
    step per task and per figure drawn from verdicts, which are drawn afterwards)."""
    computed = [spec for spec in specs if spec.from_verdicts is None]
    tasks = _tasks(claims, computed, quick, seed)
    labels = [task.label for task in tasks]
    progress = Progress(len(claims) + len(specs), quiet, {task.label: task.expected_seconds for task in tasks})
    outcomes = run_tasks(tasks, labels, cache, backend, progress, _note, plan(tasks))
    verdicts = {i: verdict_of(o) for i, o in zip(claims, outcomes[: len(claims)], strict=True)}  # type: ignore[arg-type]
    data = {spec.name: outcome for spec, outcome in zip(computed, outcomes[len(claims) :], strict=True)}
    return verdicts, data, progress


def _shown_claims(specs: list[FigureSpec], quick: bool, claims: dict[str, Claim]) -> dict[str, Claim]:
    """``claims`` plus, from the registry, the claims that verdict figures show and ``claims`` lacks."""
    shown = [i for spec in specs if spec.from_verdicts is not None for i in spec.parameters(quick)["claims"]]
    return claims | {claim_id: CLAIMS[claim_id] for claim_id in shown if claim_id not in claims}


def build_figures(
    specs: list[FigureSpec],
    out: Path,
    quick: bool,
    cache: Cache,
    quiet: bool = False,
    backend: parallel.Backend = parallel.SERIAL,
    seed: int = SEED,
) -> tuple[list[BuiltFigure], list[FailedFigure]]:
    """Compute the figures' data, and the checks that verdict figures show, on ``backend``
    (through the cache, root seed ``seed``); then draw each figure here."""
    claims = _shown_claims(specs, quick, {})
    verdicts, data, progress = _compute(claims, specs, quick, cache, backend, quiet, seed)
    return _draw(specs, data, verdicts, out, quick, progress, seed)


def reproduce(
    out: Path,
    quick: bool = True,
    use_cache: bool = True,
    quiet: bool = False,
    claims: dict[str, Claim] | None = None,
    figures: dict[str, FigureSpec] | None = None,
    backend: parallel.Backend = parallel.SERIAL,
    seed: int = SEED,
) -> int:
    """Run the checks of ``claims`` and build ``figures`` (default: all) on ``backend`` with the root
    seed ``seed``, write the reports."""
    started = time.perf_counter()
    claims = CLAIMS if claims is None else claims
    figures = FIGURES if figures is None else figures
    out = prepare_output_dir(out)
    cache = Cache(out / "cache", enabled=use_cache)
    mode = "quick" if quick else "full"
    specs = list(figures.values())
    verdicts, data, progress = _compute(_shown_claims(specs, quick, claims), specs, quick, cache, backend, quiet, seed)
    built, failed = _draw(specs, data, verdicts, out, quick, progress, seed)

    rows = [
        ClaimRow(
            claim.claim_id,
            claim.source,
            claim.statement,
            verdicts[claim.claim_id],
            f"qnets check {claim.claim_id}"
            + ("" if quick else " --full")
            + ("" if seed == SEED else f" --seed {seed}"),
            claim.bound,
        )
        for claim in claims.values()
    ]
    # sorted keys: a parameters dict may come from a set, whose order differs between processes
    write_json(out / "verdicts.json", [r.verdict.as_dict() for r in rows], sort_keys=True)
    report = Report(mode, rows, built, failed, environment(), time.perf_counter() - started, cache.events)
    write_markdown(out / "report.md", report)
    write_html(out / "report.html", report)
    return 0 if all(r.verdict.holds for r in rows) and not failed else 1
