"""Vehicle inventory records → the vehicles context (create or update a car, state mapping).

A batch of records goes through the vehicles context's own
:func:`~fours_domain.vehicles.services.sync_vehicles_from_manufacturer` — which maps the
manufacturer's state onto our lifecycle, lets the feed move a car only while it is on
the manufacturer's side, and reports created / updated / unchanged per record, as its
one-record form would — inside the import's single transaction through a
:class:`SavepointUnitOfWork`: one savepoint per batch, a refused record is simply not
written, and a batch that cannot be written together is redone record by record
(docs/adr/0066). The document commits once.

Refusals and the sync's notes name the record field at fault (``brand``,
``dealer_code``, ``invoice_tax``, ``state``…); the import service turns those names into
the feed's own (a STAR element path) when the feed knows them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import attrs
from returns.result import Failure, Result, Success

from fours_adapters.dms.binding import BindingContext
from fours_adapters.sql.dms.nested import SavepointUnitOfWork
from fours_adapters.sql.uow import SqlUnitOfWork
from fours_adapters.sql.vehicles.repository import stock_report_rows
from fours_domain.dms.ports import (
    Applied,
    Change,
    FeedWarning,
    Located,
    Outcome,
    Rejection,
    SourceLocation,
)
from fours_domain.dms.records import (
    ManufacturerVehicleState,
    Record,
    RecordKind,
    VehicleInventoryRecord,
    VehicleOrderStatusRecord,
)
from fours_domain.shared.errors import DomainError, InvalidIdentifier, NotFound
from fours_domain.shared.identifiers import Vin, VinCheck
from fours_domain.shared.ids import StoreId
from fours_domain.shared.time import DateTime, FixedClock
from fours_domain.vehicles.lifecycle import VehicleState
from fours_domain.vehicles.model import ManufacturerData, VehicleRefused
from fours_domain.vehicles.services import (
    ManufacturerVehicleRecord,
    SyncOutcome,
    SyncStatus,
    sync_vehicle_from_manufacturer,
    sync_vehicles_from_manufacturer,
)

#: Feed states the vehicles context reads differently: an allocated car is still on
#: order on the manufacturer's side (已配车, not shipped).
_STATE_NAMES = {ManufacturerVehicleState.ALLOCATED: "ON_ORDER"}
_CHANGES = {
    SyncStatus.CREATED: Change.CREATED,
    SyncStatus.UPDATED: Change.UPDATED,
    SyncStatus.UNCHANGED: Change.UNCHANGED,
}
#: The sync's fields (``ManufacturerVehicleRecord``) → the feed record's.
_RECORD_FIELDS = {"store_id": "dealer_code", "manufacturer_state": "state"}


class VehicleInventoryApplier:
    """Applies :class:`VehicleInventoryRecord` s to the vehicles context, a batch at a time."""

    kind = RecordKind.VEHICLE_INVENTORY

    def __init__(self, context: BindingContext) -> None:
        self.context = context

    def apply(
        self, uow: SqlUnitOfWork, batch: Sequence[Located], at: DateTime
    ) -> Sequence[Outcome]:
        outcomes: list[Outcome | None] = [None] * len(batch)
        synced: list[tuple[int, Located]] = []
        wanted: list[ManufacturerVehicleRecord] = []
        for position, item in enumerate(batch):
            record = item.record
            assert isinstance(record, VehicleInventoryRecord)
            prepared = self._sync_record(record)
            if isinstance(prepared, ManufacturerVehicleRecord):
                synced.append((position, item))
                wanted.append(prepared)
            else:
                field, reason = prepared
                outcomes[position] = Rejection(
                    _at(item.location, field), reason, raw=item.raw, key=record.key
                )
        results = sync_vehicles_from_manufacturer(SavepointUnitOfWork(uow), wanted, FixedClock(at))
        for (position, item), result in zip(synced, results, strict=True):
            outcomes[position] = _outcome(result, item, item.record.key)
        return [outcome for outcome in outcomes if outcome is not None]

    def _sync_record(
        self, record: VehicleInventoryRecord
    ) -> ManufacturerVehicleRecord | tuple[str | None, str]:
        """The record as the vehicles context's sync takes it, or (field, reason)."""
        store = self.context.store_for(record.dealer_code)
        if store is None:
            return (
                "dealer_code",
                f"dealer code {record.dealer_code or '(none)'} is not mapped to a store: "
                "add it to [dealers] in dms.toml or pass --store",
            )
        try:
            manufacturer = ManufacturerData.from_invoice(
                order_number=record.order_number,
                allocation_number=record.allocation_number,
                shipped_on=record.ship_date,
                eta=record.eta,
                carrier=record.carrier,
                invoice_number=record.invoice_number,
                invoice_price=record.invoice_price,
                invoice_tax=record.invoice_tax,
                colour_name=record.colour_name,
            )
        except DomainError as error:
            return _field_of(error), f"VIN {record.vin}: {error.message}"
        return ManufacturerVehicleRecord(
            source=f"{self.context.source}:{record.dealer_code or store}",
            store_id=store,
            vin=record.vin.value,
            spec=record.spec,
            manufacturer_state=_STATE_NAMES.get(record.state, record.state.value),
            options=record.options,
            manufacturer=manufacturer,
            vin_check=VinCheck.STRICT if record.vin.check_digit_valid else VinCheck.LENIENT,
        )


