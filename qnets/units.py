"""Units and limits shared by the engines and the command line, without importing numpy: the largest
integer float64 holds exactly, and byte counts and durations written for people."""

from __future__ import annotations

import math

#: Integers beyond this are not exact as float64 (lattice indices, step counts).
MAX_EXACT_INTEGER = 2**53


def format_bytes(nbytes: float) -> str:
    """``1536 -> '1.5 KiB'``: a byte count in binary units, three significant digits."""
    value = float(nbytes)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if value < 1024 or unit == "PiB":
            return f"{value:.3g} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def format_seconds(seconds: float) -> str:
    """``"40 s"``, ``"12 minutes"``, ``"3.5 hours"``, ``"2.1e+03 years"``."""
    if not math.isfinite(seconds):
        return "forever"
    for unit, size in (("years", 365.25 * 86400), ("days", 86400), ("hours", 3600), ("minutes", 60)):
        if seconds >= 2 * size:
            value = seconds / size
            return f"{value:.3g} {unit}" if value < 1e4 else f"{value:.2g} {unit}"
    return f"{seconds:.0f} s"
