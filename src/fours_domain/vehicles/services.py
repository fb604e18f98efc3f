"""Application services of the vehicles context.

Each opens the unit of work, loads the car, calls one aggregate method, saves,
commits and returns ``Success`` or ``Failure``. Saving uses optimistic locking
(docs/vehicles.md, "Concurrency"): when two clerks act on the same car at the
same moment the loser's write fails with
:class:`~fours_domain.vehicles.model.ConcurrentChange`; the service then runs
the whole command again on fresh data, so the loser gets the refusal that the
winner's change implies (e.g. "vehicle … is RESERVED: cannot reserve").
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator, Sequence
from typing import TypedDict, TypeVar

import attrs
from returns.result import Failure, Result, Success

from fours_domain.org.model import Store, code
from fours_domain.shared.catalogue import VehicleSpec
from fours_domain.shared.errors import DomainError, NotFound
from fours_domain.shared.identifiers import Vin, VinCheck
from fours_domain.shared.ids import BrandCode, CompanyId, StoreId
from fours_domain.shared.results import guarded as _guarded
from fours_domain.shared.results import operation_of
from fours_domain.shared.time import Clock, DateTime
from fours_domain.vehicles.lifecycle import (
    PIPELINE_STATES,
    VehicleAction,
    VehicleState,
    path_to,
)
from fours_domain.vehicles.model import (
    ChecklistItem,
    ConcurrentChange,
    HistoryEntry,
    HolderKind,
    ManufacturerData,
    PdiInspection,
    Vehicle,
    VehicleRefused,
    WrongStore,
    master_data,
)
from fours_domain.vehicles.ports import (
    CarStockFilter,
    CarStockLine,
    StoredCar,
    VehiclesUnitOfWork,
)

T = TypeVar("T")
A = VehicleAction
S = VehicleState

MAX_ATTEMPTS = 3
"""How often a command is run again after losing a race on the same car."""


def _store(value: str) -> StoreId:
    return StoreId(code(value, "store code"))


def lookup_vin(raw: str) -> Vin:
    """A VIN typed to find a car: shape checked, check digit not judged (the car
    may be an import accepted in lenient mode)."""
    parsed = Vin.parse(raw, VinCheck.LENIENT)
    if isinstance(parsed, Failure):
        raise parsed.failure()
    return parsed.unwrap()


def _with_car(
    uow: VehiclesUnitOfWork,
    vin: str,
    store_id: str | None,
    clock: Clock,
    change: Callable[[Vehicle, DateTime], Result[T, DomainError]],
) -> Result[T, DomainError]:
    """Load the car (held by ``store_id`` when given), change it, save, commit;
    run again on a lost race."""

    def attempt() -> Result[T, DomainError]:
        wanted = lookup_vin(vin)
        acting = None if store_id is None else _store(store_id)
        with uow:
            car = uow.vehicles.get(wanted)
            if car is None:
                return Failure(NotFound("vehicle", wanted))
            if acting is not None and car.store_id != acting:
                return Failure(
                    WrongStore(
                        f"vehicle {wanted} is held by store {car.store_id}, not {acting}",
                        vin=wanted.value,
                        store=car.store_id,
                    )
                )
            outcome = change(car, clock.now())
            if isinstance(outcome, Success):
                uow.vehicles.save(car)
                uow.track(car)
                uow.commit()
            return outcome

    return _retrying(attempt, operation_of(change))


def _retrying(
    attempt: Callable[[], Result[T, DomainError]], operation: str | None = None
) -> Result[T, DomainError]:
    lost: ConcurrentChange | None = None
    for _ in range(MAX_ATTEMPTS):
        try:
            return _guarded(attempt, operation)
        except ConcurrentChange as error:
            lost = error
    assert lost is not None
    return Failure(lost)


# ---------------------------------------------------------------------- commands


@attrs.frozen
class AddVehicle:
    """Record a car at a store: ordered, shipped or arrived (default)."""

    store_id: str
    vin: str
    spec: VehicleSpec
    actor: str
    state: VehicleState = S.ARRIVED
    engine_number: str | None = None
    certificate_number: str | None = None
    options: tuple[str, ...] = ()
    manufacturer: ManufacturerData = attrs.field(factory=ManufacturerData)
    vin_check: VinCheck = VinCheck.STRICT
    reason: str | None = None


ADDABLE_STATES = frozenset({S.ON_ORDER, S.IN_TRANSIT, S.ARRIVED})
"""A clerk records a car before its PDI; stock comes only through an inspection."""


def add_vehicle(
    uow: VehiclesUnitOfWork, cmd: AddVehicle, clock: Clock
) -> Result[Vehicle, DomainError]:
    """Add a car to a store that sells its brand; the VIN must be new to the group."""

    def run() -> Result[Vehicle, DomainError]:
        if cmd.state not in ADDABLE_STATES:
            return Failure(
                VehicleRefused(
                    f"a car is added as ON_ORDER, IN_TRANSIT or ARRIVED, not {cmd.state.value}"
                )
            )
        vin = Vin.parse(cmd.vin, cmd.vin_check)
        if isinstance(vin, Failure):
            return Failure(vin.failure())
        return _create(
            uow,
            store_id=_store(cmd.store_id),
            vin=vin.unwrap(),
            spec=cmd.spec,
            state=cmd.state,
            actor=cmd.actor,
            clock=clock,
            engine_number=cmd.engine_number,
            certificate_number=cmd.certificate_number,
            options=cmd.options,
            manufacturer=cmd.manufacturer,
            reason=cmd.reason,
        )

    return _retrying(run)


def _create(
    uow: VehiclesUnitOfWork,
    *,
    store_id: StoreId,
    vin: Vin,
    spec: VehicleSpec,
    state: VehicleState,
    actor: str,
    clock: Clock,
    engine_number: str | None,
    certificate_number: str | None,
    options: tuple[str, ...],
    manufacturer: ManufacturerData,
    reason: str | None,
    then: Callable[[Vehicle, DateTime], Result[HistoryEntry, DomainError]] | None = None,
) -> Result[Vehicle, DomainError]:
    with uow:
        refusal = _store_refusal(uow.org.get_store(store_id), store_id, spec.brand)
        if refusal is not None:
            return Failure(refusal)
        existing = uow.vehicles.get(vin)
        if existing is not None:
            return Failure(
                VehicleRefused(
                    f"vehicle {vin} already exists (at store {existing.store_id})",
                    vin=vin.value,
                    store=existing.store_id,
                )
            )
        built = _new_car(
            store_id=store_id,
            vin=vin,
            spec=spec,
            state=state,
            actor=actor,
            at=clock.now(),
            engine_number=engine_number,
            certificate_number=certificate_number,
            options=options,
            manufacturer=manufacturer,
            reason=reason,
            then=then,
        )
        if isinstance(built, Success):
            car = built.unwrap()
            uow.vehicles.add(car)
            uow.vehicles.save(car)
            uow.track(car)
            uow.commit()
        return built


def _store_refusal(store: Store | None, store_id: StoreId, brand: BrandCode) -> DomainError | None:
    """Why a new car of ``brand`` cannot be recorded at ``store_id``, or None."""
    if store is None:
        return NotFound("store", store_id)
    if not store.sells(brand):
        return VehicleRefused(
            f"store {store_id} does not sell {brand}", store=store_id, brand=brand
        )
    return None


def _new_car(
    *,
    store_id: StoreId,
    vin: Vin,
    spec: VehicleSpec,
    state: VehicleState,
    actor: str,
    at: DateTime,
    engine_number: str | None,
    certificate_number: str | None,
    options: tuple[str, ...],
    manufacturer: ManufacturerData,
    reason: str | None,
    then: Callable[[Vehicle, DateTime], Result[HistoryEntry, DomainError]] | None,
) -> Result[Vehicle, DomainError]:
    """A new car built by the aggregate's own factory (and ``then``'s first step)."""
    car = Vehicle.record_new(
        store_id=store_id,
        vin=vin,
        spec=spec,
        state=state,
        actor=actor,
        at=at,
        engine_number=engine_number,
        certificate_number=certificate_number,
        options=options,
        manufacturer=manufacturer,
        reason=reason,
    )
    if then is not None:
        follow = then(car, at)
        if isinstance(follow, Failure):
            return Failure(follow.failure())
    return Success(car)


@attrs.frozen
class InspectVehicle:
    """Record a PDI (新车首检) for a car of ``store_id``."""

    store_id: str
    vin: str
    inspector: str
    items: tuple[ChecklistItem, ...]
    findings: str | None = None


def inspect_vehicle(
    uow: VehiclesUnitOfWork, cmd: InspectVehicle, clock: Clock
) -> Result[PdiInspection, DomainError]:
    return _with_car(
        uow,
        cmd.vin,
        cmd.store_id,
        clock,
        lambda car, now: car.inspect(
            inspector=cmd.inspector, items=cmd.items, findings=cmd.findings, at=now
        ),
    )


@attrs.frozen
class ReserveVehicle:
    """Reserve a car of ``store_id`` for a customer or a sales order."""

    store_id: str
    vin: str
    holder_kind: HolderKind
    holder: str
    actor: str
    until: DateTime | None = None


def reserve_vehicle(
    uow: VehiclesUnitOfWork, cmd: ReserveVehicle, clock: Clock
) -> Result[HistoryEntry, DomainError]:
    """Exactly one of several concurrent reservations of one car wins."""
    return _with_car(
        uow,
        cmd.vin,
        cmd.store_id,
        clock,
        lambda car, now: car.reserve(
            holder_kind=cmd.holder_kind,
            holder=cmd.holder,
            actor=cmd.actor,
            at=now,
            until=cmd.until,
        ),
    )


@attrs.frozen
class SellVehicle:
    store_id: str
    vin: str
    buyer: str
    actor: str
    reason: str | None = None


def sell_vehicle(
    uow: VehiclesUnitOfWork, cmd: SellVehicle, clock: Clock
) -> Result[HistoryEntry, DomainError]:
    """Sell a free, reserved (to its holder only) or consigned car."""
    return _with_car(
        uow,
        cmd.vin,
        cmd.store_id,
        clock,
        lambda car, now: car.sell(buyer=cmd.buyer, actor=cmd.actor, at=now, reason=cmd.reason),
    )


@attrs.frozen
class TransferVehicle:
    """Dispatch a car from ``store_id`` to ``to_store`` (调拨)."""

    store_id: str
    vin: str
    to_store: str
    actor: str
    reason: str | None = None


def transfer_vehicle(
    uow: VehiclesUnitOfWork, cmd: TransferVehicle, clock: Clock
) -> Result[HistoryEntry, DomainError]:
    """The source's stock drops at once; the target gains the car on receipt."""

    def change(car: Vehicle, now: DateTime) -> Result[HistoryEntry, DomainError]:
        target = _store(cmd.to_store)
        store = uow.org.get_store(target)
        if store is None:
            return Failure(NotFound("store", target))
        if not store.sells(car.brand):
            return Failure(
                VehicleRefused(f"store {target} does not sell {car.brand}", store=target)
            )
        return car.dispatch(to_store=target, actor=cmd.actor, at=now, reason=cmd.reason)

    return _with_car(uow, cmd.vin, cmd.store_id, clock, change)


