"""reserve_sqlite: reservations/s through the application service on SQLite vs
the raw sqlite3 baseline (BEGIN IMMEDIATE; UPDATE; INSERT; COMMIT). One worker
by default (``FOURS_BENCH_SQLITE_WORKERS``): SQLite serialises writers anyway.
See bench/reserve.py."""

from __future__ import annotations

from collections.abc import Iterator

from bench.harness import Measurement
from bench.reserve import run_sqlite


def run() -> Iterator[Measurement]:
    yield from run_sqlite()
