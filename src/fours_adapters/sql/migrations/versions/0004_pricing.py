"""pricing: price schemes, quotes with lines, references and approvals, authority, parts policies

Revision ID: 0004_pricing
Revises: 0003_vehicles
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import fours_adapters.sql.types as ft
from fours_domain.pricing.authority import Basis, Subject
from fours_domain.pricing.model import PriceKind, ScopeLevel
from fours_domain.pricing.quotes import LineKind, QuoteStatus

revision = "0004_pricing"
down_revision = "0003_vehicles"
branch_labels = None
depends_on = None


def _scheme_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", ft.EnumText(PriceKind, 16), nullable=False),
        sa.Column("brand", sa.String(40), nullable=False),
        sa.Column("model", sa.String(40), nullable=True),
        sa.Column("trim", sa.String(40), nullable=True),
        sa.Column("colour", sa.String(40), nullable=True),
        sa.Column("interior", sa.String(40), nullable=True),
        sa.Column("price", ft.MoneyType(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("starts", sa.DateTime(timezone=False), nullable=True),
        sa.Column("ends", sa.DateTime(timezone=False), nullable=True),
        sa.Column("created_at", ft.UtcDateTime(), nullable=True),
    ]


def _quote_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["store_id", "quote_id"],
        ["prc_quotes.store_id", "prc_quotes.id"],
        name=op.f(f"fk_{table}_store_id_prc_quotes"),
    )


def upgrade() -> None:
    op.create_table(
        "prc_schemes",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("scope_level", ft.EnumText(ScopeLevel, 8), nullable=False),
        sa.Column("scope_code", sa.String(32), nullable=False),
        *_scheme_columns(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prc_schemes")),
    )
    op.create_index(
        "ix_prc_schemes_lookup", "prc_schemes", ["scope_level", "scope_code", "brand", "model"]
    )
    op.create_table(
        "prc_store_schemes",
        sa.Column("store_id", sa.String(32), nullable=False),
        sa.Column("id", sa.String(64), nullable=False),
        *_scheme_columns(),
        sa.ForeignKeyConstraint(
            ["store_id"], ["org_stores.id"], name=op.f("fk_prc_store_schemes_store_id_org_stores")
        ),
        sa.PrimaryKeyConstraint("store_id", "id", name=op.f("pk_prc_store_schemes")),
    )
    op.create_index(
        "ix_prc_store_schemes_lookup", "prc_store_schemes", ["store_id", "brand", "model"]
    )
    op.create_index("ix_prc_store_schemes_id", "prc_store_schemes", ["id"])
    op.create_table(
        "prc_quotes",
        sa.Column("store_id", sa.String(32), nullable=False),
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("brand", sa.String(40), nullable=False),
        sa.Column("model", sa.String(40), nullable=False),
        sa.Column("trim", sa.String(40), nullable=True),
        sa.Column("colour", sa.String(40), nullable=True),
        sa.Column("interior", sa.String(40), nullable=True),
        sa.Column("model_year", sa.Integer(), nullable=True),
        sa.Column("customer", sa.String(200), nullable=False),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("author_role", sa.String(32), nullable=False),
        sa.Column("created_at", ft.UtcDateTime(), nullable=False),
        sa.Column("status", ft.EnumText(QuoteStatus, 16), nullable=False),
        sa.Column("accepted_at", ft.UtcDateTime(), nullable=True),
        sa.Column("accepted_by", sa.String(64), nullable=True),
        sa.ForeignKeyConstraint(
            ["store_id"], ["org_stores.id"], name=op.f("fk_prc_quotes_store_id_org_stores")
        ),
        sa.PrimaryKeyConstraint("store_id", "id", name=op.f("pk_prc_quotes")),
    )
    op.create_table(
        "prc_quote_lines",
        sa.Column("store_id", sa.String(32), nullable=False),
        sa.Column("quote_id", sa.String(64), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("kind", ft.EnumText(LineKind, 16), nullable=False),
        sa.Column("description", sa.String(200), nullable=False),
        sa.Column("unit_price", ft.MoneyType(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("vat_rate", ft.DecimalText(), nullable=False),
        sa.Column("gross", ft.MoneyType(), nullable=False),
        sa.Column("net", ft.MoneyType(), nullable=False),
        sa.Column("vat", ft.MoneyType(), nullable=False),
        _quote_fk("prc_quote_lines"),
        sa.PrimaryKeyConstraint("store_id", "quote_id", "line_no", name=op.f("pk_prc_quote_lines")),
    )
    op.create_table(
        "prc_quote_references",
        sa.Column("store_id", sa.String(32), nullable=False),
        sa.Column("quote_id", sa.String(64), nullable=False),
        sa.Column("kind", ft.EnumText(PriceKind, 16), nullable=False),
        sa.Column("price", ft.MoneyType(), nullable=False),
        sa.Column("scheme_id", sa.String(64), nullable=False),
        _quote_fk("prc_quote_references"),
        sa.PrimaryKeyConstraint(
            "store_id", "quote_id", "kind", name=op.f("pk_prc_quote_references")
        ),
    )
    op.create_table(
        "prc_quote_approvals",
        sa.Column("store_id", sa.String(32), nullable=False),
        sa.Column("quote_id", sa.String(64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("approver", sa.String(64), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("price", ft.MoneyType(), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("approved_at", ft.UtcDateTime(), nullable=False),
        sa.Column("expires_at", ft.UtcDateTime(), nullable=False),
        _quote_fk("prc_quote_approvals"),
        sa.PrimaryKeyConstraint("store_id", "quote_id", "seq", name=op.f("pk_prc_quote_approvals")),
    )
    op.create_table(
        "prc_authority",
        sa.Column("subject", ft.EnumText(Subject, 16), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("basis", ft.EnumText(Basis, 16), nullable=False),
        sa.Column("share", ft.DecimalText(), nullable=False),
        sa.Column("amount_off", ft.MoneyType(), nullable=False),
        sa.PrimaryKeyConstraint("subject", "role", name=op.f("pk_prc_authority")),
    )
    op.create_table(
        "prc_part_policies",
        sa.Column("part_class", sa.String(32), nullable=False),
        sa.Column("customer_type", sa.String(32), nullable=False),
        sa.Column("share", ft.DecimalText(), nullable=False),
        sa.PrimaryKeyConstraint("part_class", "customer_type", name=op.f("pk_prc_part_policies")),
    )
    op.create_table(
        "prc_part_approvals",
        sa.Column("store_id", sa.String(32), nullable=False),
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("part_number", sa.String(40), nullable=False),
        sa.Column("customer_type", sa.String(32), nullable=False),
        sa.Column("price", ft.MoneyType(), nullable=False),
        sa.Column("approver", sa.String(64), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("approved_at", ft.UtcDateTime(), nullable=False),
        sa.Column("expires_at", ft.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"], ["org_stores.id"], name=op.f("fk_prc_part_approvals_store_id_org_stores")
        ),
        sa.PrimaryKeyConstraint("store_id", "id", name=op.f("pk_prc_part_approvals")),
    )


def downgrade() -> None:
    op.drop_index("ix_prc_store_schemes_id", "prc_store_schemes")
    op.drop_index("ix_prc_store_schemes_lookup", "prc_store_schemes")
    op.drop_index("ix_prc_schemes_lookup", "prc_schemes")
    for table in (
        "prc_part_approvals",
        "prc_part_policies",
        "prc_authority",
        "prc_quote_approvals",
        "prc_quote_references",
        "prc_quote_lines",
        "prc_quotes",
        "prc_store_schemes",
        "prc_schemes",
    ):
        op.drop_table(table)
