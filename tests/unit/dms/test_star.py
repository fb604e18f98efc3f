"""STAR Rev 5.5.4: the official examples, our documents against the XSDs, round trips,
malformed XML."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pendulum
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from fours_adapters.dms.generate import star_vehicle_inventory, vehicle_record
from fours_adapters.dms.star import StarFeed
from fours_adapters.dms.star.common import load_schema
from fours_adapters.dms.star.inbound import read_envelope
from fours_adapters.dms.star.outbound import (
    Acknowledgement,
    write_acknowledgement,
    write_show_vehicle_inventory,
)
from fours_adapters.dms.star.rejects import StarRejectFile
from fours_domain.dms.ports import (
    Document,
    DocumentRefused,
    Envelope,
    FeedItem,
    FeedWarning,
    Located,
    Rejection,
    SourceLocation,
)
from fours_domain.dms.records import (
    ManufacturerVehicleState,
    RecordKind,
    StockPositionRecord,
    VehicleInventoryRecord,
)
from fours_domain.shared.catalogue import VehicleSpec
from fours_domain.shared.money import VAT_13
from fours_domain.testing import strategies as fs

VI = RecordKind.VEHICLE_INVENTORY
ENVELOPE = Envelope("BOD-T-1", pendulum.datetime(2026, 11, 25, 8, tz="UTC"), dealer_code="D-01")
CODES = st.from_regex(r"\A[A-Z0-9][A-Z0-9]{0,7}\Z")


def doc(data: bytes, name: str = "doc.xml") -> Document:
    return Document(name, lambda: io.BytesIO(data))


def example(star_dir: Path, name: str) -> Document:
    path = star_dir / "BODExamples" / name
    return Document(name, lambda: path.open("rb"))


def read(
    feed: StarFeed, document: Document, kind: RecordKind = VI, strict: bool = False
) -> list[FeedItem]:
    return list(feed.read(document, kind, strict=strict))


@st.composite
def vehicle_records(draw: st.DrawFn) -> VehicleInventoryRecord:
    price = draw(fs.cny_amounts(max_value="2000000")) if draw(st.booleans()) else None
    return VehicleInventoryRecord(
        vin=draw(fs.vins()),
        spec=VehicleSpec(
            draw(CODES),
            draw(CODES),
            trim=draw(st.none() | CODES),
            colour=draw(st.none() | CODES),
            interior=draw(st.none() | CODES),
            model_year=draw(st.none() | st.integers(1990, 2030)),
        ),
        state=(state := draw(st.sampled_from(ManufacturerVehicleState))),
        manufacturer_state=state.value,
        dealer_code="D-01",
        order_number=draw(st.none() | CODES),
        ship_date=draw(st.none() | st.dates().map(lambda d: pendulum.Date(d.year, d.month, d.day))),
        eta=draw(st.none() | st.dates().map(lambda d: pendulum.Date(d.year, d.month, d.day))),
        carrier=draw(st.none() | st.sampled_from(["中铁特货", "CARRIER-1"])),
        invoice_number=draw(st.none() | CODES),
        invoice_price=price,
        invoice_tax=VAT_13.split_inclusive(price).vat if price is not None else None,
        options=tuple(draw(st.lists(CODES, max_size=3))),
        colour_name=draw(st.none() | st.sampled_from(["冰川白", "Mythos Black"])),
    )


# ------------------------------------------------------------------ the official examples


def test_official_vehicle_inventory_example_imports_leniently_with_deviations(
    star_dir: Path,
) -> None:
    items = read(StarFeed(star_dir), example(star_dir, "ProcessVehicleInventory.xml"))
    deviations = [
        i for i in items if isinstance(i, FeedWarning) and "schema deviation" in i.message
    ]
    assert len(deviations) == 10
    assert deviations[0].location.line == 49 and "AnyElement" in deviations[0].message
    empty = [i for i in items if isinstance(i, FeedWarning) and "has no" in i.message]
    assert empty[0].location.path == (
        "/ProcessVehicleInventory/ProcessVehicleInventoryDataArea/VehicleInventory[1]/Invoice[1]"
    )
    assert not [i for i in items if isinstance(i, Located | Rejection)]


def test_official_example_is_refused_in_strict_mode_with_its_first_deviation(
    star_dir: Path,
) -> None:
    with pytest.raises(DocumentRefused, match=r"line 49: .*AnyElement.*\(10 deviation"):
        read(StarFeed(star_dir), example(star_dir, "ProcessVehicleInventory.xml"), strict=True)


def test_official_example_bodid_is_the_idempotency_key(star_dir: Path) -> None:
    identity = StarFeed(star_dir).identify(example(star_dir, "ProcessVehicleInventory.xml"), VI)
    assert identity.key == "BODID:string"
    assert len(identity.sha256) == 64


def test_official_parts_inventory_example(star_dir: Path) -> None:
    items = read(
        StarFeed(star_dir),
        example(star_dir, "ProcessPartsInventory.xml"),
        RecordKind.PARTS_INVENTORY,
    )
    [located] = [i for i in items if isinstance(i, Located)]
    assert isinstance(located.record, StockPositionRecord)
    assert located.record.on_hand == 1000
    assert located.record.unit_price is None  # the example's price is in VEB: warned, ignored
    assert any("VEB" in i.message for i in items if isinstance(i, FeedWarning))


def test_official_vehicle_order_example_rejects_its_line_without_an_order_number(
    star_dir: Path,
) -> None:
    items = read(
        StarFeed(star_dir),
        example(star_dir, "ProcessVehicleOrder.xml"),
        RecordKind.VEHICLE_ORDER_STATUS,
    )
    [rejection] = [i for i in items if isinstance(i, Rejection)]
    assert rejection.location.field == "VehicleOrderNumber"
    assert str(rejection.location.path).endswith("VehicleOrder[1]/VehicleOrderVehicleLineItem[1]")
    assert rejection.location.line is not None


def test_a_document_of_another_kind_is_refused(star_dir: Path) -> None:
    with pytest.raises(DocumentRefused, match="is a ProcessPartsInventory document"):
        read(StarFeed(star_dir), example(star_dir, "ProcessPartsInventory.xml"))


# ------------------------------------------------------------------ what we write validates


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(vehicle_records(), min_size=1, max_size=4))
def test_show_vehicle_inventory_validates_and_round_trips(
    star_dir: Path, records: list[VehicleInventoryRecord]
) -> None:
    sink = io.BytesIO()
    assert write_show_vehicle_inventory(records, sink, ENVELOPE) == len(records)
    schema = load_schema(star_dir, "ShowVehicleInventory")
    assert schema.validate(etree.fromstring(sink.getvalue()).getroottree()), schema.error_log
    items = read(StarFeed(star_dir), doc(sink.getvalue()), strict=True)
    assert [i.record for i in items if isinstance(i, Located)] == records


def _acknowledge(
    document: Document, kind: RecordKind, applied: int, rejections: list[Rejection]
) -> etree._Element:
    with document.open() as stream:
        root, original = read_envelope(stream, document.name)
    sink = io.BytesIO()
    answer = Acknowledgement(kind, original, root, applied, len(rejections), rejections[:2])
    write_acknowledgement(sink, ENVELOPE, answer)
    return etree.fromstring(sink.getvalue())


@pytest.mark.parametrize(
    ("applied", "rejected", "action"),
    [(4, 0, "Accepted"), (2, 3, "Modified"), (0, 3, "Rejected")],
)
def test_an_acknowledgement_quotes_the_original_envelope_and_each_rejection(
    star_dir: Path, applied: int, rejected: int, action: str
) -> None:
    notice = doc(b"".join(star_vehicle_inventory(4, bodid="FAW-N-7", dealer="FAW-0101")))
    rejections = [
        Rejection(
            SourceLocation(
                "doc.xml",
                3 + i,
                f"/P/PDataArea/VehicleInventory[1]/Invoice[{i + 1}]/"
                "VehicleInventoryVehicleLineItem[1]",
                "VehicleID",
            ),
            f"reason {i}",
            key=f"VIN{i}",
        )
        for i in range(rejected)
    ]
    ack = _acknowledge(notice, VI, applied, rejections)
    schema = load_schema(star_dir, "AcknowledgeVehicleInventory")
    assert schema.validate(ack.getroottree()), schema.error_log
    ns = {
        "s": "http://www.starstandard.org/STAR/5",
        "oa": "http://www.openapplications.org/oagis/9",
    }
    original = ack.find(".//s:OriginalApplicationArea", ns)
    assert original is not None
    assert original.findtext("s:BODID", namespaces=ns) == "FAW-N-7"
    assert original.findtext("s:CreationDateTime", namespaces=ns) == "2026-11-25T00:00:00Z"
    assert original.findtext("s:Sender/s:DealerNumberID", namespaces=ns) == "FAW-0101"
    expressions = ack.findall(".//oa:ResponseCriteria/oa:ResponseExpression", ns)
    assert expressions[0].get("actionCode") == action
    assert expressions[0].text == "/ShowVehicleInventory"
    per_item = expressions[1:]
    assert [e.get("actionCode") for e in per_item] == ["Rejected"] * len(per_item)
    assert [e.text for e in per_item[:2]] == [r.location.path for r in rejections[:2]]
    reasons = [r.text for r in ack.findall(".//oa:ChangeStatus/oa:Reason", ns)]
    if rejected:
        assert reasons[0] == "reason 0 (VIN0) at line 3"
        assert reasons[-1] == "… and 1 more rejected line items (reject file)"
    else:
        assert reasons == []


def test_the_official_examples_are_acknowledged_validly(star_dir: Path) -> None:
    for name, kind, bod in (
        ("ProcessVehicleInventory.xml", VI, "AcknowledgeVehicleInventory"),
        ("ProcessPartsInventory.xml", RecordKind.PARTS_INVENTORY, "AcknowledgePartsInventory"),
    ):
        ack = _acknowledge(example(star_dir, name), kind, 1, [])
        schema = load_schema(star_dir, bod)
        assert schema.validate(ack.getroottree()), (name, schema.error_log)


def test_a_reject_document_holds_the_rejected_cars_under_a_derived_bodid(star_dir: Path) -> None:
    data = _with_vehicle(**{"<VehicleStatusCode>IN_TRANSIT": "<VehicleStatusCode>TELEPORTED"})
    data = data.replace(b"BOD-GEN-1", b"FAW-N-9")
    feed = StarFeed(star_dir)
    document = doc(data)
    out = io.BytesIO()
    writer = feed.reject_writer(document, out)
    assert isinstance(writer, StarRejectFile)
    for item in read(feed, document):
        if isinstance(item, Rejection):
            writer.reject(item)
    writer.close()
    rejects = out.getvalue()
    assert b"FAW-N-9-R1" in rejects and b"rejected: unknown vehicle status code" in rejects
    again = read(feed, doc(rejects, "rejects.xml"), strict=True)
    assert [type(i).__name__ for i in again] == ["Rejection"]
    fixed = rejects.replace(b"TELEPORTED", b"IN_TRANSIT")
    [car] = [i.record for i in read(feed, doc(fixed), strict=True) if isinstance(i, Located)]
    assert isinstance(car, VehicleInventoryRecord) and car.key == vehicle_record(1).vin.value
    assert feed.identify(doc(fixed), VI).key == "BODID:FAW-N-9-R1"


def test_generated_documents_validate(star_dir: Path) -> None:
    data = b"".join(star_vehicle_inventory(5))
    schema = load_schema(star_dir, "ShowVehicleInventory")
    assert schema.validate(etree.fromstring(data).getroottree()), schema.error_log


# ------------------------------------------------------------------ field problems


def _with_vehicle(**changes: str) -> bytes:
    data = b"".join(star_vehicle_inventory(2)).decode()
    for old, new in changes.items():
        data = data.replace(old, new, 1)
    return data.encode()


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("<VehicleID>", "<VehicleID>X", "VehicleID"),
        ("<VehicleStatusCode>IN_TRANSIT", "<VehicleStatusCode>TELEPORTED", "VehicleStatusCode"),
        ("<ETADate>2026-11-28", "<ETADate>2026-19-28", "ETADate"),
        ('currencyID="CNY">30', 'currencyID="CNY">-30', "ChargeAmount"),
        ('currencyID="CNY">30', 'currencyID="CNY">99999999999999999999999', "ChargeAmount"),
        ("<CarrierID>", "<CarrierID>" + "承" * 201, "CarrierID"),
        ("<VehicleOrderNumber>", "<VehicleOrderNumber>" + "9" * 201, "VehicleOrderNumber"),
        ("<Model>", "<Model>#", "Vehicle"),
    ],
)
def test_field_problems_reject_one_car_and_name_the_element(old: str, new: str, field: str) -> None:
    items = read(StarFeed(None), doc(_with_vehicle(**{old: new})))
    [rejection] = [i for i in items if isinstance(i, Rejection)]
    assert rejection.location.field == field
    assert str(rejection.location.path).endswith("Invoice[1]/VehicleInventoryVehicleLineItem[1]")
    assert rejection.location.line == 3
    assert len([i for i in items if isinstance(i, Located)]) == 1


def test_strict_mode_without_schemas_is_refused_clearly() -> None:
    with pytest.raises(DocumentRefused, match="FOURS_STAR_DIR"):
        read(StarFeed(None), doc(b"".join(star_vehicle_inventory(1))), strict=True)


def test_entities_are_not_expanded(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    data = b"".join(star_vehicle_inventory(1)).decode()
    data = data.replace(
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<?xml version="1.0" encoding="utf-8"?><!DOCTYPE x [<!ENTITY s SYSTEM "file://{secret}">]>',
    ).replace("<Model>A6L", "<Model>&s;A6L")
    try:
        items = read(StarFeed(None), doc(data.encode()))
    except DocumentRefused:
        return
    assert not any("TOP-SECRET" in repr(i) for i in items)


# ------------------------------------------------------------------ malformed XML


@settings(max_examples=60)
@given(st.data())
def test_truncated_or_corrupted_xml_gives_only_clean_outcomes(data: st.DataObject) -> None:
    good = b"".join(star_vehicle_inventory(3))
    cut = data.draw(st.integers(0, len(good)))
    noise = data.draw(st.binary(max_size=20))
    corrupted = good[:cut] + noise + good[cut + len(noise) // 2 :]
    feed = StarFeed(None)
    try:
        feed.identify(doc(corrupted), VI)
        items = read(feed, doc(corrupted))
    except DocumentRefused as refused:
        items = []
        message = refused.message
    else:
        message = "doc.xml: "
    assert message.startswith("doc.xml: ")
    assert all(isinstance(i, Located | Rejection | FeedWarning) for i in items)


@settings(max_examples=60)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_are_refused_not_crashed(data: bytes) -> None:
    try:
        items = read(StarFeed(None), doc(data))
    except DocumentRefused:
        return
    assert all(isinstance(i, Located | Rejection | FeedWarning) for i in items)


def test_reading_streams_a_large_document_in_order() -> None:
    count = 3000
    path_items: Iterator[FeedItem] = StarFeed(None).read(
        Document("big.xml", lambda: io.BytesIO(b"".join(star_vehicle_inventory(count)))), VI
    )
    records = [i.record for i in path_items if isinstance(i, Located)]
    assert records == [vehicle_record(n) for n in range(1, count + 1)]


def test_a_rejected_parts_line_names_its_part_when_it_has_one() -> None:
    from fours_adapters.dms.generate import star_parts_inventory

    data = b"".join(star_parts_inventory(3))
    data = data.replace(b"<QuantityOnHand>2<", b"<QuantityOnHand>-2<", 1)
    data = data.replace(b"<ItemID>P000000003</ItemID>", b"", 1)
    items = read(StarFeed(None), doc(data), RecordKind.PARTS_INVENTORY)
    rejected = [(i.location.field, i.key) for i in items if isinstance(i, Rejection)]
    assert rejected == [("QuantityOnHand", "P000000002"), ("ItemID", None)]
