"""STAR vehicle documents: allocation numbers (``DealerAssignedNumberString``), the
invoice's data, and record fields named in STAR's terms (ADR 0069)."""

from __future__ import annotations

import io
from pathlib import Path

import attrs
import pendulum
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from fours_adapters.dms.generate import vehicle_record
from fours_adapters.dms.star import StarFeed, inbound
from fours_adapters.dms.star.common import OAGIS_NS, STAR_NS, load_schema
from fours_adapters.dms.star.outbound import write_show_vehicle_inventory
from fours_domain.dms.ports import (
    Document,
    Envelope,
    FeedItem,
    FeedWarning,
    Located,
    NamesFields,
    Rejection,
)
from fours_domain.dms.records import RecordKind, VehicleInventoryRecord, VehicleOrderStatusRecord

VI = RecordKind.VEHICLE_INVENTORY
ENVELOPE = Envelope("BOD-A-1", pendulum.datetime(2026, 11, 25, 8, tz="UTC"), dealer_code="D-01")
ALLOCATIONS = st.from_regex(r"\A[A-Z0-9][A-Z0-9\-]{0,11}\Z")


def read(data: bytes, kind: RecordKind = VI) -> list[FeedItem]:
    return list(StarFeed(None).read(Document("doc.xml", lambda: io.BytesIO(data)), kind))


def invoice(cars: list[VehicleInventoryRecord], allocation: str | None) -> bytes:
    """A ShowVehicleInventory with one Invoice holding ``cars``, the allocation number
    after them as the schema orders it."""
    sink = io.BytesIO()
    write_show_vehicle_inventory(cars, sink, ENVELOPE)
    root = etree.fromstring(sink.getvalue())
    invoices = root.findall(f".//{{{STAR_NS}}}Invoice")
    first = invoices[0]
    for other in invoices[1:]:
        item = other.find(f"{{{STAR_NS}}}VehicleInventoryVehicleLineItem")
        parent = other.getparent()
        assert item is not None and parent is not None
        first.append(item)
        parent.remove(other)
    for old in first.findall(f"{{{STAR_NS}}}DealerAssignedNumberString"):
        first.remove(old)
    if allocation is not None:
        etree.SubElement(first, f"{{{STAR_NS}}}DealerAssignedNumberString").text = allocation
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def cars(count: int) -> list[VehicleInventoryRecord]:
    return [vehicle_record(serial, dealer="D-01") for serial in range(1, count + 1)]


def test_an_invoices_allocation_number_reaches_each_of_its_cars() -> None:
    items = read(invoice(cars(3), "FP-2026-0042"))
    records = [i.record for i in items if isinstance(i, Located)]
    assert [(r.key, getattr(r, "allocation_number", None)) for r in records] == [
        (c.key, "FP-2026-0042") for c in cars(3)
    ]
    assert not [i for i in items if isinstance(i, FeedWarning | Rejection)]


def test_rejections_of_a_held_invoice_keep_their_place_and_location() -> None:
    data = invoice(cars(3), "FP-1").replace(b"<Model>A4L", b"<Model>#A4L", 1)
    items = read(data)
    assert [type(i).__name__ for i in items] == ["Located", "Rejection", "Located"]
    rejection = items[1]
    assert isinstance(rejection, Rejection)
    assert str(rejection.location.path).endswith("Invoice[1]/VehicleInventoryVehicleLineItem[2]")


def test_an_invoice_beyond_the_hold_goes_out_without_it_and_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(inbound, "HELD_PER_INVOICE", 2)
    items = read(invoice(cars(3), "FP-9") + b"")
    records = [i.record for i in items if isinstance(i, Located)]
    assert len(records) == 3
    assert all(
        r.allocation_number is None for r in records if isinstance(r, VehicleInventoryRecord)
    )
    [warning] = [i for i in items if isinstance(i, FeedWarning)]
    assert warning.location.field == "DealerAssignedNumberString"
    assert "FP-9 not applied: the invoice has 3 vehicles" in warning.message
    assert str(warning.location.path).endswith("Invoice[1]")


