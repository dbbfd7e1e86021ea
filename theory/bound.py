"""Bounds with machine-checked derivations.

A :class:`Bound` carries a claim id, named assumptions, its final sympy expression and a
derivation: an ordered list of :class:`Step` objects.  Each step states a relation and how it
is checked by :meth:`Step.verify`:

* ``"identity"``: ``lhs - rhs`` simplifies to zero;
* ``"nonnegative"``: ``lhs <= rhs``, because ``rhs - lhs`` is provably ``>= 0`` under the sign
  assumptions carried by the symbols (constants are positive symbols; slack variables of named
  inequalities are non-negative symbols).  Where sympy cannot see the sign directly the step
  carries a ``certificate``: an expression whose sign sympy can see (a sum of non-negative
  terms) and that equals ``rhs - lhs`` identically;
* ``"numeric"``: a one-dimensional lemma (such as ``H_T <= 1 + log T``) that sympy cannot
  decide; it is checked exactly in rational/high-precision arithmetic on a stated range and
  the step says so.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import sympy as sp

from qnets.errors import InputError

CHECKS = ("identity", "nonnegative", "numeric")


@dataclass(frozen=True)
class Step:
    """One step of a derivation: ``lhs (== or <=) rhs`` with its justification."""

    lhs: sp.Expr
    rhs: sp.Expr
    check: str
    justification: str
    numeric_check: Callable[[], bool] | None = field(default=None, compare=False)
    certificate: sp.Expr | None = None

    def __post_init__(self) -> None:
        if self.check not in CHECKS:
            raise InputError(f"check must be one of {CHECKS}, got {self.check!r}")
        if (self.check == "numeric") != (self.numeric_check is not None):
            raise InputError("numeric_check is given exactly for check='numeric'")

    @property
    def relation(self) -> sp.Basic:
        """The sympy relation ``lhs == rhs`` or ``lhs <= rhs``."""
        return sp.Eq(self.lhs, self.rhs, evaluate=False) if self.check == "identity" else sp.Le(self.lhs, self.rhs)

    def verify(self) -> bool:
        """True when the relation is established (see the module docstring)."""
        if self.check == "identity":
            return sp.simplify(self.lhs - self.rhs) == 0
        if self.check == "nonnegative":
            gap = sp.simplify(self.rhs - self.lhs)
            if self.certificate is None:
                return bool(gap.is_nonnegative)
            return sp.simplify(gap - self.certificate) == 0 and bool(self.certificate.is_nonnegative)
        return bool(self.numeric_check())


@dataclass(frozen=True)
class Bound:
    """A derived bound ``quantity <= expr`` on ``F - F*`` (or on a rounding error).

    ``paper_form`` is the paper's form where it differs from ours (``None`` if it agrees or
    is unknown); ``scaling`` gives each symbol's power under the weight rescaling of claim E3.
    """

    name: str
    claim_id: str
    quantity: str
    assumptions: tuple[str, ...]
    expr: sp.Expr
    derivation: tuple[Step, ...]
    paper_form: sp.Expr | None = None
    notes: str = ""

    def verify(self) -> list[tuple[Step, bool]]:
        """Check every step; returns ``(step, established)`` pairs in order."""
        return [(step, step.verify()) for step in self.derivation]

    @property
    def symbols(self) -> tuple[sp.Symbol, ...]:
        """The free symbols of the final expression, sorted by name."""
        return tuple(sorted(self.expr.free_symbols, key=lambda s: s.name))

    def evaluate(self, expr: sp.Expr | None = None, **numbers: float) -> float:
        """The bound's value at the given numbers (every free symbol must be given)."""
        expr = self.expr if expr is None else expr
        names = {s.name: s for s in expr.free_symbols}
        missing = sorted(set(names) - set(numbers))
        if missing:
            raise InputError(f"{self.name} needs values for: {', '.join(missing)}")
        unknown = sorted(set(numbers) - {s.name for s in self.all_symbols()})
        if unknown:
            raise InputError(f"{self.name} has no parameter(s): {', '.join(unknown)}")
        for name, value in numbers.items():
            if name in names and not value > 0:
                raise InputError(f"{name} must be > 0 for {self.name}, got {value}")
        return float(expr.subs({names[k]: v for k, v in numbers.items() if k in names}).evalf())

    def evaluate_paper_form(self, **numbers: float) -> float:
        """The paper's form at the given numbers."""
        if self.paper_form is None:
            raise InputError(f"{self.name} has no separate paper form")
        return self.evaluate(self.paper_form, **numbers)

    def all_symbols(self) -> set[sp.Symbol]:
        """Symbols of the derived and the paper's form."""
        paper = self.paper_form.free_symbols if self.paper_form is not None else set()
        return set(self.expr.free_symbols) | set(paper)

    def latex(self) -> str:
        """LaTeX of ``quantity <= expr``."""
        return rf"{self.quantity} \le {sp.latex(self.expr)}"


def rescale(expr: sp.Expr, powers: Mapping[sp.Symbol, int], s: sp.Symbol) -> sp.Expr:
    """Substitute ``x -> s**power * x`` for each symbol with a power (claim E3)."""
    return expr.subs({symbol: s**power * symbol for symbol, power in powers.items()}, simultaneous=True)
