"""Tables of the vehicles context (docs/adr/0020-vehicle-storage.md).

``veh_vehicles`` holds one row per VIN, keyed by (store_id, vin) where
``store_id`` is the store whose books hold the car: a confirmed transfer
moves the row to the target store. History and PDI rows stay with the store
where they happened.

On Citus the three tables are distributed by ``vin``, not ``store_id`` (ADR 0008):
a car changes store, and Citus cannot update a distribution column; by VIN a car,
its history and its inspections share one shard and VIN uniqueness is enforceable.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
)

from fours_adapters.sql.metadata import distributed_by, metadata
from fours_adapters.sql.types import EnumText, LocalDate, MoneyType, UtcDateTime, VinType
from fours_adapters.sql.vehicles.types import ChecklistType, CodeTuple, VatRateType
from fours_domain.vehicles.lifecycle import VehicleAction, VehicleState
from fours_domain.vehicles.model import HolderKind

BY_VIN = distributed_by("vin")

vehicles = Table(
    "veh_vehicles",
    metadata,
    Column("store_id", String(32), ForeignKey("org_stores.id"), primary_key=True),
    Column("vin", VinType(), primary_key=True),
    Column("brand", String(40), ForeignKey("org_brands.code"), nullable=False),
    Column("model", String(40), nullable=False),
    Column("trim", String(40), nullable=True),
    Column("colour", String(40), nullable=True),
    Column("interior", String(40), nullable=True),
    Column("model_year", Integer, nullable=True),
    Column("state", EnumText(VehicleState, 16), nullable=False),
    Column("engine_number", String(200), nullable=True),
    Column("certificate_number", String(200), nullable=True),
    Column("options", CodeTuple(), nullable=False),
    Column("order_number", String(200), nullable=True),
    Column("allocation_number", String(200), nullable=True),
    Column("shipped_on", LocalDate(), nullable=True),
    Column("eta", LocalDate(), nullable=True),
    Column("carrier", String(200), nullable=True),
    Column("invoice_price", MoneyType(), nullable=True),
    Column("vat_rate", VatRateType(), nullable=False),
    Column("invoice_number", String(200), nullable=True),
    Column("invoice_tax", MoneyType(), nullable=True),
    Column("colour_name", String(200), nullable=True),
    Column("reserved_for_kind", EnumText(HolderKind, 16), nullable=True),
    Column("reserved_for", String(200), nullable=True),
    Column("reserved_by", String(200), nullable=True),
    Column("reserved_at", UtcDateTime(), nullable=True),
    Column("reserved_until", UtcDateTime(), nullable=True),
    Column("transfer_from", String(32), nullable=True),
    Column("transfer_to", String(32), nullable=True),
    Column("consigned_to", String(200), nullable=True),
    Column("in_stock_since", UtcDateTime(), nullable=True),
    Column("last_seq", Integer, nullable=False),
    Column("version", Integer, nullable=False),
    # One row per VIN in the whole group (enforceable on Citus: vin is the shard key).
    Index("uq_veh_vehicles_vin", "vin", unique=True),
    # "Free cars of model M in colour C across the group", and by brand.
    Index("ix_veh_vehicles_model_colour_state", "model", "colour", "state"),
    Index("ix_veh_vehicles_brand_state", "brand", "state"),
    Index("ix_veh_vehicles_reserved_until", "reserved_until"),
    # A store's incoming cars: in transfer to it (ADR 0025).
    Index("ix_veh_vehicles_transfer_to", "transfer_to"),
    info=BY_VIN,
)

history = Table(
    "veh_history",
    metadata,
    Column("store_id", String(32), primary_key=True),
    Column("vin", VinType(), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("action", EnumText(VehicleAction, 20), nullable=False),
    Column("from_state", EnumText(VehicleState, 16), nullable=True),
    Column("to_state", EnumText(VehicleState, 16), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("reason", String(200), nullable=True),
    Index("ix_veh_history_vin_seq", "vin", "seq", unique=True),
    info=BY_VIN,
)

inspections = Table(
    "veh_pdi_inspections",
    metadata,
    Column("store_id", String(32), primary_key=True),
    Column("vin", VinType(), primary_key=True),
    Column("number", Integer, primary_key=True),
    Column("inspected_at", UtcDateTime(), nullable=False),
    Column("inspector", String(200), nullable=False),
    Column("items", ChecklistType(), nullable=False),
    Column("findings", String(200), nullable=True),
    Column("passed", Boolean, nullable=False),
    Index("ix_veh_pdi_inspections_vin_number", "vin", "number", unique=True),
    info=BY_VIN,
)
