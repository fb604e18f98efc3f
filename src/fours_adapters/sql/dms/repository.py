"""SQL import journal: the idempotency memory of DMS imports."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from fours_adapters.sql.dms import tables as t
from fours_domain.dms.ports import ImportRecord
from fours_domain.dms.records import RecordKind


class SqlImportJournal:
    def __init__(self, session: Session) -> None:
        self._session = session

    def find(self, adapter: str, kind: RecordKind, document_key: str) -> ImportRecord | None:
        query = select(ImportRecord).where(
            t.imports.c.adapter == adapter,
            t.imports.c.kind == kind,
            t.imports.c.document_key == document_key,
        )
        return self._session.scalars(query).first()

    def add(self, entry: ImportRecord) -> None:
        self._session.add(entry)

    def recent(self, limit: int = 20) -> Sequence[ImportRecord]:
        query = select(ImportRecord).order_by(t.imports.c.imported_at.desc()).limit(limit)
        return self._session.scalars(query).all()
