"""Generated feed documents of any size, streamed in chunks: for tests, the
conformance kit, benchmarks and the demo. Deterministic (no randomness)."""

from __future__ import annotations

from collections.abc import Iterator

import pendulum
from lxml import etree

from fours_adapters.dms.star.common import OAGIS_NS, RELEASE_ID, STAR_NS
from fours_adapters.dms.star.outbound import application_area, vehicle_line_item
from fours_domain.dms.ports import Envelope
from fours_domain.dms.records import ManufacturerVehicleState, VehicleInventoryRecord
from fours_domain.shared.catalogue import VehicleSpec
from fours_domain.shared.identifiers import Vin, vin_check_digit
from fours_domain.shared.money import VAT_13, cny

MODELS = (("A6L", "45TFSI", "A2A2"), ("Q5L", "40TFSI", "2T2T"), ("A4L", "35TFSI", "0E0E"))


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
    area = etree.tostring(application_area(envelope))
    yield (
        b'<?xml version="1.0" encoding="utf-8"?>\n'
        + f'<ShowVehicleInventory xmlns="{STAR_NS}" xmlns:oa="{OAGIS_NS}" '
        f'releaseID="{RELEASE_ID}">'.encode()
        + area
        + b"<ShowVehicleInventoryDataArea><Show/><VehicleInventory><VehicleInventoryHeader>"
        + f"<DocumentIdentificationGroup><DocumentIdentification><DocumentID>{bodid}"
        "</DocumentID></DocumentIdentification></DocumentIdentificationGroup>".encode()
        + b"</VehicleInventoryHeader>\n"
    )
    chunk: list[bytes] = []
    for serial in range(1, count + 1):
        chunk.append(etree.tostring(vehicle_line_item(vehicle_record(serial, dealer))) + b"\n")
        if len(chunk) == 1000:
            yield b"".join(chunk)
            chunk.clear()
    yield b"".join(chunk) + (
        b"</VehicleInventory></ShowVehicleInventoryDataArea></ShowVehicleInventory>\n"
    )


PARTS_HEADER = "part_number,name,brand,retail_price,dealer_price,unit,effective_from\n"


def parts_price_csv(
    count: int, encoding: str = "utf-8", start: int = 1, edition: int = 0
) -> Iterator[bytes]:
    """A generic-layout parts price file of ``count`` rows, 10,000 rows per chunk.

    Parts ``P<start>`` onwards; each later ``edition`` raises every retail price by ¥1."""
    yield PARTS_HEADER.encode(encoding)
    rows: list[str] = []
    for serial in range(start, start + count):
        retail = 50 + serial % 5000 + edition
        rows.append(
            f"P{serial:09d},配件{serial % 997},AUDI,{retail}.50,"
            f"{retail * 8 // 10}.00,个,2026-11-01\n"
        )
        if len(rows) == 10_000:
            yield "".join(rows).encode(encoding)
            rows.clear()
    if rows:
        yield "".join(rows).encode(encoding)
