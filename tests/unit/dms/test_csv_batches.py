"""``CsvFeed.read_batches`` ≡ ``CsvFeed.read``: the Arrow bulk path reads what the record
path reads — the same valid rows (values, lines, raw text), rejections and warnings —
and refuses what it refuses."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Literal

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from fours_adapters.dms.columnar import (
    PART_PRICE_SCHEMA,
    PART_PRICES,
    ArrowBatch,
    part_price_records,
)
from fours_adapters.dms.spreadsheet import CsvFeed, builtin_mapping
from fours_adapters.dms.spreadsheet import batches as batches_module
from fours_adapters.dms.spreadsheet.batches import PY_WHITESPACE
from fours_adapters.dms.spreadsheet.feed import open_bytes
from fours_adapters.dms.spreadsheet.mapping import ColumnMapping, parse_mapping
from fours_domain.dms.ports import (
    Document,
    DocumentRefused,
    FeedItem,
    FeedWarning,
    Located,
    Rejection,
)
from fours_domain.dms.records import RecordKind

KIND = RecordKind.PART_PRICES
FIELDS = (
    "part_number",
    "name",
    "brand",
    "retail_price",
    "dealer_price",
    "unit",
    "effective_from",
    "part_class",
)

PART_NUMBERS = [
    "P-1", "p-1", " 4h0-698-151 ", "06L/115.562", "A B", "bad*", "ß1", "ı1", "Ｐ1",
    "A" * 40, "A" * 41, "-P", "\tP-2\t", "P\n1", "P-1",
]  # fmt: skip
NAMES = [
    "Filter", "前刹车片", "a,b", "x\ny", "x\r\ny", "x\ry", "\x01ctl", "NA", "NULL", '"q"',
    "\u3000名\u3000", "\x1cname\x1c", "a\u200b", "𠀀€", "  ", "", "N" * 200, "N" * 201,
    " " + "名" * 200 + " ", "名" * 3000,
]  # fmt: skip
PRICES = [
    "12", "12.5", "12.50", "0.01", "0", "007.10", "¥1,299.50", "￥88", "1299.5元", "RMB 1299.50",
    "1.234", "-1", "-0", "NA", "1e3", "Infinity", "NaN", " 7 ", "１２", "1.", ".5", "1,2",
    "999999999999999.99", "9999999999.99", "10000000000.00", "99999999999999999999999.99", "",
]  # fmt: skip
DATES = [
    "2026-11-25", "2026-02-30", "2024-02-29", "2023-02-29", "2026年11月25日", "20261125",
    "2026/11/25", "2026-11-25 10:00", "0000-01-01", "0999-01-01", "２０２６-１１-２５",
    "2026-1-5", "NA", "", " 2026-11-25 ",
]  # fmt: skip
TEXTS = ["AUDI", "", " ", "个", "NA", " x ", "\u2003", "C" * 32, "C" * 33, "U" * 41, "Y" * 201]

cell_text = st.text(st.sampled_from('aZ09 ,;"\n\r\t-.¥元\u3000\x00名'), max_size=6)


def cells_of(field: str) -> st.SearchStrategy[str]:
    pool = {
        "part_number": PART_NUMBERS,
        "name": NAMES,
        "retail_price": PRICES,
        "dealer_price": PRICES,
        "effective_from": DATES,
    }.get(field, TEXTS)
    return (
        st.one_of(st.sampled_from(pool), cell_text) if pool is not TEXTS else st.sampled_from(pool)
    )


@st.composite
def documents(draw: st.DrawFn) -> tuple[ColumnMapping, bytes]:
    """A mapping and a small CSV document read through it: valid rows and nasty ones."""
    delimiter = draw(st.sampled_from([",", ",", ";", "\t", "|"]))
    fields = draw(st.permutations(FIELDS))
    used = [f for f in fields if f in ("part_number", "name") or draw(st.booleans())]
    columns = {
        field: f"{field}_{i}" if draw(st.booleans()) else field for i, field in enumerate(used)
    }
    defaults = {}
    for field in draw(
        st.lists(st.sampled_from(["brand", "unit", "retail_price", "name"]), max_size=2)
    ):
        defaults[field] = draw(st.sampled_from(["BYD", " 5 ", "", "¥3", " Std "]))
    mapping = parse_mapping(
        {
            "name": "t",
            "delimiter": delimiter,
            "part-prices": {"columns": columns, "defaults": defaults},
        }
    )
    header = list(columns.values())
    if draw(st.booleans()):
        header.insert(draw(st.integers(0, len(header))), "extra")
    width = len(header)
    terminator = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    quoting: Literal[0, 1] = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=terminator, quoting=quoting)
    writer.writerow([f" {column} " if draw(st.booleans()) else column for column in header])
    by_column = {column: field for field, column in columns.items()}
    for _ in range(draw(st.integers(0, 12))):
        shape = draw(st.sampled_from(["row"] * 6 + ["blank", "spaces", "empties", "short", "long"]))
        if shape == "blank":
            out.write(terminator)
        elif shape == "spaces":
            out.write(" \t " + terminator)
        elif shape == "empties":
            writer.writerow([""] * width)
        else:
            row = [draw(cells_of(by_column.get(column, "extra"))) for column in header]
            if shape == "short":
                row = row[: draw(st.integers(0, width - 1))] or [" x"]
            elif shape == "long":
                row = [*row, draw(cell_text)]
            writer.writerow(row)
    text = out.getvalue()
    if text.endswith(terminator) and draw(st.booleans()):
        text = text[: -len(terminator)]
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "gbk", "gb18030"]))
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode("gb18030" if encoding == "gbk" else "utf-8")
    return mapping, data


def by_kind(items: list[FeedItem]) -> tuple[list[Located], list[Rejection], list[FeedWarning]]:
    return (
        [i for i in items if isinstance(i, Located)],
        [i for i in items if isinstance(i, Rejection)],
        [i for i in items if isinstance(i, FeedWarning)],
    )


def expanded(feed: CsvFeed, document: Document) -> Iterator[FeedItem]:
    for item in feed.read_batches(document, KIND):
        if isinstance(item, ArrowBatch):
            assert item.rows.schema.equals(PART_PRICE_SCHEMA)
            assert len(item) > 0
            yield from part_price_records(item)
        else:
            yield item


def outcome(run: Iterator[FeedItem]) -> tuple[list[FeedItem], DocumentRefused | None]:
    got: list[FeedItem] = []
    try:
        for item in run:
            got.append(item)
    except DocumentRefused as refused:
        return got, refused
    return got, None


def assert_equivalent(feed: CsvFeed, data: bytes) -> None:
    document = Document("f.csv", open_bytes(data))
    by_records, refused = outcome(feed.read(document, KIND))
    by_batches, refused_too = outcome(expanded(feed, document))
    assert by_kind(by_batches) == by_kind(by_records)
    assert (refused_too and refused_too.reason) == (refused and refused.reason)
    for mine, theirs in zip(by_kind(by_batches)[0], by_kind(by_records)[0], strict=True):
        record, other = mine.record, theirs.record
        assert mine.raw == theirs.raw
        assert mine.location == theirs.location
        for price in ("retail_price", "dealer_price"):
            assert getattr(record, price) == getattr(other, price)


@pytest.fixture(autouse=True)
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks of a few rows, so documents span several Arrow batches."""
    monkeypatch.setattr(batches_module, "BLOCK_SIZE", 512)


