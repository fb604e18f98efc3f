"""Reject files and progress: the I/O side of an import.

* :class:`JsonlRejectFile` — one JSON object per rejected element or warning
  (``type``, ``document``, ``line``, ``path``, ``field``, ``reason``, ``raw``):
  the generic reject file, used for XML and any adapter without its own.
* Spreadsheet feeds write rejects in their own layout
  (:class:`fours_adapters.dms.spreadsheet.CsvRejectFile`) so the file can be
  fixed and fed again.
* :func:`counting` — a binary stream that counts bytes read (for a
  progress bar over the file size).
"""

from __future__ import annotations

import io
import json
from typing import Any, BinaryIO, TextIO

from fours_domain.dms.ports import FeedWarning, Rejection, SourceLocation


def _location(location: SourceLocation) -> dict[str, Any]:
    return {
        "document": location.document,
        "line": location.line,
        "path": location.path,
        "field": location.field,
    }


class JsonlRejectFile:
    """Rejections and warnings as JSON lines."""

    def __init__(self, sink: TextIO) -> None:
        self._sink = sink
        self.rejected = 0
        self.warnings: list[FeedWarning] = []

    def reject(self, rejection: Rejection) -> None:
        self.rejected += 1
        entry = {
            "type": "rejection",
            **_location(rejection.location),
            "reason": rejection.reason,
            "raw": rejection.raw,
        }
        self._sink.write(json.dumps(entry, ensure_ascii=False) + "\n")

    def warn(self, warning: FeedWarning) -> None:
        if len(self.warnings) < 1000:
            self.warnings.append(warning)
        entry = {"type": "warning", **_location(warning.location), "reason": warning.message}
        self._sink.write(json.dumps(entry, ensure_ascii=False) + "\n")


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