@attrs.frozen
class ReceiveVehicle:
    """The target store ``store_id`` confirms (or refuses) a transferred car."""

    store_id: str
    vin: str
    actor: str
    reason: str | None = None


def receive_vehicle(
    uow: VehiclesUnitOfWork, cmd: ReceiveVehicle, clock: Clock
) -> Result[HistoryEntry, DomainError]:
    return _with_car(
        uow,
        cmd.vin,
        None,
        clock,
        lambda car, now: car.receive(
            at_store=_store(cmd.store_id), actor=cmd.actor, at=now, reason=cmd.reason
        ),
    )


def refuse_transfer(
    uow: VehiclesUnitOfWork, cmd: ReceiveVehicle, clock: Clock
) -> Result[HistoryEntry, DomainError]:
    """The target refuses the car; it returns to the source's stock."""
    return _with_car(
        uow,
        cmd.vin,
        None,
        clock,
        lambda car, now: car.refuse(
            at_store=_store(cmd.store_id), actor=cmd.actor, at=now, reason=cmd.reason
        ),
    )


@attrs.frozen
class ConsignVehicle:
    """Consign a car of ``store_id`` to another group company (委托销售)."""

    store_id: str
    vin: str
    to_company: str
    actor: str
    reason: str | None = None


def consign_vehicle(
    uow: VehiclesUnitOfWork, cmd: ConsignVehicle, clock: Clock
) -> Result[HistoryEntry, DomainError]:
    """Consign a car to another company of the group: the consignee must be a known
    group company, and not the company of the store holding the car (ADR 0024)."""

    def change(car: Vehicle, now: DateTime) -> Result[HistoryEntry, DomainError]:
        wanted = CompanyId(code(cmd.to_company, "company code"))
        company = uow.org.get_company(wanted)
        if company is None:
            return Failure(NotFound("group company", wanted))
        store = uow.org.get_store(car.store_id)
        if store is None or store.company_id is None:
            return Failure(
                VehicleRefused(
                    f"store {car.store_id} belongs to no group company yet, so nothing it "
                    "holds can be consigned: assign one first (fours org set-company)",
                    store=car.store_id,
                )
            )
        return car.consign(
            to_company=company.id,
            holder_company=store.company_id,
            actor=cmd.actor,
            at=now,
            reason=cmd.reason,
        )

    return _with_car(uow, cmd.vin, cmd.store_id, clock, change)


