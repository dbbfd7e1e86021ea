"""Verdicts of claim checks, and the conventions every check follows.

Monte Carlo checks compare ``mean + z * stderr`` (``z = Z``) with the bound, with the fixed
seed ``SEED``; exact checks compare exact numbers.  A failing claim is a verdict
``holds=False``, never an exception.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

#: Confidence margin of every Monte Carlo comparison.
Z = 5.0
SEED = 20170601


@dataclass(frozen=True)
class Verdict:
    """Outcome of one claim check: ``measured`` against ``bound`` (``ratio = measured/bound``)."""

    claim_id: str
    holds: bool
    measured: float
    bound: float
    margin: float
    detail: str
    params: dict = field(default_factory=dict)
    seed: int | None = SEED

    def __post_init__(self) -> None:
        # numpy scalars (np.bool_, np.float64) become plain Python values, so JSON stays typed
        object.__setattr__(self, "holds", bool(self.holds))
        for name in ("measured", "bound", "margin"):
            object.__setattr__(self, name, float(getattr(self, name)))

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
