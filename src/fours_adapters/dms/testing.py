"""The conformance kit: checks a DMS adapter must pass before a dealer group plugs it in.

A vendor describes the adapter once, in a :class:`ConformanceCase`, and runs
every check from their own test suite::

    import pytest
    from fours_adapters.dms.testing import CHECKS, ConformanceCase

    def case() -> ConformanceCase:
        return ConformanceCase(
            feed=MyFeed(),
            kind=RecordKind.VEHICLE_INVENTORY,
            sample=Path("tests/sample.json").read_bytes(),
            bad_sample=Path("tests/one_bad_row.json").read_bytes(),
            make_large=my_generator,          # n → chunks of a valid n-record document
        )

    @pytest.mark.parametrize("check", CHECKS, ids=lambda check: check.__name__)
    def test_conformance(check):
        check(case())

Each check raises :class:`ConformanceFailure` with a sentence saying what the
adapter did wrong. What they verify (docs/dms-adapters.md, "Conformance kit"):

* :func:`check_reads_sample` — the sample yields valid, located records of the kind;
* :func:`check_round_trip` — (writers) records written and read back are equal;
* :func:`check_idempotent` — same key twice; the second import changes nothing;
* :func:`check_crash_and_rerun` — a crash midway applies nothing, and a rerun
  ends where one clean run ends;
* :func:`check_error_reporting` — a bad row is rejected with document, line or
  path, field and reason, and the good rows still come through;
* :func:`check_refuses_malformed` — truncated, empty, garbage and wrongly
  encoded input raise only :class:`DocumentRefused` (or yield rejections);
* :func:`check_refuses_hostile_xml` — (XML feeds) the sample with a DOCTYPE — an
  external entity (XXE), an entity bomb (billion laughs), an external DTD — is refused
  with :class:`DocumentRefused`, nothing expanded, nothing fetched;
* :func:`check_bounded_memory` — a large document streams in bounded memory;
* :func:`check_batches_match_records` — (feeds with a column-batch path) the sample, the
  bad sample and the ``edge_samples`` (values at and one beyond the records' bounds) read
  as batches give exactly what ``read`` gives.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, BinaryIO

import attrs
import pendulum

from fours_adapters.dms.columnar import BATCH_EXPANDERS
from fours_domain.dms.ports import (
    Applied,
    BatchReadingFeed,
    Change,
    ColumnBatch,
    Document,
    DocumentRefused,
    Envelope,
    FeedItem,
    FeedWarning,
    ImportStatus,
    InboundFeed,
    Located,
    OutboundFeed,
    Outcome,
    Rejection,
)
from fours_domain.dms.records import RECORD_TYPES, RecordKind, fingerprint
from fours_domain.dms.services import ImportDocument, ImportSummary, import_document
from fours_domain.shared.ids import SequentialIdSource
from fours_domain.shared.time import DateTime, FixedClock
from fours_domain.testing.fakes import FakeUnitOfWork


class ConformanceFailure(AssertionError):
    """The adapter breaks the DMS port's contract."""


@attrs.frozen
class ConformanceCase:
    """What the kit needs to know about an adapter, for one record kind.

    ``sample`` is a valid document with at least two records; ``bad_sample``
    the same with exactly one record broken (a bad VIN, a negative quantity…);
    ``make_large(n)`` yields the bytes of a valid ``n``-record document in
    chunks (so the kit never holds it in memory); ``writer`` is the outbound
    side, when the adapter writes this kind.
    """

    feed: InboundFeed
    kind: RecordKind
    sample: bytes
    bad_sample: bytes
    make_large: Callable[[int], Iterator[bytes]]
    writer: OutboundFeed | None = None
    large_records: int = 50_000
    memory_limit_mb: float = 48.0
    extra_malformed: Sequence[bytes] = ()
    expand_batch: Callable[[ColumnBatch], Iterable[Located]] | None = None
    """Turns a batch of the feed's own layout back into located records; the kit knows
    the layouts of :mod:`fours_adapters.dms.columnar`."""
    edge_samples: Sequence[bytes] = ()
    """Documents at the edges of what records accept — the largest amount
    (``MAX_AMOUNT``) and one fen more, texts of their field's width and one character
    more, huge numbers, huge strings: :func:`check_batches_match_records` reads them both
    ways, and :func:`check_refuses_malformed` checks they are read cleanly."""


