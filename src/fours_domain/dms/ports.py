"""The DMS feed port: what an adapter implements, and what the import service needs.

Inbound: a :class:`Document` (a re-openable byte stream with a name and
options) is read by an :class:`InboundFeed` into a stream of
:data:`FeedItem` — records, :class:`Rejection` s and :class:`FeedWarning` s —
lazily, so a document of any size is read in bounded memory. A document that
cannot be read at all (not XML, not a known encoding, required columns
missing) raises :class:`DocumentRefused` from the iterator.

Outbound: an :class:`OutboundFeed` writes records into a byte sink.

Applying: a :class:`RecordApplier` per record kind writes a batch of records
into the owning context inside the caller's unit of work and says, record by
record, what happened (:class:`Applied` or :class:`Rejection`).
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import BinaryIO, Protocol, TypeVar, runtime_checkable

import attrs
from returns.result import Result

from fours_domain.dms.records import Record, RecordKind
from fours_domain.shared.errors import DomainError
from fours_domain.shared.time import DateTime
from fours_domain.shared.uow import UnitOfWork


class DocumentRefused(DomainError):
    """The document as a whole cannot be read (malformed, undecodable, wrong shape)."""

    code = "document_refused"

    def __init__(self, document: str, reason: str, **details: object) -> None:
        super().__init__(f"{document}: {reason}", document=document, reason=reason, **details)
        self.reason = reason


class KindNotSupported(DomainError):
    """The adapter does not read or write this record kind."""

    code = "kind_not_supported"

    def __init__(self, adapter: str, kind: RecordKind, supported: Iterable[RecordKind]) -> None:
        known = ", ".join(sorted(k.value for k in supported)) or "none"
        super().__init__(
            f"adapter {adapter} does not handle {kind.value} (it handles: {known})",
            adapter=adapter,
            kind=kind.value,
        )


class DocumentChanged(DomainError):
    """A document id (STAR ``BODID``) already imported comes back with other content."""

    code = "document_changed"

    def __init__(self, document: str, previous: ImportRecord, sha256: str) -> None:
        super().__init__(
            f"{document}: {previous.document_key} was imported at "
            f"{previous.imported_at.isoformat()} (import {previous.id}, "
            f"{previous.document_name}) with other content: sha256 {previous.sha256} then, "
            f"{sha256} now. A changed document must come under a new id: ask the "
            "manufacturer to send it again with a new BODID",
            document=document,
            document_key=previous.document_key,
            first_import=previous.id,
            first_imported_at=previous.imported_at.isoformat(),
            first_sha256=previous.sha256,
            sha256=sha256,
        )


class KindNotBound(DomainError):
    """No fours context is bound to apply this record kind (yet)."""

    code = "kind_not_bound"

    def __init__(self, kind: RecordKind, context: str) -> None:
        super().__init__(
            f"{kind.value} records are not bound to a fours context yet ({context} is not "
            "available in this build); use --check to validate the document",
            kind=kind.value,
            context=context,
        )


@attrs.frozen
class Document:
    """A document to read: a name for messages and a way to (re)open its bytes.

    ``options`` carries what the user declared (``encoding``, ``mapping``…);
    adapters document the options they understand.
    """

    name: str
    open: Callable[[], BinaryIO]
    options: Mapping[str, str] = attrs.field(factory=dict)


@attrs.frozen
class SourceLocation:
    """Where in a document something was found: line and/or element path, and field."""

    document: str
    line: int | None = None
    path: str | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = self.document
        if self.line is not None:
            where += f":{self.line}"
        if self.path:
            where += f" {self.path}"
        if self.field:
            where += f" [{self.field}]"
        return where


@attrs.frozen
class Rejection:
    """A row or element that was not applied, why, and where (and its raw text)."""

    location: SourceLocation
    reason: str
    raw: str | None = None
    key: str | None = None


@attrs.frozen
class FeedWarning:
    """Something let through that the user should know (a deviation, a lenient VIN)."""

    location: SourceLocation
    message: str


@attrs.frozen
class Located:
    """A record with the place it came from (so appliers' refusals can name it)."""

    record: Record
    location: SourceLocation
    raw: str | None = None
    """The source row as the feed read it (CSV text), so a refusal can be re-fed."""


FeedItem = Located | Rejection | FeedWarning


def _storable_key(value: str) -> str:
    r"""Keys longer than 200 characters or with control characters are replaced by a digest.

    >>> _storable_key("BODID:42")
    'BODID:42'
    >>> _storable_key("BODID:\x00").startswith("digest:")
    True
    """
    if len(value) <= 200 and value.isprintable():
        return value
    return "digest:" + hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


@attrs.frozen
class DocumentIdentity:
    """What makes re-imports idempotent: STAR ``BODID``, or the file's hash."""

    key: str = attrs.field(converter=_storable_key)
    sha256: str
    description: str = ""


@runtime_checkable
class InboundFeed(Protocol):
    """Port: reads one format into neutral records (implemented by adapters)."""

    @property
    def name(self) -> str:
        """The adapter name, e.g. ``star`` or ``csv``."""
        ...

    def reads(self) -> frozenset[RecordKind]:
        """The record kinds this feed can read."""
        ...

    def identify(self, document: Document, kind: RecordKind) -> DocumentIdentity:
        """The idempotency key of the document; raises :class:`DocumentRefused`."""
        ...

    def read(
        self, document: Document, kind: RecordKind, *, strict: bool = False
    ) -> Iterator[FeedItem]:
        """Stream the document's records (located), rejections and warnings.

        Lenient by default: read what can be read, reject or warn about the
        rest. ``strict`` refuses a document that deviates from its format's
        schema (raising :class:`DocumentRefused`). Must never raise anything
        but :class:`DocumentRefused` on bad input.
        """
        ...


@attrs.frozen
class Envelope:
    """Who writes an outbound document, when, and under which id."""

    document_id: str
    created_at: DateTime
    sender: str = "fours"
    dealer_code: str | None = None


@runtime_checkable
class OutboundFeed(Protocol):
    """Port: writes neutral records in one format."""

    @property
    def name(self) -> str: ...

    def writes(self) -> frozenset[RecordKind]: ...

    def write(
        self, kind: RecordKind, records: Iterable[Record], sink: BinaryIO, envelope: Envelope
    ) -> int:
        """Write ``records`` to ``sink``; return how many were written."""
        ...


class Change(enum.Enum):
    """What applying one record did.

    ``IGNORED``: the record is valid but carries nothing its binding applies by design
    (a price list's invoice price is a cost, not a selling price); it is counted, not
    rejected, so the file is not "wrong" forever.
    """

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    IGNORED = "ignored"


@attrs.frozen
class Applied:
    """A record applied: what it changed, and what the user should know about it
    (e.g. "manufacturer says SOLD, the dealer has IN_STOCK: state kept")."""

    key: str
    change: Change
    warnings: tuple[FeedWarning, ...] = ()


Outcome = Applied | Rejection

U_contra = TypeVar("U_contra", bound=UnitOfWork, contravariant=True)


@attrs.frozen
class ImportContext:
    """What an applier may know of the import it serves: the journal id the import will
    be recorded under, the document's identity, and the import's instant."""

    import_id: str
    identity: DocumentIdentity
    at: DateTime


class RecordApplier(Protocol[U_contra]):
    """Port: applies a batch of one kind's records inside an open unit of work.

    Must not commit: the import service commits once per document, so a
    document is applied whole or not at all. Returns one outcome per record,
    in order.
    """

    @property
    def kind(self) -> RecordKind: ...

    def apply(self, uow: U_contra, batch: Sequence[Located], at: DateTime) -> Sequence[Outcome]: ...


@runtime_checkable
class DocumentApplier(Protocol[U_contra]):
    """Optional capability of a :class:`RecordApplier`: hear when a document starts and
    ends, inside the import's unit of work (never for a dry run).

    ``finish`` runs after the last record, before the journal entry and the commit: a
    read model that a document replaces as a whole drops what the document no longer
    lists there, and the applier reports on the document (``ImportSummary.report``). A
    ``Failure`` refuses the whole document — nothing is applied.
    """

    def begin(self, uow: U_contra, context: ImportContext) -> None: ...

    def finish(self, uow: U_contra) -> Result[object, DomainError]: ...


@runtime_checkable
class HearsRejections(Protocol):
    """Optional capability of a :class:`DocumentApplier`: told of every row the *feed*
    rejected (those never reach ``apply``), so that a document replacing a read model as
    a whole leaves alone what a rejected row was about (ADR 0076); and asked, after a
    successful ``finish``, for warnings on the whole document (written and counted like
    the feed's). ``Rejection.key`` carries the rejected row's key as far as the feed could
    read it (a parts inventory: the part number), None when it could not.
    """

    def feed_rejected(self, rejection: Rejection) -> None: ...

    def document_warnings(self) -> Sequence[FeedWarning]: ...


# ---------------------------------------------------------------- the column-batch path


@runtime_checkable
class ColumnBatch(Protocol):
    """Valid records of one kind, column-wise, in a ``format`` a feed and an applier share.

    The bulk path of big documents (a manufacturer's million-row price file):
    no per-record objects. The domain only counts a batch; its columns are the
    business of the feed that builds it and the applier that applies it, and
    they must mean exactly what the record path's records mean.
    """

    @property
    def format(self) -> str:
        """The layout name, e.g. ``arrow/part-prices``."""
        ...

    def __len__(self) -> int: ...


@attrs.frozen
class BatchOutcome:
    """What applying a :class:`ColumnBatch` did: counts, and each refused row located."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejections: Sequence[Rejection] = ()


@runtime_checkable
class BatchReadingFeed(Protocol):
    """Optional capability of an :class:`InboundFeed`: read a kind as column batches.

    ``read_batches`` must report the same valid rows (as batches), rejections
    and warnings as ``read`` does for the same document — only faster. It
    raises :class:`DocumentRefused` where ``read`` would.
    """

    def batch_format(self, kind: RecordKind, *, strict: bool = False) -> str | None:
        """The batch layout ``read_batches`` yields for ``kind``, or None (records only)."""
        ...

    def read_batches(
        self, document: Document, kind: RecordKind, *, strict: bool = False
    ) -> Iterator[ColumnBatch | Rejection | FeedWarning]: ...


@runtime_checkable
class BatchApplier(Protocol[U_contra]):
    """Optional capability of a :class:`RecordApplier`: apply a whole column batch.

    Same contract as ``apply`` (never commits; the same outcome a record-by-record
    application of the batch's rows would have), counted instead of listed.
    """

    @property
    def batch_format(self) -> str: ...

    def apply_batch(self, uow: U_contra, batch: ColumnBatch, at: DateTime) -> BatchOutcome: ...


@runtime_checkable
class NamesFields(Protocol):
    """Optional capability of a feed: a record field's name in the feed's own terms.

    Appliers name the record field a refusal or warning is about (``brand``,
    ``invoice_tax``); a feed that knows where that field sits in its format (STAR:
    ``Vehicle/MakeString``) says so, and the import reports it that way.
    """

    def field_name(self, kind: RecordKind, field: str) -> str: ...


class ImportStatus(enum.Enum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    CHECKED = "checked"


@attrs.define(slots=False, eq=False)
class ImportRecord:
    """A journal entry of one applied document (table ``dms_imports``)."""

    id: str
    adapter: str
    kind: RecordKind
    document_key: str
    document_name: str
    sha256: str
    imported_at: DateTime
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    warnings: int = 0
    ignored: int = 0


class ImportJournal(Protocol):
    """Port: which documents were applied already (idempotency)."""

    def find(self, adapter: str, kind: RecordKind, document_key: str) -> ImportRecord | None: ...
    def add(self, entry: ImportRecord) -> None: ...
    def recent(self, limit: int = 20) -> Sequence[ImportRecord]: ...


class DmsUnitOfWork(UnitOfWork, Protocol):
    @property
    def dms_imports(self) -> ImportJournal: ...


class RejectSink(Protocol):
    """Port: where rejected rows go (a reject file the user can fix and re-feed)."""

    def reject(self, rejection: Rejection) -> None: ...

    def warn(self, warning: FeedWarning) -> None: ...
