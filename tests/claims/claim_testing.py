"""What the claim tests share: the seeds every check must hold for, and plausible bugs to inject.

Every bug is injected at run time by monkeypatching a public object (never by editing the
source); a claim's test module asserts that the claim's check FAILS under it.
"""

from __future__ import annotations

import sys
from dataclasses import replace

import numpy as np
import scipy.sparse as sp
from qnets.simulate.grid import Grid
from qnets.simulate.markov import kernel

from qnets.claims import CLAIMS, run_checks
from qnets.claims.record import sizes_dict
from qnets.claims.verdict import SEED

#: Seeds besides the default: a correct claim must hold for essentially any seed, so a failure
#: at one of these means the check's margin does not cover the seed-to-seed spread.
SEEDS = (SEED, 1, 2, 3)


def assert_holds(claim_id: str, seed: int) -> None:
    """The claim's quick check holds at ``seed``, with every boolean part holding, and records the
    seed it used (None for exact checks, which then use none)."""
    (verdict,) = run_checks([claim_id], quick=True, seed=seed)
    assert verdict.claim_id == claim_id
    assert verdict.holds, verdict.detail
    assert all(value for value in verdict.parts.values() if isinstance(value, bool)), verdict.parts
    assert verdict.seed in (seed, None)
    assert verdict.params["sizes"] == sizes_dict(CLAIMS[claim_id].sizes.quick)


def patch_everywhere(monkeypatch, original, replacement) -> None:
    """Replace ``original`` by ``replacement`` in every loaded qnets module that imported it by name."""
    for name, module in list(sys.modules.items()):
        if name.startswith("qnets") and module is not None:
            for attribute, value in list(vars(module).items()):
                if value is original:
                    monkeypatch.setattr(module, attribute, replacement)


def scale_simulated_noise(monkeypatch, noise_class, factor: float) -> None:
    """The injected bug: the simulator draws ``factor`` times the noise of ``noise_class`` that
    the exact laws assume."""
    original = noise_class.add_to

    def scaled(self, g, rng, scratch=None):
        before = g.copy()
        original(self, g, rng, scratch)
        g += (factor - 1) * (g - before)

    monkeypatch.setattr(noise_class, "add_to", scaled)


def scale_law_width(monkeypatch, noise_class, method: str, factor: float) -> None:
    """The exact law's ``method`` (expected clip or ramp) sees the noise ``factor`` times as wide."""
    original = getattr(noise_class, method)
    monkeypatch.setattr(noise_class, method, lambda self, m, s: original(self, m, factor * s))


class ScaledDrift:
    """A problem whose gradient (the drift of the chain) is ``factor`` times the real one."""

    def __init__(self, problem, factor: float) -> None:
        self._problem = problem
        self._factor = factor

    def __getattr__(self, name):
        return getattr(self._problem, name)

    def grad(self, W: np.ndarray) -> np.ndarray:
        return self._factor * self._problem.grad(W)


def scale_kernel_drift(monkeypatch, factor: float) -> None:
    """The exact kernel uses ``factor`` F' where the simulator uses F'."""
    original = kernel._coordinate_laws
    monkeypatch.setattr(
        kernel, "_coordinate_laws", lambda problem, space, lr: original(ScaledDrift(problem, factor), space, lr)
    )


def scale_generator_up_rates(monkeypatch, factor: float) -> None:
    """The generator's rates towards higher states are ``factor`` times too large (diagonal kept
    consistent)."""
    original = kernel.generator

    def scaled(problem, space):
        rates = original(problem, space)
        off = sp.triu(rates, 1) * factor + sp.tril(rates, -1)
        return (off - sp.diags(np.asarray(off.sum(axis=1)).ravel())).tocsr()

    patch_everywhere(monkeypatch, original, scaled)


def biased_stochastic(self, x, rng, out=None, scratch=None):
    """SR that rounds up with probability 3p^2 - 2p^3 (unbiased only at p = 0, 1/2, 1)."""
    x = np.asarray(x, dtype=float)
    out = np.empty_like(x) if out is None else out
    k = self._to_lattice(x, out)
    below = np.floor(k)
    p = k - below
    k[...] = below + (rng.random(size=k.shape) < 3 * p**2 - 2 * p**3)
    return self._from_lattice(k)


def bias_stochastic_rounding(monkeypatch) -> None:
    """The injected bug: :meth:`Grid.stochastic` is :func:`biased_stochastic`."""
    monkeypatch.setattr(Grid, "stochastic", biased_stochastic)


def scaled_bound(bound, factor: float):
    """``bound`` with its expression multiplied by ``factor`` (a wrong constant)."""
    return replace(bound, expr=bound.expr * factor)


def assert_fails_without_floor(claim_module) -> None:
    """The claim's check, handed its bound with the floor removed, fails its upper part."""
    verdict = claim_module.check(bound=claim_module.BOUND.without_floor())
    assert not verdict.holds and not verdict.parts["upper bound holds"]


def doubled_floor(bound):
    """``bound`` with its floor term twice the derived one (a looser bound: only tightness sees it)."""
    return replace(bound, expr=bound.expr + bound.floor, floor=2 * bound.floor)


def square_exact_noise_scale(monkeypatch) -> None:
    """E2's exact propagation takes the noise's variance for its standard deviation (invisible at
    ``sigma = 1``)."""
    from qnets.simulate.markov import quadratic

    original = quadratic._noise_arguments

    def squared(noise):
        kind, scale, values, probs, symmetric = original(noise)
        return kind, scale**2, values, probs, symmetric

    monkeypatch.setattr(quadratic, "_noise_arguments", squared)


def bias_bc_limit_corners(monkeypatch) -> None:
    """BC's limit point found as the root of ``E grad F`` over corners weighted by the biased
    rounding law ``3p^2 - 2p^3`` instead of ``p`` (the exact mean at the point of the cell whose
    fractional parts are ``3p^2 - 2p^3``)."""
    from qnets.simulate import bc_limit

    original = bc_limit.mean_quantized_gradient

    def biased(problem, grid, w):
        below = grid.delta * np.floor(w / grid.delta)
        p = (w - below) / grid.delta
        return original(problem, grid, below + grid.delta * (3 * p**2 - 2 * p**3))

    monkeypatch.setattr(bc_limit, "mean_quantized_gradient", biased)
