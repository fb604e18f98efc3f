"""vehicle_stock_query_pg: median latency of "free cars of model M in colour C
across the group" through the public service ``find_cars``, vs the same query as
hand-written SQL through psycopg, on 200 stores and 20,000 cars (goal ≤ 20 ms).

The data set lives in database ``fours_bench``, schema ``bench_vehicles``; it is
built once with COPY and reused while its row counts match.
"""

from __future__ import annotations

import os
import random
import statistics
import time
from collections.abc import Iterator

import pendulum
import psycopg
from sqlalchemy import Engine, text

from bench.harness import Measurement, interleaved_medians, peak_rss_mb
from fours_adapters.bootstrap import bootstrap
from fours_adapters.sql.engine import make_engine
from fours_adapters.sql.migrate import upgrade
from fours_domain.shared.catalogue import ColourCode, ModelCode
from fours_domain.shared.identifiers import vin_check_digit
from fours_domain.vehicles import services as svc
from fours_domain.vehicles.ports import Availability, CarStockFilter

SERVER = os.environ.get("FOURS_BENCH_PG_SERVER", "postgresql://postgres@127.0.0.1:5432")
DATABASE = "fours_bench"
SCHEMA = "bench_vehicles"
STORES = 200
CARS = 20_000
BRANDS = {
    "AUDI": ("A4L", "A6L", "Q5L"),
    "BYD": ("HAN", "TANG", "SEAL"),
    "VW": ("PASSAT", "TIGUAN"),
    "BMW": ("X3", "I3"),
}
COLOURS = ("BLACK", "WHITE", "GREY", "BLUE", "RED", "SILVER", "GREEN", "BROWN")
STATES = (
    ("IN_STOCK", 55),
    ("RESERVED", 15),
    ("ARRIVED", 5),
    ("ON_HOLD", 3),
    ("IN_TRANSIT", 7),
    ("ON_ORDER", 5),
    ("SOLD", 5),
    ("DELIVERED", 5),
)
RAW_SQL = """
SELECT v.vin, v.store_id, v.brand, v.model, v.trim, v.colour, v.interior, v.model_year,
       v.state, v.reserved_for, v.transfer_to, v.in_stock_since, s.time_zone, v.reserved_until
FROM veh_vehicles v JOIN org_stores s ON s.id = v.store_id
WHERE (v.state = 'IN_STOCK' OR (v.state = 'RESERVED' AND v.reserved_until <= %s))
  AND v.model = %s AND v.colour = %s
ORDER BY v.model, v.colour, v.store_id, v.vin
LIMIT 500
"""


