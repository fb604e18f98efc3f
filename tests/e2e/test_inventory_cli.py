"""``fours parts`` and ``fours stock`` end to end through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from fours_cli.cli import cli


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    steps = [
        ["db", "upgrade"],
        ["org", "init", "acme", "Acme"],
        ["org", "add-region", "east", "East"],
        ["org", "add-brand", "audi", "Audi", "--manufacturer", "FAW-VW"],
        ["org", "add-store", "sh01", "Shanghai", "--region", "east", "--brand", "audi"],
        ["org", "add-store", "hz01", "Hangzhou", "--region", "east", "--brand", "audi"],
    ]
    for store in ("SH01", "HZ01"):
        steps += [
            ["--store", store, "org", "add-warehouse", "w1", "Parts"],
            ["--store", store, "org", "add-bin", "w1", "a1", "a2"],
        ]
    for step in steps:
        assert run(url, *step).exit_code == 0, step
    return url


def run(db: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", db, *args], catch_exceptions=False)


def js(db: str, *args: str) -> object:
    result = run(db, "--json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_catalogue_add_import_show(db: str, tmp_path: Path) -> None:
    added = js(
        db,
        "parts",
        "add",
        "4h0-698-151",
        "前刹车片",
        "--class",
        "repair",
        "--list-price",
        "1299.50",
        "--cost-price",
        "880",
        "--fits",
        "AUDI/A6L",
    )
    assert added == {
        "number": "4H0-698-151",
        "scope": "*",
        "name": "前刹车片",
        "part_class": "REPAIR",
        "list_price": "1299.50",
        "cost_price": "880.00",
        "supplier": "",
        "fits": ["AUDI/A6L"],
        "movement_class": "fast",
    }
    csv_file = tmp_path / "parts.csv"
    csv_file.write_text(
        "number,name,part_class,list_price,cost_price,supplier,fits,movement_class\n"
        "OIL-5W30,机油 5W-30,MAINTENANCE,68.00,40.00,Castrol,,fast\n"
        "MAT-A6L,脚垫,ACCESSORY,899,300,,AUDI/A6L;AUDI/A6L/45TFSI,slow\n",
        encoding="utf-8",
    )
    assert js(db, "parts", "import", str(csv_file)) == {
        "imported": 2,
        "numbers": ["OIL-5W30", "MAT-A6L"],
    }
    again = run(db, "parts", "import", str(csv_file))
    assert again.exit_code == 1
    assert again.output.strip().startswith("Error: 2 bad rows, nothing imported")
    shown = js(db, "parts", "show", "mat-a6l")
    assert isinstance(shown, dict)
    assert shown["part"][0]["fits"] == ["AUDI/A6L", "AUDI/A6L/45TFSI"]
    assert run(db, "parts", "show", "nope").exit_code == 2


def test_stock_flow_and_refusals(db: str) -> None:
    assert (
        run(
            db,
            "parts",
            "add",
            "P1",
            "Pads",
            "--class",
            "REPAIR",
            "--list-price",
            "10",
            "--cost-price",
            "5",
        ).exit_code
        == 0
    )
    received = js(db, "--store", "SH01", "stock", "receive", "w1", "a1", "P1:3", "--ref", "PO-9")
    assert isinstance(received, list) and received[0]["quantity"] == 3
    reserved = js(db, "--store", "SH01", "stock", "reserve", "w1", "P1:2", "--ref", "WO-1")
    assert isinstance(reserved, dict)
    reservation_id = reserved["reservations"][0]["id"]
    refused = run(db, "--store", "SH01", "stock", "reserve", "w1", "P1:2", "--ref", "WO-2")
    assert refused.exit_code == 1
    assert refused.output.strip() == (
        "Error: not enough stock of part P1 at SH01/W1: 2 requested, 1 available"
    )
    refused_json = run(db, "--json", "--store", "SH01", "stock", "issue", "w1", "P1:5")
    assert refused_json.exit_code == 1
    assert json.loads(refused_json.output)["available"] == 1
    backordered = js(
        db, "--store", "SH01", "stock", "reserve", "w1", "P1:4", "--ref", "WO-3", "--backorder"
    )
    assert isinstance(backordered, dict) and backordered["backorders"][0]["quantity"] == 3
    issued = js(db, "--store", "SH01", "stock", "issue", "--reservation", reservation_id)
    assert isinstance(issued, list) and issued[0]["quantity"] == -2
    assert run(db, "--store", "SH01", "stock", "release", reservation_id).exit_code == 1
    js(db, "--store", "SH01", "stock", "receive", "w1", "a2", "P1:10")
    moved = js(db, "--store", "SH01", "stock", "move", "P1", "2", "w1/a2", "w1/a1")
    assert isinstance(moved, list) and [e["kind"] for e in moved] == ["move_out", "move_in"]
    transfer = js(
        db, "--store", "SH01", "stock", "transfer", "w1", "P1:4", "--to", "hz01", "--eta-hours", "4"
    )
    assert isinstance(transfer, dict) and transfer["status"] == "in_transit"
    alerts = js(db, "--store", "HZ01", "stock", "alerts")
    assert isinstance(alerts, list) and alerts[0]["kind"] == "arrival_due"
    received_t = js(db, "--store", "HZ01", "stock", "receive-transfer", transfer["id"], "a1")
    assert isinstance(received_t, dict) and received_t["status"] == "received"
    where = js(db, "stock", "available", "p1")
    assert where == [
        {"store": "HZ01", "warehouse": "W1", "on_hand": 4, "reserved": 0, "available": 4},
        {"store": "SH01", "warehouse": "W1", "on_hand": 7, "reserved": 4, "available": 3},
    ]
    assert js(db, "--store", "HZ01", "stock", "available", "P1") == [where[0]]
    sheet = js(db, "--store", "HZ01", "stock", "count", "w1")
    assert sheet == [{"bin": "A1", "part": "P1", "book": 4, "reserved": 0}]
    report = js(db, "--store", "HZ01", "stock", "count", "w1", "a1:P1:3")
    assert isinstance(report, dict)
    assert (report["quantity_variance"], report["value_variance"]) == (-1, "-5.00")
    text = run(db, "--store", "HZ01", "stock", "count", "w1", "a1:P1:3").output
    assert "error rate 0.00% (within the 2% target)" in text
    expected = js(db, "--store", "HZ01", "stock", "expect", "w1", "P1:6", "--eta-hours", "2")
    assert isinstance(expected, dict)
    due = js(db, "--store", "HZ01", "stock", "alerts")
    assert isinstance(due, list) and [a["kind"] for a in due] == ["arrival_due"]
    js(db, "--store", "HZ01", "stock", "receive", "w1", "a2", "P1:6", "--expected", expected["id"])
    assert js(db, "--store", "HZ01", "stock", "alerts") == []
    no_store = run(db, "stock", "receive", "w1", "a1", "P1:1")
    assert no_store.exit_code == 2 and "needs a store" in no_store.output
    bad_line = run(db, "--store", "SH01", "stock", "receive", "w1", "a1", "P1")
    assert bad_line.exit_code == 1 and "must be PART:QTY" in bad_line.output
