"""Learning-rate schedules ``a_t`` for zero-based step counts ``t = 0, 1, 2, ...``.

* ``constant(a)``: ``a_t = a``;
* ``inverse_time(mu)``: ``a_t = 1 / (mu (t + 1))`` (claims C3, C6);
* ``inverse_sqrt(c)``: ``a_t = c / sqrt(t + 1)`` (claims C4, C5; ``c / sqrt(t)`` with
  one-based ``t``);
* ``annealed(start, end, steps)``: ``a_t = max(end, start (end/start)^(t/steps))``, a geometric
  decay held at ``end`` (claim M4: the greedy-search phase of SGD and BC).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from qnets.simulate import _validate

from qnets.errors import InputError


@dataclass(frozen=True)
class Constant:
    """``a_t = a``."""

    a: float
    name = "constant"

    def __post_init__(self) -> None:
        object.__setattr__(self, "a", _validate.positive("a", self.a))

    def __call__(self, t: int) -> float:
        return self.a


@dataclass(frozen=True)
class InverseTime:
    """``a_t = 1 / (mu (t + 1))``."""

    mu: float
    name = "inverse_time"

    def __post_init__(self) -> None:
        object.__setattr__(self, "mu", _validate.positive("mu", self.mu))

    def __call__(self, t: int) -> float:
        return 1.0 / (self.mu * (t + 1))


@dataclass(frozen=True)
class InverseSqrt:
    """``a_t = c / sqrt(t + 1)``."""

    c: float
    name = "inverse_sqrt"

    def __post_init__(self) -> None:
        object.__setattr__(self, "c", _validate.positive("c", self.c))

    def __call__(self, t: int) -> float:
        return self.c / math.sqrt(t + 1)


@dataclass(frozen=True)
class Annealed:
    """``a_t = start (end/start)^(t/steps)`` for ``t < steps``, then ``end``."""

    start: float
    end: float
    steps: int
    name = "annealed"

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", _validate.positive("start", self.start))
        object.__setattr__(self, "end", _validate.positive("end", self.end))
        object.__setattr__(self, "steps", _validate.integer("steps", self.steps, minimum=1))
        if self.end > self.start:
            raise InputError(f"end must be <= start={self.start}, got {self.end}")

    def __call__(self, t: int) -> float:
        return self.start * (self.end / self.start) ** (min(t, self.steps) / self.steps)


Schedule = Constant | InverseTime | InverseSqrt | Annealed


def constant(a: float) -> Constant:
    """``a_t = a``.

    Parameters
    ----------
    a : float
        The step size, finite and > 0.

    Returns
    -------
    Schedule
        Callable as ``schedule(t)`` for steps ``t = 0, 1, ...``.

    Raises
    ------
    InputError
        If ``a`` is not finite and > 0.

    Examples
    --------
    >>> from qnets.simulate import constant
    >>> constant(0.1)(7)
    0.1
    """
    return Constant(a)


def inverse_time(mu: float) -> InverseTime:
    """``a_t = 1 / (mu (t + 1))`` (the step of claim C3 for a ``mu``-strongly convex objective).

    Parameters
    ----------
    mu : float
        The strong-convexity constant, finite and > 0.

    Returns
    -------
    Schedule
        Callable as ``schedule(t)`` for steps ``t = 0, 1, ...``.

    Raises
    ------
    InputError
        If ``mu`` is not finite and > 0.

    Examples
    --------
    >>> from qnets.simulate import inverse_time
    >>> inverse_time(2.0)(1)
    0.25
    """
    return InverseTime(mu)


def inverse_sqrt(c: float) -> InverseSqrt:
    """``a_t = c / sqrt(t + 1)`` (the step of claims C4 and C5).

    Parameters
    ----------
    c : float
        The scale, finite and > 0.

    Returns
    -------
    Schedule
        Callable as ``schedule(t)`` for steps ``t = 0, 1, ...``.

    Raises
    ------
    InputError
        If ``c`` is not finite and > 0.

    Examples
    --------
    >>> from qnets.simulate import inverse_sqrt
    >>> inverse_sqrt(0.5)(3)
    0.25
    """
    return InverseSqrt(c)


def annealed(start: float, end: float, steps: int) -> Annealed:
    """Geometric decay from ``start`` to ``end`` over ``steps`` steps, then constant.

    Parameters
    ----------
    start : float
        The first step size, finite and > 0.
    end : float
        The last step size, finite, > 0 and <= ``start``.
    steps : int
        Steps of the decay, >= 1.

    Returns
    -------
    Schedule
        Callable as ``schedule(t)`` for steps ``t = 0, 1, ...``.

    Raises
    ------
    InputError
        If a value is out of its range (``end`` above ``start``, a step size not > 0).

    Examples
    --------
    >>> from qnets.simulate import annealed
    >>> schedule = annealed(0.5, 0.05, 3)
    >>> [round(schedule(t), 4) for t in range(5)]
    [0.5, 0.2321, 0.1077, 0.05, 0.05]
    """
    return Annealed(start, end, steps)


SCHEDULES: dict[str, Callable[[float], Schedule]] = {
    "constant": constant,
    "inverse_time": inverse_time,
    "inverse_sqrt": inverse_sqrt,
}


def schedule_by_name(name: str, value: float) -> Schedule:
    """A schedule from its name and its one parameter.

    Parameters
    ----------
    name
        ``constant``, ``inverse_time`` or ``inverse_sqrt`` (``-`` or ``_`` separated).
    value
        ``a`` for ``constant``, ``mu`` for ``inverse_time``, ``c`` for ``inverse_sqrt``; finite, > 0.

    Returns
    -------
    Schedule

    Raises
    ------
    InputError
        For an unknown name or a value that is not finite and positive.

    Examples
    --------
    >>> from qnets.simulate import schedule_by_name
    >>> schedule_by_name("inverse-sqrt", 0.5)(3)
    0.25
    """
    factory = _validate.choice("schedule", str(name).replace("-", "_"), SCHEDULES)
    return factory(value)
