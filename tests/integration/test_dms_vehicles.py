"""STAR dispatch notices into the vehicles context, on SQLite and PostgreSQL."""

from __future__ import annotations

import io

import attrs
import pytest
from sqlalchemy import select

from fours_adapters.bootstrap import FoursApp
from fours_adapters.dms.binding import BindingContext, bound_appliers
from fours_adapters.dms.generate import star_vehicle_inventory, vehicle_record
from fours_adapters.dms.star import StarFeed
from fours_adapters.dms.star.outbound import write_show_vehicle_inventory
from fours_adapters.sql.vehicles import tables as vt
from fours_adapters.sql.vehicles.repository import SqlVehicleRepository
from fours_domain.dms.ports import (
    Document,
    DocumentRefused,
    Envelope,
    FeedWarning,
    ImportStatus,
    Rejection,
)
from fours_domain.dms.records import ManufacturerVehicleState, RecordKind
from fours_domain.dms.services import ImportDocument, ImportSummary, import_document
from fours_domain.org import services as org
from fours_domain.shared.errors import DomainError
from fours_domain.vehicles.lifecycle import VehicleState

VI = RecordKind.VEHICLE_INVENTORY


class Rejects:
    def __init__(self) -> None:
        self.rejections: list[Rejection] = []
        self.warnings: list[FeedWarning] = []

    def reject(self, rejection: Rejection) -> None:
        self.rejections.append(rejection)

    def warn(self, warning: FeedWarning) -> None:
        self.warnings.append(warning)


@pytest.fixture
def group(app: FoursApp) -> FoursApp:
    org.create_group(app.uow(), org.CreateGroup("ACME", "Acme")).unwrap()
    org.add_region(app.uow(), org.AddRegion("EAST", "East")).unwrap()
    org.add_brand(app.uow(), org.AddBrand("AUDI", "Audi", "FAW-VW")).unwrap()
    org.add_brand(app.uow(), org.AddBrand("BYD", "BYD", "BYD")).unwrap()
    org.open_store(
        app.uow(), org.OpenStore("SH-AUDI-01", "SH", "EAST", "Asia/Shanghai", ("AUDI",)), app.clock
    ).unwrap()
    org.open_store(
        app.uow(), org.OpenStore("HZ-BYD-01", "HZ", "EAST", "Asia/Shanghai", ("BYD",)), app.clock
    ).unwrap()
    return app


def run(
    app: FoursApp, data: bytes, dealers: dict[str, str], rejects: Rejects | None = None
) -> ImportSummary | DomainError:
    applier = bound_appliers(BindingContext("star", dealers))[VI]
    result = import_document(
        app.uow(),
        StarFeed(None),
        applier,
        ImportDocument(Document("notice.xml", lambda: io.BytesIO(data)), VI, batch_size=4),
        clock=app.clock,
        ids=app.ids,
        rejects=rejects or Rejects(),
    )
    return result.value_or(None) or result.failure()


def states(app: FoursApp, count: int) -> list[VehicleState]:
    with app.uow() as uow:
        cars = [uow.vehicles.get(vehicle_record(i).vin) for i in range(1, count + 1)]
        return [car.state if car else VehicleState.RETURNED for car in cars]


def test_a_dispatch_notice_creates_cars_in_transit_once(group: FoursApp) -> None:
    data = b"".join(star_vehicle_inventory(10, bodid="N-1"))
    first = run(group, data, {"FAW-0101": "SH-AUDI-01"})
    assert isinstance(first, ImportSummary)
    assert (first.status, first.created) == (ImportStatus.APPLIED, 10)
    with group.uow() as uow:
        car = uow.vehicles.get(vehicle_record(3).vin)
        assert car is not None
        assert (car.state, car.store_id) == (VehicleState.IN_TRANSIT, "SH-AUDI-01")
        assert car.manufacturer_data.eta == vehicle_record(3).eta
        assert car.manufacturer_data.invoice_price == vehicle_record(3).invoice_price
    again = run(group, data, {"FAW-0101": "SH-AUDI-01"})
    assert isinstance(again, ImportSummary) and again.status is ImportStatus.DUPLICATE
    resent = run(group, data.replace(b"N-1", b"N-2"), {"FAW-0101": "SH-AUDI-01"})
    assert isinstance(resent, ImportSummary)
    assert (resent.created, resent.updated, resent.unchanged) == (0, 0, 10)


def test_arrival_notice_moves_cars_and_refusals_are_located(group: FoursApp) -> None:
    run(group, b"".join(star_vehicle_inventory(3, bodid="N-1")), {"FAW-0101": "SH-AUDI-01"})
    arrived = [
        attrs.evolve(
            vehicle_record(i),
            state=ManufacturerVehicleState.RECEIVED,
            manufacturer_state="RECEIVED",
        )
        for i in (1, 2)
    ]
    sink = io.BytesIO()
    envelope = Envelope("N-3", group.clock.now(), dealer_code="FAW-0101")
    write_show_vehicle_inventory([*arrived, vehicle_record(4)], sink, envelope)
    summary = run(group, sink.getvalue(), {"FAW-0101": "SH-AUDI-01"})
    assert isinstance(summary, ImportSummary)
    assert (summary.updated, summary.created) == (2, 1)
    assert states(group, 4) == [
        VehicleState.ARRIVED,
        VehicleState.ARRIVED,
        VehicleState.IN_TRANSIT,
        VehicleState.IN_TRANSIT,
    ]
    rejects = Rejects()
    unmapped = run(
        group, b"".join(star_vehicle_inventory(2, bodid="N-4", dealer="X-9")), {}, rejects
    )
    assert isinstance(unmapped, ImportSummary) and unmapped.rejected == 2
    assert rejects.rejections[-1].location.field == "/ApplicationArea//DealerNumberID"
    assert "not mapped to a store" in rejects.rejections[-1].reason
    wrong_store = b"".join(star_vehicle_inventory(6, bodid="N-5", dealer="BYD-1"))
    refused = run(group, wrong_store, {"BYD-1": "HZ-BYD-01"}, rejects)
    assert isinstance(refused, ImportSummary)
    assert (refused.rejected, refused.unchanged) == (2, 4)  # cars 5, 6 are new: BYD store
    # cars 1-4 are held by SH-AUDI-01; cars 1 and 2 have arrived, the feed says in transit
    assert refused.warnings == 6
    assert [(w.location.field, w.message) for w in rejects.warnings[:3]] == [
        ("VehicleStatusCode", "manufacturer says IN_TRANSIT, the dealer has ARRIVED: state kept"),
        (
            "/ApplicationArea//DealerNumberID",
            "feed names store HZ-BYD-01, the car is held by SH-AUDI-01",
        ),
        ("VehicleStatusCode", "manufacturer says IN_TRANSIT, the dealer has ARRIVED: state kept"),
    ]
    last = rejects.rejections[-1]
    assert last.reason == "store HZ-BYD-01 does not sell AUDI"
    assert last.location.field == "Vehicle/MakeString"
    assert last.location.path is not None
    assert last.location.path.endswith("Invoice[6]/VehicleInventoryVehicleLineItem[1]")


