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
* ``"numeric"``: a lemma that sympy cannot decide, checked by a numeric certificate: either a
  one-dimensional inequality (such as ``H_T <= 1 + log T``) evaluated on a stated range, or an
  inequality about stochastic rounding whose outcomes are enumerated exactly (every corner of
  the grid cell with its probability, no sampling) over stated random instances.  These run in
  float64 with a small stated slack (a relative ``1e-12`` or an absolute ``1e-12``), not in
  exact arithmetic; each step's justification says what was evaluated.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

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
        assert self.numeric_check is not None  # __post_init__: given exactly for "numeric"
        return bool(self.numeric_check())


@dataclass(frozen=True)
class Bound:
    """A derived bound ``quantity <= expr`` on ``F - F*`` (or on a squared distance in weight space).

    ``paper_form`` is the paper's form where it differs from ours (``None`` if it agrees or
    is unknown).  ``floor`` is the term of ``expr`` that does not vanish as ``T -> infinity``
    (zero for bounds without a floor), so that ``expr - floor`` is the bound with its floor
    removed (:meth:`without_floor`).  ``scaling_power`` is the power of ``s`` by which the
    bounded quantity changes under the weight rescaling ``w -> s w`` of claim E3: 0 for
    ``F - F*``, 2 for a squared distance.
    """

    name: str
    claim_id: str
    quantity: str
    assumptions: tuple[str, ...]
    expr: sp.Expr
    derivation: tuple[Step, ...]
    paper_form: sp.Expr | None = None
    notes: str = ""
    floor: sp.Expr = sp.S.Zero
    scaling_power: int = 0

    def verify(self) -> list[tuple[Step, bool]]:
        """Check every step; returns ``(step, established)`` pairs in order."""
        return [(step, step.verify()) for step in self.derivation]

    def failing_steps(self) -> list[str]:
        """Justifications of the steps that do not verify (empty when the derivation holds)."""
        return [step.justification for step, ok in self.verify() if not ok]

    def without_floor(self) -> Bound:
        """The same bound with its floor term removed from ``expr`` (the necessity checks'
        reference, and the "floor removed" bug of the catalogue)."""
        return replace(self, expr=sp.simplify(self.expr - self.floor), floor=sp.S.Zero)

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
