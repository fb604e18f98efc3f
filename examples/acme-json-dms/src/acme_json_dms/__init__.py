"""Acme Motors' JSON Lines dispatch feed, as a fours DMS adapter (entry point ``acme-json``).

Written only against the public port (:mod:`fours_domain.dms.ports`) and
records (:mod:`fours_domain.dms.records`), as a DMS vendor would.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, BinaryIO

import pendulum

from fours_domain.dms.ports import (
    Document,
    DocumentIdentity,
    DocumentRefused,
    Envelope,
    FeedItem,
    FeedWarning,
    KindNotSupported,
    Located,
    Rejection,
    SourceLocation,
)
from fours_domain.dms.records import (
    ManufacturerVehicleState,
    Record,
    RecordKind,
    VehicleInventoryRecord,
)
from fours_domain.shared.catalogue import VehicleSpec
from fours_domain.shared.errors import DomainError
from fours_domain.shared.identifiers import Vin, VinCheck
from fours_domain.shared.money import cny, has_fen_precision

STATUSES = {
    "ordered": ManufacturerVehicleState.ON_ORDER,
    "allocated": ManufacturerVehicleState.ALLOCATED,
    "shipped": ManufacturerVehicleState.IN_TRANSIT,
    "arrived": ManufacturerVehicleState.RECEIVED,
    "in_preparation": ManufacturerVehicleState.PREPARATION,
    "in_stock": ManufacturerVehicleState.AVAILABLE,
    "reserved": ManufacturerVehicleState.RESERVED,
    "pre_sold": ManufacturerVehicleState.PRE_SOLD,
    "on_hold": ManufacturerVehicleState.ON_HOLD,
    "sold": ManufacturerVehicleState.SOLD,
    "damaged": ManufacturerVehicleState.DAMAGED,
    "returned": ManufacturerVehicleState.RETURNED,
}
"""Acme's status words: one for every state fours knows, so whatever fours writes
(e.g. its own stock, with reserved cars) Acme's reader reads back."""
STATUS_NAMES = {state: name for name, state in STATUSES.items()}
assert len(STATUS_NAMES) == len(ManufacturerVehicleState)
KIND = RecordKind.VEHICLE_INVENTORY


class _Bad(Exception):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


def _date(obj: Mapping[str, Any], field: str) -> pendulum.Date | None:
    raw = obj.get(field)
    if raw in (None, ""):
        return None
    try:
        parsed = pendulum.parse(str(raw), exact=True)
    except (ValueError, pendulum.parsing.exceptions.ParserError):
        raise _Bad(field, f"{field} {raw!r} is not a date") from None
    if not isinstance(parsed, pendulum.Date) or isinstance(parsed, pendulum.DateTime):
        raise _Bad(field, f"{field} {raw!r} is not a date")
    return parsed


def _vehicle(
    obj: Mapping[str, Any], dealer: str | None
) -> tuple[VehicleInventoryRecord, list[str]]:
    vin_result = Vin.parse(str(obj.get("vin", "")), VinCheck.LENIENT)
    vin = vin_result.value_or(None)
    if vin is None:
        raise _Bad("vin", vin_result.failure().message)
    status = str(obj.get("status", ""))
    state = STATUSES.get(status)
    if state is None:
        raise _Bad("status", f"unknown status {status!r}; known: {', '.join(STATUSES)}")
    price = None
    if obj.get("invoice_price") not in (None, ""):
        try:
            amount = Decimal(str(obj["invoice_price"]))
        except InvalidOperation:
            raise _Bad("invoice_price", f"{obj['invoice_price']!r} is not an amount") from None
        if not amount.is_finite() or amount < 0 or not has_fen_precision(amount):
            raise _Bad("invoice_price", f"{amount} is not a non-negative amount in fen")
        price = cny(amount)
    try:
        spec = VehicleSpec(
            brand="ACME",
            model=str(obj.get("model", "")),
            trim=obj.get("trim"),
            colour=obj.get("colour"),
        )
        record = VehicleInventoryRecord(
            vin=vin,
            spec=spec,
            state=state,
            manufacturer_state=status,
            dealer_code=dealer,
            eta=_date(obj, "eta"),
            invoice_price=price,
        )
    except DomainError as error:
        field = error.details.get("field")
        raise _Bad(field if isinstance(field, str) else "model", error.message) from None
    return record, list(vin.warnings)


