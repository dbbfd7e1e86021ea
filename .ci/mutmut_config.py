"""mutmut 2 hook for .ci/mutation: each mutant runs only those of its module's killers that execute
the mutated line (from $MUTATION_MAP, written by ``mutation_kill.py map``); a line no test reaches
at run time (module level, numba-compiled, or never run) gets all of them."""

from __future__ import annotations

import json
import os
import shlex

_TESTS: dict[str, list[str]] | None = None


def pre_mutation(context) -> None:
    global _TESTS
    if _TESTS is None:
        path = os.environ.get("MUTATION_MAP", "")
        _TESTS = {}
        if os.path.exists(path):
            with open(path) as stream:
                _TESTS = json.load(stream)
    tests = _TESTS.get(str(context.mutation_id.line_number + 1))
    if tests:
        context.config.test_command = os.environ["MUTATION_RUNNER"] + " " + " ".join(map(shlex.quote, tests))
