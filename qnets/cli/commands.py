"""The commands of ``qnets`` and their one-line help, importable without numpy, so that
``qnets --help``, ``qnets --version`` and a mistyped command answer at once: the command
modules (which import the numerics) are imported only for the command that runs."""

from __future__ import annotations

#: Command name -> one-line help, in the order of ``qnets --help``; the module is ``qnets.cli.<name>``.
HELPS: dict[str, str] = {
    "reproduce": "every claim check and figure, then OUT/report.html and OUT/report.md (the main job)",
    "figures": "build figures (PNG, PDF, data, parameters) into OUT",
    "check": "run claim checks and print verdicts (exit 1 if any fails)",
    "bound": "show a derived bound, its derivation and its value",
    "simulate": "run one configuration and print estimates at checkpoints",
    "markov": "SR's exact stationary law, its mass near w* and mixing, against a",
    "nets": (
        "test error of quantized networks (FP, BC, SR, R; SGD or ADAM) on the digits or MNIST-1D, "
        "mean +- standard error over seeds"
    ),
    "bench": (
        "throughput of the SR engines (numpy and compiled) against numpy's draw-only rate and their parallel "
        "speed-up (or, with --exact / --markov / --all, exact propagation and the stationary solvers), each "
        "figure beside its reference measured in the same process"
    ),
    "sweep": "a grid over method, Delta, step size, d, sigma, batch size and seed: table (CSV, JSON) and plot in OUT",
}
