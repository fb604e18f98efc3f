"""The import service: one document, one unit of work, an explicit summary.

Guarantees (docs/dms-adapters.md):

* **streaming** — records are applied in batches as the feed yields them;
  nothing but counters is kept per record;
* **atomic per document** — one unit of work, committed once at the end with
  the journal entry; a refusal or crash midway leaves nothing applied;
* **idempotent** — the journal (``dms_imports``) holds each applied
  document's key (STAR ``BODID`` or the file's SHA-256); importing it again
  changes nothing and says so, and appliers report unchanged records as such;
* **located rejections** — every rejected row goes to the reject sink with its
  document, line or element path, field and reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

import attrs
from returns.result import Failure, Result, Success

from fours_domain.dms.ports import (
    Applied,
    BatchApplier,
    BatchReadingFeed,
    Change,
    ColumnBatch,
    DmsUnitOfWork,
    Document,
    DocumentApplier,
    DocumentChanged,
    DocumentIdentity,
    FeedWarning,
    HearsRejections,
    ImportContext,
    ImportRecord,
    ImportStatus,
    InboundFeed,
    KindNotBound,
    KindNotSupported,
    Located,
    NamesFields,
    RecordApplier,
    Rejection,
    RejectSink,
    SourceLocation,
)
from fours_domain.dms.records import RECORD_TYPES, RecordKind
from fours_domain.shared.errors import DomainError
from fours_domain.shared.ids import IdSource
from fours_domain.shared.time import Clock, DateTime

KIND_CONTEXT: dict[RecordKind, str] = {
    RecordKind.VEHICLE_INVENTORY: "the vehicles context",
    RecordKind.VEHICLE_ORDER_STATUS: "the vehicles context",
    RecordKind.PARTS_INVENTORY: "the inventory context",
    RecordKind.PART_PRICES: "the inventory context (parts catalogue)",
    RecordKind.PRICE_LIST: "the pricing context",
    RecordKind.REBATE_STATEMENT: "the rebates context",
}
"""Which context applies each kind of record."""

U = TypeVar("U", bound=DmsUnitOfWork)


@attrs.frozen
class ImportDocument:
    """Command: import ``document`` as ``kind`` records.

    ``check_only`` reads and validates without applying or journaling (a dry
    run that still writes the reject file); ``strict`` asks the adapter to
    validate the document against its schema first.
    """

    document: Document
    kind: RecordKind
    strict: bool = False
    check_only: bool = False
    batch_size: int = 1000


@attrs.define
class ImportSummary:
    """What an import did. ``status`` is applied, duplicate (nothing done) or checked."""

    adapter: str
    kind: RecordKind
    document: str
    document_key: str
    status: ImportStatus
    valid: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    warnings: int = 0
    ignored: int = 0
    feed_rejected: int = 0
    import_id: str | None = None
    imported_at: DateTime | None = None
    report: object | None = None
    """What the applier reports on the whole document (:class:`DocumentApplier`), e.g. a
    :class:`~fours_domain.dms.positions.PositionsReport`."""

    @property
    def read(self) -> int:
        """Records read: valid ones plus those the feed itself rejected."""
        return self.valid + self.feed_rejected

    def as_dict(self) -> dict[str, object]:
        return {
            "adapter": self.adapter,
            "kind": self.kind.value,
            "document": self.document,
            "document_key": self.document_key,
            "status": self.status.value,
            "valid": self.valid,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "warnings": self.warnings,
            "ignored": self.ignored,
            "import_id": self.import_id,
            "imported_at": self.imported_at.isoformat() if self.imported_at else None,
        }

    def count(self, outcome: Applied | Rejection) -> None:
        if isinstance(outcome, Rejection):
            self.rejected += 1
        elif outcome.change is Change.CREATED:
            self.created += 1
        elif outcome.change is Change.UPDATED:
            self.updated += 1
        elif outcome.change is Change.IGNORED:
            self.ignored += 1
        else:
            self.unchanged += 1


def import_document(
    uow: U,
    feed: InboundFeed,
    applier: RecordApplier[U] | None,
    cmd: ImportDocument,
    *,
    clock: Clock,
    ids: IdSource,
    rejects: RejectSink,
    progress: Callable[[int], None] | None = None,
) -> Result[ImportSummary, DomainError]:
    """Read ``cmd.document`` with ``feed`` and apply it whole with ``applier``.

    Returns ``Failure`` when the adapter does not read the kind, no applier is
    bound (unless ``check_only``), the document is refused, or its id was imported
    before with other content (:class:`DocumentChanged`); then nothing is applied
    and nothing is journaled.
    """
    if cmd.kind not in feed.reads():
        return Failure(KindNotSupported(feed.name, cmd.kind, feed.reads()))
    if applier is None and not cmd.check_only:
        return Failure(KindNotBound(cmd.kind, KIND_CONTEXT[cmd.kind]))
    try:
        identity = feed.identify(cmd.document, cmd.kind)
        with uow:
            previous = uow.dms_imports.find(feed.name, cmd.kind, identity.key)
            if previous is not None and not cmd.check_only:
                if previous.sha256 != identity.sha256:
                    return Failure(DocumentChanged(cmd.document.name, previous, identity.sha256))
                return Success(_duplicate(feed.name, cmd, identity, previous))
            at = clock.now()
            whole: DocumentApplier[U] | None = (
                None if cmd.check_only else _document_applier(applier)
            )
            import_id = None if cmd.check_only else ids.new_id()
            if whole is not None and import_id is not None:
                whole.begin(uow, ImportContext(import_id, identity, at))
            summary = _run(uow, feed, applier, cmd, identity, at, rejects, progress)
            if cmd.check_only or import_id is None:
                return Success(summary)
            if whole is not None:
                finished = whole.finish(uow)
                if isinstance(finished, Failure):
                    return Failure(finished.failure())
                summary.report = finished.unwrap()
                if isinstance(whole, HearsRejections):
                    for warning in whole.document_warnings():
                        summary.warnings += 1
                        rejects.warn(warning)
            entry = ImportRecord(
                id=import_id,
                adapter=feed.name,
                kind=cmd.kind,
                document_key=identity.key,
                document_name=cmd.document.name.replace("\x00", "")[:500],
                sha256=identity.sha256,
                imported_at=at,
                created=summary.created,
                updated=summary.updated,
                unchanged=summary.unchanged,
                rejected=summary.rejected,
                warnings=summary.warnings,
                ignored=summary.ignored,
            )
            uow.dms_imports.add(entry)
            uow.commit()
            summary.import_id = entry.id
            summary.imported_at = entry.imported_at
            return Success(summary)
    except DomainError as error:
        return Failure(error)


def _hears(applier: object, cmd: ImportDocument) -> HearsRejections | None:
    """The applier, when it wants the feed's rejections (never for a dry run)."""
    if cmd.check_only or not isinstance(applier, HearsRejections):
        return None
    return applier


