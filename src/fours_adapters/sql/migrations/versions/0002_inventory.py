"""inventory: parts catalogue, stock, ledger, reservations, backorders, transfers, loans

Revision ID: 0002_inventory
Revises: 0001_org
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import fours_adapters.sql.types as ft
from fours_adapters.sql.inventory.types import FitmentType
from fours_domain.inventory.model import (
    BackorderStatus,
    MoveKind,
    MovementClass,
    ReservationPurpose,
    ReservationStatus,
    TransferStatus,
)

revision = "0002_inventory"
down_revision = "0001_org"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inv_parts",
        sa.Column("scope_key", sa.String(32), nullable=False),
        sa.Column("number", sa.String(40), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("part_class", sa.String(32), nullable=False),
        sa.Column("list_price", ft.MoneyType(), nullable=False),
        sa.Column("cost_price", ft.MoneyType(), nullable=False),
        sa.Column("supplier", sa.String(200), nullable=False),
        sa.Column("fits", FitmentType(), nullable=False),
        sa.Column("movement_class", ft.EnumText(MovementClass, 8), nullable=False),
        sa.PrimaryKeyConstraint("scope_key", "number", name=op.f("pk_inv_parts")),
    )
    op.create_table(
        "inv_safety_stock",
        sa.Column("store_id", sa.String(32), nullable=False),
        sa.Column("warehouse_code", sa.String(32), nullable=False),
        sa.Column("part_number", sa.String(40), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "store_id", "warehouse_code", "part_number", name=op.f("pk_inv_safety_stock")
        ),
    )
    op.create_table(
        "inv_stock",
        sa.Column("store_id", sa.String(32), nullable=False),
        sa.Column("warehouse_code", sa.String(32), nullable=False),
        sa.Column("bin_code", sa.String(32), nullable=False),
        sa.Column("part_number", sa.String(40), nullable=False),
        sa.Column("on_hand", sa.Integer(), nullable=False),
        sa.Column("reserved", sa.Integer(), nullable=False),
        sa.Column("last_received_at", ft.UtcDateTime(), nullable=True),
        sa.Column("last_issued_at", ft.UtcDateTime(), nullable=True),
        sa.CheckConstraint(
            "reserved >= 0 AND on_hand >= reserved", name=op.f("ck_inv_stock_available")
        ),
        sa.PrimaryKeyConstraint(
            "store_id", "warehouse_code", "bin_code", "part_number", name=op.f("pk_inv_stock")
        ),
    )
    op.create_index("ix_inv_stock_part", "inv_stock", ["part_number", "store_id"])
    op.create_table(
        "inv_ledger",
        sa.Column("store_id", sa.String(32), nullable=False),
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("at", ft.UtcDateTime(), nullable=False),
        sa.Column("kind", ft.EnumText(MoveKind, 16), nullable=False),
        sa.Column("warehouse_code", sa.String(32), nullable=False),
        sa.Column("bin_code", sa.String(32), nullable=False),
        sa.Column("part_number", sa.String(40), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("reference", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("store_id", "id", name=op.f("pk_inv_ledger")),
    )
    op.create_index("ix_inv_ledger_part", "inv_ledger", ["store_id", "part_number", "at"])
    op.create_table(
        "inv_reservations",
        sa.Column("store_id", sa.String(32), nullable=False),
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("warehouse_code", sa.String(32), nullable=False),
        sa.Column("bin_code", sa.String(32), nullable=False),
        sa.Column("part_number", sa.String(40), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("purpose", ft.EnumText(ReservationPurpose, 16), nullable=False),
        sa.Column("reference", sa.String(100), nullable=False),
        sa.Column("created_at", ft.UtcDateTime(), nullable=False),
        sa.Column("expires_at", ft.UtcDateTime(), nullable=True),
        sa.Column("status", ft.EnumText(ReservationStatus, 10), nullable=False),
        sa.Column("closed_at", ft.UtcDateTime(), nullable=True),
        sa.Column("backorder_id", sa.String(36), nullable=True),
        sa.PrimaryKeyConstraint("store_id", "id", name=op.f("pk_inv_reservations")),
    )
    op.create_index(
        "ix_inv_reservations_open", "inv_reservations", ["store_id", "status", "expires_at"]
    )
    op.create_table(
        "inv_backorders",
        sa.Column("store_id", sa.String(32), nullable=False),
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("warehouse_code", sa.String(32), nullable=False),
        sa.Column("part_number", sa.String(40), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("open_quantity", sa.Integer(), nullable=False),
        sa.Column("purpose", ft.EnumText(ReservationPurpose, 16), nullable=False),
        sa.Column("reference", sa.String(100), nullable=False),
        sa.Column("created_at", ft.UtcDateTime(), nullable=False),
        sa.Column("status", ft.EnumText(BackorderStatus, 10), nullable=False),
        sa.PrimaryKeyConstraint("store_id", "id", name=op.f("pk_inv_backorders")),
    )
    op.create_index(
        "ix_inv_backorders_open",
        "inv_backorders",
        ["store_id", "warehouse_code", "part_number", "status"],
    )
    op.create_table(
        "inv_transfers",
        sa.Column("store_id", sa.String(32), nullable=False),
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("to_store_id", sa.String(32), nullable=False),
        sa.Column("from_warehouse_code", sa.String(32), nullable=False),
        sa.Column("to_warehouse_code", sa.String(32), nullable=False),
        sa.Column("dispatched_at", ft.UtcDateTime(), nullable=False),
        sa.Column("eta", ft.UtcDateTime(), nullable=True),
        sa.Column("reference", sa.String(100), nullable=False),
        sa.Column("status", ft.EnumText(TransferStatus, 12), nullable=False),
        sa.Column("received_at", ft.UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("store_id", "id", name=op.f("pk_inv_transfers")),
    )
    op.create_index("ix_inv_transfers_id", "inv_transfers", ["id"])
    op.create_index("ix_inv_transfers_incoming", "inv_transfers", ["to_store_id", "status"])
    op.create_table(
        "inv_transfer_lines",
        sa.Column("store_id", sa.String(32), nullable=False),
        sa.Column("transfer_id", sa.String(36), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("part_number", sa.String(40), nullable=False),
        sa.Column("from_bin_code", sa.String(32), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("to_bin_code", sa.String(32), nullable=True),
        sa.ForeignKeyConstraint(
            ["store_id", "transfer_id"],
            ["inv_transfers.store_id", "inv_transfers.id"],
            name=op.f("fk_inv_transfer_lines_store_id_transfer_id_inv_transfers"),
        ),
        sa.PrimaryKeyConstraint(
            "store_id", "transfer_id", "line_no", name=op.f("pk_inv_transfer_lines")
        ),
    )
    op.create_table(
        "inv_expected_receipts",
        sa.Column("store_id", sa.String(32), nullable=False),
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("warehouse_code", sa.String(32), nullable=False),
        sa.Column("part_number", sa.String(40), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("eta", ft.UtcDateTime(), nullable=False),
        sa.Column("reference", sa.String(100), nullable=False),
        sa.Column("received_at", ft.UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("store_id", "id", name=op.f("pk_inv_expected_receipts")),
    )
    op.create_index("ix_inv_expected_receipts_eta", "inv_expected_receipts", ["store_id", "eta"])
    op.create_table(
        "inv_loans",
        sa.Column("store_id", sa.String(32), nullable=False),
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("warehouse_code", sa.String(32), nullable=False),
        sa.Column("bin_code", sa.String(32), nullable=False),
        sa.Column("part_number", sa.String(40), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("borrower", sa.String(200), nullable=False),
        sa.Column("lent_at", ft.UtcDateTime(), nullable=False),
        sa.Column("returned_quantity", sa.Integer(), nullable=False),
        sa.Column("returned_at", ft.UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("store_id", "id", name=op.f("pk_inv_loans")),
    )


def downgrade() -> None:
    for table in (
        "inv_loans",
        "inv_expected_receipts",
        "inv_transfer_lines",
        "inv_transfers",
        "inv_backorders",
        "inv_reservations",
        "inv_ledger",
        "inv_stock",
        "inv_safety_stock",
        "inv_parts",
    ):
        op.drop_table(table)
