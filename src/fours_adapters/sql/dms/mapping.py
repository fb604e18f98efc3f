"""Imperative mapping of the DMS import journal."""

from __future__ import annotations

from sqlalchemy.orm import registry

from fours_adapters.sql.dms import tables as t
from fours_domain.dms.ports import ImportRecord


def map_dms(reg: registry) -> None:
    reg.map_imperatively(ImportRecord, t.imports)
