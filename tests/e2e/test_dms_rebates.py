"""A manufacturer rebate statement (GBK, Chinese headers) through ``fours dms import``
into the rebates context's reconciliation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from fours_cli.cli import cli

REBATES = Path(__file__).resolve().parents[2] / "examples" / "rebates"


def run(db: str, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, ["--db", db, *args], catch_exceptions=False, env=env)


def js(db: str, *args: str, env: dict[str, str] | None = None) -> Any:
    result = run(db, "--json", *args, env=env)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_a_gbk_rebate_statement_is_reconciled_car_by_car(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'dms.db'}"
    for args in (
        ["db", "upgrade"],
        ["org", "init", "ACME", "Acme"],
        ["org", "add-region", "EAST", "East"],
        ["org", "add-brand", "AUDI", "Audi", "--manufacturer", "FAW-VW"],
        ["org", "add-store", "SH-AUDI-01", "Shanghai", "--region", "EAST", "--brand", "AUDI"],
        # the policy file's targets name GZ-MIX-01: policies may only name known stores
        ["org", "add-store", "GZ-MIX-01", "Guangzhou", "--region", "EAST", "--brand", "AUDI"],
        ["rebates", "policy", "add", str(REBATES / "audi-2026q3.toml")],
    ):
        assert run(db, *args).exit_code == 0
    for i in range(1, 7):
        assert run(
            db, "--store", "SH-AUDI-01", "rebates", "sale", "add", f"LFV2A24G0N300000{i}",
            "--brand", "audi", "--model", "a6l", "--picked-up-on", "2026-07-01",
            "--sold-on", f"2026-08-1{i}", "--delivered-on", f"2026-08-1{i}",
            "--price", "339000", "--cost", "316400",
        ).exit_code == 0  # fmt: skip
    for kpi, value in (("csi", "92"), ("stock_depth", "1.1")):
        assert run(
            db, "--store", "SH-AUDI-01", "rebates", "kpi", kpi, value, "--period", "2026-Q3"
        ).exit_code == 0  # fmt: skip
    assert js(db, "rebates", "estimate", "2026-Q3")["total"] == "48600.00"

    statement = tmp_path / "返利结算单.csv"
    statement.write_bytes(
        (
            "结算单号,行号,政策代码,返利金额,经销商代码,VIN码,结算期间\n"
            'FAW-RB-2026Q3,1,AUDI-2026Q3-TARGET,"6,600.00",FAW-0101,LFV2A24G0N3000001,2026-Q3\n'
            "FAW-RB-2026Q3,2,AUDI-2026Q3-TARGET,3000.00,FAW-0101,LFV2A24G0N3000002,2026-Q3\n"
            "FAW-RB-2026Q3,3,AUDI-2026Q3-TARGET,500.00,FAW-0101,NOT-A-VIN,2026-Q3\n"
        ).encode("gbk")
    )
    config = tmp_path / "dms.toml"
    config.write_text('[dealers]\n"FAW-0101" = "SH-AUDI-01"\n', encoding="utf-8")
    env = {"FOURS_DMS_CONFIG": str(config)}
    report = js(
        db, "dms", "import", "--adapter", "csv", "--mapping", "cn-oem",
        "--kind", "rebate-statement", "--period", "2026-Q3", str(statement), env=env,
    )  # fmt: skip
    assert (report["status"], report["lines_read"], report["rejected"]) == ("reconciled", 3, 1)
    assert report["theirs_total"] == "9600.00" and report["difference"] == "39000.00"
    causes = {d["vin"]: d["cause"] for d in report["differences"]}
    assert causes["LFV2A24G0N3000002"] == "tier"
    rejected_rows = Path(report["reject_file"]).read_text(encoding="utf-8-sig").splitlines()
    assert len(rejected_rows) == 2 and rejected_rows[1].startswith("FAW-RB-2026Q3,3,")
    again = js(
        db, "dms", "import", "--adapter", "csv", "--mapping", "cn-oem",
        "--kind", "rebate-statement", "--period", "2026-Q3", str(statement), env=env,
    )  # fmt: skip
    assert again["difference"] == report["difference"]  # read-only: the same report again
    missing = run(
        db, "dms", "import", "--adapter", "csv", "--mapping", "cn-oem",
        "--kind", "rebate-statement", str(statement),
    )  # fmt: skip
    assert missing.exit_code == 2 and "--period" in missing.output
    listed = js(db, "dms", "list")
    assert "rebate-statement" in listed["bound_kinds"]
