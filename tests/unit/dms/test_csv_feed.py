"""CSV feeds: mappings, encodings (UTF-8, BOM, GBK, GB18030), row rejections, reject files."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fours_adapters.dms.rejects import counting
from fours_adapters.dms.spreadsheet import CsvFeed, CsvRejectFile, builtin_mapping
from fours_adapters.dms.spreadsheet.encoding import EncodingProblem, sniff
from fours_adapters.dms.spreadsheet.feed import open_bytes, parse_date, parse_money
from fours_adapters.dms.spreadsheet.mapping import MappingProblem, parse_mapping
from fours_domain.dms.ports import (
    Document,
    DocumentRefused,
    FeedItem,
    FeedWarning,
    Located,
    Rejection,
)
from fours_domain.dms.records import (
    ManufacturerVehicleState,
    PartPriceRecord,
    RecordKind,
    VehicleInventoryRecord,
)
from fours_domain.shared.ids import SequentialIdSource
from fours_domain.shared.money import cny
from fours_domain.shared.time import FixedClock

CN_PARTS = (
    "配件编号,配件名称,品牌,零售价,经销商价,单位,生效日期\n"
    '4H0-698-151,前刹车片,AUDI,"￥1,299.50",980.00,套,2026/11/01\n'
    "06L-115-562,机油滤清器,AUDI,88,70.5,个,2026年11月1日\n"
)


def feed(mapping: str = "cn-oem") -> CsvFeed:
    return CsvFeed(builtin_mapping(mapping), mapping)


def items(
    data: bytes, kind: RecordKind = RecordKind.PART_PRICES, mapping: str = "cn-oem"
) -> list[FeedItem]:
    return list(feed(mapping).read(Document("f.csv", open_bytes(data)), kind))


def parts(got: list[FeedItem]) -> list[PartPriceRecord]:
    return [
        i.record for i in got if isinstance(i, Located) and isinstance(i.record, PartPriceRecord)
    ]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_chinese_encodings_are_detected_never_mojibake(encoding: str) -> None:
    records = parts(items(CN_PARTS.encode(encoding)))
    assert [r.name for r in records] == ["前刹车片", "机油滤清器"]
    assert records[0].retail_price == cny("1299.50")
    assert str(records[1].effective_from) == "2026-11-01"


@settings(max_examples=40)
@given(
    st.lists(
        st.text(
            st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5) | st.sampled_from("AB12 -"),
            min_size=1,
            max_size=12,
        ).filter(lambda s: s.strip() != ""),
        min_size=1,
        max_size=8,
    ),
    st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]),
)
def test_any_chinese_names_survive_any_supported_encoding(names: list[str], encoding: str) -> None:
    rows = "".join(f"P{i},{name.strip()},,1.00,,,\n" for i, name in enumerate(names))
    data = ("配件编号,配件名称,品牌,零售价,经销商价,单位,生效日期\n" + rows).encode(encoding)
    assert [r.name for r in parts(items(data))] == [n.strip() for n in names]


def test_gbk_is_read_as_its_superset_gb18030() -> None:
    sniffed = sniff(io.BytesIO(CN_PARTS.encode("gbk")))
    assert (sniffed.encoding, sniffed.detected) == ("gb18030", True)


def test_declared_encoding_wins_and_is_checked() -> None:
    with pytest.raises(EncodingProblem, match="utf-8"):
        sniff(io.BytesIO(CN_PARTS.encode("gbk")), "utf-8")
    with pytest.raises(EncodingProblem, match="unknown encoding"):
        sniff(io.BytesIO(b""), "klingon")


def test_undecodable_files_are_refused_with_the_byte_offset() -> None:
    with pytest.raises(DocumentRefused, match=r"byte \d+"):
        items(b"part_number,name\n" + bytes([0xFF, 0xFE, 0xFF]) + b"\n")


def test_missing_required_columns_refuse_the_document_and_name_them() -> None:
    with pytest.raises(DocumentRefused, match=r"配件名称 \(name\)") as refused:
        items("配件编号,零售价\nA,1\n".encode())
    assert "the header has 配件编号, 零售价" in refused.value.message


def test_bad_rows_are_rejected_with_line_field_and_reason() -> None:
    data = (
        b"vin,brand,model,state,eta,invoice_price\n"
        b"LFV3A28K8M3000013X,AUDI,A6L,IN_TRANSIT,2026-12-01,1.00\n"
        b"LFV3A28K8M3000013,AUDI,A6L,TELEPORTED,2026-12-01,1.00\n"
        b"LFV3A28K8M3000013,AUDI,A6L,IN_TRANSIT,2026-13-45,1.00\n"
        b"LFV3A28K8M3000013,AUDI,A6L,IN_TRANSIT,2026-12-01,-1.00\n"
        b"LFV3A28K8M3000013,AUDI,A6L,IN_TRANSIT,2026-12-01,1.00\n"
    )
    got = items(data, RecordKind.VEHICLE_INVENTORY, "generic")
    rejections = [i for i in got if isinstance(i, Rejection)]
    assert [(r.location.line, r.location.field) for r in rejections] == [
        (2, "vin"),
        (3, "state"),
        (4, "eta"),
        (5, "invoice_price"),
    ]
    assert "18 characters" in rejections[0].reason
    assert "unknown vehicle state code 'TELEPORTED'" in rejections[1].reason
    warnings = [i for i in got if isinstance(i, FeedWarning)]
    assert warnings and "check digit" in warnings[0].message  # lenient VIN check digit
    located = [i for i in got if isinstance(i, Located)]
    assert len(located) == 1 and located[0].location.line == 6


def test_manufacturer_state_codes_come_from_the_mapping() -> None:
    header = "VIN码,品牌,车型代码,车辆状态,选装包\n"
    data = (header + "LFV3A28K8M3000013,AUDI,A6L,在途,PQD/WA3\n").encode("gbk")
    [record] = [
        i.record for i in items(data, RecordKind.VEHICLE_INVENTORY) if isinstance(i, Located)
    ]
    assert isinstance(record, VehicleInventoryRecord)
    assert record.state is ManufacturerVehicleState.IN_TRANSIT
    assert record.options == ("PQD", "WA3")


def test_negative_stock_quantities_are_rejected() -> None:
    data = b"part_number,on_hand,reserved\nA-1,5,1\nA-2,-3,0\nA-3,4,-1\n"
    got = items(data, RecordKind.PARTS_INVENTORY, "generic")
    assert [(r.location.line, r.location.field) for r in got if isinstance(r, Rejection)] == [
        (3, "on_hand"),
        (4, "reserved"),
    ]


def test_short_rows_are_rejected_not_guessed() -> None:
    got = items("配件编号,配件名称,品牌,零售价,经销商价,单位,生效日期\nA,短\n".encode())
    [rejection] = got
    assert isinstance(rejection, Rejection)
    assert rejection.reason == "row has 2 cells, the header has 7"


def _reject_file(the_feed: CsvFeed, data: bytes, name: str = "f.csv") -> list[list[str]]:
    document = Document(name, open_bytes(data))
    out = io.BytesIO()
    sink = the_feed.reject_writer(document, out)
    assert isinstance(sink, CsvRejectFile)
    for item in the_feed.read(document, RecordKind.PART_PRICES):
        if isinstance(item, Rejection):
            sink.reject(item)
    sink.close()
    return list(csv.reader(io.StringIO(out.getvalue().decode("utf-8-sig"))))


def test_reject_file_can_be_fixed_and_fed_again() -> None:
    data = (
        "配件编号,配件名称,品牌,零售价,经销商价,单位,生效日期\n"
        "OK-1,好,AUDI,1.00,,,\n"
        'BAD ##,"坏,件",AUDI,1.00,,,\n'
        "ALSO BAD ##,坏,AUDI,1.00,,,\n"
    ).encode("gbk")
    the_feed = feed()
    rows = _reject_file(the_feed, data)
    assert rows[0][-2:] == ["reject_reason", "reject_location"]
    assert rows[1][:2] == ["BAD ##", "坏,件"]
    assert rows[1][-1] == "f.csv:3 [part_number]"
    rows[1][0] = "GOOD-2"
    fixed = io.StringIO()
    csv.writer(fixed, lineterminator="\n").writerows(rows)
    again = items(fixed.getvalue().encode("utf-8-sig"))
    [record] = [i.record for i in again if isinstance(i, Located)]
    assert isinstance(record, PartPriceRecord)
    assert (record.part_number, record.name) == ("GOOD-2", "坏,件")
    # The reject file of the fed-back file: the reason columns once, the new reason.
    second = _reject_file(the_feed, fixed.getvalue().encode("utf-8-sig"), "f.rejects.csv")
    assert second[0] == rows[0]
    assert [row[0] for row in second[1:]] == ["ALSO BAD ##"]
    assert second[1][-1] == "f.rejects.csv:3 [part_number]"
    assert len(second[1]) == len(rows[0])


@pytest.mark.parametrize(
    ("raw", "amount"),
    [("¥1,299.50", "1299.50"), ("1299.5元", "1299.5"), ("RMB 10", "10"), ("￥0.01", "0.01")],
)
def test_money_notations(raw: str, amount: str) -> None:
    assert parse_money(raw).amount == Decimal(amount)


@pytest.mark.parametrize("raw", ["20261125", "2026/11/25", "2026-11-25 08:00:00", "2026年11月25日"])
def test_date_notations(raw: str) -> None:
    assert parse_date(raw).isoformat() == "2026-11-25"


def test_mapping_errors_are_explicit() -> None:
    with pytest.raises(MappingProblem, match="unknown record kind"):
        parse_mapping({"cars": {}})
    with pytest.raises(MappingProblem, match="needs a column or a default for name"):
        parse_mapping({"part-prices": {"columns": {"part_number": "p"}}})
    with pytest.raises(MappingProblem, match="has no field 'colour'"):
        parse_mapping({"part-prices": {"columns": {"colour": "c"}}})
    with pytest.raises(MappingProblem, match="unknown 'FLYING'"):
        parse_mapping(
            {
                "vehicle-inventory": {
                    "columns": {"vin": "v", "brand": "b", "model": "m", "state": "s"},
                    "states": {"x": "FLYING"},
                }
            }
        )


def test_defaults_fill_fields_the_manufacturer_does_not_send() -> None:
    mapping = parse_mapping(
        {
            "part-prices": {
                "columns": {"part_number": "编号", "name": "名称"},
                "defaults": {"brand": "BYD"},
            }
        }
    )
    got = list(
        CsvFeed(mapping).read(
            Document("d.csv", open_bytes("编号,名称\nB-1,电池\n".encode())), RecordKind.PART_PRICES
        )
    )
    [record] = [i.record for i in got if isinstance(i, Located)]
    assert isinstance(record, PartPriceRecord)
    assert record.brand == "BYD"


@settings(max_examples=80)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_give_only_clean_outcomes(data: bytes) -> None:
    try:
        got = items(b"part_number,name,retail_price\n" + data, mapping="generic")
    except DocumentRefused as refused:
        got = []
        message = refused.message
    else:
        message = "f.csv"
    assert message.startswith("f.csv")
    assert all(isinstance(i, Located | Rejection | FeedWarning) for i in got)


@settings(max_examples=80)
@given(
    st.lists(
        st.lists(
            st.one_of(
                st.text(max_size=12),
                st.sampled_from(["-1", "1e999", "NaN", "1.001", "¥", "LFV3A28K8M3000013", ""]),
            ),
            max_size=9,
        ),
        max_size=8,
    ),
    st.sampled_from(list(RecordKind)),
)
def test_generated_malformed_rows_give_only_clean_outcomes(
    rows: list[list[str]], kind: RecordKind
) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    header = list(builtin_mapping("generic").kinds[kind].columns.values())
    writer.writerow(header)
    writer.writerows(rows)
    try:
        got = items(buffer.getvalue().encode(), kind, "generic")
    except DocumentRefused:
        return
    for item in got:
        assert isinstance(item, Located | Rejection | FeedWarning)
        if isinstance(item, Rejection):
            assert item.location.line is not None and item.reason


def test_a_document_is_checked_once_and_read_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Identify, read and the reject file's header share one strict decode check (the
    pass that hashes the file); parsing is the only other pass over the bytes."""
    from fours_adapters.dms.rejects import ImportFiles
    from fours_adapters.dms.spreadsheet import feed as feed_module
    from fours_domain.dms.services import ImportDocument, import_document
    from fours_domain.testing.fakes import FakeUnitOfWork

    checks: list[str] = []
    real_sniff = sniff

    def counting_sniff(stream: Any, declared: str = "auto") -> Any:
        checks.append(declared)
        return real_sniff(stream, declared)

    monkeypatch.setattr(feed_module, "sniff", counting_sniff)
    data = "part_number,name,retail_price\n" + "".join(f"P-{i},名{i},1.00\n" for i in range(2000))
    data += "BAD ##,x,1\n"
    raw = data.encode("gbk")
    opened: list[Any] = []

    def opener() -> Any:
        stream, counter = counting(io.BytesIO(raw))
        opened.append(counter)
        return stream

    document = Document("f.csv", opener)
    the_feed = CsvFeed(builtin_mapping("generic"))
    files = ImportFiles(the_feed, document, tmp_path / "r.csv", tmp_path / "w.jsonl")
    summary = import_document(
        FakeUnitOfWork(),
        the_feed,
        None,
        ImportDocument(document, RecordKind.PART_PRICES, check_only=True),
        clock=FixedClock(pendulum.datetime(2026, 1, 1, tz="UTC")),
        ids=SequentialIdSource("t"),
        rejects=files,
    ).unwrap()
    files.finish()
    assert (summary.valid, summary.rejected) == (2000, 1)
    assert checks == ["auto"]
    total = sum(counter.position for counter in opened)
    assert total < 2 * len(raw) + (1 << 20) + 1  # hash-and-check, parse, a header's block
    assert (tmp_path / "r.csv").read_text(encoding="utf-8-sig").startswith("part_number,")


