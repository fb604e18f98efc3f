"""DMS feeds: the manufacturer's stock positions, and ignored records in the journal

Revision ID: 0007_dms_positions
Revises: 0006_dms
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import fours_adapters.sql.types as ft

revision = "0007_dms_positions"
down_revision = "0006_dms"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dms_stock_positions",
        sa.Column("store_id", sa.String(32), nullable=False),
        sa.Column("part_number", sa.String(40), nullable=False),
        sa.Column("location", sa.String(40), nullable=False),
        sa.Column("dealer_code", sa.String(40), nullable=True),
        sa.Column("on_hand", sa.Integer(), nullable=False),
        sa.Column("reserved", sa.Integer(), nullable=True),
        sa.Column("on_order", sa.Integer(), nullable=True),
        sa.Column("back_ordered", sa.Integer(), nullable=True),
        sa.Column("unit_price", ft.MoneyType(), nullable=True),
        sa.Column("last_sold_on", ft.LocalDate(), nullable=True),
        sa.Column("last_received_on", ft.LocalDate(), nullable=True),
        sa.Column("as_of", ft.LocalDate(), nullable=True),
        sa.Column("import_id", sa.String(40), nullable=False),
        sa.Column("imported_at", ft.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint(
            "store_id", "part_number", "location", name=op.f("pk_dms_stock_positions")
        ),
    )
    op.create_index(
        "ix_dms_stock_positions_part", "dms_stock_positions", ["part_number", "store_id"]
    )
    with op.batch_alter_table("dms_imports") as batch:
        batch.add_column(sa.Column("ignored", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("dms_imports") as batch:
        batch.drop_column("ignored")
    op.drop_index("ix_dms_stock_positions_part", table_name="dms_stock_positions")
    op.drop_table("dms_stock_positions")
