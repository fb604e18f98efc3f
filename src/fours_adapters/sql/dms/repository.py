"""SQL storage of the DMS feeds: the import journal (the idempotency memory of imports)
and the manufacturer's stock positions."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import attrs
from sqlalchemy import delete, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from fours_adapters.sql.dms import tables as t
from fours_domain.dms.ports import ImportRecord
from fours_domain.dms.positions import PositionKey, StockPosition
from fours_domain.dms.records import RecordKind
from fours_domain.shared.catalogue import PartNumber
from fours_domain.shared.ids import StoreId


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
        query = (
            select(ImportRecord)
            .order_by(t.imports.c.imported_at.desc(), t.imports.c.id.desc())
            .limit(limit)
        )
        return self._session.scalars(query).all()


_KEY = ("store_id", "part_number", "location")
_FIELDS = (
    "dealer_code",
    "on_hand",
    "reserved",
    "on_order",
    "back_ordered",
    "unit_price",
    "last_sold_on",
    "last_received_on",
    "as_of",
    "import_id",
    "imported_at",
)


def _position(row: Any) -> StockPosition:
    return StockPosition(
        store_id=StoreId(row.store_id),
        part_number=PartNumber(row.part_number),
        location=row.location,
        on_hand=row.on_hand,
        import_id=row.import_id,
        imported_at=row.imported_at,
        dealer_code=row.dealer_code,
        reserved=row.reserved,
        on_order=row.on_order,
        back_ordered=row.back_ordered,
        unit_price=row.unit_price,
        last_sold_on=row.last_sold_on,
        last_received_on=row.last_received_on,
        as_of=row.as_of,
    )


class SqlStockPositionRepository:
    """The DMS's stock positions, with SQL Core (a read model: no aggregates, no ORM)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def get_many(self, keys: Collection[PositionKey]) -> dict[PositionKey, StockPosition]:
        if not keys:
            return {}
        c = t.positions.c
        query = select(t.positions).where(
            tuple_(c.store_id, c.part_number, c.location).in_(list(keys))
        )
        found = map(_position, self._session.execute(query))
        return {position.key: position for position in found}

    def put(self, positions: Sequence[StockPosition]) -> None:
        rows = {position.key: attrs.asdict(position, recurse=False) for position in positions}
        if not rows:
            return
        dialect = self._session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = insert(t.positions)
        upsert = statement.on_conflict_do_update(
            index_elements=list(_KEY), set_={name: statement.excluded[name] for name in _FIELDS}
        )
        self._session.execute(upsert, list(rows.values()))

    def drop_others(
        self, store_ids: Collection[StoreId], import_id: str, keep_parts: Collection[str] = ()
    ) -> int:
        if not store_ids:
            return 0
        c = t.positions.c
        others = (c.store_id.in_(list(store_ids)), c.import_id != import_id)
        if not keep_parts:
            result = self._session.execute(delete(t.positions).where(*others))
            return int(getattr(result, "rowcount", 0) or 0)
        # Parts to keep can be many (every rejected row of a document): filter the few
        # positions the import did not report in Python, then delete those by key.
        keep = set(keep_parts)
        stale = self._session.execute(select(c.store_id, c.part_number, c.location).where(*others))
        doomed = [tuple(row) for row in stale if row.part_number not in keep]
        for start in range(0, len(doomed), 500):
            self._session.execute(
                delete(t.positions).where(
                    tuple_(c.store_id, c.part_number, c.location).in_(doomed[start : start + 500])
                )
            )
        return len(doomed)

    def of_stores(
        self, store_ids: Collection[StoreId] | None = None, part: PartNumber | None = None
    ) -> Sequence[StockPosition]:
        c = t.positions.c
        query = select(t.positions).order_by(c.store_id, c.part_number, c.location)
        if store_ids is not None:
            query = query.where(c.store_id.in_(list(store_ids)))
        if part is not None:
            query = query.where(c.part_number == part)
        return [_position(row) for row in self._session.execute(query)]