def test_one_car_per_invoice_documents_read_their_numbers_back() -> None:
    numbered = [attrs.evolve(c, allocation_number=f"FP-{i}") for i, c in enumerate(cars(3))]
    sink = io.BytesIO()
    write_show_vehicle_inventory(numbered, sink, ENVELOPE)
    assert [i.record for i in read(sink.getvalue()) if isinstance(i, Located)] == numbered


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.none() | ALLOCATIONS, min_size=1, max_size=4))
def test_documents_with_allocation_numbers_validate_and_round_trip(
    star_dir: Path, allocations: list[str | None]
) -> None:
    numbered = [
        attrs.evolve(car, allocation_number=a)
        for car, a in zip(cars(len(allocations)), allocations, strict=True)
    ]
    sink = io.BytesIO()
    write_show_vehicle_inventory(numbered, sink, ENVELOPE)
    schema = load_schema(star_dir, "ShowVehicleInventory")
    assert schema.validate(etree.fromstring(sink.getvalue()).getroottree()), schema.error_log
    items = StarFeed(star_dir).read(Document("d.xml", lambda: io.BytesIO(sink.getvalue())), VI)
    assert [i.record for i in items if isinstance(i, Located)] == numbered


ORDER = f"""<?xml version="1.0" encoding="utf-8"?>
<ProcessVehicleOrder xmlns="{STAR_NS}" xmlns:oa="{OAGIS_NS}" releaseID="5.5.4">
  <ApplicationArea><Sender><DealerNumberID>D-01</DealerNumberID></Sender>
    <CreationDateTime>2026-11-25T08:00:00Z</CreationDateTime><BODID>ORD-1</BODID></ApplicationArea>
  <ProcessVehicleOrderDataArea><Process/>
    <VehicleOrder>
      <VehicleOrderHeader>
        <DealerAssignedNumberString>FP-77</DealerAssignedNumberString>
        <PromisedDeliveryDate>2026-12-03</PromisedDeliveryDate>
      </VehicleOrderHeader>
      <VehicleOrderVehicleLineItem>
        <VehicleOrderNumber>PO-0000001</VehicleOrderNumber>
        <VehicleStatusCode>IN_TRANSIT</VehicleStatusCode>
        <Vehicle><VehicleID>{vehicle_record(1).vin}</VehicleID></Vehicle>
      </VehicleOrderVehicleLineItem>
    </VehicleOrder>
  </ProcessVehicleOrderDataArea>
</ProcessVehicleOrder>
"""


def test_an_order_status_reads_the_allocation_number_of_its_header() -> None:
    [located] = read(ORDER.encode(), RecordKind.VEHICLE_ORDER_STATUS)
    assert isinstance(located, Located)
    record = located.record
    assert isinstance(record, VehicleOrderStatusRecord)
    assert (record.allocation_number, record.eta) == ("FP-77", pendulum.Date(2026, 12, 3))


@pytest.mark.parametrize(
    ("kind", "field", "named"),
    [
        (VI, "brand", "Vehicle/MakeString"),
        (VI, "invoice_tax", "Tax/TaxAmount"),
        (VI, "allocation_number", "../DealerAssignedNumberString"),
        (VI, "state", "VehicleStatusCode"),
        (RecordKind.VEHICLE_ORDER_STATUS, "vin", "Vehicle/VehicleID"),
        (VI, "something_else", "something_else"),
    ],
)
def test_record_fields_are_named_in_star_terms(kind: RecordKind, field: str, named: str) -> None:
    feed = StarFeed(None)
    assert isinstance(feed, NamesFields)
    assert feed.field_name(kind, field) == named


def test_an_amount_beyond_decimal_precision_rejects_the_car_not_the_reader() -> None:
    data = invoice(cars(2), None).replace(
        b'currencyID="CNY">301000.00', b'currencyID="CNY">1' + b"0" * 30, 1
    )
    items = read(data)
    [rejection] = [i for i in items if isinstance(i, Rejection)]
    assert rejection.location.field == "ChargeAmount"
    assert rejection.reason.endswith("exceeds the maximum amount 9999999999.99")
    assert len([i for i in items if isinstance(i, Located)]) == 1


def test_a_csv_amount_beyond_decimal_precision_is_refused_by_the_record() -> None:
    from fours_adapters.dms.spreadsheet.feed import parse_money
    from fours_domain.dms.records import PartPriceRecord
    from fours_domain.shared.errors import DomainError

    # Parsed exactly (no Decimal context overflow), then refused by the records' bound.
    amount = parse_money("1" + "0" * 30)  # (exponents like 1E30 are not amounts: ADR 0074)
    with pytest.raises(DomainError, match="exceeds the maximum amount"):
        PartPriceRecord(part_number="A-1", name="Filter", retail_price=amount)
