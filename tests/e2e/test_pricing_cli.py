"""The prices and quotes commands end to end through the CLI."""

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from fours_cli.cli import cli


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    for args in (
        ["db", "upgrade"],
        ["org", "init", "acme", "Acme"],
        ["org", "add-region", "east", "East"],
        ["org", "add-brand", "audi", "Audi", "--manufacturer", "FAW-VW"],
        ["org", "add-store", "sh01", "SH", "--region", "east", "--brand", "audi"],
        [
            "org",
            "add-store",
            "xj01",
            "XJ",
            "--region",
            "east",
            "--brand",
            "audi",
            "--tz",
            "Asia/Urumqi",
        ],
    ):
        assert run(url, *args).exit_code == 0
    return url


def run(db: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", db, *args], catch_exceptions=False)


def as_json(db: str, *args: str) -> Any:
    result = run(db, "--json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_schemes_resolve_and_explain(db: str) -> None:
    as_json(
        db,
        "prices",
        "add",
        "floor",
        "300000",
        "--brand",
        "audi",
        "--model",
        "a6l",
        "--id",
        "F-GROUP",
    )
    as_json(
        db,
        "prices",
        "add",
        "floor",
        "310000",
        "--brand",
        "audi",
        "--model",
        "a6l",
        "--scope",
        "store:sh01",
        "--from",
        "2026-12-01",
        "--id",
        "F-SH",
    )
    tie = run(
        db, "prices", "add", "floor", "1", "--brand", "audi", "--model", "a6l", "--id", "F-TIE"
    )
    assert tie.exit_code == 1 and "F-TIE" in tie.output and "F-GROUP" in tie.output
    assert len(tie.output.strip().splitlines()) == 1
    # 00:30 on Dec 1 in Shanghai; still 22:30 on Nov 30 in Urumqi.
    at = "2026-11-30T16:30:00Z"
    sh = as_json(db, "--store", "sh01", "prices", "resolve", "AUDI/A6L/45", "--at", at)
    xj = as_json(db, "--store", "xj01", "prices", "resolve", "AUDI/A6L/45", "--at", at)
    assert sh["prices"]["floor"]["winner"] == "F-SH"
    assert xj["prices"]["floor"]["winner"] == "F-GROUP"
    explained = run(
        db, "--store", "sh01", "prices", "explain", "AUDI/A6L/45", "--kind", "floor", "--at", at
    )
    assert "wider_scope: F-GROUP" in explained.output
    listed = as_json(db, "prices", "list", "--scope", "store:SH01")
    assert [s["id"] for s in listed] == ["F-SH"]
    bad = run(db, "--store", "sh01", "prices", "resolve", "AUDI/A6L", "--at", "2026-12-01T00:00")
    assert bad.exit_code == 1 and "offset" in bad.output


def test_quote_needs_approval_then_is_frozen(db: str) -> None:
    for args in (
        ("msrp", "400000"),
        ("internal_guide", "380000"),
        ("floor", "360000"),
    ):
        as_json(db, "prices", "add", *args, "--brand", "audi", "--model", "a6l")
    as_json(db, "prices", "authority", "set", "sales", "--basis", "internal_guide", "--off", "2000")
    as_json(db, "prices", "authority", "set", "sales_manager", "--basis", "floor")
    as_json(db, "prices", "authority", "set", "gm", "--basis", "unlimited")
    quote = as_json(
        db,
        "--store",
        "sh01",
        "quotes",
        "new",
        "AUDI/A6L/45/WHITE",
        "--customer",
        "王先生",
        "--author",
        "zhang",
        "--role",
        "sales",
        "--price",
        "359000",
    )
    qid = quote["id"]
    as_json(db, "--store", "sh01", "quotes", "add-line", qid, "accessory", "脚垫", "800")
    refused = run(db, "--store", "sh01", "quotes", "accept", qid, "--by", "zhang")
    assert refused.exit_code == 1
    assert refused.output.strip() == (
        f"Error: quote {qid}: deal price 359000.00 is below the floor price 360000.00 "
        f"(scheme {quote['references']['floor']['scheme']}); author zhang: SALES may go "
        "down to internal guide − 2000.00 = 378000.00; approval needed from GM"
    )
    weak = run(
        db,
        "--store",
        "sh01",
        "quotes",
        "approve",
        qid,
        "--by",
        "li",
        "--role",
        "sales_manager",
        "--reason",
        "x",
    )
    assert weak.exit_code == 1 and "needs GM" in weak.output
    as_json(
        db,
        "--store",
        "sh01",
        "quotes",
        "approve",
        qid,
        "--by",
        "wang",
        "--role",
        "gm",
        "--reason",
        "fleet",
    )
    accepted = as_json(db, "--store", "sh01", "quotes", "accept", qid, "--by", "zhang")
    assert accepted["status"] == "accepted"
    assert accepted["total"] == "359800.00"
    as_json(
        db, "prices", "add", "floor", "370000", "--brand", "audi", "--model", "a6l", "--trim", "45"
    )
    shown = as_json(db, "--store", "sh01", "quotes", "show", qid)
    assert shown == accepted
    again = run(db, "--store", "sh01", "quotes", "add-line", qid, "fee", "x", "1")
    assert again.exit_code == 1 and "accepted: cannot add a line" in again.output
    human = run(db, "--store", "sh01", "quotes", "show", qid)
    assert "frozen" in human.output and "approved by wang (GM)" in human.output


def test_parts_counter_discount(db: str) -> None:
    as_json(
        db,
        "prices",
        "authority",
        "set",
        "showroom_manager",
        "--subject",
        "parts",
        "--basis",
        "list",
        "--share",
        "0.9",
    )
    as_json(db, "prices", "part-policy", "add", "acc", "*", "0.98")
    priced = as_json(db, "prices", "part", "p-1", "--class", "acc", "--list-price", "100")
    assert priced["policy_price"] == "98.00"
    ok = run(
        db,
        "prices",
        "part",
        "p-1",
        "--class",
        "acc",
        "--list-price",
        "100",
        "--price",
        "90",
        "--role",
        "showroom_manager",
    )
    assert ok.exit_code == 0
    refused = run(
        db,
        "prices",
        "part",
        "p-1",
        "--class",
        "acc",
        "--list-price",
        "100",
        "--price",
        "89.99",
        "--role",
        "showroom_manager",
    )
    assert refused.exit_code == 1 and "90% of list = 90.00" in refused.output
    as_json(db, "prices", "authority", "set", "gm", "--subject", "parts", "--basis", "unlimited")
    approval = as_json(
        db,
        "--store",
        "sh01",
        "prices",
        "part-approve",
        "p-1",
        "--class",
        "acc",
        "--list-price",
        "100",
        "--price",
        "80",
        "--by",
        "wang",
        "--role",
        "gm",
        "--reason",
        "fleet",
    )
    granted = run(
        db,
        "--store",
        "sh01",
        "prices",
        "part",
        "p-1",
        "--class",
        "acc",
        "--list-price",
        "100",
        "--price",
        "80",
        "--role",
        "showroom_manager",
        "--approval",
        approval["id"],
    )
    assert granted.exit_code == 0, granted.output
    elsewhere = run(
        db,
        "--store",
        "xj01",
        "prices",
        "part",
        "p-1",
        "--class",
        "acc",
        "--list-price",
        "100",
        "--price",
        "80",
        "--role",
        "showroom_manager",
        "--approval",
        approval["id"],
    )
    assert elsewhere.exit_code == 2 and "not found" in elsewhere.output
