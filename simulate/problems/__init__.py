"""Problems: strongly convex quadratics, logistic regression and non-convex toys."""

from qnets.simulate.problems.base import Problem, StronglyConvexProblem
from qnets.simulate.problems.logistic import Logistic
from qnets.simulate.problems.quadratic import LeastSquaresMinibatch, Quadratic
from qnets.simulate.problems.toys import MultiWell2D, TiltedDoubleWell

__all__ = [
    "LeastSquaresMinibatch",
    "Logistic",
    "MultiWell2D",
    "Problem",
    "Quadratic",
    "StronglyConvexProblem",
    "TiltedDoubleWell",
]
