"""Streaming STAR readers: ``iterparse`` over the elements we need, cleared as we go.

Memory stays bounded by one line item (plus the document's envelope) — for vehicle
inventories by one ``Invoice`` of at most :data:`HELD_PER_INVOICE` cars, held until
the invoice's allocation number is read — whatever the document's size. Field
problems reject the line item (with its element path, line and field); the document
is refused only when it is not XML, not a STAR document of the expected kind, or
fails ``--strict`` schema validation.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from typing import BinaryIO

import attrs
from lxml import etree

from fours_adapters.dms.star.common import (
    SafeIterparse,
    ValueProblem,
    local,
    parse_amount,
    parse_date,
    parse_decimal,
    text_of,
)
from fours_domain.dms.ports import (
    DocumentRefused,
    FeedItem,
    FeedWarning,
    Located,
    Rejection,
    SourceLocation,
)
from fours_domain.dms.records import (
    ManufacturerVehicleState,
    Record,
    RecordKind,
    StockPositionRecord,
    VehicleInventoryRecord,
    VehicleOrderStatusRecord,
)
from fours_domain.shared.catalogue import VehicleSpec
from fours_domain.shared.errors import DomainError
from fours_domain.shared.identifiers import Vin, VinCheck
from fours_domain.shared.money import Money
from fours_domain.shared.time import Date

#: Root BODs accepted per kind (Show documents carry the same noun, so our own
#: ShowVehicleInventory reads back: the round trip).
ROOTS: dict[RecordKind, tuple[str, ...]] = {
    RecordKind.VEHICLE_INVENTORY: ("ProcessVehicleInventory", "ShowVehicleInventory"),
    RecordKind.PARTS_INVENTORY: ("ProcessPartsInventory", "ShowPartsInventory"),
    RecordKind.VEHICLE_ORDER_STATUS: ("ProcessVehicleOrder", "ShowVehicleOrder"),
}
LINE_ITEMS: dict[RecordKind, str] = {
    RecordKind.VEHICLE_INVENTORY: "VehicleInventoryVehicleLineItem",
    RecordKind.PARTS_INVENTORY: "PartsInventoryLine",
    RecordKind.VEHICLE_ORDER_STATUS: "VehicleOrderVehicleLineItem",
}
_ITEM_PARENTS: dict[RecordKind, tuple[str, ...]] = {
    RecordKind.VEHICLE_INVENTORY: ("Invoice", "VehicleInventoryInvoice"),
    RecordKind.PARTS_INVENTORY: ("PartsInventory",),
    RecordKind.VEHICLE_ORDER_STATUS: ("VehicleOrder",),
}
_CONTAINERS: dict[RecordKind, tuple[str, ...]] = {
    RecordKind.VEHICLE_INVENTORY: ("VehicleInventory", "Invoice", "VehicleInventoryInvoice"),
    RecordKind.PARTS_INVENTORY: ("PartsInventory",),
    RecordKind.VEHICLE_ORDER_STATUS: ("VehicleOrder",),
}


#: Record fields → where the reader takes them from, relative to the line item (``../``:
#: the enclosing Invoice or order; ``/``: the document's ApplicationArea).
FIELD_PATHS: dict[RecordKind, dict[str, str]] = {
    RecordKind.VEHICLE_INVENTORY: {
        "vin": "Vehicle/VehicleID",
        "brand": "Vehicle/MakeString",
        "model": "Vehicle/Model",
        "trim": "Vehicle/TrimCode",
        "colour": "Vehicle/ColorGroup[ColorItemCode='Exterior']/ManufacturerColorCode",
        "colour_name": "Vehicle/ColorGroup[ColorItemCode='Exterior']/ColorName",
        "interior": "Vehicle/ColorGroup[ColorItemCode='Interior']/ManufacturerColorCode",
        "model_year": "Vehicle/ModelYear",
        "state": "VehicleStatusCode",
        "dealer_code": "/ApplicationArea//DealerNumberID",
        "order_number": "VehicleOrderNumber",
        "allocation_number": "../DealerAssignedNumberString",
        "ship_date": "VehicleShipDate",
        "eta": "../ETADate",
        "carrier": "../CarrierID",
        "invoice_number": "../InvoiceNumberString",
        "invoice_price": "Pricing/Price/ChargeAmount",
        "invoice_tax": "Tax/TaxAmount",
        "options": "Option/OptionID",
    },
    RecordKind.VEHICLE_ORDER_STATUS: {
        "vin": "Vehicle/VehicleID",
        "state": "VehicleStatusCode",
        "order_number": "VehicleOrderNumber",
        "dealer_code": "/ApplicationArea//DealerNumberID",
        "allocation_number": "../VehicleOrderHeader/DealerAssignedNumberString",
        "eta": "../VehicleOrderHeader/PromisedDeliveryDate",
    },
}

#: PriceCode values read as the manufacturer's invoice price (the STAR code list
#: has no "Invoice"; feeds use these).
_INVOICE_PRICE_CODES = frozenset({"actual wholesale price", "invoice", "total vehicle cost"})


class _FieldProblem(Exception):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


class Envelope:
    """What the ``ApplicationArea`` says (``area``: a copy of the element, for answers
    that must quote it, like an acknowledgement's ``OriginalApplicationArea``)."""

    def __init__(self) -> None:
        self.bodid: str | None = None
        self.dealer_code: str | None = None
        self.sender_dealer_code: str | None = None
        self.created: str | None = None
        self.sender: str | None = None
        self.area: etree._Element | None = None

    def read(self, area: etree._Element) -> None:
        self.bodid = text_of(area, "{*}BODID")
        self.created = text_of(area, "{*}CreationDateTime")
        self.dealer_code = text_of(area, "{*}Destination/{*}DealerNumberID")
        self.sender_dealer_code = text_of(area, "{*}Sender/{*}DealerNumberID")
        self.sender = text_of(area, "{*}Sender/{*}SenderNameCode") or text_of(
            area, "{*}Sender/{*}CreatorNameCode"
        )
        self.area = copy.deepcopy(area)

    @property
    def dealer(self) -> str | None:
        return self.dealer_code or self.sender_dealer_code


def read_envelope(stream: BinaryIO, name: str) -> tuple[str, Envelope]:
    """The root element's name and the envelope, reading no further than needed."""
    envelope = Envelope()
    root_name: str | None = None
    try:
        for event, elem in SafeIterparse(
            stream, name, events=("start", "end"), remove_comments=True
        ):
            if root_name is None:
                root_name = local(elem.tag)
                continue
            if event == "start" and local(elem.tag).endswith("DataArea"):
                break
            if event == "end" and local(elem.tag) == "ApplicationArea":
                envelope.read(elem)
                break
    except etree.XMLSyntaxError as exc:
        raise DocumentRefused(name, f"not well-formed XML: {exc}", line=exc.lineno) from None
    if root_name is None:
        raise DocumentRefused(name, "empty document: no XML element")
    return root_name, envelope


class PathCounter:
    """Element paths of line items and their containers, counted as the document streams
    (``/ProcessVehicleInventory/ProcessVehicleInventoryDataArea/VehicleInventory[1]/
    Invoice[2]/VehicleInventoryVehicleLineItem[7]``): shared by the reader and the writer
    of reject documents, so both name a line item alike."""

    def __init__(self, kind: RecordKind) -> None:
        self.kind = kind
        self.root: str | None = None
        self.counters: dict[str, int] = {}
        self.items_in_container = 0

    def start(self, tag: str) -> None:
        """A container or line item starts (the root is set by the caller)."""
        line_item = LINE_ITEMS[self.kind]
        if tag in _CONTAINERS[self.kind]:
            self.counters[tag] = self.counters.get(tag, 0) + 1
            if tag in _ITEM_PARENTS[self.kind]:
                self.counters[line_item] = 0
                self.items_in_container = 0
        elif tag == line_item:
            self.counters[line_item] = self.counters.get(line_item, 0) + 1
            self.items_in_container += 1

    def path(self, last: str) -> str:
        parts = [f"/{self.root}/{self.root}DataArea"]
        for name in (*_CONTAINERS[self.kind], LINE_ITEMS[self.kind]):
            if self.counters.get(name):
                parts.append(f"{name}[{self.counters[name]}]")
            if name == last:
                break
        return "/".join(parts)


class StarReader:
    """Reads one kind of STAR document into located records."""

    def __init__(
        self,
        name: str,
        kind: RecordKind,
        state_codes: Mapping[str, ManufacturerVehicleState],
        vin_check: VinCheck = VinCheck.LENIENT,
    ) -> None:
        self.name = name
        self.kind = kind
        self.state_codes = {k.strip().upper(): v for k, v in state_codes.items()}
        self.vin_check = vin_check
        self.envelope = Envelope()

    def read(self, stream: BinaryIO) -> Iterator[FeedItem]:
        line_item = LINE_ITEMS[self.kind]
        containers = _CONTAINERS[self.kind]
        parents = _ITEM_PARENTS[self.kind]
        roots = ROOTS[self.kind]
        wanted = ["ApplicationArea", line_item, *containers, *roots]
        paths = PathCounter(self.kind)
        hold = _InvoiceHold(self.kind)
        context = SafeIterparse(
            stream,
            self.name,
            events=("start", "end"),
            tag=[f"{{*}}{t}" for t in wanted],
            remove_comments=True,
        )
        try:
            for event, elem in context:
                tag = local(elem.tag)
                if event == "start":
                    if paths.root is None:
                        if tag not in roots:
                            found = local(elem.getroottree().getroot().tag)
                            raise DocumentRefused(
                                self.name, _wrong_root(found, self.kind), root=found
                            )
                        paths.root = tag
                    else:
                        paths.start(tag)
                    continue
                if tag == "ApplicationArea":
                    self.envelope.read(elem)
                    elem.clear()
                elif tag == line_item:
                    items = self._line_item(elem, paths.path(line_item))
                    yield from hold.add(items) if hold.holds(elem) else items
                    elem.clear()
                    _drop_previous(elem, line_item)
                elif tag in containers:
                    where = SourceLocation(self.name, _line(elem), paths.path(tag))
                    if tag in parents and paths.items_in_container == 0:
                        yield FeedWarning(
                            where, f"{tag} has no {line_item}: nothing to import from it"
                        )
                    if tag in parents:
                        yield from hold.release(elem, where)
                    # Done with this container: drop it and its finished siblings, so
                    # memory holds one line item (and the envelope) at a time.
                    elem.clear()
                    _drop_previous(elem, tag)
        except etree.XMLSyntaxError as exc:
            raise DocumentRefused(
                self.name, f"not well-formed XML: {exc}", line=exc.lineno
            ) from None
        if paths.root is None:
            root = context.root
            found = local(root.tag) if root is not None else "nothing"
            raise DocumentRefused(self.name, _wrong_root(found, self.kind), root=found)

    def _line_item(self, elem: etree._Element, path: str) -> list[FeedItem]:
        warnings: list[FeedWarning] = []

        def warn(field: str, message: str) -> None:
            warnings.append(
                FeedWarning(SourceLocation(self.name, _line(elem), path, field), message)
            )

        parse: Callable[[etree._Element, Callable[[str, str], None]], Record] = {
            RecordKind.VEHICLE_INVENTORY: self._vehicle,
            RecordKind.PARTS_INVENTORY: self._stock,
            RecordKind.VEHICLE_ORDER_STATUS: self._order_status,
        }[self.kind]
        try:
            record = parse(elem, warn)
        except _FieldProblem as problem:
            return [
                Rejection(
                    SourceLocation(self.name, _line(elem), path, problem.field),
                    problem.reason,
                    raw=_key_hint(elem),
                    key=_part_number(elem) if self.kind is RecordKind.PARTS_INVENTORY else None,
                )
            ]
        return [*warnings, Located(record, SourceLocation(self.name, _line(elem), path))]

    # ------------------------------------------------------------ field readers

    def _vin(self, elem: etree._Element, path: str, warn: Callable[[str, str], None]) -> Vin:
        raw = text_of(elem, path)
        if raw is None:
            raise _FieldProblem("VehicleID", "VIN (Vehicle/VehicleID) is missing")
        match Vin.parse(raw, self.vin_check).value_or(None):
            case None:
                problem = Vin.parse(raw, self.vin_check).failure()
                raise _FieldProblem("VehicleID", problem.message)
            case Vin() as vin:
                for message in vin.warnings:
                    warn("VehicleID", message)
                return vin
        raise AssertionError("unreachable")

    def _state(
        self, raw: str | None, derived: ManufacturerVehicleState, warn: Callable[[str, str], None]
    ) -> tuple[ManufacturerVehicleState, str]:
        if raw is None:
            warn("VehicleStatusCode", f"no VehicleStatusCode: taken as {derived.value}")
            return derived, ""
        state = self.state_codes.get(raw.upper()) or ManufacturerVehicleState.parse(raw)
        if state is None:
            raise _FieldProblem("VehicleStatusCode", f"unknown vehicle status code {raw!r}")
        return state, raw

    def _date(self, elem: etree._Element, path: str) -> Date | None:
        raw = text_of(elem, path)
        if raw is None:
            return None
        try:
            return parse_date(raw)
        except ValueProblem as problem:
            raise _FieldProblem(path.replace("{*}", ""), str(problem)) from None

    def _money(
        self, elem: etree._Element | None, field: str, warn: Callable[[str, str], None]
    ) -> Money | None:
        if elem is None or not (elem.text or "").strip():
            return None
        try:
            return parse_amount(elem)
        except ValueProblem as problem:
            if "only CNY" in str(problem):
                warn(field, f"{problem}: ignored")
                return None
            raise _FieldProblem(field, str(problem)) from None

    def _vehicle(self, elem: etree._Element, warn: Callable[[str, str], None]) -> Record:
        vin = self._vin(elem, "{*}Vehicle/{*}VehicleID", warn)
        invoice = elem.getparent()
        make = text_of(elem, "{*}Vehicle/{*}MakeString")
        model = text_of(elem, "{*}Vehicle/{*}Model")
        if make is None:
            raise _FieldProblem("MakeString", "brand (Vehicle/MakeString) is missing")
        if model is None:
            raise _FieldProblem("Model", "model code (Vehicle/Model) is missing")
        exterior = interior = colour_name = None
        for group in elem.iterfind("{*}Vehicle/{*}ColorGroup"):
            item = text_of(group, "{*}ColorItemCode")
            code = text_of(group, "{*}ManufacturerColorCode")
            if item in ("Interior", "Seat") and interior is None:
                interior = code
            elif item in (None, "Exterior") and exterior is None:
                exterior = code
                colour_name = text_of(group, "{*}ColorName")
        year_text = text_of(elem, "{*}Vehicle/{*}ModelYear")
        try:
            year = int(year_text[:4]) if year_text else None
        except ValueError:
            raise _FieldProblem("ModelYear", f"model year {year_text!r} is not a year") from None
        try:
            spec = VehicleSpec(
                brand=make,
                model=model,
                trim=text_of(elem, "{*}Vehicle/{*}TrimCode"),
                colour=exterior,
                interior=interior,
                model_year=year,
            )
        except DomainError as error:
            raise _FieldProblem("Vehicle", error.message) from None
        ship_date = self._date(elem, "{*}VehicleShipDate")
        eta = self._date(invoice, "{*}ETADate") if invoice is not None else None
        derived = (
            ManufacturerVehicleState.IN_TRANSIT if ship_date else ManufacturerVehicleState.ON_ORDER
        )
        state, raw_state = self._state(text_of(elem, "{*}VehicleStatusCode"), derived, warn)
        price = None
        for found in elem.iterfind("{*}Pricing/{*}Price"):
            if (text_of(found, "{*}PriceCode") or "invoice").lower() in _INVOICE_PRICE_CODES:
                price = self._money(found.find("{*}ChargeAmount"), "ChargeAmount", warn)
                break
        else:  # the older shape: Pricing/VehiclePriceAmount with a PricingTypeString
            for pricing in elem.iterfind("{*}Pricing"):
                kind = (text_of(pricing, "{*}PricingTypeString") or "invoice").lower()
                if "invoice" in kind and pricing.find("{*}VehiclePriceAmount") is not None:
                    price = self._money(
                        pricing.find("{*}VehiclePriceAmount"), "VehiclePriceAmount", warn
                    )
                    break
        tax = self._money(elem.find("{*}Tax/{*}TaxAmount"), "TaxAmount", warn)
        options = tuple(
            o
            for o in (
                text_of(opt, "{*}OptionID") or text_of(opt, "{*}OptionStockNumberString")
                for opt in elem.iterfind("{*}Option")
            )
            if o
        )
        return _record(
            lambda: VehicleInventoryRecord(
                vin=vin,
                spec=spec,
                state=state,
                manufacturer_state=raw_state or state.value,
                dealer_code=self.envelope.dealer,
                order_number=text_of(elem, "{*}VehicleOrderNumber"),
                ship_date=ship_date,
                eta=eta,
                carrier=text_of(invoice, "{*}CarrierID") if invoice is not None else None,
                invoice_number=text_of(invoice, "{*}InvoiceNumberString")
                if invoice is not None
                else None,
                invoice_price=price,
                invoice_tax=tax,
                options=options,
                colour_name=colour_name,
            ),
            "VehicleInventoryVehicleLineItem",
        )

    def _quantity(self, elem: etree._Element, field: str) -> Decimal | None:
        raw = text_of(elem, f"{{*}}{field}")
        if raw is None:
            return None
        try:
            value = parse_decimal(raw)
        except ValueProblem as problem:
            raise _FieldProblem(field, str(problem)) from None
        if value < 0:
            raise _FieldProblem(field, f"{field} {value} is negative")
        return value

    def _stock(self, elem: etree._Element, warn: Callable[[str, str], None]) -> Record:
        item = elem.find("{*}PartsProductItem")
        number = _part_number(elem)
        if number is None:
            raise _FieldProblem(
                "ItemID", "part number (ItemID or PartsProductItem/ItemID) is missing"
            )
        on_hand = self._quantity(elem, "QuantityOnHand")
        if on_hand is None:
            raise _FieldProblem("QuantityOnHand", "QuantityOnHand is missing")
        bins = [b for b in (_text(found) for found in elem.iterfind("{*}BinLocation")) if b]
        if len(bins) > 1:
            warn(
                "BinLocation",
                f"{len(bins)} bin locations ({', '.join(bins)}): the position is kept "
                f"under the first, {bins[0]}",
            )
        header = _sibling_header(elem, "PartsInventoryHeader")
        as_of = None
        incremental = False
        if header is not None:
            as_of = _date_or_none(text_of(header, "{*}DocumentDateTime") or "")
            incremental = (text_of(header, "{*}InventoryTypeCode") or "").lower() == "incremental"
        if as_of is None and self.envelope.created:
            as_of = _date_or_none(self.envelope.created)
        return _record(
            lambda: StockPositionRecord(
                part_number=number,
                on_hand=on_hand,
                dealer_code=self.envelope.dealer,
                bin=bins[0] if bins else None,
                reserved=self._quantity(elem, "QuantityReserved"),
                on_order=self._quantity(elem, "QuantityOnOrder"),
                unit_price=self._money(elem.find("{*}UnitPriceAmount"), "UnitPriceAmount", warn),
                name=text_of(item, "{*}PartName") if item is not None else None,
                part_class=text_of(elem, "{*}PartClassCode")
                or (text_of(item, "{*}PartClassCode") if item is not None else None),
                brand=text_of(item, "{*}PartManufacturer") if item is not None else None,
                back_ordered=self._quantity(elem, "BackOrderQuantity"),
                last_sold_on=self._date(elem, "{*}LastSoldDate"),
                last_received_on=self._date(elem, "{*}LastReceiptDate"),
                as_of=as_of,
                incremental=incremental,
            ),
            "ItemID",
        )

    def _order_status(self, elem: etree._Element, warn: Callable[[str, str], None]) -> Record:
        order_number = text_of(elem, "{*}VehicleOrderNumber")
        if order_number is None:
            raise _FieldProblem("VehicleOrderNumber", "VehicleOrderNumber is missing")
        raw_state = text_of(elem, "{*}VehicleStatusCode")
        if raw_state is None:
            raise _FieldProblem("VehicleStatusCode", "a status update needs a VehicleStatusCode")
        state, _ = self._state(raw_state, ManufacturerVehicleState.ON_ORDER, warn)
        vin = None
        if text_of(elem, "{*}Vehicle/{*}VehicleID") is not None:
            vin = self._vin(elem, "{*}Vehicle/{*}VehicleID", warn)
        order = elem.getparent()
        header = order.find("{*}VehicleOrderHeader") if order is not None else None
        status_date = self._date(header, "{*}StatusDate") if header is not None else None
        eta = self._date(header, "{*}PromisedDeliveryDate") if header is not None else None
        allocation = (
            text_of(header, "{*}DealerAssignedNumberString") if header is not None else None
        )
        return _record(
            lambda: VehicleOrderStatusRecord(
                order_number=order_number,
                state=state,
                manufacturer_state=raw_state,
                vin=vin,
                dealer_code=self.envelope.dealer,
                status_date=status_date,
                eta=eta,
                allocation_number=allocation,
            ),
            "VehicleOrderVehicleLineItem",
        )


#: The STAR element each record field is read from (a record's refusal names the field).
STAR_FIELDS = {
    "part_number": "ItemID",
    "on_hand": "QuantityOnHand",
    "reserved": "QuantityReserved",
    "on_order": "QuantityOnOrder",
    "back_ordered": "BackOrderQuantity",
    "unit_price": "UnitPriceAmount",
    "name": "PartName",
    "part_class": "PartClassCode",
    "brand": "PartManufacturer",
    "bin": "BinLocation",
    "dealer_code": "DealerNumberID",
    "order_number": "VehicleOrderNumber",
    "carrier": "CarrierID",
    "invoice_number": "InvoiceNumberString",
    "invoice_price": "ChargeAmount",
    "invoice_tax": "TaxAmount",
    "options": "OptionID",
    "colour_name": "ColorName",
    "manufacturer_state": "VehicleStatusCode",
}


def _record(make: Callable[[], Record], element: str) -> Record:
    """``make()``; a record's refusal becomes a field problem on the STAR element of the
    field it names (else on ``element``)."""
    try:
        return make()
    except DomainError as error:
        field = error.details.get("field")
        named = STAR_FIELDS.get(field, element) if isinstance(field, str) else element
        raise _FieldProblem(named, error.message) from None


def _text(elem: etree._Element) -> str | None:
    return elem.text.strip() if elem.text and elem.text.strip() else None


def _sibling_header(elem: etree._Element, tag: str) -> etree._Element | None:
    """The header of the container ``elem`` sits in (read before its lines)."""
    parent = elem.getparent()
    return None if parent is None else parent.find(f"{{*}}{tag}")


def _date_or_none(raw: str) -> Date | None:
    try:
        return parse_date(raw)
    except ValueProblem:
        return None


HELD_PER_INVOICE = 1000
"""Line items of one ``Invoice`` held back until it closes, for its allocation number."""


class _InvoiceHold:
    """Holds one ``Invoice``'s cars until the invoice closes, to give them its allocation
    number (配车单号, ``DealerAssignedNumberString``, which the schema puts after the
    line items). Bounded: past :data:`HELD_PER_INVOICE` cars the invoice's cars go out
    without it, and the number, if any, is reported as not applied (ADR 0069).
    """

    def __init__(self, kind: RecordKind) -> None:
        self._parents = _ITEM_PARENTS[kind] if kind is RecordKind.VEHICLE_INVENTORY else ()
        self._held: list[FeedItem] = []
        self._cars = 0
        self._overflowed = False

    def holds(self, line_item: etree._Element) -> bool:
        parent = line_item.getparent()
        return parent is not None and local(parent.tag) in self._parents

    def add(self, items: list[FeedItem]) -> list[FeedItem]:
        """Hold ``items`` (one line item's); what must go out now instead."""
        self._cars += 1
        if self._overflowed:
            return items
        self._held.extend(items)
        if self._cars < HELD_PER_INVOICE:
            return []
        self._overflowed = True
        released, self._held = self._held, []
        return released

    def release(self, invoice: etree._Element, where: SourceLocation) -> Iterator[FeedItem]:
        """The invoice closed: its held cars, with its allocation number."""
        allocation = text_of(invoice, "{*}DealerAssignedNumberString")
        held, self._held = self._held, []
        cars, overflowed = self._cars, self._overflowed
        self._cars, self._overflowed = 0, False
        if overflowed and allocation:
            yield FeedWarning(
                attrs.evolve(where, field="DealerAssignedNumberString"),
                f"allocation number {allocation} not applied: the invoice has {cars} "
                f"vehicles, more than the {HELD_PER_INVOICE} a reader holds back for it",
            )
        for item in held:
            if allocation and isinstance(item, Located):
                record = item.record
                assert isinstance(record, VehicleInventoryRecord)
                if record.allocation_number is None:
                    item = Located(
                        attrs.evolve(record, allocation_number=allocation), item.location, item.raw
                    )
            yield item


def _drop_previous(elem: etree._Element, tag: str) -> None:
    """Remove the already-read siblings named ``tag`` before ``elem``."""
    parent = elem.getparent()
    previous = elem.getprevious()
    while parent is not None and previous is not None and local(previous.tag) == tag:
        parent.remove(previous)
        previous = elem.getprevious()


def _line(elem: etree._Element) -> int | None:
    line: object = elem.sourceline
    return line if isinstance(line, int) else None


def _part_number(line: etree._Element) -> str | None:
    """The part number of a ``PartsInventoryLine`` (the deprecated line ``ItemID``, else
    ``PartsProductItem/ItemID`` or its ``ItemIdentificationGroup``), or None."""
    number = text_of(line, "{*}ItemID")
    item = line.find("{*}PartsProductItem")
    if number is None and item is not None:
        number = text_of(item, "{*}ItemID") or text_of(
            item, "{*}ItemIdentificationGroup/{*}ItemIdentification/{*}ItemID"
        )
    return number


def _key_hint(elem: etree._Element) -> str | None:
    for path in ("{*}Vehicle/{*}VehicleID", "{*}ItemID", "{*}VehicleOrderNumber"):
        value = text_of(elem, path)
        if value:
            return value
    return None


def _wrong_root(found: str, kind: RecordKind) -> str:
    expected = " or ".join(ROOTS[kind])
    return f"is a {found} document, expected {expected} for {kind.value}"
