"""Training throughput of the seed-batched networks (``qnets bench --nets``).

Workloads: SR on the binary grid with ``n_seeds`` networks, (1) the digits table's MLP with SGD
at batch ``batch`` for ``steps`` steps, and (2) the MNIST-1D CNN with ADAM at batch ``batch``
for ``cnn_steps`` steps (each run ends with its evaluation on the training and test sets,
which the loop repeats per seed).  Reported for each, both measured in this process (keys of the CNN
prefixed ``cnn_``):

* ``examples_x_seeds_per_s``: ``batch x steps x n_seeds`` per second of wall time when the
  seeds are one batched run (the leading seed axis of the models);
* ``python_loop_examples_x_seeds_per_s``: the same for a plain Python loop over the seeds, each
  a run of the same numpy code with ``n_seeds = 1``;
* ``speedup``: the ratio of the two.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
from qnets.simulate.nets.data import load
from qnets.simulate.nets.training import TrainConfig, train


def _throughput(dataset: str, batched: TrainConfig, seed: int) -> dict[str, float]:
    """Examples x seeds per second of ``batched`` as one run and as a loop over single-seed runs."""
    data = load(dataset)
    single = replace(batched, n_seeds=1)
    start = time.perf_counter()
    train(data, batched, np.random.default_rng(seed))
    batched_s = time.perf_counter() - start
    start = time.perf_counter()
    for k in range(batched.n_seeds):
        train(data, single, np.random.default_rng([seed, k]))
    loop_s = time.perf_counter() - start
    work = batched.batch * batched.steps * batched.n_seeds
    return {
        "examples_x_seeds_per_s": work / batched_s,
        "python_loop_examples_x_seeds_per_s": work / loop_s,
        "speedup": loop_s / batched_s,
    }


def bench_nets(
    n_seeds: int = 16, steps: int = 200, batch: int = 32, seed: int = 0, cnn_steps: int = 200
) -> dict[str, float]:
    """Measure the batched and the looped training of both workloads; see the module docstring."""
    mlp = TrainConfig("sr", 1, 1.0, batch, steps, (64,), n_seeds)
    cnn = TrainConfig("sr", 1, 0.02, batch, cnn_steps, (25, 25, 25), n_seeds, model="cnn", optimizer="adam")
    cnn_report = _throughput("mnist1d", cnn, seed)
    return {
        "n_seeds": n_seeds,
        "steps": steps,
        "batch": batch,
        **_throughput("digits", mlp, seed),
        "cnn_steps": cnn_steps,
        **{f"cnn_{key}": value for key, value in cnn_report.items()},
    }
