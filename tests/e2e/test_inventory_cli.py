"""``fours parts`` and ``fours stock`` end to end through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pendulum
import pytest
from click.testing import CliRunner, Result

from fours_cli.cli import cli
from fours_domain.shared.time import FixedClock


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
    assert isinstance(received, dict) and received["entries"][0]["quantity"] == 3
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
    assert {e["kind"] for e in received_t["entries"]} == {"transfer_in"}
    assert sum(e["quantity"] for e in received_t["entries"]) == 4
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


# ---------------------------------------------------------------- the audit's gaps


@pytest.fixture
def clock(cli_clock: FixedClock) -> FixedClock:
    """The CLI's clock (tests/e2e/conftest.py), set to 2026-11-25 01:00 UTC and advanced
    by the test."""
    cli_clock.advance(seconds=int((START - cli_clock.now()).total_seconds()))
    return cli_clock


START = pendulum.datetime(2026, 11, 25, 1, tz="UTC")


def _stocked(db: str, *lines: str) -> None:
    for number in ("P1", "P2"):
        assert run(
            db, "parts", "add", number, "Pads", "--class", "REPAIR", "--list-price", "10",
            "--cost-price", "5",
        ).exit_code == 0  # fmt: skip
    if lines:
        js(db, "--store", "SH01", "stock", "receive", "w1", "a1", *lines)


def _error(db: str, *args: str, code: int = 1) -> str:
    done = run(db, *args)
    assert done.exit_code == code, done.output
    assert done.output.count("\n") == 1, done.output
    return done.output.strip()


def test_a_lapsed_reservation_blocks_nothing_and_cannot_be_issued(
    db: str, clock: FixedClock
) -> None:
    _stocked(db, "P1:40")
    held = js(
        db,
        "--store",
        "SH01",
        "stock",
        "reserve",
        "w1",
        "P1:2",
        "--ref",
        "WO-1",
        "--expires-in",
        "1",
    )
    assert isinstance(held, dict)
    lapsed = held["reservations"][0]["id"]
    clock.advance(hours=5)
    assert js(db, "--store", "SH01", "stock", "available", "P1")[0]["available"] == 40  # type: ignore[index]
    listed = js(db, "--store", "SH01", "stock", "reservations", "--open")
    assert isinstance(listed, list) and [(r["id"], r["lapsed"]) for r in listed] == [(lapsed, True)]
    error = _error(db, "--store", "SH01", "stock", "issue", "--reservation", lapsed)
    assert error.startswith(
        f"Error: reservation {lapsed} (2 × P1 at SH01/W1/A1 for work_order WO-1)"
    )
    assert "expired at 2026-11-25T02:00:00Z: cannot issue it" in error
    everything = js(db, "--store", "SH01", "stock", "reserve", "w1", "P1:40", "--ref", "WO-2")
    assert isinstance(everything, dict) and everything["reservations"][0]["quantity"] == 40
    zero = run(
        db, "--store", "SH01", "stock", "reserve", "w1", "P1:1", "--ref", "x", "--expires-in", "0"
    )
    assert zero.exit_code == 2 and "'--expires-in': 0 is not allowed" in zero.output


def test_lend_return_and_overdue_loans(db: str, clock: FixedClock) -> None:
    _stocked(db, "P1:5")
    loan = js(
        db,
        "--store",
        "SH01",
        "stock",
        "lend",
        "w1",
        "a1",
        "P1:3",
        "--to",
        "钣喷车间",
        "--due",
        "2026-11-27",
    )
    assert isinstance(loan, dict)
    assert (loan["outstanding"], loan["due_at"], loan["overdue"]) == (
        3,
        "2026-11-27T16:00:00Z",
        False,
    )
    assert js(db, "--store", "SH01", "stock", "available", "P1")[0]["available"] == 2  # type: ignore[index]
    clock.advance(days=4)
    loans = js(db, "--store", "SH01", "stock", "loans")
    assert isinstance(loans, list) and [
        (x["id"], x["overdue"], x["days_overdue"]) for x in loans
    ] == [(loan["id"], True, 1)]
    assert "OVERDUE 1 d" in run(db, "--store", "SH01", "stock", "loans").output
    alerts = js(db, "--store", "SH01", "stock", "alerts")
    assert isinstance(alerts, list) and [a["kind"] for a in alerts] == ["loan_overdue"]
    partly = js(db, "--store", "SH01", "stock", "return", loan["id"], "1")
    assert isinstance(partly, dict) and partly["outstanding"] == 2
    negative = run(db, "--store", "SH01", "stock", "return", loan["id"], "-1")
    assert negative.exit_code == 2 and "'[QUANTITY]': -1 is not allowed" in negative.output
    rest = js(db, "--store", "SH01", "stock", "return", loan["id"])
    assert isinstance(rest, dict) and (rest["outstanding"], rest["entry"]["quantity"]) == (0, 2)
    assert js(db, "--store", "SH01", "stock", "loans") == []
    assert (
        _error(db, "--store", "SH01", "stock", "return", "nope", code=2)
        == "Error: loan at store SH01 nope not found"
    )


def test_backorders_their_allocations_and_cancellation(db: str, clock: FixedClock) -> None:
    _stocked(db)
    first = js(
        db, "--store", "SH01", "stock", "reserve", "w1", "P1:3", "--ref", "WO-1", "--backorder"
    )
    clock.advance(minutes=1)
    second = js(
        db, "--store", "SH01", "stock", "reserve", "w1", "P1:2", "--ref", "WO-2", "--backorder"
    )
    assert isinstance(first, dict) and isinstance(second, dict)
    waiting = js(db, "--store", "SH01", "stock", "backorders", "--open")
    assert isinstance(waiting, list) and [b["reference"] for b in waiting] == ["WO-1", "WO-2"]
    no_reason = run(
        db, "--store", "SH01", "stock", "cancel-backorder", first["backorders"][0]["id"]
    )
    assert no_reason.exit_code == 2 and "--reason" in no_reason.output
    cancelled = js(
        db,
        "--store",
        "SH01",
        "stock",
        "cancel-backorder",
        first["backorders"][0]["id"],
        "--reason",
        "bought elsewhere",
    )
    assert isinstance(cancelled, dict) and cancelled["status"] == "cancelled"
    received = js(db, "--store", "SH01", "stock", "receive", "w1", "a1", "P1:4")
    assert isinstance(received, dict)
    assert [(a["backorder"], a["reference"], a["quantity"]) for a in received["allocations"]] == [
        (second["backorders"][0]["id"], "WO-2", 2)
    ]
    text = run(db, "--store", "SH01", "stock", "receive", "w1", "a2", "P2:1").output
    assert "allocated" not in text
    shown = run(
        db, "--store", "SH01", "stock", "reserve", "w1", "P2:3", "--ref", "WO-3", "--backorder"
    )
    assert "backordered 2 × P2" in shown.output
    text = run(db, "--store", "SH01", "stock", "receive", "w1", "a2", "P2:5").output
    assert "allocated 2 × P2 in W1/A2 to backorder" in text and "(work_order WO-3)" in text
    mine = js(db, "--store", "SH01", "stock", "reservations", "--ref", "WO-2")
    assert isinstance(mine, list) and [r["id"] for r in mine] == [received["allocations"][0]["id"]]
    assert js(db, "--store", "SH01", "stock", "backorders", "--open") == []


def test_unknown_input_is_not_found(db: str) -> None:
    _stocked(db, "P1:3")
    for args, message in (
        (
            ("--store", "SH01", "stock", "issue", "w1", "NOPE-9:1"),
            "part (catalogue of store SH01) NOPE-9 not found",
        ),
        (("--store", "NOPE", "stock", "issue", "w1", "P1:1"), "store NOPE not found"),
        (
            ("--store", "SH01", "stock", "reserve", "NOWH", "P1:1", "--ref", "x"),
            "warehouse at store SH01 NOWH not found",
        ),
        (
            ("--store", "SH01", "stock", "move", "NOPE-9", "1", "w1/a1", "w1/a2"),
            "part (catalogue of store SH01) NOPE-9 not found",
        ),
        (
            ("--store", "SH01", "stock", "transfer", "NOWH", "P1:1", "--to", "HZ01"),
            "warehouse at store SH01 NOWH not found",
        ),
        (("stock", "available", "NOPE-9"), "part NOPE-9 not found"),
        (("--store", "NOPE", "stock", "available", "P1"), "store NOPE not found"),
        (("--store", "NOPE", "stock", "count", "w1"), "store NOPE not found"),
        (("--store", "SH01", "stock", "count", "NOWH"), "warehouse at store SH01 NOWH not found"),
    ):
        assert _error(db, *args, code=2) == f"Error: {message}", args
        as_json = run(db, "--json", *args)
        assert as_json.exit_code == 2 and json.loads(as_json.output)["error"] == "not_found"


def test_clean_messages_for_bad_numbers_counts_and_warehouses(db: str) -> None:
    _stocked(db, "P1:8")
    run(db, "--store", "SH01", "org", "add-warehouse", "yard", "Yard", "--kind", "vehicles")
    negative = run(db, "--store", "SH01", "stock", "move", "P1", "-1", "w1/a1", "w1/a2")
    assert (
        negative.exit_code == 2
        and "Invalid value for 'QUANTITY': -1 is not allowed" in negative.output
    )
    assert "No such option" not in negative.output
    assert _error(db, "--store", "SH01", "stock", "issue", "w1", "P1:-1") == (
        "Error: line 'P1:-1': quantity '-1' must be a positive whole number"
    )
    held = js(db, "--store", "SH01", "stock", "reserve", "w1", "P1:7", "--ref", "WO-1")
    assert isinstance(held, dict)
    below = _error(db, "--store", "SH01", "stock", "count", "w1", "a1:P1:1")
    assert below == (
        "Error: count of 1 × P1 at SH01/W1/A1 is below the 7 reserved by "
        f"{held['reservations'][0]['id']} (work_order WO-1: 7): "
        "release or re-plan those reservations first"
    )
    to_yard = ["--store", "SH01", "stock", "transfer", "w1", "P1:1", "--to", "HZ01"]
    to_yard += ["--to-warehouse", "YARD"]
    assert _error(db, *to_yard, code=2) == "Error: warehouse at store HZ01 YARD not found"
    run(db, "--store", "HZ01", "org", "add-warehouse", "yard", "Yard", "--kind", "vehicles")
    assert _error(db, *to_yard) == (
        "Error: warehouse YARD at store HZ01 is a vehicles warehouse, not a parts warehouse"
    )


def test_transfer_reservations_and_refused_transfers(db: str) -> None:
    _stocked(db, "P1:5")
    held = js(
        db,
        "--store",
        "SH01",
        "stock",
        "reserve",
        "w1",
        "P1:3",
        "--for",
        "transfer",
        "--ref",
        "TR-1",
    )
    assert isinstance(held, dict)
    reservation = held["reservations"][0]["id"]
    sent = js(
        db,
        "--store",
        "SH01",
        "stock",
        "transfer",
        "w1",
        "--to",
        "HZ01",
        "--reservation",
        reservation,
    )
    assert isinstance(sent, dict) and [line["quantity"] for line in sent["lines"]] == [3]
    assert js(db, "--store", "SH01", "stock", "reservations", "--open") == []
    no_reason = run(db, "--store", "HZ01", "stock", "refuse-transfer", sent["id"])
    assert no_reason.exit_code == 2
    refused = js(
        db, "--store", "HZ01", "stock", "refuse-transfer", sent["id"], "--reason", "damaged box"
    )
    assert isinstance(refused, dict) and refused["status"] == "refused"
    assert [(e["kind"], e["store"], e["quantity"]) for e in refused["entries"]] == [
        ("transfer_return", "SH01", 3)
    ]
    assert js(db, "--store", "SH01", "stock", "available", "P1")[0]["available"] == 5  # type: ignore[index]
    assert _error(db, "--store", "HZ01", "stock", "receive-transfer", sent["id"], "a1") == (
        f"Error: transfer {sent['id']} is refused: cannot receive it"
    )


def test_catalogue_errors_name_the_line(db: str, tmp_path: Path) -> None:
    _stocked(db)
    csv_file = tmp_path / "parts.csv"
    csv_file.write_text(
        "number,name,part_class,list_price,cost_price\n"
        "N1,ok,REPAIR,1,1\nP1,dup,REPAIR,1,1\nN1,again,REPAIR,1,1\n",
        encoding="utf-8",
    )
    error = _error(db, "parts", "import", str(csv_file))
    assert (
        "line 3: part (scope *) P1 already exists" in error
        and "line 4: part N1 (scope *) repeats line 2" in error
    )
    unit = _error(db, "parts", "import", str(csv_file), "--unit", "NOPE")
    assert "line 2: business unit NOPE not found" in unit
    single = _error(
        db, "parts", "add", "P1", "x", "--class", "REPAIR", "--list-price", "1", "--cost-price", "1"
    )
    assert single == "Error: part (scope *) P1 already exists"
