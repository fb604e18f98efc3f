"""Tables of the DMS feeds: the import journal and the DMS's stock positions."""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, String, Table, UniqueConstraint

from fours_adapters.sql.metadata import DISTRIBUTED, LOCAL, metadata
from fours_adapters.sql.types import EnumText, LocalDate, MoneyType, UtcDateTime
from fours_domain.dms.records import RecordKind

imports = Table(
    "dms_imports",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("adapter", String(64), nullable=False),
    Column("kind", EnumText(RecordKind, 32), nullable=False),
    Column("document_key", String(200), nullable=False),
    Column("document_name", String(500), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("imported_at", UtcDateTime(), nullable=False),
    Column("created", Integer, nullable=False),
    Column("updated", Integer, nullable=False),
    Column("unchanged", Integer, nullable=False),
    Column("rejected", Integer, nullable=False),
    Column("warnings", Integer, nullable=False),
    Column("ignored", Integer, nullable=False, server_default="0"),
    UniqueConstraint("adapter", "kind", "document_key"),
    # The import journal stays on the coordinator, where imports run: one row per
    # document, joined with nothing, so replicating it would buy nothing (ADR 0008).
    info=LOCAL,
)

positions = Table(
    "dms_stock_positions",
    metadata,
    Column("store_id", String(32), primary_key=True),
    Column("part_number", String(40), primary_key=True),
    Column("location", String(40), primary_key=True),
    Column("dealer_code", String(40), nullable=True),
    Column("on_hand", Integer, nullable=False),
    Column("reserved", Integer, nullable=True),
    Column("on_order", Integer, nullable=True),
    Column("back_ordered", Integer, nullable=True),
    Column("unit_price", MoneyType(), nullable=True),
    Column("last_sold_on", LocalDate(), nullable=True),
    Column("last_received_on", LocalDate(), nullable=True),
    Column("as_of", LocalDate(), nullable=True),
    Column("import_id", String(40), nullable=False),
    Column("imported_at", UtcDateTime(), nullable=False),
    Index("ix_dms_stock_positions_part", "part_number", "store_id"),
    info=DISTRIBUTED,
)
"""The manufacturer DMS's view of each store's parts stock (ADR 0061): a read model, keyed
like the stock it describes (store first, for Citus); ``location`` is the DMS's own bin code
(``""`` when it gave none)."""
