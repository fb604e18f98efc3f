"""Feeds read amounts by the domain's one rule (ADR 0074): a malformed amount rejects its
row with the field and line, the rest of the document is read."""

import pytest

from fours_adapters.dms.generate import PARTS_HEADER
from fours_adapters.dms.spreadsheet import CsvFeed, builtin_mapping
from fours_adapters.dms.spreadsheet.feed import open_bytes
from fours_domain.dms.ports import Document, Located, Rejection
from fours_domain.dms.records import PartPriceRecord, RecordKind
from tests.unit.dms.test_star_vehicles import cars, invoice, read


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("12,5", "is not an amount"),
        ("1e3", "is not an amount"),
        ("NaN", "is not an amount"),
        ("Infinity", "is not an amount"),
        ("0.001", "has fractions of a fen"),
        ("100000000000000000", "exceeds the maximum amount"),
    ],
)
def test_a_csv_row_with_a_bad_amount_is_rejected_where_it_is(raw: str, reason: str) -> None:
    rows = f'G-1,Good,AUDI,"1,299.50",1.00,个,2026-11-01\nB-1,Bad,AUDI,"{raw}",1.00,个,2026-11-01\n'
    data = (PARTS_HEADER + rows).encode("utf-8")
    feed = CsvFeed(builtin_mapping("generic"))
    items = list(feed.read(Document("p.csv", open_bytes(data)), RecordKind.PART_PRICES))
    [good] = [i for i in items if isinstance(i, Located)]
    assert isinstance(good.record, PartPriceRecord)
    assert (
        good.record.retail_price is not None and str(good.record.retail_price.amount) == "1299.50"
    )
    [bad] = [i for i in items if isinstance(i, Rejection)]
    assert (bad.location.line, bad.location.field) == (3, "retail_price")
    assert reason in bad.reason


@pytest.mark.parametrize("raw", ["1E30", "NaN", "١٢٣", "12,5"])
def test_a_star_amount_that_is_not_one_rejects_the_car(raw: str) -> None:
    data = invoice(cars(2), None).replace(
        b'currencyID="CNY">301000.00', b'currencyID="CNY">' + raw.encode(), 1
    )
    items = read(data)
    [rejection] = [i for i in items if isinstance(i, Rejection)]
    assert rejection.location.field == "ChargeAmount"
    assert "is not an amount" in rejection.reason
    assert len([i for i in items if isinstance(i, Located)]) == 1
