"""``fours vehicles`` end to end through click's CliRunner on SQLite."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from fours_cli.cli import cli
from fours_domain.shared.time import FixedClock

VIN = "LFV3A24G6P3000101"
VIN2 = "LFV3A24G8P3000102"


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    for args in (
        ("db", "upgrade"),
        ("org", "init", "acme", "Acme"),
        ("org", "add-region", "east", "East"),
        ("org", "add-brand", "audi", "Audi", "--manufacturer", "FAW-VW"),
        ("org", "add-store", "S1", "One", "--region", "east", "--brand", "audi"),
        ("org", "add-store", "S2", "Two", "--region", "east", "--brand", "audi"),
    ):
        assert run(url, *args).exit_code == 0
    return url


def run(db: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", db, *args], catch_exceptions=False)


def js(db: str, *args: str) -> object:
    done = run(db, "--json", *args)
    assert done.exit_code == 0, done.output
    return json.loads(done.output)


def test_car_lifecycle_through_the_cli(db: str) -> None:
    added = js(
        db,
        "--store",
        "S1",
        "vehicles",
        "add",
        VIN.lower(),
        "--brand",
        "audi",
        "--model",
        "a6l",
        "--colour",
        "black",
        "--invoice-price",
        "339000",
        "--option",
        "hud",
    )
    assert isinstance(added, dict)
    assert (added["state"], added["invoice_price_pre_tax"], added["options"]) == (
        "ARRIVED",
        "300000.00",
        ["HUD"],
    )
    pdi = js(
        db,
        "--store",
        "S1",
        "vehicles",
        "pdi",
        VIN,
        "--inspector",
        "bob",
        "--item",
        "brakes=ok",
        "--item",
        "paint=fail:scratch",
    )
    assert isinstance(pdi, dict) and pdi["passed"] is False
    assert run(db, "--store", "S1", "vehicles", "repair", VIN).exit_code == 0
    text = run(
        db, "--store", "S1", "vehicles", "pdi", VIN, "--inspector", "bob", "--item", "paint=ok"
    )
    assert text.output.strip() == f"{VIN}: PDI #2 passed → IN_STOCK"
    reserved = js(
        db, "--store", "S1", "vehicles", "reserve", VIN, "--customer", "C1", "--hours", "24"
    )
    assert isinstance(reserved, dict) and reserved["to"] == "RESERVED"
    again = run(db, "--store", "S1", "vehicles", "reserve", VIN, "--customer", "C2")
    assert again.exit_code == 1
    assert again.output.strip() == f"Error: vehicle {VIN} is RESERVED: cannot reserve"
    assert run(db, "--store", "S1", "vehicles", "release", VIN).exit_code == 0
    assert run(db, "--store", "S1", "vehicles", "transfer", VIN, "--to", "S2").exit_code == 0
    found = js(db, "vehicles", "find", "--model", "A6L")
    assert isinstance(found, list)
    assert [(c["store"], c["state"], c["transfer_to"]) for c in found] == [
        ("S1", "IN_TRANSFER", "S2")
    ]
    wrong = run(db, "--json", "--store", "S1", "vehicles", "receive", VIN)
    assert wrong.exit_code == 1 and json.loads(wrong.output)["error"] == "wrong_store"
    assert run(db, "--store", "S2", "vehicles", "receive", VIN).exit_code == 0
    free = js(db, "--store", "S2", "vehicles", "find", "--free", "--colour", "black")
    assert isinstance(free, list) and [c["vin"] for c in free] == [VIN]
    assert js(db, "--store", "S1", "vehicles", "find") == []
    for args in (("sell", VIN, "--buyer", "C9"), ("deliver", VIN), ("register", VIN)):
        assert run(db, "--store", "S2", "vehicles", *args).exit_code == 0
    history = js(db, "vehicles", "history", VIN)
    assert isinstance(history, dict) and history["state"] == "REGISTERED"
    assert [h["action"] for h in history["history"]] == [
        "record",
        "fail PDI",
        "repair",
        "pass PDI",
        "reserve",
        "release",
        "dispatch",
        "receive",
        "sell",
        "deliver",
        "register",
    ]


def test_refusals_are_one_line(db: str) -> None:
    unknown = run(db, "--store", "S1", "vehicles", "reserve", VIN2, "--customer", "C1")
    assert unknown.exit_code == 2
    assert unknown.output.strip() == f"Error: vehicle {VIN2} not found"
    bad = run(db, "vehicles", "history", "NOT-A-VIN")
    assert bad.exit_code == 1 and bad.output.count("\n") == 1 and "VIN" in bad.output
    wrong_digit = run(
        db,
        "--store",
        "S1",
        "vehicles",
        "add",
        "LFV3A24G0P3000101",
        "--brand",
        "AUDI",
        "--model",
        "A6L",
    )
    assert wrong_digit.exit_code == 1 and "check digit" in wrong_digit.output
    lenient = run(
        db,
        "--store",
        "S1",
        "vehicles",
        "add",
        "LFV3A24G0P3000101",
        "--brand",
        "AUDI",
        "--model",
        "A6L",
        "--lenient",
    )
    assert lenient.exit_code == 0 and "Warning:" in lenient.output
    no_store = run(db, "vehicles", "add", VIN, "--brand", "AUDI", "--model", "A6L")
    assert no_store.exit_code != 0 and "--store" in no_store.output


# ---------------------------------------------------------------- the audit's gaps


def _in_stock(db: str, vin: str = VIN, store: str = "S1") -> None:
    args = ("add", vin, "--brand", "audi", "--model", "a6l", "--colour", "black")
    assert run(db, "--store", store, "vehicles", *args).exit_code == 0
    pdi = ("pdi", vin, "--inspector", "bob", "--item", "brakes=ok")
    assert run(db, "--store", store, "vehicles", *pdi).exit_code == 0


@pytest.mark.parametrize("command", ["hold", "damage", "return"])
def test_hold_damage_return_require_a_reason(db: str, command: str) -> None:
    _in_stock(db)
    missing = run(db, "--store", "S1", "vehicles", command, VIN)
    assert missing.exit_code == 2 and "Missing option '--reason'" in missing.output
    blank = run(db, "--store", "S1", "vehicles", command, VIN, "--reason", "  ")
    assert blank.exit_code == 1
    assert (
        blank.output.strip().startswith(f"Error: vehicle {VIN}: ")
        and "needs a reason" in blank.output
    )
    assert js(db, "vehicles", "show", VIN)["state"] == "IN_STOCK"  # type: ignore[index]
    done = js(db, "--store", "S1", "vehicles", command, VIN, "--reason", "hail")
    assert isinstance(done, dict) and done["reason"] == "hail"


def test_pdi_records_and_vin_warnings_are_readable(db: str) -> None:
    wrong = "LFV3A24G0P3000101"
    added = run(
        db,
        "--store",
        "S1",
        "vehicles",
        "add",
        wrong,
        "--brand",
        "audi",
        "--model",
        "a6l",
        "--lenient",
    )
    assert added.exit_code == 0
    pdi = [
        "--store",
        "S1",
        "vehicles",
        "pdi",
        wrong,
        "--inspector",
        "赵技师",
        "--item",
        "brakes=ok",
    ]
    assert run(db, *pdi, "--item", "paint=fail:scratch").exit_code == 0
    assert run(db, "--store", "S1", "vehicles", "repair", wrong).exit_code == 0
    assert run(db, *pdi, "--item", "paint=ok").exit_code == 0
    report = js(db, "vehicles", "pdi-report", wrong)
    assert isinstance(report, list)
    assert [(r["number"], r["passed"], r["inspector"]) for r in report] == [
        (1, False, "赵技师"),
        (2, True, "赵技师"),
    ]
    assert report[0]["items"][1] == {"name": "paint", "ok": False, "note": "scratch"}
    shown = js(db, "vehicles", "show", wrong)
    assert isinstance(shown, dict) and [i["number"] for i in shown["inspections"]] == [1, 2]
    text = run(db, "vehicles", "show", wrong).output
    assert "#1 " in text and "FAIL paint: scratch" in text
    history = js(db, "vehicles", "history", wrong)
    assert isinstance(history, dict) and len(history["inspections"]) == 2
    assert "check digit 0 does not match 6" in history["history"][0]["reason"]
    assert "accepted, lenient mode" in run(db, "vehicles", "history", wrong).output


def test_find_by_days_and_in_transfer_directions(db: str, cli_clock: FixedClock) -> None:
    clock = cli_clock  # the CLI's fixed clock (tests/e2e/conftest.py), advanced below
    _in_stock(db)
    clock.advance(days=4)
    _in_stock(db, VIN2)
    clock.advance(days=1)
    old = js(db, "vehicles", "find", "--min-days", "3")
    assert isinstance(old, list) and [(c["vin"], c["days_in_stock"]) for c in old] == [(VIN, 5)]
    fresh = js(db, "vehicles", "find", "--max-days", "1")
    assert isinstance(fresh, list) and [c["vin"] for c in fresh] == [VIN2]
    bad = run(db, "vehicles", "find", "--min-days", "4", "--max-days", "2")
    assert bad.exit_code == 2 and "--min-days 4 is above --max-days 2" in bad.output
    assert run(db, "--store", "S1", "vehicles", "transfer", VIN, "--to", "S2").exit_code == 0
    source = js(db, "--store", "S1", "vehicles", "find")
    assert isinstance(source, list) and [c["vin"] for c in source] == [VIN2]
    outgoing = js(db, "--store", "S1", "vehicles", "find", "--outgoing")
    assert isinstance(outgoing, list)
    assert [(c["vin"], c["transfer"], c["days_in_stock"]) for c in outgoing] == [
        (VIN, "outgoing", None),
        (VIN2, None, 1),
    ]
    target = js(db, "--store", "S2", "vehicles", "find")
    assert isinstance(target, list) and [(c["vin"], c["transfer"]) for c in target] == [
        (VIN, "incoming")
    ]
    assert js(db, "--store", "S2", "vehicles", "find", "--no-incoming") == []
    group = js(db, "vehicles", "find", "--state", "in_transfer")
    assert isinstance(group, list) and group[0]["transfer"] == "S1→S2"
    held = js(db, "--store", "S1", "vehicles", "reserve", VIN2, "--customer", "C1", "--hours", "2")
    assert isinstance(held, dict)
    clock.advance(hours=3)
    free = js(db, "vehicles", "find", "--free")
    assert isinstance(free, list)
    assert [(c["vin"], c["state"], c["reservation_lapsed"]) for c in free] == [
        (VIN2, "IN_STOCK", True)
    ]
    again = js(db, "--store", "S1", "vehicles", "reserve", VIN2, "--customer", "C2")
    assert isinstance(again, dict) and again["to"] == "RESERVED"


def test_consignment_goes_to_another_group_company(db: str) -> None:
    for code, uscc in (("HOME-CO", "91310115MA1H7XXX08"), ("SISTER-CO", "91440101MA59ABCD1D")):
        added = js(db, "org", "add-company", code, f"{code} 有限公司", "--uscc", uscc)
        assert isinstance(added, dict) and added["uscc"] == uscc
    bad = run(db, "org", "add-company", "X", "x", "--uscc", "91310115MA1H7XXX09")
    assert bad.exit_code == 1 and "USCC 91310115MA1H7XXX09: check character" in bad.output
    _in_stock(db)
    companyless = run(db, "--store", "S1", "vehicles", "consign", VIN, "--to", "SISTER-CO")
    assert companyless.exit_code == 1 and "belongs to no group company yet" in companyless.output
    assert js(db, "--store", "S1", "org", "set-company", "home-co") == {
        "store": "S1",
        "id": "HOME-CO",
        "name": "HOME-CO 有限公司",
        "uscc": "91310115MA1H7XXX08",
    }
    own = run(db, "--store", "S1", "vehicles", "consign", VIN, "--to", "HOME-CO")
    assert own.exit_code == 1 and "consign it to another group company" in own.output
    unknown = run(db, "--store", "S1", "vehicles", "consign", VIN, "--to", "S2")
    assert unknown.exit_code == 2 and unknown.output.strip() == "Error: group company S2 not found"
    done = js(db, "--store", "S1", "vehicles", "consign", VIN, "--to", "sister-co")
    assert isinstance(done, dict) and done["to"] == "CONSIGNED"
    assert js(db, "vehicles", "show", VIN)["consigned_to"] == "SISTER-CO"  # type: ignore[index]
    companies = js(db, "org", "companies")
    assert isinstance(companies, list) and [(c["id"], c["stores"]) for c in companies] == [
        ("HOME-CO", ["S1"]),
        ("SISTER-CO", []),
    ]
    store = run(
        db,
        "org",
        "add-store",
        "S3",
        "Three",
        "--region",
        "east",
        "--brand",
        "audi",
        "--company",
        "sister-co",
    )
    assert store.exit_code == 0, store.output
    assert "(company SISTER-CO)" in run(db, "org", "show").output
