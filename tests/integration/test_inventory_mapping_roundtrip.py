"""The inventory mappers round-trip generated parts and stock on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pendulum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from fours_adapters.bootstrap import bootstrap
from fours_domain.inventory.model import Part, ReservationPurpose, StockItem
from fours_domain.testing import strategies as fs
from tests.conftest import _wipe

AT = pendulum.datetime(2026, 11, 25, 1, 2, 3, 456789, tz="UTC")


def _part(p: Part) -> tuple[Any, ...]:
    return (
        p.scope_key,
        p.number,
        p.name.strip(),
        p.part_class,
        p.list_price,
        p.cost_price,
        p.supplier,
        p.fits,
        p.movement_class,
    )


@settings(max_examples=10, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=st.lists(fs.parts(), max_size=6, unique_by=lambda p: p.number))
def test_generated_parts_round_trip(engine: Engine, parts: list[Part]) -> None:
    _wipe(engine)
    app = bootstrap(engine=engine)
    expected = sorted(_part(p) for p in parts)
    with app.uow() as uow:
        for part in parts:
            uow.parts.add(part)
        uow.commit()
    with app.uow() as uow:
        assert sorted(_part(p) for p in uow.parts.list()) == expected


@settings(max_examples=10, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items=st.lists(fs.stock_items(), max_size=6, unique_by=lambda i: i.location))
def test_generated_stock_round_trips(engine: Engine, items: list[StockItem]) -> None:
    _wipe(engine)
    app = bootstrap(engine=engine)
    with app.uow() as uow:
        locked = uow.stock.lock([i.location for i in items], create=True)
        for item in items:
            target = locked[item.location]
            if item.on_hand:
                uow.stock.append(
                    target.receive(item.on_hand, at=AT, entry_id=f"e-{len(str(item))}-{id(item)}")
                )
            if item.reserved:
                reservation = target.reserve(
                    item.reserved,
                    reservation_id=f"r-{id(item)}",
                    purpose=ReservationPurpose.TRANSFER,
                    reference="RT",
                    at=AT,
                    expires_at=AT.add(days=1),
                ).unwrap()
                uow.stock.add_reservation(reservation)
        uow.commit()
    expected = sorted((i.location, i.on_hand, i.reserved) for i in items)
    with app.uow() as uow:
        loaded = [
            (i.location, i.on_hand, i.reserved, i.last_received_at)
            for store in {i.store_id for i in items}
            for i in uow.stock.items(store)
        ]
        assert sorted(row[:3] for row in loaded) == expected
        assert all(row[3] == (AT if row[1] else None) for row in loaded)
        for item in items:
            for reservation in uow.stock.open_reservations(item.store_id):
                assert reservation.expires_at == AT.add(days=1)
                assert reservation.created_at == AT
