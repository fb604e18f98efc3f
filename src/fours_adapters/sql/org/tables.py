"""Tables of the organisation context."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, ForeignKeyConstraint, String, Table

from fours_adapters.sql.metadata import DISTRIBUTED, REFERENCE, metadata
from fours_adapters.sql.org.types import SocialCreditCodeType
from fours_adapters.sql.types import EnumText, TimeZoneType
from fours_domain.org.model import WarehouseKind

groups = Table(
    "org_groups",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    info=REFERENCE,
)

regions = Table(
    "org_regions",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    info=REFERENCE,
)

business_units = Table(
    "org_business_units",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    info=REFERENCE,
)

companies = Table(
    "org_companies",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("uscc", SocialCreditCodeType(), nullable=False, unique=True),
    info=REFERENCE,
)

brands = Table(
    "org_brands",
    metadata,
    Column("code", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("manufacturer", String(200), nullable=False),
    info=REFERENCE,
)

stores = Table(
    "org_stores",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("region_id", String(32), ForeignKey("org_regions.id"), nullable=False, index=True),
    Column("time_zone", TimeZoneType(), nullable=False),
    Column("business_unit_id", String(32), ForeignKey("org_business_units.id"), nullable=True),
    Column("company_id", String(32), ForeignKey("org_companies.id"), nullable=True),
    # Reference, not distributed: a few hundred rows every store-local transaction and
    # every group-wide query joins (time zone, region, brands' stores) — ADR 0008.
    info=REFERENCE,
)

franchises = Table(
    "org_franchises",
    metadata,
    Column("store_id", String(32), ForeignKey("org_stores.id"), primary_key=True),
    Column("brand_code", String(32), ForeignKey("org_brands.code"), primary_key=True),
    info=DISTRIBUTED,
)

showrooms = Table(
    "org_showrooms",
    metadata,
    Column("store_id", String(32), ForeignKey("org_stores.id"), primary_key=True),
    Column("code", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    info=DISTRIBUTED,
)

warehouses = Table(
    "org_warehouses",
    metadata,
    Column("store_id", String(32), ForeignKey("org_stores.id"), primary_key=True),
    Column("code", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", EnumText(WarehouseKind, 16), nullable=False),
    info=DISTRIBUTED,
)

bins = Table(
    "org_bins",
    metadata,
    Column("store_id", String(32), primary_key=True),
    Column("warehouse_code", String(32), primary_key=True),
    Column("code", String(32), primary_key=True),
    ForeignKeyConstraint(
        ["store_id", "warehouse_code"], ["org_warehouses.store_id", "org_warehouses.code"]
    ),
    info=DISTRIBUTED,
)

staff = Table(
    "org_staff",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    info=REFERENCE,
)

# A grant's scope is a store id or "*" (group-wide): no foreign key to org_stores, which
# is distributed under Citus (a reference table cannot point at it); the service checks
# the store exists.
staff_roles = Table(
    "org_staff_roles",
    metadata,
    Column("staff_id", String(64), ForeignKey("org_staff.id"), primary_key=True),
    Column("role", String(32), primary_key=True),
    Column("scope", String(32), primary_key=True),
    info=REFERENCE,
)
