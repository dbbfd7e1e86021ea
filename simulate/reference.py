"""E4: cvxpy reference optima for convex problems without a closed form.

``Logistic`` computes its ``w*`` and ``F*`` with cvxpy itself; :func:`constrained_minimum`
adds the box-constrained quadratic ``min_{w in W} F(w)``, whose minimizer is a projection in
the ``H``-norm (no closed form unless ``H`` is diagonal).  Both are solved by Clarabel with
tolerances ``SOLVER_TOLERANCE``.
"""

from __future__ import annotations

import numpy as np
from qnets.simulate.domain import Box
from qnets.simulate.problems.logistic import SOLVER_TOLERANCE
from qnets.simulate.problems.quadratic import Quadratic

from qnets.errors import InputError, InputTypeError

#: cvxpy's point may leave the box by solver round-off up to this much; it is then projected.
FEASIBILITY_ROUNDOFF = 1e-8


def constrained_minimum(problem: Quadratic, box: Box) -> tuple[np.ndarray, float]:
    """``argmin`` and ``min`` of ``F`` over ``box`` (which need not contain ``w*``), by cvxpy (claim E4).

    Parameters
    ----------
    problem
        A quadratic ``f* + (1/2)(w - w*)^T H (w - w*)``.
    box
        The feasible box, of the problem's dimension.

    Returns
    -------
    tuple of numpy.ndarray and float
        The minimiser (inside the box) and the minimum value.

    Raises
    ------
    InputTypeError, InputError
        For a non-quadratic problem or a box of another dimension.
    RuntimeError
        If Clarabel does not report an optimal solution or leaves the box beyond round-off.
    """
    import cvxpy as cp

    if not isinstance(problem, Quadratic) or not isinstance(box, Box):
        raise InputTypeError("constrained_minimum needs a Quadratic and a Box")
    if box.d != problem.d:
        raise InputError(f"box has dimension {box.d}, the problem {problem.d}")
    w = cp.Variable(problem.d)
    offset = w - problem.w_star
    H = np.diag(problem.H) if problem.is_diagonal else problem.H
    objective = 0.5 * cp.quad_form(offset, cp.psd_wrap(H)) + problem.f_star
    solved = cp.Problem(cp.Minimize(objective), [w >= box.lo, w <= box.hi])
    solved.solve(
        solver=cp.CLARABEL, tol_gap_abs=SOLVER_TOLERANCE, tol_gap_rel=SOLVER_TOLERANCE, tol_feas=SOLVER_TOLERANCE
    )
    if solved.status != cp.OPTIMAL:
        raise RuntimeError(f"cvxpy did not solve the constrained quadratic: status {solved.status}")
    raw = np.asarray(w.value, dtype=float)
    violation = float(np.max(np.maximum(box.lo - raw, raw - box.hi)))
    if violation > FEASIBILITY_ROUNDOFF:
        raise RuntimeError(f"cvxpy's solution leaves the box by {violation:.3g}")
    point = np.clip(raw, box.lo, box.hi)  # the solver's feasibility round-off, checked above
    return point, float(problem.loss(point[None, :])[0])
