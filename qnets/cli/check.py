"""``qnets check``: run claim checks and print their verdicts, or say where a claim lives."""

from __future__ import annotations

import argparse
import re
import sys
from importlib import import_module
from pathlib import Path

from qnets.cli._common import (
    add_memory_option,
    add_parallel_options,
    add_seed_option,
    add_speed_options,
    backend_of,
    check_full_work,
    print_table,
)
from qnets.cli.choices import CLAIM_IDS
from qnets.cli.commands import HELPS
from qnets.cli.parsing import did_you_mean

HELP = HELPS["check"]
#: Where the subpackages of ``qnets`` live in the source tree (``package-dir`` in pyproject.toml).
SOURCE_FOLDERS = {"qnets.simulate": "simulate", "qnets.theory": "theory", "qnets.figures": "figures"}


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``check`` and its options to ``commands``."""
    check = commands.add_parser("check", help=HELP, description=HELP)
    check.add_argument(
        "ids", nargs="*", type=parse_claim_id, help="claim ids such as C3 M2 E1, in any case (default: all)"
    )
    add_speed_options(
        check,
        "about a minute on 2 cores",
        "about 22 minutes on 2 cores for every claim by their recorded times, most of it N1-N5",
    )
    add_seed_option(check, "the checks")
    add_parallel_options(check)
    add_memory_option(check, full_runs_only=True)
    check.add_argument("--json", action="store_true", help="machine-readable verdicts (with --where: the files)")
    check.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    check.add_argument(
        "--where",
        action="store_true",
        help="print the files of each claim (statement and check, derivation, tests, figures, notes) instead of "
        "running its check",
    )
    check.set_defaults(handler=run_command)


def parse_claim_id(text: str) -> str:
    """An argparse type: the claim id that ``text`` names, in any case (``c3`` is ``C3``)."""
    key = text.strip().upper()
    if key not in CLAIM_IDS:
        hint = did_you_mean(key, CLAIM_IDS)
        raise argparse.ArgumentTypeError(f"unknown claim id {text!r}{hint}; known: {', '.join(CLAIM_IDS)}")
    return key


def source_path(module: str) -> Path:
    """The source-tree path of the module ``module`` (``qnets.theory.convex`` is ``theory/convex.py``)."""
    for package, folder in SOURCE_FOLDERS.items():
        if module == package or module.startswith(package + "."):
            return Path(folder, *module[len(package) + 1 :].split(".")).with_suffix(".py")
    return Path(*module.split(".")).with_suffix(".py")


def source_root() -> Path:
    """The top of the source tree: the folder holding ``qnets/`` (and, in a checkout, ``tests/``)."""
    return Path(import_module("qnets").__file__ or "").resolve().parent.parent


def notes_section(notes: str, claim_id: str) -> str:
    """``notes`` with the anchor of its section headed by ``claim_id`` (GitHub's heading slug), if
    the file is in the source tree and has such a heading."""
    path = source_root() / notes
    if not path.is_file():
        return notes
    for line in path.read_text().splitlines():
        heading = re.match(r"#{2,4} (.*)", line)
        if heading and re.match(rf"{claim_id}\b", heading[1]):
            slug = re.sub(r"[^\w\- ]", "", heading[1].lower()).replace(" ", "-")
            return f"{notes}#{slug}"
    return notes


def where(claim_id: str) -> dict[str, str | list[str]]:
    """The files of ``claim_id``: its module (statement, sizes, check), derivation, tests, the
    figures that show it and its notes section, as source-tree paths."""
    from qnets.claims import CLAIMS
    from qnets.figures.registry import FIGURES

    claim = CLAIMS[claim_id]
    own = str(source_path(claim.module))
    files: dict[str, str | list[str]] = {"claim": claim_id, "statement": own, "check": own}
    if claim.derivation is not None:
        files["derivation"] = str(source_path(claim.derivation))
    files["tests"] = str(claim.test_file())
    files["figures"] = [str(source_path(FIGURES[name].draw.__module__)) for name in claim.figures]
    files["notes"] = notes_section(claim.notes, claim_id)
    return files


def _distinct_ids(resolved: list[str]) -> list[str]:
    """The claim ids ``resolved`` (validated by :func:`parse_claim_id`), each once, in the order given;
    a repeated id is run once and a line on stderr says so."""
    ids = list(dict.fromkeys(resolved))
    for claim_id in ids:
        if resolved.count(claim_id) > 1:
            print(
                f"qnets check: claim {claim_id} given {resolved.count(claim_id)} times; it is checked once",
                file=sys.stderr,
            )
    return ids


def _full_wall_seconds(ids: list[str]) -> float:
    """The expected wall seconds of the full-size checks ``ids`` on 2 processes, each its own task
    handed out in the order given (as :func:`qnets.claims.run_checks` does), so each pays for its
    study (:func:`qnets.pipeline.reproduce.study_seconds`)."""
    from qnets.claims import CLAIMS
    from qnets.pipeline.reproduce import study_seconds
    from qnets.pipeline.schedule import wall_seconds

    claims = [CLAIMS[claim_id] for claim_id in ids]
    return wall_seconds([max(claim.full_seconds, study_seconds(claim.study)) for claim in claims], workers=2)


def _print_where(ids: list[str], as_json: bool) -> None:
    from qnets.output import dumps

    places = [where(claim_id) for claim_id in ids]
    if as_json:
        print(dumps(places if len(places) > 1 else places[0]))
        return
    for files in places:
        print(f"claim {files['claim']}")
        for kind, value in files.items():
            for path in [value] if isinstance(value, str) else value:
                if kind != "claim":
                    print(f"  {kind.rstrip('s') if kind == 'figures' else kind}: {path}")


def run_command(args: argparse.Namespace) -> int:
    """Run the checks (exit status 1 if any fails), or print where the claims live."""
    from qnets.claims import CLAIMS, Verdict, run_checks
    from qnets.output import dumps
    from qnets.pipeline.progress import Progress
    from qnets.pipeline.report import ratio_cell

    ids = _distinct_ids(args.ids) if args.ids else list(CLAIMS)
    if args.where:
        _print_where(ids, args.json)
        return 0
    check_full_work(_full_wall_seconds(ids), args, "check")
    backend = backend_of(args)
    costs = {f"check {claim_id}": CLAIMS[claim_id].full_seconds for claim_id in ids}
    progress = Progress(len(ids), args.quiet, costs)
    progress.say(f"{len(ids)} claim checks on {backend.description}")

    def report(index: int, verdict: Verdict, seconds: float) -> None:
        progress.finish(f"check {ids[index]}", "holds" if verdict.holds else "FAILS", seconds)

    verdicts = run_checks(ids, quick=not args.full, seed=args.seed, backend=backend, on_result=report)
    if args.json:
        print(dumps([v.as_dict() for v in verdicts], sort_keys=True))
    else:
        rows = [["claim", "source", "verdict", "measured", "bound", "margin", "ratio", "parts", "detail"]]
        for v in verdicts:
            rows.append(
                [
                    v.claim_id,
                    CLAIMS[v.claim_id].source,
                    "holds" if v.holds else "FAILS",
                    f"{v.measured:.4g}",
                    f"{v.bound:.4g}",
                    f"{v.margin:.2g}",
                    ratio_cell(v),
                    v.parts_text() or "-",
                    v.detail,
                ]
            )
        print_table(rows, align=str.ljust)
    return 0 if all(v.holds for v in verdicts) else 1
