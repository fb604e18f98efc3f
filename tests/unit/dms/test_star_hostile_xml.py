"""Hostile XML (ADR 0077): a DOCTYPE — an external entity (XXE), an entity bomb, an
external DTD — is refused on every XML entry point of the STAR adapter with one
``DocumentRefused`` naming the document and the line of the DOCTYPE; nothing is expanded,
nothing fetched."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fours_adapters.dms.generate import star_parts_inventory, star_vehicle_inventory
from fours_adapters.dms.star import StarFeed
from fours_adapters.dms.star.common import load_schema
from fours_adapters.dms.star.inbound import StarReader, read_envelope
from fours_adapters.dms.star.rejects import StarRejectFile
from fours_adapters.dms.testing import hostile_xml
from fours_domain.dms.ports import Document, DocumentRefused, Rejection, SourceLocation
from fours_domain.dms.records import RecordKind

VI = RecordKind.VEHICLE_INVENTORY
PI = RecordKind.PARTS_INVENTORY
SAMPLES = {
    VI: b"".join(star_vehicle_inventory(2, bodid="H-1")),
    PI: b"".join(star_parts_inventory(2)),
}


def doc(data: bytes, name: str = "hostile.xml") -> Document:
    return Document(name, lambda: io.BytesIO(data))


def _hostile(secret: Path) -> list[tuple[str, bytes]]:
    return hostile_xml(SAMPLES[VI], str(secret))


def _entry_points(star_dir: Path | None) -> dict[str, Callable[[Document], object]]:
    feed = StarFeed(star_dir)
    points: dict[str, Callable[[Document], object]] = {
        "identify": lambda d: feed.identify(d, VI),
        "read (lenient)": lambda d: list(feed.read(d, VI)),
        "reader": lambda d: list(StarReader(d.name, VI, {}).read(d.open())),
        "envelope (acknowledgement)": lambda d: read_envelope(d.open(), d.name),
        "reject file": _write_rejects,
    }
    if star_dir is not None:
        schema = load_schema(star_dir, "ProcessVehicleInventory")
        points |= {
            "read (strict)": lambda d: list(feed.read(d, VI, strict=True)),
            "schema tree": feed._small_tree,
            "schema streaming": lambda d: feed._stream_validate(d, schema),
        }
    return points


def _write_rejects(document: Document) -> None:
    rejects = StarRejectFile(document, VI, io.BytesIO())
    rejects.reject(
        Rejection(
            SourceLocation(
                document.name,
                3,
                "/ProcessVehicleInventory/ProcessVehicleInventoryDataArea/VehicleInventory[1]/"
                "Invoice[1]/VehicleInventoryVehicleLineItem[1]",
                "VehicleID",
            ),
            "bad",
        )
    )
    rejects.close()


@pytest.mark.parametrize("strict_schemas", [False, True], ids=["no-schemas", "schemas"])
def test_every_entry_point_refuses_a_doctype_naming_file_and_line(
    strict_schemas: bool, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    star_dir = request.getfixturevalue("star_dir") if strict_schemas else None
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    for label, data in _hostile(secret):
        for point, call in _entry_points(star_dir).items():
            with pytest.raises(DocumentRefused) as refused:
                call(doc(data))
            message = refused.value.message
            assert message.startswith("hostile.xml: line 2: "), (label, point, message)
            assert "DOCTYPE" in message and "TOP-SECRET" not in message, (label, point)
            assert refused.value.details["line"] == 2


def test_the_parts_inventory_reader_refuses_an_entity_bomb() -> None:
    [bomb] = [data for label, data in hostile_xml(SAMPLES[PI]) if label == "billion laughs"]
    with pytest.raises(DocumentRefused, match="line 2: the document carries a DOCTYPE"):
        list(StarFeed(None).read(doc(bomb), PI))


def test_a_doctype_deep_in_a_long_prolog_is_refused_with_its_own_line() -> None:
    data = SAMPLES[PI].replace(
        b"?>", b"?>\n" + b"<!-- header -->\n" * 40 + b'<!DOCTYPE r [<!ENTITY a "b">]>', 1
    )
    with pytest.raises(DocumentRefused) as refused:
        StarFeed(None).identify(doc(data), PI)
    assert refused.value.details["line"] == 42


@given(
    kind=st.sampled_from([VI, PI]),
    variant=st.integers(0, 4),
    padding=st.lists(st.sampled_from(["\n", "<!-- c -->\n", "  \n"]), max_size=6),
)
def test_hostile_documents_are_refused_whatever_precedes_the_doctype(
    kind: RecordKind, variant: int, padding: list[str]
) -> None:
    label, data = hostile_xml(SAMPLES[kind])[variant]
    declaration, rest = data.split(b"\n", 1)
    data = declaration + "".join(padding).encode() + b"\n" + rest
    line = 2 + "".join(padding).count("\n")
    feed = StarFeed(None)
    for call in (lambda d: feed.identify(d, kind), lambda d: list(feed.read(d, kind))):
        with pytest.raises(DocumentRefused) as refused:
            call(doc(data))
        assert refused.value.message.startswith(f"hostile.xml: line {line}: "), label
