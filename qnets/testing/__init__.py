"""Testing helpers for users' own bound tests: Hypothesis strategies (needs the ``test`` extra)."""
