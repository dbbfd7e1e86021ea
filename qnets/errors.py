"""The toolkit's own error types: bad input, and faults of the run's environment.

Every public entry point validates its arguments and raises :class:`InputError` (a
``ValueError``) or :class:`InputTypeError` (also a ``TypeError``) with a message that names the
parameter and the allowed range.  The command line turns exactly these into a one-line message
and exit status 2.  A :class:`RunFaultError` (a lost cluster, a write that failed) becomes one line
and exit status 1.  Any other exception is a bug and keeps its traceback.
"""

from __future__ import annotations


class InputError(ValueError):
    """An argument is out of its allowed range (the message names it and the range)."""


class InputTypeError(InputError, TypeError):
    """An argument has the wrong type (the message names it and the type expected)."""


class RunFaultError(RuntimeError):
    """The run's environment failed (a lost Dask cluster, a full disk): the message names the
    option or file and the cause; what finished before it is kept."""


class WriteError(RunFaultError, OSError):
    """A file could not be written (a full disk, a file system gone read-only); the message names
    the file and the cause, and nothing half-written is left behind.  It is an ``OSError`` too, so
    callers that can go on without the file (the result cache) still catch it as one."""


class Stopped(KeyboardInterrupt):
    """The process was asked to stop by a signal (``SIGTERM``, ``SIGHUP``): handled like Ctrl-C,
    with the exit status ``128 + signal``."""

    def __init__(self, number: int, name: str) -> None:
        super().__init__(name)
        self.number = number
        self.name = name
