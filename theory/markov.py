"""Symbolic derivations for the Markov-chain claims M2, M3, M4 (sympy, each step checked).

A :class:`Derivation` is the distributional sibling of :class:`qnets.theory.bound.Bound`: a claim
id, assumptions, a result (a sympy expression or relation) and steps checked like a
bound's (:class:`qnets.theory.bound.Step`).

* M2: for ``a sup|g| <= Delta`` in one dimension, SR's move probabilities from a grid point are
  ``a E[(-g)^+]/Delta`` (up) and ``a E[g^+]/Delta`` (down): exactly linear in ``a``, so
  ``T_a = I + a A``, and the birth-death law ``pi_k ~ prod_{i<k} A_{i,i+1}/A_{i+1,i}`` solves
  ``pi T_a = pi`` for every such ``a``.
* M3: the first-order coefficient for Gaussian noise, ``E[(-g)^+] = sigma phi(m/sigma) -
  m Phi(-m/sigma)`` for ``g ~ N(m, sigma^2)``.
* M4: SGD's small-step (diffusion) stationary density ``exp(-2F/(a sigma^2))`` against SR's
  small-gradient law ``exp(-sqrt(2 pi) F/(sigma Delta))``: SGD's temperature ``a sigma^2/2``
  vanishes with ``a``; SR's, ``sigma Delta/sqrt(2 pi)``, does not depend on ``a``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sympy as sp
from qnets.theory.bound import Step
from qnets.theory.symbols import Delta, a, sigma


@dataclass(frozen=True)
class Derivation:
    """A derived distributional statement with machine-checked steps."""

    name: str
    claim_id: str
    statement: str
    assumptions: tuple[str, ...]
    result: sp.Basic
    derivation: tuple[Step, ...]
    notes: str = ""

    def verify(self) -> list[tuple[Step, bool]]:
        """Check every step; returns ``(step, established)`` pairs in order."""
        return [(step, step.verify()) for step in self.derivation]

    def latex(self) -> str:
        """LaTeX of the result."""
        return sp.latex(self.result)


def _m2_linearity() -> Derivation:
    g = sp.Symbol("g", real=True)
    # From x = k Delta with g < 0 and 0 <= -a g <= Delta: y/Delta = k + (-a g/Delta), so SR rounds
    # up with probability frac(y/Delta) = -a g/Delta (down with a g/Delta for g > 0).
    up_probability = sp.Max(-g, 0) * a / Delta
    states = 4
    ups = sp.symbols(f"p_0:{states - 1}", positive=True)
    downs = sp.symbols(f"q_1:{states}", positive=True)
    generator = sp.zeros(states, states)
    for i in range(states - 1):
        generator[i, i + 1] = ups[i]
        generator[i + 1, i] = downs[i]
    for i in range(states):
        generator[i, i] = -sum(generator[i, j] for j in range(states) if j != i)
    pi = sp.Matrix([[sp.prod([ups[i] / downs[i] for i in range(j)]) for j in range(states)]])
    transition = sp.eye(states) + a * generator
    steps = (
        Step(
            sp.Derivative(up_probability, (a, 2)) + sp.Subs(up_probability, a, 0),
            sp.S.Zero,
            "identity",
            "from grid point k Delta with 0 <= -a g <= Delta, y/Delta = k - a g/Delta and SR moves up with "
            "probability -a g/Delta (down with a g/Delta for g > 0): linear in a, 0 at a = 0.  Taking E over "
            "the noise keeps linearity: T_a = I + a A, A_up = E[(-g)^+]/Delta, A_down = E[g^+]/Delta",
        ),
        Step(
            sum(e**2 for e in pi * generator),
            sp.S.Zero,
            "identity",
            "the birth-death law pi_k = prod_{i<k} p_i/q_{i+1} solves pi A = 0 (4 states; every component "
            "vanishes: their sum of squares is 0)",
        ),
        Step(
            sum(e**2 for e in pi * transition - pi),
            sp.S.Zero,
            "identity",
            "so pi T_a = pi + a pi A = pi for every a below the threshold: pi does not depend on a",
        ),
    )
    return Derivation(
        "M2 linearity",
        "M2",
        "T_a = I + a A for a sup|g| <= Delta (1-D); the stationary law does not depend on a",
        ("one dimension", "x on the grid", "a sup|g| <= Delta (bounded noise)"),
        sp.Eq(sp.Symbol("T_a"), sp.Symbol("I") + a * sp.Symbol("A")),
        steps,
        notes="A_up = E[(-g)^+]/Delta, A_down = E[g^+]/Delta; the spectral gap of T_a is a times A's.",
    )


def _m3_gaussian_rate() -> Derivation:
    x, m = sp.symbols("x m", real=True)
    density = sp.exp(-((x - m) ** 2) / (2 * sigma**2)) / (sigma * sp.sqrt(2 * sp.pi))
    integral = sp.integrate(-x * density, (x, -sp.oo, 0))
    phi = sp.exp(-(m**2) / (2 * sigma**2)) / sp.sqrt(2 * sp.pi)
    closed = sigma * phi - m * sp.erfc(m / (sigma * sp.sqrt(2))) / 2  # m Phi(-m/sigma) = m erfc(m/(sigma sqrt 2))/2
    steps = (
        Step(
            integral,
            closed,
            "identity",
            "E[(-g)^+] = int_{-inf}^0 (-x) N(x; m, sigma^2) dx = sigma phi(m/sigma) - m Phi(-m/sigma)",
        ),
    )
    return Derivation(
        "M3 Gaussian small-step rate",
        "M3",
        "T_a = I + a A + o(a) with A_up = E[(-g)^+]/Delta = (sigma phi(m/sigma) - m Phi(-m/sigma))/Delta",
        ("g = F'(x) + xi, xi ~ N(0, sigma^2)", "a -> 0"),
        closed,
        steps,
    )


def _m4_temperatures() -> Derivation:
    x, z = sp.Symbol("x", real=True), sp.Symbol("z", real=True)
    F = sp.Function("F")
    gibbs = sp.exp(-2 * F(x) / (a * sigma**2))
    fokker_planck = sp.diff(sp.diff(F(x), x) * gibbs, x) + a * sigma**2 / 2 * sp.diff(gibbs, x, 2)
    psi = sp.exp(-(z**2) / 2) / sp.sqrt(2 * sp.pi) - z * (1 - sp.erf(z / sp.sqrt(2))) / 2
    log_ratio_slope = sp.diff(sp.log(psi) - sp.log(psi.subs(z, -z)), z).subs(z, 0)
    steps = (
        Step(
            fokker_planck,
            sp.S.Zero,
            "identity",
            "SGD's diffusion limit dw = -F'(w) dt + sqrt(a) sigma dB (time in units of a) has the "
            "stationary density exp(-2F/(a sigma^2)): its Fokker-Planck flux vanishes",
        ),
        Step(
            log_ratio_slope,
            -sp.sqrt(2 * sp.pi),
            "identity",
            "SR's rates: log(up/down) = log psi(F'/sigma) - log psi(-F'/sigma) = -sqrt(2 pi) F'/sigma + O(F'^3), "
            "so per grid step Delta the law falls like exp(-sqrt(2 pi) F/(sigma Delta)), for every a",
        ),
    )
    return Derivation(
        "M4 temperatures",
        "M4",
        "SGD ~ exp(-2F/(a sigma^2)) (temperature a sigma^2/2 -> 0); SR ~ exp(-sqrt(2 pi) F/(sigma Delta)) "
        "for |F'| << sigma (temperature sigma Delta/sqrt(2 pi), independent of a)",
        ("Gaussian gradient noise of variance sigma^2", "small a"),
        sp.Eq(sp.Symbol("T_SR"), sigma * Delta / sp.sqrt(2 * sp.pi)),
        steps,
    )


@cache
def derivations() -> dict[str, Derivation]:
    """Every Markov-chain derivation, by name."""
    return {"M2": _m2_linearity(), "M3": _m3_gaussian_rate(), "M4": _m4_temperatures()}
