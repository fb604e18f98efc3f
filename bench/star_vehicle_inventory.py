"""star_vehicle_inventory: cars/s importing a 50,000-car STAR document, vs lxml ``iterparse``
of the same file alone (ratio = ours / iterparse).

"Importing" is the whole inbound path of ``fours dms import``: identify (BODID + SHA-256),
the lenient reader (every line item parsed into a validated ``VehicleInventoryRecord``:
VIN check digit, spec codes, money, dates), the import service in batches of 1,000, and
the vehicles applier creating each car (in transit, with its manufacturer data and
history) through the vehicles context in a fresh SQLite database, one transaction
(``applied: true``). A build without the vehicles context runs the service in check mode
(``applied: false``): reading and validation only.
The document is generated once under ``bench/.data/`` and reused.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lxml import etree

from bench.harness import Measurement, peak_rss_mb

CARS = 50_000
DATA = Path(__file__).with_name(".data")


def document_path(cars: int = CARS) -> Path:
    from fours_adapters.dms.generate import star_vehicle_inventory

    path = DATA / f"star_vehicle_inventory_{cars}.xml"
    if not path.exists():
        DATA.mkdir(exist_ok=True)
        partial = path.with_suffix(".partial")
        with partial.open("wb") as out:
            for chunk in star_vehicle_inventory(cars, bodid=f"BENCH-{cars}"):
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


def fours_import(path: Path, tmp: Path) -> tuple[float, bool]:
    import pendulum

    from fours_adapters.bootstrap import bootstrap
    from fours_adapters.dms.binding import BindingContext, bound_appliers
    from fours_adapters.dms.rejects import JsonlRejectFile
    from fours_adapters.dms.star import StarFeed
    from fours_domain.dms.ports import Document
    from fours_domain.dms.records import RecordKind
    from fours_domain.dms.services import ImportDocument, import_document
    from fours_domain.shared.ids import SequentialIdSource
    from fours_domain.shared.time import FixedClock

    kind = RecordKind.VEHICLE_INVENTORY
    applier = bound_appliers(BindingContext("star", {"FAW-0101": "SH-AUDI-01"})).get(kind)
    db = tmp / "star_bench.db"
    db.unlink(missing_ok=True)
    app = bootstrap(
        f"sqlite:///{db}",
        clock=FixedClock(pendulum.datetime(2026, 11, 25, tz="UTC")),
        ids=SequentialIdSource("bench"),
    )
    app.upgrade_schema()
    if applier is not None:
        _open_store(app)
    with (tmp / "rejects.jsonl").open("w", encoding="utf-8") as rejects:
        start = time.perf_counter()
        result = import_document(
            app.uow(),
            StarFeed(None),
            applier,
            ImportDocument(
                Document(path.name, lambda: path.open("rb")), kind, check_only=applier is None
            ),
            clock=app.clock,
            ids=app.ids,
            rejects=JsonlRejectFile(rejects),
        )
        elapsed = time.perf_counter() - start
    summary = result.unwrap()
    assert summary.valid == CARS, summary
    app.close()
    return elapsed, applier is not None


def _open_store(app: Any) -> None:
    from fours_domain.org import services as org

    org.create_group(app.uow(), org.CreateGroup("BENCH", "Bench group")).unwrap()
    org.add_region(app.uow(), org.AddRegion("EAST", "East")).unwrap()
    org.add_brand(app.uow(), org.AddBrand("AUDI", "Audi", "FAW-VW")).unwrap()
    org.open_store(
        app.uow(), org.OpenStore("SH-AUDI-01", "SH", "EAST", "Asia/Shanghai", ("AUDI",)), app.clock
    ).unwrap()


def run() -> Iterator[Measurement]:
    path = document_path()
    base = iterparse_only(path)
    ours, applied = fours_import(path, DATA)
    yield Measurement(
        "star_vehicle_inventory",
        CARS / ours,
        "cars/s",
        CARS / base,
        n=CARS,
        peak_rss_mb=peak_rss_mb(),
        extra={"applied": applied, "document_mb": round(path.stat().st_size / 1e6, 1)},
    )
