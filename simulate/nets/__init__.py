"""Quantized networks on real data (the paper's empirical half, claims N1-N3).

:mod:`.data` loads scikit-learn's bundled digits with a seeded stratified split and MNIST-1D
(:mod:`.mnist1d`, generated locally and cached); :mod:`.model` is a numpy MLP and :mod:`.conv`
a 1-D CNN, both batched over a leading seed axis; :mod:`.training` trains them with FP, BC, SR
and R (:mod:`.rules`) driven by SGD or ADAM (:mod:`.optimizers`) on
:class:`~qnets.simulate.Grid` weight grids, and :mod:`.studies` runs the table,
batch-size, learning-rate and weight studies.
"""

from qnets.simulate.nets.conv import CNN
from qnets.simulate.nets.data import DATASETS, Dataset, load
from qnets.simulate.nets.model import MLP
from qnets.simulate.nets.optimizers import OPTIMIZERS
from qnets.simulate.nets.training import (
    METHODS,
    MODELS,
    StepAudit,
    TrainConfig,
    TrainResult,
    train,
    weight_grid,
)

__all__ = [
    "CNN",
    "DATASETS",
    "METHODS",
    "MLP",
    "MODELS",
    "OPTIMIZERS",
    "Dataset",
    "StepAudit",
    "TrainConfig",
    "TrainResult",
    "load",
    "train",
    "weight_grid",
]
