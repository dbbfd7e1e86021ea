"""mutmut's test runner for .ci/mutation: run one mutant's killers and log how the mutant died.

``python .ci/mutation_kill.py serve SOCKET`` imports the heavy third-party libraries once (never
qnets) and then, per request, forks a child that imports qnets afresh from the (mutated) source
(from the tree $MUTATION_TREE if set) and runs pytest. ``python .ci/mutation_kill.py ARGS...``
sends pytest's ARGS to the server at $MUTATION_SOCKET (or runs pytest itself without one) and
exits with 0 if pytest passed, else 1 (mutmut 2 counts only status 1 as a kill). A request is killed when its client
goes away (mutmut's timeout) or after $MUTATION_MUTANT_TIMEOUT seconds (default 300; logged as a
timeout, and reported to mutmut as a kill, status 124). ``python .ci/mutation_kill.py map MODULE
OUT ARGS...`` writes which tests execute each line of MODULE (mutmut_config.py runs only those).

A kill is appended to $MUTATION_KILLS (JSON lines) with the mutated line (a diff of
$MUTATION_MODULE with mutmut's backup of it) and its kind: ``check`` when the first failure is an
assertion (a claim check or test that saw a wrong result, including ``pytest.raises``
mismatches), ``crash`` when it is any other exception (the mutant broke the code, not a result).
"""

from __future__ import annotations

import contextlib
import difflib
import importlib.util
import json
import os
import re
import select
import signal
import socket
import sys
import time

CHECK_PREFIXES = ("AssertionError", "assert ", "Failed:")


class FirstFailure:
    """pytest plugin: remembers the first failing test and its exception's message."""

    def __init__(self) -> None:
        self.nodeid: str | None = None
        self.message = ""

    @classmethod
    def of(cls, nodeid: str, message: str) -> FirstFailure:
        failure = cls()
        failure.nodeid, failure.message = nodeid, message
        return failure

    def pytest_runtest_logreport(self, report) -> None:
        if report.failed and self.nodeid is None:
            crash = getattr(report.longrepr, "reprcrash", None)
            self.nodeid, self.message = report.nodeid, crash.message if crash else str(report.longrepr)


def log_kill(failure: FirstFailure, kind: str | None = None) -> None:
    module, log = os.environ.get("MUTATION_MODULE"), os.environ.get("MUTATION_KILLS")
    if not (module and log and failure.nodeid and os.path.exists(module + ".bak")):  # .bak: mutmut's original
        return
    with open(module + ".bak") as original, open(module) as mutated:
        diff = list(difflib.unified_diff(original.readlines(), mutated.readlines(), n=0))
    hunks = [line for line in diff if line.startswith("@@")]
    record = {
        "module": module,
        "line": int(hunks[0].split()[2].lstrip("+").split(",")[0]) if hunks else 0,
        "mutant": [line[1:].rstrip("\n") for line in diff if line.startswith("+") and not line.startswith("+++")],
        "kind": kind or ("check" if failure.message.lstrip().startswith(CHECK_PREFIXES) else "crash"),
        "test": failure.nodeid,
        "message": failure.message[:300],
    }
    with open(log, "a") as stream:
        stream.write(json.dumps(record) + "\n")


def log_timeout() -> None:
    log_kill(FirstFailure.of("(timeout)", "timeout"), kind="timeout")


def import_from_tree(tree: str) -> None:
    """Make qnets, qnets.simulate, qnets.theory and qnets.figures import from ``tree`` (a copy of the
    source), as the package-dir mapping of pyproject.toml lays them out."""
    folders = {"qnets": "qnets", "qnets.simulate": "simulate", "qnets.theory": "theory", "qnets.figures": "figures"}

    class TreeFinder:
        @staticmethod
        def find_spec(name, path=None, target=None):
            if name not in folders:
                return None
            folder = os.path.join(tree, folders[name])
            init = os.path.join(folder, "__init__.py")
            return importlib.util.spec_from_file_location(name, init, submodule_search_locations=[folder])

    sys.meta_path.insert(0, TreeFinder)


def run_pytest(args: list[str]) -> int:
    import pytest

    failure = FirstFailure()
    code = int(pytest.main(args, plugins=[failure]))
    if code == 1:
        log_kill(failure)
    elif code != 0:  # the mutant broke collection (status 2 or 4) or left no test to run (5)
        failure.nodeid, failure.message = failure.nodeid or "(collection)", f"pytest status {code}"
        log_kill(failure, kind="crash")
    return code


#: Coverage context prefix of a collector's collection (a test module's import, its parametrize arguments).
COLLECTING = "collect:"


def credited_tests(context: str, tests: list[str]) -> list[str]:
    """The tests a coverage context stands for: itself, or for the collection of a collector (a test
    module, a folder, the session) every test under it, since what the module built at import (a
    problem in a parametrize argument, a module constant) is what those tests then use."""
    if not context.startswith(COLLECTING):
        return [context]
    node = context[len(COLLECTING) :]
    return [test for test in tests if not node or test.startswith((node + "::", node + "/"))]


