"""Derivations of the convex bounds (claims C2-C7 and the SGD baselines).

All bounds come from one argument.  For ``e_t = E||w_t - w*||^2`` (``w_t`` the iterate whose
average is bounded: SR's iterate, or BC's real weights), a one-step inequality

    e_{t+1} <= e_t - 2 a_t E<g_t, w_t - w*> + a_t^2 G^2 + a_t X            (1)

(``X`` the rounding term: ``sqrt(d) Delta G`` for SR by C2, ``0`` for SGD and BC) and a
lower bound on the inner product

    E<g_t, w_t - w*> >= E F(w_t) - F* + (mu/2) e_t - P                    (2)

(``mu = 0`` for convex problems; ``P`` the penalty of taking gradients at BC's quantized
weights) give ``E F(w_t) - F* <= (1/(2a_t) - mu/2) e_t - e_{t+1}/(2a_t) + a_t G^2/2 + floor``
with ``floor = X/2 + P``.  Summing over ``t = 0..T-1`` and Jensen's inequality bound
``F(w_bar_T) - F*`` for ``w_bar_T = (1/T) sum_{t<T} w_t``:

* ``a_t = 1/(mu (t+1))``: ``(1 + log T) G^2 / (2 mu T) + floor``;
* ``a_t = c / sqrt(t+1)``, ``e_t <= D^2``: ``D^2/(2 c sqrt T) + (2 sqrt T - 1) c G^2/(2T) + floor``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import sympy as sp
from qnets.theory.bound import Bound, Step, rescale
from qnets.theory.symbols import L2, SCALING_POWERS, D, Delta, G, L, T, a, c, d, mu, t

# Quantities of the one-step argument (expectations), all non-negative.
e_now, e_next, gap = sp.symbols("e_t e_{t+1} Delta_F", nonnegative=True)
inner = sp.Symbol("I_t", real=True)  # E<g_t, w_t - w*>
slack_step, slack_inner = sp.symbols("s_1 s_2", nonnegative=True)
e_of = sp.Function("e")

SQRT_D_DELTA_G = sp.sqrt(d) * Delta * G

#: What every bound of the common argument bounds.
AVERAGED_GAP = r"\mathbb{E}[F(\bar w_T)] - F^*"

#: Range on which the one-dimensional lemmas are checked exactly.
LEMMA_RANGE = 100_000


def _harmonic_lemma() -> bool:
    """``H_T = sum_{t=1}^T 1/t <= 1 + log T`` for ``T = 1..LEMMA_RANGE`` (float64, 1e-12 slack)."""
    T_values = np.arange(1, LEMMA_RANGE + 1)
    harmonic = np.cumsum(1.0 / T_values)
    return bool(np.all(harmonic <= 1 + np.log(T_values) + 1e-12))


def _sqrt_sum_lemma() -> bool:
    """``sum_{t=1}^T 1/sqrt t <= 2 sqrt T - 1`` for ``T = 1..LEMMA_RANGE``."""
    T_values = np.arange(1, LEMMA_RANGE + 1)
    partial = np.cumsum(1.0 / np.sqrt(T_values))
    return bool(np.all(partial <= 2 * np.sqrt(T_values) - 1 + 1e-12))


@dataclass(frozen=True)
class Setting:
    """What distinguishes one method and its assumptions in the common argument.

    ``rounding_term`` is ``X`` of (1), ``penalty`` is ``P`` of (2); the floor ``X/2 + P``
    follows from them.
    """

    name: str
    claim_id: str
    assumptions: tuple[str, ...]
    rounding_term: sp.Expr = sp.S.Zero
    penalty: sp.Expr = sp.S.Zero
    paper_form: sp.Expr | None = None
    notes: str = ""

    @property
    def floor(self) -> sp.Expr:
        """The per-step floor ``X/2 + P``."""
        return self.rounding_term / 2 + self.penalty

    def bound(self, expr: sp.Expr, steps: list[Step]) -> Bound:
        """The :class:`Bound` ``E[F(w_bar_T)] - F* <= expr`` with this setting's metadata."""
        return Bound(
            self.name, self.claim_id, AVERAGED_GAP, self.assumptions, expr, tuple(steps), self.paper_form, self.notes
        )


