"""Numerics for training quantized nets: grids, problems, methods, schedules, Monte Carlo.

Everything is whole-array numpy over a leading chain axis ``(n_chains, d)``; randomness is
always an explicit ``numpy.random.Generator`` or integer seed.  Beside the names exported here:
:mod:`qnets.simulate.markov` (the exact Markov-chain model of SR), :mod:`qnets.simulate.nets`
(quantized networks on real data), :mod:`qnets.simulate.bc_limit` and
:mod:`qnets.simulate.best_point` (BC's limit point and the best grid point), and
:mod:`qnets.simulate.scenarios` (the named set-ups that checks, figures and the command line
share).  Nothing here imports sympy.
"""

from qnets.simulate.domain import Box
from qnets.simulate.estimate import Estimate
from qnets.simulate.grid import Grid, hard_sigmoid
from qnets.simulate.methods import SGD, BinaryConnect, Method, Rounding, StochasticRounding, method_by_name
from qnets.simulate.monte_carlo import RunResult, log_checkpoints, run
from qnets.simulate.noise import DiscreteNoise, GaussianNoise, MinibatchNoise, UniformNoise
from qnets.simulate.problems import LeastSquaresMinibatch, Logistic, MultiWell2D, Problem, Quadratic, TiltedDoubleWell
from qnets.simulate.schedules import annealed, constant, inverse_sqrt, inverse_time, schedule_by_name

__all__ = [
    "SGD",
    "BinaryConnect",
    "Box",
    "DiscreteNoise",
    "Estimate",
    "GaussianNoise",
    "Grid",
    "LeastSquaresMinibatch",
    "Logistic",
    "Method",
    "MinibatchNoise",
    "MultiWell2D",
    "Problem",
    "Quadratic",
    "Rounding",
    "RunResult",
    "StochasticRounding",
    "TiltedDoubleWell",
    "UniformNoise",
    "annealed",
    "constant",
    "hard_sigmoid",
    "inverse_sqrt",
    "inverse_time",
    "log_checkpoints",
    "method_by_name",
    "run",
    "schedule_by_name",
]
