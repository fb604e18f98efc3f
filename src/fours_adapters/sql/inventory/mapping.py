"""Imperative mapping of the inventory aggregates."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session, registry, relationship

from fours_adapters.sql.inventory import tables as t
from fours_domain.inventory import model as m


def map_inventory(reg: registry) -> None:
    """Map the inventory records. ``StockItem`` is deliberately *not* mapped: the
    repository reads it with Core (locked) and writes changes back in a
    ``before_commit`` hook — the hot path of every reservation, kept lean."""
    from fours_adapters.sql.inventory.repository import forget_stock, write_stock_changes

    for name, hook in (
        ("before_commit", write_stock_changes),
        ("after_commit", forget_stock),
        ("after_rollback", forget_stock),
    ):
        if not event.contains(Session, name, hook):
            event.listen(Session, name, hook)
    reg.map_imperatively(m.Part, t.parts)
    reg.map_imperatively(m.SafetyStock, t.safety_stock)
    reg.map_imperatively(m.LedgerEntry, t.ledger)
    reg.map_imperatively(m.Reservation, t.reservations)
    reg.map_imperatively(m.Backorder, t.backorders)
    reg.map_imperatively(m.Loan, t.loans)
    reg.map_imperatively(m.ExpectedReceipt, t.expected_receipts)
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
