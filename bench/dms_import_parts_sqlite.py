"""dms_import_parts_sqlite: rows/s importing a 1,000,000-row parts price CSV into SQLite,
vs a raw ``executemany`` of the same rows (parsed by the ``csv`` module) into a plain
table of the same columns, in the same run. Goal: ratio ≥ 0.3.

Then ``…_update``: the next edition of the file into the loaded catalogue (half the parts
re-priced, half new), against the same baseline — the monthly update, which takes the
staged merge rather than a first load's straight copy (no goal; reported for honesty)."""

from __future__ import annotations

import csv
import sqlite3
import time
from collections.abc import Iterator

from bench import dms_parts
from bench.harness import Measurement, peak_rss_mb
from fours_adapters.bootstrap import bootstrap
from fours_domain.shared.ids import SequentialIdSource
from fours_domain.shared.time import FixedClock


def _executemany_baseline(path: object) -> float:
    db = dms_parts.DATA / "parts_baseline.db"
    db.unlink(missing_ok=True)
    conn = sqlite3.connect(db)
    conn.execute("pragma journal_mode=wal")
    conn.execute(
        "create table copy_parts (number text primary key, name text, brand text, "
        "retail_price text, dealer_price text, unit text, effective_from text)"
    )
    start = time.perf_counter()
    with open(str(path), encoding="utf-8", newline="") as source:
        rows = csv.reader(source)
        next(rows)
        with conn:
            conn.executemany("insert into copy_parts values (?, ?, ?, ?, ?, ?, ?)", rows)
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def run() -> Iterator[Measurement]:
    if not dms_parts.bound():
        return
    path = dms_parts.csv_path()
    base = _executemany_baseline(path)
    db = dms_parts.DATA / "parts_import.db"
    for suffix in ("", "-wal", "-shm"):
        db.with_name(db.name + suffix).unlink(missing_ok=True)
    app = bootstrap(
        f"sqlite:///{db}",
        clock=FixedClock(dms_parts.clock_now()),
        ids=SequentialIdSource("bench"),
    )
    app.upgrade_schema()
    path_update = dms_parts.next_edition()
    for name, source, update in (
        ("dms_import_parts_sqlite", path, False),
        ("dms_import_parts_sqlite_update", path_update, True),
    ):
        ours = dms_parts.import_file(app, source, update=update)
        yield Measurement(
            name,
            dms_parts.ROWS / ours,
            "rows/s",
            dms_parts.ROWS / base,
            n=dms_parts.ROWS,
            peak_rss_mb=peak_rss_mb(),
            extra={"seconds": round(ours, 1), "executemany_seconds": round(base, 1)},
        )
    app.close()
