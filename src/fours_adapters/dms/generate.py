"""Generated feed documents of any size, streamed in chunks: for tests, the
conformance kit, benchmarks and the demo. Deterministic (no randomness)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal

import pendulum
from lxml import etree

from fours_adapters.dms.star.common import OAGIS_NS, RELEASE_ID, STAR_NS
from fours_adapters.dms.star.outbound import application_area, vehicle_line_item
from fours_domain.dms.ports import Envelope
from fours_domain.dms.records import (
    ManufacturerVehicleState,
    PartPriceRecord,
    VehicleInventoryRecord,
    text_widths,
)
from fours_domain.shared.catalogue import VehicleSpec
from fours_domain.shared.identifiers import Vin, vin_check_digit
from fours_domain.shared.money import MAX_AMOUNT, VAT_13, cny

MODELS = (("A6L", "45TFSI", "A2A2"), ("Q5L", "40TFSI", "2T2T"), ("A4L", "35TFSI", "0E0E"))


def _chunks(lines: Iterable[bytes], size: int) -> Iterator[bytes]:
    """``lines`` joined ``size`` at a time (the last chunk may be short or empty)."""
    chunk: list[bytes] = []
    for line in lines:
        chunk.append(line)
        if len(chunk) == size:
            yield b"".join(chunk)
            chunk.clear()
    yield b"".join(chunk)


def _bod_opening(root: str, envelope: Envelope) -> bytes:
    """The XML declaration, the BOD's root start tag and its ``ApplicationArea``."""
    return (
        b'<?xml version="1.0" encoding="utf-8"?>\n'
        + f'<{root} xmlns="{STAR_NS}" xmlns:oa="{OAGIS_NS}" releaseID="{RELEASE_ID}">'.encode()
        + etree.tostring(application_area(envelope))
    )


def _document_identification(document_id: str) -> bytes:
    return (
        f"<DocumentIdentificationGroup><DocumentIdentification><DocumentID>{document_id}"
        "</DocumentID></DocumentIdentification></DocumentIdentificationGroup>"
    ).encode()


def vin_for(serial: int, wmi: str = "LFV3A28K") -> Vin:
    """A valid VIN (correct check digit) for a serial number."""
    raw = f"{wmi}0T3{serial % 1_000_000:06d}"
    return Vin(raw[:8] + vin_check_digit(raw) + raw[9:])


def vehicle_record(serial: int, dealer: str = "FAW-0101") -> VehicleInventoryRecord:
    model, trim, colour = MODELS[serial % len(MODELS)]
    price = cny(300000 + (serial % 50) * 1000)
    return VehicleInventoryRecord(
        vin=vin_for(serial),
        spec=VehicleSpec("AUDI", model, trim, colour, "YO", 2026),
        state=ManufacturerVehicleState.IN_TRANSIT,
        manufacturer_state="IN_TRANSIT",
        dealer_code=dealer,
        order_number=f"PO-{serial:07d}",
        ship_date=pendulum.Date(2026, 11, 20),
        eta=pendulum.Date(2026, 11, 28),
        carrier="中铁特货",
        invoice_number=f"INV-{serial:07d}",
        invoice_price=price,
        invoice_tax=VAT_13.split_inclusive(price).vat,
        options=("PQD", "WA3"),
    )


def star_vehicle_inventory(
    count: int, bodid: str = "BOD-GEN-1", dealer: str = "FAW-0101"
) -> Iterator[bytes]:
    """A ``ShowVehicleInventory`` of ``count`` cars, 1,000 cars per chunk (valid per the XSD)."""
    envelope = Envelope(bodid, pendulum.datetime(2026, 11, 25, tz="UTC"), dealer_code=dealer)
    yield (
        _bod_opening("ShowVehicleInventory", envelope)
        + b"<ShowVehicleInventoryDataArea><Show/><VehicleInventory><VehicleInventoryHeader>"
        + _document_identification(bodid)
        + b"</VehicleInventoryHeader>\n"
    )
    cars = (
        etree.tostring(vehicle_line_item(vehicle_record(serial, dealer))) + b"\n"
        for serial in range(1, count + 1)
    )
    *chunks, last = _chunks(cars, 1000)
    yield from chunks
    yield last + b"</VehicleInventory></ShowVehicleInventoryDataArea></ShowVehicleInventory>\n"


PARTS_HEADER = "part_number,name,brand,retail_price,dealer_price,unit,effective_from\n"


