"""STAR writers: ``ShowVehicleInventory`` (our stock report) and the acknowledgements
``AcknowledgeVehicleInventory`` / ``AcknowledgePartsInventory`` (our answer to a
manufacturer's document, built from its own envelope).

Written incrementally with ``lxml.etree.xmlfile``: one car at a time, so a
report of any size is written in bounded memory. Each car goes in its own
``Invoice`` so invoice-level facts (number, ETA, carrier) stay with it. The
output validates against the Rev 5.5.4 XSDs (tests check it).

The allocation number (配车单号) goes in the invoice's ``DealerAssignedNumberString``,
after its line item as the schema orders it; the reader holds an invoice's cars until
it closes to read it back (ADR 0069).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from typing import BinaryIO

import attrs
from lxml import etree

from fours_adapters.dms.star.common import OAGIS_NS, RELEASE_ID, STAR_NS
from fours_adapters.dms.star.inbound import Envelope as StarEnvelope
from fours_domain.dms.ports import Envelope, Rejection
from fours_domain.dms.records import RecordKind, VehicleInventoryRecord
from fours_domain.shared.money import Money

NSMAP = {None: STAR_NS, "oa": OAGIS_NS}

#: STAR's PriceEnumeratedType has no "Invoice": the manufacturer's invoice price to
#: the dealer is its wholesale price.
INVOICE_PRICE_CODE = "Actual Wholesale Price"


def _q(name: str) -> str:
    return f"{{{STAR_NS}}}{name}"


def _oa(name: str) -> str:
    return f"{{{OAGIS_NS}}}{name}"


def _sub(
    parent: etree._Element, name: str, text: str | None = None, **attrib: str
) -> etree._Element:
    elem = etree.SubElement(parent, _q(name), attrib)
    if text is not None:
        elem.text = text
    return elem


def _amount(parent: etree._Element, name: str, money: Money) -> None:
    _sub(parent, name, f"{money.amount:.2f}", currencyID="CNY")


def application_area(envelope: Envelope, destination: str = "DMS") -> etree._Element:
    area = etree.Element(_q("ApplicationArea"), nsmap=NSMAP)  # type: ignore[arg-type]
    sender = _sub(area, "Sender")
    _sub(sender, "CreatorNameCode", envelope.sender)
    _sub(sender, "SenderNameCode", envelope.sender)
    if envelope.dealer_code:
        _sub(sender, "DealerNumberID", envelope.dealer_code)
    _sub(
        area,
        "CreationDateTime",
        envelope.created_at.in_timezone("UTC").format("YYYY-MM-DDTHH:mm:ss[Z]"),
    )
    _sub(area, "BODID", envelope.document_id)
    _sub(_sub(area, "Destination"), "DestinationNameCode", destination)
    return area


def vehicle_line_item(record: VehicleInventoryRecord) -> etree._Element:
    """One ``Invoice`` holding one ``VehicleInventoryVehicleLineItem``."""
    invoice = etree.Element(_q("Invoice"), nsmap=NSMAP)  # type: ignore[arg-type]
    if record.invoice_number:
        _sub(invoice, "InvoiceNumberString", record.invoice_number)
    if record.eta is not None:
        _sub(invoice, "ETADate", record.eta.isoformat())
    if record.carrier:
        _sub(invoice, "CarrierID", record.carrier)
    item = _sub(invoice, "VehicleInventoryVehicleLineItem")
    vehicle = _sub(item, "Vehicle")
    spec = record.spec
    _sub(vehicle, "Model", spec.model)
    if spec.model_year is not None:
        _sub(vehicle, "ModelYear", str(spec.model_year))
    _sub(vehicle, "MakeString", spec.brand)
    if spec.trim:
        _sub(vehicle, "TrimCode", spec.trim)
    if spec.colour or record.colour_name:
        group = _sub(vehicle, "ColorGroup")
        _sub(group, "ColorItemCode", "Exterior")
        if spec.colour:
            _sub(group, "ManufacturerColorCode", spec.colour)
        if record.colour_name:
            _sub(group, "ColorName", record.colour_name)
    if spec.interior:
        group = _sub(vehicle, "ColorGroup")
        _sub(group, "ColorItemCode", "Interior")
        _sub(group, "ManufacturerColorCode", spec.interior)
    _sub(vehicle, "VehicleID", record.vin.value)
    if record.order_number:
        _sub(item, "VehicleOrderNumber", record.order_number)
    if record.ship_date is not None:
        _sub(item, "VehicleShipDate", record.ship_date.isoformat())
    if record.invoice_price is not None:
        price = _sub(_sub(item, "Pricing"), "Price")
        _sub(price, "PriceCode", INVOICE_PRICE_CODE)
        _amount(price, "ChargeAmount", record.invoice_price)
    if record.invoice_tax is not None:
        tax = _sub(item, "Tax")
        _sub(tax, "TaxTypeCode", "Total")
        _amount(tax, "TaxAmount", record.invoice_tax)
    _sub(item, "VehicleStatusCode", record.manufacturer_state or record.state.value)
    for option in record.options:
        opt = _sub(item, "Option")
        _sub(opt, "OptionID", option)
    if record.allocation_number:
        _sub(invoice, "DealerAssignedNumberString", record.allocation_number)
    return invoice


def write_show_vehicle_inventory(
    records: Iterable[VehicleInventoryRecord], sink: BinaryIO, envelope: Envelope
) -> int:
    """Write a ``ShowVehicleInventory`` BOD; returns the number of cars written."""
    count = 0
    with etree.xmlfile(sink, encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element(_q("ShowVehicleInventory"), {"releaseID": RELEASE_ID}, nsmap=NSMAP):
            xf.write(application_area(envelope))
            with xf.element(_q("ShowVehicleInventoryDataArea")):
                show = etree.Element(_q("Show"), nsmap=NSMAP)  # type: ignore[arg-type]
                xf.write(show)
                with xf.element(_q("VehicleInventory")):
                    header = etree.Element(_q("VehicleInventoryHeader"), nsmap=NSMAP)  # type: ignore[arg-type]
                    group = _sub(header, "DocumentIdentificationGroup")
                    ident = _sub(group, "DocumentIdentification")
                    _sub(ident, "DocumentID", envelope.document_id)
                    xf.write(header)
                    for record in records:
                        xf.write(vehicle_line_item(record))
                        xf.write("\n")
                        count += 1
    return count


#: The acknowledgement BOD, its noun and the noun's header, per acknowledged kind.
ACKNOWLEDGED: dict[RecordKind, tuple[str, str, str]] = {
    RecordKind.VEHICLE_INVENTORY: (
        "AcknowledgeVehicleInventory",
        "VehicleInventory",
        "VehicleInventoryHeader",
    ),
    RecordKind.PARTS_INVENTORY: (
        "AcknowledgePartsInventory",
        "PartsInventory",
        "PartsInventoryHeader",
    ),
}
MAX_ACKNOWLEDGED_REJECTIONS = 1000


@attrs.frozen
class Acknowledgement:
    """What to answer: the original document's envelope, how many of its line items
    were applied and rejected, and the rejections (the first ones, when there are many)."""

    kind: RecordKind
    original: StarEnvelope
    root: str
    applied: int
    rejected: int
    rejections: Sequence[Rejection] = ()

    @property
    def action(self) -> str:
        """OAGIS ``actionCode``: Accepted (all applied), Modified (some rejected),
        Rejected (nothing applied)."""
        if not self.rejected:
            return "Accepted"
        return "Rejected" if not self.applied else "Modified"


def _original_area(original: StarEnvelope) -> etree._Element:
    """The original ``ApplicationArea`` as ``OriginalApplicationArea``: the same children,
    but its ``Signature`` (which signs the original BOD, not our answer)."""
    quoted = etree.Element(_q("OriginalApplicationArea"), nsmap=NSMAP)  # type: ignore[arg-type]
    if original.area is not None:
        for child in original.area:
            if isinstance(child.tag, str) and etree.QName(child).localname != "Signature":
                quoted.append(copy.deepcopy(child))
        return quoted
    sender = _sub(quoted, "Sender")
    _sub(sender, "CreatorNameCode", original.sender or "DMS")
    _sub(sender, "SenderNameCode", original.sender or "DMS")
    _sub(quoted, "CreationDateTime", original.created or "")
    _sub(quoted, "BODID", original.bodid or "")
    _sub(_sub(quoted, "Destination"), "DestinationNameCode", "fours")
    return quoted


def _criteria(
    ack: etree._Element,
    action: str,
    path: str,
    code: str | None,
    texts: Iterable[str],
    description: str | None = None,
) -> None:
    criteria = etree.SubElement(ack, _oa("ResponseCriteria"))
    expression = etree.SubElement(
        criteria, _oa("ResponseExpression"), {"actionCode": action, "expressionLanguage": "XPath"}
    )
    expression.text = path
    status = etree.SubElement(criteria, _oa("ChangeStatus"))
    if description is not None:
        etree.SubElement(status, _oa("Description")).text = description
    if code:
        etree.SubElement(status, _oa("ReasonCode")).text = code
    for text in texts:
        etree.SubElement(status, _oa("Reason")).text = text[:1000]


def write_acknowledgement(sink: BinaryIO, envelope: Envelope, answer: Acknowledgement) -> None:
    """Write the acknowledgement of a STAR document: its ``OriginalApplicationArea`` is the
    document's own envelope; one ``ResponseCriteria`` gives the outcome of the document
    (Accepted / Modified / Rejected, with the counts), one more per rejected line item its
    XPath, field (``ReasonCode``) and reason. Validates against the Rev 5.5.4 XSDs."""
    bod, noun, header_name = ACKNOWLEDGED[answer.kind]
    root = etree.Element(_q(bod), {"releaseID": RELEASE_ID}, nsmap=NSMAP)  # type: ignore[arg-type]
    root.append(application_area(envelope, destination=answer.original.sender or "DMS"))
    data = _sub(root, f"{bod}DataArea")
    ack = _sub(data, "Acknowledge")
    ack.append(_original_area(answer.original))
    total = answer.applied + answer.rejected
    _criteria(
        ack,
        answer.action,
        f"/{answer.root}",
        None,
        (),
        description=f"{answer.applied} of {total} line items applied, {answer.rejected} rejected",
    )
    listed = list(answer.rejections)[:MAX_ACKNOWLEDGED_REJECTIONS]
    for rejection in listed:
        where = rejection.location
        subject = f" ({rejection.key})" if rejection.key else ""
        _criteria(
            ack,
            "Rejected",
            where.path or f"/{answer.root}",
            where.field,
            [f"{rejection.reason}{subject}" + (f" at line {where.line}" if where.line else "")],
        )
    if answer.rejected > len(listed):
        _criteria(
            ack,
            "Rejected",
            f"/{answer.root}",
            None,
            [f"… and {answer.rejected - len(listed)} more rejected line items (reject file)"],
        )
    header = _sub(_sub(data, noun), header_name)
    ident = _sub(_sub(header, "DocumentIdentificationGroup"), "DocumentIdentification")
    _sub(ident, "DocumentID", answer.original.bodid or "")
    sink.write(etree.tostring(root, xml_declaration=True, encoding="utf-8"))
