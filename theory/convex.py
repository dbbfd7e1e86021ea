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

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import numpy as np
import sympy as sp
from qnets.theory.bound import Bound, Step, rescale
from qnets.theory.symbols import L2, SCALING_POWERS, D, Delta, G, L, T, a, c, d, mu, t

from qnets.errors import InputError

# Quantities of the one-step argument (expectations), all non-negative.
e_now, e_next, gap = sp.symbols("e_t e_{t+1} Delta_F", nonnegative=True)
inner = sp.Symbol("I_t", real=True)  # E<g_t, w_t - w*>
slack_step, slack_inner = sp.symbols("s_1 s_2", nonnegative=True)
e_of = sp.Function("e")

SQRT_D_DELTA_G = sp.sqrt(d) * Delta * G

#: What every bound of the common argument bounds.
AVERAGED_GAP = r"\mathbb{E}[F(\bar w_T)] - F^*"

#: Range on which the one-dimensional lemmas are checked (float64, 1e-12 slack).
LEMMA_RANGE = 100_000
#: Random instances of the Taylor-penalty certificate (:class:`TaylorPenaltyCertificate`).
CERTIFICATE_INSTANCES = 200


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


def _softplus_instance(rng: np.random.Generator, d: int) -> tuple[Callable, Callable, float]:
    """A random ``F(w) = sum_i c_i log(1 + exp(x_i^T w))``: its gradient, Hessian and ``L2``.

    The softplus's third derivative is at most ``1/(6 sqrt 3)`` in absolute value, so
    ``L2 = sum_i c_i ||x_i||^3 / (6 sqrt 3)``."""
    x = rng.standard_normal((3, d))
    weight = rng.uniform(0.5, 2.0, 3)

    def grad(w: np.ndarray) -> np.ndarray:
        return (weight / (1 + np.exp(-(x @ w)))) @ x

    def hessian(w: np.ndarray) -> np.ndarray:
        s = 1 / (1 + np.exp(-(x @ w)))
        return (x.T * (weight * s * (1 - s))) @ x

    l2 = float(np.sum(weight * np.linalg.norm(x, axis=1) ** 3) / (6 * np.sqrt(3)))
    return grad, hessian, l2


@dataclass(frozen=True)
class TaylorPenaltyCertificate:
    """Numeric certificate of ``E<e, w - v> >= -P`` for BC with ``Q = Q_s``, with ``P`` the
    expression ``penalty`` evaluated at ``(L2, D = ||w - v||, d, Delta)`` of each instance.

    ``e = grad F(Q_s(w)) - grad F(w) - H(w) (Q_s(w) - w)`` is the Taylor remainder.  On random
    softplus sums (``_softplus_instance``, ``d`` in 1..3), random ``w``, ``v`` and ``Delta``,
    the expectation over ``Q_s(w)`` is computed exactly by enumerating the ``2^d`` corners of the
    grid cell of ``w`` with their probabilities (no sampling), in float64 with an absolute slack
    of ``1e-12``.  The derived ``P = L2 D d Delta^2 / 8`` follows from ``||e|| <= (L2/2)||r||^2``
    and ``E||r||^2 <= d Delta^2/4``; a ``P`` of 0 or below fails on some instance.  Calling it
    runs the certificate (a plain object, so that bounds pickle to worker processes).
    """

    penalty: sp.Expr
    instances: int = CERTIFICATE_INSTANCES

    def __call__(self) -> bool:
        names = {symbol.name: symbol for symbol in self.penalty.free_symbols}
        rng = np.random.default_rng(0)
        for _ in range(self.instances):
            d = int(rng.integers(1, 4))
            grad, hessian, l2 = _softplus_instance(rng, d)
            delta = float(10 ** rng.uniform(-1, 0.5))
            w, v = rng.uniform(-2, 2, size=(2, d))
            below = delta * np.floor(w / delta)
            p_up = (w - below) / delta
            expected = 0.0
            for corner in itertools.product((0.0, 1.0), repeat=d):
                up = np.array(corner)
                probability = float(np.prod(np.where(up == 1.0, p_up, 1 - p_up)))
                q = below + delta * up
                remainder = grad(q) - grad(w) - hessian(w) @ (q - w)
                expected += probability * float(remainder @ (w - v))
            numbers = {"L2": l2, "D": float(np.linalg.norm(w - v)), "d": d, "Delta": delta}
            value = float(self.penalty.subs({names[k]: numbers[k] for k in names}))
            if expected < -value - 1e-12:
                return False
        return True


