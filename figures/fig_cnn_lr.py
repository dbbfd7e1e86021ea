"""CNN figure 3: training loss and test error against ADAM's step size on MNIST-1D (claim N3).

The learning-rate study at the CNN sizes (shared with the N3 check), drawn as the digits'
``nets-lr`` figure (:func:`qnets.figures.fig_nets_lr.draw`) with its own title.
"""

from __future__ import annotations

from matplotlib.figure import Figure
from qnets.figures import fig_nets_lr
from qnets.figures.fig_cnn_table import parameters
from qnets.figures.spec import Data, FigureSpec


def draw(data: Data, p: dict) -> Figure:
    figure = fig_nets_lr.draw(data, p)
    figure.axes[0].set_title("MNIST-1D CNN, ADAM: equal horizon a T")
    return figure


SPEC = FigureSpec(
    "cnn-lr",
    "ADAM's step size against training loss and test error on MNIST-1D (N3)",
    "Training loss (left) and test error (right) of FP-ADAM, BC-ADAM and SR-ADAM (binary) CNNs on "
    "MNIST-1D against the constant step a, each trained for T = horizon/a steps (equal horizon a T); "
    "mean +- one standard error over seeds. Theory (N3): below some a, SR stops improving while BC "
    "and FP keep improving. Seen: FP-ADAM and BC-ADAM improve as a shrinks and SR-ADAM less, the "
    "paper's direction, at 2-3 standard errors at our sizes (short of the z = 5 of the checks).",
    parameters,
    fig_nets_lr.compute,
    draw,
    study="nets learning-rate study",
)
