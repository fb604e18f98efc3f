"""cli_startup: wall time of ``fours --help`` vs ``python -c pass`` (goal ratio ≤ 3)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from bench.harness import (
    Measurement,
    interleaved_medians,
    peak_rss_mb,
    python,
    run_once,
    wall_times,
)


def run(rounds: int = 30) -> Iterator[Measurement]:
    fours = [str(Path(python()).parent / "fours"), "--help"]
    bare = [python(), "-c", "pass"]
    wall_times(fours, repeat=1, warmup=2)
    ours, base = interleaved_medians(lambda: run_once(fours), lambda: run_once(bare), rounds)
    yield Measurement(
        "cli_startup",
        ours * 1000,
        "ms",
        base * 1000,
        n=rounds,
        peak_rss_mb=peak_rss_mb(children=True),
    )
