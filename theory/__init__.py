"""Symbolic side of the toolkit: derived bounds (sympy), their derivations and claims."""
