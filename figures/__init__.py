"""One module per figure of the reproduction report, their registry and their style.

Each ``fig_*`` module defines a :class:`~qnets.figures.spec.FigureSpec` (parameters, computation,
drawing, caption); :data:`qnets.figures.registry.FIGURES` lists them in report order.  Running
them, caching their data and writing the report is :mod:`qnets.pipeline`'s job.
"""
