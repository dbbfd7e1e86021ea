"""The symbolic side of the toolkit (sympy): derived bounds and derivations, each step checked.

* :mod:`qnets.theory.bound`: :class:`~qnets.theory.bound.Bound` and
  :class:`~qnets.theory.bound.Step`;
* :mod:`qnets.theory.convex`: the convex bounds (C2-C7, ``C6-limit``, SGD's) and the E3 scaling check;
* :mod:`qnets.theory.markov`: the Markov-chain derivations (M2, M3, M4);
* :mod:`qnets.theory.symbols`: the symbols and their rescaling powers.

The claims that use them, and their numerical checks, are in :mod:`qnets.claims`.
"""
