"""The transactional outbox (docs/adr/0067-transactional-outbox-for-large-imports.md).

A unit of work that *spools* its events writes them here, in its own transaction, instead
of holding them in memory until it commits; after the commit they are read back in order,
published and deleted. A crash after the commit leaves them here: the next unit of work
that spools publishes them first (at least once).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, String, Table, Text

from fours_adapters.sql.metadata import REFERENCE, metadata
from fours_adapters.sql.types import UtcDateTime

outbox = Table(
    "evt_outbox",
    metadata,
    # Publication order. SQLite only auto-increments an INTEGER primary key.
    Column(
        "seq",
        BigInteger().with_variant(Integer(), "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    Column("event_type", String(200), nullable=False),
    Column("occurred_at", UtcDateTime(), nullable=False),
    Column("payload", Text(), nullable=False),
    # Not store-owned (events of any context, any store); short-lived rows.
    info=REFERENCE,
)
