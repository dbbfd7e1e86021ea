"""The command line (``qnets``); figure modules and the reproduction report build on it."""
