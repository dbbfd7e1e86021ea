"""Input validation shared by every public entry point of :mod:`qnets.simulate`.

Each helper raises :class:`~qnets.errors.InputTypeError` or :class:`~qnets.errors.InputError`
(a ``TypeError`` / ``ValueError``) with a message that names the parameter and the allowed
range, so that bad input never reaches the numerics.

Sizes: :func:`allocation` refuses an array of more than ``MAX_ARRAY_BYTES`` before it is
allocated, so that an API call given a huge size fails with a message naming the argument
instead of a ``MemoryError`` (the command line's ``--max-memory`` budgets whole commands).
Scales (noise widths, say) are capped at ``MAX_SCALE`` so that their squares and the products
the numerics form with them stay finite.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import TypeVar

import numpy as np

from qnets.errors import InputError, InputTypeError
from qnets.units import format_bytes

T = TypeVar("T")

#: The largest array one API call allocates on its own (4 GiB).
MAX_ARRAY_BYTES = 4 * 2**30
#: The largest scale parameter accepted: its square times 1e8 is still a finite double.
MAX_SCALE = 1e150


def allocation(what: str, count: int, item_bytes: int = 8, hint: str = "") -> int:
    """Return ``count`` (a Python int) if ``count`` items of ``item_bytes`` fit in ``MAX_ARRAY_BYTES``.

    Raises :class:`InputError` naming ``what``, the size and the limit otherwise (``hint`` is
    appended: what to change).
    """
    count = int(count)
    if count * item_bytes > MAX_ARRAY_BYTES:
        raise InputError(
            f"{what} would allocate {count} entries ({format_bytes(count * item_bytes)}), above the "
            f"{format_bytes(MAX_ARRAY_BYTES)} limit of one array{hint}"
        )
    return count


def real_number(name: str, value: object) -> float:
    """Return ``value`` as a finite float, or raise naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InputTypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value):
        raise InputError(f"{name} must be finite, got {value}")
    return value


def positive(name: str, value: object, maximum: float = math.inf) -> float:
    """Return ``value`` as a float in (0, maximum], or raise naming ``name``."""
    value = real_number(name, value)
    if value <= 0 or value > maximum:
        raise InputError(f"{name} must be > 0{_at_most(maximum)}, got {value}")
    return value


def non_negative(name: str, value: object, maximum: float = math.inf) -> float:
    """Return ``value`` as a float in [0, maximum], or raise naming ``name``."""
    value = real_number(name, value)
    if value < 0 or value > maximum:
        raise InputError(f"{name} must be >= 0{_at_most(maximum)}, got {value}")
    return value


def _at_most(maximum: float) -> str:
    return "" if maximum == math.inf else f" and <= {maximum:g}"


def integer(name: str, value: object, minimum: int, maximum: int | None = None) -> int:
    """Return ``value`` as an int in ``[minimum, maximum]``, or raise naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InputTypeError(f"{name} must be an integer, got {type(value).__name__}")
    value = int(value)
    if value < minimum or (maximum is not None and value > maximum):
        upper = "" if maximum is None else f" and <= {maximum}"
        raise InputError(f"{name} must be an integer >= {minimum}{upper}, got {value}")
    return int(value)


def generator(name: str, value: object) -> np.random.Generator:
    """Return ``value`` if it draws like a ``numpy.random.Generator`` (it has ``random(size, out)``),
    or raise naming ``name``.  Duck typing lets tests enumerate the uniforms a quantizer consumes."""
    if not isinstance(value, np.random.Generator) and not callable(getattr(value, "random", None)):
        raise InputTypeError(f"{name} must be a numpy.random.Generator, got {type(value).__name__}")
    return value  # type: ignore[return-value]  # a generator or a stand-in with its random()


def finite_array(name: str, value: object, ndim: int | None = None) -> np.ndarray:
    """Return ``value`` as a float64 array with only finite entries."""
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as error:
        raise InputTypeError(f"{name} must be an array of real numbers") from error
    if ndim is not None and array.ndim != ndim:
        raise InputError(f"{name} must have {ndim} dimension(s), got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise InputError(f"{name} must contain only finite entries (no NaN or inf)")
    return array


def vector(name: str, value: object, d: int) -> np.ndarray:
    """Return ``value`` as a finite float vector of length ``d`` (scalars broadcast)."""
    array = finite_array(name, value)
    if array.ndim == 0:
        return np.full(d, float(array))
    if array.shape != (d,):
        raise InputError(f"{name} must be a scalar or have shape ({d},), got {array.shape}")
    return array.copy()


def chain_array(name: str, value: object, d: int) -> np.ndarray:
    """Check that ``value`` is a finite array of shape ``(n_chains, d)``."""
    array = finite_array(name, value, ndim=2)
    if array.shape[1] != d:
        raise InputError(f"{name} must have shape (n_chains, {d}), got {array.shape}")
    return array


def choice(name: str, value: str, allowed: Mapping[str, T]) -> T:
    """Look ``value`` up in ``allowed``, or raise listing the allowed names."""
    try:
        return allowed[value]
    except (KeyError, TypeError):
        names = ", ".join(sorted(allowed))
        raise InputError(f"unknown {name} {value!r}; allowed: {names}") from None
