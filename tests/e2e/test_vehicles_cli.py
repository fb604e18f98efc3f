"""``fours vehicles`` end to end through click's CliRunner on SQLite."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from fours_cli.cli import cli

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