def test_a_document_refused_midway_creates_no_car(group: FoursApp) -> None:
    data = b"".join(star_vehicle_inventory(12, bodid="N-9"))
    outcome = run(group, data[: len(data) * 3 // 4], {"FAW-0101": "SH-AUDI-01"})
    assert isinstance(outcome, DocumentRefused)
    with group.uow() as uow:
        assert uow.vehicles.get(vehicle_record(1).vin) is None
        assert uow.dms_imports.recent() == []
    rerun = run(group, data, {"FAW-0101": "SH-AUDI-01"})
    assert isinstance(rerun, ImportSummary) and rerun.created == 12


def test_events_are_published_only_when_the_document_commits(group: FoursApp) -> None:
    published: list[object] = []
    group.handlers.append(published.append)
    data = b"".join(star_vehicle_inventory(5, bodid="N-E"))
    refused = run(group, data[: len(data) - 200], {"FAW-0101": "SH-AUDI-01"})
    assert isinstance(refused, DocumentRefused)
    assert published == []
    summary = run(group, data, {"FAW-0101": "SH-AUDI-01"})
    assert isinstance(summary, ImportSummary) and summary.created == 5
    assert len(published) >= 5


DEALERS = {"FAW-0101": "SH-AUDI-01"}


def _three_in_transit(group: FoursApp) -> list[object]:
    """Cars 1-3 in transit; the events published from now on."""
    run(group, b"".join(star_vehicle_inventory(3, bodid="N-1")), DEALERS)
    published: list[object] = []
    group.handlers.append(published.append)
    return published


def test_a_batch_that_loses_a_race_is_redone_car_by_car(
    group: FoursApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    published = _three_in_transit(group)
    # The batch's read misses cars 1-3, as if another import had just created them: its
    # multi-row insert meets the unique VIN, and the batch is redone car by car.
    monkeypatch.setattr(SqlVehicleRepository, "stored", lambda self, vins: {})
    summary = run(group, b"".join(star_vehicle_inventory(5, bodid="N-2")), DEALERS)
    assert isinstance(summary, ImportSummary)
    assert (summary.created, summary.unchanged, summary.rejected) == (2, 3, 0)
    assert states(group, 5) == [VehicleState.IN_TRANSIT] * 5
    assert len(published) == 2  # cars 4 and 5, once each
    with group.uow() as uow:
        car = uow.vehicles.get(vehicle_record(1).vin)
        assert car is not None and len(car.history) == 1


def test_a_notice_resent_under_a_new_bodid_writes_nothing(group: FoursApp) -> None:
    dealers = {"FAW-0101": "SH-AUDI-01"}
    run(group, b"".join(star_vehicle_inventory(6, bodid="N-1")), dealers)

    def rows() -> list[tuple[object, ...]]:
        with group.uow() as uow:
            return [tuple(r) for r in uow.session.execute(select(vt.vehicles).order_by("vin"))]

    before = rows()
    resent = run(group, b"".join(star_vehicle_inventory(6, bodid="N-2")), dealers)
    assert isinstance(resent, ImportSummary) and resent.unchanged == 6
    assert rows() == before  # not even the version moved


def test_a_redone_batch_publishes_each_change_once(
    group: FoursApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    published = _three_in_transit(group)
    real = SqlVehicleRepository.stored
    hidden = vehicle_record(3).vin.value

    def stored_but_car_3(self: SqlVehicleRepository, vins: object) -> object:
        return {v: car for v, car in real(self, vins).items() if v != hidden}  # type: ignore[arg-type]

    monkeypatch.setattr(SqlVehicleRepository, "stored", stored_but_car_3)
    arrived = [
        attrs.evolve(
            vehicle_record(i),
            state=ManufacturerVehicleState.RECEIVED,
            manufacturer_state="RECEIVED",
        )
        for i in (1, 2, 3)
    ]
    sink = io.BytesIO()
    write_show_vehicle_inventory(
        arrived, sink, Envelope("N-2", group.clock.now(), dealer_code="FAW-0101")
    )
    summary = run(group, sink.getvalue(), DEALERS)
    assert isinstance(summary, ImportSummary) and summary.updated == 3
    assert states(group, 3) == [VehicleState.ARRIVED] * 3
    assert sorted(e.vin for e in published) == sorted(  # type: ignore[attr-defined]
        vehicle_record(i).vin.value for i in (1, 2, 3)
    )