def _one_step_steps(setting: Setting, mu_value: sp.Expr) -> list[Step]:
    """Steps (expansion) and (rearrangement): from (1) and (2) to the per-step gap bound."""
    rounding_term, penalty, floor = setting.rounding_term, setting.penalty, setting.floor
    u, g1, r = sp.symbols("u g r", real=True)
    expansion = Step(
        (u - a * g1 + r) ** 2,
        u**2 - 2 * a * g1 * u + a**2 * g1**2 + 2 * r * (u - a * g1) + r**2,
        "identity",
        "one coordinate of ||w - a g + r - w*||^2; E[r | w, g] = 0 removes the cross term, "
        "E||r||^2 <= a X bounds the last, and projection onto W (containing w*) is non-expansive",
    )
    # Encode (1) and (2) with non-negative slacks and check that the rearranged bound follows.
    one_step = {e_next: e_now - 2 * a * inner + a**2 * G**2 + a * rounding_term - slack_step}
    inner_bound = {inner: gap + mu_value / 2 * e_now - penalty + slack_inner}
    per_step = (1 / (2 * a) - mu_value / 2) * e_now - e_next / (2 * a) + a * G**2 / 2 + floor
    rearranged = Step(
        gap,
        per_step.subs(one_step).subs(inner_bound),
        "nonnegative",
        "rearrange (1) with (2): E F(w_t) - F* <= (1/(2a) - mu/2) e_t - e_{t+1}/(2a) + a G^2/2 + floor",
    )
    return [expansion, rearranged]


def strongly_convex_bound(setting: Setting) -> Bound:
    """``a_t = 1/(mu(t+1))``: ``F(w_bar_T) - F* <= (1 + log T) G^2/(2 mu T) + floor``."""
    steps = _one_step_steps(setting, mu)
    floor = setting.floor
    a_t = 1 / (mu * (t + 1))
    potential = mu * t * e_of(t) / 2
    steps.append(
        Step(
            ((1 / (2 * a) - mu / 2) * e_of(t) - e_of(t + 1) / (2 * a)).subs(a, a_t),
            potential - potential.subs(t, t + 1),
            "identity",
            "with a_t = 1/(mu(t+1)) the e-terms are f(t) - f(t+1) for f(t) = mu t e_t / 2: they telescope",
        )
    )
    for horizon in range(1, 6):
        telescoped = sum((potential - potential.subs(t, t + 1)).subs(t, k) for k in range(horizon))
        steps.append(
            Step(
                telescoped,
                -mu * horizon * e_of(horizon) / 2,
                "identity",
                f"telescoping sum over t = 0..{horizon - 1} (the identity for T = {horizon}; f(0) = 0 drops e_0)",
            )
        )
    steps.append(
        Step(
            sp.Sum(1 / sp.Symbol("k", positive=True), (sp.Symbol("k", positive=True), 1, T)),
            1 + sp.log(T),
            "numeric",
            f"harmonic-sum bound H_T <= 1 + log T (checked for T = 1..{LEMMA_RANGE}); sum_t a_t G^2/2 = G^2 H_T/(2 mu)",
            _harmonic_lemma,
        )
    )
    final = (1 + sp.log(T)) * G**2 / (2 * mu * T) + floor
    steps.append(
        Step(
            (G**2 / (2 * mu) * (1 + sp.log(T)) + T * floor) / T,
            final,
            "identity",
            "Jensen (F convex): F(w_bar_T) - F* <= (1/T) sum_t (E F(w_t) - F*); divide the summed bound by T",
        )
    )
    return setting.bound(final, steps)


def sqrt_schedule_bound(setting: Setting) -> Bound:
    """``a_t = c/sqrt(t+1)``, ``e_t <= D^2``: ``D^2/(2c sqrt T) + (2 sqrt T - 1) c G^2/(2T) + floor``."""
    steps = _one_step_steps(setting, sp.Integer(0))
    floor = setting.floor
    for horizon in range(1, 5):
        step_sizes = [c / sp.sqrt(k + 1) for k in range(horizon)]
        shortfalls = sp.symbols(f"z_0:{horizon + 1}", nonnegative=True)  # e_k = D^2 - z_k, z_k <= D^2
        e_values = [D**2 - z for z in shortfalls[:horizon]] + [sp.Symbol("e_T", nonnegative=True)]
        weighted = sum((e_values[k] - e_values[k + 1]) / (2 * step_sizes[k]) for k in range(horizon))
        certificate = (
            shortfalls[0] / (2 * step_sizes[0])
            + sum(
                shortfalls[k] * sp.factor(1 / (2 * step_sizes[k]) - 1 / (2 * step_sizes[k - 1]))
                for k in range(1, horizon)
            )
            + e_values[-1] / (2 * step_sizes[-1])
        )
        steps.append(
            Step(
                weighted,
                D**2 / (2 * step_sizes[-1]),
                "nonnegative",
                f"Abel summation with 0 <= e_t <= D^2 and 1/a_t increasing (T = {horizon})",
                certificate=certificate,
            )
        )
    steps.append(
        Step(
            sp.Sum(1 / sp.sqrt(sp.Symbol("k", positive=True)), (sp.Symbol("k", positive=True), 1, T)),
            2 * sp.sqrt(T) - 1,
            "numeric",
            f"sum_(k=1)^T 1/sqrt(k) <= 2 sqrt(T) - 1 (checked for T = 1..{LEMMA_RANGE})",
            _sqrt_sum_lemma,
        )
    )
    final = D**2 / (2 * c * sp.sqrt(T)) + (2 * sp.sqrt(T) - 1) * c * G**2 / (2 * T) + floor
    steps.append(
        Step(
            (D**2 * sp.sqrt(T) / (2 * c) + c * G**2 / 2 * (2 * sp.sqrt(T) - 1) + T * floor) / T,
            final,
            "identity",
            "Jensen and division by T",
        )
    )
    return setting.bound(final, steps)


