"""Reservations per second: the public application service vs the minimal SQL.

Workers (processes) start together and, for ``FOURS_BENCH_SECONDS`` (4), each
reserve one unit of a random part out of ``HOT_PARTS`` in one store; stock is
deep, so nothing is refused and every worker competes for the same 64 rows.
The raw baseline issues what a perfect implementation must: one conditional
UPDATE and one INSERT per reservation in one transaction (plus ``BEGIN
IMMEDIATE`` on SQLite). Rounds alternate ours and raw so noise hits both alike.
Used by ``reserve_pg`` and ``reserve_sqlite``.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Engine, text

from bench.harness import Measurement, peak_rss_mb
from bench.inventory_setup import ensure_database, libpq_url, pg_url, schema_engine

HOT_PARTS = int(os.environ.get("FOURS_BENCH_HOT_PARTS", "64"))
STORE, WAREHOUSE, BIN = "RB01", "W1", "A-01"
DEEP = 1_000_000_000
SCHEMA = "bench_inventory"

UPDATE = (
    "UPDATE inv_stock SET reserved = reserved + 1 WHERE store_id = {p} AND warehouse_code = {p}"
    " AND bin_code = {p} AND part_number = {p} AND on_hand - reserved >= 1"
)
INSERT = (
    "INSERT INTO inv_reservations (store_id, id, warehouse_code, bin_code, part_number, quantity,"
    " purpose, reference, created_at, status) VALUES ({p}, {p}, {p}, {p}, {p}, 1, 'work_order',"
    " 'BENCH', {p}, 'open')"
)


def seconds() -> float:
    return float(os.environ.get("FOURS_BENCH_SECONDS", "4"))


def rounds() -> int:
    return int(os.environ.get("FOURS_BENCH_ROUNDS", "2"))


def part(i: int) -> str:
    return f"RB-{i:04d}"


def new_id() -> str:
    import uuid_utils

    return str(uuid_utils.uuid7())


def reset(engine: Engine) -> None:
    """Fresh hot rows and no reservations for the benchmark store."""
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM inv_reservations WHERE store_id = :s"), {"s": STORE})
        conn.execute(text("DELETE FROM inv_stock WHERE store_id = :s"), {"s": STORE})
        conn.execute(
            text(
                "INSERT INTO inv_stock (store_id, warehouse_code, bin_code, part_number, on_hand,"
                " reserved) VALUES (:s, :w, :b, :p, :d, 0)"
            ),
            [
                {"s": STORE, "w": WAREHOUSE, "b": BIN, "p": part(i), "d": DEEP}
                for i in range(HOT_PARTS)
            ],
        )


def ours_worker(url: str, schema: str | None, seed: int) -> Callable[[], None]:
    """One reservation through ``fours_domain.inventory.services.reserve_parts``."""
    from fours_adapters.bootstrap import bootstrap
    from fours_adapters.sql.engine import make_engine
    from fours_domain.inventory import services as svc
    from fours_domain.inventory.model import ReservationPurpose

    if "://" not in url:
        url = f"sqlite:///{url}"
    options: dict[str, Any] = {}
    if schema:
        options = {"connect_args": {"options": f"-csearch_path={schema}"}, "pool_size": 1}
    app = bootstrap(engine=make_engine(url, **options))
    rng = random.Random(seed)

    def once() -> None:
        cmd = svc.ReserveParts(
            STORE,
            WAREHOUSE,
            (svc.PartQuantity(part(rng.randrange(HOT_PARTS)), 1),),
            ReservationPurpose.WORK_ORDER,
            "BENCH",
        )
        svc.reserve_parts(app.uow(), cmd, app.clock, app.ids).unwrap()

    return once


def raw_pg_worker(url: str, schema: str | None, seed: int) -> Callable[[], None]:
    """One conditional UPDATE and one INSERT, committed, through psycopg."""
    rng = random.Random(seed)
    update, insert = UPDATE.format(p="%s"), INSERT.format(p="%s")
    conn = psycopg.connect(libpq_url(url), options=f"-csearch_path={schema}")

    def once() -> None:
        p = part(rng.randrange(HOT_PARTS))
        cur = conn.execute(update, (STORE, WAREHOUSE, BIN, p))
        assert cur.rowcount == 1
        conn.execute(insert, (STORE, new_id(), WAREHOUSE, BIN, p, dt.datetime.now(dt.UTC)))
        conn.commit()

    return once


def raw_sqlite_worker(path: str, _schema: str | None, seed: int) -> Callable[[], None]:
    """BEGIN IMMEDIATE; conditional UPDATE; INSERT; COMMIT through sqlite3."""
    rng = random.Random(seed)
    update, insert = UPDATE.format(p="?"), INSERT.format(p="?")
    conn = sqlite3.connect(path, isolation_level=None, timeout=30)
    for pragma in (
        "journal_mode=WAL",
        "foreign_keys=ON",
        "busy_timeout=30000",
        "synchronous=NORMAL",
    ):
        conn.execute(f"PRAGMA {pragma}")

    def once() -> None:
        p = part(rng.randrange(HOT_PARTS))
        conn.execute("BEGIN IMMEDIATE")
        cur = conn.execute(update, (STORE, WAREHOUSE, BIN, p))
        assert cur.rowcount == 1
        now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        conn.execute(insert, (STORE, new_id(), WAREHOUSE, BIN, p, now))
        conn.execute("COMMIT")

    return once


Worker = Callable[[str, str | None, int], Callable[[], None]]


def _process(
    worker: Worker,
    target: str,
    schema: str | None,
    seed: int,
    barrier: Any,
    duration: float,
    results: Any,
) -> None:
    once = worker(target, schema, seed)
    once()  # warm: connection, mappers, prepared statements
    barrier.wait()
    stop_at = time.perf_counter() + duration
    done = 0
    while time.perf_counter() < stop_at:
        once()
        done += 1
    results.put(done)


def throughput(worker: Worker, target: str, schema: str | None, workers: int) -> float:
    """Reservations per second of ``workers`` processes, timed from a common barrier."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(workers)
    results = context.Queue()
    processes = [
        context.Process(
            target=_process, args=(worker, target, schema, seed, barrier, seconds(), results)
        )
        for seed in range(workers)
    ]
    for process in processes:
        process.start()
    total: int = sum(int(results.get()) for _ in processes)
    for process in processes:
        process.join()
    return total / seconds()