@attrs.frozen
class ChangeVehicleState:
    """Apply a simple action (ship, arrive, repair, release, hold, unhold,
    damage, return, deliver, register, end consignment) to a car of ``store_id``."""

    store_id: str
    vin: str
    action: VehicleAction
    actor: str
    reason: str | None = None


def change_vehicle_state(
    uow: VehiclesUnitOfWork, cmd: ChangeVehicleState, clock: Clock
) -> Result[HistoryEntry, DomainError]:
    return _with_car(
        uow,
        cmd.vin,
        cmd.store_id,
        clock,
        lambda car, now: car.apply(cmd.action, cmd.actor, now, cmd.reason),
    )


def expire_reservations(
    uow: VehiclesUnitOfWork, clock: Clock, store_id: str | None = None
) -> Result[tuple[Vin, ...], DomainError]:
    """Release every reservation whose deadline has passed (run it on a schedule)."""

    def run() -> Result[tuple[Vin, ...], DomainError]:
        now = clock.now()
        with uow:
            due = uow.vehicles.reserved_until_before(
                now, None if store_id is None else _store(store_id)
            )
            expired = []
            for car in due:
                if isinstance(car.expire(now), Success):
                    uow.vehicles.save(car)
                    uow.track(car)
                    expired.append(car.vin)
            uow.commit()
            return Success(tuple(expired))

    return _retrying(run)


