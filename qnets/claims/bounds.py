"""A problem's constants as a bound's symbols, and the bounds evaluated at them.

:func:`constants_of` is the one place where a problem, its box and its grid are mapped onto the
symbols of :mod:`qnets.theory.symbols` (``G``, ``D``, ``mu``, ``L``, ``L2``, ``d``, ``Delta`` and
the schedule's ``c``); :func:`bound_value` and :func:`bound_curve` evaluate a bound there.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from qnets.simulate.domain import Box
from qnets.simulate.grid import Grid
from qnets.simulate.problems.base import StronglyConvexProblem
from qnets.theory.bound import Bound
from qnets.theory.symbols import T


def constants_of(problem: StronglyConvexProblem, box: Box, grid: Grid, c: float | None = None) -> dict[str, float]:
    """The constants of the convex bounds for ``problem`` on ``box`` and ``grid``: ``G(box)``,
    ``D(box)``, ``mu``, ``L``, ``L2``, ``d``, ``Delta`` and, for ``a_t = c/sqrt(t)``, ``c``."""
    constants = {
        "G": problem.G(box),
        "D": problem.D(box),
        "mu": problem.mu,
        "L": problem.L,
        "L2": problem.L2,
        "d": problem.d,
        "Delta": grid.delta,
    }
    return {**constants, "c": c} if c is not None else constants


def bound_value(bound: Bound, constants: dict[str, float], steps: int | None) -> float:
    """``bound.expr`` at ``constants`` and ``T = steps``; ``steps=None`` is the limit ``T -> infinity``.

    Only the constants that are symbols of the expression are used."""
    expr = sp.limit(bound.expr, T, sp.oo) if steps is None else bound.expr
    numbers = {s.name: constants[s.name] for s in expr.free_symbols if s.name != "T"}
    if steps is not None and T in expr.free_symbols:
        numbers["T"] = steps
    return bound.evaluate(expr, **numbers) if expr.free_symbols else float(expr)


def bound_curve(bound: Bound, constants: dict[str, float], steps: np.ndarray) -> np.ndarray:
    """``bound.expr`` at ``constants`` for every ``T`` in ``steps`` (one compiled evaluation)."""
    fixed = {s: constants[s.name] for s in bound.expr.free_symbols if s.name != "T"}
    return np.broadcast_to(
        sp.lambdify(T, bound.expr.subs(fixed), "numpy")(np.asarray(steps, dtype=float)), np.shape(steps)
    )


def floor_only(bound: Bound) -> Bound:
    """A bound whose expression is ``bound``'s floor term."""
    return Bound(bound.name, bound.claim_id, bound.quantity, bound.assumptions, bound.floor, ())
