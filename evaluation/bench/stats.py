"""Small statistics for latency figures: nearest-rank percentiles and peak resident memory."""

from __future__ import annotations

import math
import resource
import sys
from collections.abc import Sequence


def percentile(values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile (``fraction`` in (0, 1]) of ``values``; 0.0 when empty."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def mean(values: Sequence[float]) -> float:
    """The arithmetic mean of ``values``; 0.0 when empty."""
    return sum(values) / len(values) if values else 0.0


def peak_rss_mb() -> float:
    """This process's peak resident memory so far, in MiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports KiB, macOS bytes.
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def rounded(value: float, digits: int = 3) -> float:
    """``value`` rounded for a report."""
    return round(value, digits)
