"""pricing and rebates fixes: staff roster, quote versions, counter-price grants, scheme ends,
sale VAT rates and amendments, settlement payments

Revision ID: 0010_pricing_rebates
Revises: 0009_dms_vehicles
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import fours_adapters.sql.types as ft
from fours_domain.rebates.model import SaleAction

revision = "0010_pricing_rebates"
down_revision = "0009_dms_vehicles"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "org_staff",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_org_staff")),
    )
    op.create_table(
        "org_staff_roles",
        sa.Column("staff_id", sa.String(64), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("scope", sa.String(32), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["org_staff.id"], name=op.f("fk_org_staff_roles_staff_id_org_staff")
        ),
        sa.PrimaryKeyConstraint("staff_id", "role", "scope", name=op.f("pk_org_staff_roles")),
    )

    for table in ("prc_schemes", "prc_store_schemes"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("ended_at", ft.UtcDateTime(), nullable=True))
            batch.add_column(sa.Column("end_reason", sa.String(200), nullable=True))
    with op.batch_alter_table("prc_quotes") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    with op.batch_alter_table("prc_quote_lines") as batch:
        batch.add_column(sa.Column("part_number", sa.String(40), nullable=True))
        batch.add_column(sa.Column("policy_price", ft.MoneyType(), nullable=True))
    op.create_table(
        "prc_part_grants",
        sa.Column("store_id", sa.String(32), nullable=False),
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("part_number", sa.String(40), nullable=False),
        sa.Column("customer_type", sa.String(32), nullable=False),
        sa.Column("list_price", ft.MoneyType(), nullable=False),
        sa.Column("policy_price", ft.MoneyType(), nullable=False),
        sa.Column("policy", sa.String(200), nullable=False),
        sa.Column("price", ft.MoneyType(), nullable=False),
        sa.Column("granted_by", sa.String(64), nullable=False),
        sa.Column("role", sa.String(32), nullable=True),
        sa.Column("approval_id", sa.String(64), nullable=True),
        sa.Column("granted_at", ft.UtcDateTime(), nullable=False),
        sa.Column("quote_id", sa.String(64), nullable=True),
        sa.ForeignKeyConstraint(
            ["store_id"], ["org_stores.id"], name=op.f("fk_prc_part_grants_store_id_org_stores")
        ),
        sa.PrimaryKeyConstraint("store_id", "id", name=op.f("pk_prc_part_grants")),
    )

    with op.batch_alter_table("reb_sales") as batch:
        batch.add_column(
            sa.Column("vat_rate", ft.VatRateType(), nullable=False, server_default="0.13")
        )
    op.create_table(
        "reb_sale_amendments",
        sa.Column("store_id", sa.String(32), nullable=False),
        sa.Column("vin", sa.String(17), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", ft.UtcDateTime(), nullable=False),
        sa.Column("action", ft.EnumText(SaleAction, 16), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"], ["org_stores.id"], name=op.f("fk_reb_sale_amendments_store_id_org_stores")
        ),
        sa.PrimaryKeyConstraint("store_id", "vin", "seq", name=op.f("pk_reb_sale_amendments")),
    )
    # Settlements so far paid exactly what was due.
    with op.batch_alter_table("reb_settlements") as batch:
        batch.add_column(sa.Column("due", ft.MoneyType(), nullable=True))
    op.execute("UPDATE reb_settlements SET due = amount")
    with op.batch_alter_table("reb_settlements") as batch:
        batch.alter_column("due", existing_type=ft.MoneyType(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("reb_settlements") as batch:
        batch.drop_column("due")
    op.drop_table("reb_sale_amendments")
    with op.batch_alter_table("reb_sales") as batch:
        batch.drop_column("vat_rate")
    op.drop_table("prc_part_grants")
    with op.batch_alter_table("prc_quote_lines") as batch:
        batch.drop_column("policy_price")
        batch.drop_column("part_number")
    with op.batch_alter_table("prc_quotes") as batch:
        batch.drop_column("version")
    for table in ("prc_store_schemes", "prc_schemes"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("end_reason")
            batch.drop_column("ended_at")
    op.drop_table("org_staff_roles")
    op.drop_table("org_staff")
