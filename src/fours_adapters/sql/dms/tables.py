"""Tables of the DMS feeds."""

from __future__ import annotations

from sqlalchemy import Column, Integer, String, Table, UniqueConstraint

from fours_adapters.sql.metadata import LOCAL, metadata
from fours_adapters.sql.types import EnumText, UtcDateTime
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
    UniqueConstraint("adapter", "kind", "document_key"),
    # The import journal stays on the coordinator, where imports run: one row per
    # document, joined with nothing, so replicating it would buy nothing (ADR 0008).
    info=LOCAL,
)