def rounding_variance_bound() -> Bound:
    """C2: for ``w`` on the grid, ``E||Q_s(w - a g) - (w - a g)||^2 <= sqrt(d) Delta a ||g||``."""
    p, k = sp.Symbol("p", nonnegative=True), sp.Symbol("k", integer=True, nonnegative=True)
    v = Delta * (k + p)  # |a g_i| = Delta (k + p) with 0 <= p < 1
    g_abs = sp.symbols("x_1:4", nonnegative=True)
    steps = (
        Step(
            (1 - p) * (p * Delta) ** 2 + p * ((1 - p) * Delta) ** 2,
            Delta**2 * p * (1 - p),
            "identity",
            "exact variance: round down by p Delta w.p. 1 - p, up by (1 - p) Delta w.p. p (w on the grid)",
        ),
        Step(Delta**2 * p * (1 - p), Delta**2 * p, "nonnegative", "p (1 - p) <= p"),
        Step(Delta**2 * p, Delta * v, "nonnegative", "p = frac(|a g_i| / Delta) <= |a g_i| / Delta"),
        Step(
            sum(g_abs) ** 2,
            3 * sum(x**2 for x in g_abs),
            "nonnegative",
            "Cauchy-Schwarz ||g||_1 <= sqrt(d) ||g||_2 (shown for d = 3: d||x||^2 - ||x||_1^2 = sum (x_i - x_j)^2)",
            certificate=sum((g_abs[i] - g_abs[j]) ** 2 for i in range(3) for j in range(i + 1, 3)),
        ),
    )
    expr = sp.sqrt(d) * Delta * a * G
    return Bound(
        "C2 rounding variance",
        "C2",
        r"\mathbb{E}\|Q_s(w - a g) - (w - a g)\|^2",
        ("w on the grid", "E||g||^2 <= G^2 (so E||g||_1 <= sqrt(d) G by Jensen)"),
        expr,
        steps,
        notes="Exact per coordinate: Delta^2 p_i (1 - p_i) with p_i = frac(a|g_i|/Delta).",
    )


def bc_limit_bound() -> Bound:
    """C6 sharpened (extension): the small-step limit of BC's real weights has
    ``F(w_inf) - F* <= L2^2 d^2 Delta^4 / (128 mu)``, of order ``Delta^4`` rather than ``Delta^2``.

    With ``a_t -> 0`` the real weights follow ``dw/dt = -E grad F(Q_s(w))`` and settle where
    ``E grad F(Q_s(w_inf)) = 0``.
    """
    bias, margin = sp.symbols("b s_4", nonnegative=True)
    s1, s2, s3 = sp.symbols("s_1 s_2 s_3", nonnegative=True)
    bias_bound = L2 * d * Delta**2 / 8
    steps = (
        Step(
            L2 / 2 * (d * Delta**2 / 4 - s2) - s1,
            bias_bound,
            "nonnegative",
            "Taylor with E(Q - w) = 0: b = ||E grad F(Q_s(w)) - grad F(w)|| <= (L2/2) E||Q_s(w) - w||^2 "
            "(slack s_1) and E||Q_s(w) - w||^2 <= d Delta^2/4 (C1, slack s_2)",
        ),
        Step(
            bias**2,
            (bias + margin) ** 2,
            "nonnegative",
            "0 <= b <= B = L2 d Delta^2/8 (write B = b + s_4) gives b^2 <= B^2",
        ),
        Step(
            bias**2 / (2 * mu) - s3,
            bias**2 / (2 * mu),
            "nonnegative",
            "at the limit, grad F(w_inf) = grad F(w_inf) - E grad F(Q_s(w_inf)) has norm b, and strong "
            "convexity gives F(w) - F* <= ||grad F(w)||^2/(2 mu) (slack s_3); so F(w_inf) - F* <= B^2/(2 mu)",
        ),
    )
    return Bound(
        "BC small-step limit, strongly convex, L2-Lipschitz Hessian",
        "C6",
        r"F(w_\infty) - F^*",
        ("F mu-strongly convex", "Hessian L2-Lipschitz", "Q = Q_s", "a_t -> 0 (real weights converge to w_inf)"),
        bias_bound**2 / (2 * mu),
        steps,
        notes="Measured exponent on logistic regression: about 4 (qnets check C6).",
    )


