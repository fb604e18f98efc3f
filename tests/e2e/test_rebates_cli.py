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
    assert refused.output.startswith("Error: policy definition is not valid")
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
