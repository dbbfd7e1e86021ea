"""mutmut 2 hook for .ci/mutation: each mutant runs only those of its module's killers that execute
the mutated line (from $MUTATION_MAP, written by ``mutation_kill.py map``). A line that runs only at
import time (a ``def`` or ``class`` line, a decorator, a default) gets the tests that execute the
body of the innermost function or class around it; one outside any (a module constant), or whose
function no killer runs, gets all of them ($MUTATION_KILLERS). A line of a numba-compiled function
gets its tests and then all of them: coverage.py sees such a line only where a test runs the function
uncompiled (a Python form, or a call from Python), never where compiled code calls it."""

from __future__ import annotations

import ast
import json
import os
import shlex

_TESTS: dict[int, list[str]] | None = None


def _load(filename: str) -> dict[int, list[str]]:
    path = os.environ.get("MUTATION_MAP", "")
    if not os.path.exists(path):
        return {}
    with open(path) as stream:
        tests = {int(line): names for line, names in json.load(stream).items()}
    with open(filename) as stream:
        tree = ast.parse(stream.read())
    nodes = [node for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
    spans = [
        (min([node.lineno] + [d.lineno for d in node.decorator_list]), node.end_lineno or node.lineno) for node in nodes
    ]
    compiled = {span for span, node in zip(spans, nodes, strict=True) if any(map(_is_numba, node.decorator_list))}
    fallback: dict[int, list[str]] = {}
    for start, end in sorted(spans, key=lambda span: span[1] - span[0]):  # innermost first: it wins
        body = list(dict.fromkeys(name for line in range(start, end + 1) for name in tests.get(line, [])))
        for line in range(start, end + 1):
            if body:
                fallback.setdefault(line, body)
    lines = {**fallback, **tests}  # a line's own tests first
    everything = shlex.split(os.environ.get("MUTATION_KILLERS", ""))
    for start, end in compiled:
        for line in range(start, end + 1):
            lines[line] = lines.get(line, []) + [name for name in everything if name not in lines.get(line, [])]
    return lines


def _is_numba(decorator: ast.expr) -> bool:
    """``@numba.njit``, ``@numba.jit``, ``@njit`` and their calls (``@numba.njit(cache=True)``)."""
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return ast.unparse(target) in {"numba.njit", "numba.jit", "njit", "jit"}


def pre_mutation(context) -> None:
    global _TESTS
    if _TESTS is None:
        _TESTS = _load(context.filename)
    tests = _TESTS.get(context.mutation_id.line_number + 1)
    names = " ".join(map(shlex.quote, tests)) if tests else os.environ["MUTATION_KILLERS"]
    context.config.test_command = os.environ["MUTATION_RUNNER"] + " " + names
    # mutmut's own timeout is 10x its baseline run, which .ci/mutation keeps to one quick test (the
    # coverage map already ran every killer unmutated); mutation_kill.py enforces the real bound
    context.config.baseline_time_elapsed = float(os.environ.get("MUTATION_MUTANT_TIMEOUT", "240")) / 10 + 5
