"""Which text encoding a spreadsheet export is in: declared, or detected strictly.

Chinese manufacturers send UTF-8, UTF-8 with a BOM, or GBK / GB18030. We do
not guess statistically (see docs/dms-formats.md, "Encodings"): the candidates form a
closed list, and a strict decode of the whole file decides —

1. a UTF-8 BOM → ``utf-8-sig``;
2. the whole file decodes as UTF-8 → ``utf-8`` (non-UTF-8 text in a CJK
   encoding practically never forms valid multi-byte UTF-8 sequences);
3. the whole file decodes as GB18030 (a superset of GBK and GB2312) and
   yields no private-use characters (the tell-tale of bytes that were not
   GB text at all) → ``gb18030``;
4. otherwise the document is refused, naming the byte offset, and the user
   declares the encoding in the mapping or with ``--encoding``.

The check runs in one streaming pass that also computes the SHA-256 used as
the document's idempotency key, once per import: ``CsvFeed`` keeps the result for
the document, so identifying it, reading it and writing its reject file's header
do not decode it again.
"""

from __future__ import annotations

import codecs
import hashlib
from typing import BinaryIO

import attrs

DECLARABLE = ("auto", "utf-8", "utf-8-sig", "gbk", "gb18030")
_CHUNK = 1 << 20


@attrs.frozen
class Sniffed:
    encoding: str
    sha256: str
    detected: bool


class EncodingProblem(ValueError):
    pass


def _has_private_use(text: str) -> bool:
    return any("\ue000" <= ch <= "\uf8ff" for ch in text)


def sniff(stream: BinaryIO, declared: str = "auto") -> Sniffed:
    """Hash ``stream`` and decide its encoding (see the module docstring)."""
    declared = declared.strip().lower().replace("_", "-")
    if declared not in DECLARABLE:
        raise EncodingProblem(f"unknown encoding {declared!r}; use one of {', '.join(DECLARABLE)}")
    digest = hashlib.sha256()
    first = stream.read(_CHUNK)
    candidates: list[str]
    if declared != "auto":
        candidates = [declared]
    elif first.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    else:
        candidates = ["utf-8", "gb18030"]
    decoders = {name: codecs.getincrementaldecoder(name)("strict") for name in candidates}
    failures: dict[str, str] = {}
    offset = 0
    chunk = first
    while True:
        final = not chunk
        digest.update(chunk)
        for name in list(decoders):
            try:
                text = decoders[name].decode(chunk, final=final)
            except UnicodeDecodeError as exc:
                failures[name] = f"byte {offset + exc.start}: {exc.reason}"
                del decoders[name]
                continue
            if name == "gb18030" and declared == "auto" and _has_private_use(text):
                failures[name] = "decodes to private-use characters (not GB text)"
                del decoders[name]
        if final:
            break
        offset += len(chunk)
        chunk = stream.read(_CHUNK)
    for name in candidates:
        if name in decoders:
            return Sniffed(name, digest.hexdigest(), detected=declared == "auto")
    tried = "; ".join(f"{name}: {why}" for name, why in failures.items())
    raise EncodingProblem(f"cannot be decoded ({tried}); declare the encoding")