class VehicleOrderStatusApplier:
    """Applies purchase-order status updates (STAR ``ProcessVehicleOrder``) to known cars.

    fours tracks cars, not purchase-order lines: an update naming a VIN we hold moves
    that car through the same manufacturer sync as a dispatch notice (state mapping, the
    feed moves a car only while it is on the manufacturer's side) and records the order
    number, the allocation number and the ETA when given, keeping everything else the
    car has. An update without a VIN, or for
    a car no dispatch notice has created yet, is rejected with its location.
    """

    kind = RecordKind.VEHICLE_ORDER_STATUS

    def __init__(self, context: BindingContext) -> None:
        self.context = context

    def apply(
        self, uow: SqlUnitOfWork, batch: Sequence[Located], at: DateTime
    ) -> Sequence[Outcome]:
        nested = SavepointUnitOfWork(uow)
        clock = FixedClock(at)
        outcomes: list[Outcome] = []
        for item in batch:
            record = item.record
            assert isinstance(record, VehicleOrderStatusRecord)
            refused = self._refusal(uow, record)
            if refused is not None:
                field, reason = refused
                outcomes.append(
                    Rejection(_at(item.location, field), reason, raw=item.raw, key=record.key)
                )
                continue
            assert record.vin is not None
            car = uow.vehicles.get(record.vin)
            assert car is not None
            known = car.manufacturer_data
            result = sync_vehicle_from_manufacturer(
                nested,
                ManufacturerVehicleRecord(
                    source=f"{self.context.source}:{record.dealer_code or car.store_id}",
                    store_id=car.store_id,
                    vin=car.vin.value,
                    spec=car.spec,
                    manufacturer_state=_STATE_NAMES.get(record.state, record.state.value),
                    engine_number=car.engine_number,
                    certificate_number=car.certificate_number,
                    options=car.options,
                    manufacturer=attrs.evolve(
                        known,
                        order_number=record.order_number,
                        allocation_number=record.allocation_number or known.allocation_number,
                        eta=record.eta or known.eta,
                    ),
                    vin_check=VinCheck.LENIENT,
                ),
                clock,
            )
            outcomes.append(_outcome(result, item, record.key))
        return outcomes

    @staticmethod
    def _refusal(uow: SqlUnitOfWork, record: VehicleOrderStatusRecord) -> tuple[str, str] | None:
        if record.vin is None:
            return (
                "vin",
                f"order {record.order_number} names no VIN: fours follows cars, not order "
                "lines; the update applies once the manufacturer has assigned a car",
            )
        if uow.vehicles.get(record.vin) is None:
            return (
                "vin",
                f"no car with VIN {record.vin.value}: a dispatch notice (vehicle-inventory) "
                "creates cars, an order status only updates them",
            )
        return None


