"""What the command line's parsers offer and the bounds they enforce, importable without numpy.

The parsers of ``check``, ``figures``, ``bound``, ``nets``, ``sweep``, ``simulate`` and
``markov`` list names and state limits whose homes (the claim and figure registries, the bounds,
the engines, the Markov chains) import numpy, matplotlib, sympy or scipy; building ``--help`` or
refusing a mistyped option from those homes would cost seconds.  So the parsers read the plain copies here, and
``tests/test_startup.py`` asserts that each one equals its home, so that they cannot drift apart.
"""

from __future__ import annotations

#: The figures of :data:`qnets.figures.registry.FIGURES`, in report order.
FIGURE_NAMES = (
    "convergence",
    "floor-vs-delta",
    "floor-vs-lr",
    "toy-1d",
    "toy-2d",
    "markov-chain",
    "batch-size",
    "dimension",
    "tightness",
    "nets-table",
    "nets-batch",
    "nets-lr",
    "nets-weights",
    "cnn-table",
    "cnn-batch",
    "cnn-lr",
    "cnn-weights",
)
#: The claim ids of :data:`qnets.claims.registry.CLAIM_IDS`, in its order.
CLAIM_IDS = (
    *(f"C{i}" for i in range(1, 10)),
    *(f"M{i}" for i in range(1, 7)),
    *(f"E{i}" for i in range(1, 6)),
    *(f"N{i}" for i in range(1, 6)),
)
#: The bounds of :func:`qnets.theory.convex.all_bounds`, in its order.
BOUND_NAMES = ("C2", "sgd-strongly-convex", "C3", "sgd-convex", "C4", "C5", "C6", "C7", "C6-limit", "C7-distance")
#: The derivations of :func:`qnets.theory.markov.derivations`.
DERIVATION_NAMES = ("M2", "M3", "M4")
#: :data:`qnets.simulate.nets.data.DATASETS`: the data sets of ``qnets nets``.
DATASETS = ("digits", "mnist1d")
#: :data:`qnets.simulate.nets.training.METHODS`: the training methods of ``qnets nets``.
NET_METHODS = ("fp", "bc", "sr", "r")
#: :data:`qnets.simulate.nets.optimizers.OPTIMIZERS`: the optimisers of ``qnets nets``.
OPTIMIZERS = ("sgd", "adam")
#: The problems of :data:`qnets.simulate.scenarios.PROBLEMS`.
PROBLEM_NAMES = ("quadratic", "ill-conditioned", "least-squares", "logistic", "double-well", "multiwell")
#: :data:`qnets.pipeline.sweep.AXES`: the axes of a sweep.
SWEEP_AXES = ("method", "delta", "schedule", "lr", "d", "sigma", "batch_size", "seed")
#: :data:`qnets.simulate.monte_carlo.QUANTITIES`: what a Monte Carlo run records.
QUANTITIES = ("gap", "avg_gap", "dist2")
#: :data:`qnets.simulate._validate.MAX_SCALE`: the largest scale parameter (noise, step times G).
MAX_SCALE = 1e150
#: :data:`qnets.simulate.scenarios.DOUBLE_WELL_DELTA`: the double well's default grid spacing.
DOUBLE_WELL_DELTA = 0.25
#: :data:`qnets.simulate.scenarios.NEAR_RADIUS`: "near w*" means within this distance.
NEAR_RADIUS = 0.3
#: :data:`qnets.simulate.markov.limits.MAX_STATES`: the most states of an exact (dense) chain.
MAX_STATES = 3000
#: :data:`qnets.simulate.markov.limits.MAX_HALF_WIDTH`: the widest box of the toys' chains.
MAX_HALF_WIDTH = 1e6