@given(documents())
def test_read_batches_reads_what_read_reads(doc: tuple[ColumnMapping, bytes]) -> None:
    mapping, data = doc
    handed_over: list[int] = []
    real = batches_module.records_as_batches

    def spy(*args: object, **kwargs: int) -> Iterator[object]:
        handed_over.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(batches_module, "records_as_batches", spy)
        assert_equivalent(CsvFeed(mapping), data)
    event("handed over to the record path" if handed_over else "Arrow throughout")


def test_plain_and_nasty_rows_stay_on_the_arrow_path(monkeypatch: pytest.MonkeyPatch) -> None:
    data = (
        "part_number,name,brand,retail_price,dealer_price,unit,effective_from\n"
        "p-1,Filter,AUDI,12.5,10,个,2026-11-01\n"
        '"P-2","Na\nme",,"￥1,299.50",1299.5元,,2026年11月25日\n'
        "\n   \n,,,,,,\n"
        "P 3,x\n"
        "bad*,x,,,,,\n"
        "P4,x,,1.234,,,\n"
        "P5,x,,-1,,,20261125\n"
        "P6,NA,,NA,,,2026-02-30\n"
        "P7,\x01ctl,,0.01,,,\n"
        "P-1,again,,7,,,\n"
    ).encode()
    monkeypatch.setattr(batches_module, "records_as_batches", None)
    for encoding in ("utf-8", "utf-8-sig", "gbk", "gb18030"):
        assert_equivalent(CsvFeed(builtin_mapping("generic")), data.decode().encode(encoding))


