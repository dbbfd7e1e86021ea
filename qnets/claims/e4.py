"""E4 (extension): cvxpy reference optima ``(F*, w*)`` for problems without closed forms.

Assumptions: convex problems whose minimizer has no closed form: l2-regularised logistic
regression (C5, C6) and a box-constrained rotated quadratic.

Statement: the cvxpy optima agree with an independent solver and satisfy the optimality
conditions.

Check: logistic regression (``Logistic.w_star`` by cvxpy) against SciPy's BFGS, with
``||grad F(w*)||_inf``; the box-constrained quadratic (``constrained_minimum`` by cvxpy) against
SciPy's L-BFGS-B, with the projected-gradient residual ``||w - P_W(w - grad F(w))||_inf``; all
below 1e-6.

Blind spots: a wrong loss or gradient shared by both solvers (the problem tests compare the
gradient with finite differences).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize

from qnets.claims import instances
from qnets.claims.record import NO_SIZES, Claim, NoSizes
from qnets.claims.verdict import SEED, Verdict
from qnets.simulate import Box, Quadratic
from qnets.simulate.reference import constrained_minimum

SIZES = NO_SIZES


def check(sizes: NoSizes = SIZES.quick, seed: int = SEED) -> Verdict:
    """E4: the cvxpy reference optima agree with an independent solver and satisfy optimality.

    Logistic regression (``Logistic.w_star`` by cvxpy) against SciPy's BFGS, with
    ``||grad F(w*)||_inf``; a box-constrained rotated quadratic (``constrained_minimum`` by
    cvxpy) against SciPy's L-BFGS-B, with the projected-gradient residual
    ``||w - P_W(w - grad F(w))||_inf``.  All must be below 1e-6."""
    logistic = instances.logistic()

    def loss_and_grad(problem):
        return lambda w: (float(problem.loss(w[None, :])[0]), problem.grad(w[None, :])[0])

    scipy_logistic = minimize(loss_and_grad(logistic), np.zeros(5), jac=True, method="BFGS", options={"gtol": 1e-12})
    base = Quadratic.ill_conditioned(5, 1.0, 100.0, sigma=0.0, rotation_seed=4)
    quadratic = Quadratic(base.H, w_star=np.full(5, 2.0))
    box = Box.cube(5, 1.0)
    point, value = constrained_minimum(quadratic, box)
    scipy_box = minimize(
        loss_and_grad(quadratic),
        np.zeros(5),
        jac=True,
        method="L-BFGS-B",
        bounds=list(zip(box.lo, box.hi, strict=True)),
        options={"ftol": 1e-15, "gtol": 1e-12},
    )
    projected = box.project(point - quadratic.grad(point[None, :])[0])
    discrepancies = {
        "logistic |F_cvxpy - F_scipy|": abs(logistic.f_star - scipy_logistic.fun),
        "logistic ||grad F(w*)||_inf": float(np.max(np.abs(logistic.grad(logistic.w_star[None, :])))),
        "box |F_cvxpy - F_scipy|": abs(value - scipy_box.fun),
        "box projected-gradient residual": float(np.max(np.abs(point - projected))),
    }
    worst = max(discrepancies, key=lambda name: discrepancies[name])
    tolerance = 1e-6
    return Verdict(
        "E4",
        all(v <= tolerance for v in discrepancies.values()) and logistic.f_star <= scipy_logistic.fun + tolerance,
        discrepancies[worst],
        tolerance,
        0.0,
        "; ".join(f"{k} = {v:.1e}" for k, v in discrepancies.items()) + f" (largest: {worst})",
        {"logistic": "n=200, d=5, lam=0.5", "box_quadratic": "kappa=100, d=5, w*=2, W=[-1,1]^5"},
        seed=None,
    )


CLAIM = Claim(
    "E4",
    "extension",
    "cvxpy reference optima (F*, w*) for problems without closed forms: logistic, box-constrained.",
    check,
    SIZES,
    notes="paper_notes/convex.md",
)
