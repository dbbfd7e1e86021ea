"""Every public function of qnets.simulate documents Parameters, Returns, Raises and an Example,
and the examples run (issue 21)."""

from __future__ import annotations

import doctest
import inspect

import pytest
import qnets.simulate as simulate

FUNCTIONS = [name for name in simulate.__all__ if inspect.isfunction(getattr(simulate, name))]


@pytest.mark.parametrize("name", FUNCTIONS)
def test_public_function_has_every_section_and_its_example_runs(name):
    function = getattr(simulate, name)
    text = inspect.getdoc(function) or ""
    for section in ("Parameters", "Returns", "Raises", "Examples"):
        assert f"\n{section}\n" in f"\n{text}", f"{name}: no {section} section"
    finder = doctest.DocTestFinder(recurse=False)
    (test,) = finder.find(function, name, globs={})
    assert test.examples, f"{name}: the Examples section has no doctest"
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    result = runner.run(test)
    assert result.failed == 0 and result.attempted == len(test.examples)
