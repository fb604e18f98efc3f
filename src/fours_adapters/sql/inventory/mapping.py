"""Imperative mapping of the inventory aggregates."""

from __future__ import annotations

from sqlalchemy.orm import registry, relationship

from fours_adapters.sql.inventory import tables as t
from fours_domain.inventory import model as m


def map_inventory(reg: registry) -> None:
    reg.map_imperatively(m.Part, t.parts)
    reg.map_imperatively(m.SafetyStock, t.safety_stock)
    reg.map_imperatively(m.StockItem, t.stock)
    reg.map_imperatively(m.LedgerEntry, t.ledger)
    reg.map_imperatively(m.Reservation, t.reservations)
    reg.map_imperatively(m.Backorder, t.backorders)
    reg.map_imperatively(m.Loan, t.loans)
    reg.map_imperatively(m.TransferLine, t.transfer_lines)
    reg.map_imperatively(
        m.Transfer,
        t.transfers,
        properties={
            "lines": relationship(
                m.TransferLine,
                cascade="all, delete-orphan",
                order_by=t.transfer_lines.c.line_no,
                lazy="selectin",
            )
        },
    )
