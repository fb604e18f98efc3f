"""Shared helpers of the STAR adapter: namespaces, schema loading, value parsing."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, BinaryIO

import pendulum
from lxml import etree

from fours_domain.dms.ports import DocumentRefused
from fours_domain.shared.errors import DomainError
from fours_domain.shared.money import Money
from fours_domain.shared.money import parse_amount as parse_money_text
from fours_domain.shared.time import Date

STAR_NS = "http://www.starstandard.org/STAR/5"
OAGIS_NS = "http://www.openapplications.org/oagis/9"
RELEASE_ID = "5.5.4"

_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")


class ValueProblem(ValueError):
    """A field's text cannot be read as the type it should have."""


def local(tag: object) -> str:
    """Local name of an element tag (``{ns}Name`` → ``Name``)."""
    text = str(tag)
    return text.rsplit("}", 1)[-1]


def text_of(elem: etree._Element, path: str) -> str | None:
    """Stripped text of the first element at ``path`` (``{*}`` namespaces), or None."""
    found = elem.find(path)
    if found is None or found.text is None:
        return None
    stripped = found.text.strip()
    return stripped or None


def parse_date(raw: str) -> Date:
    """A STAR date: ``2026-11-25``, also with a zone suffix (``-05:00``, ``Z``) or a time."""
    match = _DATE.match(raw.strip())
    if match is None:
        raise ValueProblem(f"{raw!r} is not a date (YYYY-MM-DD)")
    try:
        return pendulum.Date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError as exc:
        raise ValueProblem(f"{raw!r} is not a calendar date: {exc}") from None


def parse_decimal(raw: str) -> Decimal:
    try:
        value = Decimal(raw.strip())
    except InvalidOperation:
        raise ValueProblem(f"{raw!r} is not a number") from None
    if not value.is_finite():
        raise ValueProblem(f"{raw!r} is not a finite number")
    return value


def parse_amount(elem: etree._Element) -> Money:
    """A STAR ``AmountType`` in CNY (a missing ``currencyID`` is taken as CNY)."""
    currency = (elem.get("currencyID") or "CNY").strip().upper()
    if currency != "CNY":
        raise ValueProblem(f"amount {elem.text!r} is in {currency}, only CNY is accepted")
    try:  # the domain's one rule (ADR 0074); the maximum is the records' check (ADR 0062)
        return parse_money_text(elem.text or "", "amount", bounded=False)
    except DomainError as error:
        raise ValueProblem(error.message) from None


class SchemaUnavailable(Exception):
    """The STAR schema folder does not hold (a readable) XSD of a BOD."""


@functools.lru_cache(maxsize=8)
def load_schema(schema_dir: Path, bod: str) -> etree.XMLSchema:
    """The XSD of a BOD, e.g. ``load_schema(dir, "ShowVehicleInventory")`` (cached);
    :class:`SchemaUnavailable` names the folder when it is not the ``Rev5.5.4`` one."""
    path = schema_dir / "BODs" / "Developer" / f"{bod}.xsd"
    if not path.is_file():
        raise SchemaUnavailable(
            f"{schema_dir} (FOURS_STAR_DIR) has no BODs/Developer/{bod}.xsd: point "
            "FOURS_STAR_DIR at the STAR Rev5.5.4 folder"
        )
    try:
        return etree.XMLSchema(etree.parse(str(path)))
    except (OSError, etree.XMLSyntaxError, etree.XMLSchemaParseError) as exc:
        raise SchemaUnavailable(f"{path} (FOURS_STAR_DIR) cannot be loaded: {exc}") from None


def safe_parser_options() -> dict[str, bool]:
    """No DTD loading, no entity expansion, no network, no huge-tree tricks (XXE, billion
    laughs, external DTDs): the options of every parser of the STAR adapter (ADR 0077)."""
    return {"resolve_entities": False, "no_network": True, "load_dtd": False, "huge_tree": False}


def safe_parser() -> etree.XMLParser:
    """A tree parser with :func:`safe_parser_options` (documents are still checked with
    :func:`refuse_doctype`)."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


#: Bytes of a document's beginning kept to find the line of its DOCTYPE.
_HEAD_BYTES = 64 * 1024


class _Head:
    """A stream that keeps its first bytes (where a DOCTYPE sits), for the refusal's line."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self.head = b""

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        if len(self.head) < _HEAD_BYTES:
            self.head += data[: _HEAD_BYTES - len(self.head)]
        return data


def refuse_doctype(
    tree: etree._ElementTree, name: str, head: bytes = b"", line: int | None = None
) -> None:
    """Refuse a document that carries a DOCTYPE (a DTD, entity declarations): STAR
    documents have none, and a DTD is how XXE and entity bombs come in (ADR 0077).

    The refusal names the line of ``<!DOCTYPE`` when ``head`` (the document's first bytes)
    shows it, else ``line`` (the root element's)."""
    info: Any = tree.docinfo  # the stubs lack doctype, system_url
    if not (info.doctype or info.system_url or info.public_id or info.internalDTD is not None):
        return
    found = head.find(b"<!DOCTYPE")
    if found >= 0:
        line = head.count(b"\n", 0, found) + 1
    where = f"line {line}: " if line else ""
    raise DocumentRefused(
        name,
        f"{where}the document carries a DOCTYPE: DTDs and entity declarations are "
        "refused (XXE, entity expansion)",
        line=line,
    )


class SafeIterparse:
    """``etree.iterparse`` with :func:`safe_parser_options` that refuses a document with a
    DOCTYPE (:class:`DocumentRefused`, with its line) at its first event — before any
    entity is met. ``XMLSyntaxError`` is left to the caller; ``root`` as iterparse's."""

    def __init__(self, stream: BinaryIO, name: str, **options: Any) -> None:
        self._head = _Head(stream)
        self._name = name
        self._context = etree.iterparse(self._head, **options, **safe_parser_options())

    @property
    def root(self) -> etree._Element | None:
        root: etree._Element | None = self._context.root
        return root

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        checked = False
        for event, elem in self._context:
            if not checked:
                refuse_doctype(elem.getroottree(), self._name, self._head.head, sourceline(elem))
                checked = True
            yield event, elem
        root = self.root
        if not checked and root is not None:
            refuse_doctype(root.getroottree(), self._name, self._head.head, sourceline(root))


def sourceline(elem: etree._Element) -> int | None:
    line: object = elem.sourceline
    return line if isinstance(line, int) else None
