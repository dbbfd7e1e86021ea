"""What a figure is: parameters (quick or full), a computation, a drawing, and a caption.

``compute(params)`` (or ``from_verdicts`` for a figure of claim verdicts) returns named
arrays (cached by :mod:`qnets.pipeline.cache` under a key made of the parameters and the code hash,
and saved next to the plot); ``draw(data, params)`` turns
them into a :class:`matplotlib.figure.Figure`.  The caption says what the figure shows and what
the theory predicts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure

Data = dict[str, np.ndarray]


@dataclass(frozen=True)
class FigureSpec:
    """One figure of the reproduction report."""

    name: str
    title: str
    caption: str
    parameters: Callable[[bool], dict]
    compute: Callable[[dict], Data] | None
    draw: Callable[[Data, dict], Figure]
    #: For figures made from claim verdicts: ``params["claims"]`` are checked and passed here.
    from_verdicts: Callable[[list], Data] | None = None
    #: Expected seconds of the computation in its process in ``qnets reproduce --full``, recorded
    #: as :class:`qnets.claims.record.Claim`'s are (a scheduling hint and the ``--max-work``
    #: estimate, never a result); a figure that reuses its study's data takes the default.
    full_seconds: float = 2.0
    #: The memoised study the computation shares with claim checks (:mod:`qnets.pipeline.schedule`).
    study: str | None = None
    #: The ids of the claims the figure shows: those whose ``CLAIM.figures`` name it (filled in
    #: by :mod:`qnets.figures.registry`).
    claims: tuple[str, ...] = ()