def _document_applier(applier: object) -> DocumentApplier[U] | None:
    return applier if isinstance(applier, DocumentApplier) else None


def _in_line_order(rejections: Iterable[Rejection]) -> list[Rejection]:
    """Rejections by the line they name (stable: same line, same order)."""
    return sorted(rejections, key=lambda r: r.location.line or 0)


def _duplicate(
    adapter: str, cmd: ImportDocument, identity: DocumentIdentity, previous: ImportRecord
) -> ImportSummary:
    return ImportSummary(
        adapter=adapter,
        kind=cmd.kind,
        document=cmd.document.name,
        document_key=identity.key,
        status=ImportStatus.DUPLICATE,
        import_id=previous.id,
        imported_at=previous.imported_at,
    )


def _run(
    uow: U,
    feed: InboundFeed,
    applier: RecordApplier[U] | None,
    cmd: ImportDocument,
    identity: DocumentIdentity,
    at: DateTime,
    rejects: RejectSink,
    progress: Callable[[int], None] | None,
) -> ImportSummary:
    summary = ImportSummary(
        adapter=feed.name,
        kind=cmd.kind,
        document=cmd.document.name,
        document_key=identity.key,
        status=ImportStatus.CHECKED if cmd.check_only else ImportStatus.APPLIED,
    )
    hears = _hears(applier, cmd)
    bulk: tuple[BatchReadingFeed, BatchApplier[U]] | None = _bulk_sides(feed, applier, cmd)
    if bulk is not None:
        _run_batches(uow, bulk[0], bulk[1], cmd, at, summary, rejects, progress, hears)
        return summary
    batch: list[Located] = []
    pending: list[Rejection] = []
    """The feed's rejections since the last flush: written with the batch's own, in line
    order, so the reject file follows the document."""
    named = _in_feed_terms(feed, cmd.kind)

    def flush() -> None:
        refused: list[Rejection] = []
        if batch:
            summary.valid += len(batch)
        if batch and applier is not None and not cmd.check_only:
            outcomes = applier.apply(uow, batch, at)
            if len(outcomes) != len(batch):
                raise AssertionError(
                    f"applier for {cmd.kind.value} returned {len(outcomes)} outcomes "
                    f"for {len(batch)} records"
                )
            for outcome in outcomes:
                if isinstance(outcome, Rejection):
                    refused.append(named(outcome))
                else:
                    for warning in outcome.warnings:
                        summary.warnings += 1
                        rejects.warn(named(warning))
                summary.count(outcome)
        for rejection in _in_line_order([*pending, *refused]):
            rejects.reject(rejection)
        pending.clear()
        if batch and progress is not None:
            progress(len(batch))
        batch.clear()

    for item in feed.read(cmd.document, cmd.kind, strict=cmd.strict):
        if isinstance(item, Located):
            if type(item.record) is not RECORD_TYPES[cmd.kind]:
                raise AssertionError(
                    f"adapter {feed.name} yielded {type(item.record).__name__} for {cmd.kind.value}"
                )
            batch.append(item)
            if len(batch) >= cmd.batch_size:
                flush()
        elif isinstance(item, Rejection):
            summary.rejected += 1
            summary.feed_rejected += 1
            pending.append(item)
            if hears is not None:
                hears.feed_rejected(item)
            if len(pending) >= cmd.batch_size:
                flush()
        else:
            assert isinstance(item, FeedWarning)
            summary.warnings += 1
            rejects.warn(item)
    flush()
    return summary


