"""The one ``MetaData`` and mapper registry of the project.

Table modules per context (``fours_adapters.sql.<context>.tables``) define
``Table`` objects on :data:`metadata`; ``mapping.start_mappers`` maps the
domain classes onto them from the outside.

Citus readiness (docs/scaling.md, ADR 0008): every table is tagged with where it
lives on a distributed PostgreSQL — :data:`DISTRIBUTED` (store-owned: ``store_id``
leads the primary key and is the shard key), :func:`distributed_by` another column
(the vehicle tables, by ``vin``), :data:`REFERENCE` (group-wide master data, replicated
to every worker) or :data:`LOCAL` (stays on the coordinator).
:mod:`fours_adapters.sql.citus` reads the tags, checks Citus's rules and prints the DDL.
"""

from __future__ import annotations

from sqlalchemy import MetaData
from sqlalchemy.orm import registry

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)
mapper_registry = registry(metadata=metadata)


def distributed_by(column: str) -> dict[str, str]:
    """The tag of a table sharded by ``column`` (co-located with the others sharded by it)."""
    return {"citus": "distributed", "distribute_by": column}


DISTRIBUTED = distributed_by("store_id")
"""Store-owned rows: sharded by ``store_id``, one store's rows on one shard."""
REFERENCE = {"citus": "reference"}
"""Group-wide master data, replicated to every worker."""
LOCAL = {"citus": "local"}
"""Kept on the coordinator: operational data no store-local transaction joins."""
