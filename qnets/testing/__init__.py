"""Testing helpers for users' own bound tests (needs the ``test`` extra).

:mod:`qnets.testing.strategies`: Hypothesis strategies for admissible parameters, and
:func:`~qnets.testing.strategies.check_bound_by_simulation`, which compares a simulation with a
user's bound through the claims' own harness.
"""
