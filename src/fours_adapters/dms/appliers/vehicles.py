"""Vehicle inventory records → the vehicles context (create or update a car, state mapping).

Each record goes through the vehicles context's own
:func:`~fours_domain.vehicles.services.sync_vehicle_from_manufacturer` — which maps
the manufacturer's state onto our lifecycle, lets the feed move a car only while it is
on the manufacturer's side, and reports created / updated / unchanged — run inside the
import's single transaction through a :class:`SavepointUnitOfWork`: a refused record
rolls back to its savepoint, the document commits once.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import attrs
from returns.result import Failure, Result, Success

from fours_adapters.dms.binding import BindingContext
from fours_adapters.sql.dms.nested import SavepointUnitOfWork
from fours_adapters.sql.uow import SqlUnitOfWork
from fours_domain.dms.ports import Applied, Change, Located, Outcome, Rejection, SourceLocation
from fours_domain.dms.records import (
    ManufacturerVehicleState,
    Record,
    RecordKind,
    VehicleInventoryRecord,
    VehicleOrderStatusRecord,
)
from fours_domain.shared.catalogue import VehicleSpec
from fours_domain.shared.errors import DomainError
from fours_domain.shared.identifiers import Vin, VinCheck
from fours_domain.shared.ids import StoreId
from fours_domain.shared.time import DateTime, FixedClock
from fours_domain.vehicles.lifecycle import VehicleState
from fours_domain.vehicles.model import ManufacturerData
from fours_domain.vehicles.ports import CarStockFilter
from fours_domain.vehicles.services import (
    ManufacturerVehicleRecord,
    SyncOutcome,
    SyncStatus,
    sync_vehicle_from_manufacturer,
)

#: Feed states the vehicles context reads differently: an allocated car is still on
#: order on the manufacturer's side (已配车, not shipped).
_STATE_NAMES = {ManufacturerVehicleState.ALLOCATED: "ON_ORDER"}
_CHANGES = {
    SyncStatus.CREATED: Change.CREATED,
    SyncStatus.UPDATED: Change.UPDATED,
    SyncStatus.UNCHANGED: Change.UNCHANGED,
}


class VehicleInventoryApplier:
    """Applies :class:`VehicleInventoryRecord` s to the vehicles context."""

    kind = RecordKind.VEHICLE_INVENTORY

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
            assert isinstance(record, VehicleInventoryRecord)
            store = self.context.store_for(record.dealer_code)
            if store is None:
                outcomes.append(
                    Rejection(
                        _at(item.location, "dealer_code"),
                        f"dealer code {record.dealer_code or '(none)'} is not mapped to a store: "
                        "add it to [dealers] in dms.toml or pass --store",
                        raw=item.raw,
                        key=record.key,
                    )
                )
                continue
            result = sync_vehicle_from_manufacturer(
                nested,  # a VehiclesUnitOfWork by delegation to the outer one
                ManufacturerVehicleRecord(
                    source=f"{self.context.source}:{record.dealer_code or store}",
                    store_id=store,
                    vin=record.vin.value,
                    spec=record.spec,
                    manufacturer_state=_STATE_NAMES.get(record.state, record.state.value),
                    options=record.options,
                    manufacturer=ManufacturerData(
                        order_number=record.order_number,
                        allocation_number=record.allocation_number,
                        shipped_on=record.ship_date,
                        eta=record.eta,
                        carrier=record.carrier,
                        invoice_price=record.invoice_price,
                    ),
                    vin_check=VinCheck.STRICT if record.vin.check_digit_valid else VinCheck.LENIENT,
                ),
                clock,
            )
            outcomes.append(_outcome(result, item, record.key))
        return outcomes


class VehicleOrderStatusApplier:
    """Applies purchase-order status updates (STAR ``ProcessVehicleOrder``) to known cars.

    fours tracks cars, not purchase-order lines: an update naming a VIN we hold moves
    that car through the same manufacturer sync as a dispatch notice (state mapping, the
    feed moves a car only while it is on the manufacturer's side) and records the order
    number and ETA, keeping everything else the car has. An update without a VIN, or for
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
                        known, order_number=record.order_number, eta=record.eta or known.eta
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
    """What the vehicles context's sync did with one record, as the import reports it."""
    match result:
        case Success(outcome):
            return Applied(key, _CHANGES[outcome.status])
        case Failure(error):
            return Rejection(_at(item.location, None), error.message, raw=item.raw, key=key)
    raise AssertionError("unreachable")


def _at(location: SourceLocation, field: str | None) -> SourceLocation:
    return SourceLocation(location.document, location.line, location.path, field)


#: Our lifecycle → the manufacturer feed vocabulary, for stock reports (ShowVehicleInventory).
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
    VehicleState.DELIVERED: ManufacturerVehicleState.SOLD,
    VehicleState.REGISTERED: ManufacturerVehicleState.SOLD,
    VehicleState.RETURNED: ManufacturerVehicleState.RETURNED,
}

STOCK_REPORT_LIMIT = 1_000_000


def vehicle_stock_records(uow: SqlUnitOfWork, context: BindingContext) -> Iterator[Record]:
    """The group's cars (or ``--store``'s) as records, for ``fours dms export``."""
    wanted = CarStockFilter(
        store_id=StoreId(context.default_store) if context.default_store else None,
        limit=STOCK_REPORT_LIMIT,
    )
    stores = {store: dealer for dealer, store in context.dealers.items()}
    for line in uow.car_stock.find(wanted):
        state = REPORTED_STATES[line.state]
        vin = Vin.parse(line.vin, VinCheck.LENIENT).unwrap()
        yield VehicleInventoryRecord(
            vin=vin,
            spec=VehicleSpec(
                line.brand, line.model, line.trim, line.colour, line.interior, line.model_year
            ),
            state=state,
            manufacturer_state=state.value,
            dealer_code=stores.get(line.store_id, line.store_id),
        )