def bounds() -> dict[str, Bound]:
    """Every convex bound, by name."""
    paper_log = (1 + sp.log(T + 1)) * G**2 / (2 * mu * T)
    paper_sqrt = D**2 / (2 * c * sp.sqrt(T)) + sp.sqrt(T + 1) / (2 * T) * c * G**2
    sc = ("F mu-strongly convex", "E||g||^2 <= G^2 on W", "a_t = 1/(mu(t+1))", "w_bar_T = mean of w_0..w_{T-1}")
    cv = ("F convex", "E||g||^2 <= G^2 on W", "diam W = D", "a_t = c/sqrt(t+1)", "w_bar_T = mean of w_0..w_{T-1}")
    grid_aligned = "w_0 on the grid, W grid-aligned"
    return {
        "C2": rounding_variance_bound(),
        "sgd-strongly-convex": strongly_convex_bound(Setting("SGD, strongly convex", "SGD", sc)),
        "C3": strongly_convex_bound(
            Setting(
                "SR, strongly convex",
                "C3",
                (*sc, grid_aligned),
                rounding_term=SQRT_D_DELTA_G,
                paper_form=paper_log + SQRT_D_DELTA_G / 2,
                notes="Derived first term (1 + log T) is at most the reconstructed (1 + log(T+1)).",
            )
        ),
        "sgd-convex": sqrt_schedule_bound(Setting("SGD, convex", "SGD", cv)),
        "C4": sqrt_schedule_bound(
            Setting(
                "SR, convex",
                "C4",
                (*cv, grid_aligned),
                rounding_term=SQRT_D_DELTA_G,
                paper_form=paper_sqrt + SQRT_D_DELTA_G / 2,
                notes="Reconstructed second term sqrt(T+1) c G^2/(2T) is below sum_t a_t G^2/(2T) for T >= 3.",
            )
        ),
        "C5": sqrt_schedule_bound(
            Setting(
                "BC, convex and L-smooth",
                "C5",
                (*cv, "grad F L-Lipschitz", "Q = Q_s or Q_d (only E||r|| <= sqrt(d) Delta/2 is used)"),
                penalty=L * D * sp.sqrt(d) * Delta / 2,
                paper_form=paper_sqrt + SQRT_D_DELTA_G / 2 * L * D / G,
                notes="Penalty: <grad F(w_b) - grad F(w_r), w_r - w*> >= -L ||r|| D.",
            )
        ),
        "C6": strongly_convex_bound(
            Setting(
                "BC, strongly convex, L2-Lipschitz Hessian",
                "C6",
                (*sc, "Hessian L2-Lipschitz", "Q = Q_s (unbiased): the first-order term vanishes in expectation"),
                penalty=L2 * D * d * Delta**2 / 8,
                paper_form=paper_log + D * L2 * sp.sqrt(d) * Delta / 2,
                notes="Taylor: grad F(w_b) = grad F(w_r) + H r + e, ||e|| <= (L2/2)||r||^2, E||r||^2 <= d Delta^2/4.",
            )
        ),
        "C6-limit": bc_limit_bound(),
        "C7": strongly_convex_bound(
            Setting(
                "BC on quadratics",
                "C7",
                (*sc, "F quadratic (L2 = 0)", "Q = Q_s"),
                notes="C6 with L2 = 0: no floor, the real weights converge to w*.",
            )
        ),
    }


@cache
def all_bounds() -> dict[str, Bound]:
    """:func:`bounds`, built once per process."""
    return bounds()


def scaling_consistent(expr: sp.Expr) -> bool:
    """E3: is ``expr`` unchanged by the weight rescaling of :mod:`theory.symbols`?"""
    s = sp.Symbol("s", positive=True)
    return sp.simplify(rescale(expr, SCALING_POWERS, s) - expr) == 0
