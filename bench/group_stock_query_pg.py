"""group_stock_query_pg: "where is part X available across the group" on PostgreSQL.

Data: ``FOURS_BENCH_STORES`` (200) stores × ``FOURS_BENCH_PARTS`` (50,000) parts,
one stock row each (10 million rows) in schema ``bench_inventory`` of the
``fours_bench`` database, and the same group with a catalogue ten times smaller
(1 million rows) in ``bench_inventory_1m``. Both are built once with COPY
(primary key and indexes created after the load) and reused by later runs.

* ``group_stock_query_pg`` — median latency (ms) of the query through the public
  read port (``services.where_available`` → ``SqlGroupStockQuery``) at 10 M rows;
  baseline: the same SQL through a bare psycopg connection. Goal ≤ 20 ms.
* ``group_stock_query_growth`` — median at 10 M ÷ median at 1 M (baseline 1:
  a query that does not slow down as the table grows).
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from collections.abc import Iterator

import psycopg

from bench.harness import Measurement, peak_rss_mb
from bench.inventory_setup import ensure_database, libpq_url, pg_url, schema_engine

RAW_SQL = (
    "SELECT store_id, warehouse_code, sum(on_hand), sum(reserved) FROM inv_stock"
    " WHERE part_number = %s GROUP BY store_id, warehouse_code"
    " HAVING sum(on_hand) > sum(reserved) ORDER BY store_id, warehouse_code"
)


def stores() -> int:
    return int(os.environ.get("FOURS_BENCH_STORES", "200"))


def parts() -> int:
    return int(os.environ.get("FOURS_BENCH_PARTS", "50000"))


def samples() -> int:
    return int(os.environ.get("FOURS_BENCH_QUERIES", "200"))


def store_code(i: int) -> str:
    return f"G{i:04d}"


def part_code(i: int) -> str:
    return f"GP{i:06d}"


def ensure_data(url: str, schema: str, n_stores: int, n_parts: int) -> None:
    """Build the data set unless it is there already (its first and last rows)."""
    engine = schema_engine(url, schema)
    engine.dispose()
    with psycopg.connect(libpq_url(url), options=f"-csearch_path={schema}") as conn:
        probe = (
            "SELECT count(*) FROM inv_stock WHERE store_id = %s AND part_number = %s"
            " AND warehouse_code = 'W1' AND bin_code = 'A-01'"
        )
        first = conn.execute(probe, (store_code(0), part_code(0))).fetchone()
        last = conn.execute(probe, (store_code(n_stores - 1), part_code(n_parts - 1))).fetchone()
        beyond = conn.execute(probe, (store_code(n_stores), part_code(0))).fetchone()
        beyond_part = conn.execute(probe, (store_code(0), part_code(n_parts))).fetchone()
        if first == (1,) and last == (1,) and beyond == (0,) and beyond_part == (0,):
            return
        started = time.perf_counter()
        print(f"building {n_stores} × {n_parts} stock rows in {schema}…", file=sys.stderr)
        conn.execute("DELETE FROM inv_stock WHERE store_id LIKE 'G%%'")
        conn.execute("DROP INDEX IF EXISTS ix_inv_stock_part")
        conn.execute("ALTER TABLE inv_stock DROP CONSTRAINT IF EXISTS pk_inv_stock")
        columns = "store_id, warehouse_code, bin_code, part_number, on_hand, reserved"
        with conn.cursor().copy(f"COPY inv_stock ({columns}) FROM STDIN") as copy:
            for s in range(n_stores):
                store = store_code(s)
                chunk = []
                for p in range(n_parts):
                    on_hand = (s * 7 + p * 13) % 9
                    chunk.append(f"{store}\tW1\tA-01\t{part_code(p)}\t{on_hand}\t{on_hand // 3}\n")
                copy.write("".join(chunk))
        conn.execute(
            "ALTER TABLE inv_stock ADD CONSTRAINT pk_inv_stock"
            " PRIMARY KEY (store_id, warehouse_code, bin_code, part_number)"
        )
        conn.execute("CREATE INDEX ix_inv_stock_part ON inv_stock (part_number, store_id)")
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE inv_stock")
        print(f"built in {time.perf_counter() - started:.0f} s", file=sys.stderr)


def medians(url: str, schema: str, n_parts: int, n: int) -> tuple[float, float]:
    """(ours, raw) median milliseconds over ``n`` random parts, interleaved."""
    from fours_adapters.bootstrap import bootstrap
    from fours_adapters.sql.engine import make_engine
    from fours_domain.inventory import services as svc

    app = bootstrap(
        engine=make_engine(url, connect_args={"options": f"-csearch_path={schema}"}, pool_size=1)
    )
    rng = random.Random(42)
    ours: list[float] = []
    raw: list[float] = []
    with psycopg.connect(
        libpq_url(url), options=f"-csearch_path={schema}", autocommit=True
    ) as conn:
        for i in range(n + 20):
            wanted = part_code(rng.randrange(n_parts))
            # Alternate who goes first, so neither always finds the pages cached.
            order = ("ours", "raw") if i % 2 else ("raw", "ours")
            timings: dict[str, float] = {}
            counts: dict[str, int] = {}
            for who in order:
                start = time.perf_counter()
                if who == "ours":
                    counts[who] = len(svc.where_available(app.uow(), wanted, app.clock).unwrap())
                else:
                    counts[who] = len(conn.execute(RAW_SQL, (wanted,)).fetchall())
                timings[who] = (time.perf_counter() - start) * 1000
            assert counts["ours"] == counts["raw"] > 0
            if i >= 20:  # warm-up: caches, prepared statements
                ours.append(timings["ours"])
                raw.append(timings["raw"])
    app.close()
    return statistics.median(ours), statistics.median(raw)


def run() -> Iterator[Measurement]:
    url = pg_url()
    if not ensure_database(url):
        return
    n_stores, n_parts = stores(), parts()
    small_parts = max(1, n_parts // 10)
    ensure_data(url, "bench_inventory_1m", n_stores, small_parts)
    ensure_data(url, "bench_inventory", n_stores, n_parts)
    n = samples()
    small, _ = medians(url, "bench_inventory_1m", small_parts, n)
    big, big_raw = medians(url, "bench_inventory", n_parts, n)
    size = {"stores": n_stores, "parts": n_parts, "rows": n_stores * n_parts}
    yield Measurement(
        "group_stock_query_pg",
        big,
        "ms",
        big_raw,
        n=n,
        peak_rss_mb=peak_rss_mb(),
        extra={"query": "parts_by_number", "goal_ms": 20, **size},
    )
    yield Measurement(
        "group_stock_query_growth",
        big / small,
        "x",
        1.0,
        n=n,
        peak_rss_mb=peak_rss_mb(),
        extra={
            "query": "parts_by_number",
            "median_small_ms": round(small, 3),
            "small_rows": n_stores * small_parts,
            **size,
        },
    )
