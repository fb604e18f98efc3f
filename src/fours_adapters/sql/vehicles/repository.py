"""SQL repository and group-wide stock query of the vehicles context."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    false,
    insert,
    not_,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from fours_adapters.sql.org import tables as org
from fours_adapters.sql.vehicles import tables as t
from fours_domain.shared.catalogue import VehicleSpec
from fours_domain.shared.identifiers import Vin
from fours_domain.shared.ids import StoreId
from fours_domain.shared.time import DateTime, StoreTimeZone
from fours_domain.vehicles.lifecycle import VehicleState
from fours_domain.vehicles.model import ConcurrentChange, HistoryEntry, ManufacturerData, Vehicle
from fours_domain.vehicles.ports import CarStockFilter, CarStockLine, StoredCar


class SqlVehicleRepository:
    """Cars by VIN. ``save`` flushes now so a lost race surfaces as
    :class:`ConcurrentChange` inside the service, which then retries."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, vin: Vin) -> Vehicle | None:
        return self._session.scalars(select(Vehicle).where(t.vehicles.c.vin == vin)).first()

    def add(self, vehicle: Vehicle) -> None:
        self._session.add(vehicle)

    def save(self, vehicle: Vehicle) -> None:
        vin = vehicle.vin  # read before flushing: a failed flush leaves it unreadable
        try:
            self._session.flush()
        except StaleDataError:
            # UPDATE … WHERE version = :read_version matched no row: someone else won.
            raise ConcurrentChange(vin) from None
        except IntegrityError:
            # The same VIN inserted, or the same history step written, by a concurrent writer.
            raise ConcurrentChange(vin) from None

    def reserved_until_before(
        self, at: DateTime, store_id: StoreId | None = None
    ) -> Sequence[Vehicle]:
        query = select(Vehicle).where(
            t.vehicles.c.state == VehicleState.RESERVED, t.vehicles.c.reserved_until <= at
        )
        if store_id is not None:
            query = query.where(t.vehicles.c.store_id == store_id)
        # Primary-key order: the order in which the caller's saves lock the rows, and
        # the order of SQLAlchemy's own flush (lock order, docs/adr/0072).
        return self._session.scalars(query.order_by(t.vehicles.c.store_id, t.vehicles.c.vin)).all()

    # ------------------------------------------------------------------ in batches (ADR 0066)

    def stored(self, vins: Collection[Vin]) -> Mapping[str, StoredCar]:
        """One Core select: no aggregate, no history is loaded."""
        if not vins:
            return {}
        v = t.vehicles.c
        rows = self._session.execute(select(*_STORED).where(v.vin.in_(list(vins))))
        return {row.vin.value: _stored_car(row) for row in rows}

    def get_many(self, vins: Collection[Vin]) -> Mapping[str, Vehicle]:
        if not vins:
            return {}
        cars = self._session.scalars(select(Vehicle).where(t.vehicles.c.vin.in_(list(vins))))
        return {car.vin.value: car for car in cars}

    def add_new(self, vehicles: Sequence[Vehicle]) -> None:
        """Multi-row inserts of the cars, their history and inspections (SQL Core): the
        cars do not enter the session, so a document's worth of them is not held."""
        if not vehicles:
            return
        # Inserted in primary-key order, like every other write of car rows: two feeds
        # naming the same new cars in opposite orders wait on each other, never in a cycle.
        vehicles = sorted(vehicles, key=lambda car: (car.store_id, car.vin.value))
        try:
            self._session.execute(
                insert(t.vehicles), [_row(t.vehicles, car, version=1) for car in vehicles]
            )
            for table, entries in (
                (t.history, [entry for car in vehicles for entry in car.history]),
                (t.inspections, [pdi for car in vehicles for pdi in car.inspections]),
            ):
                if entries:
                    self._session.execute(insert(table), [_row(table, e) for e in entries])
        except IntegrityError:
            # A VIN written meanwhile by another transaction (the caller goes car by car).
            raise ConcurrentChange(vehicles[0].vin) from None

    def save_all(self, vehicles: Sequence[Vehicle]) -> None:
        if vehicles:
            self.save(vehicles[0])  # one flush writes every changed car


_V = t.vehicles.c
_STORED = (
    _V.vin,
    _V.store_id,
    _V.state,
    _V.brand,
    _V.model,
    _V.trim,
    _V.colour,
    _V.interior,
    _V.model_year,
    _V.engine_number,
    _V.certificate_number,
    _V.options,
    _V.order_number,
    _V.allocation_number,
    _V.shipped_on,
    _V.eta,
    _V.carrier,
    _V.invoice_price,
    _V.vat_rate,
    _V.invoice_number,
    _V.invoice_tax,
    _V.colour_name,
)


def _stored_car(row: Any) -> StoredCar:
    return StoredCar(
        vin=row.vin,
        store_id=row.store_id,
        state=row.state,
        spec=VehicleSpec(row.brand, row.model, row.trim, row.colour, row.interior, row.model_year),
        engine_number=row.engine_number,
        certificate_number=row.certificate_number,
        options=row.options,
        manufacturer=ManufacturerData(
            order_number=row.order_number,
            allocation_number=row.allocation_number,
            shipped_on=row.shipped_on,
            eta=row.eta,
            carrier=row.carrier,
            invoice_price=row.invoice_price,
            vat_rate=row.vat_rate,
            invoice_number=row.invoice_number,
            invoice_tax=row.invoice_tax,
            colour_name=row.colour_name,
        ),
    )


def _row(table: Any, obj: object, **fixed: object) -> dict[str, object]:
    """The mapped attributes of ``obj`` as a row of ``table`` (the mapping names every
    attribute after its column)."""
    return {c.name: fixed[c.name] if c.name in fixed else getattr(obj, c.name) for c in table.c}


