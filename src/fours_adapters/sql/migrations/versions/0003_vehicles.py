"""vehicles: cars by VIN, their history and PDI inspections

Revision ID: 0003_vehicles
Revises: 0002_inventory
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import fours_adapters.sql.types as ft
import fours_adapters.sql.vehicles.types as vt
from fours_domain.vehicles.lifecycle import VehicleAction, VehicleState
from fours_domain.vehicles.model import HolderKind

revision = "0003_vehicles"
down_revision = "0002_inventory"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "veh_vehicles",
        sa.Column("store_id", sa.String(32), nullable=False),
        sa.Column("vin", ft.VinType(), nullable=False),
        sa.Column("brand", sa.String(40), nullable=False),
        sa.Column("model", sa.String(40), nullable=False),
        sa.Column("trim", sa.String(40), nullable=True),
        sa.Column("colour", sa.String(40), nullable=True),
        sa.Column("interior", sa.String(40), nullable=True),
        sa.Column("model_year", sa.Integer(), nullable=True),
        sa.Column("state", ft.EnumText(VehicleState, 16), nullable=False),
        sa.Column("engine_number", sa.String(200), nullable=True),
        sa.Column("certificate_number", sa.String(200), nullable=True),
        sa.Column("options", vt.CodeTuple(), nullable=False),
        sa.Column("order_number", sa.String(200), nullable=True),
        sa.Column("allocation_number", sa.String(200), nullable=True),
        sa.Column("shipped_on", ft.LocalDate(), nullable=True),
        sa.Column("eta", ft.LocalDate(), nullable=True),
        sa.Column("carrier", sa.String(200), nullable=True),
        sa.Column("invoice_price", ft.MoneyType(), nullable=True),
        sa.Column("vat_rate", vt.VatRateType(), nullable=False),
        sa.Column("reserved_for_kind", ft.EnumText(HolderKind, 16), nullable=True),
        sa.Column("reserved_for", sa.String(200), nullable=True),
        sa.Column("reserved_by", sa.String(200), nullable=True),
        sa.Column("reserved_at", ft.UtcDateTime(), nullable=True),
        sa.Column("reserved_until", ft.UtcDateTime(), nullable=True),
        sa.Column("transfer_from", sa.String(32), nullable=True),
        sa.Column("transfer_to", sa.String(32), nullable=True),
        sa.Column("consigned_to", sa.String(200), nullable=True),
        sa.Column("in_stock_since", ft.UtcDateTime(), nullable=True),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"], ["org_stores.id"], name=op.f("fk_veh_vehicles_store_id_org_stores")
        ),
        sa.ForeignKeyConstraint(
            ["brand"], ["org_brands.code"], name=op.f("fk_veh_vehicles_brand_org_brands")
        ),
        sa.PrimaryKeyConstraint("store_id", "vin", name=op.f("pk_veh_vehicles")),
    )
    op.create_index("uq_veh_vehicles_vin", "veh_vehicles", ["vin"], unique=True)
    op.create_index(
        "ix_veh_vehicles_model_colour_state", "veh_vehicles", ["model", "colour", "state"]
    )
    op.create_index("ix_veh_vehicles_brand_state", "veh_vehicles", ["brand", "state"])
    op.create_index("ix_veh_vehicles_reserved_until", "veh_vehicles", ["reserved_until"])
    op.create_table(
        "veh_history",
        sa.Column("store_id", sa.String(32), nullable=False),
        sa.Column("vin", ft.VinType(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", ft.UtcDateTime(), nullable=False),
        sa.Column("action", ft.EnumText(VehicleAction, 20), nullable=False),
        sa.Column("from_state", ft.EnumText(VehicleState, 16), nullable=True),
        sa.Column("to_state", ft.EnumText(VehicleState, 16), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("reason", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("store_id", "vin", "seq", name=op.f("pk_veh_history")),
    )
    op.create_index("ix_veh_history_vin_seq", "veh_history", ["vin", "seq"], unique=True)
    op.create_table(
        "veh_pdi_inspections",
        sa.Column("store_id", sa.String(32), nullable=False),
        sa.Column("vin", ft.VinType(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("inspected_at", ft.UtcDateTime(), nullable=False),
        sa.Column("inspector", sa.String(200), nullable=False),
        sa.Column("items", vt.ChecklistType(), nullable=False),
        sa.Column("findings", sa.String(200), nullable=True),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("store_id", "vin", "number", name=op.f("pk_veh_pdi_inspections")),
    )
    op.create_index(
        "ix_veh_pdi_inspections_vin_number",
        "veh_pdi_inspections",
        ["vin", "number"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_table("veh_pdi_inspections")
    op.drop_table("veh_history")
    op.drop_table("veh_vehicles")