R = TypeVar("R", Rejection, FeedWarning)


def _in_feed_terms(feed: InboundFeed, kind: RecordKind) -> Callable[[R], R]:
    """Rename the record field an applier's rejection or warning names into the feed's
    own terms, when the feed knows them (:class:`NamesFields`)."""

    def named(item: R) -> R:
        where = item.location
        if where.field is None or not isinstance(feed, NamesFields):
            return item
        field = feed.field_name(kind, where.field)
        located = SourceLocation(where.document, where.line, where.path, field)
        return attrs.evolve(item, location=located)

    return named


def _bulk_sides(
    feed: object, applier: object, cmd: ImportDocument
) -> tuple[BatchReadingFeed, BatchApplier[U]] | None:
    """Feed and applier as batch reader and writer, when both speak the same column
    layout for this import (never for a dry run); else None: the record path."""
    if cmd.check_only or not isinstance(feed, BatchReadingFeed):
        return None
    if not isinstance(applier, BatchApplier):
        return None
    offered = feed.batch_format(cmd.kind, strict=cmd.strict)
    if offered is None or offered != applier.batch_format:
        return None
    return feed, applier


def _run_batches(
    uow: U,
    feed: BatchReadingFeed,
    applier: BatchApplier[U],
    cmd: ImportDocument,
    at: DateTime,
    summary: ImportSummary,
    rejects: RejectSink,
    progress: Callable[[int], None] | None,
    hears: HearsRejections | None = None,
) -> None:
    """The bulk path: the feed's column batches straight into the applier."""
    pending: list[Rejection] = []
    for item in feed.read_batches(cmd.document, cmd.kind, strict=cmd.strict):
        if isinstance(item, Rejection):
            summary.rejected += 1
            summary.feed_rejected += 1
            pending.append(item)
            if hears is not None:
                hears.feed_rejected(item)
        elif isinstance(item, FeedWarning):
            summary.warnings += 1
            rejects.warn(item)
        else:
            assert isinstance(item, ColumnBatch)
            size = len(item)
            outcome = applier.apply_batch(uow, item, at)
            applied = outcome.created + outcome.updated + outcome.unchanged
            if applied + len(outcome.rejections) != size:
                raise AssertionError(
                    f"applier for {cmd.kind.value} accounted for "
                    f"{applied + len(outcome.rejections)} of {size} rows"
                )
            summary.valid += size
            summary.created += outcome.created
            summary.updated += outcome.updated
            summary.unchanged += outcome.unchanged
            summary.rejected += len(outcome.rejections)
            for rejection in _in_line_order([*pending, *outcome.rejections]):
                rejects.reject(rejection)
            pending.clear()
            if progress is not None:
                progress(size)
    for rejection in pending:
        rejects.reject(rejection)
