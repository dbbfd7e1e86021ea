"""Problems: strongly convex quadratics, logistic regression and non-convex toys."""

from simulate.problems.base import Problem
from simulate.problems.logistic import Logistic
from simulate.problems.quadratic import LeastSquaresMinibatch, Quadratic
from simulate.problems.toys import MultiWell2D, TiltedDoubleWell

__all__ = ["LeastSquaresMinibatch", "Logistic", "MultiWell2D", "Problem", "Quadratic", "TiltedDoubleWell"]
