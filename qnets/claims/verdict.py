"""Verdicts of claim checks, and the conventions every check follows.

Monte Carlo checks compare ``mean + z * stderr`` (``z = Z``, or :func:`bonferroni_z` when
several comparisons must hold jointly) with the bound, with the fixed seed ``SEED``; exact
checks compare exact numbers.  A failing claim is a verdict ``holds=False``, never an exception.

Checks of a bound with a floor are two-sided; their verdict carries ``parts``:
``"upper bound holds"`` (bool), ``"floor necessary"`` (bool: an instance where the error exceeds
the bound with its floor removed) and ``"tightness"`` (float: the exact limit error over the
floor).  Such a verdict holds only if both boolean parts hold.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field

import numpy as np
from scipy.stats import norm

from qnets.seed import SEED as SEED  # re-exported: the claims' fixed seed

#: Confidence margin of every Monte Carlo comparison.
Z = 5.0

#: The names of the parts of a two-sided check (see the module docstring).
UPPER, NECESSARY, TIGHTNESS = "upper bound holds", "floor necessary", "tightness"


def bonferroni_z(comparisons: int) -> float:
    """The per-comparison ``z`` of ``comparisons`` two-sided tests whose joint false-alarm
    probability is that of one ``Z``-test: ``Phi^-1(1 - P(|N| > Z) / (2 comparisons))``."""
    if comparisons < 1:
        raise ValueError(f"comparisons must be >= 1, got {comparisons}")
    return float(norm.isf(2 * norm.sf(Z) / (2 * comparisons)))


@dataclass(frozen=True)
class Verdict:
    """Outcome of one claim check: ``measured`` against ``bound`` (``ratio = measured/bound``).

    ``parts`` maps the names of a check's separate findings (e.g. :data:`UPPER`,
    :data:`NECESSARY`, :data:`TIGHTNESS`) to their values; empty for one-part checks.
    """

    claim_id: str
    holds: bool
    measured: float
    bound: float
    margin: float
    detail: str
    params: dict = field(default_factory=dict)
    seed: int | None = SEED
    parts: Mapping[str, bool | float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # numpy scalars (np.bool_, np.float64) become plain Python values, so JSON stays typed
        object.__setattr__(self, "holds", bool(self.holds))
        for name in ("measured", "bound", "margin"):
            object.__setattr__(self, name, float(getattr(self, name)))
        typed = {k: bool(v) if isinstance(v, bool | np.bool_) else float(v) for k, v in self.parts.items()}
        object.__setattr__(self, "parts", typed)

    def parts_text(self) -> str:
        """The parts as ``name: yes/no`` and ``name: value``, separated by semicolons."""
        return "; ".join(
            f"{k}: {'yes' if v else 'NO'}" if isinstance(v, bool) else f"{k}: {v:.3g}" for k, v in self.parts.items()
        )

    @property
    def ratio(self) -> float:
        """``measured / bound``: how tight the bound is (below 1 when it holds)."""
        return self.measured / self.bound if self.bound else float("nan")

    def as_dict(self) -> dict:
        """JSON-ready form, including the ratio."""
        return {**asdict(self), "ratio": self.ratio}


def crashed(claim_id: str, error: Exception) -> Verdict:
    """The failing verdict of a check that raised ``error``."""
    return Verdict(
        claim_id,
        False,
        float("nan"),
        float("nan"),
        0.0,
        f"check raised {type(error).__name__}: {error}",
        seed=None,
    )