def stock_report_rows(
    session: Session, states: frozenset[VehicleState], store_id: StoreId | None = None
) -> Iterator[StoredCar]:
    """Every car in ``states`` (of ``store_id``, or the group), by store and VIN, streamed
    in chunks: a stock report of any size is read in bounded memory."""
    v = t.vehicles.c
    query = select(*_STORED).where(v.state.in_(sorted(states, key=lambda s: s.value)))
    if store_id is not None:
        query = query.where(v.store_id == store_id)
    rows = session.execute(query.order_by(v.store_id, v.vin), execution_options={"yield_per": 1000})
    for row in rows:
        yield _stored_car(row)


def car_stock_select(
    wanted: CarStockFilter, zones: Sequence[StoreTimeZone] = ()
) -> Select[tuple[object, ...]]:
    """The Core query behind :meth:`SqlCarStockQuery.find` (also used by the benchmark).

    ``zones``: the stores' time zones, needed for a days-in-stock filter (days are
    store-local, so each zone gets its own bounds on ``in_stock_since``)."""
    v = t.vehicles.c
    query = select(
        type_coerce(v.vin, String()).label("vin"),
        v.store_id,
        v.brand,
        v.model,
        v.trim,
        v.colour,
        v.interior,
        v.model_year,
        v.state,
        v.reserved_for,
        v.transfer_to,
        v.in_stock_since,
        # Plain text here: the zone object is built once per distinct zone in ``find``.
        type_coerce(org.stores.c.time_zone, String()).label("time_zone"),
        v.reserved_until,
    ).join(org.stores, org.stores.c.id == v.store_id)
    query = query.where(_state_condition(wanted))
    for column, value in (
        (v.brand, wanted.brand),
        (v.model, wanted.model),
        (v.trim, wanted.trim),
        (v.colour, wanted.colour),
    ):
        if value is not None:
            query = query.where(column == value)
    if wanted.store_id is not None:
        query = query.where(_store_condition(wanted, wanted.store_id))
    if wanted.min_days is not None or wanted.max_days is not None:
        query = query.where(_days_condition(wanted, zones))
    return query.order_by(v.model, v.colour, v.store_id, v.vin).limit(wanted.limit)


def _state_condition(wanted: CarStockFilter) -> ColumnElement[bool]:
    """States as of ``wanted.as_of``: a reservation past its deadline reads as IN_STOCK."""
    v = t.vehicles.c
    states = wanted.wanted_states()
    if wanted.as_of is None:
        return v.state.in_(sorted(states, key=lambda s: s.value))
    lapsed = and_(v.reserved_until.is_not(None), v.reserved_until <= wanted.as_of)
    plain = sorted(states - {VehicleState.RESERVED}, key=lambda s: s.value)
    clauses: list[ColumnElement[bool]] = [v.state.in_(plain)] if plain else []
    if VehicleState.IN_STOCK in states:
        clauses.append(and_(v.state == VehicleState.RESERVED, lapsed))
    if VehicleState.RESERVED in states:
        clauses.append(and_(v.state == VehicleState.RESERVED, not_(lapsed)))
    return or_(false(), *clauses)


def _store_condition(wanted: CarStockFilter, store: StoreId) -> ColumnElement[bool]:
    """A store's stock; cars in transfer only as asked for (incoming / outgoing)."""
    v = t.vehicles.c
    moving = v.state == VehicleState.IN_TRANSFER
    clauses: list[ColumnElement[bool]] = [and_(v.store_id == store, not_(moving))]
    if wanted.incoming:
        clauses.append(and_(moving, v.transfer_to == store))
    if wanted.outgoing:
        clauses.append(and_(moving, v.store_id == store))
    return or_(*clauses)


def _days_condition(wanted: CarStockFilter, zones: Sequence[StoreTimeZone]) -> ColumnElement[bool]:
    v, stores = t.vehicles.c, org.stores.c
    per_zone = []
    for zone in zones:
        earliest, before = wanted.stocked_window(zone)
        bounds = [stores.time_zone == zone, v.in_stock_since.is_not(None)]
        if earliest is not None:
            bounds.append(v.in_stock_since >= earliest)
        if before is not None:
            bounds.append(v.in_stock_since < before)
        per_zone.append(and_(*bounds))
    return or_(false(), *per_zone)


@lru_cache(maxsize=64)
def _zone(name: str) -> StoreTimeZone:
    return StoreTimeZone(name)


class SqlCarStockQuery:
    """The group-wide car stock read port, with Core selects (no aggregates loaded)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def find(self, wanted: CarStockFilter) -> Sequence[CarStockLine]:
        zones: list[StoreTimeZone] = []
        if wanted.min_days is not None or wanted.max_days is not None:
            names = self._session.scalars(
                select(type_coerce(org.stores.c.time_zone, String())).distinct()
            )
            zones = [_zone(name) for name in names]
        return [
            CarStockLine(
                vin=row.vin,
                store_id=row.store_id,
                brand=row.brand,
                model=row.model,
                trim=row.trim,
                colour=row.colour,
                interior=row.interior,
                model_year=row.model_year,
                state=row.state,
                reserved_for=row.reserved_for,
                transfer_to=row.transfer_to,
                in_stock_since=row.in_stock_since,
                time_zone=_zone(row.time_zone),
                reserved_until=row.reserved_until,
            )
            for row in self._session.execute(car_stock_select(wanted, zones))
        ]

    def history(self, vin: Vin) -> Sequence[HistoryEntry]:
        return self._session.scalars(
            select(HistoryEntry).where(t.history.c.vin == vin).order_by(t.history.c.seq)
        ).all()