def test_map(module: str, out: str, args: list[str]) -> None:
    """Run the killers once under coverage.py with each test as its own context and write, per line
    of ``module``, the tests that execute it: by the order of their files in ``args`` (a module's
    unit tests come first in ``.ci/mutation``: they are fast to fail and carry deadlines where a
    mutant can loop, so a looping mutant is not first run by a slow test that has none), then fastest
    first; a line run while a test module is collected counts as run by each of its tests (lines run
    only at qnets' import are left out)."""
    import coverage

    cov = coverage.Coverage(data_file=None, include=[os.path.abspath(module)])

    durations: dict[str, float] = {}
    passed: set[str] = set()

    class Contexts:
        def pytest_collectstart(self, collector) -> None:
            cov.switch_context(COLLECTING + collector.nodeid)

        def pytest_runtest_setup(self, item) -> None:
            cov.switch_context(item.nodeid)

        def pytest_runtest_logreport(self, report) -> None:
            durations[report.nodeid] = durations.get(report.nodeid, 0.0) + report.duration
            if report.when == "call" and report.passed:
                passed.add(report.nodeid)

    cov.start()
    import_from_tree(os.environ.get("MUTATION_TREE", os.getcwd()))
    # imported before any collection, so that its import-time lines (def, class) stay in no context
    name = module.removesuffix(".py").replace("/", ".")
    importlib.import_module(name if name.startswith("qnets.") else "qnets." + name)
    import pytest

    code = pytest.main(args, plugins=[Contexts()])
    cov.stop()
    if code != 0:
        sys.exit(f"the killers do not pass unmutated (pytest status {code})")
    data = cov.get_data()
    tests: dict[int, list[str]] = {}
    known = sorted(durations)
    files = [arg for arg in args if arg.endswith(".py")]

    def order(name: str) -> tuple[int, float, str]:
        path = name.split("::", 1)[0]
        return (files.index(path) if path in files else len(files), durations.get(name, 0), name)

    for filename in data.measured_files():
        for line, contexts in data.contexts_by_lineno(filename).items():
            names = {test for context in contexts if context for test in credited_tests(context, known)}
            tests[line] = sorted(names, key=order)
    with open(out, "w") as stream:  # the first failure (-x) comes soonest
        json.dump({line: names for line, names in tests.items() if names}, stream)
    with open(out + ".fastest", "w") as stream:  # mutmut's baseline run: one quick test that passes
        plain = [name for name in passed if re.fullmatch(r"[\w/.:\-]+", name)]  # safe on a shell line
        stream.write(min(plain, key=durations.__getitem__))


def child(args: list[str]) -> None:
    """In the forked child: pytest's output goes to /dev/null, its status is the exit code."""
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)
    try:
        if os.environ.get("MUTATION_TREE"):
            import_from_tree(os.environ["MUTATION_TREE"])
        code = run_pytest(args)
    except BaseException as error:
        log_kill(FirstFailure.of("(runner)", repr(error)), kind="crash")
        code = 3
    os._exit(code)


def serve(path: str) -> None:
    sys.dont_write_bytecode = True
    for name in ("numpy", "scipy.stats", "scipy.sparse.linalg", "scipy.optimize", "sympy", "cvxpy", "numba"):
        __import__(name)
    for name in ("matplotlib.pyplot", "sklearn.datasets", "mnist1d.data", "hypothesis", "pytest", "xdist"):
        __import__(name)
    assert not [name for name in sys.modules if name.startswith("qnets")], "the server must not import qnets"
    children: list[int] = []

    def stop(signum, frame) -> None:  # .ci/mutation ends: take the running child along
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(1)
    while True:
        conn, _ = server.accept()
        with conn:
            args = json.loads(conn.makefile().readline())
            pid = os.fork()
            if pid == 0:
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                server.close()
                child(args)
            children[:] = [pid]
            deadline = time.monotonic() + float(os.environ.get("MUTATION_MUTANT_TIMEOUT", "300"))
            while True:
                done, status = os.waitpid(pid, os.WNOHANG)
                if done:
                    conn.sendall(f"{os.waitstatus_to_exitcode(status)}\n".encode())
                    break
                if time.monotonic() > deadline:  # a mutant that makes the killers hang: counted as a timeout
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                    log_timeout()
                    conn.sendall(b"124\n")
                    break
                if select.select([conn], [], [], 0.1)[0] and not conn.recv(1):  # the client went away
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                    break


def request(args: list[str]) -> int:
    path = os.environ.get("MUTATION_SOCKET")
    if not path:
        if os.environ.get("MUTATION_TREE"):
            import_from_tree(os.environ["MUTATION_TREE"])
        return run_pytest(args)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.connect(path)
        conn.sendall((json.dumps(args) + "\n").encode())
        reply = conn.makefile().readline()
    return int(reply) if reply.strip() else 3


if __name__ == "__main__":
    if sys.argv[1:2] == ["serve"]:
        serve(sys.argv[2])
    elif sys.argv[1:2] == ["map"]:
        test_map(sys.argv[2], sys.argv[3], sys.argv[4:])
    else:
        # mutmut 2 counts only status 1 as a kill (a collection error, 2, would "survive")
        sys.exit(0 if request(sys.argv[1:]) == 0 else 1)
