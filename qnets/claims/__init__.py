"""The claim registry, its numerical checks and their verdicts.

Each claim id of the paper's claim list (C1-C9, M1-M6, E1-E5) maps to a :class:`Claim`: its
statement, source tag, the derived bound of :mod:`qnets.theory` behind it, and a check that
runs through :mod:`qnets.simulate` and returns a :class:`Verdict`.  ``qnets check`` runs
:func:`run_checks`.
"""

from qnets.claims.registry import CLAIMS, Claim, run_checks
from qnets.claims.verdict import SEED, Verdict, Z

__all__ = ["CLAIMS", "SEED", "Claim", "Verdict", "Z", "run_checks"]
