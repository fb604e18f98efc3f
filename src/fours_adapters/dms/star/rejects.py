"""STAR reject documents: the rejected line items of a STAR document, as a STAR document
the user can fix and import again (ADR 0064).

The reject file of ``notice.xml`` is ``notice.xml.rejects.xml``: the same BOD (root,
``ApplicationArea``, verb), its BODID derived from the original's (``BOD-1`` → ``BOD-1-R1``,
``BOD-1-R1`` → ``BOD-1-R2``: a new document for the journal, traceable to the first), and
only the containers and line items that were rejected, each preceded by a comment with
its reasons. A parts inventory's reject document is marked ``InventoryTypeCode``
Incremental: it holds only the rejected lines, so it must never be applied as a full
inventory (ADR 0076). It is written after the import by a second streaming pass over the original
(only when something was rejected), keeping just those line items: bounded memory, and
nothing spent on the happy path.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import BinaryIO

from lxml import etree

from fours_adapters.dms.star.common import SafeIterparse, local
from fours_adapters.dms.star.inbound import (
    _CONTAINERS,
    LINE_ITEMS,
    ROOTS,
    PathCounter,
)
from fours_domain.dms.ports import Document, DocumentRefused, Rejection
from fours_domain.dms.records import RecordKind

_REVISION = re.compile(r"^(?P<base>.*)-R(?P<n>[0-9]{1,6})$")


def reject_bodid(bodid: str | None, sha256: str = "") -> str:
    """The BODID of the reject document of a document with ``bodid``.

    >>> reject_bodid("FAW-N-1"), reject_bodid("FAW-N-1-R1"), reject_bodid(None, "ab12cd34ef")
    ('FAW-N-1-R1', 'FAW-N-1-R2', 'REJECTS-ab12cd34ef')
    """
    if not bodid:
        return f"REJECTS-{sha256[:16]}"
    found = _REVISION.match(bodid)
    if found is None:
        return f"{bodid}-R1"
    return f"{found['base']}-R{int(found['n']) + 1}"


def _comment(text: str) -> etree._Comment:
    # A comment may not contain "--" nor end with "-".
    return etree.Comment(" " + text.replace("--", "- -").rstrip("-") + " ")


class StarRejectFile:
    """Collects a STAR import's rejections; :meth:`close` writes the reject document."""

    suffix = ".rejects.xml"

    def __init__(self, document: Document, kind: RecordKind, stream: BinaryIO) -> None:
        self.document = document
        self.kind = kind
        self.stream = stream
        self.reasons: dict[str, list[str]] = defaultdict(list)
        self.unplaced: list[str] = []
        self.rejected = 0

    def reject(self, rejection: Rejection) -> None:
        self.rejected += 1
        where = rejection.location
        reason = f"rejected: {rejection.reason}" + (f" [{where.field}]" if where.field else "")
        if where.path and where.path.rsplit("/", 1)[-1].startswith(LINE_ITEMS[self.kind]):
            self.reasons[where.path].append(reason)
        else:
            self.unplaced.append(f"{where}: {reason}")

    def close(self) -> None:
        root = self._pruned()
        area = root.find("{*}ApplicationArea")
        if area is not None:
            _set_bodid(area, reject_bodid(_bodid(area)))
        if self.kind is RecordKind.PARTS_INVENTORY:
            _mark_incremental(root)
        for note in reversed(self.unplaced[:1000]):
            root.insert(0, _comment(note))
        self.stream.write(etree.tostring(root, xml_declaration=True, encoding="utf-8"))
        self.stream.flush()

    def _pruned(self) -> etree._Element:
        """The original document with only the rejected line items and their containers."""
        line_item = LINE_ITEMS[self.kind]
        containers = _CONTAINERS[self.kind]
        paths = PathCounter(self.kind)
        with self.document.open() as source:
            context = SafeIterparse(source, self.document.name, events=("start", "end"))
            try:
                for event, elem in context:
                    tag = local(elem.tag)
                    if event == "start":
                        if paths.root is None:
                            paths.root = tag
                        elif tag in containers or tag == line_item:
                            paths.start(tag)
                        continue
                    if tag == line_item:
                        reasons = self.reasons.get(paths.path(line_item))
                        if reasons is None:
                            _remove(elem)
                        else:
                            for reason in reasons[:20]:
                                elem.addprevious(_comment(reason))
                    elif tag in containers and elem.find(f".//{{*}}{line_item}") is None:
                        _remove(elem)
            except etree.XMLSyntaxError as exc:
                raise DocumentRefused(
                    self.document.name, f"cannot re-read for its reject file: {exc}"
                ) from None
            root: etree._Element | None = context.root
        assert root is not None and local(root.tag) in ROOTS[self.kind]
        return root


def _remove(elem: etree._Element) -> None:
    parent = elem.getparent()
    if parent is None:
        return
    # Comments written just before a removed element (e.g. "<!--Optional:-->") go with it.
    previous = elem.getprevious()
    while previous is not None and isinstance(previous, etree._Comment):
        before = previous.getprevious()
        parent.remove(previous)
        previous = before
    parent.remove(elem)


def _mark_incremental(root: etree._Element) -> None:
    """A parts inventory's reject file holds only its rejected lines: it is marked
    ``InventoryTypeCode`` Incremental (the header's last element), so feeding it again
    updates those positions and drops none (ADR 0076)."""
    for inventory in root.iter("{*}PartsInventory"):
        namespace = etree.QName(inventory).namespace
        prefix = f"{{{namespace}}}" if namespace else ""
        header = inventory.find("{*}PartsInventoryHeader")
        if header is None:
            header = etree.Element(f"{prefix}PartsInventoryHeader")
            inventory.insert(0, header)
        code = header.find("{*}InventoryTypeCode")
        if code is None:
            code = etree.SubElement(header, f"{prefix}InventoryTypeCode")
        code.text = "Incremental"
        code.addprevious(
            _comment(
                "fours reject file: only the rejected lines, applied as an incremental "
                "inventory (positions it does not list are kept)"
            )
        )


def _bodid(area: etree._Element) -> str | None:
    found = area.find("{*}BODID")
    return found.text.strip() if found is not None and found.text else None


def _set_bodid(area: etree._Element, bodid: str) -> None:
    found = area.find("{*}BODID")
    if found is None:
        namespace = etree.QName(area).namespace
        found = etree.Element(f"{{{namespace}}}BODID" if namespace else "BODID")
        anchor = area.find("{*}Signature")
        if anchor is None:
            anchor = area.find("{*}CreationDateTime")
        if anchor is None:
            area.insert(0, found)
        else:
            anchor.addnext(found)
    found.text = bodid
