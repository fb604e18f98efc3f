"""Measurement helpers shared by every benchmark module."""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import attrs


@attrs.frozen
class Measurement:
    """One line of ``make bench`` output."""

    bench: str
    value: float
    unit: str
    baseline: float
    n: int
    peak_rss_mb: float
    extra: dict[str, Any] = attrs.field(factory=dict)

    @property
    def ratio(self) -> float:
        return self.value / self.baseline if self.baseline else float("inf")

    def as_json(self) -> str:
        return json.dumps(
            {
                "bench": self.bench,
                "value": round(self.value, 6),
                "unit": self.unit,
                "baseline": round(self.baseline, 6),
                "ratio": round(self.ratio, 4),
                "n": self.n,
                "peak_rss_mb": round(self.peak_rss_mb, 1),
                **self.extra,
            }
        )


def peak_rss_mb(children: bool = False) -> float:
    """Peak resident set size (MB) of this process or of its finished children."""
    who = resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF
    return resource.getrusage(who).ru_maxrss / 1024


def wall_times(argv: Sequence[str], repeat: int, warmup: int = 2) -> list[float]:
    """Wall-clock seconds of ``repeat`` runs of a command (after ``warmup`` runs)."""
    times = []
    for i in range(warmup + repeat):
        start = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if i >= warmup:
            times.append(time.perf_counter() - start)
    return times


def run_once(argv: Sequence[str], env: dict[str, str] | None = None) -> float:
    """Wall-clock seconds of one run of a command (output discarded; it must succeed)."""
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start


def versus_bare_python(
    argv: Sequence[str], rounds: int, env: dict[str, str] | None = None
) -> tuple[float, float]:
    """Median wall seconds of ``argv`` and of ``python -c pass`` (the baseline), run
    alternately ``rounds`` times after a warm-up run of each."""
    bare = [python(), "-c", "pass"]
    run_once(argv, env)
    run_once(bare)
    return interleaved_medians(lambda: run_once(argv, env), lambda: run_once(bare), rounds)


def interleaved_medians(
    ours: Callable[[], float], baseline: Callable[[], float], rounds: int
) -> tuple[float, float]:
    """Median of each, alternating the two so that machine noise hits both alike."""
    a: list[float] = []
    b: list[float] = []
    for _ in range(rounds):
        a.append(ours())
        b.append(baseline())
    return statistics.median(a), statistics.median(b)


def python() -> str:
    return sys.executable
