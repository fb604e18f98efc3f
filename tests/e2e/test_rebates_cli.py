"""``fours rebates`` end to end through the CLI (CliRunner), with the example policy file."""

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from fours_cli.cli import cli

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "rebates"


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'rebates.db'}"
    for args in (
        ["db", "upgrade"],
        ["org", "init", "ACME", "Acme"],
        ["org", "add-region", "EAST", "East"],
        ["org", "add-brand", "AUDI", "Audi", "--manufacturer", "FAW-VW"],
        ["org", "add-store", "SH-AUDI-01", "Shanghai", "--region", "EAST", "--brand", "AUDI"],
        ["org", "add-store", "GZ-MIX-01", "Guangzhou", "--region", "EAST", "--brand", "AUDI"],
        ["org", "add-brand", "BYD", "BYD", "--manufacturer", "BYD Auto"],
    ):
        assert run(url, *args).exit_code == 0
    return url


def run(db: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", db, *args], catch_exceptions=False)


def js(db: str, *args: str) -> Any:
    result = run(db, "--json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _sell(db: str, n: int) -> None:
    for i in range(1, n + 1):
        result = run(
            db,
            "--store",
            "SH-AUDI-01",
            "rebates",
            "sale",
            "add",
            f"LFV2A24G0N300000{i}",
            "--brand",
            "audi",
            "--model",
            "a6l",
            "--picked-up-on",
            "2026-07-01",
            "--sold-on",
            f"2026-08-1{i}",
            "--delivered-on",
            f"2026-08-1{i}",
            "--price",
            "339,000",
            "--cost",
            "316400",
        )
        assert result.exit_code == 0, result.output


def test_policy_estimate_confirm_settle_reconcile_what_if(db: str, tmp_path: Path) -> None:
    added = js(db, "rebates", "policy", "add", str(EXAMPLES / "audi-2026q3.toml"))
    assert [p["id"] for p in added] == ["AUDI-2026Q3-TARGET", "AUDI-2026Q3-PICKUP"]
    listed = js(db, "rebates", "policy", "list", "--brand", "audi")
    assert {p["tier_basis"] for p in listed if "tier_basis" in p} == {"whole_volume"}
    _sell(db, 6)
    for kpi, value in (("csi", "92"), ("stock_depth", "1.1")):
        assert (
            run(
                db, "--store", "SH-AUDI-01", "rebates", "kpi", kpi, value, "--period", "2026-Q3"
            ).exit_code
            == 0
        )
    estimate = js(db, "rebates", "estimate", "2026-Q3")
    assert isinstance(estimate, dict)
    # 6 of 6 → 2 % of 300,000 × CSI 1.1 = 6,600 per car; pick-up bonus 1,500 × 6
    assert estimate["total"] == "48600.00"
    assert len(estimate["cars"]) == 12
    confirmed = js(
        db, "--store", "SH-AUDI-01", "rebates", "confirm", "AUDI-2026Q3-TARGET", "2026-Q3", "39000"
    )
    assert confirmed["status"] == "confirmed"
    settled = js(db, "--store", "SH-AUDI-01", "rebates", "settle", "AUDI-2026Q3-TARGET", "2026-Q3")
    again = js(db, "--store", "SH-AUDI-01", "rebates", "settle", "AUDI-2026Q3-TARGET", "2026-Q3")
    assert (settled["paid_now"], again["paid_now"]) == ("39000.00", "0.00")
    statement = tmp_path / "statement.csv"
    statement.write_text(
        "\ufeffVIN,Policy_ID,Amount\n"
        "LFV2A24G0N3000001,AUDI-2026Q3-TARGET,6600\n"
        "LFV2A24G0N3000002,AUDI-2026Q3-TARGET,3000\n",
        encoding="utf-8",
    )
    report = js(db, "rebates", "reconcile", "2026-Q3", str(statement))
    assert isinstance(report, dict)
    causes = {(r["vin"], r["policy"]): r["cause"] for r in report["lines"]}
    assert causes[("LFV2A24G0N3000002", "AUDI-2026Q3-TARGET")] == "tier"
    assert report["difference"] == "39000.00"  # 48,600 − 9,600
    human = run(db, "rebates", "reconcile", "2026-Q3", str(statement))
    assert "missing_on_statement" in human.output
    cost = js(db, "--store", "SH-AUDI-01", "rebates", "cost", "LFV2A24G0N3000001")
    assert cost["effective_cost"] == "271900.00"
    top = run(db, "--store", "SH-AUDI-01", "rebates", "what-if", "AUDI-2026Q3-TARGET", "2026-Q3")
    assert "≥120%" in top.output and "A6L" in top.output


def test_rebate_refusals_are_one_line(db: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('id = "X"\nname = "x"\nkind = "retail_bonus"\n', encoding="utf-8")
    refused = run(db, "rebates", "policy", "add", str(bad))
    assert refused.exit_code == 1 and refused.output.count("\n") == 1
    assert refused.output.startswith(f"Error: {bad}: policy 1 (X): target: missing (required)")
    unknown = run(db, "--store", "SH-AUDI-01", "rebates", "settle", "NOPE", "2026-Q3")
    assert (
        unknown.exit_code == 2 and unknown.output.strip() == "Error: rebate policy NOPE not found"
    )
    csv = tmp_path / "s.csv"
    csv.write_text("vin,amount\nX,1\n", encoding="utf-8")
    as_json = run(db, "--json", "rebates", "reconcile", "2026-Q3", str(csv))
    assert json.loads(as_json.output)["error"] == "statement_format"
    price = run(
        db,
        "--store",
        "SH-AUDI-01",
        "rebates",
        "sale",
        "add",
        "LFV2A24G0N3000001",
        "--brand",
        "AUDI",
        "--model",
        "A6L",
        "--sold-on",
        "2026-08-01",
        "--price",
        "1.5e3x",
    )
    assert price.exit_code != 0 and "Error:" in price.output


SH = ("--store", "SH-AUDI-01")
VIN = "LFV2A24G0N3000001"
POLICY = """
id = "{id}"
name = "n"
target = {{ brand = "AUDI" }}
kind = "retail_bonus"
period = "quarter"
valid_from = 2026-07-01
valid_to = 2026-09-30
value = "500"
{extra}
"""


def _policy_file(tmp_path: Path, name: str, *entries: str) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(entries), encoding="utf-8")
    return path


def _entry(policy_id: str, extra: str = "") -> str:
    return "[[policy]]\n" + POLICY.format(id=policy_id, extra=extra)


def test_policy_files_are_strict_and_added_whole(db: str, tmp_path: Path) -> None:
    typo = _policy_file(tmp_path, "typo.toml", _entry("ATOM-A", 'caps = "100"'))
    refused = run(db, "rebates", "policy", "add", str(typo))
    assert (refused.exit_code, refused.output) == (
        1,
        f"Error: {typo}: policy 1 (ATOM-A): unknown key 'caps' (did you mean 'cap'?); "
        "nothing was added\n",
    )
    half = _policy_file(
        tmp_path, "half.toml", _entry("ATOM-A"), '[[policy]]\nid = "ATOM-B"\nname = "n"\n'
    )
    second_bad = run(db, "--json", "rebates", "policy", "add", str(half))
    assert second_bad.exit_code == 1
    error = json.loads(second_bad.output)
    assert error["error"] == "policy_file"
    assert error["message"].startswith(f"{half}: policy 2 (ATOM-B): target: missing (required)")
    assert js(db, "rebates", "policy", "list") == []  # the good first policy was not added
    assert (
        len(
            js(
                db,
                "rebates",
                "policy",
                "add",
                str(_policy_file(tmp_path, "a.toml", _entry("ATOM-A"))),
            )
        )
        == 1
    )
    for text, message in (
        ("policy = 5", "'policy' must be [[policy]] tables, not int"),
        ("not toml [", "not valid TOML"),
        ("", "no policy in the file"),
    ):
        odd = _policy_file(tmp_path, "odd.toml", text)
        result = run(db, "rebates", "policy", "add", str(odd))
        assert (
            result.exit_code == 1 and message in result.output and "Traceback" not in result.output
        )
    stranger = _policy_file(
        tmp_path, "s.toml", _entry("ATOM-S", 'targets = [{ units = 5, store_id = "NOPE" }]')
    )
    not_found = run(db, "rebates", "policy", "add", str(stranger))
    assert (not_found.exit_code, not_found.output) == (
        2,
        "Error: policy ATOM-S: store NOPE not found\n",
    )
    reused = run(
        db, "rebates", "policy", "add", str(_policy_file(tmp_path, "r.toml", _entry("ATOM-A")))
    )
    assert reused.exit_code == 1 and "rebate policy ATOM-A already exists" in reused.output


def _sale_args(*extra: str, vin: str = VIN, brand: str = "audi", model: str = "a6l") -> list[str]:
    """``rebates sale add`` at SH-AUDI-01, sold 2026-08-11 for 339,000 unless ``extra``
    says otherwise (a later option wins)."""
    return [*SH, "rebates", "sale", "add", vin, "--brand", brand, "--model", model,
            "--sold-on", "2026-08-11", "--price", "339000", *extra]  # fmt: skip


def _sale(db: str, *extra: str, vin: str = VIN, brand: str = "audi", model: str = "a6l") -> Result:
    return run(db, *_sale_args(*extra, vin=vin, brand=brand, model=model))


def _sale_json(db: str, *extra: str) -> Any:
    return js(db, *_sale_args(*extra))


def test_sales_facts_are_checked_corrected_on_purpose_and_amended(db: str) -> None:
    unknown = _sale(db, brand="nope", model="x")
    assert (unknown.exit_code, unknown.output) == (2, "Error: brand NOPE not found\n")
    byd = _sale(db, brand="byd", model="han")
    assert byd.exit_code == 1 and "store SH-AUDI-01 does not sell BYD" in byd.output
    first = _sale_json(db, "--interior", "beige", "--cost", "316400", "--vat", "13%")
    assert first["picked_up_on"] is None and first["purchase_cost"] == "316400.00"
    assert first["spec"] == "AUDI/A6L/*/*/BEIGE" and first["vat_rate"] == "13%"
    again = _sale(db, "--interior", "beige", "--price", "338000")
    assert again.exit_code == 1 and "invoice_price 339000.00 → 338000.00" in again.output
    fixed = _sale_json(
        db, "--interior", "beige", "--price", "338000", "--correct", "--reason", "开票更正"
    )
    assert fixed["invoice_price"] == "338000.00"
    picked = js(db, *SH, "rebates", "sale", "pickup", VIN, "--on", "2026-07-02")
    assert picked["picked_up_on"] == "2026-07-02"
    new_car = run(db, *SH, "rebates", "sale", "pickup", "LFV2A24G0N3000009", "--on", "2026-07-02")
    assert new_car.exit_code == 1 and "give its --brand and --model" in new_car.output
    js(
        db,
        *SH,
        "rebates",
        "sale",
        "pickup",
        "LFV2A24G0N3000009",
        "--on",
        "2026-07-02",
        "--brand",
        "audi",
        "--model",
        "q5l",
        "--vat",
        "0.09",
    )
    flag = ("rebates", "sale", "flag", VIN)
    both = run(db, *SH, *flag, "--out-of-territory", "--bad-customer-data", "--reason", "x")
    assert both.exit_code == 1 and "name one flag" in both.output
    flagged = js(db, *SH, *flag, "--out-of-territory", "--reason", "跨区销售")
    assert flagged["flags"] == ["out_of_territory"]
    cleared = js(db, *SH, *flag, "--out-of-territory", "--clear", "--reason", "申诉成功")
    assert cleared["flags"] == []
    shown = js(db, *SH, "rebates", "sale", "show", VIN)
    assert [(a["action"], a["reason"]) for a in shown["amendments"]] == [
        ("corrected", "开票更正"),
        ("flagged", "跨区销售"),
        ("cleared", "申诉成功"),
    ]
    assert shown["amendments"][0]["at"] == "2026-11-25T01:30:00+00:00"
    vat = _sale(db, "--vat", "abc", vin="LFV2A24G0N3000008")
    assert (vat.exit_code, vat.output) == (1, "Error: VAT rate 'abc' is not a number\n")


def test_settlement_needs_a_confirmation_and_records_what_was_paid(db: str) -> None:
    js(db, "rebates", "policy", "add", str(EXAMPLES / "audi-2026q3.toml"))
    _sell(db, 6)
    js(db, "rebates", "estimate", "2026-Q3")
    settle = (*SH, "rebates", "settle", "AUDI-2026Q3-PICKUP", "2026-Q3")
    early = run(db, *settle)
    assert early.exit_code == 1 and "record the manufacturer's confirmation first" in early.output
    js(db, *SH, "rebates", "confirm", "AUDI-2026Q3-PICKUP", "2026-Q3", "9000", "--notice", "N-1")
    short = js(db, *settle, "--paid", "8500", "--ref", "BANK-1")
    assert (short["due"], short["paid_now"], short["difference"], short["outstanding"]) == (
        "9000.00",
        "8500.00",
        "-500.00",
        "500.00",
    )
    rest = js(db, *settle, "--ref", "BANK-2")
    assert (rest["paid_now"], rest["outstanding"]) == ("500.00", "0.00")
    deduction = js(db, *SH, "rebates", "confirm", "AUDI-2026Q3-TARGET", "2026-Q3", "--", "-5000")
    assert deduction["confirmed"] == "-5000.00"
    helped = run(db, "rebates", "confirm", "--help")
    assert "negative amount is legitimate" in helped.output
    nope = run(db, "rebates", "estimate", "2026-Q3", "--brand", "nope")
    assert (nope.exit_code, nope.output) == (2, "Error: brand NOPE not found\n")
