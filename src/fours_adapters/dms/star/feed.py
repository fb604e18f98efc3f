"""``StarFeed``: the STAR Rev 5.5.4 adapter behind the ``star`` entry point."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO, cast

from lxml import etree

from fours_adapters.dms.star.common import (
    SafeIterparse,
    SchemaUnavailable,
    load_schema,
    refuse_doctype,
    safe_parser,
    sourceline,
)
from fours_adapters.dms.star.inbound import FIELD_PATHS, ROOTS, StarReader, read_envelope
from fours_adapters.dms.star.outbound import write_show_vehicle_inventory
from fours_adapters.dms.star.rejects import StarRejectFile
from fours_domain.dms.ports import (
    Document,
    DocumentIdentity,
    DocumentRefused,
    Envelope,
    FeedItem,
    FeedWarning,
    KindNotSupported,
    SourceLocation,
)
from fours_domain.dms.records import (
    ManufacturerVehicleState,
    Record,
    RecordKind,
    VehicleInventoryRecord,
)

#: In lenient mode, documents up to this size are validated as a whole tree and every
#: deviation is reported (a tree costs ~10 × the document in memory); larger ones are
#: validated streaming, in bounded memory, and their first deviation is reported.
LENIENT_SCHEMA_CHECK_BYTES = 4 * 1024 * 1024
MAX_REPORTED_DEVIATIONS = 50


def file_sha256(document: Document) -> str:
    digest = hashlib.sha256()
    with document.open() as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


class StarFeed:
    """Reads and writes STAR Rev 5.5.4 BODs.

    ``schema_dir`` is the ``Rev5.5.4`` folder (with ``BODs/`` and
    ``Resources/``); without it ``--strict`` is refused and lenient imports
    report only the deviations the reader itself notices. ``state_codes`` maps
    a manufacturer's own ``VehicleStatusCode`` values onto
    :class:`ManufacturerVehicleState` (the standard names are always known).
    """

    name = "star"
    reject_suffix = StarRejectFile.suffix

    def __init__(
        self,
        schema_dir: Path | None = None,
        state_codes: Mapping[str, ManufacturerVehicleState] | None = None,
    ) -> None:
        self.schema_dir = schema_dir
        self.state_codes = dict(state_codes or {})

    def reads(self) -> frozenset[RecordKind]:
        return frozenset(ROOTS)

    def field_name(self, kind: RecordKind, field: str) -> str:
        """Where a record field sits in a STAR line item (``brand`` → ``Vehicle/MakeString``)."""
        return FIELD_PATHS.get(kind, {}).get(field, field)

    def writes(self) -> frozenset[RecordKind]:
        return frozenset({RecordKind.VEHICLE_INVENTORY})

    def identify(self, document: Document, kind: RecordKind) -> DocumentIdentity:
        """Key ``BODID:<id>`` (falls back to ``sha256:<hash>`` without a BODID)."""
        self._check_kind(kind)
        with document.open() as stream:
            root, envelope = read_envelope(stream, document.name)
        if root not in ROOTS[kind]:
            raise DocumentRefused(
                document.name, f"is a {root} document, expected {' or '.join(ROOTS[kind])}"
            )
        sha = file_sha256(document)
        if envelope.bodid:
            return DocumentIdentity(f"BODID:{envelope.bodid}", sha, f"{root} {envelope.bodid}")
        return DocumentIdentity(f"sha256:{sha}", sha, f"{root} without BODID")

    def read(
        self, document: Document, kind: RecordKind, *, strict: bool = False
    ) -> Iterator[FeedItem]:
        self._check_kind(kind)
        if strict:
            self._validate_strictly(document, kind)
        else:
            yield from self._deviations(document, kind)
        reader = StarReader(document.name, kind, self.state_codes)
        with document.open() as stream:
            yield from reader.read(stream)

    def reject_writer(self, document: Document, stream: BinaryIO) -> StarRejectFile:
        """The reject file of ``document``: its rejected line items as a STAR document."""
        with document.open() as source:
            root, _ = read_envelope(source, document.name)
        kind = next(
            (k for k, roots in ROOTS.items() if root in roots), RecordKind.VEHICLE_INVENTORY
        )
        return StarRejectFile(document, kind, stream)

    def write(
        self, kind: RecordKind, records: Iterable[Record], sink: BinaryIO, envelope: Envelope
    ) -> int:
        if kind is not RecordKind.VEHICLE_INVENTORY:
            raise KindNotSupported(self.name, kind, self.writes())
        return write_show_vehicle_inventory(
            (r for r in records if isinstance(r, VehicleInventoryRecord)), sink, envelope
        )

    # ------------------------------------------------------------------ schema checks

    def _check_kind(self, kind: RecordKind) -> None:
        if kind not in ROOTS:
            raise KindNotSupported(self.name, kind, self.reads())

    def _schema(self, document: Document, kind: RecordKind) -> etree.XMLSchema | None:
        """The XSD of the document's BOD; None without a schema folder or for a root the
        reader refuses anyway; :class:`SchemaUnavailable` when the folder lacks it."""
        if self.schema_dir is None:
            return None
        with document.open() as stream:
            root, _ = read_envelope(stream, document.name)
        if root not in ROOTS[kind]:
            return None
        return load_schema(self.schema_dir, root)

    def _validate_strictly(self, document: Document, kind: RecordKind) -> None:
        if self.schema_dir is None:
            raise DocumentRefused(
                document.name,
                "--strict needs the STAR Rev 5.5.4 schemas: set FOURS_STAR_DIR to their folder",
            )
        try:
            schema = self._schema(document, kind)
        except SchemaUnavailable as missing:
            raise DocumentRefused(
                document.name, f"--strict needs the STAR schemas: {missing}"
            ) from None
        if schema is None:
            return  # the reader refuses the wrong root with a clear message
        tree = self._small_tree(document)
        if tree is not None:
            if schema.validate(tree):
                return
            errors: list[Any] = list(cast(Iterable[Any], schema.error_log))
            first = errors[0]
            raise DocumentRefused(
                document.name,
                f"does not validate against {schema_name(kind)} (--strict): line {first.line}: "
                f"{first.message} ({len(errors)} deviation(s) in all)",
                line=first.line,
                deviations=len(errors),
            )
        first_deviation = self._stream_validate(document, schema)
        if first_deviation is not None:
            raise DocumentRefused(
                document.name,
                f"does not validate against {schema_name(kind)} (--strict): {first_deviation}",
            )

    def _stream_validate(self, document: Document, schema: etree.XMLSchema) -> str | None:
        """Validate while streaming (bounded memory): the first deviation, or None."""
        with document.open() as stream:
            try:
                for _event, elem in SafeIterparse(
                    stream, document.name, events=("end",), schema=schema
                ):
                    if elem.getparent() is not None and len(elem) == 0:
                        continue
                    elem.clear(keep_tail=True)
            except etree.XMLSyntaxError as exc:
                return f"line {exc.lineno}: {exc.msg}"
        return None

    def _small_tree(self, document: Document) -> etree._ElementTree | None:
        """The parsed document when it is small enough to hold (else None)."""
        with document.open() as stream:
            stream.seek(0, 2)
            if stream.tell() > LENIENT_SCHEMA_CHECK_BYTES:
                return None
            stream.seek(0)
            head = stream.read(64 * 1024)
            stream.seek(0)
            try:
                tree = etree.parse(stream, safe_parser())
            except etree.XMLSyntaxError as exc:
                raise DocumentRefused(
                    document.name, f"not well-formed XML: {exc}", line=exc.lineno
                ) from None
            root = tree.getroot()
            refuse_doctype(tree, document.name, head, sourceline(root))
            return tree

    def _deviations(self, document: Document, kind: RecordKind) -> Iterator[FeedWarning]:
        try:
            schema = self._schema(document, kind)
        except SchemaUnavailable as missing:
            yield FeedWarning(
                SourceLocation(document.name), f"schema deviations not checked: {missing}"
            )
            return
        if schema is None:
            return
        tree = self._small_tree(document)
        if tree is None:
            first = self._stream_validate(document, schema)
            if first is not None:
                yield FeedWarning(
                    SourceLocation(document.name),
                    f"schema deviation (imported anyway): {first}; documents over "
                    f"{LENIENT_SCHEMA_CHECK_BYTES // (1024 * 1024)} MB report their first "
                    "deviation only",
                )
            return
        if schema.validate(tree):
            return
        errors: list[Any] = list(cast(Iterable[Any], schema.error_log))
        for error in errors[:MAX_REPORTED_DEVIATIONS]:
            yield FeedWarning(
                SourceLocation(document.name, error.line, error.path),
                f"schema deviation (imported anyway): {error.message}",
            )
        if len(errors) > MAX_REPORTED_DEVIATIONS:
            yield FeedWarning(
                SourceLocation(document.name),
                f"… and {len(errors) - MAX_REPORTED_DEVIATIONS} more schema deviations",
            )


def schema_name(kind: RecordKind) -> str:
    return f"the STAR {ROOTS[kind][0]} schema"
