"""End to end through the CLI: CliRunner for most, one real ``fours`` subprocess."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from fours_cli._help import TOP_HELP
from fours_cli.cli import cli, render_top_help

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"


def run(db: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", db, *args], catch_exceptions=False)


def test_org_lifecycle_in_json(db: str) -> None:
    assert run(db, "db", "upgrade").exit_code == 0
    assert run(db, "org", "init", "acme", "Acme").exit_code == 0
    assert run(db, "org", "add-region", "east", "East").exit_code == 0
    assert run(db, "org", "add-brand", "audi", "Audi", "--manufacturer", "FAW-VW").exit_code == 0
    created = run(
        db,
        "--json",
        "org",
        "add-store",
        "sh01",
        "Shanghai",
        "--region",
        "east",
        "--brand",
        "audi",
        "--tz",
        "Asia/Shanghai",
    )
    assert created.exit_code == 0, created.output
    assert json.loads(created.output)["brands"] == ["AUDI"]
    assert run(db, "--store", "SH01", "org", "add-warehouse", "w1", "Parts").exit_code == 0
    bins = run(db, "--store", "SH01", "--json", "org", "add-bin", "w1", "a1", "a2")
    assert [b["code"] for b in json.loads(bins.output)] == ["A1", "A2"]
    shown = json.loads(run(db, "--json", "org", "show").output)
    assert shown["stores"][0]["warehouses"][0]["bins"] == ["A1", "A2"]
    assert "warehouse W1 (parts): A1, A2" in run(db, "org", "show").output


def test_refusals_are_one_line_and_non_zero(db: str) -> None:
    run(db, "db", "upgrade")
    missing = run(db, "org", "add-store", "S1", "S", "--region", "nowhere", "--brand", "x")
    assert missing.exit_code == 2
    assert missing.output.strip() == "Error: region NOWHERE not found"
    as_json = run(db, "--json", "org", "add-region", "R1", "R")
    assert json.loads(as_json.output)["error"] == "not_found"
    no_store = run(db, "org", "add-warehouse", "W1", "Parts")
    assert no_store.exit_code != 0 and "--store" in no_store.output


def test_status_reports_pending_migrations(db: str) -> None:
    before = run(db, "--json", "db", "status")
    assert before.exit_code == 1 and json.loads(before.output)["pending"]
    run(db, "db", "upgrade")
    assert run(db, "db", "status").exit_code == 0


def test_real_subprocess_without_schema_prints_one_line(tmp_path: Path) -> None:
    env = {**os.environ, "FOURS_DB_URL": f"sqlite:///{tmp_path / 'empty.db'}"}
    fours = str(Path(sys.executable).parent / "fours")  # the installed console script
    done = subprocess.run(
        [fours, "org", "show"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 3
    assert done.stderr.strip().startswith("Error: the database has no fours schema yet")
    assert "Traceback" not in done.stderr
    helped = subprocess.run([fours, "--help"], capture_output=True, text=True, check=True)
    assert "org" in helped.stdout and "db" in helped.stdout


HEAVY = ("click", "sqlalchemy", "alembic", "lxml", "httpx", "dependency_injector", "pendulum")


def test_help_does_not_import_heavy_libraries() -> None:
    code = (
        "import sys, io, contextlib\n"
        "from fours_cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['--help'])\n"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


def test_fast_help_is_clicks_own_help() -> None:
    assert render_top_help() == TOP_HELP, "run: python -m fours_cli.cli"
    runner = CliRunner()
    assert runner.invoke(cli, ["--help"], prog_name="fours", terminal_width=80).output == TOP_HELP


DEMO_NOW = "2031-06-15T10:00:00+08:00"
"""Far from the day the demo's own dates are computed from (its promotion window is
relative to the machine's date): the quote must need its approval whatever price applies."""


def fixed_clock_fours(bin_dir: Path, now: str) -> Path:
    """A ``fours`` executable that runs the real CLI with its clock fixed at ``now``."""
    bin_dir.mkdir()
    script = bin_dir / "fours"
    script.write_text(
        f"#!{sys.executable}\n"
        "import sys\n"
        "import pendulum\n"
        "import fours_adapters.clock\n"
        f"NOW = pendulum.parse({now!r}).in_timezone('UTC')\n"
        "fours_adapters.clock.SystemClock.now = lambda self: NOW\n"
        "from fours_cli.main import main\n"
        "sys.exit(main())\n",
        encoding="utf-8",
    )
    script.chmod(0o755)
    return bin_dir


def test_demo_runs(tmp_path: Path) -> None:
    fixed = fixed_clock_fours(tmp_path / "bin", DEMO_NOW)
    path = os.pathsep.join([str(fixed), str(Path(sys.executable).parent), os.environ["PATH"]])
    env = {**os.environ, "FOURS_DEMO_DB": str(tmp_path / "demo.db"), "PATH": path}
    done = subprocess.run(
        ["bash", str(ROOT / "examples" / "demo.sh")],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    # The approval path really happened, in order: refused, approved, accepted.
    refusal = out.index("(refused) Error: quote ")
    assert "deal price 413000.00 is below the author's authority" in out[refusal:]
    approved = out.index("down to 413000.00 by li.na (SALES_MANAGER)")
    accepted = out.index(" — accepted (frozen: accepted 2031-06-15T02:00:00+00:00 by zhang.wei)")
    assert refusal < approved < accepted
    assert (
        "(refused) Error: quote" in out[refusal:approved] and "four-eyes" in out[refusal:approved]
    )
    assert "li.na (李娜) does not hold GM at store SH-AUDI-01" in out[refusal:approved]
    assert "store GZ-MIX-01: 广州天河汽车城 [AUDI, BYD]" in done.stdout
    assert "Total 2026-Q3: ¥43600.00" in done.stdout  # the rebates section
    # the parts counter sale prices the floor mats the inventory section put in the catalogue
    assert '"policy_price": "1216.00"' in done.stdout
    assert "list 1280.00 (group catalogue); RETAIL pays 1280.00" in done.stdout
    assert "(refused) Error: part 4H0-000-000 not found in the catalogue of store SH-AUDI-01" in out
    assert "1050.00 granted by sun.li (approval " in out