# ---------------------------------------------------------------------- queries


def find_cars(
    uow: VehiclesUnitOfWork, wanted: CarStockFilter, clock: Clock | None = None
) -> Result[Sequence[CarStockLine], DomainError]:
    """The group-wide car stock (集团车辆全局库存), filtered, as of ``clock``'s now
    (reservations past their deadline are free stock then; days are counted to it)."""

    def run() -> Result[Sequence[CarStockLine], DomainError]:
        query = wanted
        if clock is not None and wanted.as_of is None:
            query = attrs.evolve(wanted, as_of=clock.now())
        with uow:
            if query.store_id is not None and uow.org.get_store(query.store_id) is None:
                return Failure(NotFound("store", query.store_id))
            return Success(uow.car_stock.find(query))

    return _guarded(run)


def vehicle_history(
    uow: VehiclesUnitOfWork, vin: str
) -> Result[tuple[Vehicle, Sequence[HistoryEntry]], DomainError]:
    """Drill into one car: the car and every transition, oldest first."""

    def run() -> Result[tuple[Vehicle, Sequence[HistoryEntry]], DomainError]:
        wanted = lookup_vin(vin)
        with uow:
            car = uow.vehicles.get(wanted)
            if car is None:
                return Failure(NotFound("vehicle", wanted))
            found = Success((car, tuple(car.history)))
            # End the read transaction by committing (nothing to write): a rollback
            # would expire what was loaded and the caller could not read it.
            uow.commit()
            return found

    return _guarded(run)


