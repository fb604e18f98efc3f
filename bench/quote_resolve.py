"""Price resolution through the public path, on PostgreSQL.

* ``quote_resolve`` — resolutions per second of ``resolve_prices`` (the service
  the CLI and embedders call: load the store, fetch candidates by scope, brand
  and model through the SQL indexes, rank in memory with explanations) with
  100,000 schemes across 200 stores; baseline: a straightforward linear scan of
  the same 100,000 schemes held in memory, in the same run. ratio = ours ÷ scan
  (higher is better).
* ``quote_resolve_growth`` — seconds per resolution at 1,000,000 schemes ÷ at
  10,000 (goal ≤ 2).

Data (deterministic, docs/pricing.md § Benchmarks): 200 stores in 10 regions,
each selling one of 4 brands; per model: group MSRP, internal guide and floor,
a floor per region and trim, and per store four quarterly promotions per trim.
The catalogue (number of models) grows with the number of schemes. Loaded once
with COPY into database ``fours_bench``, schemas ``bench_pricing`` (100k),
``bench_pricing_10k`` and ``bench_pricing_1m``, and reused between runs.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pendulum
from sqlalchemy import Engine, text

from bench.harness import Measurement, interleaved_medians, peak_rss_mb
from fours_adapters.bootstrap import FoursApp, bootstrap
from fours_adapters.sql.engine import make_engine
from fours_adapters.sql.migrate import upgrade
from fours_domain.pricing import services as svc
from fours_domain.pricing.model import (
    PriceKind,
    PriceScheme,
    PriceScope,
    SchemeId,
    StorePlace,
    ValidityWindow,
    ranking_key,
)
from fours_domain.shared.catalogue import SpecPattern, VehicleSpec
from fours_domain.shared.ids import RegionId, StoreId
from fours_domain.shared.money import cny
from fours_domain.shared.time import FixedClock, StoreTimeZone

ADMIN_URL = os.environ.get("FOURS_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/")
DATABASE = "fours_bench"
BRANDS = ("AUDI", "BYD", "VW", "TOYOTA")
REGIONS = tuple(f"R{i:02d}" for i in range(10))
STORES = tuple(f"S{i:03d}" for i in range(200))
TRIMS = ("T1", "T2", "T3", "T4")
COLOURS = ("WHITE", "BLACK", "GREY")
QUARTERS = tuple(
    (dt.datetime(2026, m, 1), dt.datetime(2026 + (m + 3 > 12), (m + 2) % 12 + 1, 1))
    for m in (1, 4, 7, 10)
)
AT = pendulum.datetime(2026, 11, 25, 2, 0, tz="UTC")


def store_region(store: str) -> str:
    return REGIONS[int(store[1:]) % len(REGIONS)]


def store_brand(store: str) -> str:
    return BRANDS[int(store[1:]) % len(BRANDS)]


def zone_of(store: str) -> str:
    return "Asia/Urumqi" if int(store[1:]) % 10 == 0 else "Asia/Shanghai"


def scheme_rows(total: int) -> Iterator[tuple[str, tuple[Any, ...]]]:
    """(table, row) for exactly ``total`` schemes, model by model."""
    count = 0
    model_no = 0
    while True:
        brand = BRANDS[model_no % len(BRANDS)]
        model = f"M{model_no:05d}"
        base = 150_000 + (model_no % 50) * 5_000
        rows: list[tuple[str, tuple[Any, ...]]] = []
        for t, trim in enumerate(TRIMS):
            msrp = (base + t * 10_000) * 100
            rows.append(("g", ("group", "*", "msrp", brand, model, trim, None, msrp, None, None)))
            rows.append(
                (
                    "g",
                    (
                        "group",
                        "*",
                        "internal_guide",
                        brand,
                        model,
                        trim,
                        None,
                        msrp - 800_000,
                        None,
                        None,
                    ),
                )
            )
            for region in REGIONS:
                rows.append(
                    (
                        "g",
                        (
                            "region",
                            region,
                            "floor",
                            brand,
                            model,
                            trim,
                            None,
                            msrp - 1_500_000,
                            None,
                            None,
                        ),
                    )
                )
        rows.append(("g", ("group", "*", "floor", brand, model, None, None, base * 90, None, None)))
        for store in STORES:
            if store_brand(store) != brand:
                continue
            for t, trim in enumerate(TRIMS):
                for q, (starts, ends) in enumerate(QUARTERS):
                    price = (base + t * 10_000) * 100 - 1_000_000 - q * 10_000
                    rows.append(
                        (
                            "s",
                            (
                                store,
                                "promotion",
                                brand,
                                model,
                                trim,
                                COLOURS[q % 3],
                                price,
                                starts,
                                ends,
                            ),
                        )
                    )
        for table, row in rows:
            if count == total:
                return
            count += 1
            yield table, (f"B{count:07d}", *row)
        model_no += 1


ROWS_PER_MODEL = len(TRIMS) * (2 + len(REGIONS)) + 1 + (len(STORES) // len(BRANDS)) * 16


def models_for(total: int) -> int:
    """Models whose schemes are all loaded (the last one may be partial)."""
    return max(1, total // ROWS_PER_MODEL)


def _copy(engine: Engine, total: int) -> None:
    raw: Any = engine.raw_connection()
    try:
        cur = raw.cursor()
        group_cols = (
            "id, scope_level, scope_code, kind, brand, model, trim, colour, price, starts, ends, "
            "name, priority"
        )
        store_cols = (
            "id, store_id, kind, brand, model, trim, colour, price, starts, ends, name, priority"
        )
        with cur.copy(f"COPY prc_schemes ({group_cols}) FROM STDIN") as group_copy:
            for table, row in scheme_rows(total):
                if table == "g":
                    group_copy.write_row((*row, row[0], 0))
        with cur.copy(f"COPY prc_store_schemes ({store_cols}) FROM STDIN") as store_copy:
            for table, row in scheme_rows(total):
                if table == "s":
                    store_copy.write_row((*row, row[0], 0))
        raw.commit()
    finally:
        raw.close()


def prepare(schema: str, total: int) -> Engine:
    """A schema with the fours tables, 200 stores and ``total`` schemes (reused if present)."""
    admin = make_engine(ADMIN_URL + "postgres", pool_size=1, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": DATABASE}
        ).first():
            conn.execute(text(f'CREATE DATABASE "{DATABASE}"'))
    admin.dispose()
    url = ADMIN_URL + DATABASE
    setup = make_engine(url, pool_size=1)
    with setup.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    setup.dispose()
    engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    upgrade(engine)
    with engine.connect() as conn:
        have = conn.execute(
            text(
                "SELECT (SELECT count(*) FROM prc_schemes)"
                " + (SELECT count(*) FROM prc_store_schemes)"
            )
        ).scalar_one()
    if have == total:
        return engine
    with engine.begin() as conn:
        for table in (
            "prc_store_schemes",
            "prc_schemes",
            "org_franchises",
            "org_stores",
            "org_brands",
            "org_regions",
            "org_groups",
        ):
            conn.execute(text(f"DELETE FROM {table}"))
        conn.execute(text("INSERT INTO org_groups VALUES ('BENCH', 'Bench group')"))
        for region in REGIONS:
            conn.execute(text("INSERT INTO org_regions VALUES (:r, :r)"), {"r": region})
        for brand in BRANDS:
            conn.execute(text("INSERT INTO org_brands VALUES (:b, :b, 'OEM')"), {"b": brand})
        for store in STORES:
            conn.execute(
                text(
                    "INSERT INTO org_stores (id, name, region_id, time_zone) "
                    "VALUES (:s, :s, :r, :z)"
                ),
                {"s": store, "r": store_region(store), "z": zone_of(store)},
            )
            conn.execute(
                text("INSERT INTO org_franchises VALUES (:s, :b)"),
                {"s": store, "b": store_brand(store)},
            )
    _copy(engine, total)
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    return engine


def in_memory(total: int) -> list[PriceScheme]:
    """The same schemes as domain objects, for the linear-scan baseline."""
    schemes = []
    for table, row in scheme_rows(total):
        if table == "g":
            ident, level, code, kind, brand, model, trim, colour, price, starts, ends = row
            scope = PriceScope.group() if level == "group" else PriceScope.region(code)
        else:
            ident, store, kind, brand, model, trim, colour, price, starts, ends = row
            scope = PriceScope.store(store)
        schemes.append(
            PriceScheme(
                id=SchemeId(ident),
                name=ident,
                kind=PriceKind(kind),
                scope=scope,
                target=SpecPattern(brand, model, trim, colour),
                price=cny(Decimal(price) / 100),
                window=ValidityWindow(
                    None if starts is None else pendulum.instance(starts).naive(),
                    None if ends is None else pendulum.instance(ends).naive(),
                ),
            )
        )
    return schemes


def linear_resolve(
    schemes: list[PriceScheme], spec: VehicleSpec, place: StorePlace, at: pendulum.DateTime
) -> dict[PriceKind, PriceScheme | None]:
    """The straightforward way: scan every scheme, keep the best eligible per kind."""
    best: dict[PriceKind, PriceScheme | None] = dict.fromkeys(PriceKind)
    for s in schemes:
        if (
            s.scope.covers(place)
            and s.target.matches(spec)
            and s.window.contains(at, place.time_zone)
        ):
            current = best[s.kind]
            if current is None or ranking_key(s) < ranking_key(current):
                best[s.kind] = s
    return best


def queries(total: int, count: int, seed: int) -> list[tuple[str, VehicleSpec]]:
    rnd = random.Random(seed)
    models = models_for(total)
    picks = []
    for _ in range(count):
        model_no = rnd.randrange(models)
        brand = BRANDS[model_no % len(BRANDS)]
        store = rnd.choice([s for s in STORES if store_brand(s) == brand])
        spec = VehicleSpec(brand, f"M{model_no:05d}", rnd.choice(TRIMS), rnd.choice(COLOURS))
        picks.append((store, spec))
    return picks


def _app(engine: Engine) -> FoursApp:
    return bootstrap(engine=engine, clock=FixedClock(AT))


def public_path_seconds(app: FoursApp, picks: list[tuple[str, VehicleSpec]]) -> float:
    """Seconds per resolution through ``resolve_prices``."""
    start = time.perf_counter()
    for store, spec in picks:
        sheet = svc.resolve_prices(app.uow(), svc.ResolvePrices(store, spec), app.clock).unwrap()
        assert sheet.price(PriceKind.MSRP) is not None
    return (time.perf_counter() - start) / len(picks)


def run() -> Iterator[Measurement]:
    engine = prepare("bench_pricing", 100_000)
    app = _app(engine)
    schemes = in_memory(100_000)
    # The same queries for both ways, so the ratio compares like with like (a scan costs
    # ~40 ms per query on 100,000 schemes: 100 keeps a round of it to a few seconds).
    picks = queries(100_000, 100, seed=1)
    places = {
        s: StorePlace(StoreId(s), RegionId(store_region(s)), StoreTimeZone(zone_of(s)))
        for s in STORES
    }
    # Sanity: both ways agree on the winners.
    for store, spec in picks[:3]:
        ours = svc.resolve_prices(app.uow(), svc.ResolvePrices(store, spec), app.clock).unwrap()
        scan = linear_resolve(schemes, spec, places[store], AT)
        assert {
            k: (None if r.winner is None else r.winner.id)
            for k, r in ((r.kind, r) for r in ours.resolutions)
        } == {k: (None if v is None else v.id) for k, v in scan.items()}

    def ours_rps() -> float:
        return 1 / public_path_seconds(app, picks)

    def scan_rps() -> float:
        start = time.perf_counter()
        for store, spec in picks:
            linear_resolve(schemes, spec, places[store], AT)
        return len(picks) / (time.perf_counter() - start)

    public_path_seconds(app, picks[:20])  # warm-up
    value, base = interleaved_medians(ours_rps, scan_rps, rounds=3)
    yield Measurement(
        bench="quote_resolve",
        value=value,
        unit="resolutions/s",
        baseline=base,
        n=100_000,
        peak_rss_mb=peak_rss_mb(),
        extra={"path": "resolve_prices service on PostgreSQL", "baseline_kind": "linear scan"},
    )
    app.close()

    small = _app(prepare("bench_pricing_10k", 10_000))
    large = _app(prepare("bench_pricing_1m", 1_000_000))
    small_picks = queries(10_000, 200, seed=3)
    large_picks = queries(1_000_000, 200, seed=3)
    public_path_seconds(small, small_picks[:20])
    public_path_seconds(large, large_picks[:20])
    at_large, at_small = interleaved_medians(
        lambda: public_path_seconds(large, large_picks),
        lambda: public_path_seconds(small, small_picks),
        rounds=3,
    )
    yield Measurement(
        bench="quote_resolve_growth",
        value=at_large,
        unit="s/resolution at 1,000,000 schemes",
        baseline=at_small,
        n=1_000_000,
        peak_rss_mb=peak_rss_mb(),
        extra={"path": "resolve_prices service on PostgreSQL", "goal": "ratio <= 2"},
    )
    small.close()
    large.close()
