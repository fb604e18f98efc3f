"""rebates: policies, sales facts, KPI readings, claims, accruals, settlements

Revision ID: 0005_rebates
Revises: 0004_pricing
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import fours_adapters.sql.types as ft
from fours_domain.rebates.model import ClaimStatus, ClawbackReason, Kpi, PeriodKind, RebateKind

revision = "0005_rebates"
down_revision = "0004_pricing"
branch_labels = None
depends_on = None

_CLAIM = ["store_id", "policy_id", "period_key"]
_CLAIM_REF = ["reb_claims.store_id", "reb_claims.policy_id", "reb_claims.period_key"]


def upgrade() -> None:
    op.create_table(
        "reb_policies",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("brand", sa.String(40), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", ft.EnumText(RebateKind, 24), nullable=False),
        sa.Column("period", ft.EnumText(PeriodKind, 16), nullable=False),
        sa.Column("valid_from", ft.LocalDate(), nullable=False),
        sa.Column("valid_to", ft.LocalDate(), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reb_policies")),
    )
    op.create_index(op.f("ix_reb_policies_brand"), "reb_policies", ["brand"])
    op.create_table(
        "reb_sales",
        sa.Column("store_id", sa.String(32), nullable=False),
        sa.Column("vin", ft.VinType(), nullable=False),
        sa.Column("brand", sa.String(40), nullable=False),
        sa.Column("model", sa.String(40), nullable=False),
        sa.Column("trim", sa.String(40), nullable=True),
        sa.Column("colour", sa.String(40), nullable=True),
        sa.Column("interior", sa.String(40), nullable=True),
        sa.Column("model_year", sa.Integer(), nullable=True),
        sa.Column("picked_up_on", ft.LocalDate(), nullable=True),
        sa.Column("sold_on", ft.LocalDate(), nullable=True),
        sa.Column("delivered_on", ft.LocalDate(), nullable=True),
        sa.Column("invoice_price", ft.MoneyType(), nullable=True),
        sa.Column("purchase_cost", ft.MoneyType(), nullable=True),
        sa.Column("out_of_territory", sa.Boolean(), nullable=False),
        sa.Column("bad_customer_data", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"], ["org_stores.id"], name=op.f("fk_reb_sales_store_id_org_stores")
        ),
        sa.PrimaryKeyConstraint("store_id", "vin", name=op.f("pk_reb_sales")),
    )
    op.create_index("ix_reb_sales_brand_delivered", "reb_sales", ["brand", "delivered_on"])
    op.create_index("ix_reb_sales_brand_picked_up", "reb_sales", ["brand", "picked_up_on"])
    op.create_index("ix_reb_sales_vin", "reb_sales", ["vin"])
    op.create_table(
        "reb_kpis",
        sa.Column("store_id", sa.String(32), nullable=False),
        sa.Column("period_key", sa.String(8), nullable=False),
        sa.Column("kpi", ft.EnumText(Kpi, 16), nullable=False),
        sa.Column("value", ft.DecimalText(), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"], ["org_stores.id"], name=op.f("fk_reb_kpis_store_id_org_stores")
        ),
        sa.PrimaryKeyConstraint("store_id", "period_key", "kpi", name=op.f("pk_reb_kpis")),
    )
    op.create_table(
        "reb_claims",
        sa.Column("store_id", sa.String(32), nullable=False),
        sa.Column("policy_id", sa.String(64), nullable=False),
        sa.Column("period_key", sa.String(8), nullable=False),
        sa.Column("status", ft.EnumText(ClaimStatus, 16), nullable=False),
        sa.Column("estimated", ft.MoneyType(), nullable=False),
        sa.Column("confirmed", ft.MoneyType(), nullable=True),
        sa.Column("notice", sa.String(200), nullable=True),
        sa.ForeignKeyConstraint(
            ["store_id"], ["org_stores.id"], name=op.f("fk_reb_claims_store_id_org_stores")
        ),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["reb_policies.id"],
            name=op.f("fk_reb_claims_policy_id_reb_policies"),
        ),
        sa.PrimaryKeyConstraint(*_CLAIM, name=op.f("pk_reb_claims")),
    )
    op.create_index("ix_reb_claims_period_key", "reb_claims", ["period_key"])
    op.create_table(
        "reb_accruals",
        sa.Column("store_id", sa.String(32), nullable=False),
        sa.Column("policy_id", sa.String(64), nullable=False),
        sa.Column("period_key", sa.String(8), nullable=False),
        sa.Column("vin", sa.String(17), nullable=False),
        sa.Column("amount", ft.MoneyType(), nullable=False),
        sa.Column("rung", sa.String(32), nullable=False),
        sa.Column("unit_value", ft.DecimalText(), nullable=False),
        sa.Column("factor", ft.DecimalText(), nullable=False),
        sa.Column("clawback", ft.EnumText(ClawbackReason, 24), nullable=True),
        sa.Column("capped", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            _CLAIM, _CLAIM_REF, name=op.f("fk_reb_accruals_store_id_reb_claims")
        ),
        sa.PrimaryKeyConstraint(*_CLAIM, "vin", name=op.f("pk_reb_accruals")),
    )
    op.create_table(
        "reb_settlements",
        sa.Column("store_id", sa.String(32), nullable=False),
        sa.Column("policy_id", sa.String(64), nullable=False),
        sa.Column("period_key", sa.String(8), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("amount", ft.MoneyType(), nullable=False),
        sa.Column("settled_at", ft.UtcDateTime(), nullable=False),
        sa.Column("reference", sa.String(200), nullable=False),
        sa.ForeignKeyConstraint(
            _CLAIM, _CLAIM_REF, name=op.f("fk_reb_settlements_store_id_reb_claims")
        ),
        sa.PrimaryKeyConstraint(*_CLAIM, "seq", name=op.f("pk_reb_settlements")),
    )


def downgrade() -> None:
    for table in (
        "reb_settlements",
        "reb_accruals",
        "reb_claims",
        "reb_kpis",
        "reb_sales",
        "reb_policies",
    ):
        op.drop_table(table)