def _unbiased_rounding_step() -> Step:
    """``E Q_s(x) - x = 0``, both outcomes enumerated (C1)."""
    p = sp.Symbol("p", nonnegative=True)
    return Step(
        (1 - p) * (-p * Delta) + p * ((1 - p) * Delta),
        sp.S.Zero,
        "identity",
        "unbiased rounding (C1): E r = (1 - p)(-p Delta) + p (1 - p) Delta = 0, both outcomes enumerated",
    )


def _rounding_variance_step() -> Step:
    """``Delta^2 p (1 - p) <= Delta^2/4`` (C1), with its certificate."""
    p = sp.Symbol("p", nonnegative=True)
    return Step(
        Delta**2 * p * (1 - p),
        Delta**2 / 4,
        "nonnegative",
        "C1 variance per coordinate: Delta^2 p(1 - p) <= Delta^2/4 (certificate Delta^2 (p - 1/2)^2), "
        "so E||r||^2 <= d Delta^2/4",
        certificate=Delta**2 * (p - sp.Rational(1, 2)) ** 2,
    )


def _sr_floor_steps(rounding_term: sp.Expr) -> list[Step]:
    """SR: the step's expectation with both outcomes enumerated, and the C2 lemma substituted."""
    v, p = sp.Symbol("v", real=True), sp.Symbol("p", nonnegative=True)
    return [
        Step(
            (1 - p) * (v - p * Delta) ** 2 + p * (v + (1 - p) * Delta) ** 2,
            v**2 + Delta**2 * p * (1 - p),
            "identity",
            "SR step in expectation, both rounding outcomes enumerated (v = w - a g - w* per coordinate): "
            "unbiasedness removes the cross term and leaves the rounding variance Delta^2 p(1 - p)",
        ),
        Step(
            rounding_variance_bound().expr,
            a * rounding_term,
            "nonnegative",
            "C2 lemma substituted: E||r||^2 <= sqrt(d) Delta a G must be at most a X, the rounding term of (1)",
        ),
    ]


def _lipschitz_penalty_steps(penalty: sp.Expr) -> list[Step]:
    """BC with any quantizer (C5): the Lipschitz-gradient penalty must be at most ``P``."""
    return [
        _rounding_variance_step(),
        Step(
            L * D * sp.sqrt(d * Delta**2 / 4),
            penalty,
            "nonnegative",
            "Lipschitz-gradient penalty: <grad F(w_b) - grad F(w_r), w_r - w*> >= -L E||r|| D "
            ">= -L D sqrt(d Delta^2/4) (Cauchy-Schwarz, Jensen, C1) must be at least -P",
        ),
    ]


def _hessian_penalty_steps(penalty: sp.Expr) -> list[Step]:
    """BC with ``Q_s`` (C6): unbiasedness, the Taylor remainder's certificate and the penalty."""
    return [
        _unbiased_rounding_step(),
        _rounding_variance_step(),
        Step(
            sp.Symbol("E<e, w - w*>", real=True),
            sp.Symbol("-P", real=True),
            "numeric",
            f"Lipschitz-Hessian penalty E<e, w - w*> >= -P: SR's outcomes enumerated exactly on "
            f"{CERTIFICATE_INSTANCES} random softplus instances (float64, 1e-12 slack)",
            TaylorPenaltyCertificate(penalty),
        ),
        Step(
            L2 / 2 * D * d * Delta**2 / 4,
            penalty,
            "nonnegative",
            "Taylor penalty: ||e|| <= (L2/2)||r||^2 and E||r||^2 <= d Delta^2/4 give "
            "E<e, w - w*> >= -L2 D d Delta^2/8, which must be at least -P",
        ),
    ]


def _quadratic_penalty_steps(penalty: sp.Expr) -> list[Step]:
    """BC with ``Q_s`` on a quadratic (C7): the Taylor remainder vanishes, so ``0 <= P``."""
    q, w, h = sp.symbols("q w h", real=True)
    return [
        _unbiased_rounding_step(),
        Step(
            h * q - h * w - h * (q - w),
            sp.S.Zero,
            "identity",
            "quadratic F (L2 = 0): the Taylor remainder e = grad F(q) - grad F(w) - H (q - w) is 0",
        ),
        Step(sp.S.Zero, penalty, "nonnegative", "no Taylor penalty: P must be at least 0"),
    ]


