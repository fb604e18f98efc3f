"""organisation: group, regions, business units, brands, stores and their places

Revision ID: 0001_org
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import fours_adapters.sql.types as ft
from fours_domain.org.model import WarehouseKind

revision = "0001_org"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "org_groups",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_org_groups")),
    )
    op.create_table(
        "org_regions",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_org_regions")),
    )
    op.create_table(
        "org_business_units",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_org_business_units")),
    )
    op.create_table(
        "org_brands",
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("manufacturer", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_org_brands")),
    )
    op.create_table(
        "org_stores",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("region_id", sa.String(32), nullable=False),
        sa.Column("time_zone", ft.TimeZoneType(), nullable=False),
        sa.Column("business_unit_id", sa.String(32), nullable=True),
        sa.ForeignKeyConstraint(
            ["region_id"], ["org_regions.id"], name=op.f("fk_org_stores_region_id_org_regions")
        ),
        sa.ForeignKeyConstraint(
            ["business_unit_id"],
            ["org_business_units.id"],
            name=op.f("fk_org_stores_business_unit_id_org_business_units"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_org_stores")),
    )
    op.create_index(op.f("ix_org_stores_region_id"), "org_stores", ["region_id"])
    op.create_table(
        "org_franchises",
        sa.Column("store_id", sa.String(32), nullable=False),
        sa.Column("brand_code", sa.String(32), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"], ["org_stores.id"], name=op.f("fk_org_franchises_store_id_org_stores")
        ),
        sa.ForeignKeyConstraint(
            ["brand_code"],
            ["org_brands.code"],
            name=op.f("fk_org_franchises_brand_code_org_brands"),
        ),
        sa.PrimaryKeyConstraint("store_id", "brand_code", name=op.f("pk_org_franchises")),
    )
    op.create_table(
        "org_showrooms",
        sa.Column("store_id", sa.String(32), nullable=False),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"], ["org_stores.id"], name=op.f("fk_org_showrooms_store_id_org_stores")
        ),
        sa.PrimaryKeyConstraint("store_id", "code", name=op.f("pk_org_showrooms")),
    )
    op.create_table(
        "org_warehouses",
        sa.Column("store_id", sa.String(32), nullable=False),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", ft.EnumText(WarehouseKind, 16), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"], ["org_stores.id"], name=op.f("fk_org_warehouses_store_id_org_stores")
        ),
        sa.PrimaryKeyConstraint("store_id", "code", name=op.f("pk_org_warehouses")),
    )
    op.create_table(
        "org_bins",
        sa.Column("store_id", sa.String(32), nullable=False),
        sa.Column("warehouse_code", sa.String(32), nullable=False),
        sa.Column("code", sa.String(32), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id", "warehouse_code"],
            ["org_warehouses.store_id", "org_warehouses.code"],
            name=op.f("fk_org_bins_store_id_org_warehouses"),
        ),
        sa.PrimaryKeyConstraint("store_id", "warehouse_code", "code", name=op.f("pk_org_bins")),
    )


def downgrade() -> None:
    for table in (
        "org_bins",
        "org_warehouses",
        "org_showrooms",
        "org_franchises",
        "org_stores",
        "org_brands",
        "org_business_units",
        "org_regions",
        "org_groups",
    ):
        op.drop_table(table)
