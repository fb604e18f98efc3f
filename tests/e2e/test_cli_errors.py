"""Every failure of ``fours`` is one line (or one JSON object with --json), never a traceback.

Exit codes (ADR 0007): 1 refused, 2 not found or usage, 3 database, 4 configuration.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from fours_cli.cli import cli
from fours_cli.containers import SMS_GATEWAYS, make_container


def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False, prog_name="fours")


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'errors.db'}"


@pytest.fixture
def migrated(db: str) -> str:
    assert invoke("--db", db, "db", "upgrade").exit_code == 0
    return db


def one_line_error(result: Result) -> str:
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    return lines[0]


def json_error(result: Result) -> dict[str, object]:
    assert result.stderr == ""
    payload = json.loads(result.stdout)
    assert isinstance(payload, dict) and {"error", "message"} <= payload.keys()
    return payload


# ---------------------------------------------------------------- configuration (exit 4)


@pytest.mark.parametrize("command", [("db", "status"), ("org", "show"), ("db", "upgrade")])
def test_an_unknown_sms_gateway_is_one_line_naming_the_known_ones(
    db: str, command: tuple[str, ...]
) -> None:
    result = invoke("--db", db, *command, env={"FOURS_SMS_GATEWAY": "aliyun"})
    assert result.exit_code == 4
    line = one_line_error(result)
    assert "FOURS_SMS_GATEWAY='aliyun'" in line and "known: file" in line


def test_an_unknown_sms_gateway_in_json(db: str) -> None:
    result = invoke("--json", "--db", db, "db", "status", env={"FOURS_SMS_GATEWAY": "twilio"})
    assert result.exit_code == 4
    assert json_error(result) == {
        "error": "configuration_error",
        "message": "FOURS_SMS_GATEWAY='twilio' is not a configured SMS gateway; known: file",
        "setting": "FOURS_SMS_GATEWAY",
    }


def test_the_sms_gateway_is_built_only_when_used() -> None:
    built: list[str] = []

    def gateway() -> object:
        built.append("sms")
        return object()

    from dependency_injector import providers

    container = make_container("sqlite://", {})
    with container.sms.override(providers.Callable(gateway)):
        app = container.app()
        app.upgrade_schema()
        with app.uow() as uow:
            assert uow.org.get_group() is None
        assert built == []  # storage work needs no gateway
        first = app.sms
        assert app.sms is first and built == ["sms"]
    app.close()
    assert SMS_GATEWAYS == ("file",)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("foo://bar", "unsupported database URL 'foo://bar'"),
        ("notaurl", "cannot parse the database URL 'notaurl'"),
        ("mysql://u@db/fours", "unsupported database URL 'mysql://u@db/fours'"),
        ("postgresql+psycopg2://u:secret@db/f", "through psycopg 3"),
    ],
)
def test_a_bad_database_url_is_one_line(url: str, expected: str) -> None:
    result = invoke("--db", url, "org", "show")
    assert result.exit_code == 4
    line = one_line_error(result)
    assert expected in line and "secret" not in line
    as_json = json_error(invoke("--json", "--db", url, "org", "show"))
    assert as_json["error"] == "configuration_error" and expected in str(as_json["message"])


def test_a_bad_url_from_the_environment_is_one_line() -> None:
    result = invoke("org", "show", env={"FOURS_DB_URL": "foo://bar"})
    assert result.exit_code == 4 and "foo://bar" in one_line_error(result)


@pytest.mark.parametrize("pool", ["abc", "0", "-1", "2.5", ""])
def test_a_bad_pool_size_is_one_line(db: str, pool: str) -> None:
    result = invoke("--db", db, "org", "show", env={"FOURS_DB_POOL_SIZE": pool})
    assert result.exit_code == 4
    assert f"FOURS_DB_POOL_SIZE must be a whole number of connections, 1 or more; got {pool!r}" in (
        one_line_error(result)
    )


def test_a_good_pool_size_is_used_for_postgresql() -> None:
    container = make_container("postgresql://u@127.0.0.1:1/x", {"FOURS_DB_POOL_SIZE": " 7 "})
    engine = container.engine()
    assert engine.pool.size() == 7
    engine.dispose()


# ---------------------------------------------------------------- --json: every error is JSON


def test_a_database_error_in_json(db: str) -> None:
    result = invoke("--json", "--db", db, "org", "show")
    assert result.exit_code == 3
    payload = json_error(result)
    assert payload["error"] == "database_schema_missing"
    assert "run 'fours db upgrade'" in str(payload["message"])
    plain = invoke("--db", db, "org", "show")
    assert plain.exit_code == 3 and "fours db upgrade" in one_line_error(plain)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("org", "add-showroom", "S9", "x"), "this command needs a store"),
        (("org", "--nope"), "No such option '--nope'"),
        (("--nope",), "No such option '--nope'"),
        (("org", "add-region", "R1"), "Missing argument 'NAME'"),
        (("org", "nope"), "No such command 'nope'"),
        (("--store", "S1", "org", "add-warehouse", "W", "x", "--kind", "boats"), "'boats'"),
    ],
)
def test_usage_errors_in_json_and_as_one_line(
    migrated: str, args: tuple[str, ...], message: str
) -> None:
    as_json = invoke("--json", "--db", migrated, *args)
    assert as_json.exit_code == 2
    payload = json_error(as_json)
    assert payload["error"] == "usage_error" and message in str(payload["message"])
    assert str(payload["command"]).startswith("fours")
    plain = invoke("--db", migrated, *args)
    assert plain.exit_code == 2
    line = one_line_error(plain)
    assert message in line and "--help'" in line


def test_refusals_in_json_go_to_stdout_with_the_exit_code(migrated: str) -> None:
    refused = invoke("--json", "--db", migrated, "org", "add-region", "R1", "R")
    assert refused.exit_code == 2
    assert json_error(refused)["error"] == "not_found"
    invoke("--db", migrated, "org", "init", "G", "Group")
    bad = invoke("--json", "--db", migrated, "org", "add-region", "no spaces", "R")
    assert bad.exit_code == 1
    assert json_error(bad) == {
        "error": "invariant_violation",
        "message": "region id 'no spaces' must be 1–32 characters of A–Z, 0–9, '-' or '_'",
        "value": "no spaces",
    }


def test_the_installed_script_reports_configuration_errors_without_a_traceback(
    tmp_path: Path,
) -> None:
    fours = str(Path(sys.executable).parent / "fours")
    env = {**os.environ, "FOURS_SMS_GATEWAY": "aliyun", "FOURS_DB_URL": f"sqlite:///{tmp_path}/x"}
    done = subprocess.run(
        [fours, "db", "status"], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 4 and "Traceback" not in done.stderr
    assert done.stderr.strip() == (
        "Error: FOURS_SMS_GATEWAY='aliyun' is not a configured SMS gateway; known: file"
    )
