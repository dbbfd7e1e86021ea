"""CNN figure 2: test error of SR-ADAM and BC-ADAM against the batch size on MNIST-1D (claim N2).

The batch study at the CNN sizes (shared with the N2 check), drawn as the digits' ``nets-batch``
figure (:func:`qnets.figures.fig_nets_batch.draw`) with its own title.
"""

from __future__ import annotations

from matplotlib.figure import Figure
from qnets.figures import fig_nets_batch
from qnets.figures.fig_cnn_table import parameters
from qnets.figures.spec import Data, FigureSpec


def draw(data: Data, p: dict) -> Figure:
    figure = fig_nets_batch.draw(data, p)
    figure.axes[0].set_title("MNIST-1D CNN, ADAM: batch size at equal steps")
    return figure


SPEC = FigureSpec(
    "cnn-batch",
    "Batch size against SR-ADAM's and BC-ADAM's test error on MNIST-1D (N2)",
    "Test error of binary-weight CNNs on MNIST-1D trained with ADAM (SR-ADAM and BC-ADAM) against "
    "the batch size, at an equal number of steps and one constant step size (mean +- one standard "
    "error over seeds). Theory (N2, M5): SR's stationary law is set by the gradient noise, so larger "
    "batches help SR more than BC. Seen: with ADAM's normalised steps both methods gain from larger "
    "batches and BC at least as much as SR (at the full sizes BC gains more): N2 does not hold on "
    "this network.",
    parameters,
    fig_nets_batch.compute,
    draw,
    study="nets batch study",
)
