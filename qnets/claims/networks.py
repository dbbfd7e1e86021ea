"""What the network claims N1-N5 share: sizes on both data sets and the table's rows as estimates.

N1-N3 are checked on the digits MLP (SGD, :data:`~qnets.simulate.nets.studies.QUICK` /
``FULL``) and on the MNIST-1D CNN (ADAM, :data:`~qnets.simulate.nets.studies.CNN_QUICK` /
``CNN_FULL``, the sizes of the ``cnn-*`` figures, so the two share their trained networks).  A
check's sizes are a :class:`BothSizes`; N4 and N5 are CNN-only and take a
:class:`~qnets.simulate.nets.studies.Sizes`.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from qnets.claims.record import SizeTable
from qnets.simulate.estimate import Estimate
from qnets.simulate.nets.studies import CNN_FULL, CNN_QUICK, FULL, QUICK, Sizes, estimates


@dataclass(frozen=True)
class BothSizes:
    """The sizes of a network study on the digits MLP and on the MNIST-1D CNN."""

    digits: Sizes
    cnn: Sizes

    def as_dict(self) -> dict:
        """JSON-ready form (for verdicts)."""
        return asdict(self)


BOTH = SizeTable(BothSizes(QUICK, CNN_QUICK), BothSizes(FULL, CNN_FULL))
CNN_ONLY = SizeTable(CNN_QUICK, CNN_FULL)


def table_rows(table: dict, optimizer: str) -> dict[tuple[str, int], Estimate]:
    """``{(method, bits): test error estimate}`` of the table study's rows of ``optimizer``
    (FP's ``bits`` is 0)."""
    labels = zip(table["optimizers"], table["methods"], table["bits"], strict=True)
    return {
        (str(m), int(b)): estimates(errors)
        for (o, m, b), errors in zip(labels, table["errors"], strict=True)
        if str(o) == optimizer
    }


def z_score(mean: float, stderr: float) -> float:
    """``mean / stderr`` (a reported statistic of a direction: it holds at ``Z`` if above ``Z``)."""
    return mean / stderr if stderr > 0 else math.copysign(math.inf, mean)
