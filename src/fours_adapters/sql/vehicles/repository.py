"""SQL repository and group-wide stock query of the vehicles context."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from sqlalchemy import Select, String, select, type_coerce
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from fours_adapters.sql.org import tables as org
from fours_adapters.sql.vehicles import tables as t
from fours_domain.shared.identifiers import Vin
from fours_domain.shared.ids import StoreId
from fours_domain.shared.time import DateTime, StoreTimeZone
from fours_domain.vehicles.lifecycle import STOCK_STATES, VehicleState
from fours_domain.vehicles.model import ConcurrentChange, HistoryEntry, Vehicle
from fours_domain.vehicles.ports import Availability, CarStockFilter, CarStockLine

HELD_STATES = STOCK_STATES | {VehicleState.IN_TRANSFER}
"""Default of the stock query: at a store, or in transfer between two."""


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
        return self._session.scalars(query.order_by(t.vehicles.c.vin)).all()


def car_stock_select(wanted: CarStockFilter) -> Select[tuple[object, ...]]:
    """The Core query behind :meth:`SqlCarStockQuery.find` (also used by the benchmark)."""
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
    ).join(org.stores, org.stores.c.id == v.store_id)
    states = set(wanted.states if wanted.states is not None else HELD_STATES)
    if wanted.availability is Availability.FREE:
        states &= {VehicleState.IN_STOCK}
    elif wanted.availability is Availability.RESERVED:
        states &= {VehicleState.RESERVED}
    query = query.where(v.state.in_(sorted(states, key=lambda s: s.value)))
    for column, value in (
        (v.brand, wanted.brand),
        (v.store_id, wanted.store_id),
        (v.model, wanted.model),
        (v.trim, wanted.trim),
        (v.colour, wanted.colour),
    ):
        if value is not None:
            query = query.where(column == value)
    return query.order_by(v.model, v.colour, v.store_id, v.vin).limit(wanted.limit)


@lru_cache(maxsize=64)
def _zone(name: str) -> StoreTimeZone:
    return StoreTimeZone(name)


class SqlCarStockQuery:
    """The group-wide car stock read port, with Core selects (no aggregates loaded)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def find(self, wanted: CarStockFilter) -> Sequence[CarStockLine]:
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
            )
            for row in self._session.execute(car_stock_select(wanted))
        ]

    def history(self, vin: Vin) -> Sequence[HistoryEntry]:
        return self._session.scalars(
            select(HistoryEntry).where(t.history.c.vin == vin).order_by(t.history.c.seq)
        ).all()