def _document(data: bytes, name: str = "sample") -> Document:
    return Document(name, lambda: io.BytesIO(data))


def _items(case: ConformanceCase, data: bytes, name: str = "sample") -> list[FeedItem]:
    return list(case.feed.read(_document(data, name), case.kind))


def _fail(message: str) -> ConformanceFailure:
    return ConformanceFailure(message)


def check_reads_sample(case: ConformanceCase) -> None:
    """The sample yields at least two located records of the case's kind, and no rejection."""
    if case.kind not in case.feed.reads():
        raise _fail(f"{case.feed.name}.reads() does not include {case.kind.value}")
    items = _items(case, case.sample)
    records = [i for i in items if isinstance(i, Located)]
    rejections = [i for i in items if isinstance(i, Rejection)]
    if len(records) < 2:
        raise _fail(f"the sample yielded {len(records)} records; give one with at least two")
    if rejections:
        raise _fail(f"the valid sample was rejected: {rejections[0]}")
    wanted = RECORD_TYPES[case.kind]
    for item in records:
        if type(item.record) is not wanted:
            raise _fail(f"yielded {type(item.record).__name__}, expected {wanted.__name__}")
        if item.location.document != "sample":
            raise _fail(f"record location names {item.location.document!r}, not the document")
        if item.location.line is None and not item.location.path:
            raise _fail(f"record {item.record.key} has neither a line nor a path")


def check_round_trip(case: ConformanceCase) -> None:
    """Records written by the adapter read back equal (skipped for read-only adapters)."""
    if case.writer is None or case.kind not in case.writer.writes():
        return
    records = [i.record for i in _items(case, case.sample) if isinstance(i, Located)]
    sink = io.BytesIO()
    # Dealer codes travel in the envelope of document formats (STAR: Sender/DealerNumberID).
    dealers = {getattr(r, "dealer_code", None) for r in records}
    envelope = Envelope(
        "conformance-1",
        pendulum.datetime(2026, 1, 1, tz="UTC"),
        dealer_code=dealers.pop() if len(dealers) == 1 else None,
    )
    written = case.writer.write(case.kind, records, sink, envelope)
    if written != len(records):
        raise _fail(f"write() reported {written} records for {len(records)}")
    again = [i.record for i in _items(case, sink.getvalue(), "written") if isinstance(i, Located)]
    if again != records:
        first = next(
            (f"{a!r} != {b!r}" for a, b in zip(records, again, strict=False) if a != b),
            f"{len(records)} records became {len(again)}",
        )
        raise _fail(f"round trip changed records: {first}")


@attrs.define
class MemoryApplier:
    """A test applier keeping records in the fake unit of work (rolled back with it).

    ``crash_after`` batches it raises :class:`SimulatedCrash`, to test atomicity.
    """

    kind: RecordKind
    crash_after: int | None = None
    batches: int = 0

    def apply(self, uow: Any, batch: Sequence[Located], at: DateTime) -> Sequence[Outcome]:
        self.batches += 1
        if self.crash_after is not None and self.batches > self.crash_after:
            raise SimulatedCrash(f"crash in batch {self.batches}")
        store: dict[str, str] = uow.applied_records
        outcomes: list[Outcome] = []
        for item in batch:
            key, digest = item.record.key, fingerprint(item.record)
            previous = store.get(key)
            change = (
                Change.CREATED
                if previous is None
                else Change.UNCHANGED
                if previous == digest
                else Change.UPDATED
            )
            store[key] = digest
            outcomes.append(Applied(key, change))
        return outcomes


class SimulatedCrash(RuntimeError):
    """Raised by :class:`MemoryApplier` to simulate a process dying mid-import."""