def _outcome(
    result: Result[SyncOutcome, DomainError], item: Located, key: str
) -> Applied | Rejection:
    """What the vehicles context's sync did with one record, as the import reports it:
    its notes become warnings located at the record (a VIN note is left out: the feed
    has warned about the VIN already)."""
    match result:
        case Success(outcome):
            warnings = tuple(
                FeedWarning(
                    _at(item.location, _RECORD_FIELDS.get(note.field, note.field)), note.message
                )
                for note in outcome.notes
                if note.field != "vin"
            )
            return Applied(key, _CHANGES[outcome.status], warnings)
        case Failure(error):
            return Rejection(
                _at(item.location, _field_of(error)), error.message, raw=item.raw, key=key
            )
    raise AssertionError("unreachable")


def _field_of(error: DomainError) -> str | None:
    """The record field a refusal of the vehicles context is about, when it is one."""
    named = error.details.get("field")
    if isinstance(named, str):
        return _RECORD_FIELDS.get(named, named)
    if isinstance(error, VehicleRefused) and "brand" in error.details:
        return "brand"  # the store does not sell the car's make
    if isinstance(error, VehicleRefused) and "state" in error.details:
        return "state"  # a state the vehicles context does not know
    if isinstance(error, NotFound) and error.details.get("kind") == "store":
        return "dealer_code"  # mapped to a store that does not exist
    if isinstance(error, InvalidIdentifier):
        return "vin"
    return None


def _at(location: SourceLocation, field: str | None) -> SourceLocation:
    return SourceLocation(location.document, location.line, location.path, field)


#: Our lifecycle → the manufacturer feed vocabulary, for stock reports (ShowVehicleInventory).
#: A stock report lists every car the dealer has on order, on its way, at a store, moving
#: between stores, consigned or sold but not yet handed over; delivered, registered and
#: returned cars have left the dealer's stock and are not reported (docs/adr/0069).
REPORTED_STATES: dict[VehicleState, ManufacturerVehicleState] = {
    VehicleState.ON_ORDER: ManufacturerVehicleState.ON_ORDER,
    VehicleState.IN_TRANSIT: ManufacturerVehicleState.IN_TRANSIT,
    VehicleState.ARRIVED: ManufacturerVehicleState.RECEIVED,
    VehicleState.PDI_FAILED: ManufacturerVehicleState.PREPARATION,
    VehicleState.IN_STOCK: ManufacturerVehicleState.AVAILABLE,
    VehicleState.RESERVED: ManufacturerVehicleState.RESERVED,
    VehicleState.ON_HOLD: ManufacturerVehicleState.ON_HOLD,
    VehicleState.DAMAGED: ManufacturerVehicleState.DAMAGED,
    VehicleState.IN_TRANSFER: ManufacturerVehicleState.IN_TRANSIT,
    VehicleState.CONSIGNED: ManufacturerVehicleState.ON_HOLD,
    VehicleState.SOLD: ManufacturerVehicleState.SOLD,
}


def vehicle_stock_records(uow: SqlUnitOfWork, context: BindingContext) -> Iterator[Record]:
    """The group's cars (or ``--store``'s) in :data:`REPORTED_STATES`, with what the
    manufacturer told us of each (order and allocation numbers, shipment, invoice,
    options, colour name), streamed for ``fours dms export``."""
    store = StoreId(context.default_store) if context.default_store else None
    dealers = {store: dealer for dealer, store in context.dealers.items()}
    for car in stock_report_rows(uow.session, frozenset(REPORTED_STATES), store):
        state = REPORTED_STATES[car.state]
        data = car.manufacturer
        yield VehicleInventoryRecord(
            vin=Vin.parse(car.vin.value, VinCheck.LENIENT).unwrap(),
            spec=car.spec,
            state=state,
            manufacturer_state=state.value,
            dealer_code=dealers.get(car.store_id, car.store_id),
            order_number=data.order_number,
            allocation_number=data.allocation_number,
            ship_date=data.shipped_on,
            eta=data.eta,
            carrier=data.carrier,
            invoice_number=data.invoice_number,
            invoice_price=data.invoice_price,
            invoice_tax=data.invoice_tax,
            options=car.options,
            colour_name=data.colour_name,
        )
