"""Training throughput of the seed-batched networks (``qnets bench --nets``).

Workload: SR on the binary grid, the table's MLP and batch size, ``steps`` steps for
``n_seeds`` networks.  Reported, both measured in this process:

* ``examples_x_seeds_per_s``: ``batch x steps x n_seeds`` per second of wall time when the
  seeds are one batched run (the leading seed axis of :mod:`qnets.simulate.nets.model`);
* ``python_loop_examples_x_seeds_per_s``: the same for a plain Python loop over the seeds, each
  a run of the same numpy code with ``n_seeds = 1``;
* ``speedup``: the ratio of the two.
"""

from __future__ import annotations

import time

import numpy as np
from qnets.simulate.nets.data import load
from qnets.simulate.nets.training import TrainConfig, train


def bench_nets(n_seeds: int = 16, steps: int = 200, batch: int = 32, seed: int = 0) -> dict[str, float]:
    """Measure the batched and the looped training; see the module docstring."""
    data = load()
    batched = TrainConfig("sr", 1, 1.0, batch, steps, (64,), n_seeds)
    single = TrainConfig("sr", 1, 1.0, batch, steps, (64,), 1)
    start = time.perf_counter()
    train(data, batched, np.random.default_rng(seed))
    batched_s = time.perf_counter() - start
    start = time.perf_counter()
    for k in range(n_seeds):
        train(data, single, np.random.default_rng([seed, k]))
    loop_s = time.perf_counter() - start
    work = batch * steps * n_seeds
    return {
        "n_seeds": n_seeds,
        "steps": steps,
        "batch": batch,
        "examples_x_seeds_per_s": work / batched_s,
        "python_loop_examples_x_seeds_per_s": work / loop_s,
        "speedup": loop_s / batched_s,
    }