class CollectedRejects:
    """A ``RejectSink`` that keeps what it is given (for tests and the kit)."""

    def __init__(self) -> None:
        self.rejections: list[Rejection] = []
        self.warnings: list[FeedWarning] = []

    def reject(self, rejection: Rejection) -> None:
        self.rejections.append(rejection)

    def warn(self, warning: FeedWarning) -> None:
        self.warnings.append(warning)


def fake_uow() -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    uow.applied_records = {}  # type: ignore[attr-defined]
    return uow


def run_import(
    case: ConformanceCase,
    uow: FakeUnitOfWork,
    data: bytes,
    applier: MemoryApplier,
    batch_size: int = 1,
) -> ImportSummary:
    result = import_document(
        uow,
        case.feed,
        applier,
        ImportDocument(_document(data), case.kind, batch_size=batch_size),
        clock=FixedClock(pendulum.datetime(2026, 1, 1, tz="UTC")),
        ids=SequentialIdSource("imp"),
        rejects=CollectedRejects(),
    )
    summary = result.value_or(None)
    if summary is None:
        raise _fail(f"importing the sample failed: {result.failure()}")
    return summary


def check_idempotent(case: ConformanceCase) -> None:
    """Same document, same key; the second import is a duplicate that changes nothing."""
    doc = _document(case.sample)
    first_key = case.feed.identify(doc, case.kind).key
    if case.feed.identify(_document(case.sample), case.kind).key != first_key:
        raise _fail("identify() gave two keys for the same document")
    if _items(case, case.sample) != _items(case, case.sample):
        raise _fail("reading the same document twice gave different items")
    uow = fake_uow()
    first = run_import(case, uow, case.sample, MemoryApplier(case.kind))
    state = dict(uow.applied_records)  # type: ignore[attr-defined]
    second = run_import(case, uow, case.sample, MemoryApplier(case.kind))
    if second.status is not ImportStatus.DUPLICATE:
        raise _fail(f"re-import was {second.status.value}, expected duplicate")
    if uow.applied_records != state or first.created == 0:  # type: ignore[attr-defined]
        raise _fail("re-import changed the applied records")


def check_crash_and_rerun(case: ConformanceCase) -> None:
    """A crash after the first batch leaves nothing; a rerun equals one clean run."""
    clean = fake_uow()
    run_import(case, clean, case.sample, MemoryApplier(case.kind))
    crashed = fake_uow()
    try:
        run_import(case, crashed, case.sample, MemoryApplier(case.kind, crash_after=1))
    except SimulatedCrash:
        pass
    else:
        raise _fail("the simulated crash did not happen: the sample needs two records")
    if crashed.applied_records or crashed.dms_imports.entries:  # type: ignore[attr-defined]
        raise _fail("a crash midway left records or a journal entry behind")
    run_import(case, crashed, case.sample, MemoryApplier(case.kind))
    if crashed.applied_records != clean.applied_records:  # type: ignore[attr-defined]
        raise _fail("crash + rerun did not end in the state of one clean run")
    if len(crashed.dms_imports.entries) != 1:
        raise _fail("crash + rerun did not journal the document exactly once")


def check_error_reporting(case: ConformanceCase) -> None:
    """The bad sample: one rejection naming document, line or path, and reason; good rows pass."""
    items = _items(case, case.bad_sample, "bad-sample")
    rejections = [i for i in items if isinstance(i, Rejection)]
    records = [i for i in items if isinstance(i, Located)]
    if len(rejections) != 1:
        raise _fail(f"the bad sample gave {len(rejections)} rejections, expected exactly 1")
    rejection = rejections[0]
    where = rejection.location
    if where.document != "bad-sample":
        raise _fail(f"the rejection names document {where.document!r}")
    if where.line is None and not where.path:
        raise _fail("the rejection gives neither a line nor an element path")
    if not rejection.reason.strip():
        raise _fail("the rejection gives no reason")
    if not where.field:
        raise _fail(f"the rejection does not name the field ({rejection.reason})")
    if not records:
        raise _fail("one bad row made the good rows disappear")