def measure(
    name: str,
    engine: Engine,
    target: str,
    schema: str | None,
    raw: Worker,
    workers: int,
) -> Measurement:
    ours_runs: list[float] = []
    raw_runs: list[float] = []
    for _ in range(rounds()):
        reset(engine)
        ours_runs.append(throughput(ours_worker, target, schema, workers))
        reset(engine)
        raw_runs.append(throughput(raw, target, schema, workers))
    reset(engine)
    return Measurement(
        name,
        statistics.median(ours_runs),
        "reservations/s",
        statistics.median(raw_runs),
        n=rounds(),
        peak_rss_mb=peak_rss_mb(children=True),
        extra={"workers": workers, "seconds": seconds(), "baseline_bench": f"{name}_raw"},
    )


def run_pg() -> list[Measurement]:
    url = pg_url()
    if not ensure_database(url):
        return []
    engine = schema_engine(url, SCHEMA)
    workers = int(os.environ.get("FOURS_BENCH_WORKERS", "8"))
    try:
        return [measure("reserve_pg", engine, url, SCHEMA, raw_pg_worker, workers)]
    finally:
        engine.dispose()


def run_sqlite() -> list[Measurement]:
    from fours_adapters.sql.engine import make_engine
    from fours_adapters.sql.migrate import upgrade

    workers = int(os.environ.get("FOURS_BENCH_SQLITE_WORKERS", "1"))
    with tempfile.TemporaryDirectory(prefix="fours-bench-") as tmp:
        path = Path(tmp) / "reserve.db"
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        try:
            return [measure("reserve_sqlite", engine, str(path), None, raw_sqlite_worker, workers)]
        finally:
            engine.dispose()
