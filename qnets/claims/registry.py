"""The claim registry: each claim id maps to its statement, source tag, bound and check.

``qnets check`` runs :func:`run_checks`.  The checks live in :mod:`qnets.claims.convex_checks`
(C1-C9, E2-E5), :mod:`qnets.claims.markov_checks` (M1-M6, E1) and
:mod:`qnets.claims.nets_checks` (N1-N3, networks on real data).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from qnets import parallel
from qnets.claims import convex_checks as cc
from qnets.claims import markov_checks as mc
from qnets.claims import nets_checks as nc
from qnets.claims.verdict import SEED, Verdict, Z, crashed
from qnets.errors import InputError
from qnets.theory.bound import Bound
from qnets.theory.convex import all_bounds
from qnets.theory.markov import Derivation, derivations

__all__ = ["CLAIMS", "SEED", "Claim", "Verdict", "Z", "all_bounds", "run_checks"]


@dataclass(frozen=True)
class Claim:
    """A claim of ``claims.md``: id, source tag, statement, derived bound and check."""

    claim_id: str
    source: str
    statement: str
    check: Callable[[bool, int], Verdict]
    bound_name: str | None = None

    @property
    def bound(self) -> Bound | Derivation | None:
        """The derived bound (or, for distributional claims, the derivation) behind the claim."""
        if self.bound_name is None:
            return None
        return all_bounds().get(self.bound_name) or derivations()[self.bound_name]


CLAIMS = {
    claim.claim_id: claim
    for claim in (
        Claim("C1", "paper", "Q_s is unbiased; Var = Delta^2 p(1-p) <= Delta^2/4.", cc.check_c1),
        Claim(
            "C2",
            "reconstructed",
            "E||Q_s(w - a g) - (w - a g)||^2 <= sqrt(d) Delta a G for w on the grid.",
            cc.check_c2,
            "C2",
        ),
        Claim(
            "C3",
            "reconstructed",
            "SR, strongly convex, a_t = 1/(mu(t+1)): gap <= (1+log T)G^2/(2 mu T) + sqrt(d) Delta G/2.",
            cc.check_c3,
            "C3",
        ),
        Claim(
            "C4",
            "reconstructed",
            "SR, convex, a_t = c/sqrt(t): gap <= D^2/(2c sqrt T) + O(c G^2/sqrt T) + sqrt(d) Delta G/2.",
            cc.check_c4,
            "C4",
        ),
        Claim(
            "C5",
            "reconstructed",
            "BC, convex, L-smooth, a_t = c/sqrt(t): floor of order sqrt(d) Delta L D.",
            cc.check_c5,
            "C5",
        ),
        Claim(
            "C6",
            "paper (restated)",
            "BC, strongly convex, L2-Lipschitz Hessian: floor from the quantization "
            "error; derived form L2 D d Delta^2/8.",
            cc.check_c6,
            "C6",
        ),
        Claim("C7", "paper", "BC on quadratics drives the real weights to w*.", cc.check_c7, "C7-distance"),
        Claim("C8", "extension", "R stagnates once a_t ||g||_inf < Delta/2.", cc.check_c8),
        Claim("C9", "paper", "As a -> 0, SGD's floor shrinks like a while SR's floor stays.", cc.check_c9),
        Claim(
            "M1",
            "paper",
            "SR iterates on a grid form a Markov chain with exactly computable transitions; histograms match pi.",
            mc.check_m1,
        ),
        Claim(
            "M2",
            "paper",
            "For a sup|g| <= Delta (1-D): T_a = I + a A, pi does not depend on a, mixing slows like 1/a.",
            mc.check_m2,
            "M2",
        ),
        Claim(
            "M3",
            "reconstructed",
            "Unbounded noise: T_a = I + a A + o(a), pi_a -> pi_0, and pi_0 is not concentrated on minimizers.",
            mc.check_m3,
            "M3",
        ),
        Claim(
            "M4",
            "paper",
            "SGD and BC (real weights) concentrate on the global minimizer as a shrinks; SR does not.",
            mc.check_m4,
            "M4",
        ),
        Claim("M5", "reconstructed", "Larger batches concentrate SR's stationary law near minimizers.", mc.check_m5),
        Claim(
            "M6",
            "extension",
            "Separable problems: SR's law is a product; the mass at the minimizer decays exponentially in d.",
            mc.check_m6,
        ),
        Claim(
            "E1",
            "extension",
            "The exact small-step SR floor of a quadratic (birth-death per coordinate), compared with C3's floor.",
            mc.check_e1,
        ),
        Claim(
            "E2",
            "extension",
            "Exact SR laws on separable quadratics give E F(w_t) with no sampling error; C3 holds at every t.",
            cc.check_e2,
            "C3",
        ),
        Claim("E3", "extension", "Every bound on F - F* is invariant under the weight rescaling.", cc.check_e3),
        Claim(
            "E4",
            "extension",
            "cvxpy reference optima (F*, w*) for problems without closed forms: logistic, box-constrained.",
            cc.check_e4,
        ),
        Claim("E5", "extension", "The best quantized point min_grid F, exactly for small d.", cc.check_e5),
        Claim(
            "N1",
            "paper",
            "Networks (digits MLP, binary weights): BC is close to FP, SR and R are worse (test error).",
            nc.check_n1,
        ),
        Claim("N2", "paper", "Networks: larger batches (equal steps) help SR more than BC.", nc.check_n2),
        Claim(
            "N3",
            "paper",
            "Networks: below some step size SR stops improving while BC does not. Measured form: at an "
            "equal horizon a T both are flat below a = 1; the step size explains < 1/2 of the SR-BC gap.",
            nc.check_n3,
        ),
    )
}


@dataclass(frozen=True)
class _CheckRun:
    """``check(claim)``: the claim's verdict with root seed ``seed`` (a crash is a failing verdict)."""

    quick: bool
    seed: int

    def __call__(self, claim: Claim) -> Verdict:
        try:
            verdict = claim.check(self.quick, self.seed)
        except Exception as error:  # a crashing check is reported as failing, not raised
            verdict = crashed(claim.claim_id, error)
        # exact checks report seed None; every other verdict records the seed it ran with
        return verdict if verdict.seed is None else replace(verdict, seed=self.seed)


def run_checks(
    ids: list[str] | None = None,
    quick: bool = True,
    claims: dict[str, Claim] | None = None,
    seed: int = SEED,
    backend: parallel.Backend = parallel.SERIAL,
) -> list[Verdict]:
    """Run the checks of ``ids`` (all when None) from ``claims`` (default :data:`CLAIMS`) with the
    root seed ``seed`` of their Monte Carlo runs, as independent tasks on ``backend``; an
    unexpected error becomes a failing verdict."""
    claims = CLAIMS if claims is None else claims
    ids = ids if ids else list(claims)
    unknown = [i for i in ids if i not in claims]
    if unknown:
        raise InputError(f"unknown claim id(s) {', '.join(unknown)}; known: {', '.join(claims)}")
    return backend.map(_CheckRun(quick, seed), [claims[claim_id] for claim_id in ids])
