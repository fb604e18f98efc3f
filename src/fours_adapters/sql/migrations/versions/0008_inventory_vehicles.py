"""Inventory and vehicles fixes: lapsing reservations, stock age, loan due dates,
backorder cancellation, refused transfers, group companies

Revision ID: 0008_inventory_vehicles
Revises: 0007_dms_positions
Create Date: 2026-11-26
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

import fours_adapters.sql.types as ft
from fours_adapters.sql.org.types import SocialCreditCodeType

revision = "0008_inventory_vehicles"
down_revision = "0007_dms_positions"
branch_labels = None
depends_on = None

LEGACY_LOAN_DAYS = 7
"""Loans written before due dates existed are due this long after lending."""

_LEDGER_IN = (
    "FROM inv_ledger l WHERE l.quantity > 0 AND l.store_id = inv_stock.store_id"
    " AND l.warehouse_code = inv_stock.warehouse_code AND l.bin_code = inv_stock.bin_code"
    " AND l.part_number = inv_stock.part_number"
)
_STOCKED_SINCE = (
    "UPDATE inv_stock SET stocked_since = coalesce(last_received_at,"  # noqa: S608
    f" (SELECT min(l.at) {_LEDGER_IN}))"
    f" WHERE on_hand > 0 AND (last_received_at IS NOT NULL OR EXISTS (SELECT 1 {_LEDGER_IN}))"
)
_OPEN_EXPIRING = (
    "FROM inv_reservations r WHERE r.status = 'open' AND r.expires_at IS NOT NULL"
    " AND r.store_id = inv_stock.store_id AND r.warehouse_code = inv_stock.warehouse_code"
    " AND r.bin_code = inv_stock.bin_code AND r.part_number = inv_stock.part_number"
)
_NEXT_EXPIRY = (
    f"UPDATE inv_stock SET next_expiry = (SELECT min(r.expires_at) {_OPEN_EXPIRING})"  # noqa: S608
    f" WHERE reserved > 0 AND EXISTS (SELECT 1 {_OPEN_EXPIRING})"
)


def upgrade() -> None:
    _inventory()
    _org()
    _vehicles()


def _org() -> None:
    op.create_table(
        "org_companies",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("uscc", SocialCreditCodeType(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_org_companies")),
        sa.UniqueConstraint("uscc", name=op.f("uq_org_companies_uscc")),
    )
    if op.get_bind().dialect.name == "sqlite":
        # SQLite takes a column REFERENCES clause in ADD COLUMN; the batch copy-and-move
        # would rebuild org_stores, which every store-owned table references.
        op.execute(
            "ALTER TABLE org_stores ADD COLUMN company_id VARCHAR(32) REFERENCES org_companies (id)"
        )
    else:
        op.add_column(
            "org_stores",
            sa.Column(
                "company_id",
                sa.String(32),
                sa.ForeignKey(
                    "org_companies.id", name=op.f("fk_org_stores_company_id_org_companies")
                ),
                nullable=True,
            ),
        )


def _vehicles() -> None:
    # A store's incoming cars (in transfer to it), for `vehicles find --store`.
    op.create_index("ix_veh_vehicles_transfer_to", "veh_vehicles", ["transfer_to"])


def _inventory() -> None:
    with op.batch_alter_table("inv_stock") as batch:
        batch.add_column(sa.Column("stocked_since", ft.UtcDateTime(), nullable=True))
        batch.add_column(sa.Column("next_expiry", ft.UtcDateTime(), nullable=True))
    # Stock age (ADR 0015): since the last receipt, else the first inbound ledger entry
    # (stock that came by move, transfer or loan return had no receipt time).
    op.execute(_STOCKED_SINCE)
    # Lapsing reservations (ADR 0014): the earliest expiry of each item's open reservations.
    op.execute(_NEXT_EXPIRY)

    with op.batch_alter_table("inv_backorders") as batch:
        batch.add_column(sa.Column("cancelled_at", ft.UtcDateTime(), nullable=True))
        batch.add_column(sa.Column("cancel_reason", sa.String(200), nullable=True))
    with op.batch_alter_table("inv_transfers") as batch:
        batch.add_column(sa.Column("refused_at", ft.UtcDateTime(), nullable=True))
        batch.add_column(sa.Column("refuse_reason", sa.String(200), nullable=True))

    with op.batch_alter_table("inv_loans") as batch:
        batch.add_column(sa.Column("due_at", ft.UtcDateTime(), nullable=True))
    loans = sa.table(
        "inv_loans",
        sa.column("store_id", sa.String(32)),
        sa.column("id", sa.String(36)),
        sa.column("lent_at", ft.UtcDateTime()),
        sa.column("due_at", ft.UtcDateTime()),
    )
    bind = op.get_bind()
    for store_id, loan_id, lent_at in bind.execute(
        sa.select(loans.c.store_id, loans.c.id, loans.c.lent_at)
    ).all():
        bind.execute(
            loans.update()
            .where(loans.c.store_id == store_id, loans.c.id == loan_id)
            .values(due_at=lent_at + dt.timedelta(days=LEGACY_LOAN_DAYS))
        )
    with op.batch_alter_table("inv_loans") as batch:
        batch.alter_column("due_at", existing_type=ft.UtcDateTime(), nullable=False)
        batch.create_index("ix_inv_loans_open", ["store_id", "returned_at", "due_at"])


def downgrade() -> None:
    op.drop_index("ix_veh_vehicles_transfer_to", table_name="veh_vehicles")
    with op.batch_alter_table("org_stores") as batch:
        batch.drop_column("company_id")
    op.drop_table("org_companies")
    with op.batch_alter_table("inv_loans") as batch:
        batch.drop_index("ix_inv_loans_open")
        batch.drop_column("due_at")
    with op.batch_alter_table("inv_transfers") as batch:
        batch.drop_column("refuse_reason")
        batch.drop_column("refused_at")
    with op.batch_alter_table("inv_backorders") as batch:
        batch.drop_column("cancel_reason")
        batch.drop_column("cancelled_at")
    with op.batch_alter_table("inv_stock") as batch:
        batch.drop_column("next_expiry")
        batch.drop_column("stocked_since")
