"""The command line's parser, importable without numpy: one-line usage errors, options that may
be given only once, and "did you mean" for a mistyped choice (commands, claims, figures).

:class:`Parser` prints a usage error as one line (``qnets simulate: error: argument --lr:
...``) naming the command whose option it is, and refuses an option given twice (``store`` and
``store_true`` options) or a value repeated in an ``append`` option.
"""

from __future__ import annotations

import argparse
import re
import textwrap
from difflib import get_close_matches
from typing import NoReturn


def did_you_mean(text: str, known: list[str] | tuple[str, ...]) -> str:
    """`` (did you mean X?)`` for the closest of ``known`` to ``text`` (case-insensitive), else ``""``."""
    lowered = {k.lower(): k for k in known}
    close = get_close_matches(text.lower(), list(lowered), n=1, cutoff=0.6)
    return f" (did you mean {lowered[close[0]]}?)" if close else ""


class UsageError(Exception):
    """A command-line usage error; its message is the one line to print."""


class StoreOnce(argparse._StoreAction):
    """``store``, refusing a second occurrence of the option."""

    def __call__(self, parser, namespace, values, option_string=None):
        _mark_given(self, namespace)
        super().__call__(parser, namespace, values, option_string)


class StoreTrueOnce(argparse._StoreTrueAction):
    """``store_true``, refusing a second occurrence of the flag."""

    def __call__(self, parser, namespace, values, option_string=None):
        _mark_given(self, namespace)
        super().__call__(parser, namespace, values, option_string)


class AppendDistinct(argparse._AppendAction):
    """``append``, refusing a value given twice."""

    def __call__(self, parser, namespace, values, option_string=None):
        if values in (getattr(namespace, self.dest, None) or []):
            raise argparse.ArgumentError(self, f"value {values!r} given twice")
        super().__call__(parser, namespace, values, option_string)


def given(args: argparse.Namespace, dest: str) -> bool:
    """Whether the option stored in ``dest`` was given on the command line (not left at its default)."""
    return dest in vars(args).get("_given", set())


def _mark_given(action: argparse.Action, namespace: argparse.Namespace) -> None:
    given = vars(namespace).setdefault("_given", set())
    if action.dest in given:
        raise argparse.ArgumentError(action, "given twice; give it once")
    given.add(action.dest)


class WholeWordsFormatter(argparse.HelpFormatter):
    """argparse's help layout, wrapped at spaces only: a name such as ``floor-vs-delta`` or
    ``--max-memory`` is never split at its hyphens, so what the help lists can be copied."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        return textwrap.wrap(self._whitespace_matcher.sub(" ", text).strip(), width, break_on_hyphens=False)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        text = self._whitespace_matcher.sub(" ", text).strip()
        return textwrap.fill(text, width, initial_indent=indent, subsequent_indent=indent, break_on_hyphens=False)


class RawDescriptionFormatter(argparse.RawDescriptionHelpFormatter, WholeWordsFormatter):
    """:class:`WholeWordsFormatter` keeping the description and epilog as written (examples)."""


class Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are one line, whose options may be given only once, and
    whose help wraps at spaces only (:class:`WholeWordsFormatter`)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", WholeWordsFormatter)
        super().__init__(*args, **kwargs)
        self.register("action", None, StoreOnce)
        self.register("action", "store", StoreOnce)
        self.register("action", "store_true", StoreTrueOnce)
        self.register("action", "append", AppendDistinct)

    def error(self, message: str) -> NoReturn:
        """Raise the one-line usage error (``main`` prints it and exits with status 2); a mistyped
        choice gets the closest valid one."""
        choice = re.search(r"invalid choice: '?([^' ]+)'? \(choose from (.*)\)", message)
        if choice:
            message += did_you_mean(choice.group(1), [c.strip(" '") for c in choice.group(2).split(",")])
        raise UsageError(f"{self.prog}: error: {message} (see {self.prog} --help)")
