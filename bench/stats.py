"""Percentiles and timing helpers."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (``fraction`` in 0–1) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def summary(seconds: list[float]) -> dict:
    """p50, p95 and max in milliseconds, and the count."""
    if not seconds:
        return {"count": 0}
    return {
        "count": len(seconds),
        "p50_ms": round(percentile(seconds, 0.50) * 1000, 2),
        "p95_ms": round(percentile(seconds, 0.95) * 1000, 2),
        "max_ms": round(max(seconds) * 1000, 2),
    }


def timed(function: Callable, items: Iterable) -> list[float]:
    """Seconds taken by ``function(item)`` for each item."""
    durations = []
    for item in items:
        started = time.perf_counter()
        function(item)
        durations.append(time.perf_counter() - started)
    return durations


def ratio(engine: dict, baseline: dict, key: str = "p95_ms") -> float | None:
    """Engine / baseline for one figure (``None`` when the baseline is zero or missing)."""
    if not baseline.get(key):
        return None
    return round(engine[key] / baseline[key], 3)
