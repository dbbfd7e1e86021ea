"""Per-module table of a .ci/mutation run, read from each module's .mutmut-cache and kill log.

``python .ci/mutation_table.py MODULE...`` prints one markdown row per module; ``--survivors``
lists every surviving, timed-out or untested mutant instead (line number, mutmut id, source line).
Equivalent mutants are listed in .ci/mutation_equivalent.tsv (module, line number, mutmut index
on that line, reason); they leave the denominator. "by check" counts kills whose first failure
was an assertion, "by crash" those that died of another exception (see mutation_kill.py), each
mutant by its own logged kill (matched by its mutated line).
"""

from __future__ import annotations

import csv
import json
import sqlite3
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUERY = """SELECT m.id, l.line_number + 1, m."index", m.status, l.line FROM Mutant m
JOIN Line l ON m.line = l.id JOIN SourceFile s ON l.sourcefile = s.id WHERE s.filename = ?"""


def equivalents() -> dict[tuple[str, int, int], str]:
    with open(ROOT / ".ci" / "mutation_equivalent.tsv") as stream:
        rows = csv.reader((line for line in stream if not line.startswith("#")), delimiter="\t")
        return {(module, int(line), int(index)): reason for module, line, index, reason in rows}


def mutants(module: str) -> tuple[list[tuple], dict[tuple[int, str], str], dict[int, set[str]]]:
    """The module's mutants (id, line number, index on the line, status, source line), the kind of
    the last logged kill of each mutated line text (``(line number, mutated line) -> kind``), and the
    kinds logged per line (the fallback where a mutant's text is not in the log)."""
    tree = ROOT / ".mutation-trees" / module.replace("/", "_")
    if not (tree / ".mutmut-cache").exists():
        return [], {}, {}
    with sqlite3.connect(tree / ".mutmut-cache") as db:
        rows = db.execute(QUERY, (module,)).fetchall()
    by_mutant: dict[tuple[int, str], str] = {}
    by_line: dict[int, set[str]] = {}
    log = tree / ".mutmut-kills.jsonl"
    for record in map(json.loads, log.read_text().splitlines() if log.exists() else []):
        by_line.setdefault(record["line"], set()).add(record["kind"])
        if len(record["mutant"]) == 1:  # a one-line mutant; later records (a retest) win
            by_mutant[record["line"], record["mutant"][0].strip()] = record["kind"]
    return rows, by_mutant, by_line


def mutated_line(module: str, line: int, index: int, text: str) -> str:
    """The mutant's version of ``line``, recomputed by mutmut's own mutator (without its cache)."""
    from mutmut import Context, RelativeMutationID, mutate

    source = (ROOT / module).read_text()
    context = Context(source=source, mutation_id=RelativeMutationID(text, index, line - 1), filename=module)
    mutated = mutate(context)[0].split("\n")
    return mutated[line - 1].strip() if len(mutated) == len(source.split("\n")) else "(line removed)"


def kill_kind(module: str, killed: tuple, by_mutant: dict, by_line: dict) -> str:
    """How a killed mutant died: the kind logged for its own mutated line, else (a mutant that
    removes a line, or a log without it) by its line: ``timeout`` when every kill logged there was
    one, ``crash`` when every kill there was a crash or a timeout, else ``check``."""
    _, line, index, _, text = killed
    kind = by_mutant.get((line, mutated_line(module, line, index, text)))
    if kind:
        return kind
    kinds = by_line.get(line, set())
    if kinds == {"timeout"}:
        return "timeout"
    return "crash" if "crash" in kinds and kinds <= {"crash", "timeout"} else "check"


def row(module: str, equivalent: dict) -> str:
    """One markdown row; a kill is counted by check, by crash or as a timeout (not judged) per mutant."""
    rows, by_mutant, by_line = mutants(module)
    kinds = {r[0]: kill_kind(module, r, by_mutant, by_line) for r in rows if r[3].startswith("ok_")}
    killed_rows = [r for r in rows if r[3].startswith("ok_")]
    rest = [r for r in rows if not r[3].startswith("ok_")]
    timed_out_rows = [r for r in killed_rows if kinds[r[0]] == "timeout"]  # stopped by mutation_kill.py: not judged
    eq = sum((module, r[1], r[2]) in equivalent for r in rest + timed_out_rows)
    status = [r[3] for r in rest if (module, r[1], r[2]) not in equivalent]
    by_crash = sum(kinds[r[0]] == "crash" for r in killed_rows)
    timed_out = sum((module, r[1], r[2]) not in equivalent for r in timed_out_rows)
    killed = len(killed_rows) - len(timed_out_rows)
    untested = status.count("untested") + status.count("skipped")
    tested = len(rows) - untested - eq
    share = f"{100 * killed / tested:.1f}%" if tested else "-"
    cells = [len(rows), killed, killed - by_crash, by_crash, status.count("bad_survived")]
    cells += [status.count("bad_timeout") + timed_out, untested, eq, share]
    return f"| {module} | " + " | ".join(map(str, cells)) + " |"


def main(args: list[str]) -> None:
    equivalent = equivalents()
    if args and args[0] == "--survivors":
        for module in args[1:]:
            for mid, line, index, status, text in sorted(mutants(module)[0], key=lambda r: r[1]):
                if status not in ("ok_killed", "ok_suspicious") and (module, line, index) not in equivalent:
                    print(f"{module}:{line} id={mid} index={index} {status}: {text.strip()}")
                    print(f"    -> {mutated_line(module, line, index, text)}")
        return
    print("| module | generated | killed | by check | by crash | survived | timeout | untested | equivalent |", end="")
    print(" killed / tested non-equivalent |")
    print("|" + "---|" * 10)
    for module in args:
        print(row(module, equivalent))


if __name__ == "__main__":
    main(sys.argv[1:])
