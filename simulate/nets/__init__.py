"""Quantized multilayer perceptrons on real data (the paper's empirical half, claims N1-N3).

:mod:`.data` loads scikit-learn's bundled digits with a seeded stratified split, :mod:`.model`
is a numpy MLP batched over a leading seed axis, :mod:`.training` trains it with FP SGD, BC, SR
and R on :class:`~qnets.simulate.grid.Grid` weight grids, and :mod:`.studies` runs the table,
batch-size, learning-rate and weight-histogram studies.
"""

from qnets.simulate.nets.data import DATASETS, Dataset, load
from qnets.simulate.nets.model import MLP
from qnets.simulate.nets.training import METHODS, TrainConfig, TrainResult, train, weight_grid

__all__ = ["DATASETS", "METHODS", "MLP", "Dataset", "TrainConfig", "TrainResult", "load", "train", "weight_grid"]
