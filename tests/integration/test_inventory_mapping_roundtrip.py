"""The inventory mappers round-trip generated parts and stock on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pendulum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from fours_adapters.bootstrap import bootstrap
from fours_domain.inventory.model import (
    Backorder,
    BackorderStatus,
    Loan,
    Part,
    ReservationPurpose,
    StockItem,
    Transfer,
    TransferLine,
    TransferStatus,
)
from fours_domain.shared.catalogue import PartNumber
from fours_domain.shared.ids import BinCode, StoreId, WarehouseCode
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
            (i.location, i.on_hand, i.reserved, i.last_received_at, i.stocked_since, i.next_expiry)
            for store in {i.store_id for i in items}
            for i in uow.stock.items(store)
        ]
        assert sorted(row[:3] for row in loaded) == expected
        assert all(row[3] == row[4] == (AT if row[1] else None) for row in loaded)
        assert all(row[5] == (AT.add(days=1) if row[2] else None) for row in loaded)
        for item in items:
            for reservation in uow.stock.open_reservations(item.store_id):
                assert reservation.expires_at == AT.add(days=1)
                assert reservation.created_at == AT


def test_loans_backorders_and_refused_transfers_round_trip(engine: Engine) -> None:
    _wipe(engine)
    app = bootstrap(engine=engine)
    store, other = StoreId("S1"), StoreId("S2")
    loan = Loan(
        store,
        "L1",
        WarehouseCode("W1"),
        BinCode("A1"),
        PartNumber("P1"),
        3,
        "钣喷",
        AT,
        AT.add(days=7),
    )
    backorder = Backorder(
        store,
        "B1",
        WarehouseCode("W1"),
        PartNumber("P1"),
        4,
        4,
        ReservationPurpose.SALES_ORDER,
        "SO-1",
        AT,
    )
    backorder.cancel(reason="客户取消", at=AT.add(hours=1)).unwrap()
    transfer = Transfer(store, "T1", other, WarehouseCode("W1"), WarehouseCode("W1"), AT)
    transfer.lines.append(TransferLine(store, "T1", 1, PartNumber("P1"), BinCode("A1"), 2))
    transfer.refuse(reason="wrong revision", at=AT.add(hours=2)).unwrap()
    with app.uow() as uow:
        uow.stock.add_loan(loan)
        uow.stock.add_backorder(backorder)
        uow.stock.add_transfer(transfer)
        uow.commit()
    with app.uow() as uow:
        (found_loan,) = uow.stock.open_loans(store)
        assert (found_loan.due_at, found_loan.borrower, found_loan.outstanding) == (
            AT.add(days=7),
            "钣喷",
            3,
        )
        (found_bo,) = uow.stock.find_backorders(store)
        assert (found_bo.status, found_bo.cancel_reason, found_bo.cancelled_at) == (
            BackorderStatus.CANCELLED,
            "客户取消",
            AT.add(hours=1),
        )
        found_tr = uow.stock.get_transfer("T1")
        assert found_tr is not None
        assert (found_tr.status, found_tr.refuse_reason, found_tr.refused_at) == (
            TransferStatus.REFUSED,
            "wrong revision",
            AT.add(hours=2),
        )
        assert uow.stock.incoming_transfers(other) == []