def parts_price_csv(
    count: int, encoding: str = "utf-8", start: int = 1, edition: int = 0
) -> Iterator[bytes]:
    """A generic-layout parts price file of ``count`` rows, 10,000 rows per chunk.

    Parts ``P<start>`` onwards; each later ``edition`` raises every retail price by ¥1."""
    yield PARTS_HEADER.encode(encoding)
    rows = (
        f"P{serial:09d},配件{serial % 997},AUDI,{retail}.50,{retail * 8 // 10}.00,个,2026-11-01\n"
        for serial in range(start, start + count)
        for retail in (50 + serial % 5000 + edition,)
    )
    yield from (chunk for chunk in _chunks((r.encode(encoding) for r in rows), 10_000) if chunk)


def part_price_edges() -> list[bytes]:
    """Generic-layout part price files at the edges of what records accept: the largest
    amount and one fen more, huge numbers, names of the field's width and one character
    more, a huge name (the conformance kit's ``edge_samples``)."""
    name = text_widths(PartPriceRecord)["name"]
    top = f"{MAX_AMOUNT:.2f}"
    over = f"{MAX_AMOUNT + Decimal('0.01'):.2f}"
    rows = [
        f"E-1,{'名' * name},AUDI,{top},{top},个,2026-11-01",
        f"E-2,{'名' * (name + 1)},AUDI,1.00,1.00,个,2026-11-01",
        f"E-3,Filter,AUDI,{over},1.00,个,2026-11-01",
        "E-4,Filter,AUDI,99999999999999999999999.99,1.00,个,2026-11-01",
        f"E-5,{'x' * 3000},AUDI,1.00,1.00,个,2026-11-01",
        f"E-6,Filter,{'B' * (text_widths(PartPriceRecord)['brand'] + 1)},1.00,1.00,个,2026-11-01",
        "E-7,Filter,AUDI,1e30,1.00,个,2026-11-01",
    ]
    return [(PARTS_HEADER + row + "\n").encode("utf-8") for row in rows] + [
        (PARTS_HEADER + "".join(row + "\n" for row in rows)).encode("utf-8")
    ]


def star_parts_inventory(
    count: int, bodid: str = "BOD-PARTS-1", dealer: str = "FAW-0101"
) -> Iterator[bytes]:
    """A ``ProcessPartsInventory`` of ``count`` lines (valid per the XSD), 1,000 per chunk:
    part number, name, class and maker, on hand / reserved / on order, bin, unit price."""
    envelope = Envelope(bodid, pendulum.datetime(2026, 11, 30, tz="UTC"), dealer_code=dealer)
    yield (
        _bod_opening("ProcessPartsInventory", envelope)
        + b'<ProcessPartsInventoryDataArea><Process acknowledgeCode="OnError"/><PartsInventory>'
        + b"<PartsInventoryHeader><DocumentDateTime>2026-11-30T18:00:00</DocumentDateTime>"
        + _document_identification(bodid)
        + b"<InventoryTypeCode>Full</InventoryTypeCode></PartsInventoryHeader>\n"
    )
    lines = (
        (
            f"<PartsInventoryLine><QuantityOnHand>{serial % 40}</QuantityOnHand>"
            f"<PartClassCode>REPAIR</PartClassCode><QuantityOnOrder>{serial % 3}"
            f"</QuantityOnOrder><BinLocation>B-{serial % 50:02d}</BinLocation>"
            f"<QuantityReserved>{serial % 2}</QuantityReserved>"
            f'<UnitPriceAmount currencyID="CNY">{50 + serial % 5000}.00</UnitPriceAmount>'
            f"<PartsProductItem><ItemID>P{serial:09d}</ItemID><PartName>配件{serial % 997}"
            "</PartName><PartManufacturer>FAW-VW</PartManufacturer></PartsProductItem>"
            "</PartsInventoryLine>\n"
        ).encode()
        for serial in range(1, count + 1)
    )
    *chunks, last = _chunks(lines, 1000)
    yield from chunks
    yield last + b"</PartsInventory></ProcessPartsInventoryDataArea></ProcessPartsInventory>\n"


INVENTORY_HEADER = "part_number,name,part_class,on_hand,reserved,bin,unit_price,list_price\n"


def parts_inventory_csv(count: int, encoding: str = "utf-8") -> Iterator[bytes]:
    """A generic-layout parts inventory of ``count`` rows, 10,000 rows per chunk."""
    yield INVENTORY_HEADER.encode(encoding)
    rows = (
        f"P{serial:09d},配件{serial % 997},REPAIR,{serial % 40},{serial % 2},"
        f"B-{serial % 50:02d},{price}.00,{price * 13 // 10}.00\n"
        for serial in range(1, count + 1)
        for price in (50 + serial % 5000,)
    )
    yield from (chunk for chunk in _chunks((r.encode(encoding) for r in rows), 10_000) if chunk)