def _ensure_database() -> None:
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,))
        if exists.fetchone() is None:
            conn.execute(f'CREATE DATABASE "{DATABASE}"')
    with psycopg.connect(f"{SERVER}/{DATABASE}", autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{SCHEMA}"')


def _vin(n: int) -> str:
    raw = f"LBV{n:06d}0P{n:06d}"[:17]
    raw = raw[:8] + "0" + raw[9:]
    return raw[:8] + vin_check_digit(raw) + raw[9:]


def _copy(conn: psycopg.Connection[object], table: str, columns: str, rows: list[str]) -> None:
    with conn.cursor().copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        copy.write("".join(rows))


def _build(engine: Engine) -> None:
    rng = random.Random(20261125)
    states = [s for s, weight in STATES for _ in range(weight)]
    models = [(brand, model) for brand, ms in BRANDS.items() for model in ms]
    since = pendulum.datetime(2026, 6, 1, tz="UTC")
    with engine.begin() as conn:
        for table in ("veh_history", "veh_pdi_inspections", "veh_vehicles", "org_franchises"):
            conn.execute(text(f"DELETE FROM {table}"))
        for table in ("org_stores", "org_brands", "org_regions", "org_groups"):
            conn.execute(text(f"DELETE FROM {table}"))
    with psycopg.connect(f"{SERVER}/{DATABASE}", options=f"-csearch_path={SCHEMA}") as conn:
        _copy(conn, "org_groups", "id, name", ["BENCH\tBench group\n"])
        _copy(conn, "org_regions", "id, name", [f"R{r}\tRegion {r}\n" for r in range(10)])
        _copy(conn, "org_brands", "code, name, manufacturer", [f"{b}\t{b}\tOEM\n" for b in BRANDS])
        _copy(
            conn,
            "org_stores",
            "id, name, region_id, time_zone",
            [f"S{s:03d}\tStore {s}\tR{s % 10}\tAsia/Shanghai\n" for s in range(STORES)],
        )
        _copy(
            conn,
            "org_franchises",
            "store_id, brand_code",
            [f"S{s:03d}\t{b}\n" for s in range(STORES) for b in BRANDS],
        )
        rows = []
        for n in range(CARS):
            brand, model = rng.choice(models)
            state = rng.choice(states)
            stocked = since.add(hours=rng.randrange(24 * 170)).isoformat()
            reserved = state == "RESERVED"
            rows.append(
                "\t".join(
                    [
                        f"S{rng.randrange(STORES):03d}",
                        _vin(n),
                        brand,
                        model,
                        rng.choice(("BASE", "PLUS", "MAX")),
                        rng.choice(COLOURS),
                        rng.choice(("BLACK", "BEIGE")),
                        "2026",
                        state,
                        "[]",
                        "0.13",
                        "customer" if reserved else "\\N",
                        f"C{n}" if reserved else "\\N",
                        "bench" if reserved else "\\N",
                        stocked if reserved else "\\N",
                        stocked if state in {"IN_STOCK", "RESERVED", "ON_HOLD"} else "\\N",
                        "1",
                        "1",
                    ]
                )
                + "\n"
            )
        _copy(
            conn,
            "veh_vehicles",
            "store_id, vin, brand, model, trim, colour, interior, model_year, state, options,"
            " vat_rate, reserved_for_kind, reserved_for, reserved_by, reserved_at,"
            " in_stock_since, last_seq, version",
            rows,
        )
        conn.commit()
        conn.execute("ANALYZE")
        conn.commit()


def _ready(engine: Engine) -> bool:
    with engine.connect() as conn:
        cars = conn.execute(text("SELECT count(*) FROM veh_vehicles")).scalar_one()
        stores = conn.execute(text("SELECT count(*) FROM org_stores")).scalar_one()
    return (cars, stores) == (CARS, STORES)


def run(rounds: int = 300) -> Iterator[Measurement]:
    _ensure_database()
    engine = make_engine(
        f"{SERVER}/{DATABASE}", connect_args={"options": f"-csearch_path={SCHEMA}"}
    )
    upgrade(engine)
    if not _ready(engine):
        _build(engine)
    app = bootstrap(engine=engine)
    raw = psycopg.connect(f"{SERVER}/{DATABASE}", options=f"-csearch_path={SCHEMA}")
    models = [m for ms in BRANDS.values() for m in ms]
    pairs = [(m, c) for m in models for c in COLOURS]
    rng = random.Random(7)
    sizes: list[int] = []
    current: list[tuple[str, str]] = [pairs[0]]

    def ours() -> float:
        model, colour = current[0]
        wanted = CarStockFilter(
            model=ModelCode(model), colour=ColourCode(colour), availability=Availability.FREE
        )
        start = time.perf_counter()
        # As the CLI asks: as of now, a reservation past its deadline is free (ADR 0023).
        lines = svc.find_cars(app.uow(), wanted, app.clock).unwrap()
        elapsed = time.perf_counter() - start
        sizes.append(len(lines))
        return elapsed

    def baseline() -> float:
        model, colour = current[0]
        start = time.perf_counter()
        with raw.cursor() as cur:
            cur.execute(RAW_SQL, (app.clock.now(), model, colour))
            rows = cur.fetchall()
        raw.commit()
        elapsed = time.perf_counter() - start
        assert len(rows) == sizes[-1], "ours and raw disagree"
        return elapsed

    for _ in range(20):  # warm-up: pools, caches, statement preparation
        current[0] = rng.choice(pairs)
        ours()
        baseline()
    ours_times: list[float] = []
    raw_times: list[float] = []
    for _ in range(rounds):
        current[0] = rng.choice(pairs)
        a, b = interleaved_medians(ours, baseline, 1)
        ours_times.append(a)
        raw_times.append(b)
    raw.close()
    app.close()
    yield Measurement(
        "vehicle_stock_query_pg",
        statistics.median(ours_times) * 1000,
        "ms",
        statistics.median(raw_times) * 1000,
        n=rounds,
        peak_rss_mb=peak_rss_mb(),
        extra={
            "query": "free_cars_by_model_colour",
            "stores": STORES,
            "cars": CARS,
            "median_rows": statistics.median(sizes),
            "goal_ms": 20,
        },
    )
