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
    line = done.stderr.strip()
    assert line.startswith("Error: the database sqlite:///") and "has no fours schema yet" in line
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
    assert "(refused) Error: vehicle LFV3A24G6P3000101 is RESERVED: cannot reserve" in out
    assert "(refused) Error: vehicle LFV3A24G8P3000102 is held by store GZ-MIX-01" in out
    assert "(refused) Error: not enough stock of part 4H0-698-151 at SH-AUDI-01/PARTS" in out
    assert "1050.00 granted by sun.li (approval " in out


def test_add_bin_is_all_or_nothing(db: str) -> None:
    run(db, "db", "upgrade")
    assert run(db, "org", "add-brand", "AUDI", "Audi", "--manufacturer", "FAW").exit_code == 2
    run(db, "org", "init", "acme", "Acme")
    run(db, "org", "add-region", "east", "East")
    run(db, "org", "add-brand", "AUDI", "Audi", "--manufacturer", "FAW-VW")
    twice = run(db, "org", "add-store", "S1", "S", "--region", "east", "--brand", "audi")
    assert twice.exit_code == 0
    repeated = run(
        db, "org", "add-store", "S2", "S", "--region", "east", "--brand", "AUDI", "--brand", "audi"
    )
    assert repeated.exit_code == 1
    assert repeated.output.strip() == "Error: brand AUDI is given more than once for store S2"
    run(db, "--store", "S1", "org", "add-warehouse", "W1", "Parts")
    assert run(db, "--store", "S1", "org", "add-bin", "W1", "A-01").exit_code == 0
    refused = run(db, "--store", "S1", "org", "add-bin", "W1", "A-03", "A-01", "A-04")
    assert refused.exit_code == 1
    assert refused.output.strip() == "Error: bin in S1/W1 A-01 already exists"
    shown = json.loads(run(db, "--json", "org", "show").output)
    assert shown["stores"][0]["warehouses"][0]["bins"] == ["A-01"]
    assert [s["id"] for s in shown["stores"]] == ["S1"]


def test_fast_version_is_clicks_own_version() -> None:
    from importlib.metadata import version

    from fours_cli import __version__

    assert version("fours") == __version__  # pyproject reads it from fours_cli/__init__.py
    runner = CliRunner()
    clicks = runner.invoke(cli, ["--version"], prog_name="fours").output
    assert clicks == f"fours, version {__version__}\n"
    code = "from fours_cli.main import main; import sys; main(['--version'])\n" + (
        "print(','.join(m for m in ('click', 'importlib.metadata') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    printed, loaded = done.stdout.splitlines()
    assert printed + "\n" == clicks and loaded == ""


def _modules_after(args: list[str]) -> set[str]:
    """Which of the heavy modules a real ``fours`` run imports."""
    watched = ("sqlalchemy.orm", "alembic", "fours_adapters.sql.uow", "fours_adapters.sql.mapping")
    code = (
        "import sys\nfrom fours_cli.main import main\n"
        f"try:\n    main({args!r})\nexcept SystemExit:\n    pass\n"
        f"print(','.join(m for m in {watched!r} if m in sys.modules), file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(filter(None, done.stderr.strip().splitlines()[-1].split(",")))


def test_schema_commands_load_no_domain_mapping_and_domain_commands_no_alembic(db: str) -> None:
    assert run(db, "db", "upgrade").exit_code == 0
    assert _modules_after(["--db", db, "db", "status"]) == {"alembic"}
    assert "alembic" not in _modules_after(["--db", db, "org", "show"])
