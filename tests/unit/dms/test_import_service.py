"""The import service with fakes: atomic per document, idempotent, located rejections."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import pendulum
import pytest
from returns.result import Failure, Result, Success

from fours_adapters.dms.generate import parts_price_csv, star_vehicle_inventory
from fours_adapters.dms.spreadsheet import CsvFeed, builtin_mapping
from fours_adapters.dms.star import StarFeed
from fours_adapters.dms.testing import MemoryApplier, SimulatedCrash, fake_uow
from fours_domain.dms.ports import (
    Applied,
    Change,
    Document,
    DocumentChanged,
    DocumentRefused,
    FeedWarning,
    ImportContext,
    ImportStatus,
    KindNotBound,
    KindNotSupported,
    Located,
    Outcome,
    Rejection,
)
from fours_domain.dms.records import RecordKind
from fours_domain.dms.services import ImportDocument, ImportSummary, import_document
from fours_domain.shared.errors import DomainError
from fours_domain.shared.ids import SequentialIdSource
from fours_domain.shared.time import DateTime, FixedClock
from fours_domain.testing.fakes import FakeUnitOfWork

PARTS = RecordKind.PART_PRICES
CLOCK = FixedClock(pendulum.datetime(2026, 11, 25, 9, tz="Asia/Shanghai"))


class Rejects:
    def __init__(self) -> None:
        self.rejections: list[Rejection] = []
        self.warnings: list[FeedWarning] = []

    def reject(self, rejection: Rejection) -> None:
        self.rejections.append(rejection)

    def warn(self, warning: FeedWarning) -> None:
        self.warnings.append(warning)


def csv_doc(data: bytes, name: str = "prices.csv") -> Document:
    return Document(name, lambda: io.BytesIO(data))


def run(
    uow: FakeUnitOfWork,
    data: bytes,
    *,
    applier: MemoryApplier | None = None,
    feed: object | None = None,
    kind: RecordKind = PARTS,
    check_only: bool = False,
    batch_size: int = 100,
    rejects: Rejects | None = None,
) -> ImportSummary | DomainError:
    result = import_document(
        uow,
        feed or CsvFeed(builtin_mapping("generic")),  # type: ignore[arg-type]
        applier,
        ImportDocument(csv_doc(data), kind, check_only=check_only, batch_size=batch_size),
        clock=CLOCK,
        ids=SequentialIdSource("imp"),
        rejects=rejects or Rejects(),
    )
    return result.value_or(None) or result.failure()


def test_a_document_is_applied_once_and_a_reimport_changes_nothing() -> None:
    uow = fake_uow()
    data = b"".join(parts_price_csv(250))
    first = run(uow, data, applier=MemoryApplier(PARTS))
    assert isinstance(first, ImportSummary)
    assert (first.status, first.created, first.updated, first.unchanged) == (
        ImportStatus.APPLIED,
        250,
        0,
        0,
    )
    second = run(uow, data, applier=MemoryApplier(PARTS))
    assert isinstance(second, ImportSummary)
    assert second.status is ImportStatus.DUPLICATE
    assert second.import_id == first.import_id and second.created == 0
    assert len(uow.applied_records) == 250  # type: ignore[attr-defined]


def test_an_overlapping_file_reports_unchanged_and_updated_rows() -> None:
    uow = fake_uow()
    run(uow, b"".join(parts_price_csv(10)), applier=MemoryApplier(PARTS))
    changed = (
        b"".join(parts_price_csv(10))
        .replace(b"P000000003,", b"P000000003,x")
        .replace(b"P000000003,x\xe9\x85\x8d", b"P000000003,\xe6\x96\xb0")
    )
    more = changed + b"".join(parts_price_csv(5, start=11)).split(b"\n", 1)[1]
    summary = run(uow, more, applier=MemoryApplier(PARTS))
    assert isinstance(summary, ImportSummary)
    assert (summary.created, summary.updated, summary.unchanged) == (5, 1, 9)


def test_a_crash_midway_applies_nothing_and_a_rerun_matches_a_clean_run() -> None:
    data = b"".join(parts_price_csv(500))
    clean = fake_uow()
    run(clean, data, applier=MemoryApplier(PARTS))
    crashed = fake_uow()
    with pytest.raises(SimulatedCrash):
        run(crashed, data, applier=MemoryApplier(PARTS, crash_after=2))
    assert crashed.applied_records == {}  # type: ignore[attr-defined]
    assert crashed.dms_imports.entries == {}
    rerun = run(crashed, data, applier=MemoryApplier(PARTS))
    assert isinstance(rerun, ImportSummary) and rerun.created == 500
    assert crashed.applied_records == clean.applied_records  # type: ignore[attr-defined]


def test_a_document_refused_midway_leaves_nothing_behind() -> None:
    good = b"".join(star_vehicle_inventory(300))
    truncated = good[: len(good) * 2 // 3]
    uow = fake_uow()
    outcome = run(
        uow,
        truncated,
        applier=MemoryApplier(RecordKind.VEHICLE_INVENTORY),
        feed=StarFeed(None),
        kind=RecordKind.VEHICLE_INVENTORY,
        batch_size=50,
    )
    assert isinstance(outcome, DocumentRefused)
    assert "not well-formed XML" in outcome.message
    assert uow.applied_records == {}  # type: ignore[attr-defined]
    assert uow.dms_imports.entries == {}


def test_rejections_reach_the_sink_and_the_counts() -> None:
    data = b"part_number,name,retail_price\nA-1,ok,1.00\nA-2,,1.00\nA-3,neg,-4\n"
    rejects = Rejects()
    summary = run(fake_uow(), data, applier=MemoryApplier(PARTS), rejects=rejects)
    assert isinstance(summary, ImportSummary)
    assert (summary.created, summary.rejected) == (1, 2)
    assert [(r.location.line, r.location.field) for r in rejects.rejections] == [
        (3, "name"),
        (4, "retail_price"),
    ]


def test_check_only_reads_without_applying_or_journaling() -> None:
    uow = fake_uow()
    summary = run(uow, b"".join(parts_price_csv(20)), check_only=True)
    assert isinstance(summary, ImportSummary)
    assert (summary.status, summary.valid, summary.created) == (ImportStatus.CHECKED, 20, 0)
    assert uow.dms_imports.entries == {}


def test_an_unbound_kind_is_refused_before_reading() -> None:
    outcome = run(fake_uow(), b"not even csv \xff")
    assert isinstance(outcome, KindNotBound)
    assert "--check" in outcome.message


def test_a_kind_the_adapter_does_not_read_is_refused() -> None:
    outcome = run(fake_uow(), b"", feed=StarFeed(None), kind=PARTS, check_only=True)
    assert isinstance(outcome, KindNotSupported)
    assert outcome.message.startswith("adapter star does not handle part-prices")


def test_a_reused_bodid_with_other_content_is_refused_not_called_a_duplicate() -> None:
    uow = fake_uow()
    star = {"feed": StarFeed(None), "kind": RecordKind.VEHICLE_INVENTORY}
    applier = MemoryApplier(RecordKind.VEHICLE_INVENTORY)
    first = b"".join(star_vehicle_inventory(2, bodid="BOD-9"))
    assert isinstance(run(uow, first, applier=applier, **star), ImportSummary)  # type: ignore[arg-type]
    changed = b"".join(star_vehicle_inventory(3, bodid="BOD-9"))
    refused = run(uow, changed, applier=MemoryApplier(RecordKind.VEHICLE_INVENTORY), **star)  # type: ignore[arg-type]
    assert isinstance(refused, DocumentChanged)
    [entry] = uow.dms_imports.entries.values()
    assert refused.details["first_sha256"] == entry.sha256 != refused.details["sha256"]
    assert entry.imported_at.isoformat() in refused.message and "new BODID" in refused.message
    assert len(uow.applied_records) == 2  # type: ignore[attr-defined]


class _Ignoring(MemoryApplier):
    """Applies records, ignoring every third (as a price list ignores invoice prices)."""

    def apply(self, uow: Any, batch: Sequence[Located], at: DateTime) -> Sequence[Outcome]:
        done = super().apply(uow, batch, at)
        return [
            Applied(o.key, Change.IGNORED) if isinstance(o, Applied) and i % 3 == 2 else o
            for i, o in enumerate(done)
        ]


def test_ignored_records_are_counted_and_journaled_not_rejected() -> None:
    uow = fake_uow()
    summary = run(uow, b"".join(parts_price_csv(6)), applier=_Ignoring(PARTS))
    assert isinstance(summary, ImportSummary)
    assert (summary.created, summary.ignored, summary.rejected) == (4, 2, 0)
    [entry] = uow.dms_imports.entries.values()
    assert entry.ignored == 2


class _Refusing(MemoryApplier):
    """Refuses rows named BAD (an applier's rejection), after the reader's own."""

    def apply(self, uow: Any, batch: Sequence[Located], at: DateTime) -> Sequence[Outcome]:
        done = super().apply(uow, batch, at)
        return [
            Rejection(item.location, "refused by the applier") if "BAD" in item.record.key else o
            for item, o in zip(batch, done, strict=True)
        ]


def test_rejections_are_written_in_the_order_of_the_document() -> None:
    rows = ["A-1,ok,1", "BAD-2,x,1", "A-3,,1", "BAD-4,x,1", "A-5,neg,-1", "A-6,ok,1"]
    data = ("part_number,name,retail_price\n" + "\n".join(rows) + "\n").encode()
    rejects = Rejects()
    run(fake_uow(), data, applier=_Refusing(PARTS), batch_size=4, rejects=rejects)
    assert [r.location.line for r in rejects.rejections] == [3, 4, 5, 6]


class _Whole(MemoryApplier):
    """A document applier: reports on the document, or refuses it at the end."""

    refuse = False
    seen: list[ImportContext]

    def begin(self, uow: Any, context: ImportContext) -> None:
        self.seen = [context]

    def finish(self, uow: Any) -> Result[object, DomainError]:
        if self.refuse:
            return Failure(DomainError("the document does not add up"))
        return Success({"records": len(uow.applied_records)})


def test_a_document_applier_reports_on_the_document_or_refuses_it_whole() -> None:
    uow = fake_uow()
    whole = _Whole(PARTS)
    summary = run(uow, b"".join(parts_price_csv(5)), applier=whole)
    assert isinstance(summary, ImportSummary) and summary.report == {"records": 5}
    [context] = whole.seen
    assert context.import_id == summary.import_id and context.at == CLOCK.now()
    assert context.identity.key == summary.document_key
    refusing = _Whole(PARTS)
    refusing.refuse = True
    other = fake_uow()
    refused = run(other, b"".join(parts_price_csv(5)), applier=refusing)
    assert isinstance(refused, DomainError) and refused.message == "the document does not add up"
    assert other.applied_records == {} and other.dms_imports.entries == {}  # type: ignore[attr-defined]


class _Hearing(_Whole):
    """A document applier that hears the feed's rejections and warns on the document."""

    heard: list[Rejection]

    def begin(self, uow: Any, context: ImportContext) -> None:
        super().begin(uow, context)
        self.heard = []

    def feed_rejected(self, rejection: Rejection) -> None:
        self.heard.append(rejection)

    def document_warnings(self) -> Sequence[FeedWarning]:
        from fours_domain.dms.ports import SourceLocation

        return [FeedWarning(SourceLocation("prices.csv"), f"heard {len(self.heard)}")]


def test_the_feed_rejections_reach_an_applier_that_hears_them_never_a_dry_run() -> None:
    rows = ["A-1,ok,1", "A-2,neg,-1", "A-3,ok,1", ",x,1"]
    data = ("part_number,name,retail_price\n" + "\n".join(rows) + "\n").encode()
    hearing, rejects = _Hearing(PARTS), Rejects()
    summary = run(fake_uow(), data, applier=hearing, rejects=rejects, batch_size=1)
    assert isinstance(summary, ImportSummary)
    assert [r.location.line for r in hearing.heard] == [3, 5]
    assert [w.message for w in rejects.warnings] == ["heard 2"] and summary.warnings == 1
    dry = _Hearing(PARTS)
    dry.heard = []
    run(fake_uow(), data, applier=dry, check_only=True)
    assert dry.heard == []
