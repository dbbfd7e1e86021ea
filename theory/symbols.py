"""The sympy symbols of the convex bounds, with their sign assumptions and E3 scaling powers.

E3 (extension): rescaling the weights ``w -> s w`` maps ``Delta -> s Delta``, ``D -> s D``,
``G -> G/s``, ``sigma -> sigma/s``, ``mu -> mu/s^2``, ``L -> L/s^2``, ``L2 -> L2/s^3`` and the
step sizes ``c -> s^2 c``, ``a -> s^2 a`` (a step ``a g`` must have the units of ``w``), while ``F`` and
so every true bound on ``F - F*`` is unchanged.
"""

import sympy as sp

mu, L, L2, G, D, Delta, c, sigma = sp.symbols("mu L L2 G D Delta c sigma", positive=True)
d, T = sp.symbols("d T", positive=True, integer=True)
a = sp.Symbol("a", positive=True)  # one step size a_t
t = sp.Symbol("t", integer=True, nonnegative=True)

SCALING_POWERS = {Delta: 1, D: 1, G: -1, sigma: -1, mu: -2, L: -2, L2: -3, c: 2, a: 2}
