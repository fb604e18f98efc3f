"""The one ``MetaData`` and mapper registry of the project.

Table modules per context (``fours_adapters.sql.<context>.tables``) define
``Table`` objects on :data:`metadata`; ``mapping.start_mappers`` maps the
domain classes onto them from the outside.

Citus readiness (docs/scaling.md): every store-owned table has ``store_id`` as
the first column of its primary key and is tagged ``info={"citus":
"distributed"}``; group-wide master data are tagged ``{"citus": "reference"}``.
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

DISTRIBUTED = {"citus": "distributed"}
REFERENCE = {"citus": "reference"}
