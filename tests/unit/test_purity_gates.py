"""The purity gates fail on a violation: each gate is run on a deliberately bad module.

* ruff's banned-api (``src/fours_domain/ruff.toml``) flags clock, randomness and
  environment reads inside ``fours_domain`` — and only there;
* import-linter's "domain is pure" contract (``pyproject.toml``) breaks for every
  forbidden module, checked on a copy of ``src/`` with one bad module added.
"""

import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

BAD_CALLS = {
    "pendulum.now": "import pendulum\n\nx = pendulum.now()\n",
    "pendulum.today": "import pendulum\n\nx = pendulum.today()\n",
    "pendulum.yesterday": "import pendulum\n\nx = pendulum.yesterday()\n",
    "pendulum.tomorrow": "import pendulum\n\nx = pendulum.tomorrow()\n",
    "pendulum.local_timezone": "import pendulum\n\nx = pendulum.local_timezone()\n",
    "pendulum.DateTime.now": "from pendulum import DateTime\n\nx = DateTime.now()\n",
    "pendulum.Date.today": "from pendulum import Date\n\nx = Date.today()\n",
    "datetime.datetime.now": "import datetime as dt\n\nx = dt.datetime.now(dt.UTC)\n",
    "datetime.datetime.utcnow": "from datetime import datetime\n\nx = datetime.utcnow()\n",
    "datetime.datetime.today": "import datetime\n\nx = datetime.datetime.today()\n",
    "datetime.date.today": "from datetime import date\n\nx = date.today()\n",
    "fours_domain.shared.time.DateTime.now": (
        "from fours_domain.shared.time import DateTime\n\nx = DateTime.now()\n"
    ),
    "time": "import time\n\nx = time.time()\n",
    "random": "import random\n\nx = random.random()\n",
    "secrets": "import secrets\n\nx = secrets.token_hex()\n",
    "uuid": "from uuid import uuid4\n\nx = uuid4()\n",
    "os": "import os\n\nx = os.environ['HOME']\n",
    "sys": "import sys\n\nx = sys.argv\n",
}


def ruff_banned(path: str, source: str) -> set[str]:
    done = subprocess.run(
        [str(BIN / "ruff"), "check", "--output-format", "json", "--stdin-filename", path, "-"],
        input=source,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    findings = json.loads(done.stdout)
    return {f["message"].split("`")[1] for f in findings if f["code"] == "TID251"}


@pytest.mark.parametrize("banned", sorted(BAD_CALLS))
def test_ruff_refuses_clock_randomness_and_environment_in_the_domain(banned: str) -> None:
    assert ruff_banned("src/fours_domain/org/_probe.py", BAD_CALLS[banned]) == {banned}


def test_ruff_allows_them_outside_the_domain() -> None:
    assert ruff_banned("src/fours_adapters/_probe.py", BAD_CALLS["pendulum.now"]) == set()


def test_ruff_accepts_what_the_domain_does() -> None:
    good = (
        "import pendulum\n\nfrom fours_domain.shared.time import Clock, StoreTimeZone\n\n\n"
        "def today(zone: StoreTimeZone, clock: Clock) -> pendulum.Date:\n"
        "    return zone.today(clock)\n"
    )
    assert ruff_banned("src/fours_domain/org/_probe.py", good) == set()


def forbidden_modules() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    pure = next(c for c in contracts if c["source_modules"] == ["fours_domain"])
    return [m for m in pure["forbidden_modules"] if not m.startswith("fours_")]


def test_import_linter_breaks_on_every_forbidden_module(tmp_path: Path) -> None:
    modules = forbidden_modules()
    assert {"sys", "logging", "threading", "importlib", "platform", "asyncio", "glob"} <= set(
        modules
    )
    assert {"ssl", "socket", "subprocess", "shutil", "tempfile", "io", "time", "os"} <= set(modules)
    shutil.copytree(ROOT / "src", tmp_path / "src", ignore=shutil.ignore_patterns("__pycache__"))
    probe = tmp_path / "src" / "fours_domain" / "shared" / "_probe.py"
    probe.write_text("".join(f"import {m}  # noqa\n" for m in modules), encoding="utf-8")
    done = subprocess.run(
        [str(BIN / "lint-imports"), "--no-cache", str(ROOT / "pyproject.toml")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PATH": str(BIN), "PYTHONPATH": str(tmp_path / "src")},
        check=False,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "The domain is pure: no adapters, no CLI, no I/O or framework library BROKEN" in (
        done.stdout
    )
    # Each broken import is listed as "-   fours_domain.shared._probe -> sys (l.1)".
    reported = {
        line.split(" -> ")[1].split(" (l.")[0]
        for line in done.stdout.splitlines()
        if "fours_domain.shared._probe -> " in line
    }
    assert reported == set(modules)
