"""The optimisers that turn gradients into steps: SGD and ADAM.

At step ``t = 1, 2, ...`` an optimiser receives ``g_t``, the minibatch gradient at the weights
the forward pass used (the deployed weights), and the step size ``a_t``, and returns the step
``s_t`` of every parameter array:

* ``sgd``: ``s_t = a_t g_t``;
* ``adam`` (Kingma & Ba 2015, their defaults ``beta1 = 0.9``, ``beta2 = 0.999``,
  ``eps = 1e-8``): ``m_t = beta1 m_{t-1} + (1 - beta1) g_t``,
  ``v_t = beta2 v_{t-1} + (1 - beta2) g_t^2`` (``m_0 = v_0 = 0``) and
  ``s_t = a_t mhat_t / (sqrt(vhat_t) + eps)`` with the bias corrections
  ``mhat_t = m_t / (1 - beta1^t)`` and ``vhat_t = v_t / (1 - beta2^t)``.

The weight rules of :mod:`qnets.simulate.nets.rules` then apply ``s_t``; with ADAM they are the
paper's Table 1 variants: FP-ADAM subtracts it, BC-ADAM subtracts it from the real weights and
clips, SR-ADAM and R-ADAM round ``U - s_t`` stochastically or to nearest.  ADAM's moments are
full-precision statistics of the gradients (its state), not a copy of the weights: every
gradient they see is taken at the deployed weights.
"""

from __future__ import annotations

import numpy as np
from qnets.simulate.nets.model import Arrays

#: The optimisers of :func:`make`: plain SGD and ADAM.
OPTIMIZERS = ("sgd", "adam")
BETA1 = 0.9
BETA2 = 0.999
EPSILON = 1e-8


def bias_correction(beta: float, t: int) -> float:
    """``1 - beta^t``, the expectation of the factor by which a moment started at 0 is too small."""
    return 1.0 - beta**t


class SGD:
    """``s_t = a_t g_t`` (no state)."""

    def __init__(self, params: Arrays) -> None:
        del params

    def steps(self, grads: Arrays, rate: float) -> Arrays:
        """The steps ``a_t g_t``."""
        return [rate * g for g in grads]


class Adam:
    """ADAM's moments ``m``, ``v`` (one pair of arrays per parameter array) and its step count ``t``."""

    def __init__(self, params: Arrays) -> None:
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]
        self.t = 0

    def steps(self, grads: Arrays, rate: float) -> Arrays:
        """Update the moments with ``grads`` and return the bias-corrected steps (module docstring)."""
        self.t += 1
        first, second = bias_correction(BETA1, self.t), bias_correction(BETA2, self.t)
        out = []
        for m, v, g in zip(self.m, self.v, grads, strict=True):
            m *= BETA1
            m += (1.0 - BETA1) * g
            v *= BETA2
            v += (1.0 - BETA2) * g * g
            out.append(rate * (m / first) / (np.sqrt(v / second) + EPSILON))
        return out


def make(name: str, params: Arrays) -> SGD | Adam:
    """The optimiser ``name`` (one of :data:`OPTIMIZERS`) for parameter arrays shaped like ``params``."""
    return Adam(params) if name == "adam" else SGD(params)
