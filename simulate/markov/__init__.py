"""The Markov-chain model of SR (claims M1-M6, E1): exact kernels, stationary laws, mixing."""

from qnets.simulate.markov.kernel import StateSpace, generator, rounding_law, transition_matrix
from qnets.simulate.markov.mixing import propagate, relaxation_time, spectral_gap, total_variation
from qnets.simulate.markov.stationary import ReducibleChainError, StationaryLaw, chain_kind, stationary

__all__ = [
    "ReducibleChainError",
    "StateSpace",
    "StationaryLaw",
    "chain_kind",
    "generator",
    "propagate",
    "relaxation_time",
    "rounding_law",
    "spectral_gap",
    "stationary",
    "total_variation",
    "transition_matrix",
]
