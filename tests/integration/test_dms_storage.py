"""DMS import journal on SQLite and PostgreSQL: mapping round trip, idempotency, atomicity."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import pendulum
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fours_adapters.bootstrap import FoursApp
from fours_adapters.dms.generate import parts_price_csv
from fours_adapters.dms.spreadsheet import CsvFeed, builtin_mapping
from fours_domain.dms.ports import (
    Applied,
    Change,
    Document,
    DocumentIdentity,
    FeedWarning,
    ImportRecord,
    ImportStatus,
    Located,
    Outcome,
    Rejection,
)
from fours_domain.dms.records import RecordKind
from fours_domain.dms.services import ImportDocument, ImportSummary, import_document
from fours_domain.shared.time import DateTime

PARTS = RecordKind.PART_PRICES


class _Sink:
    def reject(self, rejection: Rejection) -> None:
        return None

    def warn(self, warning: FeedWarning) -> None:
        return None


class _CountingApplier:
    """Applies nothing (no context is needed to test the journal); may crash on demand."""

    kind = PARTS

    def __init__(self, crash: bool = False) -> None:
        self.crash = crash

    def apply(self, uow: Any, batch: Sequence[Located], at: DateTime) -> Sequence[Outcome]:
        if self.crash:
            raise RuntimeError("power cut")
        return [Applied(item.record.key, Change.UNCHANGED) for item in batch]


def _import(app: FoursApp, data: bytes, applier: _CountingApplier) -> ImportSummary:
    result = import_document(
        app.uow(),
        CsvFeed(builtin_mapping("generic")),
        applier,
        ImportDocument(Document("prices.csv", lambda: io.BytesIO(data)), PARTS, batch_size=10),
        clock=app.clock,
        ids=app.ids,
        rejects=_Sink(),
    )
    summary = result.value_or(None)
    assert summary is not None, result.failure()
    return summary


@settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.text(min_size=1, max_size=60),
    st.sampled_from(list(RecordKind)),
    st.integers(0, 10**6),
)
def test_journal_entries_round_trip(app: FoursApp, key: str, kind: RecordKind, count: int) -> None:
    entry_id = app.ids.new_id()  # examples share the database: keys must differ
    entry = ImportRecord(
        id=entry_id,
        adapter="csv",
        kind=kind,
        document_key=DocumentIdentity(f"{entry_id}:{key}", "0" * 64).key,
        document_name="名称.csv",
        sha256="0" * 64,
        imported_at=pendulum.datetime(2026, 11, 25, 1, 2, 3, 456789, tz="UTC"),
        created=count,
        updated=1,
        unchanged=2,
        rejected=3,
        warnings=4,
    )
    with app.uow() as uow:
        uow.dms_imports.add(entry)
        uow.commit()
    with app.uow() as uow:
        found = uow.dms_imports.find("csv", kind, entry.document_key)
        assert found is not None
        assert (found.id, found.kind, found.imported_at, found.created, found.document_name) == (
            entry.id,
            kind,
            entry.imported_at,
            count,
            "名称.csv",
        )
        assert uow.dms_imports.find("star", kind, entry.document_key) is None


def test_reimporting_a_document_is_a_duplicate_across_sessions(app: FoursApp) -> None:
    data = b"".join(parts_price_csv(35))
    first = _import(app, data, _CountingApplier())
    assert (first.status, first.unchanged) == (ImportStatus.APPLIED, 35)
    second = _import(app, data, _CountingApplier())
    assert second.status is ImportStatus.DUPLICATE
    assert second.import_id == first.import_id
    with app.uow() as uow:
        assert [e.id for e in uow.dms_imports.recent()] == [first.import_id]


def test_a_crash_midway_leaves_no_journal_entry(app: FoursApp) -> None:
    data = b"".join(parts_price_csv(35))
    with pytest.raises(RuntimeError, match="power cut"):
        _import(app, data, _CountingApplier(crash=True))
    with app.uow() as uow:
        assert uow.dms_imports.recent() == []
    assert _import(app, data, _CountingApplier()).status is ImportStatus.APPLIED


def _entry(app: FoursApp, key: str) -> ImportRecord:
    return ImportRecord(
        id=app.ids.new_id(),
        adapter="t",
        kind=PARTS,
        document_key=key,
        document_name=key,
        sha256="0" * 64,
        imported_at=pendulum.datetime(2026, 11, 25, tz="UTC"),
    )


def test_savepoint_units_of_work_nest_inside_one_transaction(app: FoursApp) -> None:
    from fours_adapters.sql.dms.nested import SavepointUnitOfWork

    with app.uow() as outer:
        nested = SavepointUnitOfWork(outer)
        with nested:
            nested.dms_imports.add(_entry(app, "kept"))
            nested.commit()
        with nested:
            nested.dms_imports.add(_entry(app, "dropped"))  # left without commit
        assert outer.dms_imports.find("t", PARTS, "kept") is not None
        outer.commit()
    with app.uow() as uow:
        assert uow.dms_imports.find("t", PARTS, "kept") is not None
        assert uow.dms_imports.find("t", PARTS, "dropped") is None
    with app.uow() as outer:
        nested = SavepointUnitOfWork(outer)
        with nested:
            nested.dms_imports.add(_entry(app, "outer-rolled-back"))
            nested.commit()
    with app.uow() as uow:
        assert uow.dms_imports.find("t", PARTS, "outer-rolled-back") is None