def test_a_whole_price_file_in_one_batch_with_the_lines_of_the_file() -> None:
    data = b"part_number,name,retail_price\nA-1,x,1.5\n\nb-2,y,\n"
    feed = CsvFeed(builtin_mapping("generic"))
    (batch,) = feed.read_batches(Document("f.csv", open_bytes(data)), KIND)
    assert isinstance(batch, ArrowBatch)
    assert batch.rows.to_pydict()["line"] == [2, 4]
    assert batch.rows.to_pydict()["part_number"] == ["A-1", "B-2"]
    assert batch.rows.to_pydict()["retail_fen"] == [150, None]
    assert batch.source_row(1) == "b-2,y,"


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\xef\xbb\xbf",
        b"part_number,brand\nP-1,x\n",
        b"part_number,name\nP-1,\xff\xfe\xfd\n",
        b'part_number,name\nP-1,"trunc',
        b'part_number,name\nP-1,x\n"a,b\nc',
        b"part_number,name\nP-1,x\nP-2," + b"y" * 140_000 + b"\nP-3,z\n",
        b'"part_\nnumber",name\nP-1,x\n',
    ],
    ids=[
        "empty",
        "bom only",
        "missing",
        "undecodable",
        "truncated",
        "open quote",
        "huge",
        "header",
    ],
)
def test_malformed_documents_fail_alike(data: bytes) -> None:
    assert_equivalent(CsvFeed(builtin_mapping("generic")), data)


def test_refusals_come_from_read_batches_too() -> None:
    feed = CsvFeed(builtin_mapping("generic"))
    with pytest.raises(DocumentRefused, match="missing required column"):
        list(feed.read_batches(Document("f.csv", open_bytes(b"name\nx\n")), KIND))
    with pytest.raises(DocumentRefused, match="cannot be decoded"):
        list(feed.read_batches(Document("f.csv", open_bytes(b"name\n\xff\xfe\n")), KIND))


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ("A-1,x,99999999999999999999999.99,", "retail_price"),
        ("A-1,x,10000000000.00,", "retail_price"),
        ("A-1," + "x" * 201 + ",1,", "name"),
        ("A-1," + "名" * 3000 + ",1,", "name"),
        ("A-1,x,1,B" + "b" * 200, "brand"),
    ],
)
def test_values_beyond_the_records_bounds_are_rejected_alike_on_both_paths(
    row: str, field: str
) -> None:
    data = f"part_number,name,retail_price,brand\n{row}\nA-2,y,9999999999.99,{'b' * 200}\n"
    feed = CsvFeed(builtin_mapping("generic"))
    document = Document("f", open_bytes(data.encode()))
    items = list(expanded(feed, document))
    assert [type(i).__name__ for i in items] == ["Rejection", "Located"]
    assert isinstance(items[0], Rejection)
    assert (items[0].location.line, items[0].location.field) == (2, field)
    assert_equivalent(feed, data.encode())


def test_batch_format_is_part_prices_when_lenient_only() -> None:
    feed = CsvFeed(builtin_mapping("generic"))
    assert feed.batch_format(KIND) == PART_PRICES
    assert feed.batch_format(KIND, strict=True) is None
    assert feed.batch_format(RecordKind.VEHICLE_INVENTORY) is None


def test_strict_reading_packs_the_record_path() -> None:
    data = b'part_number,name\nP-1,x\nP-2,"y"z\n'
    feed = CsvFeed(builtin_mapping("generic"))
    document = Document("f.csv", open_bytes(data))
    assert outcome(feed.read(document, KIND, strict=True))[1] is not None
    _, refused = outcome(
        part
        for item in feed.read_batches(document, KIND, strict=True)
        for part in (part_price_records(item) if isinstance(item, ArrowBatch) else [item])
    )
    assert refused is not None


def test_the_trimmed_characters_are_those_str_strip_removes() -> None:
    assert "".join(chr(c) for c in range(0x110000) if chr(c).isspace()) == PY_WHITESPACE
