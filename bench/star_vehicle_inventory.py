"""star_vehicle_inventory: cars/s importing a generated 50,000-car STAR document into SQLite,
vs lxml ``iterparse`` of the same file alone (ratio = ours / iterparse).

"Importing" is the whole inbound path of ``fours dms import``: identify (BODID + SHA-256),
the lenient reader (every line item parsed into a validated ``VehicleInventoryRecord``:
VIN check digit, spec codes, money, dates), the import service in batches of 1,000, and
the vehicles applier creating each car (in transit, with its manufacturer data, history
and event) through the vehicles context in a fresh database, one transaction, the events
spooled to the outbox and published after the commit (``applied: true``). A build without
the vehicles context runs the service in check mode (``applied: false``): reading and
validation only.

``star_vehicle_inventory_resend`` then imports the same cars under a new BODID into the
loaded database: every car ``unchanged`` (a manufacturer re-sending its inventory), same
baseline. ``star_vehicle_inventory_pg`` / ``…_pg_resend`` are the same on PostgreSQL
(database ``fours_bench``, schema ``bench_star``, recreated each run; SQLite if the server
is unreachable — the line says ``backend``).

``FOURS_BENCH_STAR_CARS`` changes the size (default 50,000), e.g. to compare peak RSS at
10,000 and 50,000 cars. Documents are generated once under ``bench/.data/`` and reused.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, BinaryIO

import psycopg
from lxml import etree

from bench.harness import Measurement, peak_rss_mb

CARS = int(os.environ.get("FOURS_BENCH_STAR_CARS", "50000"))
DATA = Path(__file__).with_name(".data")
PG_SERVER = os.environ.get("FOURS_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
PG_SCHEMA = "bench_star"


def document_path(cars: int = CARS, bodid: str | None = None) -> Path:
    from fours_adapters.dms.generate import star_vehicle_inventory

    bodid = bodid or f"BENCH-{cars}"
    suffix = "" if bodid == f"BENCH-{cars}" else f"_{bodid}"
    path = DATA / f"star_vehicle_inventory_{cars}{suffix}.xml"
    if not path.exists():
        DATA.mkdir(exist_ok=True)
        partial = path.with_suffix(".partial")
        with partial.open("wb") as out:
            for chunk in star_vehicle_inventory(cars, bodid=bodid):
                out.write(chunk)
        partial.replace(path)
    return path


def iterparse_only(path: Path) -> float:
    start = time.perf_counter()
    count = 0
    for _event, elem in etree.iterparse(str(path), events=("end",)):
        if elem.tag.endswith("VehicleInventoryVehicleLineItem"):
            count += 1
            elem.clear()
    elapsed = time.perf_counter() - start
    assert count == CARS, count
    return elapsed


def _database(backend: str) -> tuple[str, str, dict[str, Any]]:
    """(backend actually used, URL, engine options) for a fresh, empty database."""
    if backend == "postgresql":
        try:
            with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
                found = conn.execute("select 1 from pg_database where datname = 'fours_bench'")
                if found.fetchone() is None:
                    conn.execute("create database fours_bench")
            with psycopg.connect(f"{PG_SERVER}/fours_bench", autocommit=True) as conn:
                conn.execute(f"drop schema if exists {PG_SCHEMA} cascade")
                conn.execute(f"create schema {PG_SCHEMA}")
            options = {"connect_args": {"options": f"-csearch_path={PG_SCHEMA}"}}
            return "postgresql", f"{PG_SERVER}/fours_bench", options
        except psycopg.OperationalError:
            backend = "sqlite"
    db = DATA / "star_bench.db"
    for stale in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        stale.unlink(missing_ok=True)
    return "sqlite", f"sqlite:///{db}", {}


def fours_imports(backend: str, paths: list[Path]) -> tuple[str, list[float], bool]:
    """Seconds to import each of ``paths`` in turn into one fresh database."""
    import pendulum

    from fours_adapters.bootstrap import bootstrap
    from fours_adapters.dms.binding import BindingContext, bound_appliers
    from fours_adapters.dms.rejects import JsonlRejectFile
    from fours_adapters.dms.star import StarFeed
    from fours_adapters.sql.engine import make_engine
    from fours_domain.dms.ports import Document
    from fours_domain.dms.records import RecordKind
    from fours_domain.dms.services import ImportDocument, import_document
    from fours_domain.shared.ids import SequentialIdSource
    from fours_domain.shared.time import FixedClock

    kind = RecordKind.VEHICLE_INVENTORY
    applier = bound_appliers(BindingContext("star", {"FAW-0101": "SH-AUDI-01"})).get(kind)
    used, url, options = _database(backend)
    app = bootstrap(
        engine=make_engine(url, **options),
        clock=FixedClock(pendulum.datetime(2026, 11, 25, tz="UTC")),
        ids=SequentialIdSource("bench"),
    )
    app.upgrade_schema()
    published = [0]

    def count(_event: object) -> None:
        published[0] += 1

    if applier is not None:
        _open_store(app)
    app.handlers.append(count)
    seconds = []
    for round_, path in enumerate(paths):
        with (DATA / "rejects.jsonl").open("w", encoding="utf-8") as rejects:
            start = time.perf_counter()
            result = import_document(
                app.uow(),
                StarFeed(None),
                applier,
                ImportDocument(
                    Document(path.name, _opener(path)),
                    kind,
                    check_only=applier is None,
                ),
                clock=app.clock,
                ids=app.ids,
                rejects=JsonlRejectFile(rejects),
            )
            seconds.append(time.perf_counter() - start)
        summary = result.unwrap()
        expected = (CARS, 0) if round_ == 0 else (0, CARS)
        if applier is not None:
            assert (summary.created, summary.unchanged) == expected, summary.as_dict()
            assert published[0] == CARS, published  # one event per new car, none for a resend
    app.close()
    return used, seconds, applier is not None


def _opener(path: Path) -> Callable[[], BinaryIO]:
    return lambda: path.open("rb")


def _open_store(app: Any) -> None:
    from fours_domain.org import services as org

    org.create_group(app.uow(), org.CreateGroup("BENCH", "Bench group")).unwrap()
    org.add_region(app.uow(), org.AddRegion("EAST", "East")).unwrap()
    org.add_brand(app.uow(), org.AddBrand("AUDI", "Audi", "FAW-VW")).unwrap()
    org.open_store(
        app.uow(), org.OpenStore("SH-AUDI-01", "SH", "EAST", "Asia/Shanghai", ("AUDI",)), app.clock
    ).unwrap()


def measure(backend: str, name: str) -> Iterator[Measurement]:
    path = document_path()
    resend = document_path(bodid=f"BENCH-{CARS}-RESENT")
    # The imports run in a process of their own, so ``peak_rss_mb`` is theirs alone (the
    # baseline's parse of the whole file peaks at ~115 MB for 50,000 cars by itself).
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as child:
        used, (first, again), applied = child.submit(
            fours_imports, backend, [path, resend]
        ).result()
    rss = peak_rss_mb(children=True)
    base = iterparse_only(path)
    extra = {
        "applied": applied,
        "backend": used,
        "document_mb": round(path.stat().st_size / 1e6, 1),
    }
    yield Measurement(name, CARS / first, "cars/s", CARS / base, CARS, rss, {**extra})
    yield Measurement(f"{name}_resend", CARS / again, "cars/s", CARS / base, CARS, rss, extra)


def run() -> Iterator[Measurement]:
    yield from measure("sqlite", "star_vehicle_inventory")