# ---------------------------------------------------------------------- manufacturer feeds


class ManufacturerState(enum.Enum):
    """Vehicle states as manufacturer DMS feeds report them (STAR and OEM files)."""

    ON_ORDER = "ON_ORDER"
    IN_TRANSIT = "IN_TRANSIT"
    RECEIVED = "RECEIVED"
    PREPARATION = "PREPARATION"
    AVAILABLE = "AVAILABLE"
    RESERVED = "RESERVED"
    PRE_SOLD = "PRE_SOLD"
    ON_HOLD = "ON_HOLD"
    SOLD = "SOLD"
    DAMAGED = "DAMAGED"
    RETURNED = "RETURNED"

    @classmethod
    def parse(cls, raw: str) -> ManufacturerState:
        key = raw.strip().upper().replace("-", "_").replace(" ", "_")
        try:
            return cls(key)
        except ValueError:
            raise VehicleRefused(f"unknown manufacturer vehicle state {raw!r}", state=raw) from None


MANUFACTURER_STATES: dict[ManufacturerState, VehicleState] = {
    ManufacturerState.ON_ORDER: S.ON_ORDER,
    ManufacturerState.IN_TRANSIT: S.IN_TRANSIT,
    ManufacturerState.RECEIVED: S.ARRIVED,
    ManufacturerState.PREPARATION: S.ARRIVED,
    ManufacturerState.AVAILABLE: S.IN_STOCK,
    ManufacturerState.RESERVED: S.RESERVED,
    ManufacturerState.PRE_SOLD: S.RESERVED,
    ManufacturerState.ON_HOLD: S.ON_HOLD,
    ManufacturerState.SOLD: S.SOLD,
    ManufacturerState.DAMAGED: S.DAMAGED,
    ManufacturerState.RETURNED: S.RETURNED,
}
"""Manufacturer state → ours (RECEIVED and PREPARATION both mean "arrived, PDI to do")."""

PIPELINE_FEED_ACTIONS = frozenset({A.SHIP, A.ARRIVE, A.DAMAGE, A.RETURN})
"""What a feed may do to a car still on the manufacturer's side."""
DEALER_FEED_ACTIONS = frozenset({A.HOLD, A.DAMAGE, A.RETURN})
"""What a feed may do to a car the dealer already holds (the rest is the dealer's call)."""
_DEALER_SIDE_TARGETS = frozenset({S.IN_STOCK, S.RESERVED, S.ON_HOLD, S.SOLD})


