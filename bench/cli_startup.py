"""cli_startup: wall time of ``fours --help`` vs ``python -c pass`` (goal ratio ≤ 3)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from bench.harness import Measurement, peak_rss_mb, python, versus_bare_python


def run(rounds: int = 30) -> Iterator[Measurement]:
    fours = [str(Path(python()).parent / "fours"), "--help"]
    ours, base = versus_bare_python(fours, rounds)
    yield Measurement(
        "cli_startup",
        ours * 1000,
        "ms",
        base * 1000,
        n=rounds,
        peak_rss_mb=peak_rss_mb(children=True),
    )
