"""reserve_pg: reservations/s through the application service on PostgreSQL,
8 worker processes, vs ``reserve_pg_raw`` (conditional UPDATE + INSERT, psycopg).
Goal ratio ≥ 0.5. See bench/reserve.py."""

from __future__ import annotations

from collections.abc import Iterator

from bench.harness import Measurement
from bench.reserve import run_pg


def run() -> Iterator[Measurement]:
    yield from run_pg()
