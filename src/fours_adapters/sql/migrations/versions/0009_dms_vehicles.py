"""dms vehicles: what a manufacturer invoice says of a car; the transactional event outbox

Revision ID: 0009_dms_vehicles
Revises: 0008_inventory_vehicles
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import fours_adapters.sql.types as ft

revision = "0009_dms_vehicles"
down_revision = "0008_inventory_vehicles"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("veh_vehicles") as batch:
        batch.add_column(sa.Column("invoice_number", sa.String(200), nullable=True))
        batch.add_column(sa.Column("invoice_tax", ft.MoneyType(), nullable=True))
        batch.add_column(sa.Column("colour_name", sa.String(200), nullable=True))
    op.create_table(
        "evt_outbox",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("event_type", sa.String(200), nullable=False),
        sa.Column("occurred_at", ft.UtcDateTime(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_evt_outbox")),
    )


def downgrade() -> None:
    op.drop_table("evt_outbox")
    with op.batch_alter_table("veh_vehicles") as batch:
        batch.drop_column("colour_name")
        batch.drop_column("invoice_tax")
        batch.drop_column("invoice_number")
