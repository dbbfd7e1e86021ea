"""Input validation shared by every public entry point of :mod:`simulate`.

Each helper raises ``TypeError`` or ``ValueError`` with a message that names the
parameter and the allowed range, so that bad input never reaches the numerics.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import TypeVar

import numpy as np

from qnets.errors import InputError, InputTypeError

T = TypeVar("T")


def real_number(name: str, value: object) -> float:
    """Return ``value`` as a finite float, or raise naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InputTypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value):
        raise InputError(f"{name} must be finite, got {value}")
    return value


def positive(name: str, value: object) -> float:
    """Return ``value`` as a float in (0, inf), or raise naming ``name``."""
    value = real_number(name, value)
    if value <= 0:
        raise InputError(f"{name} must be > 0, got {value}")
    return value


def non_negative(name: str, value: object) -> float:
    """Return ``value`` as a float in [0, inf), or raise naming ``name``."""
    value = real_number(name, value)
    if value < 0:
        raise InputError(f"{name} must be >= 0, got {value}")
    return value


def integer(name: str, value: object, minimum: int) -> int:
    """Return ``value`` as an int >= ``minimum``, or raise naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InputTypeError(f"{name} must be an integer, got {type(value).__name__}")
    if value < minimum:
        raise InputError(f"{name} must be an integer >= {minimum}, got {value}")
    return int(value)


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