class AcmeJsonFeed:
    """Reads and writes Acme's JSON Lines dispatch notices (vehicle inventory only)."""

    name = "acme-json"

    def reads(self) -> frozenset[RecordKind]:
        return frozenset({KIND})

    def writes(self) -> frozenset[RecordKind]:
        return frozenset({KIND})

    def _lines(self, document: Document) -> Iterator[tuple[int, dict[str, Any]]]:
        with document.open() as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8", errors="strict")
            number = 0
            try:
                for number, line in enumerate(text, start=1):
                    if not line.strip():
                        continue
                    try:
                        obj = json.loads(line)
                    except json.JSONDecodeError as exc:
                        raise DocumentRefused(
                            document.name, f"line {number}: not JSON ({exc.msg})", line=number
                        ) from None
                    if not isinstance(obj, dict):
                        raise DocumentRefused(
                            document.name, f"line {number}: not a JSON object", line=number
                        )
                    yield number, obj
            except UnicodeDecodeError as exc:
                raise DocumentRefused(
                    document.name, f"after line {number}: not UTF-8 ({exc.reason})"
                ) from None

    def _header(self, document: Document) -> dict[str, Any]:
        for number, obj in self._lines(document):
            if obj.get("type") != "header" or not obj.get("document_id"):
                raise DocumentRefused(
                    document.name, f"line {number}: the first object must be the header"
                )
            return obj
        raise DocumentRefused(document.name, "empty document: no header")

    def identify(self, document: Document, kind: RecordKind) -> DocumentIdentity:
        if kind is not KIND:
            raise KindNotSupported(self.name, kind, self.reads())
        header = self._header(document)
        digest = hashlib.sha256()
        with document.open() as raw:
            while chunk := raw.read(1 << 20):
                digest.update(chunk)
        return DocumentIdentity(f"acme:{header['document_id']}", digest.hexdigest())

    def read(
        self, document: Document, kind: RecordKind, *, strict: bool = False
    ) -> Iterator[FeedItem]:
        if kind is not KIND:
            raise KindNotSupported(self.name, kind, self.reads())
        dealer: str | None = None
        seen_header = False
        for number, obj in self._lines(document):
            where = SourceLocation(document.name, number)
            if not seen_header:
                if obj.get("type") != "header":
                    raise DocumentRefused(
                        document.name, f"line {number}: the first object must be the header"
                    )
                seen_header = True
                dealer = obj.get("dealer")
                continue
            if obj.get("type") != "vehicle":
                if strict:
                    raise DocumentRefused(document.name, f"line {number}: unknown object type")
                yield FeedWarning(where, f"unknown object type {obj.get('type')!r}: skipped")
                continue
            try:
                record, warnings = _vehicle(obj, dealer)
            except _Bad as bad:
                yield Rejection(
                    SourceLocation(document.name, number, field=bad.field),
                    bad.reason,
                    raw=json.dumps(obj, ensure_ascii=False),
                )
                continue
            for message in warnings:
                yield FeedWarning(SourceLocation(document.name, number, field="vin"), message)
            yield Located(record, where, json.dumps(obj, ensure_ascii=False))
        if not seen_header:
            raise DocumentRefused(document.name, "empty document: no header")

    def write(
        self, kind: RecordKind, records: Iterable[Record], sink: BinaryIO, envelope: Envelope
    ) -> int:
        if kind is not KIND:
            raise KindNotSupported(self.name, kind, self.writes())
        header = {"type": "header", "document_id": envelope.document_id}
        if envelope.dealer_code:
            header["dealer"] = envelope.dealer_code
        sink.write((json.dumps(header) + "\n").encode())
        count = 0
        for record in records:
            if not isinstance(record, VehicleInventoryRecord):
                continue
            obj: dict[str, Any] = {
                "type": "vehicle",
                "vin": record.vin.value,
                "model": record.spec.model,
                "status": STATUS_NAMES[record.state],
            }
            if record.spec.trim:
                obj["trim"] = record.spec.trim
            if record.spec.colour:
                obj["colour"] = record.spec.colour
            if record.eta:
                obj["eta"] = record.eta.isoformat()
            if record.invoice_price is not None:
                obj["invoice_price"] = f"{record.invoice_price.amount:.2f}"
            sink.write((json.dumps(obj, ensure_ascii=False) + "\n").encode())
            count += 1
        return count


def factory(options: Mapping[str, str]) -> AcmeJsonFeed:
    """The ``fours.dms`` entry point: Acme's feed takes no options."""
    return AcmeJsonFeed()
