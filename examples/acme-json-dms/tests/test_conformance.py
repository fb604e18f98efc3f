"""Acme's adapter against the fours DMS conformance kit (as a vendor would run it)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest
from acme_json_dms import AcmeJsonFeed

from fours_adapters.dms.generate import vin_for
from fours_adapters.dms.testing import CHECKS, ConformanceCase
from fours_domain.dms.records import RecordKind


def _notice(count: int, bad_row: int | None = None) -> Iterator[bytes]:
    yield (
        json.dumps({"type": "header", "document_id": "ACME-1", "dealer": "ACME-SH-01"}) + "\n"
    ).encode()
    lines = []
    for serial in range(1, count + 1):
        vehicle = {
            "type": "vehicle",
            "vin": "NOT-A-VIN" if serial == bad_row else vin_for(serial, "LACME1RD").value,
            "model": "ROADSTER",
            "trim": "GT",
            "colour": "RED",
            "status": "shipped",
            "eta": "2026-12-01",
            "invoice_price": "259000.00",
        }
        lines.append(json.dumps(vehicle) + "\n")
        if len(lines) == 1000:
            yield "".join(lines).encode()
            lines.clear()
    yield "".join(lines).encode()


def case() -> ConformanceCase:
    feed = AcmeJsonFeed()
    return ConformanceCase(
        feed=feed,
        writer=feed,
        kind=RecordKind.VEHICLE_INVENTORY,
        sample=b"".join(_notice(3)),
        bad_sample=b"".join(_notice(3, bad_row=2)),
        make_large=_notice,
        large_records=50_000,
    )


@pytest.mark.parametrize("check", CHECKS, ids=lambda check: check.__name__)
def test_acme_adapter_conforms(check: Callable[[ConformanceCase], None]) -> None:
    check(case())
