"""rebate_quarter: a quarter's rebates for 10,000 cars under 50 policies (goal ratio ≤ 2).

Ours: ``estimate_rebates(..., EstimateRebates("2026-Q3", record=False))`` through the
public service and the SQL unit of work — load the policies, the quarter's
sales facts and KPI readings, compute every car under every matching policy
(each car's amount in fen, each unit's total). Nothing is persisted. The
``AccrualLine`` objects are built on first read; ``with_lines_ms`` times the same
call plus reading ``estimate.lines``, so that choice is visible in the output.
Baseline, in the same run: merely loading those 10,000 sales rows (the same
select, rows through the same column types, no domain objects).

PostgreSQL (database ``fours_bench``, schema ``bench_rebates``, created and
seeded once, reused between runs); ``FOURS_BENCH_PG_URL`` overrides the server.
If PostgreSQL is unreachable the run uses a temporary SQLite file and says so.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pendulum
from sqlalchemy import Engine, func, insert, select, text

from bench.harness import Measurement, peak_rss_mb
from fours_adapters.bootstrap import FoursApp, bootstrap
from fours_adapters.sql.engine import make_engine
from fours_adapters.sql.migrate import upgrade
from fours_adapters.sql.rebates import tables as t
from fours_adapters.sql.rebates.repository import policy_row, sales_between_query
from fours_domain.org import services as org
from fours_domain.rebates import services as svc
from fours_domain.rebates.model import (
    Clawback,
    ClawbackReason,
    Comparison,
    Kpi,
    KpiRule,
    Period,
    PeriodKind,
    RebateKind,
    RebatePolicy,
    Target,
    TargetScope,
    Tier,
    TierBasis,
)
from fours_domain.shared.catalogue import SpecPattern
from fours_domain.shared.identifiers import Vin, VinCheck, vin_check_digit
from fours_domain.shared.money import VAT_13, cny
from fours_domain.shared.time import FixedClock

CARS = 10_000
POLICIES = 50
STORES = 20
BRANDS = ("AUDI", "BYD", "VW", "TOYOTA", "BMW")
MODELS = ("M1", "M2", "M3", "M4")
QUARTER = Period.parse("2026-Q3")
PG_URL = os.environ.get(
    "FOURS_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/fours_bench"
)
SCHEMA = "bench_rebates"


def _pg_engine() -> Engine | None:
    admin_url = PG_URL.rsplit("/", 1)[0] + "/postgres"
    try:
        admin = make_engine(admin_url, pool_size=1, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            exists = conn.scalar(text("select 1 from pg_database where datname = 'fours_bench'"))
            if not exists:
                conn.execute(text("create database fours_bench"))
        admin.dispose()
        engine = make_engine(PG_URL, connect_args={"options": f"-csearch_path={SCHEMA}"})
        with engine.begin() as conn:
            conn.execute(text(f"create schema if not exists {SCHEMA}"))
        return engine
    except Exception as exc:  # noqa: BLE001 - any failure means "use SQLite instead"
        print(f"rebate_quarter: PostgreSQL unavailable ({exc}); using SQLite")
        return None


def _vin(n: int) -> str:
    body = f"LBV{n:013d}"
    raw = body[:8] + "0" + body[8:]
    return raw[:8] + vin_check_digit(raw) + raw[9:]


def _policies() -> list[RebatePolicy]:
    kinds = list(RebateKind)
    made = []
    for i in range(POLICIES):
        brand = BRANDS[i % len(BRANDS)]
        kind = kinds[i % 3]
        percent = kind is RebateKind.INVOICE_PERCENT
        unit = Decimal("0.005") if percent else Decimal(500)
        model = None if i % 4 == 0 else MODELS[i % len(MODELS)]
        made.append(
            RebatePolicy(
                id=f"B-{brand}-{i:02d}",
                name=f"bench policy {i}",
                target=SpecPattern(brand, model),
                kind=kind,
                period=PeriodKind.QUARTER if i % 5 else PeriodKind.MONTH,
                valid_from=pendulum.Date(2026, 1, 1),
                valid_to=pendulum.Date(2026, 12, 31),
                value=unit,
                tiers=(
                    Tier(Decimal("0.8"), unit * 2),
                    Tier(Decimal("1.0"), unit * 3),
                    Tier(Decimal("1.2"), unit * 4),
                ),
                tier_basis=TierBasis.MARGINAL if i % 2 else TierBasis.WHOLE_VOLUME,
                scope=TargetScope.GROUP if i % 7 == 0 else TargetScope.STORE,
                targets=(Target(400 if i % 7 == 0 else 25),),
                kpi_rules=(KpiRule(Kpi.CSI, Comparison.AT_LEAST, Decimal(85), Decimal("1.1"), 1),)
                if i % 3 == 0
                else (),
                clawbacks=(Clawback(ClawbackReason.OUT_OF_TERRITORY, cny(2000)),),
                cap=cny(2_000_000) if i % 4 == 1 else None,
            )
        )
    return made


def _seed(app: FoursApp) -> None:
    with app.engine.connect() as conn:
        have_sales = conn.scalar(select(func.count()).select_from(t.sales))
        have_policies = conn.scalar(select(func.count()).select_from(t.policies))
    if have_sales == CARS and have_policies == POLICIES:
        return
    with app.engine.begin() as conn:
        for table in (t.settlements, t.accruals, t.claims, t.kpis, t.sales, t.policies):
            conn.execute(table.delete())
        conn.execute(text("delete from org_franchises"))
        conn.execute(text("delete from org_stores"))
        for name in ("org_brands", "org_regions", "org_groups"):
            conn.execute(text(f"delete from {name}"))
    org.create_group(app.uow(), org.CreateGroup("BENCH", "Bench group")).unwrap()
    org.add_region(app.uow(), org.AddRegion("R1", "Region")).unwrap()
    for brand in BRANDS:
        org.add_brand(app.uow(), org.AddBrand(brand, brand, brand)).unwrap()
    stores = [f"S{i:02d}" for i in range(STORES)]
    for i, store in enumerate(stores):
        brands = (BRANDS[i % len(BRANDS)], BRANDS[(i + 1) % len(BRANDS)])
        org.open_store(
            app.uow(), org.OpenStore(store, store, "R1", "Asia/Shanghai", brands), app.clock
        ).unwrap()
    rows: list[dict[str, Any]] = []
    for n in range(CARS):
        store_index = n % STORES
        brand = BRANDS[(store_index + n // STORES % 2) % len(BRANDS)]
        day = QUARTER.start.add(days=n % 90)
        price = cny(100_000 + (n * 7919) % 400_000)
        rows.append(
            {
                "store_id": stores[store_index],
                "vin": Vin.parse(_vin(n), VinCheck.LENIENT).unwrap(),
                "brand": brand,
                "model": MODELS[n % len(MODELS)],
                "trim": None,
                "colour": None,
                "interior": None,
                "model_year": 2026,
                "picked_up_on": day,
                "sold_on": day,
                "delivered_on": day.add(days=2) if n % 10 else None,
                "invoice_price": price,
                "purchase_cost": None,
                "out_of_territory": n % 97 == 0,
                "bad_customer_data": False,
                "vat_rate": VAT_13,
            }
        )
    with app.engine.begin() as conn:
        conn.execute(insert(t.policies), [policy_row(p) for p in _policies()])
        conn.execute(insert(t.sales), rows)
        conn.execute(
            insert(t.kpis),
            [
                {"store_id": s, "period_key": QUARTER.key, "kpi": Kpi.CSI, "value": Decimal(86)}
                for s in stores
            ],
        )


def run(rounds: int = 7) -> Iterator[Measurement]:
    engine = _pg_engine()
    backend = "postgresql"
    workdir = None
    if engine is None:
        backend = "sqlite"
        workdir = tempfile.TemporaryDirectory()
        engine = make_engine(f"sqlite:///{workdir.name}/bench.db")
    upgrade(engine)
    clock = FixedClock(pendulum.datetime(2026, 10, 5, tz="Asia/Shanghai"))
    app = bootstrap(engine=engine, clock=clock)
    _seed(app)
    command = svc.EstimateRebates(QUARTER.key, record=False)
    query = sales_between_query(BRANDS, QUARTER.start, QUARTER.end)
    lines = 0

    def ours() -> float:
        start = time.perf_counter()
        estimate = svc.estimate_rebates(app.uow(), command, clock).unwrap()
        elapsed = time.perf_counter() - start
        assert estimate.results
        return elapsed

    def ours_with_lines() -> float:
        nonlocal lines
        start = time.perf_counter()
        estimate = svc.estimate_rebates(app.uow(), command, clock).unwrap()
        lines = len(estimate.lines)
        return time.perf_counter() - start

    def baseline() -> float:
        start = time.perf_counter()
        with engine.connect() as conn:
            loaded = conn.execute(query).all()
        elapsed = time.perf_counter() - start
        assert len(loaded) == CARS
        return elapsed

    ours()
    ours_with_lines()
    baseline()
    a: list[float] = []
    b: list[float] = []
    c: list[float] = []
    for _ in range(rounds):
        a.append(ours())
        b.append(baseline())
        c.append(ours_with_lines())
    value, base, with_lines = (statistics.median(x) for x in (a, b, c))
    yield Measurement(
        "rebate_quarter",
        value * 1000,
        "ms",
        base * 1000,
        n=rounds,
        peak_rss_mb=peak_rss_mb(),
        extra={
            "backend": backend,
            "cars": CARS,
            "policies": POLICIES,
            "accrual_lines": lines,
            "with_lines_ms": round(with_lines * 1000, 3),
            "ratio_with_lines": round(with_lines / base, 4),
        },
    )
    app.close()
    if workdir is not None:
        workdir.cleanup()
