"""The toolkit's own error types for bad input.

Every public entry point validates its arguments and raises :class:`InputError` (a
``ValueError``) or :class:`InputTypeError` (also a ``TypeError``) with a message that names the
parameter and the allowed range.  The command line turns exactly these into a one-line message
and exit status 2; any other exception is a bug and keeps its traceback.
"""

from __future__ import annotations


class InputError(ValueError):
    """An argument is out of its allowed range (the message names it and the range)."""


class InputTypeError(InputError, TypeError):
    """An argument has the wrong type (the message names it and the type expected)."""