def _malformed(case: ConformanceCase) -> Iterator[tuple[str, bytes]]:
    sample = case.sample
    yield "empty", b""
    yield "garbage", bytes(range(256)) * 4
    yield "nul bytes", b"\x00" * 64
    for fraction in (0.1, 0.33, 0.5, 0.9):
        yield f"truncated at {fraction:.0%}", sample[: int(len(sample) * fraction)]
    text: str | None
    try:
        text = sample.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None:
        yield "UTF-16 re-encoded", text.encode("utf-16")
    yield (
        "latin-1 bytes spliced in",
        sample[: len(sample) // 2] + b"\xe9\xff\xfe" + sample[len(sample) // 2 :],
    )
    for i, extra in enumerate(case.extra_malformed):
        yield f"extra malformed #{i + 1}", extra
    for i, edge in enumerate(case.edge_samples):
        yield f"edge sample #{i + 1}", edge


def check_refuses_malformed(case: ConformanceCase) -> None:
    """Malformed input raises only DocumentRefused; it never crashes the adapter."""
    for label, data in _malformed(case):
        try:
            case.feed.identify(_document(data, label), case.kind)
            for item in case.feed.read(_document(data, label), case.kind):
                if not isinstance(item, Located | Rejection | FeedWarning):
                    raise _fail(f"{label}: yielded {type(item).__name__}")
        except DocumentRefused as refused:
            if not refused.message.startswith(label):
                raise _fail(f"{label}: the refusal does not name the document: {refused}") from None
        except ConformanceFailure:
            raise
        except Exception as exc:
            raise _fail(f"{label}: crashed with {type(exc).__name__}: {exc}") from exc


_LAUGHS = "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10))


def hostile_xml(sample: bytes, target: str = "/etc/passwd") -> list[tuple[str, bytes]]:
    """``sample`` (an XML document) with a DOCTYPE put in front of its root element, the
    ways XML is attacked: an external entity (XXE, ``file://`` ``target``), a billion
    laughs entity bomb, an external DTD over the network, a parameter entity, and a bare
    DOCTYPE. An adapter must refuse every one (:class:`DocumentRefused`); empty for a
    sample that is not XML."""
    body = sample.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not body.startswith(b"<"):
        return []
    declaration = b""
    if body.startswith(b"<?xml"):
        end = body.index(b"?>") + 2
        declaration, body = body[:end], body[end:]
    doctypes = {
        "XXE external entity": f'<!DOCTYPE r [<!ENTITY xxe SYSTEM "file://{target}">]>',
        "billion laughs": f'<!DOCTYPE r [<!ENTITY lol0 "lol">{_LAUGHS}]>',
        "external DTD": '<!DOCTYPE r SYSTEM "http://127.0.0.1:9/fours-xxe.dtd">',
        "parameter entity": (
            '<!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1:9/fours-xxe.dtd"> %p;]>'
        ),
        "bare DOCTYPE": "<!DOCTYPE r>",
    }
    return [
        (label, declaration + b"\n" + doctype.encode() + b"\n" + body)
        for label, doctype in doctypes.items()
    ]


def check_refuses_hostile_xml(case: ConformanceCase) -> None:
    """(XML feeds) a DOCTYPE — XXE, entity bombs, external DTDs — is refused: identify or
    read raises :class:`DocumentRefused` naming the document; nothing is read from it."""
    for label, data in hostile_xml(case.sample):
        try:
            case.feed.identify(_document(data, label), case.kind)
            items = list(case.feed.read(_document(data, label), case.kind))
        except DocumentRefused as refused:
            if not refused.message.startswith(label):
                raise _fail(f"{label}: the refusal does not name the document: {refused}") from None
            continue
        except Exception as exc:
            raise _fail(f"{label}: crashed with {type(exc).__name__}: {exc}") from exc
        raise _fail(
            f"{label}: a document with a DOCTYPE was read ({len(items)} items), not refused"
        )


def _rss_mb() -> float | None:
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            pages = int(statm.read().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE") / (1024 * 1024)


def check_bounded_memory(case: ConformanceCase) -> None:
    """Reading ``large_records`` records grows resident memory by less than the limit.

    Measured as resident set size (it sees C allocations, e.g. lxml's, which
    tracemalloc would not); Linux only, skipped elsewhere.
    """
    if _rss_mb() is None:
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "large"
        with path.open("wb") as out:
            for chunk in case.make_large(case.large_records):
                out.write(chunk)

        def opener() -> BinaryIO:
            return path.open("rb")

        document = Document("large", opener)
        case.feed.identify(document, case.kind)
        start = _rss_mb() or 0.0
        peak = start
        count = 0
        for item in case.feed.read(document, case.kind):
            if isinstance(item, Located):
                count += 1
            if count % 2000 == 0:
                peak = max(peak, _rss_mb() or 0.0)
        peak = max(peak, _rss_mb() or 0.0)
    if count != case.large_records:
        raise _fail(f"the large document gave {count} records, expected {case.large_records}")
    if peak - start > case.memory_limit_mb:
        raise _fail(
            f"reading {count} records grew memory by {peak - start:.0f} MB "
            f"(limit {case.memory_limit_mb:.0f} MB): the adapter does not stream"
        )


def _by_type(items: Iterable[object]) -> tuple[list[Located], list[Rejection], list[FeedWarning]]:
    located: list[Located] = []
    rejections: list[Rejection] = []
    warnings: list[FeedWarning] = []
    for item in items:
        if isinstance(item, Located):
            located.append(item)
        elif isinstance(item, Rejection):
            rejections.append(item)
        elif isinstance(item, FeedWarning):
            warnings.append(item)
    return located, rejections, sorted(warnings, key=repr)


def check_batches_match_records(case: ConformanceCase) -> None:
    """A feed's column batches say exactly what its records say (same rows, same lines,
    same rejections and warnings), for the sample, the bad sample and the edge samples.

    Passes trivially for a feed without a batch path for the case's kind."""
    feed = case.feed
    if not isinstance(feed, BatchReadingFeed):
        return
    layout = feed.batch_format(case.kind)
    if layout is None:
        return
    expand = case.expand_batch or BATCH_EXPANDERS.get(layout)
    if expand is None:
        raise _fail(f"batch layout {layout!r} is unknown to the kit: pass expand_batch")
    documents = [("sample", case.sample), ("bad_sample", case.bad_sample)]
    documents += [(f"edge_sample_{i + 1}", edge) for i, edge in enumerate(case.edge_samples)]
    for name, data in documents:
        expanded: list[object] = []
        for item in feed.read_batches(_document(data, name), case.kind):
            if isinstance(item, ColumnBatch):
                if item.format != layout:
                    raise _fail(f"read_batches yielded layout {item.format!r}, not {layout!r}")
                expanded.extend(expand(item))
            else:
                expanded.append(item)
        want_records, want_rejections, want_warnings = _by_type(_items(case, data, name))
        got_records, got_rejections, got_warnings = _by_type(expanded)
        _same(name, "records", want_records, got_records)
        _same(name, "rejections", want_rejections, got_rejections)
        _same(name, "warnings", want_warnings, got_warnings)


def _same(document: str, what: str, want: Sequence[object], got: Sequence[object]) -> None:
    if list(want) == list(got):
        return
    first = next((g for g, w in zip(got, want, strict=False) if g != w), None)
    raise _fail(
        f"{document}: read_batches gave other {what} than read "
        f"({len(got)} vs {len(want)}; first difference: {first})"
    )


CHECKS: tuple[Callable[[ConformanceCase], None], ...] = (
    check_reads_sample,
    check_round_trip,
    check_idempotent,
    check_crash_and_rerun,
    check_error_reporting,
    check_refuses_malformed,
    check_refuses_hostile_xml,
    check_bounded_memory,
    check_batches_match_records,
)
"""Every check, in the order to run them."""
