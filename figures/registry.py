"""Every figure of the reproduction report, in report order, with the claims it shows."""

from dataclasses import replace

from qnets.figures import (
    fig_batch,
    fig_cnn_batch,
    fig_cnn_lr,
    fig_cnn_table,
    fig_cnn_weights,
    fig_convergence,
    fig_dimension,
    fig_floor_delta,
    fig_floor_lr,
    fig_markov_chain,
    fig_nets_batch,
    fig_nets_lr,
    fig_nets_table,
    fig_nets_weights,
    fig_tightness,
    fig_toy_1d,
    fig_toy_2d,
)
from qnets.figures.spec import FigureSpec

from qnets.claims.registry import claims_shown_in

#: Figure name -> its spec, in report order, each with the claims it shows (from the claims' records).
#:
#: :meta hide-value:
FIGURES: dict[str, FigureSpec] = {
    module.SPEC.name: replace(module.SPEC, claims=tuple(claims_shown_in(module.SPEC.name)))
    for module in (
        fig_convergence,
        fig_floor_delta,
        fig_floor_lr,
        fig_toy_1d,
        fig_toy_2d,
        fig_markov_chain,
        fig_batch,
        fig_dimension,
        fig_tightness,
        fig_nets_table,
        fig_nets_batch,
        fig_nets_lr,
        fig_nets_weights,
        fig_cnn_table,
        fig_cnn_batch,
        fig_cnn_lr,
        fig_cnn_weights,
    )
}
