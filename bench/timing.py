"""The one timing helper the benchmarks share (each imports it from its own folder)."""

from __future__ import annotations

import time
from typing import Callable


def best_time(fn: Callable[[], object], number: int, repeats: int, warmup: int = 2) -> float:
    """Best seconds per call over `repeats` runs of `number` calls each, after `warmup`
    calls: the least disturbed run on a shared, noisy machine."""
    for _ in range(warmup):
        fn()
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - t0) / number)
    return best
