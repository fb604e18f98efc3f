"""dms_import_parts_pg: rows/s importing a 1,000,000-row parts price CSV into PostgreSQL
(database ``fours_bench``, schema ``bench_dms``), vs a raw ``COPY … FROM STDIN (FORMAT csv)``
of the same file into a plain table of the same columns, in the same run.
Goal: ratio ≥ 0.3, peak RSS ≤ 300 MB.

Then ``…_update``: the next edition of the file into the loaded catalogue (half the parts
re-priced, half new), against the same baseline — the monthly update, which takes the
staged merge rather than a first load's straight copy (no goal; reported for honesty)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bench import dms_parts
from bench.harness import Measurement, peak_rss_mb
from fours_adapters.bootstrap import FoursApp, bootstrap
from fours_adapters.sql.engine import make_engine
from fours_domain.shared.ids import SequentialIdSource
from fours_domain.shared.time import FixedClock

SERVER = os.environ.get("FOURS_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
SCHEMA = "bench_dms"
IMPORTER = "fours-bench-dms-import"


def _ensure_database() -> str:
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        if (
            conn.execute("select 1 from pg_database where datname = 'fours_bench'").fetchone()
            is None
        ):
            conn.execute("create database fours_bench")
    return f"{SERVER}/fours_bench"


def _copy_baseline(url: str, path: os.PathLike[str]) -> float:
    with psycopg.connect(url) as conn:
        conn.execute(f"set search_path to {SCHEMA}")
        conn.execute(
            "create table if not exists copy_parts (number text primary key, name text, "
            "brand text, retail_price numeric, dealer_price numeric, unit text, "
            "effective_from date)"
        )
        conn.execute("truncate copy_parts")
        conn.commit()
        start = time.perf_counter()
        with (
            conn.cursor() as cur,
            cur.copy("copy copy_parts from stdin with (format csv, header true)") as copy,
            open(path, "rb") as source,
        ):
            while chunk := source.read(1 << 20):
                copy.write(chunk)
        conn.commit()
        return time.perf_counter() - start


def run() -> Iterator[Measurement]:
    if not dms_parts.bound():
        return
    path = dms_parts.csv_path()
    url = _ensure_database()
    admin = make_engine(url, pool_size=1)
    with admin.begin() as conn:
        conn.execute(text(f"drop schema if exists {SCHEMA} cascade"))
        conn.execute(text(f"create schema {SCHEMA}"))
    admin.dispose()
    base = _copy_baseline(url, path)
    engine = make_engine(
        url,
        connect_args={"options": f"-csearch_path={SCHEMA}", "application_name": IMPORTER},
    )
    app = bootstrap(
        engine=engine,
        clock=FixedClock(dms_parts.clock_now()),
        ids=SequentialIdSource("bench"),
    )
    app.upgrade_schema()
    path_update = dms_parts.next_edition()
    for name, source, update in (
        ("dms_import_parts_pg", path, False),
        ("dms_import_parts_pg_update", path_update, True),
    ):
        ours = _timed_import(app, url, source, update=update)
        if ours is None:
            # Did not finish: report the throughput it stayed below (an upper bound), flagged.
            yield Measurement(
                name,
                dms_parts.ROWS / dms_parts.BUDGET_S,
                "rows/s",
                dms_parts.ROWS / base,
                n=dms_parts.ROWS,
                peak_rss_mb=peak_rss_mb(),
                extra={
                    "timed_out": True,
                    "budget_s": dms_parts.BUDGET_S,
                    "value_is": "upper bound",
                    "copy_seconds": round(base, 1),
                },
            )
            break
        yield Measurement(
            name,
            dms_parts.ROWS / ours,
            "rows/s",
            dms_parts.ROWS / base,
            n=dms_parts.ROWS,
            peak_rss_mb=peak_rss_mb(),
            extra={"seconds": round(ours, 1), "copy_seconds": round(base, 1)},
        )
    app.close()


def _timed_import(app: FoursApp, url: str, path: Path, *, update: bool) -> float | None:
    """Seconds the import took, or None when it overran the budget (cancelled, rolled back)."""
    with dms_parts.pg_time_budget(url, dms_parts.BUDGET_S, IMPORTER) as expired:
        try:
            return dms_parts.import_file(app, path, update=update)
        except DBAPIError:
            if not expired.is_set():
                raise
    return None
