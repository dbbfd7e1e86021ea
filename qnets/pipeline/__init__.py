"""The run pipeline: independent cached tasks, their schedule and progress, and what is built from them.

* :mod:`qnets.pipeline.tasks`: claim checks and figure computations as picklable tasks, run on a
  :class:`qnets.parallel.Backend` through the cache;
* :mod:`qnets.pipeline.cache`: the checksummed, schema-checked result cache;
* :mod:`qnets.pipeline.schedule`: longest tasks first, tasks sharing a study together;
* :mod:`qnets.pipeline.progress`: progress lines with the time left;
* :mod:`qnets.pipeline.reproduce`: ``qnets reproduce`` (every check and figure, then the report);
* :mod:`qnets.pipeline.report`: ``report.md`` and ``report.html``;
* :mod:`qnets.pipeline.sweep`: ``qnets sweep`` (a grid of runs).
"""