#: How each kind of setting justifies its rounding term and penalty (see :class:`Setting`).
#:
#: :meta hide-value:
FLOOR_STEPS: dict[str, Callable[[Setting], list[Step]]] = {
    "sgd": lambda setting: [],
    "sr": lambda setting: _sr_floor_steps(setting.rounding_term),
    "bc-lipschitz": lambda setting: _lipschitz_penalty_steps(setting.penalty),
    "bc-hessian": lambda setting: _hessian_penalty_steps(setting.penalty),
    "bc-quadratic": lambda setting: _quadratic_penalty_steps(setting.penalty),
}


@dataclass(frozen=True)
class Setting:
    """What distinguishes one method and its assumptions in the common argument.

    ``rounding_term`` is ``X`` of (1), ``penalty`` is ``P`` of (2); the floor ``X/2 + P``
    follows from them, and ``kind`` selects the verified steps (:data:`FLOOR_STEPS`) that
    constrain them:

    * ``"sr"``: the SR step's expectation is enumerated exactly (unbiasedness removes the cross
      term) and the C2 lemma (:func:`rounding_variance_bound`) is substituted:
      ``sqrt(d) Delta a G <= a X`` must verify, so an ``X`` below C2's bound fails;
    * ``"bc-lipschitz"`` (BC, C5): ``L D sqrt(d) Delta/2 <= P`` (Cauchy-Schwarz, L-Lipschitz
      gradient, C1's variance);
    * ``"bc-hessian"`` (BC with ``Q_s``, C6): unbiasedness removes ``<H r, w - w*>``, the
      Taylor remainder's numeric certificate (:class:`TaylorPenaltyCertificate`) evaluates ``P``,
      and ``(L2/2) D d Delta^2/4 <= P`` must verify;
    * ``"bc-quadratic"`` (BC with ``Q_s`` on a quadratic, C7): the Taylor remainder is 0;
    * ``"sgd"``: no rounding, nothing to constrain.
    """

    name: str
    claim_id: str
    assumptions: tuple[str, ...]
    kind: str = "sgd"
    rounding_term: sp.Expr = sp.S.Zero
    penalty: sp.Expr = sp.S.Zero
    paper_form: sp.Expr | None = None
    notes: str = ""

    def __post_init__(self) -> None:
        if self.kind not in FLOOR_STEPS:
            raise InputError(f"kind must be one of {tuple(FLOOR_STEPS)}, got {self.kind!r}")

    @property
    def floor(self) -> sp.Expr:
        """The per-step floor ``X/2 + P``."""
        return self.rounding_term / 2 + self.penalty

    def bound(self, expr: sp.Expr, steps: list[Step]) -> Bound:
        """The :class:`~qnets.theory.bound.Bound` ``E[F(w_bar_T)] - F* <= expr`` with this setting's metadata."""
        return Bound(
            self.name,
            self.claim_id,
            AVERAGED_GAP,
            self.assumptions,
            expr,
            tuple(steps),
            self.paper_form,
            self.notes,
            floor=self.floor,
        )


def _jensen_step(horizon: int = 4) -> Step:
    """Jensen's inequality ``F(w_bar) <= (1/T) sum_t F(w_t)`` from the supporting hyperplane at
    ``w_bar`` (convexity, with non-negative slacks), verified for ``T = horizon``."""
    points = sp.symbols(f"w_1:{horizon + 1}", real=True)
    slacks = sp.symbols(f"q_1:{horizon + 1}", nonnegative=True)
    slope, value = sp.Symbol("gamma", real=True), sp.Symbol("F_bar", real=True)
    mean = sum(points) / horizon
    values = [value + slope * (w - mean) + q for w, q in zip(points, slacks, strict=True)]
    return Step(
        value,
        sum(values) / horizon,
        "nonnegative",
        f"Jensen: F(w_t) = F(w_bar) + <grad F(w_bar), w_t - w_bar> + q_t with q_t >= 0 (convexity); "
        f"averaging over T = {horizon} points cancels the linear terms",
    )