class SyncStatus(enum.Enum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@attrs.frozen
class ManufacturerVehicleRecord:
    """One car as a manufacturer feed (STAR, CSV, OEM XML/JSON) describes it."""

    source: str
    """The feed, e.g. ``STAR:FAW-VW``: the actor in the car's history."""
    store_id: str
    vin: str
    spec: VehicleSpec
    manufacturer_state: str
    engine_number: str | None = None
    certificate_number: str | None = None
    options: tuple[str, ...] = ()
    manufacturer: ManufacturerData = attrs.field(factory=ManufacturerData)
    vin_check: VinCheck = VinCheck.STRICT


@attrs.frozen
class SyncNote:
    """Something a feed record asked that was not done as asked, and the record field
    it concerns (``state``, ``store_id``, ``vin``)."""

    field: str
    message: str

    def __str__(self) -> str:
        return self.message


@attrs.frozen
class SyncOutcome:
    """What a feed record did: created, updated or left the car unchanged, and why."""

    vin: str
    status: SyncStatus
    state: VehicleState
    notes: tuple[SyncNote, ...] = ()


def _snapshot(car: Vehicle) -> tuple[object, ...]:
    return (
        car.spec,
        car.engine_number,
        car.certificate_number,
        car.options,
        car.manufacturer_data,
        car.state,
    )


def _feed_plan(
    state: VehicleState, target: VehicleState
) -> tuple[tuple[VehicleAction, ...], list[SyncNote]]:
    """The actions that take a car in ``state`` towards the feed's ``target`` within what
    feeds may do, and notes on what the feed asked that is not done."""
    notes: list[SyncNote] = []
    pipeline = state in PIPELINE_STATES
    wanted = target
    if pipeline and target in _DEALER_SIDE_TARGETS:
        wanted = S.ARRIVED
        notes.append(
            SyncNote("state", f"manufacturer says {target.value}: recorded as ARRIVED, PDI pending")
        )
    path = path_to(state, wanted, PIPELINE_FEED_ACTIONS if pipeline else DEALER_FEED_ACTIONS)
    if path is None:
        notes.append(
            SyncNote(
                "state",
                f"manufacturer says {target.value}, the dealer has {state.value}: state kept",
            )
        )
        return (), notes
    return path, notes


def _follow(car: Vehicle, target: VehicleState, source: str, at: DateTime) -> list[SyncNote]:
    """Move ``car`` towards the feed's state within what feeds may do; say what was not done."""
    path, notes = _feed_plan(car.state, target)
    for action in path:
        car.apply(action, source, at, f"manufacturer feed: {target.value}").unwrap()
    return notes


def sync_vehicle_from_manufacturer(
    uow: VehiclesUnitOfWork, record: ManufacturerVehicleRecord, clock: Clock
) -> Result[SyncOutcome, DomainError]:
    """Create or update a car from a manufacturer record; idempotent.

    * A new VIN is created at ``record.store_id`` in the mapped state
      (``RESERVED`` / ``PRE_SOLD``: in stock, reserved for the manufacturer).
    * A known VIN gets its master and manufacturer data updated. While the car
      is on the manufacturer's side (ON_ORDER, IN_TRANSIT) the feed moves it
      (ship, arrive, damage, return); once the dealer holds it only hold,
      damage and return are taken from the feed, anything else becomes a note.
    * The same record again returns ``UNCHANGED``.
    """

    def run() -> Result[SyncOutcome, DomainError]:
        target = MANUFACTURER_STATES[ManufacturerState.parse(record.manufacturer_state)]
        parsed = Vin.parse(record.vin, record.vin_check)
        if isinstance(parsed, Failure):
            return Failure(parsed.failure())
        vin = parsed.unwrap()
        with uow:
            car = uow.vehicles.get(vin)
        if car is None:
            return _create_from_feed(uow, record, vin, target, clock)
        return _with_car(
            uow, vin.value, None, clock, lambda c, now: _update(c, record, target, now)
        )

    return _retrying(run)


def _create_from_feed(
    uow: VehiclesUnitOfWork,
    record: ManufacturerVehicleRecord,
    vin: Vin,
    target: VehicleState,
    clock: Clock,
) -> Result[SyncOutcome, DomainError]:
    created = _create(
        uow, store_id=_store(record.store_id), vin=vin, clock=clock, **_new_car_from(record, target)
    )
    return created.map(lambda car: _created(vin, car))


class _NewCar(TypedDict):
    spec: VehicleSpec
    actor: str
    engine_number: str | None
    certificate_number: str | None
    options: tuple[str, ...]
    manufacturer: ManufacturerData
    state: VehicleState
    reason: str
    then: Callable[[Vehicle, DateTime], Result[HistoryEntry, DomainError]] | None


def _new_car_from(record: ManufacturerVehicleRecord, target: VehicleState) -> _NewCar:
    """A car new to the group as a feed record describes it: in the mapped state, or
    (RESERVED / PRE_SOLD) in stock and then reserved for the manufacturer."""

    def reserve(car: Vehicle, now: DateTime) -> Result[HistoryEntry, DomainError]:
        return car.reserve(
            holder_kind=HolderKind.MANUFACTURER,
            holder=record.source,
            actor=record.source,
            at=now,
        )

    return {
        "spec": record.spec,
        "actor": record.source,
        "engine_number": record.engine_number,
        "certificate_number": record.certificate_number,
        "options": record.options,
        "manufacturer": record.manufacturer,
        "state": S.IN_STOCK if target is S.RESERVED else target,
        "reason": f"manufacturer feed: {record.manufacturer_state.strip().upper()}",
        "then": reserve if target is S.RESERVED else None,
    }


def _created(vin: Vin, car: Vehicle) -> SyncOutcome:
    notes = tuple(SyncNote("vin", warning) for warning in vin.warnings)
    return SyncOutcome(vin.value, SyncStatus.CREATED, car.state, notes)


def _store_note(record: ManufacturerVehicleRecord, held_by: StoreId) -> SyncNote:
    return SyncNote("store_id", f"feed names store {record.store_id}, the car is held by {held_by}")


def _update(
    car: Vehicle, record: ManufacturerVehicleRecord, target: VehicleState, at: DateTime
) -> Result[SyncOutcome, DomainError]:
    before = _snapshot(car)
    car.set_spec(record.spec)
    car.set_master_data(
        engine_number=record.engine_number,
        certificate_number=record.certificate_number,
        options=record.options,
    )
    car.set_manufacturer_data(record.manufacturer)
    notes = _follow(car, target, record.source, at)
    if car.store_id != _store(record.store_id):
        notes.append(_store_note(record, car.store_id))
    if _snapshot(car) == before:
        # Success without changes: _with_car saves and commits nothing of substance.
        return Success(SyncOutcome(car.vin.value, SyncStatus.UNCHANGED, car.state, tuple(notes)))
    return Success(SyncOutcome(car.vin.value, SyncStatus.UPDATED, car.state, tuple(notes)))


# ---------------------------------------------------------------------- feeds in batches


@attrs.frozen
class _FeedItem:
    index: int
    record: ManufacturerVehicleRecord
    vin: Vin
    target: VehicleState


class _GoCarByCar(Exception):
    """The batch cannot be written together: redo it record by record."""


def sync_vehicles_from_manufacturer(
    uow: VehiclesUnitOfWork, records: Sequence[ManufacturerVehicleRecord], clock: Clock
) -> list[Result[SyncOutcome, DomainError]]:
    """:func:`sync_vehicle_from_manufacturer` for many records: the same outcome for
    each, in order, as running it record after record — at a fraction of the cost.

    Records are taken in runs without a repeated VIN; each run is one unit of work
    (one savepoint inside a DMS import). What is stored of the run's cars is read in
    one query; a record that changes nothing is ``UNCHANGED`` without loading its car;
    new cars are built by :meth:`Vehicle.record_new` and written together; cars that
    change are loaded together, changed by the aggregate and saved with one flush.
    When the run cannot be written together (a VIN created or a car changed by
    someone else meanwhile, a record the aggregate refuses halfway) it is rolled back
    and done record by record, so every record still gets its own outcome
    (docs/adr/0066).
    """
    results: list[Result[SyncOutcome, DomainError] | None] = [None] * len(records)
    for run in _runs(records, results):
        for item, result in zip(run, _sync_run(uow, run, clock), strict=True):
            results[item.index] = result
    return [result for result in results if result is not None]


def _runs(
    records: Sequence[ManufacturerVehicleRecord],
    results: list[Result[SyncOutcome, DomainError] | None],
) -> Iterator[list[_FeedItem]]:
    """Records in runs without a repeated VIN; a record refused before any lookup (an
    unknown state, a malformed VIN) gets its outcome in ``results`` right away."""
    run: list[_FeedItem] = []
    seen: set[str] = set()
    for index, record in enumerate(records):
        try:
            target = MANUFACTURER_STATES[ManufacturerState.parse(record.manufacturer_state)]
        except DomainError as error:
            results[index] = Failure(error)
            continue
        parsed = Vin.parse(record.vin, record.vin_check)
        if isinstance(parsed, Failure):
            results[index] = Failure(parsed.failure())
            continue
        vin = parsed.unwrap()
        if vin.value in seen:
            yield run
            run, seen = [], set()
        run.append(_FeedItem(index, record, vin, target))
        seen.add(vin.value)
    if run:
        yield run


def _sync_run(
    uow: VehiclesUnitOfWork, run: list[_FeedItem], clock: Clock
) -> list[Result[SyncOutcome, DomainError]]:
    try:
        return _sync_together(uow, run, clock)
    except (ConcurrentChange, _GoCarByCar):
        return [sync_vehicle_from_manufacturer(uow, item.record, clock) for item in run]


def _sync_together(
    uow: VehiclesUnitOfWork, run: list[_FeedItem], clock: Clock
) -> list[Result[SyncOutcome, DomainError]]:
    with uow:
        now = clock.now()
        stored = uow.vehicles.stored([item.vin for item in run])
        stores: dict[StoreId, Store | None] = {}
        outcomes: list[Result[SyncOutcome, DomainError] | None] = []
        created: list[Vehicle] = []
        changing: list[tuple[int, _FeedItem]] = []
        for item in run:
            known = stored.get(item.vin.value)
            if known is None:
                try:
                    built = _new_from_feed(uow, stores, item, now)
                except DomainError as error:
                    built = Failure(error)
                if isinstance(built, Success):
                    created.append(built.unwrap())
                    outcomes.append(Success(_created(item.vin, built.unwrap())))
                else:
                    outcomes.append(Failure(built.failure()))
                continue
            unchanged = _unchanged(known, item)
            if unchanged is None:
                changing.append((len(outcomes), item))
            outcomes.append(unchanged)
        changed = _change_together(uow, changing, outcomes, now)
        uow.vehicles.add_new(created)
        uow.vehicles.save_all(changed)
        for car in (*created, *changed):
            uow.track(car)
        uow.commit()
    return [outcome for outcome in outcomes if outcome is not None]


def _new_from_feed(
    uow: VehiclesUnitOfWork, stores: dict[StoreId, Store | None], item: _FeedItem, now: DateTime
) -> Result[Vehicle, DomainError]:
    record = item.record
    store_id = _store(record.store_id)
    if store_id not in stores:
        stores[store_id] = uow.org.get_store(store_id)
    refusal = _store_refusal(stores[store_id], store_id, record.spec.brand)
    if refusal is not None:
        return Failure(refusal)
    return _new_car(store_id=store_id, vin=item.vin, at=now, **_new_car_from(record, item.target))


def _unchanged(known: StoredCar, item: _FeedItem) -> Result[SyncOutcome, DomainError] | None:
    """``UNCHANGED`` (with its notes) when the record would change nothing of the stored
    car — exactly when :func:`_update` would say so — else None."""
    record = item.record
    try:
        wanted = master_data(record.engine_number, record.certificate_number, record.options)
        named_store = _store(record.store_id)
    except DomainError:
        return None  # refused: let the update path say how
    path, notes = _feed_plan(known.state, item.target)
    same = (
        not path
        and record.spec == known.spec
        and wanted == (known.engine_number, known.certificate_number, known.options)
        and record.manufacturer == known.manufacturer
    )
    if not same:
        return None
    if known.store_id != named_store:
        notes.append(_store_note(record, known.store_id))
    return Success(SyncOutcome(known.vin.value, SyncStatus.UNCHANGED, known.state, tuple(notes)))


def _change_together(
    uow: VehiclesUnitOfWork,
    changing: list[tuple[int, _FeedItem]],
    outcomes: list[Result[SyncOutcome, DomainError] | None],
    now: DateTime,
) -> list[Vehicle]:
    """Load the cars that change in one go and let the aggregate change each."""
    if not changing:
        return []
    cars = uow.vehicles.get_many([item.vin for _, item in changing])
    changed = []
    for position, item in changing:
        car = cars.get(item.vin.value)
        if car is None:
            raise _GoCarByCar  # gone since it was read: someone else is at work
        try:
            outcomes[position] = _update(car, item.record, item.target, now)
        except DomainError:
            raise _GoCarByCar from None  # the car is half changed: roll the run back
        changed.append(car)
    return changed
