"""Tables of the parts inventory (prefix ``inv_``).

Sized for 10 million stock rows (200 stores × 50,000 parts):

* ``inv_stock`` is keyed (store, warehouse, bin, part): a store's or a
  warehouse's stock is a primary-key range scan, and Citus co-locates it by
  ``store_id``. ``ix_inv_stock_part`` (part, store) answers "where is part X
  across the group" with one index range of ~200 rows. ``reserved`` and
  ``on_hand`` are in no index, so reservations are HOT updates on PostgreSQL.
* A CHECK keeps ``0 ≤ reserved ≤ on_hand`` in the database too: even a buggy
  writer cannot oversell.
* The ledger and reservations are append-mostly; their ids are UUIDv7 (time
  ordered), so inserts stay at the right edge of the B-tree.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Table,
)

from fours_adapters.sql.inventory.types import FitmentType
from fours_adapters.sql.metadata import DISTRIBUTED, REFERENCE, metadata
from fours_adapters.sql.types import EnumText, MoneyType, UtcDateTime
from fours_domain.inventory.model import (
    BackorderStatus,
    MoveKind,
    MovementClass,
    ReservationPurpose,
    ReservationStatus,
    TransferStatus,
)

parts = Table(
    "inv_parts",
    metadata,
    Column("scope_key", String(32), primary_key=True),
    Column("number", String(40), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("part_class", String(32), nullable=False),
    Column("list_price", MoneyType(), nullable=False),
    Column("cost_price", MoneyType(), nullable=False),
    Column("supplier", String(200), nullable=False),
    Column("fits", FitmentType(), nullable=False),
    Column("movement_class", EnumText(MovementClass, 8), nullable=False),
    info=REFERENCE,
)

safety_stock = Table(
    "inv_safety_stock",
    metadata,
    Column("store_id", String(32), primary_key=True),
    Column("warehouse_code", String(32), primary_key=True),
    Column("part_number", String(40), primary_key=True),
    Column("quantity", Integer, nullable=False),
    info=DISTRIBUTED,
)

stock = Table(
    "inv_stock",
    metadata,
    Column("store_id", String(32), primary_key=True),
    Column("warehouse_code", String(32), primary_key=True),
    Column("bin_code", String(32), primary_key=True),
    Column("part_number", String(40), primary_key=True),
    Column("on_hand", Integer, nullable=False),
    Column("reserved", Integer, nullable=False),
    Column("last_received_at", UtcDateTime(), nullable=True),
    Column("last_issued_at", UtcDateTime(), nullable=True),
    Column("stocked_since", UtcDateTime(), nullable=True),
    # A lower bound of the open reservations' expiries (ADR 0014): NULL or in the
    # future means nothing has lapsed, so the hot path needs no extra query.
    Column("next_expiry", UtcDateTime(), nullable=True),
    CheckConstraint("reserved >= 0 AND on_hand >= reserved", name="available"),
    Index("ix_inv_stock_part", "part_number", "store_id"),
    info=DISTRIBUTED,
)

ledger = Table(
    "inv_ledger",
    metadata,
    Column("store_id", String(32), primary_key=True),
    Column("id", String(36), primary_key=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("kind", EnumText(MoveKind, 16), nullable=False),
    Column("warehouse_code", String(32), nullable=False),
    Column("bin_code", String(32), nullable=False),
    Column("part_number", String(40), nullable=False),
    Column("quantity", BigInteger, nullable=False),
    Column("reference", String(200), nullable=False),
    Index("ix_inv_ledger_part", "store_id", "part_number", "at"),
    info=DISTRIBUTED,
)

reservations = Table(
    "inv_reservations",
    metadata,
    Column("store_id", String(32), primary_key=True),
    Column("id", String(36), primary_key=True),
    Column("warehouse_code", String(32), nullable=False),
    Column("bin_code", String(32), nullable=False),
    Column("part_number", String(40), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("purpose", EnumText(ReservationPurpose, 16), nullable=False),
    Column("reference", String(100), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=True),
    Column("status", EnumText(ReservationStatus, 10), nullable=False),
    Column("closed_at", UtcDateTime(), nullable=True),
    Column("backorder_id", String(36), nullable=True),
    Index("ix_inv_reservations_open", "store_id", "status", "expires_at"),
    info=DISTRIBUTED,
)

backorders = Table(
    "inv_backorders",
    metadata,
    Column("store_id", String(32), primary_key=True),
    Column("id", String(36), primary_key=True),
    Column("warehouse_code", String(32), nullable=False),
    Column("part_number", String(40), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("open_quantity", Integer, nullable=False),
    Column("purpose", EnumText(ReservationPurpose, 16), nullable=False),
    Column("reference", String(100), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("status", EnumText(BackorderStatus, 10), nullable=False),
    Column("cancelled_at", UtcDateTime(), nullable=True),
    Column("cancel_reason", String(200), nullable=True),
    Index("ix_inv_backorders_open", "store_id", "warehouse_code", "part_number", "status"),
    info=DISTRIBUTED,
)

transfers = Table(
    "inv_transfers",
    metadata,
    Column("store_id", String(32), primary_key=True),
    Column("id", String(36), primary_key=True),
    Column("to_store_id", String(32), nullable=False),
    Column("from_warehouse_code", String(32), nullable=False),
    Column("to_warehouse_code", String(32), nullable=False),
    Column("dispatched_at", UtcDateTime(), nullable=False),
    Column("eta", UtcDateTime(), nullable=True),
    Column("reference", String(100), nullable=False),
    Column("status", EnumText(TransferStatus, 12), nullable=False),
    Column("received_at", UtcDateTime(), nullable=True),
    Column("refused_at", UtcDateTime(), nullable=True),
    Column("refuse_reason", String(200), nullable=True),
    Index("ix_inv_transfers_incoming", "to_store_id", "status"),
    Index("ix_inv_transfers_id", "id"),
    info=DISTRIBUTED,
)

transfer_lines = Table(
    "inv_transfer_lines",
    metadata,
    Column("store_id", String(32), primary_key=True),
    Column("transfer_id", String(36), primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("part_number", String(40), nullable=False),
    Column("from_bin_code", String(32), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("to_bin_code", String(32), nullable=True),
    ForeignKeyConstraint(
        ["store_id", "transfer_id"], ["inv_transfers.store_id", "inv_transfers.id"]
    ),
    info=DISTRIBUTED,
)

expected_receipts = Table(
    "inv_expected_receipts",
    metadata,
    Column("store_id", String(32), primary_key=True),
    Column("id", String(36), primary_key=True),
    Column("warehouse_code", String(32), nullable=False),
    Column("part_number", String(40), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("eta", UtcDateTime(), nullable=False),
    Column("reference", String(100), nullable=False),
    Column("received_at", UtcDateTime(), nullable=True),
    Index("ix_inv_expected_receipts_eta", "store_id", "eta"),
    info=DISTRIBUTED,
)

loans = Table(
    "inv_loans",
    metadata,
    Column("store_id", String(32), primary_key=True),
    Column("id", String(36), primary_key=True),
    Column("warehouse_code", String(32), nullable=False),
    Column("bin_code", String(32), nullable=False),
    Column("part_number", String(40), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("borrower", String(200), nullable=False),
    Column("lent_at", UtcDateTime(), nullable=False),
    Column("due_at", UtcDateTime(), nullable=False),
    Column("returned_quantity", Integer, nullable=False),
    Column("returned_at", UtcDateTime(), nullable=True),
    # Open loans of a store by due time (the overdue alert, `stock loans`).
    Index("ix_inv_loans_open", "store_id", "returned_at", "due_at"),
    info=DISTRIBUTED,
)
