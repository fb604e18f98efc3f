"""The files an import writes, and progress: the I/O side of an import (ADR 0064).

* Rejected rows go to a **reject file in the feed's own format**, so it can be fixed and
  fed again: a feed may offer ``reject_writer(document, stream)`` and ``reject_suffix``
  (the CSV feed writes the input's columns plus ``reject_reason`` and ``reject_location``;
  the STAR feed a STAR document of the rejected line items under a derived BODID); any
  other feed gets :class:`JsonlRejectWriter` (one JSON object per rejection, its ``raw``
  the row as the feed read it).
* **Every warning** goes to a warnings file (JSON lines: document, line, path, field,
  message); the summary shows a bounded preview.
* :class:`ImportFiles` writes both under ``.partial`` names and moves them into place
  when the import ends (a refused import leaves none; an empty one is never created).
* :func:`counting` — a binary stream that counts bytes read (for a progress bar over the
  file size).
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import IO, Any, BinaryIO, Protocol

from fours_domain.dms.ports import Document, FeedWarning, Rejection, SourceLocation


class RejectWriter(Protocol):
    """Writes rejected rows to a stream in a format the user can fix and feed again."""

    def reject(self, rejection: Rejection) -> None: ...

    def close(self) -> None:
        """Finish the file (flush; a document format writes its closing part)."""
        ...


def location_fields(location: SourceLocation) -> dict[str, Any]:
    return {
        "document": location.document,
        "line": location.line,
        "path": location.path,
        "field": location.field,
    }


class JsonlRejectWriter:
    """Rejections as JSON lines (``document``, ``line``, ``path``, ``field``, ``reason``,
    ``raw``): the reject file of feeds without their own."""

    suffix = ".rejects.jsonl"

    def __init__(self, stream: BinaryIO) -> None:
        self._text = io.TextIOWrapper(stream, encoding="utf-8", newline="\n")

    def reject(self, rejection: Rejection) -> None:
        entry = {
            **location_fields(rejection.location),
            "reason": rejection.reason,
            "raw": rejection.raw,
        }
        self._text.write(json.dumps(entry, ensure_ascii=False) + "\n")

    def close(self) -> None:
        self._text.flush()
        self._text.detach()


class JsonlRejectFile:
    """A ``RejectSink`` writing rejections and warnings as JSON lines to one text stream
    (``type`` ``rejection`` or ``warning``): for embedders and benchmarks that want one
    log of an import rather than :class:`ImportFiles`."""

    def __init__(self, sink: IO[str]) -> None:
        self._sink = sink
        self.rejected = 0
        self.warnings: list[FeedWarning] = []

    def reject(self, rejection: Rejection) -> None:
        self.rejected += 1
        entry = {
            "type": "rejection",
            **location_fields(rejection.location),
            "reason": rejection.reason,
            "raw": rejection.raw,
        }
        self._sink.write(json.dumps(entry, ensure_ascii=False) + "\n")

    def warn(self, warning: FeedWarning) -> None:
        if len(self.warnings) < 1000:
            self.warnings.append(warning)
        entry = {"type": "warning", **location_fields(warning.location), "reason": warning.message}
        self._sink.write(json.dumps(entry, ensure_ascii=False) + "\n")


def reject_suffix(feed: object) -> str:
    """The reject file's suffix for ``feed`` (``.rejects.csv``, ``.rejects.xml``…)."""
    suffix = getattr(feed, "reject_suffix", None)
    return suffix if isinstance(suffix, str) else JsonlRejectWriter.suffix


def reject_writer(feed: object, document: Document, stream: BinaryIO) -> RejectWriter:
    """The feed's own reject writer for ``document``, else JSON lines."""
    make = getattr(feed, "reject_writer", None)
    if callable(make):
        writer: RejectWriter = make(document, stream)
        return writer
    return JsonlRejectWriter(stream)