def test_cn_oem_reads_order_status_and_parts_inventory_exports() -> None:
    from fours_domain.dms.records import StockPositionRecord, VehicleOrderStatusRecord

    status = "订单号,订单状态,VIN码,预计到达日期\nPO-1,在途,LFV3A28K4T3000001,2026年12月5日\n"
    got = items(status.encode("gbk"), RecordKind.VEHICLE_ORDER_STATUS)
    [order] = [i.record for i in got if isinstance(i, Located)]
    assert isinstance(order, VehicleOrderStatusRecord)
    assert (order.state, str(order.eta)) == (ManufacturerVehicleState.IN_TRANSIT, "2026-12-05")
    stock = (
        "配件编号,配件名称,配件类别,库存数量,预留数量,欠货数量,库位,成本价,零售价,盘点日期,库存类型\n"
        '4H0-698-151,前刹车片,REPAIR,5,2,1,P-01,980.00,"1,299.50",2026-11-30,增量\n'
    )
    got = items(stock.encode("gbk"), RecordKind.PARTS_INVENTORY)
    [position] = [i.record for i in got if isinstance(i, Located)]
    assert isinstance(position, StockPositionRecord)
    assert (position.name, position.on_hand, position.reserved, position.back_ordered) == (
        "前刹车片",
        Decimal(5),
        Decimal(2),
        Decimal(1),
    )
    assert (str(position.unit_price.amount), str(position.list_price.amount)) == (  # type: ignore[union-attr]
        "980.00",
        "1299.50",
    )
    assert (str(position.as_of), position.incremental, position.bin) == ("2026-11-30", True, "P-01")
