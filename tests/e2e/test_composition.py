"""Composition roots: the container's selectors and overrides; the CI rule for PostgreSQL."""

import os
import subprocess
import sys
from pathlib import Path

import pendulum
from dependency_injector import providers

from fours_adapters.sms.file import FileSmsGateway
from fours_cli.containers import make_container, storage_kind
from fours_domain.crm.ports import SmsMessage, SmsPurpose
from fours_domain.shared.identifiers import MobileNumber
from fours_domain.shared.time import FixedClock

ROOT = Path(__file__).resolve().parents[2]


def test_storage_selector_follows_the_url() -> None:
    assert storage_kind("sqlite:///x.db") == "sqlite"
    assert storage_kind("postgres://u@h/db") == "postgresql"
    container = make_container("postgresql://postgres@127.0.0.1:5432/test", {})
    assert container.engine().url.drivername == "postgresql+psycopg"
    container = make_container(None, {"FOURS_DB_URL": "sqlite://"})
    assert container.engine().url.drivername == "sqlite"


def test_override_the_clock_and_use_the_file_sms_gateway(tmp_path: Path) -> None:
    outbox = tmp_path / "sms.jsonl"
    container = make_container("sqlite://", {"FOURS_SMS_FILE": str(outbox)})
    fixed = FixedClock(pendulum.datetime(2026, 1, 1, tz="UTC"))
    with container.clock.override(providers.Object(fixed)):
        app = container.app()
    assert app.clock.now() == fixed.now()
    assert isinstance(app.sms, FileSmsGateway)
    to = MobileNumber.parse("13812345678").unwrap()
    app.sms.send(SmsMessage(to, "SMS_001", {"name": "王"}, SmsPurpose.NOTIFICATION, "k1"))
    assert '"to": "+8613812345678"' in outbox.read_text(encoding="utf-8")
    app.close()


def test_ci_fails_loudly_without_postgresql(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "CI": "true",
        "FOURS_TEST_PG_URL": "postgresql+psycopg://postgres@127.0.0.1:1/none?connect_timeout=2",
    }
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:xdist",
            "-p",
            "no:cacheprovider",
            "tests/integration/test_schema.py::test_status_is_up_to_date",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode != 0
    assert "CI=true and PostgreSQL not reachable" in done.stdout
    env["CI"] = ""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-rs",
            "-p",
            "no:xdist",
            "-p",
            "no:cacheprovider",
            "tests/integration/test_schema.py::test_status_is_up_to_date",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0
    assert "PostgreSQL not reachable" in done.stdout


def test_the_dms_provider_comes_from_configuration_and_can_be_overridden(tmp_path: Path) -> None:
    from fours_adapters.dms.discovery import DmsAdapters

    config = tmp_path / "dms.toml"
    config.write_text('[brands.AUDI]\nadapter = "star"\n[dealers]\n"F-1" = "sh01"\n')
    container = make_container(
        "sqlite://", {"FOURS_DMS_CONFIG": str(config), "FOURS_STAR_DIR": str(tmp_path)}
    )
    app = container.app()
    assert app.dms is container.dms()
    assert (app.dms.config, app.dms.star_dir) == (config, tmp_path)
    assert app.dms.dealers == {"F-1": "SH01"}
    feed = app.dms.for_brand("audi")
    assert feed.name == "star" and feed.schema_dir == tmp_path  # type: ignore[attr-defined]
    app.close()
    fixed = DmsAdapters()
    other = make_container("sqlite://", {"FOURS_DMS_CONFIG": str(config)})
    with other.dms.override(providers.Object(fixed)):
        assert other.app().dms is fixed
    assert make_container("sqlite://", {}).app().dms.config is None
