"""E4 (extension): cvxpy reference optima ``(F*, w*)`` for problems without closed forms.

Assumptions: convex problems whose minimizer has no closed form: l2-regularised logistic
regression (C5, C6; and a generic one) and box-constrained rotated quadratics (mu = 1,
L = 100; and generic mu = 0.7, L = 23 on a box of half-width 1.3).

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


#: The box-constrained quadratics ``(mu, L, w* per coordinate, box half-width)``: the unit one
#: (mu = 1) and a generic one (no constant 1, none equal).
BOX_QUADRATICS = {"": (1.0, 100.0, 2.0, 1.0), "generic ": (0.7, 23.0, 1.9, 1.3)}


def _loss_and_grad(problem):
    return lambda w: (float(problem.loss(w[None, :])[0]), problem.grad(w[None, :])[0])


def logistic_discrepancies(name: str, logistic) -> dict[str, float]:
    """cvxpy's logistic optimum against SciPy's BFGS, and its gradient norm."""
    scipy_logistic = minimize(
        _loss_and_grad(logistic), np.zeros(logistic.d), jac=True, method="BFGS", options={"gtol": 1e-12}
    )
    return {
        f"{name}logistic |F_cvxpy - F_scipy|": abs(logistic.f_star - scipy_logistic.fun),
        f"{name}logistic ||grad F(w*)||_inf": float(np.max(np.abs(logistic.grad(logistic.w_star[None, :])))),
        f"{name}logistic F_cvxpy - F_scipy": logistic.f_star - scipy_logistic.fun,
    }


def box_discrepancies(name: str) -> dict[str, float]:
    """The box-constrained rotated quadratic (d = 5): cvxpy against SciPy's L-BFGS-B, and the
    projected-gradient residual."""
    mu, L, target, half_width = BOX_QUADRATICS[name]
    base = Quadratic.ill_conditioned(5, mu, L, sigma=0.0, rotation_seed=4)
    quadratic = Quadratic(base.H, w_star=np.full(5, target))
    box = Box.cube(5, half_width)
    point, value = constrained_minimum(quadratic, box)
    scipy_box = minimize(
        _loss_and_grad(quadratic),
        np.zeros(5),
        jac=True,
        method="L-BFGS-B",
        bounds=list(zip(box.lo, box.hi, strict=True)),
        options={"ftol": 1e-15, "gtol": 1e-12},
    )
    projected = box.project(point - quadratic.grad(point[None, :])[0])
    return {
        f"{name}box |F_cvxpy - F_scipy|": abs(value - scipy_box.fun),
        f"{name}box projected-gradient residual": float(np.max(np.abs(point - projected))),
    }


def check(sizes: NoSizes = SIZES.quick, seed: int = SEED) -> Verdict:
    """E4: the cvxpy reference optima agree with an independent solver and satisfy optimality.

    Logistic regression (``Logistic.w_star`` by cvxpy; the unit instance and the generic one of
    :func:`~qnets.claims.instances.generic_logistic`) against SciPy's BFGS, with
    ``||grad F(w*)||_inf``; box-constrained rotated quadratics (``constrained_minimum`` by
    cvxpy; :data:`BOX_QUADRATICS`) against SciPy's L-BFGS-B, with the projected-gradient
    residual ``||w - P_W(w - grad F(w))||_inf``.  All must be below 1e-6, and cvxpy's ``F*``
    no more than 1e-6 above SciPy's."""
    discrepancies = {
        **logistic_discrepancies("", instances.logistic()),
        **logistic_discrepancies("generic ", instances.generic_logistic()),
        **{key: value for name in BOX_QUADRATICS for key, value in box_discrepancies(name).items()},
    }
    signed = {k: discrepancies.pop(k) for k in [k for k in discrepancies if k.endswith("F_cvxpy - F_scipy")]}
    worst = max(discrepancies, key=lambda name: discrepancies[name])
    tolerance = 1e-6
    return Verdict(
        "E4",
        all(v <= tolerance for v in discrepancies.values()) and all(v <= tolerance for v in signed.values()),
        discrepancies[worst],
        tolerance,
        0.0,
        "; ".join(f"{k} = {v:.1e}" for k, v in discrepancies.items()) + f" (largest: {worst})",
        {
            "logistic": "n=200, d=5, lam=0.5; generic n=150, d=4, lam=0.23",
            "box_quadratic": "kappa=100, d=5, w*=2, W=[-1,1]^5; generic mu=0.7, L=23, w*=1.9, W=[-1.3,1.3]^5",
        },
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
