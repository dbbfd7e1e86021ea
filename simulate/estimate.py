"""Monte Carlo estimates with their standard errors."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from qnets.errors import InputError


@dataclass(frozen=True)
class Estimate:
    """A sample mean with its standard error ``s / sqrt(n)`` (NaN when ``n == 1``).

    ``mean`` and ``stderr`` are floats (one checkpoint) or arrays of one shape (one entry per
    checkpoint).  They are typed ``Any`` because arithmetic on either keeps its kind, which
    ``float | ndarray`` cannot express; indexing or iterating gives one ``Estimate`` of floats.
    """

    mean: Any
    stderr: Any
    n: int

    @classmethod
    def from_samples(cls, samples: np.ndarray, axis: int = 0) -> Estimate:
        """Mean and standard error ``s / sqrt(n)`` along ``axis``.

        Parameters
        ----------
        samples
            Independent samples (one per chain along ``axis``).
        axis
            The sample axis.

        Returns
        -------
        Estimate
            Means and standard errors of the remaining axes (NaN standard error when ``n = 1``).

        Raises
        ------
        InputError
            If there is no sample along ``axis``.
        """
        samples = np.asarray(samples, dtype=float)
        n = samples.shape[axis]
        if n < 1:
            raise InputError("samples must hold at least one value along axis")
        mean = samples.mean(axis=axis)
        stderr = samples.std(axis=axis, ddof=1) / np.sqrt(n) if n > 1 else np.full_like(mean, np.nan)
        return cls(mean, stderr, n)

    def upper(self, z: float) -> Any:
        """``mean + z * stderr``: an upper confidence limit."""
        return self.mean + z * self.stderr

    def lower(self, z: float) -> Any:
        """``mean - z * stderr``: a lower confidence limit."""
        return self.mean - z * self.stderr

    def __getitem__(self, index: int) -> Estimate:
        """The estimate at one checkpoint."""
        return Estimate(float(np.asarray(self.mean)[index]), float(np.asarray(self.stderr)[index]), self.n)

    def __len__(self) -> int:
        """The number of checkpoints (1 for a single estimate)."""
        return int(np.size(self.mean))

    def __iter__(self) -> Iterator[Estimate]:
        """The estimate at each checkpoint in turn."""
        return (self[i] for i in range(len(self)))
