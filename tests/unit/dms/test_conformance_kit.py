"""The conformance kit against fours' own adapters, and proof that it catches bad ones."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import attrs
import pytest

from fours_adapters.dms.generate import (
    part_price_edges,
    parts_inventory_csv,
    parts_price_csv,
    star_parts_inventory,
    star_vehicle_inventory,
)
from fours_adapters.dms.spreadsheet import CsvFeed, builtin_mapping
from fours_adapters.dms.spreadsheet.feed import open_bytes
from fours_adapters.dms.star import StarFeed
from fours_adapters.dms.testing import (
    CHECKS,
    ConformanceCase,
    ConformanceFailure,
    check_batches_match_records,
    check_error_reporting,
    check_refuses_hostile_xml,
    check_refuses_malformed,
)
from fours_domain.dms.ports import Document, FeedItem, Located, Rejection, SourceLocation
from fours_domain.dms.records import RecordKind

KIND = RecordKind.PART_PRICES


def star_case() -> ConformanceCase:
    feed = StarFeed(None)
    sample = b"".join(star_vehicle_inventory(3))
    return ConformanceCase(
        feed=feed,
        writer=feed,
        kind=RecordKind.VEHICLE_INVENTORY,
        sample=sample,
        bad_sample=sample.replace(b"<VehicleStatusCode>IN_TRANSIT", b"<VehicleStatusCode>??", 1),
        make_large=star_vehicle_inventory,
        large_records=40_000,
    )


def csv_case() -> ConformanceCase:
    sample = b"".join(parts_price_csv(3, "gb18030"))
    return ConformanceCase(
        feed=CsvFeed(builtin_mapping("generic")),
        kind=RecordKind.PART_PRICES,
        sample=sample,
        bad_sample=sample.replace(b"P000000002,", b"P000000002 ##,"),
        make_large=parts_price_csv,
        large_records=200_000,
        edge_samples=part_price_edges(),
    )


def star_parts_case() -> ConformanceCase:
    sample = b"".join(star_parts_inventory(3))
    return ConformanceCase(
        feed=StarFeed(None),
        kind=RecordKind.PARTS_INVENTORY,
        sample=sample,
        bad_sample=sample.replace(b"<QuantityOnHand>1<", b"<QuantityOnHand>-1<", 1),
        make_large=star_parts_inventory,
        large_records=40_000,
    )


def csv_parts_inventory_case() -> ConformanceCase:
    sample = b"".join(parts_inventory_csv(3))
    return ConformanceCase(
        feed=CsvFeed(builtin_mapping("generic")),
        kind=RecordKind.PARTS_INVENTORY,
        sample=sample,
        bad_sample=sample.replace(b"REPAIR,2,", b"REPAIR,-2,", 1),
        make_large=parts_inventory_csv,
        large_records=100_000,
    )


@pytest.mark.parametrize("check", CHECKS, ids=lambda check: check.__name__)
@pytest.mark.parametrize(
    "make_case",
    [star_case, csv_case, star_parts_case, csv_parts_inventory_case],
    ids=["star", "csv", "star-parts-inventory", "csv-parts-inventory"],
)
def test_reference_adapters_conform(
    make_case: Callable[[], ConformanceCase], check: Callable[[ConformanceCase], None]
) -> None:
    check(make_case())


class _CrashingFeed(CsvFeed):
    def read(
        self, document: Document, kind: RecordKind, *, strict: bool = False
    ) -> Iterator[FeedItem]:
        yield from super().read(document, kind, strict=strict)
        raise KeyError("oops")


class _SilentFeed(CsvFeed):
    def read(
        self, document: Document, kind: RecordKind, *, strict: bool = False
    ) -> Iterator[FeedItem]:
        for item in super().read(document, kind, strict=strict):
            if isinstance(item, Rejection):
                yield Rejection(SourceLocation(document.name), item.reason)
            else:
                yield item


def _case_with(feed: CsvFeed) -> ConformanceCase:
    base = csv_case()
    return ConformanceCase(
        feed=feed,
        kind=base.kind,
        sample=base.sample,
        bad_sample=base.bad_sample,
        make_large=base.make_large,
    )


def test_the_kit_catches_an_adapter_that_crashes() -> None:
    with pytest.raises(ConformanceFailure, match="crashed with KeyError"):
        check_refuses_malformed(_case_with(_CrashingFeed(builtin_mapping("generic"))))


def test_the_kit_catches_rejections_without_a_location() -> None:
    with pytest.raises(ConformanceFailure, match="neither a line nor an element path"):
        check_error_reporting(_case_with(_SilentFeed(builtin_mapping("generic"))))


class _DoctypeBlindFeed(StarFeed):
    """A STAR reader that lets a document with a DOCTYPE through (drops it, reads on)."""

    @staticmethod
    def _blind(document: Document) -> Document:
        with document.open() as stream:
            data = re.sub(rb"<!DOCTYPE[^\[>]*(\[.*?\])?\s*>", b"", stream.read(), flags=re.S)
        return Document(document.name, lambda: io.BytesIO(data))

    def identify(self, document: Document, kind: RecordKind) -> Any:
        return super().identify(self._blind(document), kind)

    def read(
        self, document: Document, kind: RecordKind, *, strict: bool = False
    ) -> Iterator[FeedItem]:
        return super().read(self._blind(document), kind, strict=strict)


def test_the_kit_catches_an_xml_adapter_that_accepts_a_doctype() -> None:
    base = star_case()
    blind = attrs.evolve(base, feed=_DoctypeBlindFeed(None), writer=None)
    with pytest.raises(ConformanceFailure, match="XXE external entity: a document with a DOCTYPE"):
        check_refuses_hostile_xml(blind)


def _records(items: Sequence[FeedItem]) -> list[Located]:
    return [i for i in items if isinstance(i, Located)]


def test_the_edge_samples_hold_values_one_beyond_the_records_bounds() -> None:
    feed = CsvFeed(builtin_mapping("generic"))
    *singles, together = part_price_edges()
    outcomes = []
    for data in singles:
        [item] = list(feed.read(Document("edge", open_bytes(data)), KIND))
        bounded = ("at most", "maximum", "is not an amount")  # 1e30: no exponents (ADR 0074)
        outcomes.append(
            (item.location.field, any(reason in item.reason for reason in bounded))
            if isinstance(item, Rejection)
            else "accepted"
        )
    assert outcomes == [
        "accepted",
        ("name", True),
        ("retail_price", True),
        ("retail_price", True),
        ("name", True),
        ("brand", True),
        ("retail_price", True),
    ]
    items = list(feed.read(Document("edge", open_bytes(together)), KIND))
    assert len(items) == len(singles)


class _LooseBatches(CsvFeed):
    """Reads part prices as batches without the records' bounds (a bug to catch)."""

    def read_batches(
        self, document: Document, kind: RecordKind, *, strict: bool = False
    ) -> Iterator[Any]:
        for item in super().read_batches(document, kind, strict=strict):
            if isinstance(item, Rejection) and item.location.field == "name":
                continue
            yield item


def test_the_kit_catches_a_batch_path_that_misses_a_bound() -> None:
    base = csv_case()
    loose = ConformanceCase(
        feed=_LooseBatches(builtin_mapping("generic")),
        kind=base.kind,
        sample=base.sample,
        bad_sample=base.bad_sample,
        make_large=base.make_large,
        edge_samples=base.edge_samples,
    )
    with pytest.raises(ConformanceFailure, match="edge_sample_2: read_batches gave other"):
        check_batches_match_records(loose)
