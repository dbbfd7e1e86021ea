"""The claims of the paper and beyond it, each in its own module, with its numerical check.

One module per claim id (``qnets.claims.c1`` ... ``c9``, ``m1`` ... ``m6``, ``e1`` ... ``e5``,
``n1`` ... ``n5``), each holding the claim's statement and assumptions (its docstring), its run
sizes, its ``check(sizes, seed, bound)`` and its ``CLAIM`` record
(:class:`~qnets.claims.record.Claim`: source tag, bound or derivation, figures, notes).
:mod:`qnets.claims.registry` collects them; ``qnets check`` runs :func:`~qnets.claims.registry.run_checks`.

Shared machinery, named for what it holds:

* :mod:`qnets.claims.verdict`: verdicts, ``Z`` and the Bonferroni level;
* :mod:`qnets.claims.harness`: Monte Carlo estimates against bounds through z-margins;
* :mod:`qnets.claims.bounds`: a problem's constants as a bound's symbols, bounds evaluated;
* :mod:`qnets.claims.floors`: the exact instances of the two-sided checks (C3-C6);
* :mod:`qnets.claims.instances`: problem instances several checks share;
* :mod:`qnets.claims.exact`: closed forms the simulator is compared with;
* :mod:`qnets.claims.references`: Monte Carlo and quadrature references of the Markov claims.
"""

from qnets.claims.record import Claim
from qnets.claims.registry import CLAIMS, run_checks
from qnets.claims.verdict import SEED, Verdict, Z

__all__ = ["CLAIMS", "SEED", "Claim", "Verdict", "Z", "run_checks"]