class _Partial:
    """A file written under ``<target>.partial`` and moved into place by :meth:`keep`."""

    def __init__(self, target: Path) -> None:
        self.target = target
        self.partial = target.with_name(target.name + ".partial")
        self.stream: BinaryIO = self.partial.open("wb")

    def keep(self) -> Path:
        self.stream.close()
        self.partial.replace(self.target)
        return self.target

    def discard(self) -> None:
        with contextlib.suppress(OSError):
            self.stream.close()
        self.partial.unlink(missing_ok=True)


class ImportFiles:
    """The reject file and the warnings file of one import (a ``RejectSink``).

    Each is created on its first row only, under a ``.partial`` name; :meth:`finish` moves
    them into place, :meth:`discard` removes them (a refused import). ``rejections`` keeps
    the first ``keep`` rejections (for an acknowledgement), ``preview`` the first warnings.
    """

    def __init__(
        self,
        feed: object,
        document: Document,
        rejects: Path,
        warnings: Path,
        *,
        keep: int = 1000,
        preview: int = 5,
    ) -> None:
        self._feed = feed
        self._document = document
        self.rejects_path = rejects
        self.warnings_path = warnings
        self._keep = keep
        self._preview = preview
        self.rejected = 0
        self.warned = 0
        self.rejections: list[Rejection] = []
        self.preview: list[FeedWarning] = []
        self._reject_file: _Partial | None = None
        self._writer: RejectWriter | None = None
        self._warning_file: _Partial | None = None
        self._warnings_text: io.TextIOWrapper | None = None

    def reject(self, rejection: Rejection) -> None:
        if self._writer is None:
            self._reject_file = _Partial(self.rejects_path)
            self._writer = reject_writer(self._feed, self._document, self._reject_file.stream)
        self._writer.reject(rejection)
        self.rejected += 1
        if len(self.rejections) < self._keep:
            self.rejections.append(rejection)

    def warn(self, warning: FeedWarning) -> None:
        if self._warnings_text is None:
            self._warning_file = _Partial(self.warnings_path)
            self._warnings_text = io.TextIOWrapper(
                self._warning_file.stream, encoding="utf-8", newline="\n"
            )
        entry = {**location_fields(warning.location), "message": warning.message}
        self._warnings_text.write(json.dumps(entry, ensure_ascii=False) + "\n")
        self.warned += 1
        if len(self.preview) < self._preview:
            self.preview.append(warning)

    def finish(self) -> tuple[Path | None, Path | None]:
        """Close and move both files into place: (reject file, warnings file) or None."""
        rejects = warnings = None
        if self._writer is not None and self._reject_file is not None:
            self._writer.close()
            rejects = self._reject_file.keep()
        if self._warnings_text is not None and self._warning_file is not None:
            self._warnings_text.flush()
            self._warnings_text.detach()
            warnings = self._warning_file.keep()
        self._writer = self._warnings_text = None
        self._reject_file = self._warning_file = None
        return rejects, warnings

    def discard(self) -> None:
        for partial in (self._reject_file, self._warning_file):
            if partial is not None:
                partial.discard()
        self._writer = self._warnings_text = None
        self._reject_file = self._warning_file = None


class CountingRaw(io.RawIOBase):
    """A raw stream over another that counts the bytes read (``position``)."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self.position = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._raw.read(len(buffer))
        count = len(data)
        buffer[:count] = data
        self.position += count
        return count

    def seekable(self) -> bool:
        return self._raw.seekable()

    def seek(self, offset: int, whence: int = 0) -> int:
        self.position = self._raw.seek(offset, whence)
        return self.position

    def tell(self) -> int:
        return self._raw.tell()

    def close(self) -> None:
        self._raw.close()
        super().close()


def counting(raw: BinaryIO) -> tuple[BinaryIO, CountingRaw]:
    """A buffered binary stream over ``raw`` and its byte counter."""
    counter = CountingRaw(raw)
    return io.BufferedReader(counter, 1 << 20), counter