def _one_step_steps(setting: Setting, mu_value: sp.Expr) -> list[Step]:
    """Steps (expansion), the floor's justification and (rearrangement): from (1) and (2) to
    the per-step gap bound."""
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
    floor_steps = FLOOR_STEPS[setting.kind](setting)
    rearranged = Step(
        gap,
        per_step.subs(one_step).subs(inner_bound),
        "nonnegative",
        "rearrange (1) with (2): E F(w_t) - F* <= (1/(2a) - mu/2) e_t - e_{t+1}/(2a) + a G^2/2 + floor",
    )
    return [expansion, *floor_steps, rearranged]


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
    steps.append(_jensen_step())
    steps.append(
        Step(
            (G**2 / (2 * mu) * (1 + sp.log(T)) + T * floor) / T,
            final,
            "identity",
            "with Jensen (previous step): F(w_bar_T) - F* <= (1/T) sum_t (E F(w_t) - F*); divide the summed bound by T",
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
    steps.append(_jensen_step())
    steps.append(
        Step(
            (D**2 * sp.sqrt(T) / (2 * c) + c * G**2 / 2 * (2 * sp.sqrt(T) - 1) + T * floor) / T,
            final,
            "identity",
            "with Jensen (previous step), divide the summed bound by T",
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
        scaling_power=2,
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


def bc_quadratic_distance_bound() -> Bound:
    """C7: BC with ``Q_s`` on a quadratic, ``a_t = 1/(mu(t+1))``: the real weights satisfy
    ``E||w_T - w*||^2 <= 4 G_bc^2 / (mu^2 (T + 1))`` for ``T >= 1``, with
    ``G_bc^2 = G^2 + L^2 d Delta^2 / 4`` bounding the second moment of the gradient taken at the
    quantized weights.  So the real weights converge to ``w*`` itself, wherever it lies."""
    p = sp.Symbol("p", nonnegative=True)
    g_bc_sq = G**2 + L**2 * d * Delta**2 / 4
    s1, s2, s3 = sp.symbols("s_1 s_2 s_3", nonnegative=True)
    k = sp.Symbol("k", integer=True, nonnegative=True)  # t = k + 1 >= 1
    step_k = 1 / (mu * (k + 2))
    induction_gap = 4 * g_bc_sq / (mu**2 * (k + 3)) - (
        (1 - 2 * mu * step_k) * 4 * g_bc_sq / (mu**2 * (k + 2)) + step_k**2 * g_bc_sq
    )
    steps = (
        _unbiased_rounding_step(),
        Step(
            G**2 - s1 + L**2 * d * Delta**2 * p * (1 - p),
            g_bc_sq,
            "nonnegative",
            "E||g(w_b)||^2 = ||grad F(w_r)||^2 + E||H r||^2 + E||noise||^2 (E r = 0 removes the cross terms) "
            "<= G^2 + L^2 d Delta^2 p(1 - p) <= G_bc^2 (C1)",
            certificate=s1 + L**2 * d * Delta**2 * (p - sp.Rational(1, 2)) ** 2,
        ),
        Step(
            e_now - 2 * a * (mu * e_now + s2) + a**2 * g_bc_sq - s3,
            (1 - 2 * mu * a) * e_now + a**2 * g_bc_sq,
            "nonnegative",
            "one step: e_{t+1} <= e_t - 2 a E<H(w_r - w*), w_r - w*> + a^2 G_bc^2 (the gradient at w_b is "
            "unbiased for grad F(w_r) on a quadratic) and <H z, z> >= mu ||z||^2",
        ),
        Step(
            G**2 / mu**2 - s1,
            4 * g_bc_sq / (mu**2 * 2),
            "nonnegative",
            "base T = 1: with a_0 = 1/mu, e_1 <= -e_0 + G_bc^2/mu^2 <= 4 G_bc^2/(mu^2 (1 + 1))",
            certificate=s1 + G**2 / mu**2 + L**2 * d * Delta**2 / (2 * mu**2),
        ),
        Step(
            (1 - 2 * mu * step_k) * 4 * g_bc_sq / (mu**2 * (k + 2)) + step_k**2 * g_bc_sq,
            4 * g_bc_sq / (mu**2 * (k + 3)),
            "nonnegative",
            "induction t = k + 1 -> t + 1 (1 - 2 mu a_t >= 0): e_t <= 4 G_bc^2/(mu^2 (t+1)) gives "
            "e_{t+1} <= 4 G_bc^2/(mu^2 (t+2))",
            certificate=sp.factor(sp.simplify(induction_gap)),
        ),
    )
    return Bound(
        "BC on quadratics: distance of the real weights to w*",
        "C7",
        r"\mathbb{E}\|w_T - w^*\|^2",
        ("F quadratic (L2 = 0), mu-strongly convex, L-smooth", "E||g||^2 <= G^2 on W", "a_t = 1/(mu(t+1))", "Q = Q_s"),
        4 * g_bc_sq / (mu**2 * (T + 1)),
        steps,
        notes="With Q = Q_d the gradient at w_b is biased and the real weights settle elsewhere (qnets check C7).",
        scaling_power=2,
    )


def settings() -> dict[str, tuple[Setting, Callable[[Setting], Bound]]]:
    """The settings of the common argument by registry name, each with its step-size schedule's
    derivation (:func:`strongly_convex_bound` or :func:`sqrt_schedule_bound`)."""
    paper_log = (1 + sp.log(T + 1)) * G**2 / (2 * mu * T)
    paper_sqrt = D**2 / (2 * c * sp.sqrt(T)) + sp.sqrt(T + 1) / (2 * T) * c * G**2
    sc = ("F mu-strongly convex", "E||g||^2 <= G^2 on W", "a_t = 1/(mu(t+1))", "w_bar_T = mean of w_0..w_{T-1}")
    cv = ("F convex", "E||g||^2 <= G^2 on W", "diam W = D", "a_t = c/sqrt(t+1)", "w_bar_T = mean of w_0..w_{T-1}")
    grid_aligned = "w_0 on the grid, W grid-aligned"
    return {
        "sgd-strongly-convex": (Setting("SGD, strongly convex", "SGD", sc), strongly_convex_bound),
        "C3": (
            Setting(
                "SR, strongly convex",
                "C3",
                (*sc, grid_aligned),
                kind="sr",
                rounding_term=SQRT_D_DELTA_G,
                paper_form=paper_log + SQRT_D_DELTA_G / 2,
                notes="Derived first term (1 + log T) is at most the reconstructed (1 + log(T+1)).",
            ),
            strongly_convex_bound,
        ),
        "sgd-convex": (Setting("SGD, convex", "SGD", cv), sqrt_schedule_bound),
        "C4": (
            Setting(
                "SR, convex",
                "C4",
                (*cv, grid_aligned),
                kind="sr",
                rounding_term=SQRT_D_DELTA_G,
                paper_form=paper_sqrt + SQRT_D_DELTA_G / 2,
                notes="Reconstructed second term sqrt(T+1) c G^2/(2T) is below sum_t a_t G^2/(2T) for T >= 3.",
            ),
            sqrt_schedule_bound,
        ),
        "C5": (
            Setting(
                "BC, convex and L-smooth",
                "C5",
                (*cv, "grad F L-Lipschitz", "Q = Q_s or Q_d (only E||r|| <= sqrt(d) Delta/2 is used)"),
                kind="bc-lipschitz",
                penalty=L * D * sp.sqrt(d) * Delta / 2,
                paper_form=paper_sqrt + SQRT_D_DELTA_G / 2 * L * D / G,
                notes="Penalty: <grad F(w_b) - grad F(w_r), w_r - w*> >= -L ||r|| D.",
            ),
            sqrt_schedule_bound,
        ),
        "C6": (
            Setting(
                "BC, strongly convex, L2-Lipschitz Hessian",
                "C6",
                (*sc, "Hessian L2-Lipschitz", "Q = Q_s (unbiased): the first-order term vanishes in expectation"),
                kind="bc-hessian",
                penalty=L2 * D * d * Delta**2 / 8,
                paper_form=paper_log + D * L2 * sp.sqrt(d) * Delta / 2,
                notes="Taylor: grad F(w_b) = grad F(w_r) + H r + e, ||e|| <= (L2/2)||r||^2, E||r||^2 <= d Delta^2/4.",
            ),
            strongly_convex_bound,
        ),
        "C7": (
            Setting(
                "BC on quadratics",
                "C7",
                (*sc, "F quadratic (L2 = 0)", "Q = Q_s"),
                kind="bc-quadratic",
                notes="C6 with L2 = 0: no floor; C7-distance bounds the real weights' distance to w*.",
            ),
            strongly_convex_bound,
        ),
    }


def bounds() -> dict[str, Bound]:
    """Every convex bound, by name."""
    derived = {name: derive(setting) for name, (setting, derive) in settings().items()}
    return {
        "C2": rounding_variance_bound(),
        **derived,
        "C6-limit": bc_limit_bound(),
        "C7-distance": bc_quadratic_distance_bound(),
    }


@cache
def all_bounds() -> dict[str, Bound]:
    """:func:`bounds`, built once per process."""
    return bounds()


def scaling_consistent(expr: sp.Expr, power: int = 0) -> bool:
    """E3: does ``expr`` change by ``s**power`` under the weight rescaling of :mod:`qnets.theory.symbols`
    (``power`` 0 for bounds on ``F - F*``, 2 for squared distances: the ``scaling_power`` of a
    :class:`~qnets.theory.bound.Bound`)?"""
    s = sp.Symbol("s", positive=True)
    return sp.simplify(rescale(expr, SCALING_POWERS, s) - s**power * expr) == 0
