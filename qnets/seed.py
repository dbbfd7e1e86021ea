"""The root seed of every claim check, figure and network study (``--seed``'s default), in a module
of its own so that the command line can offer it without importing the checks."""

#: The paper's month: every seeded run of the toolkit derives its streams from this root by default.
SEED = 20170601
