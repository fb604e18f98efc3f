"""Tables of the rebates context.

Policies are group reference data (their tiers, gates and claw-backs as JSON,
see ``converters``); sales facts, KPI readings, claims, accruals and
settlements are store-owned, ``store_id`` first (docs/adr/0040-rebates-storage-and-citus.md).
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from fours_adapters.sql.metadata import DISTRIBUTED, REFERENCE, metadata
from fours_adapters.sql.types import (
    DecimalText,
    EnumText,
    LocalDate,
    MoneyType,
    UtcDateTime,
    VatRateType,
    VinType,
)
from fours_domain.rebates.model import (
    ClaimStatus,
    ClawbackReason,
    Kpi,
    PeriodKind,
    RebateKind,
    SaleAction,
)

policies = Table(
    "reb_policies",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("brand", String(40), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("kind", EnumText(RebateKind, 24), nullable=False),
    Column("period", EnumText(PeriodKind, 16), nullable=False),
    Column("valid_from", LocalDate(), nullable=False),
    Column("valid_to", LocalDate(), nullable=False),
    Column("definition", Text(), nullable=False),
    info=REFERENCE,
)

sales = Table(
    "reb_sales",
    metadata,
    Column("store_id", String(32), ForeignKey("org_stores.id"), primary_key=True),
    Column("vin", VinType(), primary_key=True),
    Column("brand", String(40), nullable=False),
    Column("model", String(40), nullable=False),
    Column("trim", String(40), nullable=True),
    Column("colour", String(40), nullable=True),
    Column("interior", String(40), nullable=True),
    Column("model_year", Integer(), nullable=True),
    Column("picked_up_on", LocalDate(), nullable=True),
    Column("sold_on", LocalDate(), nullable=True),
    Column("delivered_on", LocalDate(), nullable=True),
    Column("invoice_price", MoneyType(), nullable=True),
    Column("purchase_cost", MoneyType(), nullable=True),
    Column("out_of_territory", Boolean(), nullable=False),
    Column("bad_customer_data", Boolean(), nullable=False),
    # The invoice's VAT rate (ADR 0046); rows from before it was recorded are 13 %.
    Column("vat_rate", VatRateType(), nullable=False, server_default="0.13"),
    Index("ix_reb_sales_brand_delivered", "brand", "delivered_on"),
    Index("ix_reb_sales_brand_picked_up", "brand", "picked_up_on"),
    Index("ix_reb_sales_vin", "vin"),
    info=DISTRIBUTED,
)

sale_amendments = Table(
    "reb_sale_amendments",
    metadata,
    Column("store_id", String(32), primary_key=True),
    Column("vin", String(17), primary_key=True),
    Column("seq", Integer(), primary_key=True, autoincrement=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("action", EnumText(SaleAction, 16), nullable=False),
    Column("reason", String(200), nullable=False),
    Column("detail", Text(), nullable=False),
    ForeignKeyConstraint(["store_id"], ["org_stores.id"]),
    info=DISTRIBUTED,
)

kpis = Table(
    "reb_kpis",
    metadata,
    Column("store_id", String(32), ForeignKey("org_stores.id"), primary_key=True),
    Column("period_key", String(8), primary_key=True),
    Column("kpi", EnumText(Kpi, 16), primary_key=True),
    Column("value", DecimalText(), nullable=False),
    info=DISTRIBUTED,
)

claims = Table(
    "reb_claims",
    metadata,
    Column("store_id", String(32), ForeignKey("org_stores.id"), primary_key=True),
    Column("policy_id", String(64), ForeignKey("reb_policies.id"), primary_key=True),
    Column("period_key", String(8), primary_key=True),
    Column("status", EnumText(ClaimStatus, 16), nullable=False),
    Column("estimated", MoneyType(), nullable=False),
    Column("confirmed", MoneyType(), nullable=True),
    Column("notice", String(200), nullable=True),
    Index("ix_reb_claims_period_key", "period_key"),
    info=DISTRIBUTED,
)

accruals = Table(
    "reb_accruals",
    metadata,
    Column("store_id", String(32), primary_key=True),
    Column("policy_id", String(64), primary_key=True),
    Column("period_key", String(8), primary_key=True),
    Column("vin", String(17), primary_key=True),
    Column("amount", MoneyType(), nullable=False),
    Column("rung", String(32), nullable=False),
    Column("unit_value", DecimalText(), nullable=False),
    Column("factor", DecimalText(), nullable=False),
    Column("clawback", EnumText(ClawbackReason, 24), nullable=True),
    Column("capped", Boolean(), nullable=False),
    ForeignKeyConstraint(
        ["store_id", "policy_id", "period_key"],
        ["reb_claims.store_id", "reb_claims.policy_id", "reb_claims.period_key"],
    ),
    info=DISTRIBUTED,
)

settlements = Table(
    "reb_settlements",
    metadata,
    Column("store_id", String(32), primary_key=True),
    Column("policy_id", String(64), primary_key=True),
    Column("period_key", String(8), primary_key=True),
    Column("seq", Integer(), primary_key=True, autoincrement=False),
    Column("amount", MoneyType(), nullable=False),
    # What was due when this was paid (ADR 0048): paid − due is the reported difference.
    Column("due", MoneyType(), nullable=False),
    Column("settled_at", UtcDateTime(), nullable=False),
    Column("reference", String(200), nullable=False),
    ForeignKeyConstraint(
        ["store_id", "policy_id", "period_key"],
        ["reb_claims.store_id", "reb_claims.policy_id", "reb_claims.period_key"],
    ),
    info=DISTRIBUTED,
)
