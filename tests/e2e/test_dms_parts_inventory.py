"""A manufacturer's parts inventory through ``fours dms import``: positions kept as a read
model, the catalogue created and repriced, the comparison with our ledger as the output,
and — with ``--adjust-stock`` — the differences posted as a stocktake through our ledger."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from lxml import etree

from fours_cli.cli import cli

SETUP = (
    ["db", "upgrade"],
    ["org", "init", "ACME", "Acme"],
    ["org", "add-region", "EAST", "East"],
    ["org", "add-brand", "AUDI", "Audi", "--manufacturer", "FAW-VW"],
    ["org", "add-store", "SH01", "Shanghai", "--region", "EAST", "--brand", "AUDI"],
    ["--store", "SH01", "org", "add-warehouse", "PARTS", "Parts"],
    ["--store", "SH01", "org", "add-bin", "PARTS", "A-01", "A-02"],
    ["parts", "add", "A-1", "Filter", "--class", "REPAIR", "--list-price", "100",
     "--cost-price", "60"],
    ["parts", "add", "B-2", "Pads", "--class", "REPAIR", "--list-price", "300",
     "--cost-price", "200"],
    ["parts", "add", "C-3", "Belt", "--class", "REPAIR", "--list-price", "50",
     "--cost-price", "30"],
    ["--store", "SH01", "stock", "receive", "PARTS", "A-01", "A-1:5", "B-2:2"],
    ["--store", "SH01", "stock", "receive", "PARTS", "A-02", "A-1:3", "C-3:4"],
)  # fmt: skip

STOCK = (
    "part_number,on_hand,dealer_code,bin,name,unit_price,list_price,reserved\n"
    "A-1,6,FAW-0101,X1,,,,\n"  # theirs over two locations: 6 + 2 = 8 = ours (5 + 3)
    "A-1,2,FAW-0101,X2,,,,\n"
    "B-2,1,FAW-0101,A-02,,210,,1\n"  # ours 2; the DMS's cost 210 reprices ours (200)
    "D-4,7,FAW-0101,A-02,Brake disc,500,800,\n"  # a new part, named and priced
    "E-5,1.5,FAW-0101,X1,,,,\n"  # not a whole number of parts
    "F-6,1,FAW-9999,X1,,,,\n"  # dealer not mapped (no --store)
    "G-7,3,FAW-0101,A-01,Gasket,,,\n"  # not enough to create a part: kept, not adjustable
)


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'parts.db'}"
    for args in SETUP:
        assert run(url, *args).exit_code == 0, args
    return url


@pytest.fixture
def config(tmp_path: Path) -> dict[str, str]:
    path = tmp_path / "dms.toml"
    path.write_text('[dealers]\n"FAW-0101" = "SH01"\n', encoding="utf-8")
    return {"FOURS_DMS_CONFIG": str(path)}


def run(db: str, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, ["--db", db, *args], catch_exceptions=False, env=env)


def js(db: str, *args: str, env: dict[str, str] | None = None) -> Any:
    result = run(db, "--json", *args, env=env)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def stock(db: str) -> list[Any]:
    data: list[Any] = js(db, "--store", "SH01", "stock", "count", "PARTS")
    return data


def feed(tmp_path: Path, text: str = STOCK, name: str = "dms-stock.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_positions_are_kept_the_catalogue_follows_and_our_stock_is_compared_not_written(
    db: str, config: dict[str, str], tmp_path: Path
) -> None:
    before = stock(db)
    report = js(
        db, "dms", "import", "--adapter", "csv", "--kind", "parts-inventory",
        str(feed(tmp_path)), env=config,
    )  # fmt: skip
    assert (report["status"], report["created"], report["rejected"]) == ("applied", 5, 2)
    assert report["stores"] == ["SH01"]
    assert report["catalogue"] == {"created": 1, "updated": 1, "not_in_catalogue": 1}
    comparison = report["comparison"]
    assert (comparison["parts_compared"], comparison["agreeing"]) == (5, 1)
    assert comparison["differences"] == [
        {"store": "SH01", "part": "B-2", "theirs": 1, "ours": 2, "difference": 1},
        {"store": "SH01", "part": "C-3", "theirs": 0, "ours": 4, "difference": 4},
        {"store": "SH01", "part": "D-4", "theirs": 7, "ours": 0, "difference": -7},
        {"store": "SH01", "part": "G-7", "theirs": 3, "ours": 0, "difference": -3},
    ]
    assert report["adjustments"] is None
    rejects = Path(report["reject_file"]).read_text(encoding="utf-8-sig").splitlines()
    assert [line.split(",")[0] for line in rejects[1:]] == ["E-5", "F-6"]
    assert "not a whole number of parts" in rejects[1]
    assert "FAW-9999 is not mapped to a store" in rejects[2]
    assert stock(db) == before  # the ledger is ours: a feed never writes it
    [part] = js(db, "parts", "show", "D-4")["part"]
    assert (part["name"], part["list_price"], part["cost_price"]) == (
        "Brake disc",
        "800.00",
        "500.00",
    )
    assert js(db, "parts", "show", "B-2")["part"][0]["cost_price"] == "210.00"
    positions = js(db, "--store", "SH01", "dms", "positions")
    assert [(p["part"], p["location"], p["on_hand"]) for p in positions] == [
        ("A-1", "X1", 6), ("A-1", "X2", 2), ("B-2", "A-02", 1), ("D-4", "A-02", 7),
        ("G-7", "A-01", 3),
    ]  # fmt: skip
    assert positions[2]["reserved"] == 1 and positions[2]["unit_price"] == "210.00"
    assert {p["import"] for p in positions} == {report["import_id"]}
    one = js(db, "dms", "positions", "--part", "a-1")
    assert [p["location"] for p in one] == ["X1", "X2"]
    again = js(db, "--store", "SH01", "dms", "positions", "--compare")
    assert again == comparison
    duplicate = js(
        db, "dms", "import", "--adapter", "csv", "--kind", "parts-inventory",
        str(feed(tmp_path)), env=config,
    )  # fmt: skip
    assert duplicate["status"] == "duplicate" and "fours dms adjust-stock" in duplicate["hint"]


def test_a_full_inventory_replaces_the_stores_positions_an_incremental_one_updates_them(
    db: str, config: dict[str, str], tmp_path: Path
) -> None:
    js(db, "dms", "import", "--adapter", "csv", "--kind", "parts-inventory",
       str(feed(tmp_path)), env=config)  # fmt: skip
    incremental = js(
        db, "dms", "import", "--adapter", "csv", "--kind", "parts-inventory", str(
            feed(tmp_path, "part_number,on_hand,dealer_code,bin,inventory_type\n"
                           "A-1,7,FAW-0101,X1,增量\n", "incr.csv")
        ), env=config,
    )  # fmt: skip
    assert (incremental["updated"], incremental["positions_dropped"]) == (1, 0)
    assert len(js(db, "dms", "positions")) == 5
    full = js(
        db, "dms", "import", "--adapter", "csv", "--kind", "parts-inventory", str(
            feed(tmp_path, "part_number,on_hand,dealer_code,bin\nA-1,7,FAW-0101,X1\n"
                           "B-2,2,FAW-0101,A-02\n", "full.csv")
        ), env=config,
    )  # fmt: skip
    assert (full["unchanged"], full["updated"], full["positions_dropped"]) == (1, 1, 3)
    assert [(p["part"], p["on_hand"]) for p in js(db, "dms", "positions")] == [
        ("A-1", 7),
        ("B-2", 2),
    ]


def test_adjust_stock_posts_the_differences_through_our_ledger(
    db: str, config: dict[str, str], tmp_path: Path
) -> None:
    report = js(
        db, "dms", "import", "--adapter", "csv", "--kind", "parts-inventory", "--adjust-stock",
        "--bin", "A-02", str(feed(tmp_path)), env=config,
    )  # fmt: skip
    [adjustment] = report["adjustments"]
    assert (adjustment["store"], adjustment["warehouse"]) == ("SH01", "PARTS")
    lines = adjustment["stocktake"]["lines"]
    assert [(x["bin"], x["part"], x["book"], x["counted"]) for x in lines] == [
        ("A-01", "B-2", 2, 1),
        ("A-02", "C-3", 4, 0),
        ("A-02", "D-4", 0, 7),
    ]
    assert [x["part"] for x in adjustment["not_adjusted"]] == ["G-7"]
    assert "not in the catalogue" in adjustment["not_adjusted"][0]["reason"]
    assert report["comparison"]["differences"] == [
        {"store": "SH01", "part": "G-7", "theirs": 3, "ours": 0, "difference": -3},
    ]
    sheet = {(x["bin"], x["part"]): x["book"] for x in stock(db)}
    assert (sheet[("A-01", "B-2")], sheet[("A-02", "C-3")], sheet[("A-02", "D-4")]) == (1, 0, 7)
    available = js(db, "stock", "available", "D-4")
    assert available[0]["on_hand"] == 7


def test_a_refused_adjustment_refuses_the_whole_import(
    db: str, config: dict[str, str], tmp_path: Path
) -> None:
    before = stock(db)
    result = run(
        db, "--json", "dms", "import", "--adapter", "csv", "--kind", "parts-inventory",
        "--adjust-stock", "--warehouse", "NOPE", str(feed(tmp_path)), env=config,
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    error = json.loads(result.output)
    assert error["error"] == "not_found" and "NOPE" in error["message"]
    assert stock(db) == before
    assert js(db, "dms", "positions") == []
    assert js(db, "dms", "history") == []
    assert not (tmp_path / "dms-stock.csv.rejects.csv").exists()


def test_adjusting_later_from_the_stored_positions(
    db: str, config: dict[str, str], tmp_path: Path
) -> None:
    nothing = run(db, "--store", "SH01", "dms", "adjust-stock")
    assert nothing.exit_code == 2 and "import a parts inventory first" in nothing.output
    elsewhere = STOCK.replace("D-4,7,FAW-0101,A-02", "D-4,7,FAW-0101,X9")
    js(db, "dms", "import", "--adapter", "csv", "--kind", "parts-inventory",
       str(feed(tmp_path, elsewhere)), env=config)  # fmt: skip
    human = run(db, "--store", "SH01", "dms", "adjust-stock")
    assert human.exit_code == 0, human.output
    assert "A-01 B-2: 2 → 1" in human.output
    assert "D-4 (DMS 7, ours 0): SH01/PARTS holds the part in no bin" in human.output
    assert js(db, "--store", "SH01", "dms", "positions", "--compare")["agreeing"] == 2
    placed = js(db, "--store", "SH01", "dms", "adjust-stock", "--bin", "a-02")
    assert [(x["bin"], x["part"], x["counted"]) for x in placed["stocktake"]["lines"]] == [
        ("A-02", "D-4", 7)
    ]
    assert js(db, "--store", "SH01", "dms", "adjust-stock")["stocktake"] is None


def test_the_official_star_parts_inventory_is_applied_and_acknowledged(
    tmp_path: Path, star_dir: Path
) -> None:
    db = f"sqlite:///{tmp_path / 'star.db'}"
    for args in SETUP[:5]:
        assert run(db, *args).exit_code == 0, args
    example = star_dir / "BODExamples" / "ProcessPartsInventory.xml"  # read, never written
    ack = tmp_path / "ack.xml"
    report = js(
        db, "--store", "SH01", "dms", "import", "--adapter", "star", "--kind", "parts-inventory",
        "--ack", str(ack), "--output-dir", str(tmp_path), str(example),
        env={"FOURS_STAR_DIR": str(star_dir)},
    )  # fmt: skip
    assert report["status"] == "applied" and report["stores"] == ["SH01"]
    assert report["warnings_file"] == str(tmp_path / "ProcessPartsInventory.xml.warnings.jsonl")
    [line] = report["comparison"]["differences"]
    assert (line["theirs"], line["ours"], line["difference"]) == (1000, 0, -1000)
    assert report["warnings"] >= 1 and report["warnings_file"]  # the price is in VEB
    warnings = Path(report["warnings_file"]).read_text(encoding="utf-8").splitlines()
    assert len(warnings) == report["warnings"]
    assert any("VEB" in json.loads(w)["message"] for w in warnings)
    [position] = js(db, "dms", "positions")
    assert (position["part"], position["location"], position["on_hand"]) == (
        "STRING",
        "string",
        1000,
    )
    assert (position["reserved"], position["on_order"], position["back_ordered"]) == (
        1000,
        1000,
        1000,
    )
    schema = etree.XMLSchema(
        etree.parse(str(star_dir / "BODs/Developer/AcknowledgePartsInventory.xsd"))
    )
    assert schema.validate(etree.parse(str(ack))), schema.error_log
