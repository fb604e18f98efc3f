"""A manufacturer's parts inventory through ``fours dms import``: compared with our book
stock part by part, nothing written; bad rows located in the reject file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from fours_cli.cli import cli


def run(db: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", db, *args], catch_exceptions=False)


def js(db: str, *args: str) -> Any:
    result = run(db, "--json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_a_parts_inventory_is_compared_with_our_stock_and_changes_nothing(
    tmp_path: Path,
) -> None:
    db = f"sqlite:///{tmp_path / 'stock.db'}"
    for args in (
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
    ):  # fmt: skip
        assert run(db, *args).exit_code == 0, args
    stock_before = js(db, "stock", "available", "A-1"), js(db, "stock", "available", "B-2")
    feed = tmp_path / "dms-stock.csv"
    feed.write_text(
        "part_number,on_hand,dealer_code,bin\n"
        "A-1,6,FAW-0101,X1\n"  # theirs over two bins: 6 + 2 = 8 = ours (5 + 3)
        "A-1,2,FAW-0101,X2\n"
        "B-2,1,FAW-0101,X1\n"  # ours 2
        "D-4,7,FAW-0101,X1\n"  # we hold none
        "E-5,1.5,FAW-0101,X1\n"  # not a whole number of parts
        "F-6,1,FAW-9999,X1\n",  # dealer not mapped (no --store)
        encoding="utf-8",
    )
    config = tmp_path / "dms.toml"
    config.write_text('[dealers]\n"FAW-0101" = "SH01"\n', encoding="utf-8")
    result = CliRunner().invoke(
        cli,
        ["--db", db, "--json", "dms", "import", "--adapter", "csv", "--kind", "parts-inventory",
         str(feed)],
        env={"FOURS_DMS_CONFIG": str(config)},
        catch_exceptions=False,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["status"] == "compared"
    assert (report["positions_read"], report["rejected"]) == (6, 2)
    assert (report["parts_compared"], report["agreeing"]) == (4, 1)
    assert report["differences"] == [
        {"store": "SH01", "part": "B-2", "theirs": 1, "ours": 2, "difference": 1},
        {"store": "SH01", "part": "C-3", "theirs": 0, "ours": 4, "difference": 4},
        {"store": "SH01", "part": "D-4", "theirs": 7, "ours": 0, "difference": -7},
    ]
    rejects = Path(report["reject_file"]).read_text(encoding="utf-8-sig").splitlines()
    assert [line.split(",")[0] for line in rejects[1:]] == ["E-5", "F-6"]
    assert "not a whole number of parts" in rejects[1]
    assert "FAW-9999 is not mapped to a store" in rejects[2]
    # Nothing was written: our stock is what we received.
    assert (js(db, "stock", "available", "A-1"), js(db, "stock", "available", "B-2")) == (
        stock_before
    )


def test_the_official_star_parts_inventory_is_compared(tmp_path: Path, star_dir: Path) -> None:
    db = f"sqlite:///{tmp_path / 'star.db'}"
    for args in (
        ["db", "upgrade"],
        ["org", "init", "ACME", "Acme"],
        ["org", "add-region", "EAST", "East"],
        ["org", "add-brand", "AUDI", "Audi", "--manufacturer", "FAW-VW"],
        ["org", "add-store", "SH01", "Shanghai", "--region", "EAST", "--brand", "AUDI"],
    ):
        assert run(db, *args).exit_code == 0, args
    example = star_dir / "BODExamples" / "ProcessPartsInventory.xml"
    report = js(
        db, "--store", "SH01", "dms", "import", "--adapter", "star", "--kind", "parts-inventory",
        str(example),
    )  # fmt: skip
    assert report["status"] == "compared" and report["stores"] == ["SH01"]
    [line] = report["differences"]
    assert (line["theirs"], line["ours"], line["difference"]) == (1000, 0, -1000)
    assert report["warnings"] >= 1  # the example's price is in VEB: warned, ignored
